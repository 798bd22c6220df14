/**
 * Reading zip archives (OSV's per-ecosystem `all.zip` exports), bounded against hostile input.
 *
 * A minimal reader of the format (PKWARE APPNOTE.TXT): the end-of-central-directory record
 * (and its zip64 form), the central directory, local headers, stored and deflated entries. Not
 * supported: encryption, other compression methods, multi-disk archives. A general-purpose
 * library was tried first; streaming each of 100,000 small entries through it cost 20 s, most of
 * an import's budget, while this reader inflates each entry in one call.
 *
 * Bounds: the central directory is read whole up to 256 MiB; at most `maxEntries` entries; an
 * entry may hold at most `maxEntrySize` bytes — checked against the size the central directory
 * declares before reading, against the compressed size, and while inflating (the output is
 * capped, so a header that lies cannot inflate more); all entries together at most
 * `maxTotalSize` inflated bytes. Entries must not overlap: an archive whose central directory
 * points many entries at one deflate stream (a "non-recursive zip bomb") is refused before
 * anything is inflated, so work stays proportional to the archive's size. Memory stays at one
 * entry plus a read window, whatever the archive size. CRC-32 is not verified: a damaged entry
 * still fails as JSON or as a schema violation, and is reported then.
 */
import type { FileHandle } from 'node:fs/promises';
import { inflateRawSync } from 'node:zlib';
import { InputError } from '../model/errors.js';
import { openInputFile } from '../io/read-input.js';
import { errorMessage } from '../model/errors.js';

export const ZIP_LIMITS = {
  /** The largest OSV record seen is under 2 MiB; 16 MiB leaves room and bounds one inflation. */
  maxEntrySize: 16 * 1024 * 1024,
  /** OSV's largest per-ecosystem export holds a few hundred thousand records. */
  maxEntries: 1_000_000,
  /** The whole OSV export (every ecosystem) inflates to a few GiB; this bounds an import's work. */
  maxTotalSize: 16 * 1024 * 1024 * 1024,
} as const;

export interface ZipLimits {
  maxEntrySize: number;
  maxEntries: number;
  /** Inflated bytes of all entries read, together. */
  maxTotalSize: number;
}

export interface ZipEntry {
  name: string;
  bytes: Buffer;
}

const MAX_CENTRAL_DIRECTORY = 256 * 1024 * 1024;
const WINDOW = 4 * 1024 * 1024;
const SIG_EOCD = 0x06054b50;
const SIG_ZIP64_EOCD = 0x06064b50;
const SIG_ZIP64_LOCATOR = 0x07064b50;
const SIG_CENTRAL = 0x02014b50;
const SIG_LOCAL = 0x04034b50;

interface CentralEntry {
  name: string;
  flags: number;
  method: number;
  compressedSize: number;
  size: number;
  offset: number;
}

/**
 * The file entries of the archive at `file` whose names pass `wanted`, in the order their data
 * is stored. Throws InputError naming the archive (or `archive!entry`) on a corrupt, truncated,
 * oversized or unsupported one.
 */
export async function* readZipEntries(
  file: string,
  wanted: (name: string) => boolean,
  limits: ZipLimits = ZIP_LIMITS,
): AsyncGenerator<ZipEntry> {
  // Refuses FIFOs, devices and directories without blocking; random access needs a regular file.
  const { handle: fh, size } = await openInputFile(file, 'zip archive');
  try {
    const reader = new WindowReader(fh, size, file);
    const { entries, cdOffset } = await readCentralDirectory(reader, size, file, limits);
    entries.sort((a, b) => a.offset - b.offset || compareNames(a.name, b.name));
    refuseOverlaps(entries, cdOffset, file);
    let total = 0;
    for (const [i, e] of entries.entries()) {
      if (e.name.endsWith('/') || !wanted(e.name)) continue;
      const where = `${file}!${e.name}`;
      // Where the next entry (or the central directory) starts: this one's data must end before.
      const limit = entries[i + 1]?.offset ?? cdOffset;
      const bytes = await readEntry(reader, e, where, limits.maxEntrySize, limit);
      total += bytes.length;
      if (total > limits.maxTotalSize) {
        throw new InputError(`zip archive inflates to more than the limit of ${limits.maxTotalSize} bytes in all (zip bomb?)`, where);
      }
      yield { name: e.name, bytes };
    }
  } finally {
    await fh.close();
  }
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Entries sorted by offset must not share bytes: each needs at least its 30-byte local header and
 * its compressed data before the next one (or the central directory) starts. Checked on the
 * central directory alone, before anything is read or inflated.
 */
function refuseOverlaps(sorted: readonly CentralEntry[], cdOffset: number, file: string): void {
  for (const [i, e] of sorted.entries()) {
    const next = sorted[i + 1];
    const end = e.offset + 30 + e.compressedSize;
    if (next && end > next.offset) {
      throw new InputError(
        `zip entry overlaps entry ${JSON.stringify(next.name)} (both point at the same bytes: zip bomb?)`,
        `${file}!${e.name}`,
      );
    }
    if (!next && end > cdOffset) throw new InputError('zip entry overlaps the central directory', `${file}!${e.name}`);
  }
}

async function readCentralDirectory(
  reader: WindowReader,
  size: number,
  file: string,
  limits: ZipLimits,
): Promise<{ entries: CentralEntry[]; cdOffset: number }> {
  // The end record sits in the last 22 bytes plus a comment of at most 65,535 bytes.
  const tailStart = Math.max(0, size - 22 - 0xffff);
  const tail = await reader.readAt(tailStart, size - tailStart);
  let at = -1;
  for (let i = tail.length - 22; i >= 0; i--) {
    if (tail.readUInt32LE(i) === SIG_EOCD && i + 22 + tail.readUInt16LE(i + 20) <= tail.length) {
      at = i;
      break;
    }
  }
  if (at < 0) throw new InputError('not a zip archive, or truncated: no end-of-central-directory record', file);
  let count: number = tail.readUInt16LE(at + 10);
  let cdSize: number = tail.readUInt32LE(at + 12);
  let cdOffset: number = tail.readUInt32LE(at + 16);
  if (tail.readUInt16LE(at + 4) !== 0 || tail.readUInt16LE(at + 6) !== 0)
    throw new InputError('multi-disk zip archives are not supported', file);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locAt = tailStart + at - 20;
    if (locAt < 0) throw new InputError('corrupt zip64 archive: no zip64 locator', file);
    const loc = await reader.readAt(locAt, 20);
    if (loc.readUInt32LE(0) !== SIG_ZIP64_LOCATOR) throw new InputError('corrupt zip64 archive: no zip64 locator', file);
    const recAt = toSafe(loc.readBigUInt64LE(8), file);
    if (recAt + 56 > size) throw new InputError('corrupt zip64 archive: end record past the end of the file', file);
    const rec = await reader.readAt(recAt, 56);
    if (rec.readUInt32LE(0) !== SIG_ZIP64_EOCD) throw new InputError('corrupt zip64 archive: bad end record', file);
    count = toSafe(rec.readBigUInt64LE(32), file);
    cdSize = toSafe(rec.readBigUInt64LE(40), file);
    cdOffset = toSafe(rec.readBigUInt64LE(48), file);
  }
  if (count > limits.maxEntries)
    throw new InputError(`zip archive has ${count} entries, more than the limit of ${limits.maxEntries}`, file);
  if (cdSize > MAX_CENTRAL_DIRECTORY)
    throw new InputError(`zip central directory is ${cdSize} bytes, more than the limit of ${MAX_CENTRAL_DIRECTORY}`, file);
  if (cdOffset + cdSize > size) throw new InputError('truncated zip archive: the central directory lies past the end of the file', file);

  const cd = await reader.readAt(cdOffset, cdSize);
  const entries: CentralEntry[] = [];
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cd.length || cd.readUInt32LE(p) !== SIG_CENTRAL)
      throw new InputError(`corrupt zip central directory at entry ${i + 1}`, file);
    const nameLen = cd.readUInt16LE(p + 28);
    const extraLen = cd.readUInt16LE(p + 30);
    const commentLen = cd.readUInt16LE(p + 32);
    const end = p + 46 + nameLen + extraLen + commentLen;
    if (end > cd.length) throw new InputError(`corrupt zip central directory at entry ${i + 1}`, file);
    const flags = cd.readUInt16LE(p + 8);
    // Bit 11: UTF-8 names; otherwise CP437, which for the ASCII names OSV uses reads the same.
    const name = cd.toString(flags & 0x800 ? 'utf8' : 'latin1', p + 46, p + 46 + nameLen);
    let size32: number = cd.readUInt32LE(p + 24);
    let compressed: number = cd.readUInt32LE(p + 20);
    let offset: number = cd.readUInt32LE(p + 42);
    if (size32 === 0xffffffff || compressed === 0xffffffff || offset === 0xffffffff) {
      const z64 = zip64Extra(cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen));
      let q = 0;
      const next = (): number => {
        if (!z64 || q + 8 > z64.length) throw new InputError('corrupt zip64 extra field', `${file}!${name}`);
        const v = toSafe(z64.readBigUInt64LE(q), file);
        q += 8;
        return v;
      };
      if (size32 === 0xffffffff) size32 = next();
      if (compressed === 0xffffffff) compressed = next();
      if (offset === 0xffffffff) offset = next();
    }
    entries.push({ name, flags, method: cd.readUInt16LE(p + 10), compressedSize: compressed, size: size32, offset });
    p = end;
  }
  return { entries, cdOffset };
}

function zip64Extra(extra: Buffer): Buffer | undefined {
  let p = 0;
  while (p + 4 <= extra.length) {
    const id = extra.readUInt16LE(p);
    const len = extra.readUInt16LE(p + 2);
    if (id === 0x0001) return extra.subarray(p + 4, Math.min(extra.length, p + 4 + len));
    p += 4 + len;
  }
  return undefined;
}

async function readEntry(reader: WindowReader, e: CentralEntry, where: string, max: number, nextStart: number): Promise<Buffer> {
  if (e.size > max) throw new InputError(`zip entry declares ${e.size} bytes, more than the limit of ${max} (zip bomb?)`, where);
  if (e.flags & 0x1) throw new InputError('zip entry is encrypted', where);
  if (e.method !== 0 && e.method !== 8) throw new InputError(`zip entry uses unsupported compression method ${e.method}`, where);
  // Deflate never expands by more than a few bytes per 16 KiB block.
  if (e.compressedSize > max + (max >> 8) + 1024)
    throw new InputError(`zip entry is ${e.compressedSize} bytes compressed, more than the limit`, where);
  if (e.offset + 30 > reader.size) throw new InputError('truncated zip archive: entry lies past the end of the file', where);
  const local = await reader.readAt(e.offset, 30);
  if (local.readUInt32LE(0) !== SIG_LOCAL) throw new InputError('corrupt zip entry: bad local header signature', where);
  const dataAt = e.offset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28);
  if (dataAt + e.compressedSize > reader.size)
    throw new InputError('truncated zip archive: entry data lies past the end of the file', where);
  if (dataAt + e.compressedSize > nextStart)
    throw new InputError('zip entry overlaps the next entry or the central directory (zip bomb?)', where);
  const compressed = await reader.readAt(dataAt, e.compressedSize);
  let data: Buffer;
  if (e.method === 0) {
    data = Buffer.from(compressed);
  } else {
    try {
      // The output cap makes a lying header harmless: inflation stops at `max` bytes.
      data = inflateRawSync(compressed, { maxOutputLength: Math.max(1, max) });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ERR_BUFFER_TOO_LARGE' || err instanceof RangeError) {
        throw new InputError(`zip entry inflates past the limit of ${max} bytes (zip bomb?)`, where, undefined, undefined, { cause: err });
      }
      throw new InputError(`corrupt zip entry: ${errorMessage(err)}`, where, undefined, undefined, { cause: err });
    }
  }
  if (data.length !== e.size) {
    throw new InputError(`corrupt zip entry: ${data.length} bytes where the central directory declares ${e.size}`, where);
  }
  return data;
}

function toSafe(v: bigint, file: string): number {
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new InputError('corrupt zip64 archive: offset or size out of range', file);
  return Number(v);
}

/**
 * Positioned reads through a window of the file: entries are stored one after another, so reading
 * them in offset order costs one system call per 4 MiB instead of three per entry.
 */
class WindowReader {
  private start = 0;
  private buf = Buffer.alloc(0);

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    private readonly file: string,
  ) {}

  async readAt(pos: number, length: number): Promise<Buffer> {
    if (pos >= this.start && pos + length <= this.start + this.buf.length) {
      return this.buf.subarray(pos - this.start, pos - this.start + length);
    }
    const want = Math.min(Math.max(length, WINDOW), this.size - pos);
    const buf = Buffer.allocUnsafe(want);
    let got = 0;
    while (got < want) {
      const { bytesRead } = await this.fh.read(buf, got, want - got, pos + got);
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got < length) throw new InputError('truncated zip archive: unexpected end of file', this.file);
    this.start = pos;
    this.buf = buf.subarray(0, got);
    return this.buf.subarray(0, length);
  }
}
