import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../model/errors.js';
import { corpusRoot } from '../test-support/profile.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import { importOsv } from '../vulns/import.js';
import { scanTarget } from './index.js';

let app = '';
let db = '';
const fetched: string[] = [];

/** A registry stand-in: ua-parser-js is deprecated, everything else is not. */
const fakeFetch: typeof fetch = async (input) => {
  const url = String(input);
  fetched.push(url);
  const name = decodeURIComponent(url.slice(url.lastIndexOf('/') + 1));
  const versions = name === 'ua-parser-js' ? { '0.7.29': { deprecated: 'compromised release, upgrade' } } : { '4.17.15': {} };
  return new Response(JSON.stringify({ name, versions }), { status: 200, headers: { 'content-type': 'application/json' } });
};

function pkg(dir: string, name: string, version: string, extra: Record<string, unknown> = {}): void {
  const d = path.join(dir, 'node_modules', name);
  mkdirSync(d, { recursive: true });
  writeFileSync(path.join(d, 'package.json'), JSON.stringify({ name, version, ...extra }));
}

beforeAll(async () => {
  const root = mkdtempSync(path.join(tmpdir(), 'charter-scan-'));
  app = path.join(root, 'app');
  mkdirSync(path.join(app, 'deploy'), { recursive: true });
  writeFileSync(path.join(app, 'Dockerfile'), 'FROM node:20\nCOPY . /app\nCMD ["node", "/app/server.js"]\n');
  writeFileSync(
    path.join(app, 'deploy/pod.yaml'),
    'apiVersion: v1\nkind: Pod\nmetadata:\n  name: web\nspec:\n  containers:\n    - name: web\n      image: web:1\n      securityContext:\n        privileged: true\n',
  );
  writeFileSync(path.join(app, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0' }));
  pkg(app, 'lodash', '4.17.15');
  pkg(app, 'ua-parser-js', '0.7.29', { scripts: { preinstall: 'start /B node preinstall.js' } });
  db = path.join(root, 'vulns.db');
  const store = openSqliteVulnStore(db);
  await importOsv(store, [path.join(corpusRoot, 'osv')]);
  await store.close();
});

const opts = (extra: Record<string, unknown> = {}) => ({
  dbPath: db,
  cacheDir: mkdtempSync(path.join(tmpdir(), 'charter-scan-cache-')),
  npmRegistry: 'http://registry.invalid/',
  fetchImpl: fakeFetch,
  ...extra,
});

describe('scanTarget on a directory', () => {
  it('checks manifests, inventories node_modules, matches vulnerabilities and flags unsafe packages', async () => {
    const r = await scanTarget(app, opts());
    expect(r.components.map((c) => `${c.name}@${c.version}`)).toEqual(['lodash@4.17.15', 'ua-parser-js@0.7.29']);
    const ids = (kind: string) => [...new Set(r.findings.filter((f) => f.kind === kind).map((f) => f.id))].sort();
    expect(ids('vulnerability')).toEqual(['GHSA-35jh-r3h4-6jhm', 'GHSA-p6mc-m468-83gw']);
    expect(ids('unsafe-component')).toEqual(['CHARTER-NPM-DEPRECATED', 'CHARTER-NPM-INSTALL-SCRIPT', 'GHSA-pjwm-rvh2-c87w']);
    const mis = r.findings.filter((f) => f.kind === 'misconfiguration');
    expect(mis.some((f) => f.locations[0]?.artifact === 'Dockerfile')).toBe(true);
    expect(mis.some((f) => f.locations[0]?.artifact === 'deploy/pod.yaml' && f.severity === 'critical')).toBe(true);
    expect(r.diagnostics.filter((d) => d.severity !== 'info')).toEqual([]);
  });

  it('is deterministic', async () => {
    const a = await scanTarget(app, opts());
    const b = await scanTarget(app, opts());
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
  });

  it('without a database: a warning, no vulnerability findings, not an error', async () => {
    const r = await scanTarget(app, opts({ dbPath: path.join(tmpdir(), 'charter-no-such-dir', 'vulns.db') }));
    expect(r.findings.filter((f) => f.kind === 'vulnerability')).toEqual([]);
    expect(r.diagnostics.find((d) => d.code === 'scan/no-vuln-db')?.message).toMatch(/^no vulnerability database: run charter db import/);
  });

  it('offline with an empty cache: says which packages were not checked for deprecation; the cache answers later', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'charter-scan-cache-'));
    const before = fetched.length;
    const off = await scanTarget(app, opts({ offline: true, cacheDir }));
    expect(fetched.length).toBe(before);
    expect(off.diagnostics.find((d) => d.code === 'unsafe/deprecation-not-checked')?.message).toContain(
      'lodash@4.17.15, ua-parser-js@0.7.29',
    );
    await scanTarget(app, opts({ cacheDir }));
    const again = await scanTarget(app, opts({ offline: true, cacheDir }));
    expect(again.diagnostics.find((d) => d.code === 'unsafe/deprecation-not-checked')).toBeUndefined();
    expect(again.findings.some((f) => f.id === 'CHARTER-NPM-DEPRECATED')).toBe(true);
  });

  it.each([['ftp:somewhere'], ['registry:alpine']])('refuses an unknown transport %s', async (t) => {
    await expect(scanTarget(t, opts())).rejects.toBeInstanceOf(UserError);
  });

  it('a missing path is a UserError naming it', async () => {
    await expect(scanTarget(path.join(app, 'nope'), opts())).rejects.toThrow(/cannot read target/);
  });
});
