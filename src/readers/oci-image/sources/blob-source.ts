/**
 * Random access to the named files of an image transport (an OCI layout directory or an outer tar
 * archive), without extracting anything. The archive is indexed once by reading its headers only
 * (bodies are skipped by position); each blob is then streamed by its byte range.
 */
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import path from 'node:path';
import { Readable } from 'node:stream';
import { InputError } from '../../../model/errors.js';
import type { FileRange } from './hasher.js';
import { errnoWords, kindOf, openRegular } from './local-path.js';
import { BLOCK, TarFormatError, isZeroBlock, parseHeader, parsePax } from './tar.js';

/** Read buffer for blob streams: large reads keep syscall and event-loop overhead low. */
export const READ_CHUNK = 1 << 20;

export interface BlobSource {
  /** What the user named (`oci-archive:img.tar`), for messages. */
  readonly display: string;
  /** Size of a named file, or undefined when absent. */
  size(name: string): Promise<number | undefined>;
  /** Whole contents of a small file; InputError when absent or larger than `max`. */
  read(name: string, max: number): Promise<Buffer>;
  /** Up to `n` first bytes of a file (for sniffing the compression). */
  head(name: string, n: number): Promise<Buffer>;
  /** Stream a file's bytes (caller must consume or destroy it). */
  stream(name: string): Readable;
  /** Where a file's bytes are on disk (for hashing on another thread), when they are. */
  locate(name: string): Promise<FileRange | undefined>;
}

/** `./a/b`, `/a/b` and `a//b` name the same archive member. */
export function normaliseMember(name: string): string {
  return name
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/');
}

function assertInside(name: string, display: string): string {
  const n = normaliseMember(name);
  if (n === '' || n.split('/').includes('..')) {
    throw new InputError(`refusing member name ${JSON.stringify(name)} that leaves the image`, display);
  }
  return n;
}

/** An OCI image layout directory (`oci:DIR`). Only regular files are read; a FIFO or device is refused from `stat`. */
export class DirectorySource implements BlobSource {
  constructor(
    private readonly root: string,
    readonly display: string,
  ) {}

  private file(name: string): string {
    return path.join(this.root, assertInside(name, this.display));
  }

  async size(name: string): Promise<number | undefined> {
    let st;
    try {
      st = await stat(this.file(name));
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw new InputError(`cannot read ${name}: ${errnoWords(err)}`, this.display, undefined, undefined, { cause: err });
    }
    if (!st.isFile()) throw new InputError(`${name} is ${kindOf(st)}, not a regular file; it was not read`, this.display);
    return st.size;
  }

  async read(name: string, max: number): Promise<Buffer> {
    const size = await this.size(name);
    if (size === undefined) throw new InputError(`${name} is missing`, this.display);
    if (size > max) throw new InputError(`${name} is ${size} bytes, over the limit of ${max}`, this.display);
    return this.readStart(name, max + 1, (got) => {
      if (got > max) throw new InputError(`${name} grew over the limit of ${max} bytes while read`, this.display);
    });
  }

  async locate(name: string): Promise<FileRange | undefined> {
    const size = await this.size(name);
    return size === undefined ? undefined : { file: this.file(name), start: 0, length: size };
  }

  head(name: string, n: number): Promise<Buffer> {
    return this.readStart(name, n);
  }

  /** Up to `n` first bytes, read through a descriptor checked to be a regular file. */
  private async readStart(name: string, n: number, check?: (got: number) => void): Promise<Buffer> {
    const { fh, size } = await openRegular(this.file(name), this.display, name);
    try {
      const buf = Buffer.alloc(Math.min(n, size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
      check?.(bytesRead);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    // Callers checked `size` first, which refuses anything but a regular file.
    return createReadStream(this.file(name), { highWaterMark: READ_CHUNK });
  }
}

/**
 * Most members an outer archive may have. An image archive holds a few files per layer (legacy
 * docker-archive: a directory, its json, VERSION and layer.tar) and a few per platform; 500 layers
 * of 20 platforms stay far below. Indexing reads one header per member, so this bounds its time.
 */
export const MAX_ARCHIVE_MEMBERS = 50_000;

/** Pax and GNU long-name bodies read while indexing, over the whole outer archive (each is also capped). */
export const MAX_ARCHIVE_META_BYTES = 64 * 1024 ** 2;

interface Member {
  offset: number;
  size: number;
  linkName?: string;
}

/**
 * An outer tar archive (`oci-archive:`, `docker-archive:`). `open()` walks the headers with
 * positioned reads; bodies are never read during indexing.
 */
export class ArchiveSource implements BlobSource {
  private constructor(
    private readonly file: string,
    readonly display: string,
    private readonly members: Map<string, Member>,
  ) {}

  static async open(file: string, display: string, limits: { maxPaxHeaderBytes: number; maxEntries: number }): Promise<ArchiveSource> {
    const { fh, size: fileSize } = await openRegular(file, display, file);
    try {
      const members = new Map<string, Member>();
      const header = Buffer.alloc(BLOCK);
      let pos = 0;
      let pax = new Map<string, string>();
      let longName: string | undefined;
      let longLink: string | undefined;
      let zeros = 0;
      let metaBytes = 0;
      // Headers are counted, not names: a name repeated a million times costs a million reads.
      let entries = 0;
      let metas = 0;
      const maxMembers = Math.min(limits.maxEntries, MAX_ARCHIVE_MEMBERS);
      for (;;) {
        if (pos >= fileSize) break; // no end marker: tolerated, as tar does
        const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
        if (bytesRead < BLOCK) throw new InputError(`archive truncated at byte ${pos + bytesRead}`, display);
        if (isZeroBlock(header, 0)) {
          if (++zeros === 2) break;
          pos += BLOCK;
          continue;
        }
        zeros = 0;
        let h;
        try {
          h = parseHeader(header, 0, pos);
        } catch (err) {
          throw new InputError(`${(err as Error).message} of the archive`, display, undefined, undefined, { cause: err });
        }
        const bodyAt = pos + BLOCK;
        const meta = h.flag === 'x' || h.flag === 'L' || h.flag === 'K' || h.flag === 'g';
        if (meta && h.size > limits.maxPaxHeaderBytes) {
          throw new InputError(
            `archive header of ${h.size} bytes at byte ${h.offset} exceeds the limit of ${limits.maxPaxHeaderBytes}`,
            display,
          );
        }
        if (bodyAt + h.size > fileSize) {
          throw new InputError(
            `archive truncated at byte ${fileSize}: member ${JSON.stringify(h.name)} at byte ${pos} needs ${h.size} bytes`,
            display,
          );
        }
        pos = bodyAt + Math.ceil(h.size / BLOCK) * BLOCK;
        if (meta) {
          // A member has at most a few (pax, long name, long link name): more is padding the time.
          if (++metas > 3 * maxMembers) throw new InputError(`archive has more than ${3 * maxMembers} extended headers`, display);
          metaBytes += h.size;
          if (metaBytes > MAX_ARCHIVE_META_BYTES) {
            throw new InputError(`archive headers exceed ${MAX_ARCHIVE_META_BYTES} bytes in all (at byte ${h.offset})`, display);
          }
          const body = Buffer.alloc(h.size);
          await fh.read(body, 0, h.size, bodyAt);
          try {
            if (h.flag === 'x') pax = parsePax(body, bodyAt);
            else if (h.flag === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
            else if (h.flag === 'K') longLink = body.toString('utf8').replace(/\0.*$/s, '');
          } catch (err) {
            if (err instanceof TarFormatError) throw new InputError(`${err.message} of the archive`, display);
            throw err;
          }
          continue;
        }
        let name = pax.get('path') ?? longName ?? h.name;
        let linkName = pax.get('linkpath') ?? longLink ?? h.linkName;
        let size = h.size;
        const paxSize = pax.get('size');
        if (paxSize !== undefined) {
          size = Number(paxSize);
          if (!Number.isSafeInteger(size) || size < 0 || bodyAt + size > fileSize) {
            throw new InputError(`bad pax size for member ${JSON.stringify(name)} at byte ${h.offset}`, display);
          }
          pos = bodyAt + Math.ceil(size / BLOCK) * BLOCK;
        }
        pax = new Map();
        longName = undefined;
        longLink = undefined;
        name = normaliseMember(name);
        if (++entries > maxMembers) {
          throw new InputError(`archive has more than ${maxMembers} members`, display);
        }
        if (h.type === 'file') members.set(name, { offset: bodyAt, size });
        else if (h.type === 'symlink' || h.type === 'hardlink') {
          // docker-archive writes `<id>/layer.tar -> ../<digest>.tar`; hardlinks name the archive member.
          linkName = h.type === 'symlink' ? path.posix.join(path.posix.dirname(name), linkName) : linkName;
          members.set(name, { offset: 0, size: 0, linkName: normaliseMember(linkName) });
        }
        // Later duplicates win, as tar extraction does.
      }
      return new ArchiveSource(file, display, members);
    } finally {
      await fh.close();
    }
  }

  private lookup(name: string): Member | undefined {
    let n = normaliseMember(name);
    for (let hops = 0; hops < 8; hops++) {
      const m = this.members.get(n);
      if (!m || m.linkName === undefined) return m;
      n = m.linkName;
    }
    return undefined;
  }

  size(name: string): Promise<number | undefined> {
    return Promise.resolve(this.lookup(name)?.size);
  }

  async read(name: string, max: number): Promise<Buffer> {
    const m = this.lookup(name);
    if (!m) throw new InputError(`${name} is missing`, this.display);
    if (m.size > max) throw new InputError(`${name} is ${m.size} bytes, over the limit of ${max}`, this.display);
    const { fh } = await openRegular(this.file, this.display, this.file);
    try {
      const buf = Buffer.alloc(m.size);
      const { bytesRead } = await fh.read(buf, 0, m.size, m.offset);
      if (bytesRead !== m.size) throw new InputError(`${name} truncated at byte ${m.offset + bytesRead}`, this.display);
      return buf;
    } finally {
      await fh.close();
    }
  }

  locate(name: string): Promise<FileRange | undefined> {
    const m = this.lookup(name);
    return Promise.resolve(m ? { file: this.file, start: m.offset, length: m.size } : undefined);
  }

  async head(name: string, n: number): Promise<Buffer> {
    const m = this.lookup(name);
    if (!m) throw new InputError(`${name} is missing`, this.display);
    const { fh } = await openRegular(this.file, this.display, this.file);
    try {
      const buf = Buffer.alloc(Math.min(n, m.size));
      const { bytesRead } = await fh.read(buf, 0, buf.length, m.offset);
      return buf.subarray(0, bytesRead);
    } finally {
      await fh.close();
    }
  }

  stream(name: string): Readable {
    const m = this.lookup(name);
    if (!m) throw new InputError(`${name} is missing`, this.display);
    if (m.size === 0) return Readable.from([]);
    return createReadStream(this.file, { start: m.offset, end: m.offset + m.size - 1, highWaterMark: READ_CHUNK });
  }
}
