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

export async function matchVulnerabilities(dbPath: string, components: readonly Component[], artifact: string): Promise<VulnScan> {
  if (!existsSync(dbPath)) {
    return {
      findings: [],
      advisories: 0,
      diagnostics: [
        {
          code: 'scan/no-vuln-db',
          severity: 'warning',
          message: `${NO_DB_MESSAGE} (${dbPath} does not exist); vulnerabilities were not checked`,
          file: dbPath,
        },
      ],
    };
  }
  const store = openSqliteVulnStore(dbPath, { mustExist: true });
  try {
    const status = await store.status();
    if (status.advisories === 0) {
      return {
        findings: [],
        advisories: 0,
        diagnostics: [
          {
            code: 'scan/no-vuln-db',
            severity: 'warning',
            message: `${NO_DB_MESSAGE} (${dbPath} is empty); vulnerabilities were not checked`,
            file: dbPath,
          },
        ],
      };
    }
    const r = await matchComponents(store, components, { artifact });
    return { findings: r.findings, diagnostics: r.diagnostics, advisories: status.advisories };
  } finally {
    await store.close();
  }
}
