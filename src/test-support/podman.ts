/**
 * Test support: podman as the tests call it (the repository's containers.conf, a timeout on every
 * call) and the one gate for tests that need it: root on Linux, skipped loudly elsewhere.
 */
import { execFile, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { promisify } from 'node:util';
import { podmanEnv } from '../readers/oci-image/sources/index.js';

/** Root on Linux: podman with runc and the repository's containers.conf. */
export const canRunPodman = process.platform === 'linux' && process.getuid?.() === 0;

export interface PodmanTestNeeds {
  /** What is NOT tested when the test is skipped, for the warning. */
  untested?: string;
  /** Commands that must be on PATH besides root on Linux (`podman`, `mmdebstrap`, …). */
  commands?: string[];
  /** Files that must exist (`/bin/busybox`, …). */
  files?: string[];
}

/**
 * Whether a test that builds or runs images with podman can run here: root on Linux, plus the
 * commands and files it names. When it cannot, says so loudly (a skipped container test must never
 * pass unnoticed) and returns false.
 */
export function canRunPodmanTests(what: string, needs: PodmanTestNeeds = {}): boolean {
  const ok = canRunPodman && (needs.commands ?? []).every(hasCommand) && (needs.files ?? []).every((f) => existsSync(f));
  if (!ok) {
    const extra = [...(needs.commands ?? []), ...(needs.files ?? [])];
    const untested = needs.untested === undefined ? '' : `; ${needs.untested} was NOT tested`;
    console.warn(
      `\n!!! SKIPPED ${what}: it needs root on Linux with podman${extra.length > 0 ? ` and ${extra.join(', ')}` : ''}${untested} !!!\n`,
    );
  }
  return ok;
}

function hasCommand(name: string): boolean {
  return spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { stdio: 'ignore' }).status === 0;
}

export interface RunResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export interface PodmanOptions {
  /** Kill the call after this long (default two minutes). */
  timeoutMs?: number;
  /** Bytes for stdin (`podman import - IMAGE`). */
  input?: Buffer;
}

/** One podman call; never hangs (a timed-out call reports status null and says so in stderr). */
export function podman(args: string[], opts: PodmanOptions = {}): RunResult {
  const r = spawnSync('podman', args, {
    env: podmanEnv(),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 << 20,
    ...(opts.input ? { input: opts.input } : {}),
  });
  if (r.error !== undefined && (r.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw r.error;
  const timedOut = r.error !== undefined || r.signal !== null;
  return {
    status: r.status,
    stdout: r.stdout ?? '',
    stderr: `${r.stderr ?? ''}${timedOut ? `\n[podman ${args[0]} timed out or was killed: ${String(r.signal)}]` : ''}`,
  };
}

/** A podman call that must succeed; returns its stdout. */
export function podmanOk(args: string[], opts: PodmanOptions = {}): string {
  const r = podman(args, opts);
  if (r.status !== 0) throw new Error(`podman ${args.join(' ')} failed (${String(r.status)}): ${r.stderr}${r.stdout}`);
  return r.stdout;
}

/**
 * A podman call that must succeed, without blocking the event loop: for a test that reads another
 * process meanwhile (the kernel sensor's events during a loop in the container), which a blocked
 * loop would leave unread until its pipe and buffers overflow.
 */
export async function podmanOkAsync(args: string[], opts: Pick<PodmanOptions, 'timeoutMs'> = {}): Promise<string> {
  const { stdout } = await promisify(execFile)('podman', args, {
    env: podmanEnv(),
    encoding: 'utf8',
    timeout: opts.timeoutMs ?? 120_000,
    maxBuffer: 64 << 20,
  });
  return stdout;
}

/** Best-effort cleanup: containers first, then images. */
export function cleanup(containers: string[], images: string[]): void {
  if (containers.length > 0) podman(['rm', '--force', '--time', '0', ...containers], { timeoutMs: 60_000 });
  if (images.length > 0) podman(['rmi', '--force', ...images], { timeoutMs: 60_000 });
}
