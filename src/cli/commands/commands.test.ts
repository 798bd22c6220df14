import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusRoot } from '../../test-support/profile.js';
import { main, type Io } from '../main.js';

async function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
  return { code: await main(args, io), stdout, stderr };
}

const root = mkdtempSync(path.join(tmpdir(), 'charter-cli-scan-'));
const db = path.join(root, 'vulns.db');
const clean = path.join(root, 'clean');
const bad = path.join(root, 'bad');
mkdirSync(clean);
mkdirSync(bad);
writeFileSync(path.join(clean, 'notes.txt'), 'nothing to see\n');
writeFileSync(
  path.join(bad, 'pod.yaml'),
  'apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: c\n      image: c:1\n      securityContext: {privileged: true}\n',
);
const common = ['--db', db, '--offline'];

describe('charter scan / db (exit codes chosen in main)', () => {
  it('db status without a database: exit 2 with the hint', async () => {
    const r = await run(['db', 'status', '--db', db]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('run charter db import');
  });

  it('db import then status', async () => {
    const imp = await run(['db', 'import', path.join(corpusRoot, 'osv/npm'), '--db', db]);
    expect(imp.code).toBe(0);
    expect(imp.stdout).toMatch(/^imported 16, updated 0, unchanged 0, invalid 0/);
    const again = await run(['db', 'import', path.join(corpusRoot, 'osv/npm'), '--db', db]);
    expect(again.stdout).toMatch(/^imported 0, updated 0, unchanged 16/);
    const st = await run(['db', 'status', '--db', db]);
    expect(st.stdout).toContain('advisories: 16 (1 withdrawn)');
  });

  it('db import of a missing path is bad input', async () => {
    expect((await run(['db', 'import', path.join(root, 'nope'), '--db', db])).code).toBe(2);
  });

  it.each([
    ['a clean directory passes', [clean], 0],
    ['a privileged pod fails the default policy', [bad], 1],
    ['a missing target is bad input', [path.join(root, 'missing')], 2],
    ['an unknown format is bad input', [clean, '--format', 'xml'], 2],
  ])('%s → %i', async (_n, args, code) => {
    const r = await run(['scan', ...args, ...common]);
    expect(r.code, r.stderr).toBe(code);
  });

  it('a policy allowing the check passes; a broken policy lists every problem with positions (exit 2)', async () => {
    const ok = path.join(root, 'ok.yaml');
    writeFileSync(ok, 'apiVersion: charter/v1\nkind: Policy\nfailOn: { severity: critical }\nchecks:\n  allow: [CHARTER-K8S-*]\n');
    expect((await run(['scan', bad, '--policy', ok, ...common])).code).toBe(0);
    const broken = path.join(root, 'broken.yaml');
    writeFileSync(
      broken,
      'apiVersion: charter/v1\nkind: Policy\nfailOn: { severity: severe }\nignore:\n  - id: CVE-2021-1\n    expires: 2021-02-30\n',
    );
    const r = await run(['scan', bad, '--policy', broken, ...common]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${broken}:3:21: bad severity "severe"`);
    expect(r.stderr).toContain(`${broken}:6:14: bad date`);
    expect(r.stderr).toContain(`${broken}:5:5: an ignore needs a reason`);
  });

  it('-o writes the report atomically and says so', async () => {
    const out = path.join(root, 'out', 'report.sarif');
    const r = await run(['scan', bad, '--format', 'sarif', '-o', out, ...common]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain(`wrote ${out}`);
    expect((JSON.parse(readFileSync(out, 'utf8')) as { version: string }).version).toBe('2.1.0');
  });
});
