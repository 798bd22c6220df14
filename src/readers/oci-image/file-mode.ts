/** st_mode type bits of image files, so one `mode` field tells files, directories and links apart. */
import type { ImageFile } from '../../model/fragments.js';

export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFMT = 0o170000;

export const isDir = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFDIR;
export const isSymlink = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFLNK;
export const isRegular = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFREG;

/** A hardlink whose target is not a regular file before it: an empty regular file, as tar would leave. */
export function hardlinkPlaceholder(file: ImageFile): ImageFile {
  return { ...file, mode: file.mode | S_IFREG };
}
