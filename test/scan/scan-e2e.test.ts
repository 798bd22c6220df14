/**
 * `charter scan` end to end on real images built here with podman:
 *
 * 1. Debian bookworm + Node.js (the cached mmdebstrap rootfs) with an app whose node_modules is
 *    installed from the npm registry in this test: vulnerable lodash, minimist, qs and ws. The OSV
 *    corpus is imported with `charter db import`; the scan must find exactly the advisories whose
 *    ranges cover those versions, report none that is fixed, validate as SARIF 2.1.0, write
 *    CycloneDX and SPDX, and the gate must fail with the default policy and pass with a policy
 *    that ignores those ids (with a reason and a future expiry); an expired ignore is reported.
 * 2. A private key added in layer 2 and deleted in layer 3 of a busybox image: found, with
 *    layer 2's digest.
 *
 * Needs root on Linux (podman); skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../src/cli/main.js';
import { BUSYBOX_SERVICE, busyboxRootfsTar, debianNodeRootfs } from '../../src/test-support/images.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../src/test-support/podman.js';
import { repoRoot } from '../../src/test-support/profile.js';
import { buildAndSave, tempDir, writeContext } from '../enforcement/harness.js';
import { sarifErrors } from '../../src/test-support/sarif.js';

const canRun = canRunPodmanTests('test/scan/scan-e2e.test.ts', { untested: 'charter scan on real images' });

const CORPUS = path.resolve(repoRoot, 'test/corpus/osv');
const RUN = `${process.pid}`;
const BASE = `localhost/charter-scan-e2e/debian-node-base:${RUN}`;
const APP = `localhost/charter-scan-e2e/node-app:${RUN}`;
const BB = `localhost/charter-scan-e2e/busybox:${RUN}`;
const KEYIMG = `localhost/charter-scan-e2e/deleted-key:${RUN}`;

/** Versions installed, and what the corpus says about them (checked against the records below). */
const PACKAGES = ['lodash@4.17.15', 'minimist@1.2.5', 'qs@6.5.2', 'ws@7.4.5'];
const EXPECTED = [
  'GHSA-35jh-r3h4-6jhm', // lodash < 4.17.21
  'GHSA-3h5v-q93c-6h6q', // ws 7.0.0 – 7.5.10
  'GHSA-6fc8-4gx4-v693', // ws 7.0.0 – 7.4.6
  'GHSA-hrpp-h998-j3pp', // qs 6.5.0 – 6.5.3
  'GHSA-p6mc-m468-83gw', // lodash 3.7.0 – 4.17.19
  'GHSA-xvch-5gv4-984h', // minimist 1.0.0 – 1.2.6
];
/** Records for the same packages whose fixed version is at or below what is installed. */
const FIXED_ALREADY = ['GHSA-jf85-cpcp-j695' /* lodash < 4.17.12 */, 'GHSA-vh95-rmgr-6w4m' /* minimist < 1.2.3 */];

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function charter(args: string[]): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = { stdout: (s) => void (stdout += s), stderr: (s) => void (stderr += s), isTTY: false };
  const code = await main(args, io);
  return { code, stdout, stderr };
}

interface ScanDoc {
  image: { digest: string; layers: { digest: string }[] };
  os?: { id: string; versionId?: string };
  components: { ecosystem: string; name: string; version: string; path?: string }[];
  findings: {
    kind: string;
    id: string;
    fixedVersion?: string;
    component?: { name: string; version: string };
    locations: { layer?: string; path?: string }[];
  }[];
  policy: { pass: boolean; warnings: { code: string; line?: number }[] };
}

describe.skipIf(!canRun)('charter scan on real images', () => {
  let dir = '';
  let db = '';
  let appArchive = '';
  let keyArchive = '';
  let keyLayers: string[] = [];
  const images: string[] = [];

  beforeAll(async () => {
    dir = tempDir('charter-scan-e2e-');
    db = path.join(dir, 'vulns.db');
    // The app's dependencies, installed from the registry the way a user would.
    const app = path.join(dir, 'app');
    mkdirSync(app, { recursive: true });
    writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'scan-e2e-app', version: '1.0.0', private: true }));
    const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', ...PACKAGES], {
      cwd: app,
      encoding: 'utf8',
      timeout: 300_000,
    });
    if (npm.status !== 0) throw new Error(`npm install failed: ${npm.stderr}`);
    writeFileSync(path.join(app, 'server.js'), "require('ws'); require('lodash'); console.log('ok');\n");

    podmanOk(['import', debianNodeRootfs(), BASE], { timeoutMs: 300_000 });
    images.push(BASE);
    const ctx = path.join(dir, 'ctx');
    writeContext(ctx, {
      Dockerfile: [`FROM ${BASE}`, 'WORKDIR /app', 'COPY app/ /app/', 'USER 1000', 'CMD ["node","server.js"]', ''].join('\n'),
    });
    cpSync(app, path.join(ctx, 'app'), { recursive: true });
    appArchive = path.join(dir, 'app.tar');
    buildAndSave(ctx, APP, appArchive);
    images.push(APP);

    // Layer 1 busybox, layer 2 adds a private key, layer 3 deletes it.
    podmanOk(['import', busyboxRootfsTar(dir, BUSYBOX_SERVICE), BB], { timeoutMs: 60_000 });
    images.push(BB);
    const { privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      privateKeyEncoding: { type: 'pkcs1', format: 'pem' },
      publicKeyEncoding: { type: 'spki', format: 'pem' },
    });
    const kctx = path.join(dir, 'kctx');
    writeContext(kctx, {
      Dockerfile: [`FROM ${BB}`, 'COPY id_rsa /root/.ssh/id_rsa', 'RUN rm /root/.ssh/id_rsa', ''].join('\n'),
      id_rsa: privateKey,
    });
    keyArchive = path.join(dir, 'key.tar');
    buildAndSave(kctx, KEYIMG, keyArchive);
    images.push(KEYIMG);
    keyLayers = (JSON.parse(podmanOk(['inspect', '--format', '{{json .RootFS.Layers}}', KEYIMG])) as string[]) ?? [];

    const imp = await charter(['db', 'import', CORPUS, '--db', db]);
    if (imp.code !== 0) throw new Error(`db import failed: ${imp.stderr}`);
  }, 1_200_000);

  afterAll(() => {
    if (canRun) cleanup([], [...images].reverse());
    if (dir !== '' && !process.env['CHARTER_E2E_KEEP']) rmSync(dir, { recursive: true, force: true });
  });

  it('the corpus records cover the installed versions as this test assumes', () => {
    for (const id of [...EXPECTED, ...FIXED_ALREADY]) expect(existsSync(path.join(CORPUS, 'npm', `${id}.json`)), id).toBe(true);
  });

  it('db status reports the imported corpus', async () => {
    const r = await charter(['db', 'status', '--db', db, '--format', 'json']);
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as { advisories: number; withdrawn: number; perEcosystem: { ecosystem: string; advisories: number }[] };
    expect(s.advisories).toBeGreaterThanOrEqual(25);
    expect(s.withdrawn).toBe(1);
    expect(s.perEcosystem.find((e) => e.ecosystem === 'npm')?.advisories).toBe(16);
  });

  it('finds exactly the advisories that cover the installed npm versions, none already fixed; the default gate fails', async () => {
    const r = await charter(['scan', `oci-archive:${appArchive}`, '--db', db, '--format', 'json', '--offline']);
    expect(r.code, r.stderr).toBe(1);
    const doc = JSON.parse(r.stdout) as ScanDoc;
    expect(doc.os).toMatchObject({ id: 'debian', versionId: '12' });
    const npm = doc.components
      .filter((c) => c.ecosystem === 'npm' && c.path?.startsWith('/app/node_modules/'))
      .map((c) => `${c.name}@${c.version}`);
    expect(npm.sort()).toEqual(PACKAGES);
    expect(doc.components.some((c) => c.ecosystem === 'deb' && c.name === 'nodejs')).toBe(true);
    const npmVulns = doc.findings.filter(
      (f) => f.kind === 'vulnerability' && PACKAGES.includes(`${f.component?.name}@${f.component?.version}`),
    );
    expect([...new Set(npmVulns.map((f) => f.id))].sort()).toEqual(EXPECTED);
    for (const id of FIXED_ALREADY) expect(doc.findings.map((f) => f.id)).not.toContain(id);
    // Every reported fix is above what is installed.
    for (const f of npmVulns) expect(f.fixedVersion, f.id).toBeDefined();
    expect(doc.policy.pass).toBe(false);
    expect(r.stderr).toContain('policy failed');
  });

  it('SARIF validates against the official schema; CycloneDX and SPDX are written', async () => {
    const sarifFile = path.join(dir, 'out.sarif');
    const s = await charter(['scan', `oci-archive:${appArchive}`, '--db', db, '--format', 'sarif', '-o', sarifFile, '--offline']);
    expect(s.code).toBe(1);
    const sarif = JSON.parse(readFileSync(sarifFile, 'utf8')) as {
      runs: { results: { ruleId: string }[]; tool: { driver: { rules: { id: string }[] } } }[];
    };
    expect(sarifErrors(sarif)).toEqual([]);
    for (const id of EXPECTED) expect(sarif.runs[0]?.results.map((x) => x.ruleId)).toContain(id);

    const cdx = await charter(['scan', `oci-archive:${appArchive}`, '--db', db, '--format', 'cyclonedx', '--offline']);
    const bom = JSON.parse(cdx.stdout) as { bomFormat: string; specVersion: string; components: { purl?: string }[] };
    expect(bom.bomFormat).toBe('CycloneDX');
    expect(bom.components.map((c) => c.purl)).toContain('pkg:npm/lodash@4.17.15');

    const spdx = await charter(['scan', `oci-archive:${appArchive}`, '--db', db, '--format', 'spdx', '--offline']);
    const doc = JSON.parse(spdx.stdout) as { spdxVersion: string; packages: { name: string }[] };
    expect(doc.spdxVersion).toBe('SPDX-2.3');
    expect(doc.packages.map((p) => p.name)).toContain('minimist');
  });

  it('passes with a policy ignoring those ids (reason, future expiry) and reports an expired ignore', async () => {
    const policy = path.join(dir, 'policy.yaml');
    const rules = EXPECTED.map((id) => `  - id: ${id}\n    reason: accepted for this test\n    expires: 2099-12-31\n`).join('');
    writeFileSync(
      policy,
      `apiVersion: charter/v1\nkind: Policy\nfailOn:\n  kinds: { vulnerability: high, secret: any, misconfiguration: critical }\nonlyWithFix: true\nignore:\n${rules}  - id: CVE-2000-0001\n    reason: an old exception\n    expires: 2020-01-31\n`,
    );
    const r = await charter(['scan', `oci-archive:${appArchive}`, '--db', db, '--format', 'json', '--policy', policy, '--offline']);
    const doc = JSON.parse(r.stdout) as ScanDoc;
    const failing = doc.findings.filter((_f, i) => (doc.policy as unknown as { failing: number[] }).failing.includes(i)).map((f) => f.id);
    expect(r.code, `still failing: ${failing.join(', ')}\n${r.stderr}`).toBe(0);
    expect(doc.policy.pass).toBe(true);
    const expired = doc.policy.warnings.find((w) => w.code === 'policy/ignore-expired');
    // Six header lines, three per ignore above it.
    expect(expired?.line).toBe(6 + EXPECTED.length * 3 + 1);
    expect(r.stderr).toContain('ignore of CVE-2000-0001 expired on 2020-01-31');
  });

  it('finds the private key deleted in layer 3, with layer 2 digest, and fails the default gate', async () => {
    expect(keyLayers).toHaveLength(3);
    const r = await charter(['scan', `oci-archive:${keyArchive}`, '--db', db, '--format', 'json', '--offline']);
    const doc = JSON.parse(r.stdout) as ScanDoc;
    const secrets = doc.findings.filter((f) => f.kind === 'secret');
    expect(secrets.length, JSON.stringify(doc.findings.map((f) => f.id))).toBeGreaterThan(0);
    const key = secrets.find((f) => f.locations.some((l) => l.path === '/root/.ssh/id_rsa'));
    expect(key).toBeDefined();
    // The layer as stored in the archive (compressed digest) is the second of three.
    expect(key?.locations[0]?.layer).toBe(doc.image.layers[1]?.digest);
    expect(r.code).toBe(1);
  });

  it('a busybox image with no packages and no database entries scans clean (exit 0 with a permissive policy)', async () => {
    const bbArchive = path.join(dir, 'bb.tar');
    podmanOk(['save', '--quiet', '--format', 'oci-archive', '-o', bbArchive, BB], { timeoutMs: 120_000 });
    const r = await charter(['scan', `oci-archive:${bbArchive}`, '--db', db, '--format', 'json', '--offline']);
    const doc = JSON.parse(r.stdout) as ScanDoc;
    expect(doc.findings.filter((f) => f.kind === 'vulnerability')).toEqual([]);
    expect(r.code, r.stderr).toBe(0);
  });
});
