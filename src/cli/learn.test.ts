/** `charter learn`: learning bounded by intent, a new profile version `charter diff` and `explain` read, a quiet window. */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseCharter } from '../profile/serialize.js';
import { main, type Io } from './main.js';

const repo = resolve(import.meta.dirname, '../..');
const PROFILE = join(repo, 'test/golden/shop/shop.charter.json');
const dir = mkdtempSync(join(tmpdir(), 'charter-learn-'));
const HOSTS = join(dir, 'hosts');
writeFileSync(HOSTS, '10.89.0.2 api\n10.89.0.3 db\n10.89.0.4 cache\n10.89.0.5 web\n10.89.0.6 worker\n');

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}
const api = { id: '4f1c2a9b8e7d', name: 'api' };
const at = (minute: number): string => `2026-12-04T10:${String(minute).padStart(2, '0')}:00Z`;
const ev = (minute: number, e: Record<string, unknown>): string =>
  JSON.stringify({ time: at(minute), container: api, process: { pid: 7, path: '/usr/local/bin/node' }, ...e });

// api calls web's port 80 (web serves it: fits intent), twice; opens a shell (contradicts); calls an
// address no container has (contradicts: not a peer of the application).
const STREAM = [
  ev(0, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.5', port: 80 } }),
  ev(1, { kind: 'exec', process: { pid: 9, path: '/bin/sh', argv: ['sh'] } }),
  ev(2, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.5', port: 80 } }),
  ev(3, { kind: 'connect', protocol: 'tcp', remote: { address: '192.0.2.44', port: 443 } }),
  // After a quiet window of 10 minutes, nothing more is learned: db:5432 is declared anyway; cache:6379 too;
  // worker listens on nothing, so its address is not learnable; web:80 from minute 30 would be.
  ev(30, { kind: 'listen', protocol: 'tcp', local: { address: '0.0.0.0', port: 5432 } }),
].join('\n');

async function learn(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(['learn', ...args], io);
  return { code, out: io.out, err: io.err };
}

describe('charter learn', () => {
  it('learns what fits the intent, with provenance, and lists the rest for review', async () => {
    const out = join(dir, 'learned.json');
    const r = await learn([writeEvents('a.jsonl', STREAM), '--profile', PROFILE, '--hosts', HOSTS, '-o', out]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/learned 1 allowances that fit the intent; 3 behaviours for review/);
    expect(r.out).toMatch(/review api: exec \/bin\/sh — attack \(shell-in-service\), 1× from 2026-12-04T10:01:00Z/);
    expect(r.out).toMatch(/review api: connect tcp 192\.0\.2\.44:443 .* — undeclared/);
    const learned = parseCharter(readFileSync(out, 'utf8'), out);
    const egress = learned.containers
      .find((c) => c.name === 'api')!
      .network.egress.filter((e) => e.sources.some((s) => s.kind === 'learned'));
    expect(egress).toEqual([
      {
        peer: { kind: 'container', name: 'web' },
        port: 80,
        protocol: 'tcp',
        sources: [
          {
            kind: 'learned',
            artifact: 'runtime',
            seen: { first: at(0), last: at(2), count: 2 },
            reason: expect.stringMatching(/^peer web of the application serves tcp\/80/),
          },
        ],
      },
    ]);
    // Nothing else changed: the shell and the unknown address were not learned.
    expect(learned.containers.find((c) => c.name === 'api')!.processes.map((p) => p.path)).not.toContain('/bin/sh');

    const diff = capture();
    expect(await main(['diff', PROFILE, out], diff)).toBe(1);
    expect(diff.out).toMatch(/api/);
    expect(diff.out).toMatch(/web/);
    const explain = capture();
    expect(await main(['explain', out, 'egress:web:80', '-c', 'api'], explain)).toBe(0);
    expect(explain.out).toMatch(
      /learned at run time \(2× from 2026-12-04T10:00:00Z to 2026-12-04T10:02:00Z\) — peer web of the application serves tcp\/80/,
    );
  });

  it('ends learning after the quiet window (event time)', async () => {
    const worker = { id: 'c0ffeec0ffee', name: 'worker' };
    // Both calls fit the intent (web serves tcp/80); the second comes 20 minutes after the first.
    const stream = [
      ev(0, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.5', port: 80 } }),
      JSON.stringify({
        time: at(20),
        container: worker,
        process: { pid: 3, path: '/usr/local/bin/node' },
        kind: 'connect',
        protocol: 'tcp',
        remote: { address: '10.89.0.5', port: 80 },
      }),
    ].join('\n');
    const quiet = await learn([
      writeEvents('q.jsonl', stream),
      '--profile',
      PROFILE,
      '--hosts',
      HOSTS,
      '-o',
      join(dir, 'quiet.json'),
      '--quiet-window',
      '10m',
    ]);
    expect(quiet.code).toBe(0);
    expect(quiet.out).toMatch(/learned 1 allowances/);
    const open = await learn([writeEvents('q2.jsonl', stream), '--profile', PROFILE, '--hosts', HOSTS, '-o', join(dir, 'open.json')]);
    expect(open.out).toMatch(/learned 2 allowances/);
  });

  it('a database calling a peer contradicts its role: reviewed, never learned', async () => {
    const db = JSON.stringify({
      time: at(0),
      container: { id: 'dbdbdbdbdbdb', name: 'db' },
      process: { pid: 3, path: '/usr/lib/postgresql/16/bin/postgres' },
      kind: 'connect',
      protocol: 'tcp',
      remote: { address: '10.89.0.5', port: 80 },
    });
    const r = await learn([writeEvents('db.jsonl', db), '--profile', PROFILE, '--hosts', HOSTS, '-o', join(dir, 'db.json')]);
    expect(r.out).toMatch(/learned 0 allowances that fit the intent; 1 behaviours for review/);
  });

  it.each([
    ['a bad quiet window', ['--quiet-window', 'soon'], /--quiet-window soon: expected a number and a unit/],
    ['no output named', ['--no-such'], /./],
  ])('bad input: %s → exit 2', async (_, extra, message) => {
    const r = await learn([writeEvents('b.jsonl', STREAM), '--profile', PROFILE, '-o', join(dir, 'x.json'), ...extra]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });
});

function writeEvents(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}
