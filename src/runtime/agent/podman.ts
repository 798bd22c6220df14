/**
 * Podman at the agent's I/O edge: which containers run (`podman ps`, then `podman inspect` for
 * what ps does not say: the pid, cgroup, image digest, addresses), and a stream of starts and stops
 * (`podman events`). Every podman call has a timeout; ids are checked to be 64 hex before they are
 * passed back, after `--`. What podman prints is read by podman-json.ts.
 *
 * The event stream is the agent's eyes: when podman events ends (podman upgraded, its event log
 * rotated, the process killed), it is started again with a growing delay, from a little before it
 * ended (`--since`), and the caller is told to list the running containers again, so a container
 * started meanwhile is picked up and one stopped meanwhile let go.
 */
import { execFile, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ToolError, UserError } from '../../model/errors.js';
import { podmanEnv } from '../../readers/oci-image/sources/index.js';
import { podmanCgroupDir } from '../sensor/sensor-process.js';
import { CONTAINER_ID, parseEventLine, parseInspect, parsePs, type ContainerEvent, type RuntimeInspection } from './podman-json.js';

/** Longest a listing or inspection may take: podman waits on its storage lock, which a stuck podman can hold forever. */
export const PODMAN_CALL_TIMEOUT_MS = 60_000;
/** Containers inspected per call: one call for a host's worth, bounded so the argument list stays small. */
const INSPECT_BATCH = 100;
/** An event line longer than this is not podman's: dropped. */
const MAX_EVENT_LINE = 1 << 20;
/** The stream's restart delays: quick at first (a podman upgrade), at most half a minute (podman gone for good). */
const BACKOFF_FIRST_MS = 500;
const BACKOFF_MAX_MS = 30_000;
/** A stream that ran this long was healthy: the next failure starts the delays over. */
const HEALTHY_MS = 30_000;
/** Restarted streams look back this far before their predecessor's last event, so nothing falls between. */
const SINCE_MARGIN_MS = 2_000;

export interface PodmanOptions {
  /** The podman executable (default `podman` on PATH). */
  readonly binary?: string;
  /**
   * Only containers with these labels (`key=value`, or `key` for any value) are listed and inspected.
   * Selected here, on what inspect says, not with podman's `--filter label=`: podman 4.3's events
   * take `key=value` only, its ps takes `key` too, and one rule for both is the agent's.
   */
  readonly labels?: readonly string[];
  /** Messages for the operator (stream restarts, skipped records). */
  readonly warn?: (message: string) => void;
}

export class Podman {
  private readonly binary: string;
  private readonly labels: readonly string[];
  private readonly warn: (message: string) => void;

  constructor(opts: PodmanOptions = {}) {
    this.binary = opts.binary ?? 'podman';
    this.labels = opts.labels ?? [];
    this.warn = opts.warn ?? (() => undefined);
  }

  /** One podman call's stdout. A missing podman is the user's to fix (UserError); a failing one is podman's (ToolError). */
  run(args: readonly string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      execFile(
        this.binary,
        [...args],
        { env: podmanEnv(), maxBuffer: 256 << 20, timeout: PODMAN_CALL_TIMEOUT_MS, encoding: 'utf8' },
        (err, stdout, stderr) => {
          if (!err) return resolve(stdout);
          const e = err as NodeJS.ErrnoException & { killed?: boolean };
          if (e.code === 'ENOENT')
            return reject(
              new UserError(`the agent needs podman, which was not found (${this.binary})`, undefined, undefined, undefined, {
                cause: err,
              }),
            );
          const said = String(stderr).trim().slice(0, 2000);
          reject(
            new ToolError(
              e.killed === true
                ? `podman ${args[0] ?? ''} did not answer within ${PODMAN_CALL_TIMEOUT_MS / 1000} s`
                : `podman ${args[0] ?? ''} failed: ${said || e.message}`,
              'podman',
              said,
              { cause: err },
            ),
          );
        },
      );
    });
  }

  /** Whether a container carries every selecting label. */
  selects(labels: Readonly<Record<string, string>>): boolean {
    return this.labels.every((l) => {
      const eq = l.indexOf('=');
      return eq < 0 ? Object.hasOwn(labels, l) : labels[l.slice(0, eq)] === l.slice(eq + 1);
    });
  }

  /** The running containers the labels select, inspected. */
  async listRunning(): Promise<RuntimeInspection[]> {
    const ids = parsePs(await this.run(['ps', '--format', 'json', '--no-trunc']));
    return this.inspect(ids);
  }

  /** The containers with these ids that still exist (one gone between listing and inspecting is left out, not an error). */
  async inspect(ids: readonly string[]): Promise<RuntimeInspection[]> {
    const out: RuntimeInspection[] = [];
    const valid = ids.filter((id) => CONTAINER_ID.test(id));
    for (let i = 0; i < valid.length; i += INSPECT_BATCH) {
      const batch = valid.slice(i, i + INSPECT_BATCH);
      let json: string;
      try {
        json = await this.run(['container', 'inspect', '--format', 'json', '--', ...batch]);
      } catch (err) {
        // podman inspect fails as a whole when one of several is gone: ask one by one then.
        if (!(err instanceof ToolError) || batch.length === 1) {
          if (err instanceof ToolError && /no such container/i.test(err.stderr)) continue;
          throw err;
        }
        for (const id of batch) out.push(...(await this.inspect([id])));
        continue;
      }
      out.push(...parseInspect(json, this.warn).filter((r) => this.selects(r.container.labels)));
    }
    return out;
  }

  /** One container, when it exists. */
  async inspectOne(id: string): Promise<RuntimeInspection | undefined> {
    return (await this.inspect([id]))[0];
  }

  /**
   * Follows container starts and stops from `since` on until `stop()`. `onResync` is called after
   * the stream had to be restarted (the caller lists the running containers again).
   */
  follow(handlers: FollowHandlers, since: Date): EventFollower {
    return new EventFollower(this.binary, handlers, since, this.warn);
  }
}

export interface FollowHandlers {
  onEvent(e: ContainerEvent): void;
  onResync(): void;
}

/** A running `podman events`, restarted when it ends until `stop()`. */
export class EventFollower {
  private child: ChildProcessWithoutNullStreams | undefined;
  private stopped = false;
  private delay = BACKOFF_FIRST_MS;
  private timer: NodeJS.Timeout | undefined;
  /** The latest moment the stream is known to have covered: the next stream starts a little before it. */
  private covered: number;
  restarts = 0;

  constructor(
    private readonly binary: string,
    private readonly handlers: FollowHandlers,
    since: Date,
    private readonly warn: (message: string) => void,
  ) {
    this.covered = since.getTime();
    this.start(false);
  }

  private start(resync: boolean): void {
    const since = new Date(this.covered - SINCE_MARGIN_MS).toISOString();
    const startedAt = Date.now();
    const child = spawn(this.binary, ['events', '--format', 'json', '--filter', 'type=container', '--since', since], {
      env: podmanEnv(),
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.child = child;
    let buffered = '';
    let stderr = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk: string) => {
      buffered += chunk;
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        if (line.trim() === '') continue;
        const e = parseEventLine(line);
        if ('skip' in e) continue;
        const t = e.time !== undefined ? Date.parse(e.time) : NaN;
        if (!Number.isNaN(t) && t > this.covered) this.covered = t;
        this.handlers.onEvent(e);
      }
      if (buffered.length > MAX_EVENT_LINE) buffered = '';
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      if (stderr.length < 8192) stderr += chunk;
    });
    let ended = false;
    const onEnd = (why: string): void => {
      if (ended) return;
      ended = true;
      if (this.stopped) return;
      // Everything until now was seen or will be by the next stream's look back.
      this.covered = Math.max(this.covered, Date.now() - SINCE_MARGIN_MS);
      if (Date.now() - startedAt > HEALTHY_MS) this.delay = BACKOFF_FIRST_MS;
      this.warn(
        `podman events ended (${why}${stderr.trim() !== '' ? `: ${stderr.trim().slice(0, 500)}` : ''}); starting it again in ${this.delay} ms`,
      );
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.restarts++;
        this.start(true);
      }, this.delay);
      this.delay = Math.min(this.delay * 2, BACKOFF_MAX_MS);
    };
    child.on('error', (e) => onEnd(e.message));
    child.on('close', (code, signal) => onEnd(`exit ${String(code ?? signal)}`));
    if (resync) this.handlers.onResync();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('close', () => resolve());
      child.kill('SIGTERM');
    });
  }
}

/**
 * The container's cgroup-v2 directory: the cgroupfs manager's place (podmanCgroupDir, as the sensor
 * tests use it), else the path podman reports, under the unified hierarchy of a hybrid layout or the
 * root of a pure v2 one.
 */
export function cgroupDirOf(inspection: RuntimeInspection, root = '/sys/fs/cgroup'): string | undefined {
  const known = podmanCgroupDir(inspection.container.id, root);
  if (known !== undefined) return known;
  const rel = inspection.cgroupPath;
  if (rel === undefined || rel.includes('..')) return undefined;
  return [join(root, 'unified', rel), join(root, rel)].find((d) => existsSync(join(d, 'cgroup.procs')));
}
