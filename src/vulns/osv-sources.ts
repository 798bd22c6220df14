/**
 * The file-system edge of the OSV import: turns source arguments (directories, `.json` files,
 * `.zip` archives) into a stream of record texts, each named by where it came from.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { InputError, UserError, errorMessage } from '../model/errors.js';
import { readInputFile } from '../io/read-input.js';
import { compareStrings } from '../util/sort.js';
import { ZIP_LIMITS, readZipEntries, type ZipLimits } from './zip.js';

export interface SourceItem {
  /** Display name: a path, or `archive.zip!entry.json`. */
  file: string;
  /** The record's text, or why it could not be read (the import reports it and goes on). */
  text?: string;
  error?: string;
}

export type SourceReader = (sources: readonly string[]) => AsyncIterable<SourceItem>;

/** Read every source in order: directories recursively (`.json` files only, sorted), files, zip archives. */
export function osvSourceReader(limits: ZipLimits = ZIP_LIMITS): SourceReader {
  return (sources) => readSources(sources, limits);
}

async function* readSources(sources: readonly string[], limits: ZipLimits): AsyncGenerator<SourceItem> {
  for (const source of sources) {
    let info;
    try {
      info = await stat(source);
    } catch (err) {
      throw new UserError(`cannot read OSV source: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, source, undefined, undefined, {
        cause: err,
      });
    }
    if (info.isDirectory()) yield* walk(source, limits);
    // A FIFO, socket or device named on the command line is refused, not waited on.
    else if (!info.isFile()) throw new UserError('cannot read OSV source: not a regular file or directory', source);
    else if (source.toLowerCase().endsWith('.zip')) yield* zipItems(source, limits);
    else yield await readOne(source, limits.maxEntrySize);
  }
}

async function* walk(dir: string, limits: ZipLimits): AsyncGenerator<SourceItem> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => compareStrings(a.name, b.name));
  for (const e of entries) {
    const full = path.join(dir, e.name);
    // Symbolic links to directories are not followed: a link loop must not hang the import.
    if (e.isDirectory()) yield* walk(full, limits);
    else if (e.name.toLowerCase().endsWith('.json') && (e.isFile() || (e.isSymbolicLink() && (await isFile(full))))) {
      yield await readOne(full, limits.maxEntrySize);
    }
  }
}

async function isFile(p: string): Promise<boolean> {
  try {
    return (await stat(p)).isFile();
  } catch {
    return false;
  }
}

/** One record file; a file that cannot be read is reported as an invalid record and the import goes on. */
async function readOne(file: string, max: number): Promise<SourceItem> {
  try {
    return { file, text: decode(await readInputFile(file, { maxBytes: max, what: 'OSV record' })) };
  } catch (err) {
    // The reader names the file itself; the import lists it beside the reason.
    return { file, error: err instanceof UserError ? err.message : `cannot read: ${errorMessage(err)}` };
  }
}

async function* zipItems(archive: string, limits: ZipLimits): AsyncGenerator<SourceItem> {
  let count = 0;
  for await (const entry of readZipEntries(archive, (name) => name.toLowerCase().endsWith('.json'), limits)) {
    count++;
    yield { file: `${archive}!${entry.name}`, text: decode(entry.bytes) };
  }
  if (count === 0) throw new InputError('zip archive holds no .json records', archive);
}

/** UTF-8 without a byte-order mark (JSON.parse rejects one). */
function decode(bytes: Buffer): string {
  const text = bytes.toString('utf8');
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}
