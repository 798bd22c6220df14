/**
 * Learning bounded by intent. In learn mode the engine says `learn` only for a deviation that fits
 * what the container was declared to be (engine.ts, fitsIntent); the learner turns those into
 * allowances of a new charter version, each with provenance `learned`: the evidence (which
 * declaration bounded it), when it was first and last seen, how often. Everything else that
 * deviated waits in the review queue, never learned.
 *
 * Learning ends on command (`end()`) or after a quiet window: once no new behaviour has been
 * learned for that long (in event time), the learned charter is final.
 */
import { dirname } from 'node:path/posix';
import type { Charter, ContainerCharter, PeerRule, PortRule, ProcessRule, Protocol, Source, WritablePath } from '../model/charter.js';
import type { RuntimeEvent } from '../model/events.js';
import type { Verdict } from '../model/verdicts.js';
import { compareStrings } from '../util/sort.js';

/** Distinct learned rules and review entries kept: learning is for one application, not the fleet. */
const MAX_ENTRIES = 10_000;

interface Learned {
  container: string;
  key: string;
  add: (c: ContainerCharter, source: Source) => void;
  evidence: string;
  first: string;
  last: string;
  count: number;
}

export interface ReviewEntry {
  container: string;
  event: string;
  classification: string;
  what: string;
  patterns: string[];
  first: string;
  count: number;
}

function netProtocol(p: string): Protocol | undefined {
  return p === 'tcp' || p === 'udp' || p === 'sctp' ? p : undefined;
}

export class Learner {
  private readonly learned = new Map<string, Learned>();
  private readonly review = new Map<string, ReviewEntry>();
  private lastLearnedAt: number | undefined;
  private endedAt: string | undefined;

  constructor(
    /** Quiet window in milliseconds of event time; undefined: learning ends only on command. */
    private readonly quietMs?: number,
  ) {}

  /** Whether learning has ended (by command or quiet window) as of this event time. */
  ended(time?: string): boolean {
    if (this.endedAt !== undefined) return true;
    if (this.quietMs === undefined || time === undefined || this.lastLearnedAt === undefined) return false;
    const t = Date.parse(time);
    if (!Number.isNaN(t) && t - this.lastLearnedAt >= this.quietMs) {
      this.endedAt = new Date(this.lastLearnedAt + this.quietMs).toISOString();
      return true;
    }
    return false;
  }

  end(time: string): void {
    this.endedAt ??= time;
  }

  /** Takes one verdict of a learn-mode engine with its event. */
  observe(v: Verdict, e: RuntimeEvent): void {
    if (!v.deviation || this.ended(e.time)) return;
    if (v.action !== 'learn') {
      const key = `${v.container}\0${v.deviation.what}`;
      const r = this.review.get(key);
      if (r) r.count++;
      else if (this.review.size < MAX_ENTRIES)
        this.review.set(key, {
          container: v.container,
          event: v.event,
          classification: v.deviation.classification,
          what: v.deviation.what,
          patterns: v.deviation.patterns.map((p) => p.id),
          first: e.time,
          count: 1,
        });
      return;
    }
    const rule = v.fit ? ruleFor(e, v.fit.peer) : undefined;
    if (!rule) return;
    const evidence = v.fit!.evidence;
    const key = `${v.container}\0${rule.key}`;
    const found = this.learned.get(key);
    if (found) {
      found.count++;
      found.last = e.time;
      return;
    }
    if (this.learned.size >= MAX_ENTRIES) return;
    this.learned.set(key, { container: v.container, key: rule.key, add: rule.add, evidence, first: e.time, last: e.time, count: 1 });
    const t = Date.parse(e.time);
    if (!Number.isNaN(t)) this.lastLearnedAt = t;
  }

  /** The review queue: what deviated and was not learned, most frequent first. */
  queue(): ReviewEntry[] {
    return [...this.review.values()].sort(
      (a, b) => b.count - a.count || compareStrings(a.container, b.container) || compareStrings(a.what, b.what),
    );
  }

  /** How many distinct behaviours were learned. */
  get size(): number {
    return this.learned.size;
  }

  /** The new charter version: the given one with every learned allowance added, each sourced `learned`. */
  charter(base: Charter): Charter {
    const out = structuredClone(base);
    const byName = new Map(out.containers.map((c) => [c.name, c]));
    const entries = [...this.learned.values()].sort((a, b) => compareStrings(a.container, b.container) || compareStrings(a.key, b.key));
    for (const l of entries) {
      const c = byName.get(l.container);
      if (!c) continue;
      l.add(c, { kind: 'learned', artifact: 'runtime', seen: { first: l.first, last: l.last, count: l.count }, reason: l.evidence });
    }
    return out;
  }
}

/** The charter allowance an event that fits intent becomes. */
function ruleFor(e: RuntimeEvent, peer: string | undefined): { key: string; add: (c: ContainerCharter, s: Source) => void } | undefined {
  switch (e.kind) {
    case 'connect':
    case 'send': {
      const protocol = netProtocol(e.protocol);
      const port = e.remote?.port;
      if (!protocol || port === undefined) return undefined;
      return {
        key: `egress ${protocol}/${port} ${e.remote!.address}`,
        add: (c, s) => {
          const rule: PeerRule = {
            peer: peer
              ? { kind: 'container', name: peer }
              : { kind: 'cidr', cidr: `${e.remote!.address}/${e.remote!.address.includes(':') ? 128 : 32}` },
            port,
            protocol,
            sources: [s],
          };
          c.network.egress.push(rule);
          c.network.none = false;
        },
      };
    }
    case 'listen': {
      const protocol = netProtocol(e.protocol);
      const port = e.local?.port;
      if (!protocol || port === undefined) return undefined;
      return {
        key: `listen ${protocol}/${port}`,
        add: (c, s) => {
          const rule: PortRule = { port, protocol, sources: [s] };
          c.network.listen.push(rule);
          c.network.none = false;
        },
      };
    }
    case 'exec': {
      const path = e.process.path;
      if (path === undefined) return undefined;
      return {
        key: `exec ${path}`,
        add: (c, s) => {
          const rule: ProcessRule = {
            path,
            purpose: 'spawned',
            sources: [s],
            ...(e.process.sha256 !== undefined ? { sha256: e.process.sha256 } : {}),
          };
          c.processes.push(rule);
        },
      };
    }
    case 'open':
    case 'chmod':
    case 'unlink':
    case 'rename': {
      const dir = dirname(e.kind === 'rename' ? e.to : e.path);
      return {
        key: `write ${dir}`,
        add: (c, s) => {
          const rule: WritablePath = { path: dir, kind: 'data-dir', sources: [s] };
          c.filesystem.writable.push(rule);
        },
      };
    }
    case 'privilege':
      if (e.op !== 'capability' || e.capability === undefined) return undefined;
      return { key: `capability ${e.capability}`, add: (c, s) => void c.capabilities.push({ name: e.capability!, sources: [s] }) };
    default:
      return undefined;
  }
}
