/**
 * RPM header blobs as rpmdb stores them (rpm's `headerExport`): a big-endian
 * `int32 il` (index entries), `int32 dl` (data bytes), `il` 16-byte entries
 * `{int32 tag, int32 type, int32 offset, int32 count}`, then `dl` bytes of data. The 8-byte header
 * magic of package files is not stored in the database. Every offset is bounds-checked: a blob is
 * foreign input.
 *
 * Reference: rpm's lib/header.c and include/rpm/rpmtag.h (tag numbers, types).
 */

export const RPMTAG = {
  NAME: 1000,
  VERSION: 1001,
  RELEASE: 1002,
  EPOCH: 1003,
  LICENSE: 1014,
  ARCH: 1022,
  SOURCERPM: 1044,
} as const;

export const RPM_TYPE = { INT32: 4, STRING: 6, STRING_ARRAY: 8, I18NSTRING: 9 } as const;

/** rpm's own sanity limits (lib/header.c: HEADER_TAGS_MAX / HEADER_DATA_MAX). */
const MAX_ENTRIES = 0xffff;
const MAX_DATA = 256 * 1024 * 1024;

export class RpmHeaderError extends Error {
  override readonly name = 'RpmHeaderError';
}

export interface RpmHeader {
  /** First string of a STRING / STRING_ARRAY / I18NSTRING tag. */
  string(tag: number): string | undefined;
  /** First value of an INT32 tag. */
  int32(tag: number): number | undefined;
}

export function parseRpmHeader(blob: Uint8Array): RpmHeader {
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  if (blob.byteLength < 8) throw new RpmHeaderError(`header blob of ${blob.byteLength} bytes is shorter than its 8-byte preamble`);
  const il = view.getUint32(0);
  const dl = view.getUint32(4);
  if (il > MAX_ENTRIES || dl > MAX_DATA) throw new RpmHeaderError(`header claims ${il} entries and ${dl} data bytes, over rpm's limits`);
  const dataStart = 8 + il * 16;
  if (dataStart + dl > blob.byteLength) {
    throw new RpmHeaderError(`header claims ${il} entries and ${dl} data bytes but the blob has ${blob.byteLength} bytes`);
  }
  const entries = new Map<number, { type: number; offset: number; count: number }>();
  for (let i = 0; i < il; i++) {
    const at = 8 + i * 16;
    const tag = view.getInt32(at);
    // The first of duplicate tags wins, as rpm's own lookup does for sorted indexes.
    if (!entries.has(tag)) entries.set(tag, { type: view.getInt32(at + 4), offset: view.getInt32(at + 8), count: view.getInt32(at + 12) });
  }
  const data = blob.subarray(dataStart, dataStart + dl);
  const decoder = new TextDecoder('utf-8');
  return {
    string(tag) {
      const e = entries.get(tag);
      if (!e) return undefined;
      if (e.type !== RPM_TYPE.STRING && e.type !== RPM_TYPE.STRING_ARRAY && e.type !== RPM_TYPE.I18NSTRING) {
        throw new RpmHeaderError(`tag ${tag} has type ${e.type}, not a string`);
      }
      if (e.offset < 0 || e.offset >= data.length)
        throw new RpmHeaderError(`tag ${tag}: offset ${e.offset} is outside the ${data.length}-byte data`);
      const end = data.indexOf(0, e.offset);
      if (end < 0) throw new RpmHeaderError(`tag ${tag}: string at offset ${e.offset} is not NUL-terminated`);
      return decoder.decode(data.subarray(e.offset, end));
    },
    int32(tag) {
      const e = entries.get(tag);
      if (!e) return undefined;
      if (e.type !== RPM_TYPE.INT32) throw new RpmHeaderError(`tag ${tag} has type ${e.type}, not INT32`);
      if (e.count < 1 || e.offset < 0 || e.offset + 4 > data.length)
        throw new RpmHeaderError(`tag ${tag}: offset ${e.offset} is outside the data`);
      return new DataView(data.buffer, data.byteOffset, data.byteLength).getUint32(e.offset);
    },
  };
}

/** `bash-5.1.8-6.el9.src.rpm` → name `bash`, version `5.1.8-6.el9`. */
export function parseSourceRpm(file: string): { name: string; version: string } | undefined {
  const base = file.replace(/\.(?:no)?src\.rpm$/, '');
  const r = base.lastIndexOf('-');
  if (r <= 0) return undefined;
  const v = base.lastIndexOf('-', r - 1);
  if (v <= 0) return undefined;
  return { name: base.slice(0, v), version: base.slice(v + 1) };
}
