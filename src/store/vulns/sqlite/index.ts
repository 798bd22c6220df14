/**
 * The vulnerability store in one SQLite file (better-sqlite3, used only here).
 *
 * Atomicity comes from SQLite itself: an import is one transaction, so an exception, a full
 * disk or a killed process leaves the last committed database as it was (the journal is rolled
 * back on the next open).
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { UserError } from '../../../model/errors.js';
import {
  STORE_SCHEMA_VERSION,
  type AdvisoryRow,
  type AffectedMatch,
  type AffectedRow,
  type PackageQuery,
  type StoreStatus,
  type VulnStore,
  type VulnStoreWriter,
} from '../types.js';
import { errorMessage } from '../../../model/errors.js';

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS advisories (
  id TEXT PRIMARY KEY,
  modified TEXT NOT NULL,
  modified_key TEXT NOT NULL,
  published TEXT,
  withdrawn TEXT,
  summary TEXT,
  severity TEXT NOT NULL,
  aliases TEXT NOT NULL,
  upstream TEXT NOT NULL,
  raw TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS affected (
  advisory_id TEXT NOT NULL,
  idx INTEGER NOT NULL,
  ecosystem TEXT NOT NULL,
  release TEXT NOT NULL,
  name TEXT NOT NULL,
  ranges TEXT NOT NULL,
  versions TEXT NOT NULL,
  PRIMARY KEY (advisory_id, idx)
);
CREATE INDEX IF NOT EXISTS affected_package ON affected (ecosystem, name);
CREATE TABLE IF NOT EXISTS aliases (
  alias TEXT NOT NULL,
  advisory_id TEXT NOT NULL,
  PRIMARY KEY (alias, advisory_id)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS aliases_advisory ON aliases (advisory_id);
`;

interface AdvisoryDbRow {
  id: string;
  modified: string;
  modified_key: string;
  published: string | null;
  withdrawn: string | null;
  summary: string | null;
  severity: string;
  aliases: string;
  upstream: string;
  raw: string;
}

interface AffectedDbRow {
  advisory_id: string;
  idx: number;
  ecosystem: string;
  release: string;
  name: string;
  ranges: string;
  versions: string;
}

export interface SqliteStoreOptions {
  /** Open an existing file only (for `status`): a missing file is a UserError, not a new database. */
  mustExist?: boolean;
}

/** Open (creating when needed) the store at `file`; `:memory:` for a throwaway one. */
export function openSqliteVulnStore(file: string, opts: SqliteStoreOptions = {}): VulnStore {
  let db: Database.Database;
  try {
    // Inside the try: a --db path below a file or in a read-only place is the user's input.
    if (file !== ':memory:' && !opts.mustExist) mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    db = new Database(file, { fileMustExist: opts.mustExist === true });
    db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commit but never corrupts the file.
    db.pragma('synchronous = NORMAL');
    db.exec(SCHEMA);
  } catch (err) {
    throw new UserError(`cannot open vulnerability database: ${errorMessage(err)}`, file, undefined, undefined, { cause: err });
  }
  const version = (db.prepare('SELECT value FROM meta WHERE key = ?').get('schema_version') as { value: string } | undefined)?.value;
  if (version === undefined) {
    db.prepare('INSERT INTO meta (key, value) VALUES (?, ?)').run('schema_version', String(STORE_SCHEMA_VERSION));
  } else if (version !== String(STORE_SCHEMA_VERSION)) {
    db.close();
    throw new UserError(
      `vulnerability database has layout version ${version}, this Charter writes ${STORE_SCHEMA_VERSION}: delete the file and import again`,
      file,
    );
  }
  return new SqliteVulnStore(db);
}

class SqliteVulnStore implements VulnStore {
  private writing = false;
  private readonly stmts;

  constructor(private readonly db: Database.Database) {
    this.stmts = {
      modifiedKey: db.prepare('SELECT modified_key FROM advisories WHERE id = ?').pluck(),
      deleteAffected: db.prepare('DELETE FROM affected WHERE advisory_id = ?'),
      deleteAliases: db.prepare('DELETE FROM aliases WHERE advisory_id = ?'),
      putAdvisory: db.prepare(
        `INSERT OR REPLACE INTO advisories (id, modified, modified_key, published, withdrawn, summary, severity, aliases, upstream, raw)
         VALUES (@id, @modified, @modified_key, @published, @withdrawn, @summary, @severity, @aliases, @upstream, @raw)`,
      ),
      putAffected: db.prepare(
        'INSERT INTO affected (advisory_id, idx, ecosystem, release, name, ranges, versions) VALUES (?, ?, ?, ?, ?, ?, ?)',
      ),
      putAlias: db.prepare('INSERT OR IGNORE INTO aliases (alias, advisory_id) VALUES (?, ?)'),
      setMeta: db.prepare('INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)'),
      getMeta: db.prepare('SELECT value FROM meta WHERE key = ?').pluck(),
      findAffected: db.prepare(
        `SELECT f.* FROM affected f JOIN advisories a ON a.id = f.advisory_id
         WHERE f.ecosystem = ? AND f.name = ? AND a.withdrawn IS NULL ORDER BY f.advisory_id, f.idx`,
      ),
      getAdvisory: db.prepare('SELECT * FROM advisories WHERE id = ?'),
      getAffectedOf: db.prepare('SELECT * FROM affected WHERE advisory_id = ? ORDER BY idx'),
      idsForAlias: db
        .prepare('SELECT advisory_id FROM aliases WHERE alias = ? UNION SELECT id FROM advisories WHERE id = ? ORDER BY 1')
        .pluck(),
    };
  }

  async begin(): Promise<VulnStoreWriter> {
    if (this.writing) throw new Error('vulnerability store: a write transaction is already open');
    this.writing = true;
    this.db.exec('BEGIN IMMEDIATE');
    const { db, stmts } = this;
    let open = true;
    const end = (): void => {
      open = false;
      this.writing = false;
    };
    const check = (): void => {
      if (!open) throw new Error('vulnerability store: transaction already finished');
    };
    return {
      modifiedKeyOf: async (id) => {
        check();
        return stmts.modifiedKey.get(id) as string | undefined;
      },
      put: async (a) => {
        check();
        stmts.deleteAffected.run(a.id);
        stmts.deleteAliases.run(a.id);
        stmts.putAdvisory.run({
          id: a.id,
          modified: a.modified,
          modified_key: a.modifiedKey,
          published: a.published ?? null,
          withdrawn: a.withdrawn ?? null,
          summary: a.summary ?? null,
          severity: JSON.stringify(a.severity),
          aliases: JSON.stringify(a.aliases),
          upstream: JSON.stringify(a.upstream),
          raw: a.raw,
        });
        a.affected.forEach((f) => {
          stmts.putAffected.run(a.id, f.index, f.ecosystem, f.release, f.name, JSON.stringify(f.ranges), JSON.stringify(f.versions));
        });
        for (const alias of new Set([...a.aliases, ...a.upstream])) stmts.putAlias.run(alias, a.id);
      },
      setMeta: async (key, value) => {
        check();
        stmts.setMeta.run(key, value);
      },
      commit: async () => {
        check();
        try {
          db.exec('COMMIT');
        } finally {
          if (db.inTransaction) db.exec('ROLLBACK');
          end();
        }
      },
      rollback: async () => {
        if (db.inTransaction) db.exec('ROLLBACK');
        end();
      },
    };
  }

  async findAffected(queries: readonly PackageQuery[]): Promise<AffectedMatch[]> {
    const out: AffectedMatch[] = [];
    const seen = new Set<string>();
    for (const q of queries) {
      const key = `${q.ecosystem}\u0000${q.name}`;
      if (seen.has(key)) continue;
      seen.add(key);
      for (const row of this.stmts.findAffected.all(q.ecosystem, q.name) as AffectedDbRow[]) {
        out.push({ advisoryId: row.advisory_id, ...toAffected(row) });
      }
    }
    return out;
  }

  async getAdvisories(ids: readonly string[]): Promise<AdvisoryRow[]> {
    const out: AdvisoryRow[] = [];
    for (const id of new Set(ids)) {
      const row = this.stmts.getAdvisory.get(id) as AdvisoryDbRow | undefined;
      if (!row) continue;
      const affected = (this.stmts.getAffectedOf.all(id) as AffectedDbRow[]).map(toAffected);
      out.push({
        id: row.id,
        modified: row.modified,
        modifiedKey: row.modified_key,
        ...(row.published !== null ? { published: row.published } : {}),
        ...(row.withdrawn !== null ? { withdrawn: row.withdrawn } : {}),
        ...(row.summary !== null ? { summary: row.summary } : {}),
        severity: JSON.parse(row.severity) as AdvisoryRow['severity'],
        aliases: JSON.parse(row.aliases) as string[],
        upstream: JSON.parse(row.upstream) as string[],
        raw: row.raw,
        affected,
      });
    }
    return out;
  }

  async idsForAlias(alias: string): Promise<string[]> {
    return this.stmts.idsForAlias.all(alias, alias) as string[];
  }

  async getMeta(key: string): Promise<string | undefined> {
    return this.stmts.getMeta.get(key) as string | undefined;
  }

  async status(): Promise<StoreStatus> {
    const db = this.db;
    const counts = db.prepare('SELECT COUNT(*) AS n, COUNT(withdrawn) AS w FROM advisories').get() as { n: number; w: number };
    const perEcosystem = db
      .prepare(
        `SELECT CASE WHEN release = '' THEN ecosystem ELSE ecosystem || ':' || release END AS ecosystem,
                COUNT(DISTINCT advisory_id) AS advisories
         FROM affected GROUP BY 1
         UNION ALL
         SELECT '(none)', COUNT(*) FROM advisories a WHERE NOT EXISTS (SELECT 1 FROM affected f WHERE f.advisory_id = a.id)
         ORDER BY 1`,
      )
      .all() as { ecosystem: string; advisories: number }[];
    const newest = db.prepare('SELECT modified FROM advisories ORDER BY modified_key DESC LIMIT 1').pluck().get() as string | undefined;
    const lastImport = await this.getMeta('imported_at');
    return {
      advisories: counts.n,
      withdrawn: counts.w,
      perEcosystem: perEcosystem.filter((e) => e.advisories > 0),
      ...(newest !== undefined ? { newestModified: newest } : {}),
      ...(lastImport !== undefined ? { lastImport } : {}),
      schemaVersion: STORE_SCHEMA_VERSION,
    };
  }

  async close(): Promise<void> {
    // Closing inside an open transaction discards it: the same outcome as a killed process.
    if (this.db.open) this.db.close();
    this.writing = false;
  }
}

function toAffected(row: AffectedDbRow): AffectedRow {
  return {
    index: row.idx,
    ecosystem: row.ecosystem,
    release: row.release,
    name: row.name,
    ranges: JSON.parse(row.ranges) as unknown[],
    versions: JSON.parse(row.versions) as string[],
  };
}
