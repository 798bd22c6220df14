/** Which package a file belongs to, and the keys its facts are cached and shared under. */
import { createHash } from 'node:crypto';
import type { SourceKind } from './parse.js';

/** The node_modules package directory a file belongs to (`node_modules/@s/p`), if any. */
export function packageDirOf(file: string): string | undefined {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0 || i + 1 >= parts.length - 1) return undefined;
  const len = parts[i + 1]!.startsWith('@') ? 2 : 1;
  if (i + len >= parts.length) return undefined;
  return parts.slice(0, i + 1 + len).join('/');
}

/**
 * Where a file's facts are stored in its package's cache entry: a digest of what the facts depend
 * on (its path in the package, how it is parsed, its bytes), so a copy of a package whose file
 * was changed never gets the facts of the unchanged file, and the same file in any copy does.
 * Hashing what is read anyway costs far less than parsing it.
 */
export function fileKey(inPackage: string, kind: SourceKind, bytes: Uint8Array, parsed: boolean): string {
  const h = createHash('sha256');
  h.update(`${inPackage}\0${kind}\0${parsed ? 'parse' : 'scan'}\0`);
  h.update(bytes);
  return `${h.digest('hex')}:${inPackage}`;
}

export function hashList(items: readonly string[]): string {
  let h = 0x811c9dc5;
  for (const s of [...items].sort()) {
    for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
    h = Math.imul(h ^ 10, 0x01000193) >>> 0;
  }
  return h.toString(16).padStart(8, '0');
}
