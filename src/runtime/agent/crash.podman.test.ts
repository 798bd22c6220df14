/**
 * The agent killed with SIGKILL at random moments (while it starts, reconciles, commits a flood of
 * alerts) and started again, several times: the alerts file then holds every stored alert exactly
 * once, seqs 1, 2, 3 … without a gap or a repeat, each line equal to its row in the store, and a
 * `gap` record for each time the agent was not watching. The alerts come from a real container
 * that runs an undeclared program in a loop. Needs root on Linux; skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, emptyContainer, type Charter } from '../../model/charter.js';
import { CliProcess, ensureBuilt } from '../../test-support/built-cli.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../test-support/podman.js';
import { repoRoot } from '../../test-support/profile.js';
import type { AlertRecord } from './types.js';

const IMAGE = 'localhost/agent-crash/bb:1';
const LABEL = `charter-agent-crash=${process.pid}`;
/** Kills: enough to land in start-up, in reconciliation and in the middle of batches. */
const KILLS = 6;
const canRun = canRunPodmanTests('src/runtime/agent/crash.podman.test.ts', {
  untested: "the agent's alert durability under SIGKILL",
  commands: ['podman', 'clang', 'bpftool', 'pgrep', 'strace'],
  files: ['/bin/busybox', '/sys/kernel/btf/vmlinux'],
});

/**
 * Every other run, the agent's writes (its main thread's `write` calls: the alerts file and its
 * output; SQLite writes with pwrite64) are delayed by strace, so the moment between an alert's
 * commit and its line in the file, microseconds otherwise, is one a kill lands in.
 */
const SLOW_WRITES = ['strace', '-o', '/dev/null', '-e', 'trace=write', '-e', 'inject=write:delay_enter=15000', '--'];

function childrenOf(pid: number, name: string): number[] {
  return spawnSync('pgrep', ['-P', String(pid), '-x', name], { encoding: 'utf8' })
    .stdout.split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

/** A small deterministic generator: the kill times are printed with their seed, and a failure can be replayed. */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.skipIf(!canRun)('charter agent killed with SIGKILL at random moments', () => {
  let dir = '';
  let id = '';

  beforeAll(() => {
    const built = spawnSync(path.join(repoRoot, 'scripts/build-sensor.sh'), { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'charter-agent-crash-'));
    podmanOk(['import', busyboxRootfsTar(dir, { applets: ['sh', 'nc', 'sleep', 'usleep'] }), IMAGE]);
    // Its loop runs nc, which the charter does not declare: two alerts (the exec, the connect) per turn, a few hundred a second.
    id = podmanOk([
      'run',
      '-d',
      '--name',
      'agent-crash-loop',
      '--label',
      LABEL,
      '--network',
      'none',
      IMAGE,
      'sh',
      '-c',
      'while :; do nc -w 1 10.1.2.3 1 2>/dev/null; usleep 3000; done',
    ]).trim();
  });

  afterAll(() => {
    cleanup(id !== '' ? [id] : [], [IMAGE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('loses and repeats no alert', async () => {
    const c = emptyContainer('loop');
    c.identity.image = IMAGE;
    c.processes = [
      {
        path: '/bin/busybox',
        invokedAs: ['/bin/sh', '/bin/usleep'],
        applets: ['sh', 'usleep'],
        purpose: 'entrypoint',
        sources: [{ kind: 'dockerfile', artifact: 'Dockerfile', line: 2, reason: 'CMD' }],
      },
    ];
    const charter: Charter = {
      apiVersion: API_VERSION,
      kind: 'Charter',
      metadata: { name: 'crash', generator: 'crash.podman.test' },
      inputs: [],
      containers: [c],
      graph: { edges: [] },
      diagnostics: [],
    };
    const profile = path.join(dir, 'crash.json');
    writeFileSync(profile, JSON.stringify(charter));
    const alerts = path.join(dir, 'alerts.jsonl');
    const state = path.join(dir, 'state');
    // Its control socket too: a killed agent leaves it behind, and the next one must take it over.
    const args = [
      'agent',
      '--profile',
      profile,
      '--alerts',
      alerts,
      '--state-dir',
      state,
      '--label',
      LABEL,
      '--socket',
      path.join(dir, 'agent.sock'),
    ];
    const env = { ...process.env, CONTAINERS_CONF: process.env['CONTAINERS_CONF'] ?? path.join(repoRoot, 'config/containers.conf') };

    const seed = Number(process.env['CHARTER_CRASH_SEED'] ?? Date.now() % 1_000_000);
    const next = random(seed);
    const kills: number[] = [];
    let readyBeforeKill = 0;
    const clis: CliProcess[] = [];
    let torn = 0;
    for (let i = 0; i < KILLS; i++) {
      const slow = i % 2 === 1;
      const cli = new CliProcess(args, env, slow ? SLOW_WRITES : []);
      clis.push(cli);
      // Plain runs are killed some time after the spawn: some before `ready` (start-up, reconciliation),
      // some in the flood of alerts. Slow-write runs are killed in the flood, after `ready`.
      if (slow) await cli.waitFor(/ready/, 60_000);
      const after = Math.round(slow ? 200 + next() * 1500 : 300 + next() * 2500);
      kills.push(after);
      await new Promise((r) => setTimeout(r, after));
      if (/ready/.test(cli.stdout)) readyBeforeKill++;
      // The agent (under strace, strace's child), and its children, to end them too: the loader ends
      // when its stdin closes, podman events only at its next write.
      const agentPid = slow ? childrenOf(cli.child.pid!, 'node')[0] : cli.child.pid;
      expect(agentPid).toBeGreaterThan(0);
      const children = ['charter-sensor', 'podman'].flatMap((name) => childrenOf(agentPid!, name));
      process.kill(agentPid!, 'SIGKILL');
      await cli.stop('SIGKILL');
      for (const p of children) {
        try {
          process.kill(p, 'SIGKILL');
        } catch {
          // Already gone with its parent's pipes.
        }
      }
      // Every other kill, the file is left as a write the kernel cut short leaves it: the last line in part.
      // (A kill before the agent opened its store leaves no file yet.)
      if (i % 2 === 0 && existsSync(alerts)) {
        const text = readFileSync(alerts, 'utf8');
        const lastLine = text.slice(text.lastIndexOf('\n', text.length - 2) + 1);
        if (lastLine.length > 2) {
          const keep = Buffer.byteLength(text) - Buffer.byteLength(lastLine) + 1 + Math.floor(next() * (Buffer.byteLength(lastLine) - 2));
          truncateSync(alerts, keep);
          torn++;
        }
      }
    }
    console.info(
      `agent crash test: seed ${seed}, SIGKILL after ${kills.join(', ')} ms (from the spawn, or from ready with slow writes; ${readyBeforeKill} of ${KILLS} after ready)`,
    );

    // A last, clean run: it reconciles what the last kill left, watches a little, stops on SIGTERM.
    const last = new CliProcess(args, env);
    clis.push(last);
    await last.waitFor(/ready/);
    await new Promise((r) => setTimeout(r, 500));
    expect(await last.stop('SIGTERM'), last.stderr).toEqual({ code: 0, signal: null });

    const text = readFileSync(alerts, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.slice(0, -1).split('\n');
    const recs = lines.map((l) => JSON.parse(l) as AlertRecord);
    expect(recs.map((r) => r.seq)).toEqual(recs.map((_, i) => i + 1));
    const db = new Database(path.join(state, 'agent.sqlite'), { readonly: true });
    const rows = db.prepare('SELECT seq, json FROM alerts ORDER BY seq').all() as { seq: number; json: string }[];
    db.close();
    expect(rows.length).toBe(lines.length);
    expect(rows.map((r) => r.json)).toEqual(lines);
    const deviations = recs.filter((r) => r.type === 'deviation').length;
    const gaps = recs.filter((r) => r.type === 'gap' && /^the agent was not watching from /.test(r.message ?? '')).length;
    // One gap per start after the first that got as far as its store; the first start has no heartbeat before it.
    expect(gaps).toBeGreaterThanOrEqual(readyBeforeKill);
    expect(deviations).toBeGreaterThan(100);
    // What the restarts found (the reconciliation's own words on stderr): torn lines cut, stored alerts the file lacked.
    const said = clis.map((c) => c.stderr).join('');
    const cuts = said.match(/written in part/g)?.length ?? 0;
    expect(cuts).toBe(torn);
    const caughtUp = [...said.matchAll(/(\d+) stored alerts were missing from the alerts file/g)].map((m) => Number(m[1]));
    console.info(
      `agent crash test: ${recs.length} records (${deviations} deviations, ${gaps} gaps) in order, equal to the store; ` +
        `restarts cut ${cuts} torn lines (${torn} made) and appended ${caughtUp.reduce((a, b) => a + b, 0)} alerts in ${caughtUp.length} catch-ups`,
    );
  });
});
