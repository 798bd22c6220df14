/**
 * What the agent asks of the kernel sensor, in one place. `attach`, `allow`, `enforce` and
 * `detach` are the loader's first ops; the others (raw sockets, drift and applet killing, the exec
 * and file guard: docs/sensor.md) are optional here and checked twice: once by name (`capabilities`: a
 * sensor object without the method cannot be asked), and once by the loader's answer (the guard
 * needs fanotify permission events, and a path the charter names may not exist in the image).
 * What could not be done is said in the container's limits (`appliedLimits`), and enforcement that
 * would then refuse what the charter allows is left off.
 *
 * Adding an op: its entry in `OPTIONAL_OPS`, its optional method in `SensorOps`, its use in
 * `applyPolicy` and, when it enforces, its place in `abilitiesOf` (what sensor-policy.ts compiles for).
 */
import type { Sensor } from '../sensor/sensor-process.js';
import { errorMessage } from '../../model/errors.js';
import type { SensorAbilities, SensorPolicy } from './sensor-policy.js';

/** The ops beyond the first four, by the method that sends each and its wire name. */
export const OPTIONAL_OPS = {
  /** Refuse the container's connects and sends to one peer in any mode (the ladder's block-peer). */
  block: 'block',
  /** While enforcing, let the container open raw and ping sockets (its charter declares CAP_NET_RAW). */
  allowRaw: 'allow-raw',
  /** While enforcing, kill every exec of a file written after start or run from memory, before it runs. */
  execKill: 'exec-kill',
  /** Register a multi-call file of the container (resolved through one of its processes) and one applet it may run as. */
  allowApplet: 'allow-applet',
  /** Kill every exec of a registered multi-call file as an applet not allowed, before it runs. */
  appletKill: 'applet-kill',
  /** Prepare the exec and file guard (fanotify) of the container, through one of its processes; answers its mounts. */
  guard: 'guard',
  /** Let the container run this file (resolved in its root) and the interpreter it names. */
  allowExec: 'allow-exec',
  /** Refuse every exec of the container's files that `allow-exec` did not allow. */
  execEnforce: 'exec-enforce',
  /** Report every open of this file (credentials, tokens); refuse them under `files-enforce`. */
  guardFile: 'guard-file',
  /** Report every open that may write a file directly in this directory; refuse them under `files-enforce`. */
  guardDir: 'guard-dir',
  /** Refuse what `guard-file` and `guard-dir` report. */
  filesEnforce: 'files-enforce',
  /** Let reads of this file (one every exec reads) pass in the kernel, in a guarded directory too; report a write to it when it happens. */
  passRead: 'pass-read',
  /** Report each file of the container's image file system (its root mount) written, when it is closed. */
  guardWrites: 'guard-writes',
} as const;
export type OptionalOp = keyof typeof OPTIONAL_OPS;

/** The agent's view of a sensor: the first ops, and the optional ones where this sensor has them. */
export interface SensorOps {
  attach(cgroup: string, containerId: string): Promise<void>;
  allow(cgroup: string, port: number, address?: string): Promise<void>;
  enforce(cgroup: string, on: boolean): Promise<void>;
  detach(cgroup: string): Promise<void>;
  close(): Promise<void>;
  block?(cgroup: string, address: string, port?: number): Promise<void>;
  allowRaw?(cgroup: string, on: boolean): Promise<void>;
  execKill?(cgroup: string, on: boolean): Promise<void>;
  allowApplet?(cgroup: string, pid: number, path: string, applet: string, binary: string): Promise<void>;
  appletKill?(cgroup: string, on: boolean): Promise<void>;
  guard?(cgroup: string, pid: number): Promise<readonly string[]>;
  allowExec?(cgroup: string, path: string): Promise<void>;
  execEnforce?(cgroup: string, on: boolean): Promise<void>;
  guardFile?(cgroup: string, path: string): Promise<void>;
  guardDir?(cgroup: string, path: string): Promise<void>;
  passRead?(cgroup: string, path: string): Promise<void>;
  guardWrites?(cgroup: string, on: boolean): Promise<void>;
  filesEnforce?(cgroup: string, on: boolean): Promise<void>;
}

/** The optional ops this sensor has: a method of that name on it. */
export function capabilities(ops: SensorOps): ReadonlySet<OptionalOp> {
  return new Set(
    (Object.keys(OPTIONAL_OPS) as OptionalOp[]).filter((op) => typeof (ops as unknown as Record<string, unknown>)[op] === 'function'),
  );
}

/** What the sensor can do, from the ops it has: the terms sensor-policy.ts compiles a charter in. */
/**
 * Whether directories are guarded (guard-dir). The loader judges the intent of an open in a
 * guarded directory from the caller's system call; an exec of a program there is such an open. It
 * once took about one first exec in three for a write: the permission event reached the loader
 * before the caller was asleep, when /proc/TID/syscall still says "running". The loader now reads
 * it again until the caller sleeps (sensor/guard.c, task_syscall).
 */
const GUARD_DIRECTORIES = true;

export function abilitiesOf(caps: ReadonlySet<OptionalOp>): SensorAbilities {
  const guard = caps.has('guard');
  return {
    refuseExec: guard && caps.has('allowExec') && caps.has('execEnforce'),
    killDrift: caps.has('execKill'),
    killApplets: caps.has('allowApplet') && caps.has('appletKill'),
    files: guard && caps.has('guardFile') && caps.has('filesEnforce'),
    dirs: GUARD_DIRECTORIES && guard && caps.has('guardDir'),
    writes: guard && caps.has('guardWrites'),
    guard,
  };
}

/** The agent's view of the sensor process: its methods, the optional ones where it has them, bound to it. */
export function sensorOps(sensor: Sensor): SensorOps {
  const ops: SensorOps = {
    attach: (cgroup, id) => sensor.attach(cgroup, id),
    allow: (cgroup, port, address) => sensor.allow(cgroup, port, address),
    enforce: (cgroup, on) => sensor.enforce(cgroup, on),
    detach: (cgroup) => sensor.detach(cgroup),
    close: () => sensor.close(),
  };
  const extra = sensor as unknown as Record<string, unknown>;
  for (const op of Object.keys(OPTIONAL_OPS) as OptionalOp[]) {
    const f = extra[op];
    if (typeof f === 'function') Object.assign(ops, { [op]: (f as (...a: unknown[]) => Promise<unknown>).bind(sensor) });
  }
  return ops;
}

/** What has been sent for one attached container, so a changed policy sends only the difference, and what failed. */
export interface AppliedPolicy {
  readonly egress: Set<string>;
  readonly execs: Set<string>;
  readonly files: Set<string>;
  /** `path\0applet` pairs sent with allow-applet. */
  readonly applets: Set<string>;
  connectEnforced: boolean;
  execEnforced: boolean;
  driftKilled: boolean;
  appletsKilled: boolean;
  filesEnforced: boolean;
  writesWatched: boolean;
  raw: boolean;
  /** `guard` answered: its mounts; or why it failed (asked once per attach). */
  guard?: { readonly mounts: readonly string[] } | { readonly error: string };
  /** Charter paths the loader could not allow (not in the image …): exec enforcement stays off. */
  readonly execFailures: Map<string, string>;
  /** Multi-call paths the loader could not register: applet killing stays off. */
  readonly appletFailures: Map<string, string>;
  /** Guarded paths the loader refused for another reason than their absence. */
  readonly fileFailures: Map<string, string>;
  /** Why guard-writes was refused, when it was. */
  writesFailure?: string;
}

export function nothingApplied(): AppliedPolicy {
  return {
    egress: new Set(),
    execs: new Set(),
    files: new Set(),
    applets: new Set(),
    connectEnforced: false,
    execEnforced: false,
    driftKilled: false,
    appletsKilled: false,
    filesEnforced: false,
    writesWatched: false,
    raw: false,
    execFailures: new Map(),
    appletFailures: new Map(),
    fileFailures: new Map(),
  };
}

/** A guarded file that is not there has nothing to protect (busybox images have no /etc/gshadow). */
const ABSENT = /no such file or directory/i;

/**
 * Sends a container's policy to the sensor: allow entries and allowances first, enforcement last
 * (so what the charter allows is never refused in between), only what `applied` does not hold yet.
 * `pid` is the container's first process, through which the guard reaches its root. The loader
 * cannot take an allow entry back (only `detach` clears them): entries of a policy that shrank stay
 * until the container is attached again; switching enforcement off takes effect at once.
 */
export async function applyPolicy(
  ops: SensorOps,
  cgroup: string,
  pid: number,
  policy: SensorPolicy,
  applied: AppliedPolicy,
): Promise<void> {
  for (const e of policy.connect.allow) {
    const key = `${e.address ?? '*'}:${e.port}`;
    if (applied.egress.has(key)) continue;
    await ops.allow(cgroup, e.port, e.address);
    applied.egress.add(key);
  }
  if (ops.allowRaw && policy.raw !== applied.raw) {
    await ops.allowRaw(cgroup, policy.raw);
    applied.raw = policy.raw;
  }
  if (ops.guard && policy.guard && applied.guard === undefined) {
    try {
      applied.guard = { mounts: await ops.guard(cgroup, pid) };
    } catch (err) {
      applied.guard = { error: errorMessage(err) };
    }
  }
  const guarded = applied.guard !== undefined && 'mounts' in applied.guard;
  if (guarded && ops.allowExec) {
    for (const e of policy.exec.allow) {
      if (applied.execs.has(e.path)) continue;
      try {
        await ops.allowExec(cgroup, e.path);
        applied.execFailures.delete(e.path);
      } catch (err) {
        applied.execFailures.set(e.path, errorMessage(err));
      }
      applied.execs.add(e.path);
    }
  }
  // The applets of multi-call files, through the container's process like the guard (but without
  // it: the kernel judges them at exec). One that fails leaves applet killing off.
  if (ops.allowApplet && policy.exec.killApplets) {
    for (const e of policy.exec.allow) {
      if (e.applets === undefined || e.binary === undefined) continue;
      for (const applet of e.applets) {
        const key = `${e.path}\0${applet}`;
        if (applied.applets.has(key)) continue;
        try {
          await ops.allowApplet(cgroup, pid, e.path, applet, e.binary);
        } catch (err) {
          applied.appletFailures.set(`${e.path} as ${applet}`, errorMessage(err));
        }
        applied.applets.add(key);
      }
    }
  }
  if (guarded) {
    for (const [kind, paths, send] of [
      ['f', policy.files.guardFiles, ops.guardFile],
      ['d', policy.files.guardDirs, ops.guardDir],
      ['r', policy.files.passReads, ops.passRead],
    ] as const) {
      if (!send) continue;
      for (const path of paths) {
        if (applied.files.has(`${kind}:${path}`)) continue;
        try {
          await send(cgroup, path);
        } catch (err) {
          if (!ABSENT.test(errorMessage(err)))
            applied.fileFailures.set(
              path,
              kind === 'r'
                ? `its reads are judged in user space, each exec slower (${errorMessage(err)})`
                : `is not guarded (${errorMessage(err)})`,
            );
        }
        applied.files.add(`${kind}:${path}`);
      }
    }
  }
  await toggle(
    policy.connect.enforce,
    applied.connectEnforced,
    (on) => ops.enforce(cgroup, on),
    (on) => (applied.connectEnforced = on),
  );
  if (ops.execKill)
    await toggle(
      policy.exec.killDrift,
      applied.driftKilled,
      (on) => ops.execKill!(cgroup, on),
      (on) => (applied.driftKilled = on),
    );
  // Killing applets when one of the charter's own could not be registered would kill it.
  if (ops.appletKill)
    await toggle(
      policy.exec.killApplets && applied.appletFailures.size === 0,
      applied.appletsKilled,
      (on) => ops.appletKill!(cgroup, on),
      (on) => (applied.appletsKilled = on),
    );
  // Refusing execs when one of the charter's own programs could not be allowed would refuse it.
  if (ops.execEnforce && guarded) {
    const on = policy.exec.enforce && applied.execFailures.size === 0;
    await toggle(
      on,
      applied.execEnforced,
      (v) => ops.execEnforce!(cgroup, v),
      (v) => (applied.execEnforced = v),
    );
  }
  if (ops.guardWrites && guarded && policy.files.writes !== applied.writesWatched && applied.writesFailure === undefined) {
    try {
      await ops.guardWrites(cgroup, policy.files.writes);
      applied.writesWatched = policy.files.writes;
    } catch (err) {
      applied.writesFailure = errorMessage(err);
    }
  }
  if (ops.filesEnforce && guarded)
    await toggle(
      policy.files.enforce,
      applied.filesEnforced,
      (on) => ops.filesEnforce!(cgroup, on),
      (on) => (applied.filesEnforced = on),
    );
}

async function toggle(want: boolean, have: boolean, send: (on: boolean) => Promise<void>, done: (on: boolean) => void): Promise<void> {
  if (want === have) return;
  await send(want);
  done(want);
}

/** What the sensor could not do for this container, in the words of a limit (one sentence each). */
export function appliedLimits(policy: SensorPolicy, applied: AppliedPolicy): string[] {
  const out: string[] = [];
  const g = applied.guard;
  if (g !== undefined && 'error' in g && (policy.exec.enforce || policy.files.enforce))
    out.push(`the exec and file guard is not available here (${g.error}): execs and guarded files are not refused`);
  if (policy.exec.enforce && applied.execFailures.size > 0) {
    const [path, why] = [...applied.execFailures][0]!;
    out.push(
      `execs are not refused: the charter's ${path} could not be allowed (${why})${applied.execFailures.size > 1 ? ` and ${applied.execFailures.size - 1} more` : ''}; a program not allowed is killed after it started`,
    );
  }
  if (policy.exec.killApplets && applied.appletFailures.size > 0) {
    const [what, why] = [...applied.appletFailures][0]!;
    out.push(
      `applets are not killed at exec: ${what} could not be allowed (${why})${applied.appletFailures.size > 1 ? ` and ${applied.appletFailures.size - 1} more` : ''}; an applet not listed is killed after it started`,
    );
  }
  for (const [path, what] of applied.fileFailures) out.push(`${path} ${what}`);
  if (policy.files.writes && applied.writesFailure !== undefined)
    out.push(`writes outside the declared writable paths are not seen (${applied.writesFailure})`);
  return out;
}
