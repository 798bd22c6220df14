/**
 * What the agent asks of the kernel sensor, in one place. Today's loader has `attach`, `allow`,
 * `enforce` and `detach` (docs/sensor.md); exec and file enforcement are being added as more ops.
 * Each op beyond today's is optional here: the agent probes for it once (`capabilities`), compiles
 * the allow set for what the sensor can do (`abilitiesOf`, sensor-policy.ts) and says what it
 * cannot in the container's limits. Adding an op is one entry in `OPTIONAL_OPS`, one optional
 * method in `SensorOps`, its use in `applyPolicy` and, when it enforces, in `abilitiesOf`.
 */
import type { Sensor } from '../sensor/sensor-process.js';
import type { ExecAllowance, SensorAbilities, SensorPolicy } from './sensor-policy.js';

/** The ops beyond today's loader, by the method that sends each and its wire name. */
export const OPTIONAL_OPS = {
  /** Report (and, once enforcing, guard) the container's execs and file opens, not only its connects. */
  guard: 'guard',
  /** Let the container run this file (as these applets, for a multi-call binary) once exec enforcement is on. */
  allowExec: 'allow-exec',
  /** Refuse every exec of a file not allowed (`allow-exec`). */
  execEnforce: 'exec-enforce',
  /** While enforcing, kill every exec of a file written after start or run from memory, before it runs (docs/sensor.md). */
  execKill: 'exec-kill',
  /** Report and, once enforcing, refuse opens of this file (credentials, tokens). */
  guardFile: 'guard-file',
  /** Report and, once enforcing, refuse writes below this directory (binaries, the loader's preload list). */
  guardDir: 'guard-dir',
  /** Refuse what `guard-file` and `guard-dir` name. */
  filesEnforce: 'files-enforce',
  /** While enforcing, let the container open raw and ping sockets (its charter declares CAP_NET_RAW). */
  allowRaw: 'allow-raw',
} as const;
export type OptionalOp = keyof typeof OPTIONAL_OPS;

/** The agent's view of a sensor: today's ops, and the optional ones where this sensor has them. */
export interface SensorOps {
  attach(cgroup: string, containerId: string): Promise<void>;
  allow(cgroup: string, port: number, address?: string): Promise<void>;
  enforce(cgroup: string, on: boolean): Promise<void>;
  detach(cgroup: string): Promise<void>;
  close(): Promise<void>;
  guard?(cgroup: string, on: boolean): Promise<void>;
  allowExec?(cgroup: string, path: string, applets?: readonly string[]): Promise<void>;
  execEnforce?(cgroup: string, on: boolean): Promise<void>;
  execKill?(cgroup: string, on: boolean): Promise<void>;
  guardFile?(cgroup: string, path: string): Promise<void>;
  guardDir?(cgroup: string, path: string): Promise<void>;
  filesEnforce?(cgroup: string, on: boolean): Promise<void>;
  allowRaw?(cgroup: string, on: boolean): Promise<void>;
}

/** The optional ops this sensor has: a method of that name on it. */
export function capabilities(ops: SensorOps): ReadonlySet<OptionalOp> {
  return new Set(
    (Object.keys(OPTIONAL_OPS) as OptionalOp[]).filter((op) => typeof (ops as unknown as Record<string, unknown>)[op] === 'function'),
  );
}

/** What the sensor can do, from the ops it has: the terms sensor-policy.ts compiles a charter in. */
export function abilitiesOf(caps: ReadonlySet<OptionalOp>): SensorAbilities {
  return {
    refuseExec: caps.has('allowExec') && caps.has('execEnforce'),
    killDrift: caps.has('execKill'),
    files: (caps.has('guardFile') || caps.has('guardDir')) && caps.has('filesEnforce'),
    guard: caps.has('guard'),
  };
}

/**
 * The agent's view of the sensor process: today's methods, plus any optional op the process's
 * `Sensor` object has grown (by the method names above), bound to it.
 */
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
    if (typeof f === 'function') Object.assign(ops, { [op]: (f as (...a: unknown[]) => Promise<void>).bind(sensor) });
  }
  return ops;
}

/** What has been sent for one attached container, so a changed policy sends only the difference. */
export interface AppliedPolicy {
  readonly egress: Set<string>;
  readonly execs: Set<string>;
  readonly files: Set<string>;
  connectEnforced: boolean;
  execEnforced: boolean;
  driftKilled: boolean;
  filesEnforced: boolean;
  guarded: boolean;
  raw: boolean;
}

export function nothingApplied(): AppliedPolicy {
  return {
    egress: new Set(),
    execs: new Set(),
    files: new Set(),
    connectEnforced: false,
    execEnforced: false,
    driftKilled: false,
    filesEnforced: false,
    guarded: false,
    raw: false,
  };
}

function execKey(e: ExecAllowance): string {
  return `${e.path}\0${(e.applets ?? []).join(',')}`;
}

/**
 * Sends a container's policy to the sensor: allow entries first, enforcement last (so a connect
 * the charter allows is never refused in between), only what `applied` does not hold yet. The
 * sensor cannot take an allow entry back (only `detach` clears them): entries of a policy that
 * shrank stay until the container is attached again; switching enforcement off takes effect at once.
 */
export async function applyPolicy(ops: SensorOps, cgroup: string, policy: SensorPolicy, applied: AppliedPolicy): Promise<void> {
  for (const e of policy.connect.allow) {
    const key = `${e.address ?? '*'}:${e.port}`;
    if (applied.egress.has(key)) continue;
    await ops.allow(cgroup, e.port, e.address);
    applied.egress.add(key);
  }
  if (ops.guard && !applied.guarded && policy.guard) {
    await ops.guard(cgroup, true);
    applied.guarded = true;
  }
  if (ops.allowExec) {
    for (const e of policy.exec.allow) {
      const key = execKey(e);
      if (applied.execs.has(key)) continue;
      await ops.allowExec(cgroup, e.path, e.applets);
      applied.execs.add(key);
    }
  }
  for (const path of policy.files.guardFiles) {
    if (!ops.guardFile || applied.files.has(`f:${path}`)) continue;
    await ops.guardFile(cgroup, path);
    applied.files.add(`f:${path}`);
  }
  for (const path of policy.files.guardDirs) {
    if (!ops.guardDir || applied.files.has(`d:${path}`)) continue;
    await ops.guardDir(cgroup, path);
    applied.files.add(`d:${path}`);
  }
  if (ops.allowRaw && policy.raw !== applied.raw) {
    await ops.allowRaw(cgroup, policy.raw);
    applied.raw = policy.raw;
  }
  if (policy.connect.enforce !== applied.connectEnforced) {
    await ops.enforce(cgroup, policy.connect.enforce);
    applied.connectEnforced = policy.connect.enforce;
  }
  if (ops.execEnforce && policy.exec.enforce !== applied.execEnforced) {
    await ops.execEnforce(cgroup, policy.exec.enforce);
    applied.execEnforced = policy.exec.enforce;
  }
  if (ops.execKill && policy.exec.killDrift !== applied.driftKilled) {
    await ops.execKill(cgroup, policy.exec.killDrift);
    applied.driftKilled = policy.exec.killDrift;
  }
  if (ops.filesEnforce && policy.files.enforce !== applied.filesEnforced) {
    await ops.filesEnforce(cgroup, policy.files.enforce);
    applied.filesEnforced = policy.files.enforce;
  }
}
