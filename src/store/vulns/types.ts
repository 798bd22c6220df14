/**
 * The vulnerability store: OSV advisories indexed by the packages they affect. One interface so
 * SQLite (the default, a single file) and a server database can both hold it; every
 * implementation passes the same conformance suite (conformance.ts).
 *
 * The interface is asynchronous even though SQLite is not, so a networked database fits it.
 */

/** One advisory, as the store keeps it. `raw` is the record's JSON text, unchanged. */
export interface AdvisoryRow {
  id: string;
  /** `modified` as given in the record. */
  modified: string;
  /** Sortable UTC form of `modified` (see timestampKey): what incremental imports compare. */
  modifiedKey: string;
  published?: string;
  /** Set when the record is withdrawn: stored, never matched. */
  withdrawn?: string;
  summary?: string;
  /** The record's top-level `severity` array. */
  severity: { type: string; score: string }[];
  aliases: string[];
  upstream: string[];
  raw: string;
  affected: AffectedRow[];
}

/** One `affected[]` entry, indexed by OSV ecosystem base name and package name. */
export interface AffectedRow {
  /** Position of the entry in the record's `affected` array (entries without a package are not stored). */
  index: number;
  /** OSV ecosystem without the release suffix: `Debian`, `Alpine`, `npm`, `PyPI`. */
  ecosystem: string;
  /** The release suffix (`12`, `v3.19`, `22.04:LTS`), or '' when the record names none. */
  release: string;
  /** Package name as matched: PyPI names normalised (PEP 503), others as given. */
  name: string;
  /** The entry's `ranges`, JSON-compatible. */
  ranges: unknown[];
  versions: string[];
}

/** An affected row joined with what matching needs from its advisory. */
export interface AffectedMatch extends AffectedRow {
  advisoryId: string;
}

export interface PackageQuery {
  ecosystem: string;
  name: string;
}

export interface EcosystemCount {
  /** OSV ecosystem with its release, e.g. `Debian:9`; `(none)` for advisories with no affected package. */
  ecosystem: string;
  advisories: number;
}

export interface StoreStatus {
  advisories: number;
  withdrawn: number;
  perEcosystem: EcosystemCount[];
  /** Newest `modified` over all advisories (as given in its record). */
  newestModified?: string;
  /** When the last import committed (injected clock, ISO 8601). */
  lastImport?: string;
  schemaVersion: number;
}

/** A write transaction: everything done through it lands at `commit()` or not at all. */
export interface VulnStoreWriter {
  /** The stored `modifiedKey` of an advisory (including writes earlier in this transaction). */
  modifiedKeyOf(id: string): Promise<string | undefined>;
  /** Insert or replace an advisory with all its affected rows and aliases. */
  put(advisory: AdvisoryRow): Promise<void>;
  setMeta(key: string, value: string): Promise<void>;
  commit(): Promise<void>;
  /** Undo everything since `begin()`. Safe to call after a failed commit. */
  rollback(): Promise<void>;
}

export interface VulnStore {
  /** Start the one write transaction; a second concurrent one is refused. */
  begin(): Promise<VulnStoreWriter>;
  /**
   * Affected rows of non-withdrawn advisories for these packages, in any release of the
   * ecosystem (the caller filters releases: it knows which release-less rows apply).
   */
  findAffected(queries: readonly PackageQuery[]): Promise<AffectedMatch[]>;
  /** Advisories by id (withdrawn ones included); unknown ids are left out. */
  getAdvisories(ids: readonly string[]): Promise<AdvisoryRow[]>;
  /** Advisory ids that list `alias` in their aliases or upstream, or are named `alias`. */
  idsForAlias(alias: string): Promise<string[]>;
  getMeta(key: string): Promise<string | undefined>;
  status(): Promise<StoreStatus>;
  close(): Promise<void>;
}

/** Version of the store's table layout; a store with another version is rebuilt by re-import. */
export const STORE_SCHEMA_VERSION = 1;
