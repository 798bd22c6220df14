import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import { importOsv } from './import.js';
import { osvSourceReader } from './osv-sources.js';
import { ZIP_LIMITS, readZipEntries, type ZipLimits } from './zip.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = path.resolve(repoRoot, 'test/corpus/osv');
const tmp = mkdtempSync(path.join(tmpdir(), 'charter-osv-zip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// A minimal zip writer (stored or deflated entries), so tests can build honest and lying archives.
const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf: Buffer): number {
  let c = 0xffffffff;
  for (const b of buf) c = (CRC_TABLE[(c ^ b) & 0xff] as number) ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

interface ZipInput {
  name: string;
  data: Buffer;
  /** Uncompressed size written in the headers (defaults to the truth). */
  declaredSize?: number;
  stored?: boolean;
}

function makeZip(entries: ZipInput[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name, 'utf8');
    const body = e.stored ? e.data : deflateRawSync(e.data);
    const size = e.declaredSize ?? e.data.length;
    const crc = crc32(e.data);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(0x0800, 6);
    local.writeUInt16LE(e.stored ? 0 : 8, 8);
    local.writeUInt32LE(crc, 14);
    local.writeUInt32LE(body.length, 18);
    local.writeUInt32LE(size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(0x0800, 8);
    central.writeUInt16LE(e.stored ? 0 : 8, 10);
    central.writeUInt32LE(crc, 16);
    central.writeUInt32LE(body.length, 20);
    central.writeUInt32LE(size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, body);
    centrals.push(central, name);
    offset += local.length + name.length + body.length;
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(entries.length, 8);
  eocd.writeUInt16LE(entries.length, 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, eocd]);
}

function corpusEntries(): ZipInput[] {
  return ['npm', 'debian', 'alpine'].flatMap((eco) =>
    readdirSync(path.join(corpus, eco))
      .sort()
      .map((f) => ({ name: f, data: readFileSync(path.join(corpus, eco, f)) })),
  );
}

function writeZip(name: string, entries: ZipInput[]): string {
  const file = path.join(tmp, name);
  writeFileSync(file, makeZip(entries));
  return file;
}

async function collect(file: string, limits?: Partial<ZipLimits>): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readZipEntries(file, () => true, { ...ZIP_LIMITS, ...limits })) names.push(`${e.name}:${e.bytes.length}`);
  return names;
}

async function rejection(p: Promise<unknown>): Promise<InputError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(InputError);
    return err as InputError;
  }
  throw new Error('expected a rejection');
}

/**
 * One local entry (a deflate stream of `inflated` zero bytes) and a central directory of `count`
 * entries that all point at it: each entry alone is honest, together they inflate `count` times.
 */
function overlappingZip(count: number, inflated: number, offsetOf: (i: number) => number = () => 0): Buffer {
  const data = Buffer.alloc(inflated);
  const body = deflateRawSync(data);
  const crc = crc32(data);
  const name = Buffer.from('0.json');
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(8, 8);
  local.writeUInt32LE(crc, 14);
  local.writeUInt32LE(body.length, 18);
  local.writeUInt32LE(inflated, 22);
  local.writeUInt16LE(name.length, 26);
  const head = Buffer.concat([local, name, body]);
  const centrals: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    const n = Buffer.from(`${i}.json`);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(crc, 16);
    c.writeUInt32LE(body.length, 20);
    c.writeUInt32LE(inflated, 24);
    c.writeUInt16LE(n.length, 28);
    c.writeUInt32LE(offsetOf(i), 42);
    centrals.push(c, n);
  }
  const cd = Buffer.concat(centrals);
  const eocd = Buffer.alloc(22);
  eocd.writeUInt32LE(0x06054b50, 0);
  eocd.writeUInt16LE(Math.min(count, 0xfffe), 8);
  eocd.writeUInt16LE(Math.min(count, 0xfffe), 10);
  eocd.writeUInt32LE(cd.length, 12);
  eocd.writeUInt32LE(head.length, 16);
  return Buffer.concat([head, cd, eocd]);
}

describe('zip import', () => {
  it('imports an all.zip built from the corpus exactly like the directories', async () => {
    const zip = writeZip('all.zip', [
      ...corpusEntries(),
      { name: 'README.txt', data: Buffer.from('not json') },
      { name: 'dir/', data: Buffer.alloc(0), stored: true },
    ]);
    const fromZip = openSqliteVulnStore(':memory:');
    const fromDirs = openSqliteVulnStore(':memory:');
    const r = await importOsv(fromZip, [zip]);
    expect(r).toMatchObject({ imported: 25, updated: 0, skipped: 0, invalidCount: 0 });
    await importOsv(
      fromDirs,
      ['npm', 'debian', 'alpine'].map((e) => path.join(corpus, e)),
    );
    const { lastImport: _a, ...a } = await fromZip.status();
    const { lastImport: _b, ...b } = await fromDirs.status();
    expect(a).toEqual(b);
    expect(await fromZip.getAdvisories(['DLA-3008-1'])).toEqual(await fromDirs.getAdvisories(['DLA-3008-1']));
    await fromZip.close();
    await fromDirs.close();
  });

  it('names the archive and entry of a corrupt record inside a zip, and goes on', async () => {
    const zip = writeZip('one-bad.zip', [
      { name: 'GOOD.json', data: readFileSync(path.join(corpus, 'npm/GHSA-whgm-jr23-g3j9.json')) },
      { name: 'BAD.json', data: Buffer.from('{\n"id": "X",\n"modified": }') },
    ]);
    const store = openSqliteVulnStore(':memory:');
    const r = await importOsv(store, [zip]);
    expect(r.imported).toBe(1);
    expect(r.invalid).toEqual([{ file: `${zip}!BAD.json`, reason: expect.stringMatching(/invalid JSON/), line: 3, column: 13 }]);
    await store.close();
  });

  it('refuses a zip bomb by its declared size, before inflating it', async () => {
    // 20 MiB of zeros deflate to about 20 KiB.
    const zip = writeZip('bomb.zip', [{ name: 'bomb.json', data: Buffer.alloc(20 * 1024 * 1024) }]);
    const err = await rejection(collect(zip));
    expect(err.file).toBe(`${zip}!bomb.json`);
    expect(err.message).toMatch(/declares 20971520 bytes, more than the limit of 16777216/);

    // Through the import: the whole import fails and nothing is written.
    const store = openSqliteVulnStore(':memory:');
    const good = writeZip('good.zip', corpusEntries().slice(0, 3));
    await expect(importOsv(store, [good, zip])).rejects.toThrow(/zip bomb/);
    expect((await store.status()).advisories).toBe(0);
    await store.close();
  });

  it('refuses an entry whose header lies about its size', async () => {
    const zip = writeZip('liar.zip', [{ name: 'liar.json', data: Buffer.alloc(64 * 1024, 0x20), declaredSize: 100 }]);
    const err = await rejection(collect(zip));
    expect(err.file).toBe(`${zip}!liar.json`);
    expect(err.message).toMatch(/corrupt zip entry|inflates past/);
  });

  it('stops inflating an entry that lies about its size at the limit', async () => {
    const zip = writeZip('liar-bomb.zip', [{ name: 'liar.json', data: Buffer.alloc(20 * 1024 * 1024), declaredSize: 100 }]);
    const err = await rejection(collect(zip));
    expect(err.file).toBe(`${zip}!liar.json`);
    expect(err.message).toMatch(/inflates past the limit of 16777216 bytes/);
  });

  it('reads stored (uncompressed) entries and UTF-8 names', async () => {
    const zip = writeZip('stored.zip', [{ name: 'ünï.json', data: Buffer.from('{"a":1}'), stored: true }]);
    expect(await collect(zip)).toEqual(['ünï.json:7']);
  });

  it('bounds the number of entries and the entry size by the limits given', async () => {
    const zip = writeZip(
      'many.zip',
      [1, 2, 3].map((i) => ({ name: `${i}.json`, data: Buffer.from('{}') })),
    );
    expect(await collect(zip)).toEqual(['1.json:2', '2.json:2', '3.json:2']);
    expect((await rejection(collect(zip, { maxEntries: 2, maxEntrySize: 100 }))).message).toMatch(/3 entries, more than the limit of 2/);
    expect((await rejection(collect(zip, { maxEntries: 10, maxEntrySize: 1 }))).message).toMatch(/declares 2 bytes/);
  });

  it('names the archive of a truncated or non-zip file', async () => {
    const whole = makeZip(corpusEntries());
    const cases: [string, Buffer][] = [
      ['truncated.zip', whole.subarray(0, Math.floor(whole.length / 2))],
      ['no-eocd.zip', whole.subarray(0, whole.length - 10)],
      ['text.zip', Buffer.from('hello, this is not a zip archive at all')],
      ['empty.zip', Buffer.alloc(0)],
    ];
    for (const [name, bytes] of cases) {
      const file = path.join(tmp, name);
      writeFileSync(file, bytes);
      const err = await rejection(collect(file));
      expect(err.file).toBe(file);
      expect(err.message).toMatch(/zip/);
    }
  });

  it('names the entry when the central directory points past the data', async () => {
    const whole = makeZip(corpusEntries().slice(0, 2));
    // Keep the central directory and end record but cut into the second entry's data.
    const cd = whole.readUInt32LE(whole.length - 22 + 16);
    const cut = Buffer.concat([whole.subarray(0, 200), Buffer.alloc(cd - 200, 0), whole.subarray(cd)]);
    const file = path.join(tmp, 'holes.zip');
    writeFileSync(file, cut);
    const err = await rejection(collect(file));
    expect(err.file).toMatch(/holes\.zip!/);
    expect(err.message).toMatch(/corrupt zip entry/);
  });

  it('refuses a zip holding no .json records', async () => {
    const zip = writeZip('nojson.zip', [{ name: 'a.txt', data: Buffer.from('x') }]);
    const items = [];
    await expect(
      (async () => {
        for await (const i of osvSourceReader()([zip])) items.push(i);
      })(),
    ).rejects.toThrow(/no \.json records/);
  });

  it('refuses 20,000 central-directory entries pointing at one deflate stream, before inflating any', async () => {
    const file = path.join(tmp, 'overlap.zip');
    writeFileSync(file, overlappingZip(20_000, 1024 * 1024));
    const started = Date.now();
    const err = await rejection(collect(file));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.file).toBe(`${file}!0.json`);
    expect(err.message).toMatch(/overlaps entry "1\.json"/);
  });

  it('refuses entries whose data runs into the next entry or into the central directory', async () => {
    // Offsets 0 and 10: distinct, but the second starts inside the first one's local header.
    const inside = path.join(tmp, 'inside.zip');
    writeFileSync(
      inside,
      overlappingZip(2, 1000, (i) => i * 10),
    );
    expect((await rejection(collect(inside))).message).toMatch(/overlaps entry/);
    // One entry whose declared compressed size reaches into the central directory.
    const honest = makeZip([{ name: 'a.json', data: Buffer.from('{"a":1}'), stored: true }]);
    const cdAt = honest.readUInt32LE(honest.length - 22 + 16);
    honest.writeUInt32LE(cdAt + 4, cdAt + 20);
    const intoCd = path.join(tmp, 'into-cd.zip');
    writeFileSync(intoCd, honest);
    const err = await rejection(collect(intoCd));
    expect(err.file).toBe(`${intoCd}!a.json`);
    expect(err.message).toMatch(/overlaps the central directory/);
  });

  it('bounds the total inflated size and names the entry that crosses it', async () => {
    const zip = writeZip(
      'total.zip',
      [1, 2, 3].map((i) => ({ name: `${i}.json`, data: Buffer.alloc(100, 0x20) })),
    );
    expect(await collect(zip, { maxTotalSize: 300 })).toHaveLength(3);
    const err = await rejection(collect(zip, { maxTotalSize: 250 }));
    expect(err.file).toBe(`${zip}!3.json`);
    expect(err.message).toMatch(/more than the limit of 250 bytes in all/);
  });

  it('refuses a named pipe given as an archive without blocking', async () => {
    const fifo = path.join(tmp, 'pipe.zip');
    execFileSync('mkfifo', [fifo]);
    await expect(collect(fifo)).rejects.toThrow(/named pipe/);
  });

  it('any corruption of an archive ends as entries or an InputError naming the archive, quickly', async () => {
    const whole = makeZip(corpusEntries().slice(0, 4));
    const file = path.join(tmp, 'mutated.zip');
    // Half the edits land in the central directory and end record, where offsets and sizes live.
    const cdAt = whole.readUInt32LE(whole.length - 22 + 16);
    const position = fc.oneof(fc.nat({ max: whole.length - 1 }), fc.integer({ min: cdAt, max: whole.length - 1 }));
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(position, fc.integer({ min: 0, max: 255 })), { minLength: 1, maxLength: 8 }), async (edits) => {
        const bytes = Buffer.from(whole);
        for (const [at, value] of edits) bytes[at] = value;
        writeFileSync(file, bytes);
        const started = Date.now();
        try {
          await collect(file);
        } catch (err) {
          expect(err).toBeInstanceOf(InputError);
          expect((err as InputError).file?.startsWith(file)).toBe(true);
        }
        expect(Date.now() - started).toBeLessThan(1000);
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});
