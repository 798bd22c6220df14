/**
 * Fuzz tests of the image reader over every archive shape it reads (oci-archive, docker-archive,
 * OCI layout directory): small valid images are built here, then mutated — raw bytes, tar header
 * fields, member lists, the JSON of index, manifest and config (with digests recomputed so the
 * mutation reaches the schema), and layer contents (with digests and diff_ids recomputed so it
 * reaches the layer walk). Every read must return or throw an InputError that says where, give the
 * same outcome twice, and keep its output bounded by the input's size.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutations,
  expectBoundedOutput,
  expectNoRawJsMessage,
  fuzzParameters,
  jsonMutations,
  outcome,
  outcomeText,
  serializeMutated,
  type JsonMutation,
  type Outcome,
} from '../../test-support/fuzz-bytes.js';
import { digestOf, packTar, sha256, type Entry } from './fixtures/build.js';
import { readImage } from '../../pipeline/image.js';
import type { ImageReadResult } from './types.js';

/** A property's time budget: runs are sized to finish well inside it on a busy machine. */
const PROPERTY_TIMEOUT = 60_000;

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-image-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});
const nextFile = (ext: string): string => path.join(dir, `in-${n++}${ext}`);

const ELF = Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(60, 1)]);

/** The files of a small service image: an entrypoint, a script, a package database, links. */
const BASE_FILES: Entry[] = [
  { name: 'bin', type: 'directory' },
  { name: 'bin/app', mode: 0o755, content: ELF },
  { name: 'bin/sh', type: 'symlink', linkname: 'app' },
  { name: 'bin/run.sh', mode: 0o755, content: '#!/bin/sh -e\nexec /bin/app "$@"\n' },
  { name: 'etc/passwd', content: 'root:x:0:0:root:/root:/bin/sh\napp:x:1000:1000::/home/app:/bin/sh\n' },
  { name: 'etc/os-release', content: 'ID=alpine\nVERSION_ID=3.19.1\n' },
  { name: 'lib/apk/db/installed', content: 'P:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r15\n\n' },
  { name: 'app/package.json', content: '{"name":"svc","version":"1.0.0","main":"server.js"}' },
  { name: 'app/server.js', content: "require('http').createServer().listen(8080)\n" },
  { name: 'usr/bin/env', type: 'link', linkname: 'bin/app' },
];

const CONFIG = {
  architecture: 'amd64',
  os: 'linux',
  config: {
    Entrypoint: ['/bin/run.sh'],
    Cmd: ['--port', '8080'],
    User: 'app',
    ExposedPorts: { '8080/tcp': {} },
    Env: ['PATH=/bin'],
    WorkingDir: '/app',
  },
  history: [{ created_by: 'base' }, { created_by: 'app' }],
};

/** Which JSON document of an OCI image a mutation applies to. */
type Doc = 'index' | 'manifest' | 'config';

interface OciParts {
  layers: Buffer[];
  gzip?: boolean;
  /** JSON mutations per document, applied before the documents above it digest it. */
  mutate?: Partial<Record<Doc, JsonMutation[]>>;
}

/**
 * The members of an oci-archive whose digests agree at every level: a mutated config is digested
 * by the manifest, a mutated manifest by the index, so each mutation reaches the parser behind the
 * digest check.
 */
function ociMembers(p: OciParts): Entry[] {
  const blobs = p.layers.map((l) => (p.gzip ? gzipSync(l, { level: 1 }) : l));
  const doc = (which: Doc, value: unknown): string => serializeMutated(applyJsonMutations(value, p.mutate?.[which] ?? []));
  const config = doc('config', { ...CONFIG, rootfs: { type: 'layers', diff_ids: p.layers.map((l) => digestOf(l)) } });
  const layerType = p.gzip ? 'application/vnd.oci.image.layer.v1.tar+gzip' : 'application/vnd.oci.image.layer.v1.tar';
  const manifest = doc('manifest', {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
    config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: digestOf(config), size: Buffer.byteLength(config) },
    layers: blobs.map((b) => ({ mediaType: layerType, digest: digestOf(b), size: b.length })),
  });
  const index = doc('index', {
    schemaVersion: 2,
    manifests: [
      {
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
        digest: digestOf(manifest),
        size: Buffer.byteLength(manifest),
        annotations: { 'org.opencontainers.image.ref.name': 'svc:1' },
        platform: { os: 'linux', architecture: 'amd64' },
      },
    ],
  });
  const blob = (b: Buffer | string): Entry => ({ name: `blobs/sha256/${sha256(b)}`, content: b });
  return [
    { name: 'oci-layout', content: '{"imageLayoutVersion": "1.0.0"}' },
    { name: 'index.json', content: index },
    blob(manifest),
    blob(config),
    ...blobs.map(blob),
  ];
}

/** The legacy docker-archive members: `<hex>.tar` layers, `<hex>.json` config, a link, manifest.json. */
function dockerMembers(layers: Buffer[], manifestMutations: JsonMutation[] = []): Entry[] {
  const config = JSON.stringify({ ...CONFIG, rootfs: { type: 'layers', diff_ids: layers.map((l) => digestOf(l)) } });
  const layerNames = layers.map((l) => `${sha256(l)}.tar`);
  const manifest = serializeMutated(
    applyJsonMutations([{ Config: `${sha256(config)}.json`, RepoTags: ['svc:1'], Layers: layerNames }], manifestMutations),
  );
  return [
    ...layers.map((l, i) => ({ name: layerNames[i] as string, content: l })),
    { name: `${sha256(config)}.json`, content: config },
    ...layers.map((_, i) => ({ name: `${'0'.repeat(63)}${i}/layer.tar`, type: 'symlink' as const, linkname: `../${layerNames[i]}` })),
    { name: 'manifest.json', content: manifest },
  ];
}

// ---------------------------------------------------------------------------------------------
// Tar header mutations: the fields of a ustar header, written with values on their edges.

const TAR_FIELDS = {
  name: [0, 100],
  mode: [100, 8],
  uid: [108, 8],
  size: [124, 12],
  mtime: [136, 12],
  typeflag: [156, 1],
  linkname: [157, 100],
  magic: [257, 6],
  prefix: [345, 155],
} as const satisfies Record<string, readonly [number, number]>;
type TarField = keyof typeof TAR_FIELDS;

interface HeaderMutation {
  header: number;
  field: TarField;
  value: string;
  /** Recompute the checksum, so the mutation gets past it to the field's own parsing. */
  fixChecksum: boolean;
}

const headerMutation: fc.Arbitrary<HeaderMutation> = fc.record({
  header: fc.nat(),
  field: fc.constantFrom(...(Object.keys(TAR_FIELDS) as TarField[])),
  value: fc.oneof(
    fc.constantFrom(
      '',
      '0',
      '77777777777',
      '99999999999',
      '-1',
      ' ',
      '\x80\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\xff', // base-256 size: 2^64-ish
      '\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff', // base-256 negative
      '00000001000',
      '../../../etc/passwd',
      '/',
      '.',
      'bin/app',
      'x'.repeat(100),
      '1',
      '2',
      '3',
      '5',
      '6',
      '7',
      'g',
      'x',
      'L',
      'K',
      'S',
      'V',
      '\0',
      'ustar\0',
      'ustar ',
    ),
    fc.string({ maxLength: 12 }),
  ),
  fixChecksum: fc.boolean(),
});

/** Offsets of the headers of a well-formed tar (bodies skipped by their octal sizes). */
function headerOffsets(tar: Buffer): number[] {
  const out: number[] = [];
  for (let pos = 0; pos + 512 <= tar.length;) {
    if (tar.subarray(pos, pos + 512).every((b) => b === 0)) break;
    out.push(pos);
    const size = parseInt(
      tar
        .toString('latin1', pos + 124, pos + 136)
        .replace(/\0.*$/s, '')
        .trim() || '0',
      8,
    );
    pos += 512 + Math.ceil(size / 512) * 512;
  }
  return out;
}

function applyHeaderMutations(tar: Buffer, ms: readonly HeaderMutation[]): Buffer {
  const b = Buffer.from(tar);
  const headers = headerOffsets(tar);
  for (const m of ms) {
    const at = headers[m.header % Math.max(1, headers.length)];
    if (at === undefined) continue;
    const [offset, length] = TAR_FIELDS[m.field];
    const field = Buffer.alloc(length);
    Buffer.from(m.value, 'latin1').copy(field, 0, 0, length);
    field.copy(b, at + offset);
    if (m.fixChecksum) {
      b.fill(0x20, at + 148, at + 156);
      let sum = 0;
      for (let i = at; i < at + 512; i++) sum += b[i] ?? 0;
      b.write(`${sum.toString(8).padStart(6, '0')}\0 `, at + 148, 'latin1');
    }
  }
  return b;
}

// ---------------------------------------------------------------------------------------------
// The checks

/**
 * Where a failure can be: a JSON position, a pointer, a byte offset, a member (`<member> is
 * missing` names one, whatever its name), a layer.
 */
const POSITION =
  / is missing$|at byte \d+|layer sha256:[0-9a-f]{64}|at \/\S*|blobs\/sha256\/|index\.json|manifest\.json|oci-layout|\.json\b|\.tar\b|member|entry /;

function checkImageOutcome(o: Outcome<ImageReadResult>, spec: string, inputBytes: number): void {
  if (!o.ok) {
    const e = o.error;
    expect(e.name, e.message).toBe('InputError');
    expect(e.file, e.message).toBeDefined();
    // Names a position: a line and column, or a member/byte/layer/pointer in the message.
    if (e.line === undefined) expect(e.message).toMatch(POSITION);
    return;
  }
  const r = o.value;
  for (const d of r.diagnostics) {
    expect(d.file).toBe(spec);
    expect(d.code).toMatch(/^[a-z0-9-]+$/);
    expectNoRawJsMessage(d.message, `diagnostic ${d.code}`);
  }
  // Bounded: what the reader returns grows with the input, not beyond (a fixed part for the
  // knowledge-derived fragment, plus a multiple of the input).
  expectBoundedOutput({ image: r.image, diagnostics: r.diagnostics }, 200_000 + 64 * inputBytes);
}

/** Reads an image twice (uncached): the same outcome both times, checked. */
async function readTwiceAndCheck(spec: string, inputBytes: number): Promise<Outcome<ImageReadResult>> {
  const first = await outcome(() => readImage(spec, { cache: false }));
  checkImageOutcome(first, spec, inputBytes);
  const second = await outcome(() => readImage(spec, { cache: false }));
  expect(outcomeText(second)).toBe(outcomeText(first));
  return first;
}

async function writeArchive(members: Entry[]): Promise<{ file: string; bytes: Buffer }> {
  const bytes = await packTar(members);
  const file = nextFile('.tar');
  await writeFile(file, bytes);
  return { file, bytes };
}

// ---------------------------------------------------------------------------------------------

describe('image reader fuzz', () => {
  let baseLayers: Buffer[];
  let ociArchive: Buffer;
  let dockerArchive: Buffer;

  beforeAll(async () => {
    baseLayers = [await packTar(BASE_FILES.slice(0, 6)), await packTar(BASE_FILES.slice(6))];
    ociArchive = await packTar(ociMembers({ layers: baseLayers }));
    dockerArchive = await packTar(dockerMembers(baseLayers));
  });

  it('reads the unmutated images (the fuzz starts from valid input)', async () => {
    for (const members of [ociMembers({ layers: baseLayers }), ociMembers({ layers: baseLayers, gzip: true })]) {
      const { file, bytes } = await writeArchive(members);
      const r = await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
      expect(r.ok && r.value.image.files.has('/bin/app')).toBe(true);
    }
    const { file, bytes } = await writeArchive(dockerMembers(baseLayers));
    const r = await readTwiceAndCheck(`docker-archive:${file}`, bytes.length);
    expect(r.ok && r.value.image.config.Entrypoint).toEqual(['/bin/run.sh']);
  });

  it.each([
    ['oci-archive', () => ociArchive],
    ['docker-archive', () => dockerArchive],
  ] as const)(
    '%s: mutated archive bytes',
    async (transport, base) => {
      await fc.assert(
        fc.asyncProperty(byteMutations(4), async (ms) => {
          const bytes = applyByteMutations(base(), ms);
          const file = nextFile('.tar');
          await writeFile(file, bytes);
          await readTwiceAndCheck(`${transport}:${file}`, bytes.length);
        }),
        fuzzParameters(120),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it.each([
    ['oci-archive', () => ociArchive],
    ['docker-archive', () => dockerArchive],
  ] as const)(
    '%s: mutated header fields of the outer archive',
    async (transport, base) => {
      await fc.assert(
        fc.asyncProperty(fc.array(headerMutation, { minLength: 1, maxLength: 3 }), async (ms) => {
          const bytes = applyHeaderMutations(base(), ms);
          const file = nextFile('.tar');
          await writeFile(file, bytes);
          await readTwiceAndCheck(`${transport}:${file}`, bytes.length);
        }),
        fuzzParameters(120),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'oci-archive: mutated index, manifest and config JSON (digests kept consistent)',
    async () => {
      const docs = fc.record({ index: jsonMutations(2), manifest: jsonMutations(2), config: jsonMutations(3) }, { requiredKeys: [] });
      await fc.assert(
        fc.asyncProperty(docs, fc.boolean(), async (mutate, gzip) => {
          const { file, bytes } = await writeArchive(ociMembers({ layers: baseLayers, gzip, mutate }));
          await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
        }),
        fuzzParameters(150),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'docker-archive: mutated manifest.json',
    async () => {
      await fc.assert(
        fc.asyncProperty(jsonMutations(3), async (ms) => {
          const { file, bytes } = await writeArchive(dockerMembers(baseLayers, ms));
          await readTwiceAndCheck(`docker-archive:${file}`, bytes.length);
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'oci-archive: mutated layer tars (bytes and header fields; digests and diff_ids kept consistent)',
    async () => {
      const layerEdit = fc.record({
        layer: fc.nat(),
        bytes: fc.option(byteMutations(3), { nil: undefined }),
        headers: fc.array(headerMutation, { maxLength: 3 }),
      });
      await fc.assert(
        fc.asyncProperty(layerEdit, fc.boolean(), async (edit, gzip) => {
          const layers = [...baseLayers];
          const i = edit.layer % layers.length;
          let layer = applyHeaderMutations(layers[i] as Buffer, edit.headers);
          if (edit.bytes) layer = applyByteMutations(layer, edit.bytes);
          layers[i] = layer;
          const { file, bytes } = await writeArchive(ociMembers({ layers, gzip }));
          await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'oci-archive: generated layer entries (hostile names, links, modes, duplicates)',
    async () => {
      const segment = fc.constantFrom('bin', 'etc', 'app', '..', '.', '', 'a', 'sh', 'node_modules', 'x'.repeat(120));
      const name = fc.array(segment, { minLength: 1, maxLength: 5 }).map((s) => s.join('/'));
      const entry: fc.Arbitrary<Entry> = fc.oneof(
        fc.record({
          name,
          mode: fc.constantFrom(0o644, 0o755, 0o4755, 0),
          content: fc.oneof(fc.constant(ELF), fc.constant('#!/bin/sh\n'), fc.string({ maxLength: 40 })),
        }),
        fc.record({ name, type: fc.constant('directory' as const) }),
        fc.record({
          name,
          type: fc.constant('symlink' as const),
          linkname: fc.oneof(
            name,
            name.map((p) => `/${p}`),
          ),
        }),
        fc.record({ name, type: fc.constant('link' as const), linkname: name }),
      );
      const layersArb = fc.array(fc.array(entry, { minLength: 1, maxLength: 12 }), { minLength: 1, maxLength: 3 });
      const entrypoint = fc.oneof(
        name.map((p) => `/${p}`),
        fc.constantFrom('/bin/sh', '/bin/app', 'sh', '/c/l0'),
      );
      // A chain of links c/l0 → l1 → … → bin/app, around the resolver's hop limit.
      const chain = fc.integer({ min: 0, max: 120 });
      await fc.assert(
        fc.asyncProperty(layersArb, entrypoint, chain, async (layerEntries, ep, links) => {
          const chained: Entry[] = Array.from({ length: links }, (_, i) => ({
            name: `c/l${i}`,
            type: 'symlink',
            linkname: i + 1 < links ? `l${i + 1}` : '../bin/app',
          }));
          const layers = await Promise.all(
            layerEntries.map((es, i) => packTar([...BASE_FILES.slice(0, 3), ...(i === 0 ? chained : []), ...es])),
          );
          const mutate: Partial<Record<Doc, JsonMutation[]>> = { config: [{ kind: 'replace', path: [2, 0], value: [ep] }] };
          const { file, bytes } = await writeArchive(ociMembers({ layers, mutate }));
          await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'oci-archive: deep paths, long link targets and links through links',
    async () => {
      const deepLayer = fc.record({
        depth: fc.integer({ min: 1, max: 3000 }),
        ups: fc.integer({ min: 0, max: 3000 }),
        fan: fc.integer({ min: 1, max: 12 }),
        entry: fc.constantFrom('/deep', '/up', '/fan/l0', '/x/x/x/x', '/bin/app'),
      });
      await fc.assert(
        fc.asyncProperty(deepLayer, async ({ depth, ups, fan, entry }) => {
          const deepDir = Array.from({ length: depth }, () => 'd').join('/');
          const entries: Entry[] = [
            ...BASE_FILES.slice(0, 3),
            { name: `${deepDir}/f`, mode: 0o755, content: ELF },
            { name: 'deep', type: 'symlink', linkname: `${deepDir}/f` },
            { name: 'up', type: 'symlink', linkname: `${'../'.repeat(ups)}bin/app` },
            // Each link names the next twice over: resolving by expansion doubles per level.
            ...Array.from({ length: fan }, (_, i): Entry => ({
              name: `fan/l${i}`,
              type: 'symlink',
              linkname: i + 1 < fan ? `l${i + 1}/../l${i + 1}` : '../bin/app',
            })),
            { name: 'x', type: 'symlink', linkname: 'x/x' },
          ];
          const mutate: Partial<Record<Doc, JsonMutation[]>> = { config: [{ kind: 'replace', path: [2, 0], value: [entry] }] };
          const { file, bytes } = await writeArchive(ociMembers({ layers: [await packTar(entries)], mutate }));
          await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
        }),
        fuzzParameters(40),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'oci-archive and docker-archive: members dropped, duplicated, renamed or made links',
    async () => {
      const edit = fc.record({
        kind: fc.constantFrom('drop', 'duplicate', 'rename', 'symlink', 'hardlink', 'self-link', 'empty'),
        member: fc.nat(),
        other: fc.nat(),
        name: fc.constantFrom('index.json', 'manifest.json', '../index.json', '/index.json', './oci-layout', 'blobs/sha256/', 'blobs'),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('oci-archive', 'docker-archive'),
          fc.array(edit, { minLength: 1, maxLength: 3 }),
          async (transport, edits) => {
            const members = transport === 'oci-archive' ? ociMembers({ layers: baseLayers }) : dockerMembers(baseLayers);
            for (const e of edits) {
              const i = e.member % members.length;
              const m = members[i] as Entry;
              const other = members[e.other % members.length] as Entry;
              if (e.kind === 'drop') members.splice(i, 1);
              else if (e.kind === 'duplicate') members.push({ ...m, content: other.content ?? '' });
              else if (e.kind === 'rename') members[i] = { ...m, name: e.name };
              else if (e.kind === 'symlink') members.push({ name: m.name, type: 'symlink', linkname: e.name });
              else if (e.kind === 'hardlink') members.push({ name: m.name, type: 'link', linkname: other.name });
              else if (e.kind === 'self-link') members.push({ name: m.name, type: 'symlink', linkname: path.posix.basename(m.name) });
              else members[i] = { ...m, content: '' };
              if (members.length === 0) members.push({ name: 'oci-layout', content: '{}' });
            }
            const { file, bytes } = await writeArchive(members);
            await readTwiceAndCheck(`${transport}:${file}`, bytes.length);
          },
        ),
        fuzzParameters(120),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'OCI layout directory: mutated documents, missing and extra files',
    async () => {
      const edit = fc.record({
        drop: fc.option(fc.nat(), { nil: undefined }),
        mutate: fc.record({ index: jsonMutations(2), manifest: jsonMutations(2), config: jsonMutations(2) }, { requiredKeys: [] }),
        bytes: fc.option(fc.record({ member: fc.nat(), edits: byteMutations(3) }), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(edit, async (e) => {
          const members = ociMembers({ layers: baseLayers, mutate: e.mutate });
          if (e.bytes) {
            const i = e.bytes.member % members.length;
            const m = members[i] as Entry;
            members[i] = { ...m, content: applyByteMutations(Buffer.from(m.content ?? ''), e.bytes.edits) };
          }
          if (e.drop !== undefined) members.splice(e.drop % members.length, 1);
          const root = nextFile('.oci');
          let size = 0;
          for (const m of members) {
            await mkdir(path.dirname(path.join(root, m.name)), { recursive: true });
            await writeFile(path.join(root, m.name), m.content ?? '');
            size += Buffer.byteLength(m.content ?? '');
          }
          await readTwiceAndCheck(`oci:${root}`, size);
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

// A symlink target of 400,000 components overflowed the stack while the link was resolved.
describe('image reader fuzz: huge link targets', () => {
  it.each([
    ['a relative target', 'a/'.repeat(400_000)],
    ['a climbing target', '../'.repeat(400_000)],
  ])(
    '%s of 400,000 components ends in a diagnostic or an InputError',
    async (_what, target) => {
      const layer = await packTar([...BASE_FILES.slice(0, 3), { name: 'bin/far', type: 'symlink', linkname: `${target}bin/app` }]);
      const mutate: Partial<Record<Doc, JsonMutation[]>> = { config: [{ kind: 'replace', path: [2, 0], value: ['/bin/far'] }] };
      const { file, bytes } = await writeArchive(ociMembers({ layers: [layer], mutate }));
      await readTwiceAndCheck(`oci-archive:${file}`, bytes.length);
    },
    PROPERTY_TIMEOUT,
  );
});
