/**
 * A small tar reader for image blobs: ustar, pax (`x`/`g`) and GNU long names (`L`/`K`).
 *
 * Two entry points share one header parser:
 * - {@link TarWalker}: a push parser for a layer stream. It is synchronous per chunk (no promise
 *   per entry), and hands each body to a sink chosen by the caller from the header, so bodies the
 *   caller does not need are skipped without copying.
 * - `parseHeader` + `parsePax`, used by the outer-archive indexer (random access by offset).
 *
 * Hostile input is bounded: pax and GNU long-name bodies are capped, header checksums are checked,
 * and every error carries the byte offset where it was found.
 */

export const BLOCK = 512;

export type TarEntryType = 'file' | 'hardlink' | 'symlink' | 'directory' | 'other';

export interface TarHeader {
  name: string;
  linkName: string;
  /** Permission and set-id bits (`0o7777`), as stored. */
  mode: number;
  size: number;
  type: TarEntryType;
  /** Raw type flag byte as a character, for meta entries (`x`, `g`, `L`, `K`). */
  flag: string;
  /** Offset of the header block in the (uncompressed) tar stream. */
  offset: number;
}

/** Thrown for malformed tar data; callers wrap it with the archive or layer name. */
export class TarFormatError extends Error {
  override readonly name: string = 'TarFormatError';
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

function cString(buf: Uint8Array, start: number, len: number): string {
  let end = start;
  const max = start + len;
  while (end < max && buf[end] !== 0) end++;
  return Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
}

/** Octal number field, or GNU base-256 when the high bit of the first byte is set. */
function numField(buf: Uint8Array, start: number, len: number): number {
  const first = buf[start] ?? 0;
  if (first & 0x80) {
    // Base-256: big-endian two's complement; negative sizes are nonsense here.
    if (first & 0x40) return -1;
    let n = first & 0x3f;
    for (let i = start + 1; i < start + len; i++) n = n * 256 + (buf[i] ?? 0);
    return n;
  }
  let n = 0;
  let seen = false;
  for (let i = start; i < start + len; i++) {
    const c = buf[i] ?? 0;
    if (c === 0 || (c === 0x20 && seen)) break;
    if (c === 0x20) continue;
    if (c < 0x30 || c > 0x37) return -1;
    n = n * 8 + (c - 0x30);
    seen = true;
  }
  return n;
}

export function isZeroBlock(buf: Uint8Array, start: number): boolean {
  for (let i = start; i < start + BLOCK; i++) if (buf[i] !== 0) return false;
  return true;
}

function typeOf(flag: string): TarEntryType {
  switch (flag) {
    case '0':
    case '\0':
    case '7':
      return 'file';
    case '1':
      return 'hardlink';
    case '2':
      return 'symlink';
    case '5':
      return 'directory';
    default:
      return 'other';
  }
}

/** Parse the 512-byte header at `buf[start]`; `offset` is its position, for messages. */
export function parseHeader(buf: Uint8Array, start: number, offset: number): TarHeader {
  const stored = numField(buf, start + 148, 8);
  let sum = 0;
  for (let i = start; i < start + BLOCK; i++) sum += i >= start + 148 && i < start + 156 ? 0x20 : (buf[i] ?? 0);
  if (stored < 0 || stored !== sum) {
    throw new TarFormatError(`bad tar header checksum at byte ${offset}`, offset);
  }
  const flag = String.fromCharCode(buf[start + 156] ?? 0);
  let name = cString(buf, start, 100);
  // ustar ("ustar\0") has a 155-byte name prefix; old GNU ("ustar  \0") uses that space otherwise.
  const ustar = buf[start + 257] === 0x75 && buf[start + 262] === 0 && buf[start + 263] === 0x30 && buf[start + 264] === 0x30;
  if (ustar) {
    const prefix = cString(buf, start + 345, 155);
    if (prefix) name = `${prefix}/${name}`;
  }
  const size = numField(buf, start + 124, 12);
  const mode = numField(buf, start + 100, 8);
  // Base-256 sizes can exceed what a double holds exactly: such a size is nonsense, not a file.
  if (size < 0 || mode < 0 || !Number.isSafeInteger(size))
    throw new TarFormatError(`bad numeric field in tar header at byte ${offset}`, offset);
  return {
    name,
    linkName: cString(buf, start + 157, 100),
    mode: mode & 0o7777,
    size,
    type: typeOf(flag),
    flag,
    offset,
  };
}

/** Parse pax extended-header records (`<len> key=value\n`). */
export function parsePax(body: Buffer, offset: number): Map<string, string> {
  const out = new Map<string, string>();
  let i = 0;
  while (i < body.length) {
    if (body[i] === 0) break; // padding
    const space = body.indexOf(0x20, i);
    if (space < 0) throw new TarFormatError(`malformed pax record at byte ${offset + i}`, offset + i);
    const len = Number(body.toString('latin1', i, space));
    if (!Number.isInteger(len) || len <= space - i || i + len > body.length) {
      throw new TarFormatError(`malformed pax record length at byte ${offset + i}`, offset + i);
    }
    const record = body.toString('utf8', space + 1, i + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out.set(record.slice(0, eq), record.slice(eq + 1));
    i += len;
  }
  return out;
}

/** What the walker does with an entry's body. */
export interface BodySink {
  /** Called with consecutive slices of the body (views into the input chunk: copy to keep). */
  data(chunk: Buffer): void;
  /** Called once the whole body was delivered. */
  end(): void;
}

export interface WalkerHandlers {
  /** Return a sink to receive the body, or undefined to skip it. */
  entry(header: TarHeader): BodySink | undefined;
}

export interface WalkerLimits {
  /** Largest pax / GNU long-name body accepted. */
  maxMetaBytes: number;
}

type State = 'header' | 'body' | 'meta' | 'pad' | 'done';

/**
 * Push parser over an uncompressed tar stream. Call `push(chunk)` for each chunk and `finish()` at
 * the end; both throw {@link TarFormatError} on malformed or truncated input.
 */
export class TarWalker {
  /** Bytes consumed so far (position in the tar stream). */
  position = 0;
  private state: State = 'header';
  private headerBuf = Buffer.alloc(BLOCK);
  private headerFill = 0;
  private remaining = 0;
  private pad = 0;
  private sink: BodySink | undefined;
  private current: TarHeader | undefined;
  private metaParts: Buffer[] = [];
  private pax = new Map<string, string>();
  private longName: string | undefined;
  private longLink: string | undefined;
  private sawZero = false;

  /** Name of the entry whose body is being read, for error messages. */
  get currentName(): string | undefined {
    return this.current?.name;
  }

  constructor(
    private readonly handlers: WalkerHandlers,
    private readonly limits: WalkerLimits,
  ) {}

  push(chunk: Buffer): void {
    let i = 0;
    const n = chunk.length;
    while (i < n) {
      switch (this.state) {
        case 'header': {
          if (this.headerFill === 0 && n - i >= BLOCK) {
            // Fast path: the whole header is inside this chunk.
            this.onHeader(chunk, i);
            i += BLOCK;
            this.position += BLOCK;
          } else {
            const take = Math.min(BLOCK - this.headerFill, n - i);
            chunk.copy(this.headerBuf, this.headerFill, i, i + take);
            this.headerFill += take;
            i += take;
            this.position += take;
            if (this.headerFill === BLOCK) {
              this.headerFill = 0;
              this.onHeader(this.headerBuf, 0);
            }
          }
          break;
        }
        case 'body':
        case 'meta': {
          const take = Math.min(this.remaining, n - i);
          const slice = chunk.subarray(i, i + take);
          if (this.state === 'meta') this.metaParts.push(Buffer.from(slice));
          else this.sink?.data(slice);
          i += take;
          this.position += take;
          this.remaining -= take;
          if (this.remaining === 0) this.endBody();
          break;
        }
        case 'pad': {
          const take = Math.min(this.pad, n - i);
          i += take;
          this.position += take;
          this.pad -= take;
          if (this.pad === 0) this.state = 'header';
          break;
        }
        case 'done':
          // Trailing zero blocks / padding after the end-of-archive marker.
          this.position += n - i;
          i = n;
          break;
      }
    }
  }

  /** Check the stream ended at an entry boundary. */
  finish(): void {
    if (this.state === 'done') return;
    if (this.state === 'header' && this.headerFill === 0) return; // missing end marker: tolerated, as tar does
    if (this.state === 'pad') return; // padding of the last entry cut short; body is complete
    throw new TarFormatError(`tar stream truncated at byte ${this.position}`, this.position);
  }

  private onHeader(buf: Uint8Array, start: number): void {
    // The fast path calls before advancing `position`; the carry path after.
    const headerOffset = buf === this.headerBuf ? this.position - BLOCK : this.position;
    if (isZeroBlock(buf, start)) {
      // Two zero blocks end the archive; one is enough to stop reading entries.
      if (this.sawZero) this.state = 'done';
      this.sawZero = true;
      return;
    }
    if (this.sawZero) this.sawZero = false;
    const h = parseHeader(buf, start, headerOffset);
    this.pad = (BLOCK - (h.size % BLOCK)) % BLOCK;
    if (h.flag === 'x' || h.flag === 'g' || h.flag === 'L' || h.flag === 'K') {
      if (h.size > this.limits.maxMetaBytes) {
        throw new TarFormatError(
          `tar ${h.flag === 'x' || h.flag === 'g' ? 'pax' : 'GNU long-name'} header of ${h.size} bytes at byte ${headerOffset} exceeds the limit of ${this.limits.maxMetaBytes}`,
          headerOffset,
        );
      }
      this.current = h;
      this.metaParts = [];
      this.remaining = h.size;
      this.state = 'meta';
      if (h.size === 0) this.endBody();
      return;
    }
    if (this.pax.size > 0) {
      const path = this.pax.get('path');
      if (path !== undefined) h.name = path;
      const linkPath = this.pax.get('linkpath');
      if (linkPath !== undefined) h.linkName = linkPath;
      const size = this.pax.get('size');
      if (size !== undefined) {
        const s = Number(size);
        if (!Number.isSafeInteger(s) || s < 0) throw new TarFormatError(`bad pax size at byte ${headerOffset}`, headerOffset);
        h.size = s;
        this.pad = (BLOCK - (s % BLOCK)) % BLOCK;
      }
      this.pax = new Map();
    }
    if (this.longName !== undefined) {
      h.name = this.longName;
      this.longName = undefined;
    }
    if (this.longLink !== undefined) {
      h.linkName = this.longLink;
      this.longLink = undefined;
    }
    // Only regular files carry a body in practice; links and directories with a size are skipped.
    this.current = h;
    this.sink = this.handlers.entry(h);
    this.remaining = h.size;
    this.state = 'body';
    if (h.size === 0) this.endBody();
  }

  private endBody(): void {
    const h = this.current;
    if (this.state === 'meta' && h) {
      const body = Buffer.concat(this.metaParts);
      this.metaParts = [];
      if (h.flag === 'x') this.pax = parsePax(body, h.offset + BLOCK);
      else if (h.flag === 'L') this.longName = cString(body, 0, body.length);
      else if (h.flag === 'K') this.longLink = cString(body, 0, body.length);
      // 'g' (global) records carry nothing an image reader needs.
    } else {
      this.sink?.end();
      this.sink = undefined;
    }
    this.current = undefined;
    this.state = this.pad > 0 ? 'pad' : 'header';
  }
}
