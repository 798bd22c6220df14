import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../model/errors.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import type { VulnStore } from '../store/vulns/types.js';
import { dbStatus, importOsv, type ImportProgress } from './import.js';
import type { SourceItem } from './osv-sources.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, 'test/corpus/osv');
const ECOSYSTEM_DIRS = ['npm', 'debian', 'alpine'].map((e) => path.join(corpus, e));
const NOW = () => new Date('2026-01-02T03:04:05.000Z');

const tmp = mkdtempSync(path.join(tmpdir(), 'charter-osv-import-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function corpusRecord(rel: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.join(corpus, rel), 'utf8')) as Record<string, unknown>;
}

/** A store whose writer fails on the n-th put: an error midway through an import. */
function failingAfter(store: VulnStore, n: number): VulnStore {
  return {
    ...store,
    findAffected: store.findAffected.bind(store),
    getAdvisories: store.getAdvisories.bind(store),
    idsForAlias: store.idsForAlias.bind(store),
    getMeta: store.getMeta.bind(store),
    status: store.status.bind(store),
    close: store.close.bind(store),
    begin: async () => {
      const w = await store.begin();
      let puts = 0;
      return {
        ...w,
        put: async (a) => {
          if (++puts === n) throw new Error('disk full (injected)');
          return w.put(a);
        },
      };
    },
  };
}

describe('importOsv on the real corpus', () => {
  it('imports all three ecosystems, keeps withdrawn and empty-affected records, reports status', async () => {
    const store = openSqliteVulnStore(':memory:');
    const progress: ImportProgress[] = [];
    const r = await importOsv(store, ECOSYSTEM_DIRS, { now: NOW, onProgress: (p) => progress.push(p), progressEvery: 10 });
    expect(r).toEqual({ imported: 25, updated: 0, skipped: 0, invalid: [], invalidCount: 0 });
    expect(progress.map((p) => p.imported)).toEqual([10, 20, 25]);

    const [withdrawn] = await store.getAdvisories(['GHSA-27h2-hvpr-p74q']);
    expect(withdrawn?.withdrawn).toBe('2023-01-27T21:51:55Z');
    expect(await store.findAffected([{ ecosystem: 'npm', name: 'jsonwebtoken' }])).toHaveLength(1); // only GHSA-8cf7…
    const [empty] = await store.getAdvisories(['DLA-3623-1']);
    expect(empty?.affected).toEqual([]);
    expect(empty?.upstream).toHaveLength(44);
    expect(await store.idsForAlias('CVE-2022-1292')).toEqual(['DLA-3008-1']);
    expect(await store.idsForAlias('CVE-2021-44906')).toEqual(['GHSA-xvch-5gv4-984h']);

    const st = await dbStatus(store);
    expect(st).toMatchObject({
      advisories: 25,
      withdrawn: 1,
      lastImport: '2026-01-02T03:04:05.000Z',
      newestModified: '2026-07-08T04:32:24.548042624Z',
    });
    const eco = Object.fromEntries(st.perEcosystem.map((e) => [e.ecosystem, e.advisories]));
    expect(eco).toMatchObject({ npm: 16, 'Debian:9': 4, 'Debian:7': 1, 'Alpine:v3.16': 2, 'Alpine:v3.12': 2, '(none)': 1 });
    await store.close();
  });

  it('is incremental: a second import skips everything, a newer record updates, an older one is skipped', async () => {
    const store = openSqliteVulnStore(':memory:');
    await importOsv(store, ECOSYSTEM_DIRS, { now: NOW });
    expect(await importOsv(store, ECOSYSTEM_DIRS, { now: NOW })).toMatchObject({ imported: 0, updated: 0, skipped: 25 });

    const dir = path.join(tmp, 'incremental');
    mkdirSync(dir, { recursive: true });
    const newer = { ...corpusRecord('npm/GHSA-35jh-r3h4-6jhm.json'), modified: '2024-04-17T18:39:19.000000001Z', summary: 'newer' };
    const older = { ...corpusRecord('npm/GHSA-jf85-cpcp-j695.json'), modified: '2020-01-01T00:00:00Z', summary: 'older' };
    // Same instant written with an offset: equal, so skipped.
    const same = { ...corpusRecord('npm/GHSA-xvch-5gv4-984h.json'), modified: '2024-06-21T23:33:52+02:00', summary: 'same' };
    writeFileSync(path.join(dir, 'newer.json'), JSON.stringify(newer));
    writeFileSync(path.join(dir, 'older.json'), JSON.stringify(older));
    writeFileSync(path.join(dir, 'same.json'), JSON.stringify(same));
    expect(await importOsv(store, [dir], { now: NOW })).toMatchObject({ imported: 0, updated: 1, skipped: 2 });
    const got = await store.getAdvisories(['GHSA-35jh-r3h4-6jhm', 'GHSA-jf85-cpcp-j695', 'GHSA-xvch-5gv4-984h']);
    expect(got.map((a) => a.summary)).toEqual(['newer', expect.stringContaining('Prototype Pollution'), expect.not.stringMatching(/same/)]);
    await store.close();
  });

  it('counts a record seen twice in one import once, keeping the newer copy', async () => {
    const store = openSqliteVulnStore(':memory:');
    const rec = corpusRecord('npm/GHSA-vh95-rmgr-6w4m.json');
    const items: SourceItem[] = [
      { file: 'a.json', text: JSON.stringify({ ...rec, summary: 'first' }) },
      { file: 'b.json', text: JSON.stringify({ ...rec, modified: '2030-01-01T00:00:00Z', summary: 'second' }) },
      { file: 'c.json', text: JSON.stringify({ ...rec, summary: 'stale' }) },
    ];
    const r = await importOsv(store, ['x'], {
      read: async function* () {
        yield* items;
      },
    });
    expect(r).toMatchObject({ imported: 1, updated: 1, skipped: 1 });
    expect((await store.getAdvisories([rec['id'] as string]))[0]?.summary).toBe('second');
    await store.close();
  });
});

describe('importOsv with corrupt and hostile records', () => {
  const good = JSON.stringify(corpusRecord('npm/GHSA-whgm-jr23-g3j9.json'));
  const cases: [string, string, RegExp, { line?: number; column?: number }?][] = [
    ['truncated.json', '{\n  "id": "X-1",\n  "modified": "2024-01-01T00:00:00Z",\n  "affected": [', /invalid JSON/, { line: 4 }],
    ['bad-token.json', '{\n  "id": "X-2",\n  "modified": tru\n}', /invalid JSON/, { line: 3, column: 15 }],
    ['not-object.json', '[1, 2, 3]', /not an OSV record: \(record\)/],
    ['no-modified.json', '{"id":"X-3"}', /not an OSV record: modified/],
    ['bad-time.json', '{"id":"X-4","modified":"yesterday"}', /modified: not an RFC 3339 timestamp/],
    ['bad-month.json', '{"id":"X-5","modified":"2024-13-45T00:00:00Z"}', /modified: not an RFC 3339 timestamp/],
    [
      'two-kinds.json',
      '{"id":"X-6","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0","fixed":"1.0.0"}]}]}]}',
      /affected\.0\.ranges\.0\.events\.0: event has more than one of introduced, fixed/,
    ],
    [
      'empty-event.json',
      '{"id":"X-7","modified":"2024-01-01T00:00:00Z","affected":[{"package":{"ecosystem":"npm","name":"a"},"ranges":[{"type":"SEMVER","events":[{}]}]}]}',
      /event has none of/,
    ],
    ['aliases-type.json', '{"id":"X-8","modified":"2024-01-01T00:00:00Z","aliases":"CVE-1"}', /aliases/],
    ['empty.json', '', /invalid JSON/],
    ['huge-id.json', JSON.stringify({ id: 'X'.repeat(5000), modified: '2024-01-01T00:00:00Z' }), /id/],
    ['deep.json', `${'['.repeat(100_000)}${']'.repeat(100_000)}`, /nested more than 256 levels deep/, { line: 1, column: 257 }],
    // Valid JSON and a valid record, but storing it would serialise 100,000 levels recursively.
    [
      'deep-field.json',
      `{"id":"X-9","modified":"2024-01-01T00:00:00Z","database_specific":${'{"a":'.repeat(100_000)}1${'}'.repeat(100_000)}}`,
      /nested more than 256 levels deep/,
    ],
  ];

  it.each(cases)('%s is reported with its reason and position, the rest is imported', async (name, text, reason, pos) => {
    const store = openSqliteVulnStore(':memory:');
    const items: SourceItem[] = [
      { file: 'good-1.json', text: good },
      { file: name, text },
      { file: 'good-2.json', text: JSON.stringify({ ...JSON.parse(good), id: 'GHSA-other' }) },
    ];
    const r = await importOsv(store, ['mem'], {
      read: async function* () {
        yield* items;
      },
    });
    expect(r.imported).toBe(2);
    expect(r.invalid).toHaveLength(1);
    expect(r.invalid[0]?.file).toBe(name);
    expect(r.invalid[0]?.reason).toMatch(reason);
    if (pos) expect(r.invalid[0]).toMatchObject(pos);
    await store.close();
  });

  it('reads directories recursively (.json only), single files, and reports unreadable ones', async () => {
    const dir = path.join(tmp, 'walk');
    mkdirSync(path.join(dir, 'a', 'b'), { recursive: true });
    cpSync(path.join(corpus, 'npm/GHSA-whgm-jr23-g3j9.json'), path.join(dir, 'a', 'b', 'one.json'));
    writeFileSync(path.join(dir, 'a', 'README.md'), '# not a record');
    writeFileSync(path.join(dir, 'a', 'broken.json'), '{"id": ');
    writeFileSync(path.join(dir, 'bom.json'), `\ufeff${JSON.stringify({ ...corpusRecord('npm/GHSA-cph5-m8f7-6c5x.json') })}`);
    const single = path.join(corpus, 'alpine/ALPINE-CVE-2025-26519.json');
    const store = openSqliteVulnStore(':memory:');
    const r = await importOsv(store, [dir, single]);
    expect(r.imported).toBe(3);
    expect(r.invalid.map((i) => path.relative(dir, i.file))).toEqual([path.join('a', 'broken.json')]);
    await expect(importOsv(store, [path.join(tmp, 'does-not-exist')])).rejects.toThrow(UserError);
    await store.close();
  });

  it('caps a single oversized file as invalid without reading it', async () => {
    const dir = path.join(tmp, 'big');
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, 'big.json'), Buffer.alloc(17 * 1024 * 1024, 0x20));
    const store = openSqliteVulnStore(':memory:');
    const r = await importOsv(store, [dir]);
    expect(r.invalid[0]?.reason).toMatch(/over the limit of 16777216 bytes/);
    await store.close();
  });
});

describe('importOsv is atomic', () => {
  it('an error midway leaves the previous database intact (on disk, reopened)', async () => {
    const file = path.join(tmp, 'atomic', 'vulns.db');
    let store = openSqliteVulnStore(file);
    await importOsv(store, [path.join(corpus, 'alpine')], { now: NOW });
    const before = await store.status();

    await expect(importOsv(failingAfter(store, 5), ECOSYSTEM_DIRS, { now: () => new Date('2030-01-01T00:00:00Z') })).rejects.toThrow(
      /disk full/,
    );
    expect(await store.status()).toEqual(before);
    await store.close();

    store = openSqliteVulnStore(file);
    expect(await store.status()).toEqual(before);
    expect(await store.findAffected([{ ecosystem: 'npm', name: 'lodash' }])).toEqual([]);
    // And the store is usable for the next import.
    expect(await importOsv(store, ECOSYSTEM_DIRS, { now: NOW })).toMatchObject({ imported: 22, skipped: 3 });
    await store.close();
  });

  it('a hostile source midway (reader throws) rolls back the records read before it', async () => {
    const store = openSqliteVulnStore(':memory:');
    const good = JSON.stringify(corpusRecord('npm/GHSA-whgm-jr23-g3j9.json'));
    const read = async function* (): AsyncGenerator<SourceItem> {
      yield { file: 'ok.json', text: good };
      throw new UserError('zip entry inflates past the limit', 'all.zip!bomb.json');
    };
    await expect(importOsv(store, ['x'], { read })).rejects.toThrow(/inflates past/);
    expect((await store.status()).advisories).toBe(0);
    expect(await store.getMeta('imported_at')).toBeUndefined();
    await store.close();
  });
});
