/** Hostile and broken images: every one becomes a diagnostic or an InputError, never a crash or hang. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLayerCache } from './cache/layer-cache.js';
import { InputError, UserError } from '../../model/errors.js';
import { readImage as readImageCached } from '../../pipeline/image.js';
import type { ImageLimits, ImageReadResult, ReadImageOptions } from './types.js';
import { digestOf, packTar, rawHeader, sha256, writeDockerArchive, writeOciArchive, type ImageSpecInput } from './fixtures/build.js';

// Hostile images are read uncached (cache behaviour has its own tests in cache.test.ts).
const readImage = (spec: string, opts: ReadImageOptions = {}): Promise<ImageReadResult> => readImageCached(spec, { cache: false, ...opts });

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-hostile-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function archive(spec: ImageSpecInput): Promise<{ file: string; spec: string; layerDigests: string[] }> {
  const file = path.join(dir, `img-${n++}.tar`);
  const built = await writeOciArchive(file, spec);
  return { file, spec: `oci-archive:${file}`, layerDigests: built.layerDigests };
}

async function expectInputError(p: Promise<unknown>, message: RegExp): Promise<InputError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  expect((err as Error).message).toMatch(message);
  return err as InputError;
}

const ELF = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(100)]);

describe('hostile entries (diagnostics, never followed outside the root)', () => {
  it('refuses ../ entries, reads absolute entries root-relative, flags escaping links', async () => {
    const layer = await packTar([
      { name: '../../etc/evil', content: 'x' },
      { name: 'a/../../b', content: 'x' },
      { name: '/abs/file', mode: 0o755, content: ELF },
      { name: 'etc/shadow', mode: 0o755, content: ELF },
      { name: 'bin/escape', type: 'symlink', linkname: '../../../../../etc/shadow' },
      { name: 'bin/abs', type: 'symlink', linkname: '/../../etc/shadow' },
      { name: 'bin/loop', type: 'symlink', linkname: 'loop' },
      { name: 'bin/hl-out', type: 'link', linkname: '../../../etc/passwd' },
      { name: 'bin/hl-missing', type: 'link', linkname: 'nowhere/x' },
    ]);
    const img = await archive({ layers: [layer], config: { Entrypoint: ['/bin/escape'] } });
    const r = await readImage(img.spec);
    const files = [...r.image.files.keys()];
    expect(files).toEqual(['/abs/file', '/bin/abs', '/bin/escape', '/bin/hl-missing', '/bin/loop', '/etc/shadow']);
    expect(r.diagnostics.map((d) => d.code).sort()).toEqual([
      'image-entry-absolute',
      'image-entry-escapes',
      'image-entry-escapes',
      'image-hardlink-escapes',
      'image-hardlink-missing',
      'image-symlink-escapes',
      'image-symlink-escapes',
    ]);
    // The escaping link resolves inside the image (as in the container), to the image's own file.
    expect(r.containers[0]?.processes).toMatchObject([{ path: '/etc/shadow', sha256: sha256(ELF), purpose: 'entrypoint' }]);
  });

  it.each([
    ['a symlink loop', '/bin/loop'],
    ['an absolute link with ..', '/bin/abs'],
  ])('resolves %s without leaving the root', async (_, entry) => {
    const layer = await packTar([
      { name: 'etc/shadow', mode: 0o755, content: ELF },
      { name: 'bin/abs', type: 'symlink', linkname: '/../../etc/shadow' },
      { name: 'bin/loop', type: 'symlink', linkname: 'loop' },
    ]);
    const r = await readImage((await archive({ layers: [layer], config: { Entrypoint: [entry] } })).spec);
    const p = r.containers[0]?.processes[0];
    if (entry === '/bin/loop') {
      expect(p?.sha256).toBeUndefined();
      expect(r.diagnostics.map((d) => d.code)).toContain('image-command-not-found');
    } else expect(p?.path).toBe('/etc/shadow');
  });

  it('duplicate entries: the later one wins, as tar does', async () => {
    const first = Buffer.concat([ELF, Buffer.from('one')]);
    const second = Buffer.concat([ELF, Buffer.from('two')]);
    const layer = await packTar([
      { name: 'bin/app', mode: 0o755, content: first },
      { name: 'bin/app', mode: 0o755, content: second },
    ]);
    const r = await readImage((await archive({ layers: [layer] })).spec);
    expect(r.image.files.get('/bin/app')?.sha256).toBe(sha256(second));
  });
});

describe("an attacker's images: every read bounded in size and time (InputError, quickly)", () => {
  const small = (): Promise<Buffer> => packTar([{ name: 'a', content: 'x' }]);
  const INDEX_TYPE = 'application/vnd.oci.image.index.v1+json';

  it('an index.json nested a million levels deep is refused before it is parsed, with its position', async () => {
    const img = await archive({ layers: [await small()], tamper: { index: `{"schemaVersion": 2,\n "x": ${'['.repeat(1_000_000)}` } });
    const started = Date.now();
    const err = await expectInputError(readImage(img.spec), /index\.json nests objects and arrays deeper than 64 levels/);
    expect(Date.now() - started).toBeLessThan(2000);
    expect([err.file, err.line, err.column]).toEqual(['index.json', 2, 70]);
  });

  it('brackets inside strings do not count as nesting', async () => {
    const img = await archive({ layers: [await small()], config: { Labels: { a: '['.repeat(10_000) } } });
    const r = await readImage(img.spec);
    expect(r.image.config.Labels?.['a']).toHaveLength(10_000);
  });

  it('a JSON document over the size limit is refused without reading it', async () => {
    const img = await archive({ layers: [await small()], tamper: { index: `{"schemaVersion": 2, "pad": "${'x'.repeat(5000)}"}` } });
    await expectInputError(readImage(img.spec, { limits: { maxJsonBytes: 4096 } }), /index\.json is \d+ bytes, over the limit of 4096/);
  });

  it.each([
    ['an octal size of 8 GiB', rawHeader({ name: 'big', size: 0o77777777777, flag: '0' })],
    [
      'a base-256 size of 2^87',
      (() => {
        const h = rawHeader({ name: 'big', size: 0, flag: '0' });
        h[124] = 0x80;
        h.fill(0xff, 125, 136);
        h.fill(0x20, 148, 156);
        let sum = 0;
        for (const b of h) sum += b;
        h.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
        return h;
      })(),
    ],
  ])('a layer member claiming %s, with 1 KiB behind it', async (_, header) => {
    const img = await archive({ layers: [Buffer.concat([header, Buffer.alloc(1024)])] });
    await expectInputError(readImage(img.spec), /tar stream truncated at byte 1536|bad numeric field in tar header at byte 0/);
  });

  it('a gzip bomb in one layer stops at the per-layer limit, before the image limit', async () => {
    const bomb = await packTar([{ name: 'zeros', content: Buffer.alloc(8 << 20) }]);
    const img = await archive({ layers: [bomb], gzip: true });
    await expectInputError(
      readImage(img.spec, { limits: { maxLayerBytes: 1 << 20, maxTotalBytes: 64 << 20 } }),
      /uncompressed size exceeds the per-layer limit of 1048576 bytes \(at entry zeros\)/,
    );
  });

  it('long names by the thousand stop at maxPathChars (memory), cached or not', async () => {
    const layer = await packTar(Array.from({ length: 200 }, (_, i) => ({ name: `d/${'n'.repeat(4000)}${i}`, content: '' })));
    const img = await archive({ layers: [layer] });
    await expectInputError(
      readImage(img.spec, { limits: { maxPathChars: 100_000 } }),
      /the image's paths and link targets exceed 100000 characters/,
    );
    // Cached layers count too: the layer alone fits, twice (both from the cache) it does not.
    const cache = new MemoryLayerCache();
    const limits = { maxPathChars: 1_000_000 };
    await readImageCached(img.spec, { cache, limits });
    const twice = await archive({ layers: [layer, layer] });
    await expectInputError(readImageCached(twice.spec, { cache, limits }), /the image's paths and link targets exceed 1000000 characters/);
    expect(cache.hits).toBe(2);
  });

  it('a problem repeated by the thousand is told 100 times and counted (per layer and per image)', async () => {
    const layer = await packTar(Array.from({ length: 300 }, (_, i) => ({ name: `a/../../x${i}`, content: '' })));
    const ports = Object.fromEntries(Array.from({ length: 250 }, (_, i) => [`${70_000 + i}/tcp`, {}]));
    const img = await archive({ layers: [layer], config: { ExposedPorts: ports } });
    const r = await readImage(img.spec);
    const count = (code: string): number => r.diagnostics.filter((d) => d.code === code).length;
    expect(count('image-entry-escapes')).toBe(100);
    expect(count('image-bad-port')).toBe(100);
    const capped = r.diagnostics.filter((d) => d.code === 'image-diagnostics-capped').map((d) => d.message);
    expect(capped).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/200 more image-entry-escapes diagnostics are not shown/),
        '150 more image-bad-port diagnostics are not shown',
      ]),
    );
    expect(capped.find((m) => m.includes('image-entry-escapes'))).toContain(`layer ${img.layerDigests[0] ?? ''}`);
  });

  it('layer blobs larger than the limits are refused before they are read', async () => {
    const layer = await packTar([{ name: 'a', content: randomBytes(64 << 10) }]);
    const img = await archive({ layers: [layer, layer] });
    await expectInputError(
      readImage(img.spec, { limits: { maxLayerBytes: 32 << 10 } }),
      /blob blobs\/sha256\/[0-9a-f]{64} is \d+ bytes, over the per-layer limit of 32768/,
    );
    await expectInputError(
      readImage(img.spec, { limits: { maxTotalBytes: 100 << 10 } }),
      /the layer blobs total \d+ bytes, over the limit of 102400/,
    );
  });

  it('a layer whose descriptor size differs from its blob is refused before it is read', async () => {
    const layer = await small();
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { digest: digestOf(config), size: Buffer.byteLength(config) },
      layers: [{ digest: digestOf(layer), size: 10 ** 12 }],
    });
    const img = await archive({ layers: [layer], tamper: { manifest, configText: config } });
    await expectInputError(readImage(img.spec), /\/layers\/0\/size says 1000000000000 bytes, but blob blobs\/sha256\/[0-9a-f]{64} is \d+/);
  });

  it('more layers than any runtime stacks are refused before any is read', async () => {
    const layer = await small();
    const config = JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: Array.from({ length: 501 }, () => digestOf(layer)) },
    });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { digest: digestOf(config), size: Buffer.byteLength(config) },
      layers: Array.from({ length: 501 }, () => ({ digest: digestOf(layer), size: layer.length })),
    });
    const img = await archive({ layers: [layer], tamper: { manifest, configText: config } });
    await expectInputError(readImage(img.spec), /lists 501 layers at \/layers, over the limit of 500/);
  });

  it('a chain of nested indexes deeper than 4 is refused', async () => {
    let inner = JSON.stringify({ schemaVersion: 2, manifests: [{ mediaType: INDEX_TYPE, digest: `sha256:${'0'.repeat(64)}`, size: 1 }] });
    const blobs = [inner];
    for (let i = 0; i < 4; i++) {
      inner = JSON.stringify({
        schemaVersion: 2,
        manifests: [{ mediaType: INDEX_TYPE, digest: digestOf(inner), size: Buffer.byteLength(inner) }],
      });
      blobs.push(inner);
    }
    const top = blobs.pop() as string;
    const index = JSON.stringify({
      schemaVersion: 2,
      manifests: [{ mediaType: INDEX_TYPE, digest: digestOf(top), size: Buffer.byteLength(top) }],
    });
    const img = await archive({
      layers: [await small()],
      tamper: { index },
      extra: [...blobs, top].map((b) => ({ name: `blobs/sha256/${sha256(b)}`, content: b })),
    });
    await expectInputError(readImage(img.spec), /image indexes nested more than 4 deep/);
  });

  it('docker-archive: layer names that climb out, and member symlinks that loop, are missing members', async () => {
    const layer = await small();
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } });
    for (const member of ['../../../../etc/passwd', 'loop/layer.tar']) {
      const file = path.join(dir, `docker-${n++}.tar`);
      await writeFile(
        file,
        await packTar([
          { name: 'c.json', content: config },
          { name: 'loop/layer.tar', type: 'symlink', linkname: '../loop2/layer.tar' },
          { name: 'loop2/layer.tar', type: 'symlink', linkname: '../loop/layer.tar' },
          { name: 'manifest.json', content: JSON.stringify([{ Config: 'c.json', Layers: [member] }]) },
        ]),
      );
      const err = await expectInputError(readImage(`docker-archive:${file}`), /layer .* is missing/);
      expect(err.message).toContain(member);
    }
  });
});

describe('paths longer than Linux allows (diagnostics; the rest of the image is read)', () => {
  it('a symlink whose target has 400,000 components, and a 5,000-byte entry name', async () => {
    const longName = `${'n/'.repeat(2500)}file`;
    const layer = await packTar([
      { name: 'bin/app', mode: 0o755, content: ELF },
      { name: 'bin/deep', type: 'symlink', linkname: 'a/'.repeat(400_000) },
      { name: longName, content: 'x' },
      { name: 'bin/ok', type: 'symlink', linkname: 'app' },
    ]);
    const img = await archive({ layers: [layer], config: { Entrypoint: ['/bin/deep'], Cmd: [] } });
    const r = await readImage(img.spec);
    expect([...r.image.files.keys()]).toEqual(['/bin/app', '/bin/ok']);
    const layerDigest = img.layerDigests[0] as string;
    const tooLong = r.diagnostics.filter((d) => d.code === 'image-link-target-too-long' || d.code === 'image-path-too-long');
    expect(tooLong.map((d) => d.code).sort()).toEqual(['image-link-target-too-long', 'image-path-too-long']);
    for (const d of tooLong) {
      expect(d.severity).toBe('error');
      expect(d.message).toContain(`layer ${layerDigest}`);
      // Named, but cut short: the message stays readable.
      expect(d.message.length).toBeLessThan(600);
    }
    expect(tooLong.find((d) => d.code === 'image-link-target-too-long')?.message).toContain('"bin/deep"');
    expect(r.diagnostics.map((d) => d.code)).toContain('image-command-not-found');
  });
});

describe('limits and broken archives (InputError)', () => {
  const big = Buffer.alloc(3 << 20); // 3 MiB of zeros: a tiny gzip

  const cases: {
    name: string;
    layer: () => Promise<Buffer>;
    gzip?: boolean;
    limits?: Partial<ImageLimits>;
    error: RegExp;
  }[] = [
    {
      name: 'decompression bomb (total uncompressed bytes)',
      layer: () => packTar([{ name: 'zeros.bin', content: big }]),
      gzip: true,
      limits: { maxTotalBytes: 1 << 20 },
      error: /layer sha256:[0-9a-f]{64}: uncompressed size exceeds the limit of 1048576 bytes \(at entry zeros\.bin\)/,
    },
    {
      name: 'an executable over the per-file hashing limit',
      layer: () => packTar([{ name: 'bin/huge', mode: 0o755, content: big }]),
      gzip: true,
      limits: { maxFileBytes: 1 << 20 },
      error: /layer sha256:[0-9a-f]{64}: executable \/bin\/huge is 3145728 bytes, over the limit of 1048576/,
    },
    {
      name: 'an ELF without x bits over the per-file hashing limit',
      layer: () => packTar([{ name: 'lib/huge.so', content: Buffer.concat([ELF, big]) }]),
      limits: { maxFileBytes: 1 << 20 },
      error: /executable \/lib\/huge\.so is \d+ bytes, over the limit/,
    },
    {
      name: 'too many entries',
      layer: () => packTar(Array.from({ length: 10 }, (_, i) => ({ name: `f${i}`, content: '' }))),
      limits: { maxEntries: 5 },
      error: /more than 5 entries \(at f5\)/,
    },
    {
      name: 'a pax header claiming 100 MB',
      layer: () => Promise.resolve(Buffer.concat([rawHeader({ name: 'PaxHeader', size: 100_000_000, flag: 'x' }), Buffer.alloc(4096)])),
      error: /pax header of 100000000 bytes at byte 0 exceeds the limit of 1048576/,
    },
    {
      name: 'a GNU long name over the limit',
      layer: () => Promise.resolve(Buffer.concat([rawHeader({ name: '././@LongLink', size: 5_000_000, flag: 'L' }), Buffer.alloc(1024)])),
      error: /GNU long-name header of 5000000 bytes/,
    },
    {
      name: 'a truncated layer tar',
      layer: async () => (await packTar([{ name: 'bin/app', mode: 0o755, content: Buffer.alloc(5000, 1) }])).subarray(0, 2000),
      error: /tar stream truncated at byte 2000/,
    },
    {
      name: 'a corrupt header (bad checksum)',
      layer: async () => {
        const t = await packTar([{ name: 'a', content: 'x' }]);
        t[0] = 0x41;
        return t;
      },
      error: /bad tar header checksum at byte 0/,
    },
    {
      name: 'a truncated gzip layer',
      layer: async () => gzipSync(await packTar([{ name: 'a', content: randomBytes(100_000) }])).subarray(0, 20_000),
      error: /gzip data is corrupt|tar stream truncated/,
    },
    {
      name: 'a zstd layer',
      layer: () => Promise.resolve(Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0])),
      error: /layer sha256:[0-9a-f]{64}: zstd layers not supported/,
    },
  ];

  it.each(cases)('$name', async ({ layer, gzip, limits, error }) => {
    const img = await archive({ layers: [await layer()], gzip: gzip ?? false });
    const err = await expectInputError(readImage(img.spec, limits ? { limits } : {}), error);
    expect(err.message).toContain('sha256:');
  });

  it('a zstd media type is refused before reading', async () => {
    const layer = await packTar([{ name: 'a', content: 'x' }]);
    const config = JSON.stringify({ architecture: 'amd64', os: 'linux', rootfs: { type: 'layers', diff_ids: [digestOf(layer)] } });
    const manifest = JSON.stringify({
      schemaVersion: 2,
      config: { digest: digestOf(config), size: Buffer.byteLength(config) },
      layers: [{ mediaType: 'application/vnd.oci.image.layer.v1.tar+zstd', digest: digestOf(layer), size: layer.length }],
    });
    const z = await archive({
      layers: [layer],
      tamper: { manifest, configText: config },
    });
    const err = await expectInputError(readImage(z.spec), /zstd layers not supported/);
    expect(err.message).toContain(digestOf(layer));
  });

  it('a layer blob whose sha256 does not match its digest', async () => {
    const good = await packTar([{ name: 'a', content: 'good' }]);
    const img = await archive({ layers: [good] });
    const raw = await readFile(img.file);
    const at = raw.indexOf(Buffer.from('good'));
    raw.write('evil', at, 'latin1'); // same length, so the archive stays well-formed
    await writeFile(img.file, raw);
    await expectInputError(readImage(img.spec), /blob sha256 is sha256:[0-9a-f]{64}, not the digest sha256:/);
  });

  it('a manifest blob whose sha256 does not match its digest', async () => {
    const layer = await packTar([{ name: 'a', content: 'x' }]);
    const img = await archive({ layers: [layer] });
    const raw = await readFile(img.file);
    const at = raw.indexOf(Buffer.from('"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json"'));
    raw.write('"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+jsoX"', at, 'latin1');
    await writeFile(img.file, raw);
    await expectInputError(readImage(img.spec), /blobs\/sha256\/[0-9a-f]{64} has sha256 sha256:[0-9a-f]{64}, not its digest/);
  });

  describe('config diff_ids that do not match the layers (an integrity failure: the image is refused)', () => {
    const configWith = (diffIds: string[]): string =>
      JSON.stringify({ architecture: 'amd64', os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: diffIds } });

    it.each([true, false])(
      'a layer that unpacks to another diff_id (gzip: %s) names the config member, pointer and layer',
      async (gzip) => {
        const first = await packTar([{ name: 'a', content: 'first' }]);
        const second = await packTar([{ name: 'b', content: 'second' }]);
        // The second diff_id claims other content than the second layer has (a swapped layer).
        const claimed = digestOf(await packTar([{ name: 'b', content: 'benign' }]));
        const configText = configWith([digestOf(first), claimed]);
        const img = await archive({ layers: [first, second], gzip, tamper: { configText } });
        const err = await expectInputError(
          readImage(img.spec),
          /not the diff_id sha256:[0-9a-f]{64} of blobs\/sha256\/[0-9a-f]{64} \/rootfs\/diff_ids\/1: the layer or the config was altered/,
        );
        expect(err.message).toContain(`layer ${img.layerDigests[1] ?? ''}`);
        expect(err.message).toContain(claimed);
        expect(err.file).toBe(`blobs/sha256/${sha256(configText)}`);
      },
    );

    it.each([
      ['fewer', 1],
      ['more', 3],
    ])('%s diff_ids than layers', async (_, count) => {
      const layers = [await packTar([{ name: 'a', content: 'a' }]), await packTar([{ name: 'b', content: 'b' }])];
      const ids = [...layers, ...layers].slice(0, count).map((l) => digestOf(l));
      const configText = configWith(ids);
      const img = await archive({ layers, gzip: true, tamper: { configText } });
      const err = await expectInputError(readImage(img.spec), new RegExp(`lists ${count} diff_ids at /rootfs/diff_ids for 2 layers`));
      expect(err.file).toBe(`blobs/sha256/${sha256(configText)}`);
    });
  });

  it('a truncated outer archive names the byte offset', async () => {
    const layer = await packTar([{ name: 'a', content: Buffer.alloc(20_000, 1) }]);
    const img = await archive({ layers: [layer] });
    const size = (await readFile(img.file)).length;
    await truncate(img.file, size - 12_000);
    await expectInputError(readImage(img.spec), new RegExp(`archive truncated at byte ${size - 12_000}`));
  });

  it('a pax header claiming 100 MB in the outer archive is refused without reading it', async () => {
    const file = path.join(dir, 'outer-pax.tar');
    await writeFile(file, Buffer.concat([rawHeader({ name: 'PaxHeader', size: 100_000_000, flag: 'x' }), Buffer.alloc(1024)]));
    await expectInputError(readImage(`oci-archive:${file}`), /archive header of 100000000 bytes at byte 0 exceeds the limit of 1048576/);
  });

  const docs: {
    name: string;
    tamper: ImageSpecInput['tamper'];
    docker?: boolean;
    file: string;
    line?: number;
    column?: number;
    error: RegExp;
  }[] = [
    {
      name: 'index.json that is not JSON',
      tamper: { index: '{\n  "schemaVersion": 2,\n  "manifests": [}\n' },
      file: 'index.json',
      line: 3,
      column: 17,
      error: /index\.json is not valid JSON/,
    },
    {
      name: 'index.json with a trailing comma',
      tamper: { index: '{"schemaVersion": 2,}' },
      file: 'index.json',
      line: 1,
      column: 21,
      error: /index\.json is not valid JSON/,
    },
    {
      name: 'index.json failing the schema',
      tamper: { index: '{"schemaVersion": 2, "manifests": [{"digest": "md5:x", "size": 1}]}' },
      file: 'index.json',
      error: /index\.json does not match the expected schema at \/manifests\/0\/digest/,
    },
    {
      name: 'manifest.json that is not JSON',
      tamper: { manifestJson: '[{"Config": "x.json",\n "Layers": [' },
      docker: true,
      file: 'manifest.json',
      line: 2,
      column: 13,
      error: /manifest\.json is not valid JSON/,
    },
    {
      name: 'manifest.json failing the schema',
      tamper: { manifestJson: '[{"Config": 5, "Layers": []}]' },
      docker: true,
      file: 'manifest.json',
      error: /manifest\.json does not match the expected schema at \/0\/Config/,
    },
  ];
  it.each(docs)('$name', async ({ tamper, docker, file: member, line, column, error }) => {
    const layer = await packTar([{ name: 'a', content: 'x' }]);
    const file = path.join(dir, `doc-${n++}.tar`);
    const spec: ImageSpecInput = { layers: [layer], ...(tamper ? { tamper } : {}) };
    if (docker) await writeDockerArchive(file, spec);
    else await writeOciArchive(file, spec);
    const err = await expectInputError(readImage(`${docker ? 'docker-archive' : 'oci-archive'}:${file}`), error);
    expect(err.file).toBe(member);
    expect(err.line).toBe(line);
    expect(err.column).toBe(column);
  });

  it.each(['nonsense', 'http:x', 'oci:', 'podman:'])('rejects the spec %s', async (spec) => {
    await expect(readImage(spec)).rejects.toBeInstanceOf(UserError);
  });
});
