/**
 * Recognise: which walked files are manifests, decided by the reader registry only (`named`, then
 * `matches` on the first bytes), so `charter profile` and `charter scan` see the same manifests.
 * Files below dependency, build or hidden directories are never manifests; a file no reader wants
 * by name is never opened.
 */
import { UserError, errorMessage } from '../model/errors.js';
import type { Diagnostic } from '../model/charter.js';
import { anyReaderNamed, readerFor, type RegisteredReader } from '../readers/registry.js';
import { HEAD_BYTES } from './limits.js';
import { readHead } from './read-file.js';
import type { WalkedFile } from './walk.js';

export interface Recognised {
  file: WalkedFile;
  reader: RegisteredReader;
}

/** A diagnostic for a file that could not be read, named by its relative path; the run goes on. */
export function unreadable(err: unknown, file: string): Diagnostic {
  const message = err instanceof UserError ? err.message : errorMessage(err);
  return { code: 'walk/unreadable', severity: 'warning', message, file };
}

/** The reader that claims one file, or undefined; read failures are thrown (a UserError naming `shown`). */
export async function recogniseFile(abs: string, shown: string, matchPath: string = shown): Promise<RegisteredReader | undefined> {
  if (!anyReaderNamed(matchPath)) return undefined;
  return readerFor(matchPath, await readHead(abs, shown, HEAD_BYTES));
}

/** The manifests among walked files, in the walk's order; unreadable candidates become diagnostics. */
export async function recogniseFiles(files: readonly WalkedFile[], diagnostics: Diagnostic[]): Promise<Recognised[]> {
  const out: Recognised[] = [];
  for (const file of files) {
    if (file.dependency) continue;
    try {
      const reader = await recogniseFile(file.abs, file.rel);
      if (reader) out.push({ file, reader });
    } catch (err) {
      diagnostics.push(unreadable(err, file.rel));
    }
  }
  return out;
}
