/**
 * Writing results: to stdout, or atomically to a file so a failed run never leaves half a profile.
 * A path that cannot be written (a read-only or missing directory, a directory where a file should
 * go, a file where a directory should go) is the user's input: a UserError naming the path.
 */
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { UserError } from '../model/errors.js';

function reason(err: unknown): string {
  switch ((err as NodeJS.ErrnoException | undefined)?.code) {
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EROFS':
      return 'read-only file system';
    case 'ENOSPC':
      return 'no space left on device';
    case 'EDQUOT':
      return 'disk quota exceeded';
    case 'ENOTDIR':
      return 'a component of the path is not a directory';
    case 'EISDIR':
      return 'is a directory';
    case 'EEXIST':
      return 'exists and is not a directory';
    case 'ENAMETOOLONG':
      return 'file name too long';
    case 'ELOOP':
      return 'too many levels of symbolic links';
    case 'ENOENT':
      return 'no such file or directory';
    default:
      return (err as NodeJS.ErrnoException | undefined)?.code ?? (err instanceof Error ? err.message : String(err));
  }
}

function cannotWrite(path: string, err: unknown): UserError {
  return new UserError(`cannot write output: ${reason(err)}`, path, undefined, undefined, { cause: err });
}

async function kindAt(path: string): Promise<'missing' | 'directory' | 'other'> {
  try {
    return (await stat(path)).isDirectory() ? 'directory' : 'other';
  } catch {
    return 'missing';
  }
}

/**
 * Makes sure `dir` is (or becomes) a directory to write into; refuses an existing file there.
 * Missing parents are created, as `mkdir -p` would.
 */
export async function ensureOutputDirectory(dir: string): Promise<void> {
  const target = resolve(dir);
  if ((await kindAt(target)) === 'other')
    throw new UserError('cannot write output: exists and is not a directory (a directory is written here)', dir);
  try {
    await mkdir(target, { recursive: true });
  } catch (err) {
    throw cannotWrite(dir, err);
  }
}

/**
 * Writes `content` to `path` through a temporary file in the same directory, renamed into place:
 * readers never see a partial file, and a failure leaves nothing behind.
 */
export async function writeAtomic(path: string, content: string): Promise<void> {
  const target = resolve(path);
  if ((await kindAt(target)) === 'directory') throw new UserError('cannot write output: is a directory (give a file name)', path);
  try {
    await mkdir(dirname(target), { recursive: true });
  } catch (err) {
    // EEXIST here: a file stands where a parent directory should be.
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST' || code === 'ENOTDIR')
      throw new UserError('cannot write output: a component of the path is not a directory', path, undefined, undefined, { cause: err });
    throw cannotWrite(path, err);
  }
  const tmp = join(dirname(target), `.${randomBytes(6).toString('hex')}.tmp`);
  try {
    await writeFile(tmp, content, { mode: 0o644, flag: 'wx' });
    await rename(tmp, target);
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw cannotWrite(path, err);
  }
}

export async function emitOutput(content: string, outFile: string | undefined, stdout: (s: string) => void): Promise<void> {
  if (outFile) await writeAtomic(outFile, content);
  else stdout(content);
}
