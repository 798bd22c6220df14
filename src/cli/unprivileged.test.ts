// Permission errors, for real: root reads every file, so as root the CLI is run as `nobody` on a
// tree holding a manifest and an archive nobody may read. Both are named in a diagnostic or error
// (exit 2 for a named target, a warning for a walked file) and the rest is still read.
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const isRoot = process.platform === 'linux' && process.getuid?.() === 0;
const NOBODY = 65534;

if (!isRoot) console.warn('SKIPPED: the permission-denied CLI tests need root (to run the CLI as nobody)');

describe.skipIf(!isRoot)('as an unprivileged user', () => {
  const top = mkdtempSync(join(tmpdir(), 'charter-nobody-'));
  chmodSync(top, 0o755);
  const tree = join(top, 'app');
  mkdirSync(tree, { mode: 0o755 });
  writeFileSync(join(tree, 'Dockerfile'), 'FROM alpine\nUSER 1000\nEXPOSE 8080\n', { mode: 0o644 });
  writeFileSync(join(tree, 'pod.yaml'), 'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: c, image: nginx}]}\n', {
    mode: 0o600,
  });
  writeFileSync(join(top, 'locked.tar'), 'x', { mode: 0o600 });
  const cache = join(top, 'cache');
  mkdirSync(cache, { mode: 0o777 });
  chmodSync(cache, 0o777);
  afterAll(() => rmSync(top, { recursive: true, force: true }));

  const charter = (...args: string[]) =>
    spawnSync(process.execPath, [join(repo, 'bin/charter.js'), ...args], {
      uid: NOBODY,
      gid: NOBODY,
      cwd: top,
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: top, CHARTER_CACHE_DIR: cache },
      timeout: 60_000,
    });

  it('profile names the unreadable manifest and reads the Dockerfile', () => {
    const r = charter('profile', tree);
    expect(r.status, r.stderr).toBe(0);
    const profile = JSON.parse(r.stdout) as {
      inputs: { artifact: string }[];
      diagnostics: { code: string; file?: string; message: string }[];
    };
    expect(profile.inputs.map((i) => i.artifact)).toEqual(['Dockerfile']);
    expect(profile.diagnostics).toContainEqual(
      expect.objectContaining({ code: 'walk/unreadable', file: 'pod.yaml', message: expect.stringMatching(/permission denied/) }),
    );
  });

  it('scan names the unreadable manifest once and checks the Dockerfile', () => {
    const r = charter('scan', tree, '--format', 'json', '--offline');
    const out = JSON.parse(r.stdout) as {
      diagnostics: { code: string; file?: string }[];
      findings: { locations?: { artifact?: string }[] }[];
    };
    expect(out.diagnostics.filter((d) => d.code === 'walk/unreadable')).toEqual([expect.objectContaining({ file: 'pod.yaml' })]);
    expect(out.findings.some((f) => f.locations?.some((l) => l.artifact === 'Dockerfile'))).toBe(true);
  });

  it('an archive nobody may read is bad input naming it (exit 2), not an internal error', () => {
    const r = charter('profile', `oci-archive:${join(top, 'locked.tar')}`);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/locked\.tar: permission denied/);
    expect(r.stderr).not.toMatch(/internal error/);
  });
});
