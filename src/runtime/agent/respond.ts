/**
 * The response ladder's I/O edge: performs the steps chooseResponse() picked, through an injected
 * set of actuators, and returns one audited ResponseAction per step (the rule that chose it, what
 * it acted on, whether it worked). It never throws: a step that fails is recorded as failed and
 * the next one is still tried, because an alert must be written whatever happened.
 *
 * The real actuators (`podmanActuators`) kill with SIGKILL after checking that the pid is still a
 * process of that container, and pause or stop the container with podman. Blocking a peer needs
 * the kernel sensor (its connect hook), which the agent owns: it passes its own `blockPeer`.
 */
import { readFile } from 'node:fs/promises';
import { InputError } from '../../model/errors.js';
import { Podman } from './podman.js';
import { readInputText } from '../../io/read-input.js';
import type { ChosenStep, ResponseDecision } from './response.js';
import { MAX_RESPONSE_POLICY_BYTES, parseResponsePolicy, type ResponsePolicy } from './response-policy.js';
import type { ResponseAction } from './types.js';

/** What a kill found: the process killed, or already gone (it exited, or the sensor killed it). */
export type KillResult = 'killed' | 'gone';

/** The means of acting, injected so the ladder is tested without a container and the agent can add its own. */
export interface Actuators {
  /** SIGKILL `pid` if, and only if, it is a process of container `containerId`; throws saying why not. */
  kill(containerId: string, pid: number): Promise<KillResult>;
  /** Refuses the container's later connections to `address` (and `port`, when given). Absent: not available. */
  blockPeer?(containerId: string, address: string, port?: number): Promise<void>;
  pause(containerId: string): Promise<void>;
  stop(containerId: string): Promise<void>;
}

/** What the steps act on: the container, and the process and peer of the event. */
export interface ResponseTarget {
  readonly containerId: string;
  readonly pid?: number;
  readonly peer?: { readonly address: string; readonly port?: number };
  /** The container's first process: killing it ends the container, and the audit says so. */
  readonly mainPid?: number;
}

function short(id: string): string {
  return /^[0-9a-f]{64}$/.test(id) ? id.slice(0, 12) : id;
}

function peerText(p: { address: string; port?: number }): string {
  const host = p.address.includes(':') ? `[${p.address}]` : p.address;
  return p.port !== undefined ? `${host}:${p.port}` : host;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function perform(s: ChosenStep, t: ResponseTarget, act: Actuators): Promise<ResponseAction> {
  const base = { step: s.step, rule: s.rule };
  const attempt = async (target: string, run: () => Promise<unknown>): Promise<ResponseAction> => {
    try {
      await run();
      return { ...base, target, ok: true };
    } catch (e) {
      return { ...base, target, ok: false, error: message(e) };
    }
  };
  switch (s.step) {
    case 'alert':
      // The alert itself is the record the caller commits; this step only says it was chosen.
      return { ...base, target: `container ${short(t.containerId)}`, ok: true };
    case 'deny':
      return { ...base, target: t.peer ? peerText(t.peer) : `pid ${t.pid ?? '?'}`, ok: true };
    case 'kill': {
      if (t.pid === undefined || t.pid <= 0)
        return { ...base, target: 'pid ?', ok: false, error: 'the process is not known (no host pid)' };
      const main = t.mainPid !== undefined && t.pid === t.mainPid ? " (the container's first process: the container ends)" : '';
      if (s.inline === true) return { ...base, target: `pid ${t.pid}${main} (killed in the kernel)`, ok: true };
      try {
        const r = await act.kill(t.containerId, t.pid);
        return { ...base, target: `pid ${t.pid}${main}${r === 'gone' ? ' (already gone)' : ''}`, ok: true };
      } catch (e) {
        return { ...base, target: `pid ${t.pid}`, ok: false, error: message(e) };
      }
    }
    case 'block-peer': {
      const peer = t.peer;
      if (!peer) return { ...base, target: 'peer ?', ok: false, error: 'the event has no peer' };
      if (!act.blockPeer) return { ...base, target: peerText(peer), ok: false, error: 'blocking a peer is not available to this agent' };
      return attempt(peerText(peer), () => act.blockPeer!(t.containerId, peer.address, peer.port));
    }
    case 'pause':
      return attempt(`container ${short(t.containerId)}`, () => act.pause(t.containerId));
    case 'stop':
      return attempt(`container ${short(t.containerId)}`, () => act.stop(t.containerId));
  }
}

/**
 * Performs a decision's steps in ladder order; one action per step, failures included.
 *
 * @example
 *   const facts = factsOf(event);
 *   const actions = await respond(chooseResponse(verdict, policy, facts), { containerId: verdict.containerId, ...facts }, podmanActuators());
 */
export async function respond(decision: ResponseDecision, target: ResponseTarget, actuators: Actuators): Promise<ResponseAction[]> {
  const actions: ResponseAction[] = [];
  for (const s of decision.steps) actions.push(await perform(s, target, actuators));
  return actions;
}

// ── The real actuators ──────────────────────────────────────────────────────────────────────────

/** A runtime id as podman, docker, CRI-O and containerd write it; anything else is not passed to a command. */
const CONTAINER_ID = /^[0-9a-f]{12,64}$/;

/**
 * Whether /proc/PID/cgroup text puts the process in container `containerId`: some cgroup path (v1
 * or v2 line) has a component naming that id, as podman (`libpod-ID`, `libpod-ID.scope`), docker,
 * CRI-O and containerd name them. conmon's own scope (`libpod-conmon-ID.scope` under systemd) is
 * outside the container and does not match. A 12+ character id matches a full one it begins.
 */
export function cgroupHoldsContainer(cgroupText: string, containerId: string): boolean {
  if (!CONTAINER_ID.test(containerId)) return false;
  for (const line of cgroupText.split('\n')) {
    const path = line.split(':').slice(2).join(':');
    for (const part of path.split('/')) {
      const m = /^(?:libpod-|docker-|crio-|cri-containerd-)?([0-9a-f]{64})(?:\.scope)?$/.exec(part);
      if (m && m[1]!.startsWith(containerId)) return true;
    }
  }
  return false;
}

function errno(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

export interface PodmanActuatorOptions {
  /** Where /proc is (tests). */
  readonly procRoot?: string;
  /** Sends the signal (tests); `process.kill` by default. */
  readonly signal?: (pid: number) => void;
  /** Runs podman (the agent's, with its binary and timeout); a default `Podman` otherwise. */
  readonly podman?: Pick<Podman, 'run'>;
}

/**
 * Kill, pause and stop for podman containers. The kill reads /proc/PID/cgroup first and refuses
 * a pid that is not (any longer) in that container: pids are reused, and between the event and
 * the response the offending process may have exited and its number gone to another process,
 * possibly on the host. (The window between that check and the signal is microseconds; Node has
 * no pidfd to close it.)
 */
export function podmanActuators(opts: PodmanActuatorOptions = {}): Actuators {
  const proc = opts.procRoot ?? '/proc';
  const signal = opts.signal ?? ((pid: number) => void process.kill(pid, 'SIGKILL'));
  const podman = opts.podman ?? new Podman();
  const checkId = (id: string): void => {
    if (!CONTAINER_ID.test(id)) throw new Error(`not a container id: ${JSON.stringify(id.slice(0, 80))}`);
  };
  return {
    async kill(containerId, pid) {
      checkId(containerId);
      if (!Number.isSafeInteger(pid) || pid <= 1) throw new Error(`pid ${pid} is not one to kill`);
      let cgroup: string;
      try {
        cgroup = await readFile(`${proc}/${pid}/cgroup`, 'utf8');
      } catch (e) {
        if (errno(e) === 'ENOENT' || errno(e) === 'ESRCH') return 'gone';
        throw new Error(`cannot read the cgroup of pid ${pid}: ${message(e)}`, { cause: e });
      }
      if (!cgroupHoldsContainer(cgroup, containerId))
        throw new Error(`pid ${pid} is not a process of container ${short(containerId)} (any more): not killed`);
      try {
        signal(pid);
      } catch (e) {
        if (errno(e) === 'ESRCH') return 'gone';
        throw e;
      }
      return 'killed';
    },
    async pause(containerId) {
      checkId(containerId);
      await podman.run(['pause', '--', containerId]);
    },
    async stop(containerId) {
      checkId(containerId);
      await podman.run(['stop', '--', containerId]);
    },
  };
}

/**
 * Reads a response policy file: bounded (256 KiB), regular files only, and every problem reported
 * at once with its file, line and column (an InputError: bad input, exit 2 in the CLI).
 */
export async function loadResponsePolicy(path: string): Promise<ResponsePolicy> {
  const text = await readInputText(path, { maxBytes: MAX_RESPONSE_POLICY_BYTES, what: 'response policy' });
  const { policy, diagnostics } = parseResponsePolicy(text, path);
  if (policy) return policy;
  const lines = diagnostics.map((d) => `${d.file}:${d.line ?? 1}:${d.column ?? 1}: ${d.message} [${d.code}]`);
  throw new InputError(
    `invalid response policy (${diagnostics.length} problem${diagnostics.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
  );
}
