import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsLayerCache, MAX_CACHE_ENTRY_BYTES, defaultCacheDir } from './fs-layer-cache.js';
import type { LayerAnalysis, LayerCacheKey } from './layer-cache.js';
import { MemoryLayerCache } from './layer-cache.js';

const LAYER = `sha256:${'1'.repeat(64)}`;
const KEY: LayerCacheKey = { layer: LAYER, analyzer: 'test/1', limits: 'ffff' };
const VALUE: LayerAnalysis = {
  layer: LAYER,
  diffId: `sha256:${'2'.repeat(64)}`,
  files: [
    { path: '/bin/x', mode: 0o100755, size: 4, executable: 'elf', sha256: '3'.repeat(64), setuid: false, setgid: false, layer: LAYER },
  ],
  whiteouts: [],
  opaque: [],
  lowerLinks: [],
  analyses: [],
  shebangArgs: [],
  diagnostics: [],
  entries: 1,
  bytes: 2048,
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-fs-cache-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('defaultCacheDir', () => {
  it.each([
    [{ CHARTER_CACHE_DIR: '/c', XDG_CACHE_HOME: '/x' }, '/c'],
    [{ XDG_CACHE_HOME: '/x' }, '/x/charter'],
    [{ CHARTER_CACHE_DIR: '', XDG_CACHE_HOME: '' }, '/home/u/.cache/charter'],
    [{}, '/home/u/.cache/charter'],
  ])('%j → %s', (env, want) => {
    expect(defaultCacheDir(env, '/home/u')).toBe(want);
  });
});

describe('FsLayerCache', () => {
  it('miss, then put and hit; the entry names its key and nothing of the image becomes a path', async () => {
    const cache = new FsLayerCache(path.join(dir, 'a'));
    expect(await cache.get(KEY)).toBeUndefined();
    await cache.put(KEY, VALUE);
    expect(await cache.get(KEY)).toEqual(VALUE);
    expect(await cache.get({ ...KEY, limits: 'eeee' })).toBeUndefined();
    const [name] = await readdir(cache.layersDir);
    expect(name).toMatch(/^[0-9a-f]{64}\.json$/);
    expect(JSON.parse(await readFile(cache.fileFor(KEY), 'utf8'))).toMatchObject({ key: KEY });
  });

  it.each([
    ['not JSON', '{'],
    ['JSON of another shape', '[1,2,3]'],
    ['an empty file', ''],
  ])('a corrupt entry (%s) is a miss, reported, and a put rewrites it', async (_, text) => {
    const errors: string[] = [];
    const cache = new FsLayerCache(path.join(dir, `corrupt-${text.length}`), { onError: (op) => errors.push(op) });
    await mkdir(cache.layersDir, { recursive: true });
    await writeFile(cache.fileFor(KEY), text);
    expect(await cache.get(KEY)).toBeUndefined();
    expect(errors).toEqual(['get']);
    await cache.put(KEY, VALUE);
    expect(await cache.get(KEY)).toEqual(VALUE);
  });

  it('concurrent writers of one key leave one whole entry and no temporary files', async () => {
    const root = path.join(dir, 'race');
    await Promise.all(Array.from({ length: 16 }, () => new FsLayerCache(root).put(KEY, VALUE)));
    const cache = new FsLayerCache(root);
    expect(await readdir(cache.layersDir)).toHaveLength(1);
    expect(await cache.get(KEY)).toEqual(VALUE);
  });

  it('a cache directory that cannot be written never fails a put', async () => {
    const root = path.join(dir, 'ro');
    await mkdir(root);
    await writeFile(path.join(root, 'layers'), 'a file where the directory should be');
    const errors: string[] = [];
    await expect(new FsLayerCache(root, { onError: (op) => errors.push(op) }).put(KEY, VALUE)).resolves.toBeUndefined();
    expect(errors).toEqual(['put']);
  });
});

describe('MemoryLayerCache', () => {
  it('a FIFO or an oversized file in place of an entry is a miss, never read (nothing blocks)', async () => {
    const errors: unknown[] = [];
    const fifoCache = new FsLayerCache(path.join(dir, 'fifo'), { onError: (_op, err) => errors.push(err) });
    await mkdir(fifoCache.layersDir, { recursive: true });
    expect(spawnSync('mkfifo', [fifoCache.fileFor(KEY)]).status).toBe(0);
    expect(await fifoCache.get(KEY)).toBeUndefined();
    expect(String(errors[0])).toMatch(/is not a regular file/);

    const bigCache = new FsLayerCache(path.join(dir, 'big'), { onError: (_op, err) => errors.push(err) });
    await mkdir(bigCache.layersDir, { recursive: true });
    // A sparse file just over the limit: its size alone refuses it.
    await writeFile(bigCache.fileFor(KEY), '');
    await truncate(bigCache.fileFor(KEY), MAX_CACHE_ENTRY_BYTES + 1);
    expect(await bigCache.get(KEY)).toBeUndefined();
    expect(String(errors[1])).toMatch(/over 268435456/);
  });

  it('copies values in and out', async () => {
    const cache = new MemoryLayerCache();
    const v = structuredClone(VALUE);
    await cache.put(KEY, v);
    (v.files[0] as { size: number }).size = 99;
    const got = await cache.get(KEY);
    expect(got).toEqual(VALUE);
    (got?.files[0] as { size: number }).size = 77;
    expect(await cache.get(KEY)).toEqual(VALUE);
    expect([cache.gets, cache.hits, cache.puts]).toEqual([2, 2, 1]);
  });
});
