/**
 * Fuzz tests of the OSV import: real records from test/corpus/osv mutated as JSON and as text,
 * imported and then matched; zip archives built here mutated as bytes and in their header fields.
 * The import reports a bad record (with its file and a line:column or field path) and goes on;
 * only a typed error naming the archive (or `archive!entry`) may end it; the same input imports
 * the same way twice; what an archive yields stays bounded by its size.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Component } from '../model/components.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import { corpusRoot } from '../test-support/profile.js';
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
  stableText,
  type ByteMutation,
  type JsonMutation,
} from '../test-support/fuzz-bytes.js';
import { importOsv, type ImportResult } from './import.js';
import { matchComponents } from './match.js';
import { osvSourceReader, type SourceItem, type SourceReader } from './osv-sources.js';
import { parseOsvRecord } from './osv-schema.js';

const PROPERTY_TIMEOUT = 60_000;
const NOW = (): Date => new Date('2026-01-02T03:04:05.000Z');

/** Every corpus record, by its path below test/corpus/osv. */
const RECORDS: { file: string; text: string; value: unknown }[] = ['npm', 'debian', 'alpine'].flatMap((eco) =>
  readdirSync(path.join(corpusRoot, 'osv', eco))
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => {
      const text = readFileSync(path.join(corpusRoot, 'osv', eco, f), 'utf8');
      return { file: `${eco}/${f}`, text, value: JSON.parse(text) as unknown };
    }),
);

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-osv-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** A reader over texts held in memory (the file-system edge is fuzzed with the zip archives). */
const memoryReader = (items: SourceItem[]): SourceReader =>
  async function* () {
    yield* items;
  };

/** Each invalid record names its file, and a line:column (syntax) or a field path (schema). */
function checkInvalid(r: ImportResult, isSource: (file: string) => boolean): void {
  for (const bad of r.invalid) {
    expect(isSource(bad.file), bad.file).toBe(true);
    expectNoRawJsMessage(bad.reason, `reason for ${bad.file}`);
    if (bad.reason.startsWith('invalid JSON')) {
      expect(bad.line, bad.reason).toBeGreaterThan(0);
      expect(bad.column, bad.reason).toBeGreaterThan(0);
    } else if (bad.reason.startsWith('not an OSV record')) {
      expect(bad.reason).toMatch(/^not an OSV record: (\(record\)|[^:\s]+): /);
    }
  }
}

/** Components to match against mutated records: each record's packages at hostile and real versions. */
function componentsFor(values: unknown[], versions: string[]): Component[] {
  const out: Component[] = [];
  const ecosystems: Record<string, Component['ecosystem']> = { npm: 'npm', Debian: 'deb', Alpine: 'apk' };
  for (const v of values) {
    const affected = (v as { affected?: unknown })?.affected;
    if (!Array.isArray(affected)) continue;
    for (const a of affected.slice(0, 3)) {
      const pkg = (a as { package?: { ecosystem?: unknown; name?: unknown } } | null)?.package;
      if (typeof pkg?.name !== 'string' || typeof pkg.ecosystem !== 'string') continue;
      const [base, release] = pkg.ecosystem.split(':');
      const ecosystem = ecosystems[base ?? ''];
      if (!ecosystem) continue;
      for (const version of versions) {
        out.push({
          ecosystem,
          name: pkg.name,
          version,
          purl: `pkg:${ecosystem}/${pkg.name}@${version}`,
          ...(release && ecosystem !== 'npm'
            ? { distro: ecosystem === 'apk' ? `alpine-${release.replace(/^v/, '')}` : `debian-${release}` }
            : {}),
          path: `/fuzz/${ecosystem}`,
        });
      }
    }
  }
  return out;
}

const version = fc.oneof(
  fc.constantFrom(
    '0',
    '1.0.0',
    '0.0.1-alpha',
    '1:2.3-4',
    '1.2.3-r4',
    '9999999999999999999999.0',
    '',
    ' ',
    '1..2',
    '~1',
    '^1.2',
    'v1',
    '1.2.3-r4_p1',
    '*',
    'x'.repeat(300),
  ),
  fc.string({ maxLength: 12 }),
);

/**
 * Imports the records mutated by `edits` twice, each time into a new store, and matches their
 * packages at `versions`: per-record problems are reported with their place, matching returns,
 * and both rounds agree.
 */
async function importAndMatchTwice(
  edits: { record: number; json?: JsonMutation[] | undefined; text?: ByteMutation[] | undefined }[],
  versions: string[],
): Promise<void> {
  const values: unknown[] = [];
  const items: SourceItem[] = edits.map((e, i) => {
    const base = RECORDS[e.record % RECORDS.length] as (typeof RECORDS)[number];
    const value = e.json ? applyJsonMutations(base.value, e.json) : base.value;
    values.push(value);
    let text = e.json ? serializeMutated(value, 2) : base.text;
    if (e.text) text = applyByteMutations(Buffer.from(text), e.text).toString('utf8');
    return { file: `${i}-${base.file}`, text };
  });
  const files = new Set(items.map((i) => i.file));
  const runs: string[] = [];
  for (let round = 0; round < 2; round++) {
    const store = openSqliteVulnStore(':memory:');
    try {
      const imported = await outcome(() => importOsv(store, ['mem'], { now: NOW, read: memoryReader(items) }));
      // Per-record problems are reported, never thrown.
      expect(imported.ok, imported.ok ? '' : imported.error.message).toBe(true);
      if (!imported.ok) return;
      checkInvalid(imported.value, (f) => files.has(f));
      const matched = await outcome(() => matchComponents(store, componentsFor(values, versions), { artifact: 'fuzz' }));
      if (matched.ok) {
        for (const d of matched.value.diagnostics) {
          expect(d.file, d.message).not.toBe('');
          expectNoRawJsMessage(d.message, d.code);
        }
        expectBoundedOutput(matched.value, 200_000 + 50 * items.reduce((s, i) => s + (i.text?.length ?? 0), 0));
      }
      runs.push(`${outcomeText(imported)}\n${outcomeText(matched)}`);
    } finally {
      await store.close();
    }
  }
  expect(runs[1]).toBe(runs[0]);
}

describe('OSV record fuzz', () => {
  it(
    'mutated records (JSON edits and text edits) import, or are reported where they fail; matching never breaks',
    async () => {
      const recordEdit = fc.record({
        record: fc.nat(),
        json: fc.option(jsonMutations(3), { nil: undefined }),
        text: fc.option(byteMutations(3), { nil: undefined }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(recordEdit, { minLength: 1, maxLength: 4 }),
          fc.array(version, { minLength: 1, maxLength: 3 }),
          importAndMatchTwice,
        ),
        fuzzParameters(120),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'mutated record files in a directory (bytes on disk: BOMs, bad UTF-8, empty files, non-JSON names)',
    async () => {
      const file = fc.record({
        record: fc.nat(),
        edits: fc.option(byteMutations(3), { nil: undefined }),
        bom: fc.boolean(),
        name: fc.constantFrom('a.json', 'b.JSON', 'sub/c.json', 'd.txt', 'e.json.bak'),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(file, { minLength: 1, maxLength: 4 }), async (files) => {
          const root = path.join(dir, `records-${n++}`);
          for (const [i, f] of files.entries()) {
            const base = RECORDS[f.record % RECORDS.length] as (typeof RECORDS)[number];
            let bytes: Buffer = Buffer.from(base.text);
            if (f.edits) bytes = applyByteMutations(bytes, f.edits);
            if (f.bom) bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), bytes]);
            const target = path.join(root, `${i}`, f.name);
            await mkdir(path.dirname(target), { recursive: true });
            await writeFile(target, bytes);
          }
          const runs: string[] = [];
          for (let round = 0; round < 2; round++) {
            const store = openSqliteVulnStore(':memory:');
            try {
              const o = await outcome(() => importOsv(store, [root], { now: NOW, read: osvSourceReader(ZIP_TEST_LIMITS) }));
              expect(o.ok, o.ok ? '' : o.error.message).toBe(true);
              if (o.ok) {
                checkInvalid(o.value, (f) => f.startsWith(`${root}/`));
                // Only .json files are records.
                expect(o.value.imported + o.value.skipped + o.value.invalid.length).toBe(
                  files.filter((f) => /\.json$/i.test(f.name)).length,
                );
              }
              runs.push(outcomeText(o));
            } finally {
              await store.close();
            }
          }
          expect(runs[1]).toBe(runs[0]);
        }),
        fuzzParameters(80),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it('a syntax error always has a line and column, on any text', async () => {
    await fc.assert(
      fc.property(fc.nat(), byteMutations(4), (i, ms) => {
        const base = RECORDS[i % RECORDS.length] as (typeof RECORDS)[number];
        const text = applyByteMutations(Buffer.from(base.text), ms).toString('utf8');
        const r = parseOsvRecord(text);
        expect(stableText(parseOsvRecord(text))).toBe(stableText(r));
        if (!r.ok && r.reason.startsWith('invalid JSON')) {
          expect(r.line, r.reason).toBeGreaterThan(0);
          expect(r.column, r.reason).toBeGreaterThan(0);
        }
      }),
      fuzzParameters(400),
    );
  });
});

// ---------------------------------------------------------------------------------------------
// Zip archives

function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  return (c ^ 0xffffffff) >>> 0;
}

interface BuiltZip {
  bytes: Buffer;
  /** Offset of each central directory entry, and of the end record. */
  centrals: number[];
  eocd: number;
}

/** A zip of the given entries (deflated unless `stored`), as OSV's exports are written. */
function makeZip(entries: { name: string; data: Buffer; stored?: boolean }[]): BuiltZip {
  const parts: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.stored ? e.data : deflateRawSync(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc32(e.data), 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(e.data.length, 22);
    local.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(0x0800, 8);
    c.writeUInt16LE(e.stored ? 0 : 8, 10);
    c.writeUInt32LE(crc32(e.data), 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(e.data.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    central.push(Buffer.concat([c, name]));
    parts.push(local, name, body);
    offset += 30 + name.length + body.length;
  }
  const cdOffset = offset;
  const centrals: number[] = [];
  for (const c of central) {
    centrals.push(offset);
    offset += c.length;
  }
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(offset - cdOffset, 12);
  eocd.writeUInt32LE(cdOffset, 16);
  return { bytes: Buffer.concat([...parts, ...central, eocd]), centrals, eocd: offset };
}

/** Fields of a central directory entry (offset in the entry, width) and of the end record. */
const CENTRAL_FIELDS = {
  flags: [8, 2],
  method: [10, 2],
  compressed: [20, 4],
  size: [24, 4],
  nameLength: [28, 2],
  extraLength: [30, 2],
  commentLength: [32, 2],
  offset: [42, 4],
} as const;
const EOCD_FIELDS = {
  disk: [4, 2],
  entriesOnDisk: [8, 2],
  entries: [10, 2],
  cdSize: [12, 4],
  cdOffset: [16, 4],
  commentLength: [20, 2],
} as const;

interface ZipFieldEdit {
  /** An entry index (modulo the count), or the end record. */
  where: number | 'eocd';
  field: string;
  value: number;
}

function applyZipEdits(zip: BuiltZip, edits: readonly ZipFieldEdit[]): Buffer {
  const b = Buffer.from(zip.bytes);
  for (const e of edits) {
    const table: Record<string, readonly [number, number]> = e.where === 'eocd' ? EOCD_FIELDS : CENTRAL_FIELDS;
    const field = table[e.field];
    if (!field) continue;
    const base = e.where === 'eocd' ? zip.eocd : zip.centrals[e.where % zip.centrals.length];
    if (base === undefined) continue;
    const [at, width] = field;
    if (width === 2) b.writeUInt16LE(e.value & 0xffff, base + at);
    else b.writeUInt32LE(e.value >>> 0, base + at);
  }
  return b;
}

/**
 * Small limits, so the bounds are reached by small archives (`maxTotalSize` is for readers that
 * also bound an archive's inflated bytes in all; others ignore it).
 */
const ZIP_TEST_LIMITS = { maxEntrySize: 64 * 1024, maxEntries: 64, maxTotalSize: 4 * 1024 * 1024 };

describe('OSV zip archive fuzz', () => {
  let zip: BuiltZip;
  beforeAll(() => {
    zip = makeZip([
      ...RECORDS.slice(0, 4).map((r, i) => ({ name: `${r.file.split('/')[1] ?? 'x'}`, data: Buffer.from(r.text), stored: i === 1 })),
      { name: 'dir/', data: Buffer.alloc(0), stored: true },
      { name: 'README.txt', data: Buffer.from('not a record'), stored: true },
    ]);
  });

  /** Imports the archive at `file` twice with small limits; checks what may escape and what comes out. */
  async function importArchiveTwice(file: string, size: number): Promise<void> {
    const texts: string[] = [];
    const runs: string[] = [];
    for (let round = 0; round < 2; round++) {
      const store = openSqliteVulnStore(':memory:');
      let yielded = 0;
      const reader = osvSourceReader(ZIP_TEST_LIMITS);
      const counting: SourceReader = async function* (sources) {
        for await (const item of reader(sources)) {
          yielded += item.text?.length ?? 0;
          if (round === 0 && item.text !== undefined) texts.push(item.file);
          yield item;
        }
      };
      try {
        const o = await outcome(() => importOsv(store, [file], { now: NOW, read: counting }));
        if (!o.ok) {
          expect(o.error.name).toBe('InputError');
          expect(o.error.file === file || o.error.file?.startsWith(`${file}!`), `${o.error.file ?? '-'}: ${o.error.message}`).toBe(true);
        } else {
          checkInvalid(o.value, (f) => f.startsWith(`${file}!`));
        }
        // Bounded: an archive yields at most deflate's best ratio (about 1:1032) times its size.
        expect(yielded).toBeLessThanOrEqual(1100 * size);
        runs.push(outcomeText(o));
      } finally {
        await store.close();
      }
    }
    expect(runs[1]).toBe(runs[0]);
  }

  it('imports the unmutated archive (the fuzz starts from valid input)', async () => {
    const file = path.join(dir, 'base.zip');
    await writeFile(file, zip.bytes);
    const store = openSqliteVulnStore(':memory:');
    const r = await importOsv(store, [file], { now: NOW, read: osvSourceReader(ZIP_TEST_LIMITS) });
    await store.close();
    expect(r).toMatchObject({ imported: 4, invalid: [] });
  });

  it(
    'mutated archive bytes',
    async () => {
      await fc.assert(
        fc.asyncProperty(byteMutations(4), async (ms) => {
          const bytes = applyByteMutations(zip.bytes, ms);
          const file = path.join(dir, `bytes-${n++}.zip`);
          await writeFile(file, bytes);
          await importArchiveTwice(file, bytes.length);
        }),
        fuzzParameters(200),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'mutated header fields (sizes, offsets, counts, lengths, methods, flags)',
    async () => {
      const value = fc.oneof(fc.constantFrom(0, 1, 8, 12, 46, 0xffff, 0xffffffff, 0x7fffffff, 0x10000), fc.nat({ max: 0xffffffff }));
      const edit: fc.Arbitrary<ZipFieldEdit> = fc.oneof(
        fc.record({ where: fc.nat(), field: fc.constantFrom(...Object.keys(CENTRAL_FIELDS)), value }),
        fc.record({ where: fc.constant('eocd' as const), field: fc.constantFrom(...Object.keys(EOCD_FIELDS)), value }),
      );
      await fc.assert(
        fc.asyncProperty(fc.array(edit, { minLength: 1, maxLength: 3 }), async (edits) => {
          const bytes = applyZipEdits(zip, edits);
          const file = path.join(dir, `fields-${n++}.zip`);
          await writeFile(file, bytes);
          await importArchiveTwice(file, bytes.length);
        }),
        fuzzParameters(200),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'entries made of mutated records, stored or deflated, with hostile names',
    async () => {
      const entry = fc.record({
        record: fc.nat(),
        edits: fc.option(byteMutations(2), { nil: undefined }),
        name: fc.oneof(
          fc.constantFrom('a.json', '../../x.json', '/abs.json', 'dir/b.JSON', 'c.json/', '\u0000.json', `${'n'.repeat(300)}.json`),
          fc.string({ maxLength: 10 }).map((s) => `${s}.json`),
        ),
        stored: fc.boolean(),
      });
      await fc.assert(
        fc.asyncProperty(fc.array(entry, { minLength: 1, maxLength: 6 }), async (entries) => {
          const built = makeZip(
            entries.map((e) => {
              const base = RECORDS[e.record % RECORDS.length] as (typeof RECORDS)[number];
              return {
                name: e.name,
                data: e.edits ? applyByteMutations(Buffer.from(base.text), e.edits) : Buffer.from(base.text),
                stored: e.stored,
              };
            }),
          );
          const file = path.join(dir, `entries-${n++}.zip`);
          await writeFile(file, built.bytes);
          await importArchiveTwice(file, built.bytes.length);
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );
});

// Central directory entries that all point at one local entry would make a small archive yield
// its one deflated record many times over (about 1:1300 here, past deflate's own best ratio).
describe('OSV zip archive: overlapping entries', () => {
  it('an archive whose entries share one local entry yields no more than its size allows', async () => {
    const zeros = Buffer.alloc(ZIP_TEST_LIMITS.maxEntrySize - 1, 0x20);
    const one = makeZip([{ name: 'a.json', data: zeros }]);
    const centralEntry = one.bytes.subarray(one.centrals[0], one.eocd);
    const count = ZIP_TEST_LIMITS.maxEntries;
    const cdOffset = one.centrals[0] as number;
    const eocd = Buffer.from(one.bytes.subarray(one.eocd));
    eocd.writeUInt16LE(count, 8);
    eocd.writeUInt16LE(count, 10);
    eocd.writeUInt32LE(centralEntry.length * count, 12);
    eocd.writeUInt32LE(cdOffset, 16);
    const bytes = Buffer.concat([one.bytes.subarray(0, cdOffset), ...Array.from({ length: count }, () => centralEntry), eocd]);
    const file = path.join(dir, 'overlap.zip');
    await writeFile(file, bytes);
    let yielded = 0;
    const o = await outcome(async () => {
      for await (const item of osvSourceReader(ZIP_TEST_LIMITS)([file])) yielded += item.text?.length ?? 0;
    });
    if (!o.ok) expect(o.error.file === file || o.error.file?.startsWith(`${file}!`), o.error.file).toBe(true);
    expect(yielded).toBeLessThanOrEqual(1100 * bytes.length);
  });
});

// A record nested thousands of levels deep in a passed-through field (database_specific, an
// unknown key) is valid to the schema; storing it (JSON.stringify) would overflow the stack.
describe('OSV record fuzz: deep nesting', () => {
  it('a record with a field nested 4118 levels deep is reported, not thrown (the seed that found it)', async () => {
    await importAndMatchTwice(
      [{ record: 0, json: [{ kind: 'add-key', path: [], key: '0', value: '\u0000charter-fuzz-deep:4118' }] }],
      [''],
    );
  });

  it(
    'mutated records, deep nesting included',
    async () => {
      const recordEdit = fc.record({ record: fc.nat(), json: fc.option(jsonMutations(3), { nil: undefined }) });
      await fc.assert(
        fc.asyncProperty(
          fc.array(recordEdit, { minLength: 1, maxLength: 4 }),
          fc.array(version, { minLength: 1, maxLength: 3 }),
          importAndMatchTwice,
        ),
        fuzzParameters(120),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
