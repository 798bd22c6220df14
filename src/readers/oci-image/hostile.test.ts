/** Hostile and broken images: every one becomes a diagnostic or an InputError, never a crash or hang. */
import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../../model/errors.js';
import { readImage as readImageCached } from './index.js';
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

  const docs: { name: string; tamper: ImageSpecInput['tamper']; docker?: boolean; file: string; line?: number; column?: number; error: RegExp }[] = [
    { name: 'index.json that is not JSON', tamper: { index: '{\n  "schemaVersion": 2,\n  "manifests": [}\n' }, file: 'index.json', line: 3, column: 17, error: /index\.json is not valid JSON/ },
    { name: 'index.json with a trailing comma', tamper: { index: '{"schemaVersion": 2,}' }, file: 'index.json', line: 1, column: 21, error: /index\.json is not valid JSON/ },
    { name: 'index.json failing the schema', tamper: { index: '{"schemaVersion": 2, "manifests": [{"digest": "md5:x", "size": 1}]}' }, file: 'index.json', error: /index\.json does not match the expected schema at \/manifests\/0\/digest/ },
    { name: 'manifest.json that is not JSON', tamper: { manifestJson: '[{"Config": "x.json",\n "Layers": [' }, docker: true, file: 'manifest.json', line: 2, column: 13, error: /manifest\.json is not valid JSON/ },
    { name: 'manifest.json failing the schema', tamper: { manifestJson: '[{"Config": 5, "Layers": []}]' }, docker: true, file: 'manifest.json', error: /manifest\.json does not match the expected schema at \/0\/Config/ },
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
