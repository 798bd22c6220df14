/**
 * Edge: the vulnerability database for a scan. A missing or empty database is not an error: the
 * scan goes on without vulnerability matching and says so (`scan/no-vuln-db`).
 */
import { existsSync } from 'node:fs';
import type { Finding } from '../model/findings.js';
import type { Component } from '../model/components.js';
import type { Diagnostic } from '../model/charter.js';
import { openSqliteVulnStore } from '../store/vulns/sqlite/index.js';
import { matchComponents } from '../vulns/match.js';

export const NO_DB_MESSAGE = 'no vulnerability database: run charter db import';

export interface VulnScan {
  findings: Finding[];
  diagnostics: Diagnostic[];
  /** Advisories in the database (0 when there is none). */
  advisories: number;
}

/** The scan's answer when there is no database to match against: nothing found, and why. */
function notChecked(dbPath: string, why: string): VulnScan {
  const message = `${NO_DB_MESSAGE} (${dbPath} ${why}); vulnerabilities were not checked`;
  return { findings: [], advisories: 0, diagnostics: [{ code: 'scan/no-vuln-db', severity: 'warning', message, file: dbPath }] };
}

export async function matchVulnerabilities(dbPath: string, components: readonly Component[], artifact: string): Promise<VulnScan> {
  if (!existsSync(dbPath)) {
    return notChecked(dbPath, 'does not exist');
  }
  const store = openSqliteVulnStore(dbPath, { mustExist: true });
  try {
    const status = await store.status();
    if (status.advisories === 0) {
      return notChecked(dbPath, 'is empty');
    }
    const r = await matchComponents(store, components, { artifact });
    return { findings: r.findings, diagnostics: r.diagnostics, advisories: status.advisories };
  } finally {
    await store.close();
  }
}
