import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, evaluatePolicy, parsePolicy } from '../hygiene/policy/index.js';
import { sortFindings } from '../scan/sort.js';
import type { ScanResult } from '../model/scan-result.js';
import { SAMPLE_SCAN } from './fixtures/sample-scan.js';
import { toScanJson } from './json.js';
import { toSarif, toSarifLog } from './sarif.js';
import { toTable } from './table.js';
import { expectGolden } from '../test-support/golden.js';
import { sarifErrors } from '../test-support/sarif.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const NOW = new Date('2026-06-15T00:00:00Z');
const scan: ScanResult = { ...SAMPLE_SCAN, findings: sortFindings(SAMPLE_SCAN.findings) };
const policy = evaluatePolicy(DEFAULT_POLICY, scan.findings, { now: NOW });

/** Each golden file is written by exactly one test (CHARTER_UPDATE_GOLDEN=1 regenerates). */
function golden(name: string, actual: string): void {
  expectGolden(path.join(here, 'fixtures/golden', name), actual);
}

describe('SARIF 2.1.0', () => {
  const log = toSarifLog(scan, { toolName: 'charter', toolVersion: '0.1.0' });
  const run = (log['runs'] as Record<string, unknown>[])[0] as {
    tool: { driver: { rules: Record<string, unknown>[] } };
    results: Record<string, unknown>[];
  };

  it('validates against the official OASIS schema', () => {
    expect(sarifErrors(log)).toEqual([]);
  });

  it('the validator does reject a broken log (it can fail)', () => {
    const broken = JSON.parse(JSON.stringify(log)) as {
      runs: { results: { level: string; locations: { physicalLocation: { region: { startLine: number } } }[] }[] }[];
    };
    const first = broken.runs[0]?.results[0];
    if (first) first.level = 'fatal';
    expect(sarifErrors(broken).length).toBeGreaterThan(0);
    expect(sarifErrors({ version: '2.1.0' }).length).toBeGreaterThan(0);
  });

  it('has one rule per id with a numeric security-severity, help and tags', () => {
    const rules = run.tool.driver.rules;
    expect(rules.map((r) => r['id'])).toEqual([...new Set(scan.findings.map((f) => f.id))].sort());
    const minimist = rules.find((r) => r['id'] === 'GHSA-xvch-5gv4-984h') as {
      properties: Record<string, unknown>;
      helpUri: string;
      help: { text: string };
    };
    expect(minimist.properties['security-severity']).toBe('9.8');
    expect(minimist.helpUri).toBe('https://github.com/advisories/GHSA-xvch-5gv4-984h');
    expect(minimist.help.text).toContain('Upgrade to 1.2.6 or later.');
    const df = rules.find((r) => r['id'] === 'CHARTER-DF-001') as { properties: { tags: string[]; 'security-severity': string } };
    expect(df.properties.tags).toContain('CIS Docker Benchmark 4.1');
    expect(df.properties['security-severity']).toBe('5.5');
    for (const r of rules) {
      const sev = (r['properties'] as Record<string, unknown>)['security-severity'];
      if (sev !== undefined) expect(String(sev)).toMatch(/^\d+\.\d$/);
    }
  });

  it.each([
    ['CHARTER-DF-001', { physicalLocation: { artifactLocation: { uri: 'Dockerfile' }, region: { startLine: 1, startColumn: 1 } } }],
    ['CHARTER-K8S-001', { physicalLocation: { artifactLocation: { uri: 'deploy/app.yaml' }, region: { startLine: 21, startColumn: 11 } } }],
    [
      'CHARTER-SECRET-PRIVATE-KEY',
      { physicalLocation: { artifactLocation: { uri: 'root/dir%20with%20space/id_rsa' }, region: { startLine: 1 } } },
    ],
    ['DLA-0000-1', { logicalLocations: [{ name: 'oci-archive:app.tar', kind: 'module' }] }],
  ])('location of %s', (id, expected) => {
    const result = run.results.find((r) => r['ruleId'] === id) as { locations: Record<string, unknown>[]; level: string };
    expect(result.locations[0]).toMatchObject(expected);
  });

  it('levels follow severity', () => {
    const level = (id: string) => run.results.find((r) => r['ruleId'] === id)?.['level'];
    expect([level('GHSA-xvch-5gv4-984h'), level('CHARTER-DF-001'), level('CHARTER-NPM-DEPRECATED')]).toEqual(['error', 'warning', 'note']);
  });

  it('fingerprints ignore versions and lines but not packages', () => {
    const fp = (s: ScanResult) =>
      (
        toSarifLog(s, { toolName: 'c', toolVersion: '1' })['runs'] as { results: { partialFingerprints: Record<string, string> }[] }[]
      )[0]?.results.map((r) => r.partialFingerprints['charterFinding/v1']);
    const bumped: ScanResult = {
      ...scan,
      findings: scan.findings.map((f) => ({
        ...f,
        ...(f.component ? { component: { ...f.component, version: '9.9.9' } } : {}),
        locations: f.locations.map((l) => ({ ...l, ...(l.line ? { line: l.line + 5 } : {}) })),
      })),
    };
    expect(fp(bumped)).toEqual(fp(scan));
    const fps = fp(scan) ?? [];
    expect(new Set(fps).size).toBe(fps.length);
  });

  it('golden', () => {
    golden('sample.sarif.json', toSarif(scan, { toolName: 'charter', toolVersion: '0.1.0' }));
  });
});

describe('table and JSON', () => {
  it('table golden, with the policy verdict', () => {
    const text = toTable(scan, policy);
    expect(text).toContain('Policy: FAILED');
    golden('sample.table.txt', text);
  });

  it('table lists ignored findings with their reason and no longer among the findings', () => {
    const p = parsePolicy(
      'apiVersion: charter/v1\nkind: Policy\nignore:\n  - id: GHSA-xvch-5gv4-984h\n    reason: build-time only\n    expires: 2027-01-31\n',
      'p.yaml',
    ).policy;
    if (!p) throw new Error('policy');
    const text = toTable(scan, evaluatePolicy(p, scan.findings, { now: NOW }));
    expect(text).toContain('GHSA-xvch-5gv4-984h minimist@1.2.5: build-time only (until 2027-01-31)');
    expect(text).toContain('Vulnerabilities (2:');
  });

  it('JSON golden; failing findings by index', () => {
    const json = toScanJson(scan, policy);
    const doc = JSON.parse(json) as { policy: { failing: number[] }; findings: { id: string }[] };
    expect(doc.policy.failing.map((i) => doc.findings[i]?.id)).toEqual(policy.failing.map((f) => f.id));
    golden('sample.scan.json', json);
  });

  it('is deterministic: shuffled input, same bytes', () => {
    const shuffled: ScanResult = { ...SAMPLE_SCAN, findings: sortFindings([...SAMPLE_SCAN.findings].reverse()) };
    expect(toSarif(shuffled, { toolName: 'charter', toolVersion: '0.1.0' })).toBe(
      toSarif(scan, { toolName: 'charter', toolVersion: '0.1.0' }),
    );
  });
});
