/**
 * Reading the files a user names (profiles, policies, OSV records and archives, explain/diff
 * inputs), bounded: one reader, one set of rules, so a FIFO, a device or a huge file is refused the
 * same way everywhere instead of hanging or exhausting memory.
 *
 * - Only regular files are read. FIFOs, sockets, character and block devices and directories are
 *   refused before anything blocks: the path is `stat`ed first, then opened with O_NONBLOCK (an
 *   open of a FIFO without a writer would otherwise wait forever) and checked again with `fstat`
 *   on the open descriptor, so a file swapped between the two checks is refused too.
 * - A size limit per kind of input: refused beyond it with the file named. The declared size is
 *   checked first, and at most `limit + 1` bytes are read whatever the size claims (files under
 *   /proc report 0 and yield more; a file may grow while it is read).
 */
import { constants } from 'node:fs';
import { lstat, open, stat, type FileHandle } from 'node:fs/promises';
import type { Stats } from 'node:fs';
import { InputError, UserError } from '../model/errors.js';

export interface ReadInputOptions {
  /** Most bytes accepted; one more is refused. */
  maxBytes: number;
  /** What the file is meant to be, for messages: "profile", "policy", "OSV record". */
  what: string;
  /** Refuse a symlink instead of following it (walked files: a link can point anywhere). */
  noFollow?: boolean;
  /** The name shown in messages when it differs from the path opened (a walked file's relative path). */
  shown?: string;
}

export type OpenInputOptions = Pick<ReadInputOptions, 'noFollow' | 'shown'>;

function kindOf(info: Stats): string | undefined {
  if (info.isFile()) return undefined;
  if (info.isDirectory()) return 'a directory';
  if (info.isSymbolicLink()) return 'a symbolic link';
  if (info.isFIFO()) return 'a named pipe (FIFO)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice()) return 'a character device';
  if (info.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

function describeErrno(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENAMETOOLONG':
      return 'file name too long';
    default:
      return code ?? (err instanceof Error ? err.message : String(err));
  }
}

function refuseKind(info: Stats, path: string, what: string): void {
  const kind = kindOf(info);
  if (kind) throw new InputError(`cannot read ${what}: ${kind}, not a regular file`, path);
}

/**
 * Opens a user-named regular file for reading without ever blocking on it. The caller closes the
 * handle. Throws UserError naming the file when it is missing, unreadable or not a regular file.
 */
export async function openInputFile(
  path: string,
  what: string,
  opts: OpenInputOptions = {},
): Promise<{ handle: FileHandle; size: number }> {
  const shown = opts.shown ?? path;
  let before: Stats;
  try {
    before = await (opts.noFollow ? lstat(path) : stat(path));
  } catch (err) {
    throw new UserError(`cannot read ${what}: ${describeErrno(err)}`, shown, undefined, undefined, { cause: err });
  }
  // Checked before open: opening a device can have effects (a tape rewinds), and a socket cannot be opened.
  refuseKind(before, shown, what);
  let handle: FileHandle;
  try {
    const flags = constants.O_RDONLY | constants.O_NONBLOCK | constants.O_NOCTTY | (opts.noFollow ? constants.O_NOFOLLOW : 0);
    handle = await open(path, flags);
  } catch (err) {
    throw new UserError(`cannot read ${what}: ${describeErrno(err)}`, shown, undefined, undefined, { cause: err });
  }
  try {
    const info = await handle.stat();
    refuseKind(info, shown, what);
    return { handle, size: info.size };
  } catch (err) {
    await handle.close();
    throw err;
  }
}

/** The bytes of a user-named regular file of at most `maxBytes` bytes. */
export async function readInputFile(path: string, opts: ReadInputOptions): Promise<Buffer> {
  const { handle, size } = await openInputFile(path, opts.what, opts);
  const shown = opts.shown ?? path;
  try {
    const tooLarge = (bytes: number): InputError =>
      // Past the declared size only limit + 1 bytes were read: the real size is unknown.
      new InputError(
        `${opts.what} is ${bytes > size ? `more than ${opts.maxBytes}` : bytes} bytes, over the limit of ${opts.maxBytes} bytes`,
        shown,
      );
    if (size > opts.maxBytes) throw tooLarge(size);
    // Read to end of file, never past limit + 1 bytes: the declared size may lie.
    const cap = opts.maxBytes + 1;
    let buf = Buffer.allocUnsafe(Math.min(cap, Math.max(size, 64 * 1024)));
    let got = 0;
    for (;;) {
      if (got === buf.length) {
        if (buf.length >= cap) break;
        const bigger = Buffer.allocUnsafe(Math.min(cap, buf.length * 2));
        buf.copy(bigger, 0, 0, got);
        buf = bigger;
      }
      let bytesRead: number;
      try {
        ({ bytesRead } = await handle.read(buf, got, buf.length - got, null));
      } catch (err) {
        throw new UserError(`cannot read ${opts.what}: ${describeErrno(err)}`, shown, undefined, undefined, { cause: err });
      }
      if (bytesRead === 0) break;
      got += bytesRead;
    }
    if (got > opts.maxBytes) throw tooLarge(got);
    return buf.subarray(0, got);
  } finally {
    await handle.close();
  }
}

/** The text of a user-named file (UTF-8, a leading byte-order mark dropped), bounded as readInputFile. */
export async function readInputText(path: string, opts: ReadInputOptions): Promise<string> {
  const text = (await readInputFile(path, opts)).toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** The first `n` bytes of a regular file as text (what a reader's `matches` sees), opened as readInputFile opens. */
export async function readInputHead(path: string, n: number, what: string, opts: OpenInputOptions = {}): Promise<string> {
  const { handle } = await openInputFile(path, what, opts);
  try {
    const buf = Buffer.alloc(n);
    let filled = 0;
    while (filled < n) {
      const { bytesRead } = await handle.read(buf, filled, n - filled, filled);
      if (bytesRead === 0) break;
      filled += bytesRead;
    }
    return buf.subarray(0, filled).toString('utf8');
  } finally {
    await handle.close();
  }
}
