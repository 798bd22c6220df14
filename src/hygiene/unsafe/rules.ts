/**
 * The unsafe-component checks' ids. Their titles, severities, rationale, remediation and SARIF tags
 * are catalogue entries (src/knowledge/hygiene-catalogue.json, family `unsafe`) like every other
 * hygiene check, and the check table (src/hygiene/checks/index.ts) lists them.
 */
export const DEPRECATED_ID = 'CHARTER-NPM-DEPRECATED';
export const INSTALL_SCRIPT_ID = 'CHARTER-NPM-INSTALL-SCRIPT';

/** Every check id this module's family can report (the catalogue meta-test compares it with the catalogue). */
export const UNSAFE_CHECK_IDS: readonly string[] = [DEPRECATED_ID, INSTALL_SCRIPT_ID];
