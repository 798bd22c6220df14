/**
 * The map against the real runtime: runs the generator's check on a representative subset of API
 * ids under `strace -f` (clone3 and io_uring_* answered ENOSYS, as the seccomp emitter does) and
 * expects zero misses against node-floor ∪ entry ∪ runc-bootstrap, with nothing left to
 * runc-bootstrap alone; and the floor programs need nothing outside node-floor. Needs Linux, root
 * and strace; skipped loudly otherwise.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, test } from 'vitest';
import { checkTrace, ENOSYS_INJECTED, FLOOR_PROGRAMS, startPeers, traceSnippet } from '../../../scripts/node-syscalls/lib.mjs';
import { loadKnowledge } from '../index.js';
import { loadNodeSyscallMap } from './index.js';

function hasStrace(): boolean {
  try {
    execFileSync('strace', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const runnable = process.platform === 'linux' && process.getuid?.() === 0 && hasStrace();
if (!runnable) console.warn('SKIPPED: the Node.js syscall map strace check needs Linux, root and strace');

/** Snippet keys (see scripts/node-syscalls/snippets.json) and the API id each is checked as. */
const SUBSET: readonly (readonly [snippet: string, api: string])[] = [
  ['fs.readFile', 'fs.readFile'],
  ['fs.writeFile', 'fs.writeFile'],
  ['fs/promises.readFile', 'fs.promises.readFile'],
  ['fs.readdir', 'fs.readdir'],
  ['fs.opendir~read', 'fs.opendir'],
  ['fs.readv~multi', 'fs.readv'],
  ['fs.statfs', 'fs.statfs'],
  ['fs.stat', 'fs.stat'],
  ['fs.watch', 'fs.watch'],
  ['net.createServer', 'net.createServer'],
  ['net.Server#listen', 'net.Server#listen'],
  ['net.connect', 'net.connect'],
  ['http.createServer', 'http.createServer'],
  ['http.request', 'http.request'],
  ['http.get', 'http.get'],
  ['dns.lookup', 'dns.lookup'],
  ['dgram.createSocket', 'dgram.createSocket'],
  ['child_process.spawn', 'child_process.spawn'],
  ['child_process.execSync', 'child_process.execSync'],
  ['worker_threads.Worker', 'worker_threads.Worker'],
  ['crypto.randomBytes', 'crypto.randomBytes'],
  ['crypto.pbkdf2', 'crypto.pbkdf2'],
  ['zlib.gzip', 'zlib.gzip'],
  ['os.networkInterfaces', 'os.networkInterfaces'],
  ['os.cpus', 'os.cpus'],
  ['process.kill', 'process.kill'],
  ['process.chdir', 'process.chdir'],
  ['net.Socket#write', 'net.Socket#write'],
  ['child_process.spawn~options', 'child_process.spawn'],
  ['timers.setTimeout', 'timers.setTimeout'],
  ['global.fetch', 'global.fetch'],
];

const snippets = (
  JSON.parse(readFileSync(new URL('../../../scripts/node-syscalls/snippets.json', import.meta.url), 'utf8')) as {
    snippets: Record<string, unknown>;
  }
).snippets;

type Spec = { code: string; client?: 'http' | 'h2' | 'tcp' | 'udp' };
function spec(key: string): Spec {
  const raw = snippets[key];
  if (typeof raw === 'string') return { code: raw };
  if (typeof raw === 'object' && raw !== null && typeof (raw as Spec).code === 'string') return raw as Spec;
  throw new Error(`no snippet ${key}`);
}

describe.skipIf(!runnable)('strace check of the Node.js syscall map', () => {
  test('every snippet of the subset exists', () => {
    for (const [key] of SUBSET) expect(() => spec(key)).not.toThrow();
  });

  test('the floor programs need nothing outside node-floor', async () => {
    const kb = loadKnowledge();
    const floor = new Set([
      ...kb.syscallGroups.filter((g) => loadNodeSyscallMap(20).floorGroups.includes(g.id)).flatMap((g) => g.syscalls),
      ...ENOSYS_INJECTED,
    ]);
    const problems: string[] = [];
    for (const { name, ...p } of FLOOR_PROGRAMS) {
      const r = await traceSnippet({ ...p, timeoutMs: 15_000 });
      if (r.timedOut || r.names.size < 20) problems.push(`${name}: did not run (${r.stderr.slice(0, 200)})`);
      const outside = [...r.names.keys()].filter((n) => !floor.has(n));
      if (outside.length > 0) problems.push(`${name}: ${outside.join(' ')}`);
    }
    expect(problems).toEqual([]);
  }, 90_000);

  test('observed syscalls beyond the floor are all in the map (zero misses)', async () => {
    const kb = loadKnowledge();
    const map = loadNodeSyscallMap(20);
    const floor = kb.syscallGroups.filter((g) => map.floorGroups.includes(g.id)).flatMap((g) => g.syscalls);
    const runc = kb.syscallGroups.find((g) => g.id === 'runc-bootstrap')?.syscalls ?? [];
    const entries = new Map([...map.entries].map(([id, e]) => [id, e.syscalls]));
    const peers = await startPeers();
    try {
      const baseline = await traceSnippet({ code: '', env: peers.env });
      expect(baseline.names.size).toBeGreaterThan(20);
      const floorSet = new Set([...floor, ...ENOSYS_INJECTED]);
      expect(
        [...baseline.names.keys()].filter((n) => !floorSet.has(n)),
        'the empty program needs only the floor',
      ).toEqual([]);

      const queue = [...SUBSET];
      const problems: string[] = [];
      // Two at a time: the machine has two cores and other suites run beside this one.
      await Promise.all(
        [0, 1].map(async () => {
          for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
            const [key, api] = next;
            const r = await traceSnippet({ ...spec(key), env: peers.env, timeoutMs: 15_000 });
            if (r.timedOut || r.names.size === 0 || r.served === false)
              problems.push(`${key}: snippet did not run (${r.stderr.slice(0, 200)})`);
            const c = checkTrace({
              api,
              observed: r.names.keys(),
              baseline: baseline.names.keys(),
              floor,
              entries,
              also: runc,
              ignore: ENOSYS_INJECTED,
            });
            if (c.entry === undefined) problems.push(`${api}: no entry answers`);
            if (c.misses.length > 0) problems.push(`${api} (entry ${c.entry}): missing ${c.misses.join(' ')}`);
            // Entries are complete on their own: runc-bootstrap is not an API's excuse.
            else if (c.lacking.length > 0)
              problems.push(`${api} (entry ${c.entry}): allowed only by runc-bootstrap: ${c.lacking.join(' ')}`);
          }
        }),
      );
      expect(problems).toEqual([]);
    } finally {
      await peers.close();
    }
  }, 120_000);
});
