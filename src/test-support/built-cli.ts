/**
 * Test support: the built command line (`node bin/charter.js`), for tests that run it as a user or
 * a service manager would: as its own process, killed by signals. dist/ is built when it is
 * missing or older than src/, at most once per test file.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './profile.js';

export const CHARTER_BIN = path.join(repoRoot, 'bin/charter.js');

function newestSource(dir: string): number {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) newest = Math.max(newest, newestSource(p));
    else if (e.name.endsWith('.ts') || e.name.endsWith('.json')) newest = Math.max(newest, statSync(p).mtimeMs);
  }
  return newest;
}

let builtOnce = false;

/** Builds dist/ when it is missing or older than src/. */
export function ensureBuilt(): void {
  if (builtOnce) return;
  let built: number;
  try {
    built = statSync(path.join(repoRoot, 'dist/cli/main.js')).mtimeMs;
  } catch {
    built = 0;
  }
  if (built <= newestSource(path.join(repoRoot, 'src'))) {
    const r = spawnSync('npm', ['run', '--silent', 'build'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
    if (r.status !== 0) throw new Error(`npm run build failed (${String(r.status ?? r.signal)}):\n${r.stdout}${r.stderr}`);
  }
  builtOnce = true;
}

/** A `charter` process that runs until told: its output as it comes, waits on lines, its end. */
export class CliProcess {
  readonly child: ChildProcessWithoutNullStreams;
  stdout = '';
  stderr = '';
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  /** `wrap`: a command that runs node (`strace … --`), for fault injection; the child is then that command. */
  constructor(args: readonly string[], env: NodeJS.ProcessEnv = process.env, wrap: readonly string[] = []) {
    const [cmd, ...rest] = [...wrap, process.execPath, CHARTER_BIN, ...args];
    this.child = spawn(cmd!, rest, { cwd: repoRoot, env, stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stdout.setEncoding('utf8').on('data', (s: string) => (this.stdout += s));
    this.child.stderr.setEncoding('utf8').on('data', (s: string) => (this.stderr += s));
    this.exited = new Promise((resolve) => this.child.on('close', (code, signal) => resolve({ code, signal })));
  }

  /** Waits until stdout matches (or the process ends, or the time is up: then it throws with what it printed). */
  async waitFor(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const until = Date.now() + timeoutMs;
    let ended = false;
    void this.exited.then(() => (ended = true));
    for (;;) {
      const m = this.stdout.match(pattern);
      if (m) return m;
      if (ended || Date.now() > until)
        throw new Error(
          `${ended ? 'charter ended' : 'timed out'} waiting for ${String(pattern)}\nstdout:\n${this.stdout}\nstderr:\n${this.stderr}`,
        );
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Sends a signal and waits for the end (killed after `timeoutMs` if it does not end). */
  async stop(signal: NodeJS.Signals = 'SIGTERM', timeoutMs = 20_000): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
    const timer = setTimeout(() => this.child.kill('SIGKILL'), timeoutMs);
    try {
      return await this.exited;
    } finally {
      clearTimeout(timer);
    }
  }
}
