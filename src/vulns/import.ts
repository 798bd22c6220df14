/**
 * Importing OSV records into a vulnerability store.
 *
 * - Atomic: the whole import is one store transaction; anything thrown midway (a hostile
 *   archive, a store error) rolls it back, and the previous database stays as it was.
 * - Incremental: a record whose `modified` is not newer than the stored copy is skipped.
 * - Tolerant per record: unreadable, corrupt or schema-invalid records are reported (file,
 *   reason, line and column when known) and skipped; the rest is imported.
 */
import type { AdvisoryRow, AffectedRow, StoreStatus, VulnStore } from '../store/vulns/types.js';
import { normalizePackageName, splitEcosystem } from './ecosystems.js';
import { parseOsvRecord, timestampKey, type OsvRecord } from './osv-schema.js';
import { osvSourceReader, type SourceReader } from './osv-sources.js';

export interface InvalidRecord {
  file: string;
  reason: string;
  line?: number;
  column?: number;
}

export interface ImportResult {
  /** Records new to the store. */
  imported: number;
  /** Records that replaced an older stored copy. */
  updated: number;
  /** Records whose `modified` is not newer than the stored copy. */
  skipped: number;
  invalid: InvalidRecord[];
}

export interface ImportProgress extends Omit<ImportResult, 'invalid'> {
  invalid: number;
  /** The record being read. */
  file: string;
}

export interface ImportOptions {
  /** Called every `progressEvery` records and once at the end. */
  onProgress?: (p: ImportProgress) => void;
  progressEvery?: number;
  /** The clock, for `imported_at` (injected so results are reproducible). */
  now?: () => Date;
  /** The file-system edge; tests inject their own. */
  read?: SourceReader;
  /** At most this many invalid records are listed (all are counted in `invalidCount`). */
  maxInvalidListed?: number;
}

/** Import OSV records from directories, `.json` files and `.zip` archives. */
export async function importOsv(
  store: VulnStore,
  sources: readonly string[],
  opts: ImportOptions = {},
): Promise<ImportResult & { invalidCount: number }> {
  const read = opts.read ?? osvSourceReader();
  const now = opts.now ?? (() => new Date());
  const every = opts.progressEvery ?? 1000;
  const maxListed = opts.maxInvalidListed ?? 10_000;
  const result: ImportResult = { imported: 0, updated: 0, skipped: 0, invalid: [] };
  let invalidCount = 0;
  let seen = 0;
  let lastFile = '';
  const progress = (): void => {
    opts.onProgress?.({
      imported: result.imported,
      updated: result.updated,
      skipped: result.skipped,
      invalid: invalidCount,
      file: lastFile,
    });
  };
  const reject = (entry: InvalidRecord): void => {
    invalidCount++;
    if (result.invalid.length < maxListed) result.invalid.push(entry);
  };

  const writer = await store.begin();
  try {
    for await (const item of read(sources)) {
      lastFile = item.file;
      seen++;
      if (item.text === undefined) {
        reject({ file: item.file, reason: item.error ?? 'unreadable' });
      } else {
        const parsed = parseOsvRecord(item.text);
        if (!parsed.ok) {
          reject({
            file: item.file,
            reason: parsed.reason,
            ...(parsed.line !== undefined ? { line: parsed.line } : {}),
            ...(parsed.column !== undefined ? { column: parsed.column } : {}),
          });
        } else {
          // Stored compact: exports are pretty-printed, and whitespace is a third of their size.
          const row = toAdvisoryRow(parsed.record, JSON.stringify(parsed.record));
          const stored = await writer.modifiedKeyOf(row.id);
          if (stored !== undefined && row.modifiedKey <= stored) {
            result.skipped++;
          } else {
            await writer.put(row);
            if (stored === undefined) result.imported++;
            else result.updated++;
          }
        }
      }
      if (seen % every === 0) progress();
    }
    await writer.setMeta('imported_at', now().toISOString());
    await writer.setMeta(
      'last_import',
      JSON.stringify({
        sources: sources.length,
        imported: result.imported,
        updated: result.updated,
        skipped: result.skipped,
        invalid: invalidCount,
      }),
    );
    await writer.commit();
  } catch (err) {
    await writer.rollback();
    throw err;
  }
  progress();
  return { ...result, invalidCount };
}

/** The stored form of a validated record. */
export function toAdvisoryRow(record: OsvRecord, raw: string): AdvisoryRow {
  const affected: AffectedRow[] = [];
  (record.affected ?? []).forEach((a, index) => {
    if (!a.package) return;
    const { base, release } = splitEcosystem(a.package.ecosystem);
    affected.push({
      index,
      ecosystem: base,
      release,
      name: normalizePackageName(base, a.package.name),
      ranges: a.ranges ?? [],
      versions: a.versions ?? [],
    });
  });
  return {
    id: record.id,
    modified: record.modified,
    // Validated by the schema, so always defined.
    modifiedKey: timestampKey(record.modified) ?? record.modified,
    ...(record.published != null ? { published: record.published } : {}),
    ...(record.withdrawn != null ? { withdrawn: record.withdrawn } : {}),
    ...(record.summary != null ? { summary: record.summary } : {}),
    severity: (record.severity ?? []).map((s) => ({ type: s.type, score: s.score })),
    aliases: record.aliases ?? [],
    upstream: record.upstream ?? [],
    raw,
    affected,
  };
}

/** What the database holds: advisories per ecosystem, the last import, the newest record. */
export async function dbStatus(store: VulnStore): Promise<StoreStatus> {
  return store.status();
}
