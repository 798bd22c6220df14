/**
 * `rpm` analyzer: installed packages of RPM-based images (Fedora ≥ 33, RHEL/Rocky/Alma 9,
 * openSUSE) from the SQLite rpmdb, `/var/lib/rpm/rpmdb.sqlite` or
 * `/usr/lib/sysimage/rpm/rpmdb.sqlite`. Its `Packages(hnum, blob)` table holds one RPM header blob
 * per package (see rpm-header.ts). Older BerkeleyDB (`Packages`) and NDB (`Packages.db`) rpmdbs
 * are recognised and reported as not supported.
 */
import type { AnalyzerOutput, FileAnalyzer } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { osPurl } from './distro.js';
import { RPMTAG, RpmHeaderError, parseRpmHeader, parseSourceRpm } from './rpm-header.js';
import { isSqlite, withSqliteImage } from './sqlite.js';

const RPM_DIRS = ['/var/lib/rpm/', '/usr/lib/sysimage/rpm/'];
const SQLITE_DB = 'rpmdb.sqlite';
const LEGACY_DBS = ['Packages', 'Packages.db'];

function rpmFile(path: string): string | undefined {
  for (const dir of RPM_DIRS) if (path.startsWith(dir)) return path.slice(dir.length);
  return undefined;
}

type Diag = NonNullable<AnalyzerOutput['diagnostics']>[number];

export function parseRpmdb(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  const file = rpmFile(path);
  if (file !== SQLITE_DB) {
    return {
      diagnostics: [
        {
          code: 'rpm-db-not-supported',
          severity: 'info',
          message: `BerkeleyDB and NDB rpm databases are not supported (only rpmdb.sqlite); its packages are not listed`,
        },
      ],
    };
  }
  if (!isSqlite(content)) return { diagnostics: [{ code: 'rpm-db-bad', severity: 'warning', message: 'not an SQLite database' }] };
  const components: Component[] = [];
  const diagnostics: Diag[] = [];
  let rows: unknown[];
  try {
    rows = withSqliteImage(content, (db) => db.all('SELECT hnum, blob FROM Packages ORDER BY hnum'));
  } catch (err) {
    return {
      diagnostics: [{ code: 'rpm-db-bad', severity: 'warning', message: `cannot read the Packages table: ${(err as Error).message}` }],
    };
  }
  let bad = 0;
  for (const row of rows) {
    const { hnum, blob } = row as { hnum: unknown; blob: unknown };
    if (!(blob instanceof Uint8Array)) {
      bad++;
      continue;
    }
    try {
      const h = parseRpmHeader(blob);
      const name = h.string(RPMTAG.NAME);
      const version = h.string(RPMTAG.VERSION);
      const release = h.string(RPMTAG.RELEASE);
      // gpg-pubkey entries are imported signing keys, not software.
      if (!name || !version || name === 'gpg-pubkey') {
        if (!name || !version) bad++;
        continue;
      }
      const epoch = h.int32(RPMTAG.EPOCH);
      const arch = h.string(RPMTAG.ARCH);
      const license = h.string(RPMTAG.LICENSE);
      const srpm = h.string(RPMTAG.SOURCERPM);
      const evr = `${epoch !== undefined ? `${epoch}:` : ''}${version}${release ? `-${release}` : ''}`;
      const source = srpm ? parseSourceRpm(srpm) : undefined;
      const c: Component = {
        ecosystem: 'rpm',
        name,
        version: evr,
        purl: '',
        sourceName: source?.name ?? name,
        // Source and binary packages of one build share the epoch.
        sourceVersion: source ? `${epoch !== undefined ? `${epoch}:` : ''}${source.version}` : evr,
        ...(arch && arch !== '(none)' ? { arch } : {}),
        ...(license ? { licenses: [license] } : {}),
        layer,
        path,
      };
      c.purl = osPurl(c);
      components.push(c);
    } catch (err) {
      if (!(err instanceof RpmHeaderError)) throw err;
      if (bad++ === 0)
        diagnostics.push({ code: 'rpm-bad-header', severity: 'warning', message: `package hnum ${String(hnum)}: ${err.message}` });
    }
  }
  if (bad > 1 || (bad === 1 && diagnostics.length === 0)) {
    diagnostics.push({ code: 'rpm-bad-header', severity: 'warning', message: `${bad} package header(s) could not be read` });
  }
  return { components, ...(diagnostics.length > 0 ? { diagnostics } : {}) };
}

export const rpmAnalyzer = {
  type: 'rpm',
  version: '1',
  maxBytes: 256 * 1024 * 1024,
  required(path) {
    const file = rpmFile(path);
    return file === SQLITE_DB || (file !== undefined && LEGACY_DBS.includes(file));
  },
  analyze: parseRpmdb,
} satisfies FileAnalyzer;
