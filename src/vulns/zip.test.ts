import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateRawSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { InputError } from '../model/errors.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import { importOsv } from './import.js';
import { osvSourceReader } from './osv-sources.js';
import { readZipEntries } from './zip.js';

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

async function collect(file: string, limits?: { maxEntrySize: number; maxEntries: number }): Promise<string[]> {
  const names: string[] = [];
  for await (const e of readZipEntries(file, () => true, limits)) names.push(`${e.name}:${e.bytes.length}`);
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

describe('zip import', () => {
  it('imports an all.zip built from the corpus exactly like the directories', async () => {
    const zip = writeZip('all.zip', [...corpusEntries(), { name: 'README.txt', data: Buffer.from('not json') }, { name: 'dir/', data: Buffer.alloc(0), stored: true }]);
    const fromZip = openSqliteVulnStore(':memory:');
    const fromDirs = openSqliteVulnStore(':memory:');
    const r = await importOsv(fromZip, [zip]);
    expect(r).toMatchObject({ imported: 25, updated: 0, skipped: 0, invalidCount: 0 });
    await importOsv(fromDirs, ['npm', 'debian', 'alpine'].map((e) => path.join(corpus, e)));
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
    const zip = writeZip('many.zip', [1, 2, 3].map((i) => ({ name: `${i}.json`, data: Buffer.from('{}') })));
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
});
