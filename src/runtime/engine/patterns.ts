/**
 * The attack and drift patterns (knowledge/attack-patterns.json) compiled by event kind, and the
 * one stateful condition they use (distinct remote addresses within a window: a sweep). Time is the
 * events' own, never the clock, so a replay gives the same answers as the live run did.
 */
import { basename } from 'node:path/posix';
import type { AttackPattern, PatternMatch } from '../../knowledge/attack-patterns.js';
import type { EventKind, RuntimeEvent } from '../../model/events.js';
import type { PatternHit } from '../../model/verdicts.js';
import { isInternal, parseIp } from '../../util/ip.js';
import { isMultiCallName } from '../../knowledge/multi-call.js';
import { appletOf } from '../../profile/multi-call.js';

interface Compiled {
  readonly pattern: AttackPattern;
  readonly hit: PatternHit;
  readonly m: PatternMatch;
  readonly processNames?: ReadonlySet<string>;
  readonly paths?: ReadonlySet<string>;
  readonly remotePorts?: ReadonlySet<number>;
  readonly syscalls?: ReadonlySet<string>;
  readonly capabilities?: ReadonlySet<string>;
}

/**
 * The program a process is: its file's name, or for a multi-call binary (busybox nc) the applet it
 * runs as; the name the process gives itself only when the source reported no path.
 */
function programName(e: RuntimeEvent): string | undefined {
  const p = e.process;
  if (p.path === undefined) return p.name;
  const file = basename(p.path);
  if (!isMultiCallName(file)) return file;
  return appletOf(p.argv?.[0] ?? p.path, p.argv?.slice(1), file) ?? file;
}

/** The path a file event is about (rename: either end). */
function filePaths(e: RuntimeEvent): string[] {
  if (e.kind === 'rename') return [e.path, e.to];
  if (e.kind === 'open' || e.kind === 'chmod' || e.kind === 'unlink') return [e.path];
  return [];
}

function writes(e: RuntimeEvent): boolean {
  if (e.kind === 'open') return e.write;
  return e.kind === 'rename' || e.kind === 'chmod' || e.kind === 'unlink';
}

/** Sliding windows of distinct remote endpoints per container, for `distinctRemotes`. */
class SweepWindows {
  private readonly windows = new Map<string, Map<string, number>>();

  /** Records the endpoint and answers how many distinct ones the container reached within the window. */
  count(container: string, endpoint: string, atMs: number, windowMs: number): number {
    let w = this.windows.get(container);
    if (!w) {
      if (this.windows.size >= 10_000) this.windows.clear();
      w = new Map();
      this.windows.set(container, w);
    }
    w.set(endpoint, atMs);
    if (w.size > 4096) w.delete(w.keys().next().value!);
    let n = 0;
    for (const [k, t] of w) {
      if (atMs - t > windowMs) w.delete(k);
      else n++;
    }
    return n;
  }
}

export interface PatternResult {
  readonly hits: readonly PatternHit[];
  readonly drift: boolean;
  readonly attack: boolean;
}

const NONE: readonly Compiled[] = [];
const NO_MATCH: PatternResult = { hits: [], drift: false, attack: false };

export class PatternMatcher {
  private readonly byKind = new Map<EventKind, Compiled[]>();
  private readonly sweeps = new SweepWindows();

  constructor(patterns: readonly AttackPattern[]) {
    for (const p of patterns) {
      const m = p.match;
      const c: Compiled = {
        pattern: p,
        hit: { id: p.id, name: p.name, mitre: p.mitre, source: p.source },
        m,
        ...(m.processNames ? { processNames: new Set(m.processNames) } : {}),
        ...(m.paths ? { paths: new Set(m.paths) } : {}),
        ...(m.remotePorts ? { remotePorts: new Set(m.remotePorts) } : {}),
        ...(m.syscalls ? { syscalls: new Set(m.syscalls) } : {}),
        ...(m.capabilities ? { capabilities: new Set(m.capabilities) } : {}),
      };
      for (const k of m.kinds) {
        const list = this.byKind.get(k) ?? [];
        list.push(c);
        this.byKind.set(k, list);
      }
    }
  }

  /**
   * The patterns a deviating event matches, with their classification. `container` keys the
   * stateful windows; only deviations are offered (an allowed connection is not part of a sweep).
   * `modeBits`: for a syscall event, the mode bits the judge established the call asked for (a
   * chmod the seccomp profile refused only for set-id bits), which `modeBits` conditions read.
   */
  match(e: RuntimeEvent, container: string, modeBits?: number): PatternResult {
    let hits: PatternHit[] | undefined;
    let drift = false;
    let attack = false;
    for (const c of this.byKind.get(e.kind) ?? NONE) {
      if (!this.matches(c, e, container, modeBits)) continue;
      (hits ??= []).push(c.hit);
      if (c.pattern.classification === 'drift') drift = true;
      else attack = true;
    }
    // Most events match nothing: one shared answer, no allocation.
    return hits ? { hits, drift, attack } : NO_MATCH;
  }

  private matches(c: Compiled, e: RuntimeEvent, container: string, known: number | undefined): boolean {
    const m = c.m;
    const proc = e.process;
    if (c.processNames) {
      const name = programName(e);
      if (name === undefined || !c.processNames.has(name)) return false;
    }
    if (m.execPathPrefixes && !(proc.path !== undefined && m.execPathPrefixes.some((p) => proc.path!.startsWith(p)))) return false;
    if (m.origins && !(proc.origin !== undefined && m.origins.includes(proc.origin))) return false;
    if (m.argvContains) {
      const argv = proc.argv ?? [];
      const line = argv.join(' ');
      if (!m.argvContains.some((n) => (n.includes(' ') ? line.includes(n) : argv.some((a) => a.includes(n))))) return false;
    }
    if (c.paths || m.pathPrefixes) {
      const paths = filePaths(e);
      const hit = paths.some((p) => c.paths?.has(p) === true || m.pathPrefixes?.some((pre) => p.startsWith(pre)) === true);
      if (!hit) return false;
    }
    if (m.write !== undefined && writes(e) !== m.write) return false;
    if (m.modeBits !== undefined) {
      const mode = e.kind === 'chmod' ? e.mode : e.kind === 'syscall' ? known : undefined;
      if (mode === undefined || (mode & m.modeBits) === 0) return false;
    }
    if (c.syscalls && !(e.kind === 'syscall' && c.syscalls.has(e.name))) return false;
    if (e.kind === 'privilege') {
      if (m.privilegeOps && !m.privilegeOps.includes(e.op)) return false;
      if (m.toUid !== undefined && !(e.to === m.toUid && e.from !== m.toUid && (e.from !== undefined || proc.uid !== m.toUid)))
        return false;
      if (c.capabilities && !(e.capability !== undefined && c.capabilities.has(e.capability))) return false;
    } else if (m.privilegeOps || m.toUid !== undefined || c.capabilities) return false;
    if (e.kind === 'connect' || e.kind === 'send' || e.kind === 'listen' || e.kind === 'accept') {
      if (m.protocols && !m.protocols.includes(e.protocol)) return false;
      const remote = e.remote;
      if (c.remotePorts && !(remote?.port !== undefined && c.remotePorts.has(remote.port))) return false;
      if (m.remoteDomains) {
        const dns = e.dnsName?.toLowerCase();
        if (dns === undefined || !m.remoteDomains.some((d) => dns === d || dns.endsWith(`.${d}`))) return false;
      }
      if (m.remoteScope) {
        const ip = remote ? parseIp(remote.address) : undefined;
        if (!ip || isInternal(ip) !== (m.remoteScope === 'internal')) return false;
      }
      if (m.distinctRemotes) {
        if (!remote) return false;
        const at = Date.parse(e.time);
        if (Number.isNaN(at)) return false;
        const n = this.sweeps.count(
          `${container}\0${c.pattern.id}`,
          `${remote.address}:${remote.port ?? ''}`,
          at,
          m.distinctRemotes.windowSeconds * 1000,
        );
        if (n < m.distinctRemotes.count) return false;
      }
    } else if (m.protocols || c.remotePorts || m.remoteDomains || m.remoteScope || m.distinctRemotes) return false;
    return true;
  }
}
