/**
 * The kernel sensor at the I/O edge: spawns the loader (build/charter-sensor, built by
 * scripts/build-sensor.sh), writes its commands, reads its lines and hands each event, converted by
 * the sensor event source (runtime/sources/sensor.ts), to the caller. The loader answers commands
 * in order, one `reply` line each, so replies are matched to commands by a queue. Protocol and
 * mechanisms: docs/sensor.md.
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { RuntimeEvent } from '../../model/events.js';
import { sensorSource } from '../sources/sensor.js';

/** Where scripts/build-sensor.sh puts the loader, from this module's place in src/ or dist/. */
export const SENSOR_BINARY = join(import.meta.dirname, '../../../build/charter-sensor');

/** A loader line longer than this is not one of ours: dropped, and said so. */
const MAX_LINE = 1 << 20;

export interface SensorOptions {
  binary?: string;
  onEvent(event: RuntimeEvent): void;
  /** Ring-buffer losses since the sensor started, whenever the count changes. */
  onDrops?(total: number): void;
  /**
   * Permission events the guard answered without being able to judge them (allowed by default) or
   * could not answer, per container, whenever the count changes: the guard was open that often.
   */
  onGuardErrors?(containerId: string, total: number): void;
  /** Guard reports (refused execs, guarded opens) lost because the agent read too slowly: the verdicts stood, the lines are gone. */
  onGuardLost?(total: number): void;
  /**
   * Report the calls a container's seccomp filter refuses, when the filter logs them
   * (SECCOMP_FILTER_FLAG_LOG): the loader reads the kernel's audit records (docs/sensor.md,
   * "Seccomp refusals"). Off by default.
   */
  seccompAudit?: boolean;
  /** With `seccompAudit`: once, before ready, whether the loader can read the records, or why not. */
  onSeccompAudit?(error: string | undefined): void;
  /**
   * With `seccompAudit`: refusals lost since the loader started, whenever a count changes: `lost`
   * records its audit socket had no room for, `gone` records of a process that had exited before it
   * could be attributed to a container (and was not one the sensor had seen exec or exit).
   */
  onAuditLoss?(what: 'lost' | 'gone', total: number): void;
  /** Lines that are neither events, replies nor control lines, with why. */
  onSkip?(reason: string, line: string): void;
  /**
   * The loader ended, after `ready` (before it, `startSensor` rejects instead): from a `close()` or on
   * its own. A host agent restarts it and says for how long nothing was watched.
   */
  onExit?(error: SensorError): void;
}

export interface Sensor {
  /** The loader's process id (undefined when it could not be started). */
  readonly pid: number | undefined;
  /** Report and guard the container whose cgroup-v2 directory this is. */
  attach(cgroup: string, containerId: string): Promise<void>;
  /** Let the container connect to `port` (on `address` only, when given) once enforcing. */
  allow(cgroup: string, port: number, address?: string): Promise<void>;
  /**
   * Refuse (EPERM) every connect and unconnected UDP send of the container that the allow map
   * does not hold, and its raw and ping sockets unless granted; the switch `execKill` follows.
   */
  enforce(cgroup: string, on: boolean): Promise<void>;
  /**
   * Refuse every later connect and send of the container to `address` (on `port` only, when given),
   * whatever its mode: the response ladder's `block-peer`. Taken back with the container's detach.
   */
  block(cgroup: string, address: string, port?: number): Promise<void>;
  /** Grant the container raw IP and ICMP ping sockets under enforcement (default: refused). */
  allowRaw(cgroup: string, on: boolean): Promise<void>;
  /**
   * Under enforcement, kill (SIGKILL, before its first instruction) every exec of a file written
   * after the container started or run from memory (default: off; such execs are only reported).
   */
  execKill(cgroup: string, on: boolean): Promise<void>;
  /**
   * The file at `path` in the container (resolved in the root of its process `pid`, symlinks
   * included) is a multi-call binary whose own name is `binary` (`busybox`), which the container
   * may run as `applet`. Names are at most 31 bytes, without '/'. Fails when the file does not exist.
   */
  allowApplet(cgroup: string, pid: number, path: string, applet: string, binary: string): Promise<void>;
  /**
   * Kill (SIGKILL, before its first instruction) every exec of a file allowApplet registered as an
   * applet it did not allow, in any mode (default: off).
   */
  appletKill(cgroup: string, on: boolean): Promise<void>;
  /**
   * Prepare inline enforcement of the container's execs and file opens (fanotify, docs/sensor.md):
   * `pid` is one of its processes (podman's State.Pid), through which its root and mounts are
   * reached; it must be in the container's cgroup and mount namespace. Resolves with the mount
   * points (as the container sees them) that exec enforcement covers. Again later: the mounts are
   * read anew.
   */
  guard(cgroup: string, pid: number): Promise<string[]>;
  /**
   * Let the container run the file at `path` (resolved in its root, symlinks included) and the
   * interpreters it names (an ELF's dynamic loader, a script's `#!`). Fails when it does not exist.
   */
  allowExec(cgroup: string, path: string): Promise<void>;
  /** Refuse (EPERM) every exec of the container's own files that allowExec did not allow. */
  execEnforce(cgroup: string, on: boolean): Promise<void>;
  /** Report every open of this file (resolved in the container's root). */
  guardFile(cgroup: string, path: string): Promise<void>;
  /** Report every open that may write (or create) a file directly in this directory. */
  guardDir(cgroup: string, path: string): Promise<void>;
  /** Refuse (EPERM) the opens guardFile and guardDir report, and still report them. */
  filesEnforce(cgroup: string, on: boolean): Promise<void>;
  /**
   * Let reads of this file pass in the kernel although its directory is guarded (a file every exec
   * reads, like the dynamic loader's cache); a write to it is reported as it happens, not refused.
   */
  passRead(cgroup: string, path: string): Promise<void>;
  /**
   * Report each file of the container's root mount (its image's file system, not volumes or tmpfs)
   * written, once, when it is closed after the write: after the fact, never refused.
   */
  guardWrites(cgroup: string, on: boolean): Promise<void>;
  /** Stop reporting and guarding the container (it stopped): its hooks, allow entries and guard go. */
  detach(cgroup: string): Promise<void>;
  /** Closes the loader's stdin: it detaches everything and exits. */
  close(): Promise<void>;
}

export class SensorError extends Error {
  override readonly name = 'SensorError';
}

/** A podman container's cgroup-v2 directory under the cgroupfs manager (hybrid or unified layout). */
export function podmanCgroupDir(containerId: string, root = '/sys/fs/cgroup'): string | undefined {
  return [join(root, 'unified/libpod_parent', `libpod-${containerId}`), join(root, 'libpod_parent', `libpod-${containerId}`)].find((d) =>
    existsSync(d),
  );
}

/** Starts the loader; resolves once it has loaded and attached its programs (`{"ready":true}`). */
export function startSensor(opts: SensorOptions): Promise<Sensor> {
  const args = opts.seccompAudit === true ? ['--seccomp-audit'] : [];
  const child: ChildProcessWithoutNullStreams = spawn(opts.binary ?? SENSOR_BINARY, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const pending: { resolve(reply: Record<string, unknown>): void; reject(e: Error): void }[] = [];
  let stderr = '';
  let line = 0;
  let buffered = '';
  let ready: { resolve(s: Sensor): void; reject(e: Error): void } | undefined;
  /** Set by `{"ready":true}`: an exit after it is reported to `onExit`, one before it rejects the start. */
  let loaded = false;
  /** Why the loader is gone, once it is: later commands fail with it at once instead of waiting for a reply. */
  let dead: Error | undefined;

  const failAll = (e: Error): void => {
    dead ??= e;
    ready?.reject(e);
    ready = undefined;
    for (const p of pending.splice(0)) p.reject(e);
  };

  const onLine = (text: string): void => {
    line++;
    let r: unknown;
    try {
      r = JSON.parse(text);
    } catch {
      opts.onSkip?.('not JSON', text.slice(0, 200));
      return;
    }
    const o = typeof r === 'object' && r !== null ? (r as Record<string, unknown>) : {};
    if (typeof o.ready === 'boolean') {
      loaded = o.ready;
      if (o.ready) ready?.resolve(sensor);
      else ready?.reject(new SensorError(`the sensor did not load: ${String(o.error)}`));
      ready = undefined;
      return;
    }
    if (typeof o.reply === 'string') {
      const p = pending.shift();
      if (o.ok === true) p?.resolve(o);
      else p?.reject(new SensorError(`sensor ${o.reply}: ${String(o.error)}`));
      return;
    }
    if (typeof o.drops === 'number') {
      opts.onDrops?.(o.drops);
      return;
    }
    if (typeof o.guardErrors === 'number') {
      opts.onGuardErrors?.(typeof o.container === 'string' ? o.container : '', o.guardErrors);
      return;
    }
    if (typeof o.guardLost === 'number') {
      opts.onGuardLost?.(o.guardLost);
      return;
    }
    if (typeof o.seccompAudit === 'boolean') {
      opts.onSeccompAudit?.(o.seccompAudit ? undefined : typeof o.error === 'string' ? o.error.slice(0, 300) : 'unknown error');
      return;
    }
    if (typeof o.auditLost === 'number' || typeof o.auditGone === 'number') {
      if (typeof o.auditLost === 'number') opts.onAuditLoss?.('lost', o.auditLost);
      if (typeof o.auditGone === 'number') opts.onAuditLoss?.('gone', o.auditGone);
      return;
    }
    const c = sensorSource.convert(r, line);
    if ('events' in c) for (const e of c.events) opts.onEvent(e);
    else opts.onSkip?.(c.skip, text.slice(0, 200));
  };

  child.stdout.setEncoding('utf8');
  child.stdout.on('data', (chunk: string) => {
    // The loader writes a batch of lines at a time (up to 64 KiB, cut anywhere).
    buffered += chunk;
    let from = 0;
    for (let nl = buffered.indexOf('\n'); nl >= 0; nl = buffered.indexOf('\n', from)) {
      onLine(buffered.slice(from, nl));
      from = nl + 1;
    }
    buffered = buffered.slice(from);
    if (buffered.length > MAX_LINE) {
      opts.onSkip?.('line longer than 1 MiB', buffered.slice(0, 200));
      buffered = '';
    }
  });
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    if (stderr.length < 65_536) stderr += chunk;
  });
  const exited = new Promise<void>((resolve) =>
    child.on('close', (code, signal) => {
      const e = new SensorError(`the sensor exited (${String(code ?? signal)}): ${stderr.trim().slice(0, 2000)}`);
      failAll(e);
      if (loaded) opts.onExit?.(e);
      resolve();
    }),
  );
  child.on('error', (e) => failAll(new SensorError(`the sensor could not start: ${e.message}`, { cause: e })));
  // A loader that died (killed, crashed) closes its end: a command written after that must fail
  // through 'close' above, not crash the agent with an unhandled EPIPE.
  child.stdin.on('error', () => undefined);

  const request = (command: Record<string, unknown>): Promise<Record<string, unknown>> =>
    new Promise((resolve, reject) => {
      if (dead !== undefined) {
        reject(dead);
        return;
      }
      pending.push({ resolve, reject });
      child.stdin.write(`${JSON.stringify(command)}\n`);
    });
  const send = async (command: Record<string, unknown>): Promise<void> => {
    await request(command);
  };

  const sensor: Sensor = {
    pid: child.pid,
    attach: (cgroup, id) => send({ op: 'attach', cgroup, id }),
    allow: (cgroup, port, address) => send(address === undefined ? { op: 'allow', cgroup, port } : { op: 'allow', cgroup, address, port }),
    enforce: (cgroup, on) => send({ op: 'enforce', cgroup, on }),
    block: (cgroup, address, port) => send(port === undefined ? { op: 'block', cgroup, address } : { op: 'block', cgroup, address, port }),
    allowRaw: (cgroup, on) => send({ op: 'allow-raw', cgroup, on }),
    execKill: (cgroup, on) => send({ op: 'exec-kill', cgroup, on }),
    allowApplet: (cgroup, pid, path, applet, binary) => send({ op: 'allow-applet', cgroup, pid, path, applet, binary }),
    appletKill: (cgroup, on) => send({ op: 'applet-kill', cgroup, on }),
    guard: async (cgroup, pid) => {
      const { mounts } = await request({ op: 'guard', cgroup, pid });
      return Array.isArray(mounts) ? mounts.filter((m): m is string => typeof m === 'string') : [];
    },
    allowExec: (cgroup, path) => send({ op: 'allow-exec', cgroup, path }),
    execEnforce: (cgroup, on) => send({ op: 'exec-enforce', cgroup, on }),
    guardFile: (cgroup, path) => send({ op: 'guard-file', cgroup, path }),
    guardDir: (cgroup, path) => send({ op: 'guard-dir', cgroup, path }),
    filesEnforce: (cgroup, on) => send({ op: 'files-enforce', cgroup, on }),
    passRead: (cgroup, path) => send({ op: 'pass-read', cgroup, path }),
    guardWrites: (cgroup, on) => send({ op: 'guard-writes', cgroup, on }),
    detach: (cgroup) => send({ op: 'detach', cgroup }),
    close: async () => {
      child.stdin.end();
      await exited;
    },
  };
  return new Promise((resolve, reject) => {
    ready = { resolve, reject };
  });
}
