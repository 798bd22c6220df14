import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lookupDeprecations, packageUrl } from './npm-registry.js';

// A local stand-in for the registry: package documents by name, a slow one and a broken one.
const DOCS: Record<string, unknown> = {
  '/request': { name: 'request', versions: { '2.88.2': { deprecated: 'request has been deprecated' }, '2.88.0': {} } },
  '/lodash': { name: 'lodash', versions: { '4.17.15': {}, '4.17.21': { deprecated: false } } },
  '/@scope%2Fpkg': { name: '@scope/pkg', versions: { '1.0.0': { deprecated: 'use @scope/other' } } },
};
let server: Server;
let registry = '';
const seen: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push(req.url ?? '');
    if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 2_000);
    if (req.url === '/broken') return void res.end('{not json');
    if (req.url === '/huge') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return void res.end(`{"versions":{},"pad":"${'x'.repeat(4096)}"}`);
    }
    if (req.url === '/error') {
      res.writeHead(500);
      return void res.end();
    }
    const doc = DOCS[req.url ?? ''];
    if (!doc) {
      res.writeHead(404);
      return void res.end('{}');
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(doc));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const addr = server.address();
  registry = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : 0}/`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const cache = () => mkdtempSync(path.join(tmpdir(), 'charter-npm-cache-'));

describe('lookupDeprecations', () => {
  it('reads deprecations from package documents, caches them, and answers offline from the cache', async () => {
    const dir = cache();
    const pkgs = [
      { name: 'request', version: '2.88.2' },
      { name: 'request', version: '2.88.0' },
      { name: 'lodash', version: '4.17.21' },
      { name: '@scope/pkg', version: '1.0.0' },
      { name: 'not-on-registry', version: '1.0.0' },
    ];
    const online = await lookupDeprecations(pkgs, { offline: false, cacheDir: dir, registry });
    expect([...online.deprecated]).toEqual([
      ['@scope/pkg@1.0.0', 'use @scope/other'],
      ['request@2.88.2', 'request has been deprecated'],
    ]);
    expect(online.notChecked).toEqual([]);
    expect(online.fetched).toBe(5);
    expect(readdirSync(dir).every((f) => /^[0-9a-f]{40}\.json$/.test(f))).toBe(true);

    const before = seen.length;
    const offline = await lookupDeprecations(pkgs, { offline: true, cacheDir: dir });
    expect(seen.length).toBe(before);
    expect(offline.deprecated).toEqual(online.deprecated);
    expect(offline.fromCache).toBe(5);
    expect(offline.diagnostics).toEqual([]);
  });

  it('offline without a cache says what was not checked', async () => {
    const r = await lookupDeprecations([{ name: 'request', version: '2.88.2' }], { offline: true, cacheDir: cache(), registry });
    expect(r.notChecked).toEqual(['request@2.88.2']);
    expect(r.diagnostics[0]?.message).toMatch(/1 npm package version\(s\) not checked for deprecation \(offline\): request@2.88.2/);
  });

  it.each([
    ['a timeout', 'slow', /timed out after 300 ms/],
    ['a broken document', 'broken', /JSON/],
    ['a server error', 'error', /HTTP 500/],
    ['a document over the size limit', 'huge', /exceeds 1024/],
  ])('%s → not checked, with the reason; never a throw', async (_n, name, reason) => {
    const r = await lookupDeprecations([{ name, version: '1.0.0' }], {
      offline: false,
      cacheDir: cache(),
      registry,
      timeoutMs: 300,
      maxBytes: 1024,
    });
    expect(r.notChecked).toEqual([`${name}@1.0.0`]);
    expect(r.diagnostics[0]?.message).toMatch(reason);
  });

  it('an unreachable registry → not checked, but a stale cached answer is used', async () => {
    const dir = cache();
    const t0 = 1_000_000;
    await lookupDeprecations([{ name: 'request', version: '2.88.0' }], { offline: false, cacheDir: dir, registry, now: () => t0 });
    const r = await lookupDeprecations(
      [
        { name: 'request', version: '2.88.0' },
        { name: 'request', version: '2.88.2' },
      ],
      {
        offline: false,
        cacheDir: dir,
        registry: 'http://127.0.0.1:1/',
        now: () => t0 + 30 * 24 * 3600 * 1000,
        timeoutMs: 2_000,
      },
    );
    expect(r.fromCache).toBe(1);
    expect(r.notChecked).toEqual(['request@2.88.2']);
  });

  it('builds registry URLs for scoped names', () => {
    expect(packageUrl('http://r/', '@types/node')).toBe('http://r/@types%2Fnode');
    expect(packageUrl('http://r', 'lodash')).toBe('http://r/lodash');
  });
});
