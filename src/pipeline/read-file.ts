/**
 * The one place the pipeline opens a walked file: through the bounded input reader, never
 * following a symlink (a link can point anywhere), never blocking on a FIFO that replaced a file
 * after the walk, never reading more than `maxBytes`.
 */
import { readInputFile, readInputHead } from '../io/read-input.js';

/** The whole file, or a UserError naming it (`shown`) when it is not a regular file or over `maxBytes`. */
export async function readRegularFile(path: string, shown: string, maxBytes: number): Promise<Buffer> {
  return readInputFile(path, { maxBytes, what: 'file', noFollow: true, shown });
}

/** The first `n` bytes of a regular file, as text (what the readers' `matches` sees). */
export async function readHead(path: string, shown: string, n: number): Promise<string> {
  return readInputHead(path, n, 'file', { noFollow: true, shown });
}
