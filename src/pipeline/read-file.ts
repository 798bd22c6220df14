/**
 * The one place the pipeline opens a walked file. It never follows a symlink (O_NOFOLLOW), never
 * blocks on a FIFO that replaced a file after the walk (O_NONBLOCK, then fstat on the opened
 * descriptor: anything but a regular file is refused), and never reads more than `maxBytes`.
 * (A bounded reader for user-named files can replace the body of `readRegularFile` later.)
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { InputError, UserError, errorMessage } from '../errors.js';

const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

async function openRegular(path: string, shown: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(path, OPEN_FLAGS);
  } catch (err) {
    throw new UserError(`cannot read: ${errorMessage(err)}`, shown, undefined, undefined, { cause: err });
  }
  try {
    const info = await fh.stat();
    if (!info.isFile()) throw new InputError('not a regular file', shown);
    return { fh, size: info.size };
  } catch (err) {
    await fh.close();
    throw err;
  }
}

/** Reads at most `limit` bytes from the start of an opened file. */
async function readUpTo(fh: FileHandle, limit: number): Promise<Buffer> {
  const buf = Buffer.alloc(limit);
  let filled = 0;
  while (filled < limit) {
    const { bytesRead } = await fh.read(buf, filled, limit - filled, filled);
    if (bytesRead === 0) break;
    filled += bytesRead;
  }
  return buf.subarray(0, filled);
}

/** The whole file, or a UserError naming it (`shown`) when it is not a regular file or over `maxBytes`. */
export async function readRegularFile(path: string, shown: string, maxBytes: number): Promise<Buffer> {
  const { fh, size } = await openRegular(path, shown);
  try {
    if (size > maxBytes) throw new InputError(`${size} bytes is over the ${maxBytes}-byte limit`, shown);
    // A file that grew since fstat is cut at the limit, not read on without end.
    const bytes = await readUpTo(fh, Math.min(size, maxBytes) + 1);
    if (bytes.length > maxBytes) throw new InputError(`file grew over the ${maxBytes}-byte limit while read`, shown);
    return bytes;
  } finally {
    await fh.close();
  }
}

/** The first `n` bytes of a regular file, as text (what the readers' `matches` sees). */
export async function readHead(path: string, shown: string, n: number): Promise<string> {
  const { fh } = await openRegular(path, shown);
  try {
    return (await readUpTo(fh, n)).toString('utf8');
  } finally {
    await fh.close();
  }
}
