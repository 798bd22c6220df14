/**
 * The runtime engine: events in, verdicts out. It compiles the charter once, matches each event's
 * container, asks the judge of the event's kind, classifies a deviation by the attack and drift
 * patterns, and says what the container's mode does with it (allow, alert, block, learn, review).
 *
 * Learning is bounded by intent: in learn mode a deviation that fits what the container was
 * declared to be (a peer of the application on a port that peer listens on; a program, port, data
 * directory or capability of a role the container has) is `learn`; one that contradicts it (any
 * attack or drift pattern, egress from a container that declares no network, a changed file, a
 * program not in the image) is `review`, never learned.
 */
import { loadAttackPatterns, type AttackPattern } from '../../knowledge/attack-patterns.js';
import { loadKnowledge, type RoleEntry } from '../../knowledge/index.js';
import type { Charter } from '../../model/charter.js';
import type { ContainerRef, RuntimeEvent } from '../../model/events.js';
import type { Action, AllowingRule, Classification, Deviation, Mode, Verdict } from '../../model/verdicts.js';
import { compileCharter, type CompiledCharter, type CompiledContainer } from './compile.js';
import { describeEvent } from './describe.js';
import { EMPTY_ADDRESS_BOOK, hintsFor, judge, type AddressBook, type Judgement } from './judge.js';
import { ContainerMatcher } from './match-container.js';
import { PatternMatcher } from './patterns.js';

export interface EngineOptions {
  /** The mode of every container not named in `modes`; `protect` when absent (the static profile alone is enforceable). */
  readonly mode?: Mode;
  readonly modes?: ReadonlyMap<string, Mode>;
  readonly addressBook?: AddressBook;
  /** Runtime container id, short id or name → charter container name. */
  readonly containers?: ReadonlyMap<string, string>;
  /** The patterns to classify by (the knowledge base's when absent). */
  readonly patterns?: readonly AttackPattern[];
}

export type Outcome = { verdict: Verdict } | { unmatched: ContainerRef };

/** Kinds whose deviation the runtime can stop (deny the one call or kill the one process); a process ending cannot be. */
function blockable(e: RuntimeEvent): boolean {
  return e.kind !== 'exit';
}

export class RuntimeEngine {
  readonly compiled: CompiledCharter;
  /** Which charter container an event's container is; an agent binds runtime ids on it as containers start. */
  readonly matcher: ContainerMatcher;
  private readonly patterns: PatternMatcher;
  private readonly modes: Map<string, Mode>;
  /** Modes of single runtime containers (one replica switched to protect), before their charter container's. */
  private readonly runtimeModes = new Map<string, Mode>();
  private readonly defaultMode: Mode;
  private readonly book: AddressBook;
  private readonly roles: ReadonlyMap<string, RoleEntry>;

  constructor(charter: Charter, opts: EngineOptions = {}) {
    this.compiled = compileCharter(charter);
    this.matcher = new ContainerMatcher(charter, opts.containers);
    this.patterns = new PatternMatcher(opts.patterns ?? loadAttackPatterns().patterns);
    this.modes = new Map(opts.modes ?? []);
    this.defaultMode = opts.mode ?? 'protect';
    this.book = opts.addressBook ?? EMPTY_ADDRESS_BOOK;
    this.roles = new Map(loadKnowledge().roles.map((r) => [r.id, r]));
  }

  /** Switches one container's mode at run time (learn → monitor → protect, or back). */
  setMode(container: string, mode: Mode): void {
    this.modes.set(container, mode);
  }

  modeOf(container: string): Mode {
    return this.modes.get(container) ?? this.defaultMode;
  }

  /** Switches one runtime container (by its id) without its siblings of the same charter container; undefined goes back to theirs. */
  setRuntimeMode(runtimeId: string, mode: Mode | undefined): void {
    if (mode === undefined) this.runtimeModes.delete(runtimeId);
    else this.runtimeModes.set(runtimeId, mode);
  }

  /** The mode a runtime container of a charter container is judged in. */
  runtimeModeOf(runtimeId: string, container: string): Mode {
    return this.runtimeModes.get(runtimeId) ?? this.modeOf(container);
  }

  /**
   * One event's verdict. With `quiet`, an allowed event answers `{ allowed }` without a verdict (no
   * text built): replay of millions of events builds verdicts only for what it prints.
   */
  judge(e: RuntimeEvent, line?: number, quiet?: false): Outcome;
  judge(e: RuntimeEvent, line: number | undefined, quiet: boolean): Outcome | { allowed: AllowingRule };
  judge(e: RuntimeEvent, line?: number, quiet = false): Outcome | { allowed: AllowingRule } {
    const match = this.matcher.match(e.container);
    const c = match ? this.compiled.containers.get(match.name) : undefined;
    if (!c) return { unmatched: e.container };
    const mode = this.runtimeModeOf(e.container.id, c.name);
    const j = judge(c, e, this.book);
    // Allowances of the runtime's own (reads, loopback, device files) and rules that allow everything of
    // their kind (egress anywhere, a writable root) do not shield an event a pattern names.
    const byCharter = 'allowed' in j && j.allowed.kind !== 'runtime' && j.broad !== true;
    const pat = byCharter ? undefined : this.patterns.match(e, c.name, 'modeBits' in j ? j.modeBits : undefined);
    if ('allowed' in j && (pat === undefined || pat.hits.length === 0)) {
      return quiet ? { allowed: j.allowed } : { verdict: verdict(e, line, c.name, mode, 'allow', j.allowed, undefined) };
    }
    const hits = [...(pat?.hits ?? [])];
    const drift = ('drift' in j && j.drift === true) || pat?.drift === true;
    const classification: Classification = pat?.attack === true ? 'attack' : drift ? 'drift' : 'undeclared';
    const fit = mode === 'learn' && classification === 'undeclared' ? this.intentFit(c, e, j) : undefined;
    const action: Action =
      mode === 'protect' ? (blockable(e) ? 'block' : 'alert') : mode === 'monitor' ? 'alert' : fit ? 'learn' : 'review';
    const deviation: Deviation =
      'allowed' in j
        ? {
            what: describeEvent(e),
            missing: `nothing declares it, and it matches ${hits.map((h) => h.name).join('; ')}`,
            wouldAllow: [],
            classification,
            patterns: hits,
          }
        : { what: j.what, missing: j.missing, wouldAllow: hintsFor(c, j), classification, patterns: hits };
    const v = verdict(e, line, c.name, mode, action, undefined, deviation);
    if (fit) v.fit = fit;
    return { verdict: v };
  }

  /** Why an undeclared behaviour fits what the container was declared to be (see the module comment), or undefined. */
  private intentFit(c: CompiledContainer, e: RuntimeEvent, j: Judgement): { evidence: string; peer?: string } | undefined {
    if ('allowed' in j) return undefined;
    const roles = c.charter.roles.map((r) => this.roles.get(r.id)).filter((r): r is RoleEntry => r !== undefined && !r.suspicious);
    // A role known by a name alone may be confirmed by what the image ships and the ports it opens,
    // never widened into writable paths or capabilities on its name.
    const proven = c.charter.roles
      .filter((r) => r.evidence !== 'name')
      .map((r) => this.roles.get(r.id))
      .filter((r): r is RoleEntry => r !== undefined && !r.suspicious);
    switch (e.kind) {
      case 'connect':
      case 'send': {
        if (c.noNetwork || e.remote?.port === undefined) return undefined;
        // A service role that calls nothing but DNS (a cache, most databases) contradicts any new
        // peer; a launcher's or a shell's own `none` says nothing of the program it runs.
        if (roles.some((r) => (r.category === 'database' || r.category === 'cache') && (r.egress === 'none' || r.egress === 'dns')))
          return undefined;
        const peer = this.book.lookup(e.remote.address)?.container;
        const target = peer !== undefined ? this.compiled.containers.get(peer) : undefined;
        const serves = target?.listen.get(`${e.protocol}/${e.remote.port}`);
        if (!target || !serves) return undefined;
        const at = serves.sources[0];
        return {
          evidence: `peer ${target.name} of the application serves ${e.protocol}/${e.remote.port}${at ? ` (${at.artifact}${at.line !== undefined ? `:${at.line}` : ''})` : ''}`,
          peer: target.name,
        };
      }
      case 'exec': {
        if (e.process.origin !== 'image' || e.process.path === undefined) return undefined;
        const name = e.process.path.slice(e.process.path.lastIndexOf('/') + 1);
        const role = roles.find((r) => r.processes.includes(name));
        return role ? { evidence: `${name} is a program of the ${role.name} role, shipped by the image` } : undefined;
      }
      case 'listen': {
        const port = e.local?.port;
        const role = port === undefined ? undefined : roles.find((r) => r.listen.some((l) => l.port === port && l.protocol === e.protocol));
        return role ? { evidence: `${e.protocol}/${port} is the ${role.name} role's port` } : undefined;
      }
      case 'open':
      case 'chmod':
      case 'rename':
      case 'unlink': {
        const path = e.kind === 'rename' ? e.to : e.path;
        const role = proven.find((r) => r.dataDirs.some((d) => path === d || path.startsWith(`${d}/`)));
        return role ? { evidence: `${path} is under a data directory of the ${role.name} role` } : undefined;
      }
      case 'privilege': {
        const cap = e.op === 'capability' ? e.capability : undefined;
        const role = cap === undefined ? undefined : proven.find((r) => r.capabilities.includes(cap));
        return role ? { evidence: `${cap!} is a capability the ${role.name} role needs` } : undefined;
      }
      default:
        return undefined;
    }
  }
}

/** A verdict built as one literal (object spreads cost more than the judging on hot streams). */
function verdict(
  e: RuntimeEvent,
  line: number | undefined,
  container: string,
  mode: Mode,
  action: Action,
  allowed: AllowingRule | undefined,
  deviation: Deviation | undefined,
): Verdict {
  const v: Verdict =
    line !== undefined
      ? { line, time: e.time, kind: e.kind, event: describeEvent(e), containerId: e.container.id, container, mode, action }
      : { time: e.time, kind: e.kind, event: describeEvent(e), containerId: e.container.id, container, mode, action };
  if (allowed) v.allowed = allowed;
  if (deviation) v.deviation = deviation;
  return v;
}
