/**
 * The host agent's shapes, shared by its parts: the agent loop (discovery, sensor, engine, spool),
 * its control socket (`charter status`, `charter mode`), its metrics endpoint and its response
 * ladder. Pure types; the parts that do I/O import them, never each other's internals.
 */
import type { Mode, Verdict } from '../../model/verdicts.js';

/** A running container as the runtime (podman) describes it. */
export interface RunningContainer {
  /** Full runtime id (64 hex for podman). */
  readonly id: string;
  readonly name: string;
  /** The image reference it was started from (`localhost/shop/api:1.2`). */
  readonly image: string;
  /** The image's id (`sha256:…` or 64 hex), when the runtime says it. */
  readonly imageId?: string;
  /**
   * The image's manifest digest (`sha256:…`), when the runtime says it: what a charter's
   * `identity.digest` holds for a profiled image, so the very image profiled is recognised.
   */
  readonly imageDigest?: string;
  /** Host pid of the container's first process (0 when it is not running). */
  readonly pid: number;
  /** Its cgroup-v2 directory, when found. */
  readonly cgroup?: string;
  readonly labels: Readonly<Record<string, string>>;
  /** Its IP addresses on the runtime's networks: where its peers' connects go, for their allow sets. */
  readonly addresses?: readonly string[];
  /**
   * The host directory of its root file system's writable layer (overlay `UpperDir`): a file there
   * was created or changed after the container started.
   */
  readonly upperDir?: string;
}

/**
 * The ladder of responses, gentlest first. `deny` refuses the one operation in the kernel (exec,
 * connect, open); `kill` ends the offending process; `block-peer` refuses every later connection of
 * the container to that peer; `pause` and `stop` act on the whole container and are never defaults.
 */
export const RESPONSE_STEPS = ['alert', 'deny', 'kill', 'block-peer', 'pause', 'stop'] as const;
export type ResponseStep = (typeof RESPONSE_STEPS)[number];

/** One action the agent took (or failed to take), audited beside the verdict that caused it. */
export interface ResponseAction {
  readonly step: ResponseStep;
  /** Why this step: the rule of the response policy that chose it (`default`, `pattern reverse-shell`, `classification drift`). */
  readonly rule: string;
  /** What it acted on: `pid 4242`, `10.0.0.7:4444`, the container id. */
  readonly target: string;
  readonly ok: boolean;
  readonly error?: string;
}

/** One line of the alerts file and one row of the store: a deviation, what was done, in order. */
export interface AlertRecord {
  /** 1, 2, 3 … in the order the agent committed them; never reused across restarts. */
  readonly seq: number;
  /** When the agent committed it (RFC 3339). */
  readonly at: string;
  /** `deviation` for a verdict; `gap` when the agent or its sensor was not watching for a while; `drops` when events were lost. */
  readonly type: 'deviation' | 'gap' | 'drops' | 'profile';
  readonly containerId?: string;
  readonly container?: string;
  readonly verdict?: Verdict;
  readonly actions?: readonly ResponseAction[];
  /** For gap, drops and profile records: what happened, in one sentence. */
  readonly message?: string;
}

/** One watched container, as `charter status` shows it. */
export interface WatchedContainer {
  readonly id: string;
  readonly name: string;
  readonly image: string;
  /** The charter container it was matched to, and from which profile file; absent when none matched. */
  readonly charter?: { readonly container: string; readonly profile: string; readonly by: string };
  readonly mode: Mode;
  /** Why the mode is gentler than asked (`egress intent unknown: connects not enforced`, `no profile: monitor only`). */
  readonly limits: readonly string[];
  readonly events: number;
  readonly alerts: number;
  readonly blocked: number;
}

export interface AgentStatus {
  readonly startedAt: string;
  readonly containers: readonly WatchedContainer[];
  readonly sensor: { readonly running: boolean; readonly restarts: number; readonly drops: number };
  readonly alerts: number;
  /** Events the engine judged since the agent started, by kind. */
  readonly events: Readonly<Record<string, number>>;
}

/** What the control socket and the metrics endpoint need of the agent. */
export interface AgentControl {
  status(): AgentStatus;
  /** Switches one container's mode (by id, short id or name); rejects with a message when none matches. */
  setMode(container: string, mode: Mode): Promise<WatchedContainer>;
}
