/** The observation harness on broken apps: it must fail fast with the app's output and leave no process behind. */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../enforcement/harness.js';
import type { RealApp } from './apps.js';
import { canTrace, observe } from './harness.js';

const canRun = process.platform === 'linux' && process.getuid?.() === 0 && canTrace;
if (!canRun) console.warn('\n!!! SKIPPED test/nodejs/harness.test.ts: it needs root on Linux with strace !!!\n');

function fakeApp(name: string, source: string, run: RealApp['workload']): { app: RealApp; dir: string } {
  const dir = mkdtempSync(path.join(tmpdir(), `charter-fake-${name}-`));
  writeFileSync(path.join(dir, 'app.js'), source);
  return { app: { name, what: name, dependencies: {}, files: {}, entry: ['app.js'], workload: run, podman: false }, dir };
}

/** Whether a process with this pid still runs (a zombie waiting for its reaper does not). */
function running(pid: number): boolean {
  try {
    return !/^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return false;
  }
}

describe.skipIf(!canRun)('observe on broken apps', () => {
  const dirs: string[] = [];
  afterAll(() => {
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('reports a crash at startup with the app output, quickly', async () => {
    const { app, dir } = fakeApp('crash', "console.error('boom at startup'); process.exit(3);\n", {
      kind: 'server',
      run: () => Promise.resolve(0),
    });
    dirs.push(dir);
    const t0 = Date.now();
    await expect(observe(app, dir, await freePort(), { ioUring: 'off' })).rejects.toThrow(/did not print READY[\s\S]*boom at startup/);
    expect(Date.now() - t0).toBeLessThan(10_000);
  });

  it('kills an app whose workload hangs, at the deadline', async () => {
    const source =
      "const fs = require('node:fs');\nfs.writeFileSync('pid', String(process.pid));\nconsole.log('READY');\nsetInterval(() => {}, 1000);\n";
    const { app, dir } = fakeApp('hang', source, { kind: 'server', run: () => new Promise<number>(() => undefined) });
    dirs.push(dir);
    await expect(observe(app, dir, await freePort(), { ioUring: 'off', workloadMs: 1_500 })).rejects.toThrow(
      /did not finish within 1500 ms/,
    );
    const pid = Number(readFileSync(path.join(dir, 'pid'), 'utf8'));
    expect(pid).toBeGreaterThan(0);
    await new Promise((r) => setTimeout(r, 300));
    expect(running(pid)).toBe(false);
  });

  it('reports a CLI whose output is wrong', async () => {
    const { app, dir } = fakeApp('cli', "process.stdout.write('wrong');\n", {
      kind: 'cli',
      args: ['app.js'],
      check: (out) => {
        if (out !== 'right') throw new Error(`expected right, got ${out}`);
      },
    });
    dirs.push(dir);
    await expect(observe(app, dir, 0, { ioUring: 'off' })).rejects.toThrow(/expected right, got wrong/);
  });
});
