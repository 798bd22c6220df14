/**
 * The local path a transport names (`oci:DIR`, `oci-archive:FILE`, `docker-archive:FILE`), checked
 * before anything is opened: a missing, unreadable or wrong kind of path is the user's mistake,
 * told as such (UserError, exit 2). FIFOs, devices and sockets are refused from `stat` alone, never
 * opened for reading (a FIFO would block the read forever, a device could be endless).
 */
import { constants, type Stats } from 'node:fs';
import { access, open, stat, type FileHandle } from 'node:fs/promises';
import { InputError, UserError } from '../../../model/errors.js';

/** Plain words for the errno codes a path lookup gives, instead of Node's `ENOENT: …, stat '…'`. */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ENOTDIR: 'a component of the path is not a directory',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'the path is too long',
  EISDIR: 'is a directory',
};

/** What an errno error means to a user, e.g. `no such file or directory`. */
export function errnoWords(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code && ERRNO_WORDS[code]) return ERRNO_WORDS[code];
  return err instanceof Error ? err.message : String(err);
}

/** `a FIFO`, `a directory` …: what kind of file a path is, for messages. */
export function kindOf(st: Stats): string {
  if (st.isFile()) return 'a regular file';
  if (st.isDirectory()) return 'a directory';
  if (st.isFIFO()) return 'a FIFO';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  return 'not a regular file';
}

async function statOrExplain(file: string, display: string, what: string): Promise<Stats> {
  try {
    return await stat(file);
  } catch (err) {
    throw new UserError(`cannot read the ${what} ${file}: ${errnoWords(err)}`, display, undefined, undefined, { cause: err });
  }
}

/** The archive file of `oci-archive:` / `docker-archive:`: a readable regular file. */
export async function checkArchiveFile(file: string, display: string): Promise<void> {
  const st = await statOrExplain(file, display, 'image archive');
  if (st.isDirectory())
    throw new UserError(`${file} is a directory, not an image archive (an OCI layout directory is read with oci:${file})`, display);
  if (!st.isFile()) throw new UserError(`${file} is ${kindOf(st)}, not an image archive; only regular files are read`, display);
  await access(file, constants.R_OK).catch((err: unknown) => {
    throw new UserError(`cannot read the image archive ${file}: ${errnoWords(err)}`, display, undefined, undefined, { cause: err });
  });
}

/** The directory of `oci:`: a readable, searchable directory. */
export async function checkLayoutDirectory(dir: string, display: string): Promise<void> {
  const st = await statOrExplain(dir, display, 'OCI layout directory');
  if (st.isFile())
    throw new UserError(
      `${dir} is a file, not an OCI layout directory (an image archive is read with oci-archive:${dir} or docker-archive:${dir})`,
      display,
    );
  if (!st.isDirectory()) throw new UserError(`${dir} is ${kindOf(st)}, not an OCI layout directory`, display);
  await access(dir, constants.R_OK | constants.X_OK).catch((err: unknown) => {
    throw new UserError(`cannot read the OCI layout directory ${dir}: ${errnoWords(err)}`, display, undefined, undefined, { cause: err });
  });
}

/**
 * Open a file that must be regular, for reading. Non-blocking, so a FIFO swapped in after the
 * check cannot block the open; then checked again on the open descriptor (what is read is what
 * was checked). `member` names it in messages (an archive member or a layout file).
 */
export async function openRegular(file: string, display: string, member: string): Promise<{ fh: FileHandle; size: number }> {
  let fh: FileHandle;
  try {
    fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (err) {
    throw new InputError(`cannot read ${member}: ${errnoWords(err)}`, display, undefined, undefined, { cause: err });
  }
  const st = await fh.stat();
  if (!st.isFile()) {
    await fh.close();
    throw new InputError(`${member} is ${kindOf(st)}, not a regular file; it was not read`, display);
  }
  return { fh, size: st.size };
}
