/**
 * The edge of the real-application proof: installing the apps from the npm registry into a cache,
 * running one under `strace -f` while its workload drives it, and the podman image + run that
 * enforces a profile on it. Every child process has a deadline; nothing here can hang a test run.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { repoRoot } from '../../src/test-support/profile.js';
import type { RealApp } from './apps.js';
import { parseStrace, type StraceTrace } from './strace-parse.js';

export const APPS_CACHE = path.join(repoRoot, '.cache/test-apps');

/** Root on Linux with strace: the observation needs ptrace of our own children only, but podman needs root. */
export const canTrace = process.platform === 'linux' && spawnSync('strace', ['-V'], { encoding: 'utf8' }).status === 0;

const MARKER = '.charter-installed';

function installKey(app: RealApp): string {
  return createHash('sha256').update(JSON.stringify(app.dependencies)).digest('hex').slice(0, 16);
}

/**
 * The app's directory with its dependencies installed (reused when the cached install matches the
 * pinned versions) and its own files (re)written. A fresh install goes to a temporary name and is
 * renamed into place, so an interrupted run never leaves a half-installed app behind.
 */
export function ensureApp(app: RealApp): string {
  const dir = path.join(APPS_CACHE, app.name);
  const key = installKey(app);
  const marker = path.join(dir, MARKER);
  if (!existsSync(marker) || readFileSync(marker, 'utf8') !== key) {
    mkdirSync(APPS_CACHE, { recursive: true });
    const partial = `${dir}.partial-${process.pid}`;
    rmSync(partial, { recursive: true, force: true });
    mkdirSync(partial, { recursive: true });
    writeFileSync(path.join(partial, 'package.json'), packageJson(app));
    if (Object.keys(app.dependencies).length > 0) {
      const r = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], {
        cwd: partial,
        encoding: 'utf8',
        timeout: 300_000,
      });
      if (r.status !== 0) {
        rmSync(partial, { recursive: true, force: true });
        throw new Error(`npm install for ${app.name} failed (${String(r.status ?? r.signal)}): ${r.stderr}`);
      }
    }
    for (const pkg of app.prebuilt ?? []) copyPrebuiltAddon(pkg, app.dependencies[pkg], partial);
    writeFileSync(path.join(partial, MARKER), key);
    rmSync(dir, { recursive: true, force: true });
    renameSync(partial, dir);
  }
  writeFileSync(path.join(dir, 'package.json'), packageJson(app));
  for (const [rel, content] of Object.entries(app.files)) {
    mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    writeFileSync(path.join(dir, rel), content);
  }
  return dir;
}

/**
 * The native addon of `pkg` copied from this repository's own install of the same version into the
 * app (its build/Release/*.node): the apps are installed with --ignore-scripts, which neither
 * builds nor downloads it. Throws when the versions differ.
 */
function copyPrebuiltAddon(pkg: string, version: string | undefined, appDir: string): void {
  const own = path.join(repoRoot, 'node_modules', pkg);
  const ownVersion = (JSON.parse(readFileSync(path.join(own, 'package.json'), 'utf8')) as { version?: string }).version;
  if (ownVersion !== version) throw new Error(`${pkg}: the app pins ${String(version)}, this repository has ${String(ownVersion)} built`);
  const from = path.join(own, 'build', 'Release');
  const to = path.join(appDir, 'node_modules', pkg, 'build', 'Release');
  mkdirSync(to, { recursive: true });
  for (const f of readdirSync(from).filter((n) => n.endsWith('.node') && !n.startsWith('test_')))
    copyFileSync(path.join(from, f), path.join(to, f));
}

function packageJson(app: RealApp): string {
  return `${JSON.stringify({ name: `charter-real-app-${app.name}`, version: '1.0.0', private: true, main: app.entry[0], dependencies: app.dependencies }, null, 2)}\n`;
}

/** The environment an app runs with, on the host and (except HOST/PORT) in the container. */
export function appEnvironment(extra: Record<string, string>): Record<string, string> {
  return { PATH: '/usr/local/bin:/usr/bin:/bin', HOME: '/tmp', NODE_ENV: 'production', ...extra };
}

export interface Observation {
  app: string;
  trace: StraceTrace;
  /** Exchanges the workload made (servers) or 1 (a CLI run). */
  exchanges: number;
  exitCode: number | null;
  ms: number;
  output: string;
}

interface Running {
  stdout: string;
  stderr: string;
  exited: Promise<number | null>;
  pid: number;
}

function start(args: string[], cwd: string, env: Record<string, string>): Running {
  const child = spawn(args[0] ?? 'false', args.slice(1), { cwd, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  const run: Running = { stdout: '', stderr: '', pid: child.pid ?? 0, exited: Promise.resolve(null) };
  if (run.pid > 0) running.add(run.pid);
  child.stdout.setEncoding('utf8').on('data', (d: string) => (run.stdout += d));
  child.stderr.setEncoding('utf8').on('data', (d: string) => (run.stderr += d));
  run.exited = new Promise((resolve) => {
    child.once('error', () => resolve(null));
    child.once('close', (code) => {
      running.delete(run.pid);
      resolve(code);
    });
  });
  return run;
}

async function waitFor<T>(p: Promise<T>, ms: number, onTimeout: () => void): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve('timeout');
    }, ms);
  });
  try {
    return await Promise.race([p, t]);
  } finally {
    clearTimeout(timer);
  }
}

/** A workload gets this long; then the traced process tree is killed (the test's own timeout would leave it running). */
export const WORKLOAD_DEADLINE_MS = 60_000;

const running = new Set<number>();

/** Kills every traced process tree this module started that is still running (for afterAll). */
export function killLeftovers(): void {
  for (const pid of running) killGroup(pid);
}

function killGroup(pid: number): void {
  running.delete(pid);
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** The traced node: strace's only child, read from /proc (strace forks it and execs node in place). */
function tracedChild(stracePid: number): number | undefined {
  try {
    const first = readFileSync(`/proc/${stracePid}/task/${stracePid}/children`, 'utf8').trim().split(/\s+/)[0];
    return first ? Number(first) : undefined;
  } catch {
    return undefined;
  }
}

async function untilReady(run: Running, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (/^READY/m.test(run.stdout)) return true;
    const done = await waitFor(run.exited, 50, () => undefined);
    if (done !== 'timeout') return false;
  }
  return false;
}

/**
 * What libuv is told about io_uring: `off` (UV_USE_IO_URING=0) is what an emitted profile makes of
 * it anyway (ENOSYS, so libuv falls back to epoll and its thread pool); `default` leaves the
 * variable unset (the runtime decides); `on` forces it (UV_USE_IO_URING=1).
 */
export type IoUringMode = 'off' | 'default' | 'on';
const IO_URING_ENV: Record<IoUringMode, Record<string, string>> = {
  off: { UV_USE_IO_URING: '0' },
  default: {},
  on: { UV_USE_IO_URING: '1' },
};

/**
 * The syscalls the emitted seccomp profile answers with ENOSYS, which strace answers the same way
 * here (`-e inject`), so that the fallbacks the traced program takes are the ones it takes under
 * enforcement. Without it the host's glibc creates every thread with clone3 and the trace never
 * shows the `clone` that glibc falls back to when clone3 is refused.
 */
const INJECT_ENOSYS: Record<IoUringMode, string[]> = {
  off: ['clone3', 'io_uring_setup', 'io_uring_enter', 'io_uring_register'],
  default: ['clone3'],
  on: ['clone3'],
};

/**
 * Runs the app under `strace -f`, drives its workload (servers) or lets it finish (CLIs), stops
 * it with SIGTERM and parses the trace.
 */
export async function observe(
  app: RealApp,
  dir: string,
  port: number,
  opts: { ioUring: IoUringMode; injectEnosys?: boolean; readyMs?: number; workloadMs?: number },
): Promise<Observation> {
  const traceFile = path.join(tmpdir(), `charter-strace-${app.name}-${process.pid}-${Date.now()}.txt`);
  const env = appEnvironment({ HOST: '127.0.0.1', PORT: String(port), ...IO_URING_ENV[opts.ioUring] });
  const nodeArgs = app.workload.kind === 'cli' ? app.workload.args : app.entry.slice(0, 1);
  const t0 = Date.now();
  const run = start(
    [
      'strace',
      '-f',
      '-qq',
      '-o',
      traceFile,
      '-e',
      'trace=all',
      ...(opts.injectEnosys === false ? [] : ['-e', `inject=${INJECT_ENOSYS[opts.ioUring].join(',')}:error=ENOSYS`]),
      process.execPath,
      ...nodeArgs,
    ],
    dir,
    env,
  );
  const describe = (): string => `\nstdout: ${run.stdout.slice(-2000)}\nstderr: ${run.stderr.slice(-2000)}`;
  let exchanges = 1;
  try {
    if (app.workload.kind === 'server') {
      const readyMs = opts.readyMs ?? 30_000;
      if (!(await untilReady(run, readyMs))) throw new Error(`${app.name} did not print READY within ${readyMs} ms${describe()}`);
      const workloadMs = opts.workloadMs ?? WORKLOAD_DEADLINE_MS;
      const done = await waitFor(app.workload.run({ host: '127.0.0.1', port }, dir), workloadMs, () => killGroup(run.pid));
      if (done === 'timeout') throw new Error(`${app.name}: the workload did not finish within ${workloadMs} ms (killed)`);
      exchanges = done;
      const node = tracedChild(run.pid);
      if (node === undefined) throw new Error(`${app.name}: traced node process not found${describe()}`);
      process.kill(node, 'SIGTERM');
    }
    const code = await waitFor(run.exited, app.workload.kind === 'cli' ? 60_000 : 10_000, () => killGroup(run.pid));
    if (code === 'timeout') throw new Error(`${app.name} did not exit in time (killed)${describe()}`);
    if (app.workload.kind === 'cli') app.workload.check(run.stdout);
    const trace = parseStrace(readFileSync(traceFile, 'utf8'));
    return { app: app.name, trace, exchanges, exitCode: code, ms: Date.now() - t0, output: `${run.stdout}${run.stderr}` };
  } catch (err) {
    killGroup(run.pid);
    throw err instanceof Error ? new Error(`${err.message}${err.message.includes('stdout:') ? '' : describe()}`, { cause: err }) : err;
  } finally {
    rmSync(traceFile, { force: true });
  }
}
