/**
 * The one module through which the inventory reads SQLite files found in images (rpmdb.sqlite).
 * The database is opened from the bytes in memory (SQLite's deserialize), never from a file, so
 * nothing from an image is written to disk and the analyzer stays a function of its input.
 */
import Database from 'better-sqlite3';

export interface SqliteImage {
  /** Rows of a read-only query. */
  all(sql: string): unknown[];
}

const MAGIC = 'SQLite format 3\0';

export const isSqlite = (bytes: Uint8Array): boolean =>
  bytes.byteLength >= 100 && Buffer.from(bytes.buffer, bytes.byteOffset, 16).toString('latin1') === MAGIC;

/**
 * Open `bytes` as a database, run `fn`, close it. A WAL-mode file (header bytes 18/19 = 2, as rpm
 * writes rpmdb.sqlite) cannot be deserialized as is; its header is switched to rollback-journal
 * mode in a private copy. A WAL file beside it (rare in images: rpm checkpoints on close) is not
 * seen.
 */
export function withSqliteImage<T>(bytes: Uint8Array, fn: (db: SqliteImage) => T): T {
  const copy = Buffer.from(bytes);
  if (copy[18] === 2 && copy[19] === 2) {
    copy[18] = 1;
    copy[19] = 1;
  }
  const db = new Database(copy, { readonly: true });
  try {
    return fn({ all: (sql) => db.prepare(sql).all() });
  } finally {
    db.close();
  }
}
