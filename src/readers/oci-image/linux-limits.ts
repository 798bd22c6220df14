/**
 * Linux's own path limits, applied to the paths inside an image. An image is run by a Linux
 * kernel: a path or symlink longer than these, or a chain of more links, fails there too
 * (ENAMETOOLONG, ELOOP), so refusing them loses nothing a container could use, and bounds the
 * work and memory of resolving paths in a hostile image.
 */

/** PATH_MAX (linux/limits.h): longest path, in bytes, a system call accepts; also the longest symlink target. */
export const PATH_MAX = 4096;

/** MAXSYMLINKS (fs/namei.c): symlinks followed while resolving one path before ELOOP. */
export const MAX_SYMLINK_HOPS = 40;

/** MAX_ARG_STRLEN (linux/binfmts.h): longest single argument or environment string execve passes (32 pages). */
export const MAX_ARG_STRLEN = 131072;

/** Length in bytes (UTF-8) of a path, as the kernel counts it. */
export const pathBytes = (p: string): number => Buffer.byteLength(p, 'utf8');
