/** readImage with a per-layer cache: hits skip the blob, misses fill the cache, results never differ. */
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsLayerCache } from './cache/fs-layer-cache.js';
import { MemoryLayerCache, type LayerAnalysis, type LayerCache, type LayerCacheKey } from './cache/layer-cache.js';
import { InputError } from '../../model/errors.js';
import { LAYER_CACHE_FORMAT } from './cache/layer-analysis.js';
import { layerCacheAnalyzer, limitsHash } from './index.js';
import { readImage } from '../../pipeline/image.js';
import { DEFAULT_LIMITS } from './types.js';
import { packTar, sha256, writeDockerArchive, writeOciArchive, writeOciDir } from './fixtures/build.js';

const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(300, 9)]);
const DPKG =
  'Package: libc6\nStatus: install ok installed\nVersion: 2.36-9\n\nPackage: zlib1g\nStatus: install ok installed\nVersion: 1:1.2.13\n';
const CONFIG = { Entrypoint: ['/app/run'], Env: ['PATH=/usr/bin:/bin'] };

/** Counts what a cache is asked, around any cache. */
class Spy implements LayerCache {
  readonly asked: string[] = [];
  readonly hit: string[] = [];
  readonly stored: string[] = [];
  constructor(private readonly inner: LayerCache) {}
  async get(key: LayerCacheKey): Promise<LayerAnalysis | undefined> {
    this.asked.push(key.layer);
    const v = await this.inner.get(key);
    if (v) this.hit.push(key.layer);
    return v;
  }
  async put(key: LayerCacheKey, value: LayerAnalysis): Promise<void> {
    this.stored.push(key.layer);
    await this.inner.put(key, value);
  }
}

let dir: string;
let base: Buffer;
let app: Buffer;
let n = 0;
const file = (ext = '.tar'): string => path.join(dir, `img-${n++}${ext}`);

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-cache-test-'));
  base = await packTar([
    { name: 'bin/', type: 'directory' },
    { name: 'bin/busybox', mode: 0o4755, content: ELF },
    { name: 'bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: 'usr/bin/env', type: 'link', linkname: 'bin/busybox' },
    { name: 'var/lib/dpkg/status', content: DPKG },
    { name: 'etc/gone', content: 'x' },
    { name: '/abs', content: 'absolute entry: a diagnostic that must survive the cache' },
  ]);
  app = await packTar([
    { name: 'app/run', mode: 0o755, content: '#!/usr/bin/env sh\necho hi\n' },
    // A hardlink to a file of the layer below: resolved when layers are stacked, cached or not.
    { name: 'app/bb', type: 'link', linkname: 'bin/busybox' },
    { name: 'app/dangling', type: 'link', linkname: 'no/such/file' },
    { name: 'app/node_modules/left-pad/package.json', content: '{"name":"left-pad","version":"1.3.0"}' },
    { name: 'etc/.wh.gone' },
  ]);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe.each([
  { name: 'oci-archive (gzip)', write: writeOciArchive, gzip: true, prefix: 'oci-archive:' },
  { name: 'oci layout dir', write: writeOciDir, gzip: false, prefix: 'oci:' },
  { name: 'docker-archive', write: writeDockerArchive, gzip: false, prefix: 'docker-archive:' },
])('$name', ({ write, gzip, prefix }) => {
  it('miss fills, hit skips every layer, the results are deep-equal', async () => {
    const target = file('');
    const built = await write(target, { layers: [base, app], gzip, config: CONFIG });
    const spec = `${prefix}${target}`;
    const plain = await readImage(spec, { cache: false });
    expect(plain.image.files.get('/app/bb')).toMatchObject({ executable: 'elf', sha256: sha256(ELF), setuid: true });
    expect(plain.diagnostics.map((d) => d.code).sort()).toEqual(['image-entry-absolute', 'image-hardlink-missing']);
    expect(plain.image.packages.map((p) => p.name)).toEqual(['libc6', 'zlib1g', 'left-pad']);

    const spy = new Spy(new MemoryLayerCache());
    expect(await readImage(spec, { cache: spy })).toEqual(plain);
    expect(spy.hit).toEqual([]);
    // Layers are read two at a time: stored in the order they finish.
    expect([...spy.stored].sort()).toEqual(plain.image.layers.map((l) => l.digest).sort());
    expect(await readImage(spec, { cache: spy })).toEqual(plain);
    expect(spy.hit).toEqual(plain.image.layers.map((l) => l.digest));
    expect(spy.stored).toHaveLength(2);
    if (prefix !== 'docker-archive:') expect(plain.image.layers.map((l) => l.digest)).toEqual(built.layerDigests);
  });
});

describe('keys and trust', () => {
  it('a hit does not read the blob at all: a blob corrupted after caching goes unnoticed with the cache, not without', async () => {
    const target = file('');
    const built = await writeOciDir(target, { layers: [base], gzip: true, config: CONFIG });
    const cache = new MemoryLayerCache();
    const first = await readImage(`oci:${target}`, { cache });
    const blob = path.join(target, 'blobs/sha256', (built.layerDigests[0] as string).slice('sha256:'.length));
    // Same size: a blob of another size is refused from its size alone (no bytes read), cache or not.
    const { size } = await stat(blob);
    await writeFile(blob, Buffer.alloc(size, 0x41));
    expect(await readImage(`oci:${target}`, { cache })).toEqual(first);
    await expect(readImage(`oci:${target}`, { cache: false })).rejects.toBeInstanceOf(InputError);
  });

  it('another image sharing the base layer reads only its own layer', async () => {
    const cache = new Spy(new MemoryLayerCache());
    const a = file();
    await writeOciArchive(a, { layers: [base], gzip: true, config: CONFIG });
    await readImage(`oci-archive:${a}`, { cache });
    const b = file();
    const built = await writeOciArchive(b, { layers: [base, app], gzip: true, config: CONFIG });
    const r = await readImage(`oci-archive:${b}`, { cache });
    expect(cache.hit).toEqual([built.layerDigests[0]]);
    expect(cache.stored).toEqual([built.layerDigests[0], built.layerDigests[1]]);
    expect(r).toEqual(await readImage(`oci-archive:${b}`, { cache: false }));
  });

  it('other limits are another key; the limits still hold for cached layers', async () => {
    const target = file();
    await writeOciArchive(target, { layers: [base, app], config: CONFIG });
    const cache = new Spy(new MemoryLayerCache());
    await readImage(`oci-archive:${target}`, { cache });
    await readImage(`oci-archive:${target}`, { cache, limits: { maxPackageDbBytes: 10 } });
    expect(cache.hit).toEqual([]);
    expect(limitsHash({ ...DEFAULT_LIMITS, maxPackageDbBytes: 10 })).not.toBe(limitsHash(DEFAULT_LIMITS));
    // A cache filled under generous limits must not let a hit escape tighter ones.
    const memory = new MemoryLayerCache();
    await readImage(`oci-archive:${target}`, { cache: memory });
    const tight = { ...DEFAULT_LIMITS, maxEntries: 8 };
    for (const [id, value] of memory.entries) memory.entries.set(id.replace(limitsHash(DEFAULT_LIMITS), limitsHash(tight)), value);
    const spy = new Spy(memory);
    await expect(readImage(`oci-archive:${target}`, { cache: spy, limits: { maxEntries: 8 } })).rejects.toThrow(/more than 8 entries$/);
    expect(spy.hit).toHaveLength(2);
  });

  it('an entry recorded under another diff_id is not used (the claim is checked by reading)', async () => {
    const target = file();
    const built = await writeOciArchive(target, { layers: [base], config: CONFIG });
    const cache = new MemoryLayerCache();
    await readImage(`oci-archive:${target}`, { cache });
    const [[id, value]] = [...cache.entries] as [[string, LayerAnalysis]];
    cache.entries.set(id, { ...value, diffId: `sha256:${'0'.repeat(64)}`, files: [] });
    const spy = new Spy(cache);
    const r = await readImage(`oci-archive:${target}`, { cache: spy });
    expect(spy.hit).toEqual([built.layerDigests[0]]);
    expect(r.image.files.size).toBeGreaterThan(0);
  });

  it('a cache that throws is a miss, never a failed read', async () => {
    const target = file();
    await writeOciArchive(target, { layers: [base], config: CONFIG });
    const broken: LayerCache = {
      get: () => Promise.reject(new Error('disk on fire')),
      put: () => Promise.reject(new Error('disk on fire')),
    };
    expect(await readImage(`oci-archive:${target}`, { cache: broken })).toEqual(await readImage(`oci-archive:${target}`, { cache: false }));
  });
});

describe('file-system cache under readImage', () => {
  it('hit, corrupt entry (ignored and rewritten), analyzer version bump (a new key)', async () => {
    const target = file();
    await writeOciArchive(target, { layers: [base, app], gzip: true, config: CONFIG });
    const spec = `oci-archive:${target}`;
    const cacheDir = path.join(dir, `fs-${n++}`);
    const errors: string[] = [];
    const fs = new FsLayerCache(cacheDir, { onError: (op) => errors.push(op) });
    const plain = await readImage(spec, { cache: false });
    expect(await readImage(spec, { cache: fs })).toEqual(plain);
    const names = (await readdir(fs.layersDir)).sort();
    expect(names).toHaveLength(2);

    const spy = new Spy(fs);
    expect(await readImage(spec, { cache: spy })).toEqual(plain);
    expect(spy.hit).toHaveLength(2);

    // Corrupt one entry: it is ignored (the layer is read again) and rewritten.
    const victim = path.join(fs.layersDir, names[0] as string);
    await writeFile(victim, `{"format":"${LAYER_CACHE_FORMAT}","paths":[`);
    const spy2 = new Spy(fs);
    expect(await readImage(spec, { cache: spy2 })).toEqual(plain);
    expect(spy2.hit).toHaveLength(1);
    expect(errors).toEqual(['get']);
    expect(JSON.parse(await readFile(victim, 'utf8'))).toMatchObject({ format: LAYER_CACHE_FORMAT });

    // An entry copied under another analyzer version's name is refused: it records its own key.
    const key = { layer: plain.image.layers[0]?.digest as string, analyzer: layerCacheAnalyzer(), limits: limitsHash(DEFAULT_LIMITS) };
    const bumped = { ...key, analyzer: `${layerCacheAnalyzer()},next@1` };
    expect(await fs.get(key)).toBeDefined();
    expect(await fs.get(bumped)).toBeUndefined();
    await writeFile(fs.fileFor(bumped), await readFile(fs.fileFor(key)));
    expect(await fs.get(bumped)).toBeUndefined();
  });

  it('concurrent readers of the same image: both results right, the cache left whole', async () => {
    const target = file();
    await writeOciArchive(target, { layers: [base, app], gzip: true, config: CONFIG });
    const spec = `oci-archive:${target}`;
    const cacheDir = path.join(dir, `fs-${n++}`);
    const plain = await readImage(spec, { cache: false });
    const results = await Promise.all([0, 1, 2].map(() => readImage(spec, { cache: new FsLayerCache(cacheDir) })));
    for (const r of results) expect(r).toEqual(plain);
    const left = await readdir(path.join(cacheDir, 'layers'));
    expect(left.filter((f) => f.endsWith('.tmp'))).toEqual([]);
    expect(left).toHaveLength(2);
    const spy = new Spy(new FsLayerCache(cacheDir));
    expect(await readImage(spec, { cache: spy })).toEqual(plain);
    expect(spy.hit).toHaveLength(2);
  });
});
