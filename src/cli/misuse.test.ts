/**
 * Misuse of the command line is bad input: exit 2 with a message naming what was wrong, never
 * "internal error" (exit 3), never a hang. Every hostile input is made here, at test time.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from './main.js';

const root = mkdtempSync(path.join(tmpdir(), 'charter-cli-misuse-'));
const at = (name: string): string => path.join(root, name);
const app = at('app');
const profile = at('profile.json');
const fifo = at('pipe.json');
// As root, permission bits do not stop a write: sysfs refuses new files to everyone.
const readOnlyDir = process.getuid?.() === 0 ? '/sys' : at('read-only');

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: Io = { stdout: (s) => void (out += s), stderr: (s) => void (err += s), isTTY: false };
  return { code: await main(args, io), out, err };
}

beforeAll(async () => {
  mkdirSync(app);
  writeFileSync(path.join(app, 'Dockerfile'), 'FROM alpine\nEXPOSE 8080\nUSER 1000\n');
  expect((await run(['profile', app, '-o', profile])).code).toBe(0);
  execFileSync('mkfifo', [fifo]);
  writeFileSync(at('notes.txt'), 'just some notes\n');
  writeFileSync(at('not-a-profile.json'), '{"hello": "world"}\n');
  writeFileSync(at('a-file'), 'x');
  // Sparse: 200 MB declared, nothing written.
  writeFileSync(at('huge.json'), '');
  truncateSync(at('huge.json'), 200 * 1024 * 1024);
  writeFileSync(at('deep.json'), `${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}`);
  writeFileSync(at('deep-policy.yaml'), `apiVersion: charter/v1\nkind: Policy\nchecks: ${'['.repeat(50_000)}\n`);
  mkdirSync(at('policy-dir'));
  mkdirSync(at('existing-dir'));
  if (readOnlyDir !== '/sys') {
    mkdirSync(readOnlyDir);
    chmodSync(readOnlyDir, 0o555);
  }
});
afterAll(() => {
  if (readOnlyDir !== '/sys') chmodSync(readOnlyDir, 0o755);
  rmSync(root, { recursive: true, force: true });
});

// [what, argv, text the message must contain (the input it names)]
const cases: [string, () => string[], () => string][] = [
  ['an unknown option', () => ['profile', app, '--bogus'], () => '--bogus'],
  ['an unknown command', () => ['frobnicate'], () => 'frobnicate'],
  ['a missing argument', () => ['explain'], () => 'profile'],
  ['a missing option value', () => ['profile', app, '--format'], () => '--format'],
  ['a bad --format', () => ['profile', app, '--format', 'xml'], () => 'xml'],
  ['a bad scan --format', () => ['scan', app, '--format', 'html'], () => 'html'],
  ['emit --as unknown', () => ['emit', profile, '--as', 'selinux'], () => 'selinux'],
  ['emit without --as', () => ['emit', profile], () => '--as'],
  ['explain with an empty query', () => ['explain', profile, ''], () => 'empty query'],
  ['explain with a kind and no value', () => ['explain', profile, 'syscall:'], () => 'syscall:'],
  ['explain with a port that is not a number', () => ['explain', profile, 'port:http'], () => 'port:http'],
  ['explain of an unknown container', () => ['explain', profile, 'port:8080', '-c', 'nope'], () => 'nope'],
  ['explain of a missing profile', () => ['explain', at('missing.json')], () => at('missing.json')],
  ['explain of a directory', () => ['explain', root], () => root],
  ['explain of a FIFO', () => ['explain', fifo], () => fifo],
  ['explain of /dev/zero', () => ['explain', '/dev/zero'], () => '/dev/zero'],
  ['explain of a 200 MB profile', () => ['explain', at('huge.json')], () => at('huge.json')],
  ['explain of a profile nested 100,000 deep', () => ['explain', at('deep.json')], () => `${at('deep.json')}:1:`],
  ['diff of a text file', () => ['diff', at('notes.txt'), profile], () => at('notes.txt')],
  ['diff of JSON that is not a profile', () => ['diff', profile, at('not-a-profile.json')], () => at('not-a-profile.json')],
  ['emit of a FIFO', () => ['emit', fifo, '--as', 'seccomp'], () => fifo],
  ['db import of a missing path', () => ['db', 'import', at('missing-osv'), '--db', at('v.db')], () => at('missing-osv')],
  ['db import of a FIFO', () => ['db', 'import', fifo, '--db', at('v.db')], () => fifo],
  ['db import of /dev/zero', () => ['db', 'import', '/dev/zero', '--db', at('v.db')], () => '/dev/zero'],
  ['db import of a .zip that is a FIFO', () => ['db', 'import', at('pipe.zip'), '--db', at('v.db')], () => at('pipe.zip')],
  [
    'db import --db below a file',
    () => ['db', 'import', app, '--db', path.join(at('a-file'), 'v.db')],
    () => path.join(at('a-file'), 'v.db'),
  ],
  ['db status --db naming a directory', () => ['db', 'status', '--db', at('existing-dir')], () => at('existing-dir')],
  [
    'a policy file that is a directory',
    () => ['scan', app, '--policy', at('policy-dir'), '--offline', '--db', at('v.db')],
    () => at('policy-dir'),
  ],
  ['a policy file that is a FIFO', () => ['scan', app, '--policy', fifo, '--offline', '--db', at('v.db')], () => fifo],
  [
    'a policy nested 50,000 deep',
    () => ['scan', app, '--policy', at('deep-policy.yaml'), '--offline', '--db', at('v.db')],
    () => `${at('deep-policy.yaml')}:3:`,
  ],
  ['profile -o naming an existing directory', () => ['profile', app, '-o', at('existing-dir')], () => at('existing-dir')],
  [
    'profile -o into a read-only directory',
    () => ['profile', app, '-o', path.join(readOnlyDir, 'p.json')],
    () => path.join(readOnlyDir, 'p.json'),
  ],
  [
    'profile -o below a file',
    () => ['profile', app, '-o', path.join(at('a-file'), 'p.json')],
    () => `${path.join(at('a-file'), 'p.json')}: cannot write output: a component of the path is not a directory`,
  ],
  [
    'scan -o naming an existing directory',
    () => ['scan', app, '-o', at('existing-dir'), '--offline', '--db', at('v.db')],
    () => at('existing-dir'),
  ],
  ['emit -o naming an existing file', () => ['emit', profile, '--as', 'seccomp', '-o', at('a-file')], () => at('a-file')],
  [
    'emit -o into a read-only directory',
    () => ['emit', profile, '--as', 'seccomp', '-o', path.join(readOnlyDir, 'out')],
    () => path.join(readOnlyDir, 'out'),
  ],
  ['node of a directory without package.json', () => ['node', at('no-app')], () => at('no-app')],
];

describe('misuse of the CLI is bad input (exit 2), never an internal error', () => {
  beforeAll(() => execFileSync('mkfifo', [at('pipe.zip')]));

  it.each(cases)('%s', async (_what, argv, names) => {
    const started = Date.now();
    const r = await run(argv());
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.err).not.toMatch(/internal error|Maximum call stack|RangeError|TypeError/);
    expect(r.code, r.err).toBe(2);
    expect(r.err).toContain(names());
  });

  it('a failed -o leaves no partial or temporary file, and target errors are still reported', async () => {
    const r = await run(['profile', app, at('missing-target'), '-o', at('existing-dir')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(at('missing-target'));
    expect(r.err).toContain(`${at('existing-dir')}: cannot write output: is a directory`);
    expect(readdirSync(at('existing-dir'))).toEqual([]);
  });
});
