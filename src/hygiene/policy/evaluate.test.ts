import { describe, expect, it } from 'vitest';
import type { Finding } from '../../model/findings.js';
import { DEFAULT_POLICY, evaluatePolicy, isExpired } from './evaluate.js';
import { globMatches } from './evaluate.js';
import { parsePolicy } from './parse.js';
import type { Policy } from './schema.js';

const NOW = new Date('2026-06-15T12:00:00Z');

function vuln(id: string, severity: Finding['severity'], fixedVersion?: string, extra: Partial<Finding> = {}): Finding {
  return {
    kind: 'vulnerability',
    id,
    aliases: [],
    severity,
    title: id,
    component: { ecosystem: 'npm', name: 'lodash', version: '4.17.15', purl: 'pkg:npm/lodash@4.17.15' },
    ...(fixedVersion ? { fixedVersion } : {}),
    locations: [{ artifact: 'oci-archive:app.tar', layer: 'sha256:aa', path: '/app/node_modules/lodash/package.json' }],
    ...extra,
  };
}

function finding(
  kind: Finding['kind'],
  id: string,
  severity: Finding['severity'],
  locations: Finding['locations'] = [{ artifact: 'Dockerfile', line: 3 }],
): Finding {
  return { kind, id, aliases: [], severity, title: id, locations };
}

function policy(yaml: string): Policy {
  const { policy: p, diagnostics } = parsePolicy(`apiVersion: charter/v1\nkind: Policy\n${yaml}\n`, 'p.yaml');
  if (!p) throw new Error(JSON.stringify(diagnostics));
  return p;
}

const ids = (fs: readonly Finding[]): string[] => fs.map((f) => f.id);

describe('evaluatePolicy with the default policy', () => {
  it.each([
    ['critical vulnerability with a fix', vuln('GHSA-c', 'critical', '4.17.21'), true],
    ['high vulnerability with a fix', vuln('GHSA-h', 'high', '4.17.21'), true],
    ['high vulnerability without a fix', vuln('GHSA-n', 'high'), false],
    ['medium vulnerability with a fix', vuln('GHSA-m', 'medium', '1.0.0'), false],
    ['unknown-severity vulnerability', vuln('DLA-1', 'unknown', '1.0.0'), false],
    ['any secret, even low', finding('secret', 'CHARTER-SECRET-001', 'low'), true],
    ['critical misconfiguration', finding('misconfiguration', 'CHARTER-K8S-001', 'critical'), true],
    ['high misconfiguration', finding('misconfiguration', 'CHARTER-DF-001', 'high'), false],
    ['malicious package (critical unsafe component)', finding('unsafe-component', 'MAL-2022-1', 'critical'), true],
    ['deprecated package (low unsafe component)', finding('unsafe-component', 'CHARTER-UNSAFE-DEPRECATED', 'low'), false],
  ])('%s → fails: %s', (_name, f, fails) => {
    const r = evaluatePolicy(DEFAULT_POLICY, [f], { now: NOW });
    expect(r.pass).toBe(!fails);
    expect(ids(r.failing)).toEqual(fails ? [f.id] : []);
    expect(r.reasons).toHaveLength(fails ? 1 : 0);
  });

  it('passes on no findings', () => {
    expect(evaluatePolicy(DEFAULT_POLICY, [], { now: NOW })).toEqual({ pass: true, failing: [], ignored: [], warnings: [], reasons: [] });
  });
});

describe('ignore rules', () => {
  const f = vuln('GHSA-35jh-r3h4-6jhm', 'high', '4.17.21', { aliases: ['CVE-2021-23337'] });
  it.each([
    ['by id', 'id: GHSA-35jh-r3h4-6jhm', true],
    ['by alias, any case', 'id: cve-2021-23337', true],
    ['by id wildcard', 'id: GHSA-*', true],
    ['by name', 'id: GHSA-35jh-r3h4-6jhm\n    component: lodash', true],
    ['by name@version', 'id: GHSA-35jh-r3h4-6jhm\n    component: lodash@4.17.15', true],
    ['by name, other package', 'id: GHSA-35jh-r3h4-6jhm\n    component: lodash-es', false],
    ['by purl without version', 'id: GHSA-35jh-r3h4-6jhm\n    component: pkg:npm/lodash', true],
    ['by purl with version', 'id: GHSA-35jh-r3h4-6jhm\n    component: pkg:npm/lodash@4.17.15', true],
    ['by purl with another version', 'id: GHSA-35jh-r3h4-6jhm\n    component: pkg:npm/lodash@4.17.20', false],
    ['by path glob', 'id: GHSA-35jh-r3h4-6jhm\n    path: /app/node_modules/**', true],
    ['by path, single star stays in a segment', 'id: GHSA-35jh-r3h4-6jhm\n    path: /app/*/package.json', false],
    ['by path, elsewhere', 'id: GHSA-35jh-r3h4-6jhm\n    path: /srv/**', false],
    ['other id', 'id: GHSA-xvch-5gv4-984h', false],
    ['not yet expired (expires today)', 'id: GHSA-35jh-r3h4-6jhm\n    expires: 2026-06-15', true],
    ['expired yesterday', 'id: GHSA-35jh-r3h4-6jhm\n    expires: 2026-06-14', false],
  ])('%s → ignored: %s', (_name, rule, isIgnored) => {
    const p = policy(`failOn: { kinds: [vulnerability] }\nignore:\n  - ${rule}\n    reason: accepted risk`);
    const r = evaluatePolicy(p, [f], { now: NOW });
    expect(r.ignored.map((i) => i.finding.id)).toEqual(isIgnored ? [f.id] : []);
    expect(r.pass).toBe(isIgnored);
  });

  it('reports an expired ignore with its file and line, and it no longer applies', () => {
    const p = policy(
      'failOn: { kinds: [vulnerability] }\nignore:\n  - id: GHSA-35jh-r3h4-6jhm\n    reason: waiting for upstream\n    expires: 2026-01-31',
    );
    const r = evaluatePolicy(p, [f], { now: NOW });
    expect(r.pass).toBe(false);
    expect(r.warnings).toEqual([
      {
        code: 'policy/ignore-expired',
        severity: 'warning',
        message: 'ignore of GHSA-35jh-r3h4-6jhm expired on 2026-01-31; it no longer applies (reason was: waiting for upstream)',
        file: 'p.yaml',
        line: 5,
        column: 5,
      },
    ]);
  });

  it('says when an ignore matched nothing', () => {
    const p = policy('ignore:\n  - id: CVE-1999-0001\n    reason: old');
    const r = evaluatePolicy(p, [f], { now: NOW });
    expect(r.warnings.map((w) => w.code)).toEqual(['policy/ignore-unused']);
  });

  it('isExpired is inclusive of the expiry day (UTC)', () => {
    const rule = { id: 'X-1', reason: 'r', expires: '2026-06-15' };
    expect(isExpired(rule, new Date('2026-06-15T23:59:59Z'))).toBe(false);
    expect(isExpired(rule, new Date('2026-06-16T00:00:00Z'))).toBe(true);
    expect(isExpired({ id: 'X-1', reason: 'r' }, new Date('2999-01-01'))).toBe(false);
  });
});

describe('checks, onlyWithFix and maxFindings', () => {
  const df1 = finding('misconfiguration', 'CHARTER-DF-001', 'low');
  const df2 = finding('misconfiguration', 'CHARTER-DF-002', 'critical');
  it.each([
    [
      'deny beats a threshold the finding is under',
      'failOn: { kinds: { misconfiguration: high } }\nchecks: { deny: [CHARTER-DF-001] }',
      ['CHARTER-DF-001', 'CHARTER-DF-002'],
    ],
    ['allow beats a threshold the finding meets', 'failOn: { kinds: { misconfiguration: high } }\nchecks: { allow: [CHARTER-DF-002] }', []],
    ['wildcard deny with no thresholds at all', 'checks: { deny: [CHARTER-DF-*] }', ['CHARTER-DF-001', 'CHARTER-DF-002']],
    ['threshold only', 'failOn: { kinds: { misconfiguration: high } }', ['CHARTER-DF-002']],
  ])('%s', (_name, yaml, failing) => {
    const p = policy(yaml);
    expect(ids(evaluatePolicy(p, [df1, df2], { now: NOW }).failing)).toEqual(failing);
  });

  it('deny does not override an explicit, unexpired ignore', () => {
    const p = policy(
      'checks: { deny: [CHARTER-DF-001] }\nignore:\n  - id: CHARTER-DF-001\n    path: Dockerfile\n    reason: base image is ours',
    );
    const r = evaluatePolicy(p, [df1], { now: NOW });
    expect(r.pass).toBe(true);
    expect(r.ignored).toHaveLength(1);
  });

  it.each([
    [true, ['GHSA-fix']],
    [false, ['GHSA-fix', 'GHSA-nofix']],
  ])('onlyWithFix %s', (only, failing) => {
    const p = policy(`failOn: { kinds: [vulnerability] }\nonlyWithFix: ${only}`);
    expect(ids(evaluatePolicy(p, [vuln('GHSA-fix', 'high', '2.0.0'), vuln('GHSA-nofix', 'critical')], { now: NOW }).failing)).toEqual(
      failing,
    );
  });

  it('maxFindings fails on the count after ignores, whatever the severities', () => {
    const p = policy('maxFindings: 1\nignore:\n  - id: CHARTER-DF-002\n    reason: r');
    expect(evaluatePolicy(p, [df1, df2], { now: NOW }).pass).toBe(true);
    const r = evaluatePolicy(p, [df1, df1, df2], { now: NOW });
    expect(r.pass).toBe(false);
    expect(r.failing).toEqual([]);
    expect(r.reasons).toEqual(['2 findings, more than maxFindings 1']);
  });
});

describe('globMatches', () => {
  const ids = { segmentAware: false, ignoreCase: true };
  const paths = { segmentAware: true, ignoreCase: false };
  it.each([
    ['CHARTER-DF-*', 'charter-df-001', ids, true],
    ['CHARTER-DF-*', 'CHARTER-K8S-001', ids, false],
    ['*', '', ids, true],
    ['*-*-1', 'DSA-5000-1', ids, true],
    ['GHSA-*', 'GHSA-35jh-r3h4-6jhm', ids, true],
    ['app/*.js', 'app/server.js', paths, true],
    ['app/*.js', 'app/lib/server.js', paths, false],
    ['app/**.js', 'app/lib/server.js', paths, true],
    ['app/**/x', 'app/a/b/x', paths, true],
    ['App/*', 'app/x', paths, false],
    ['a.b', 'aXb', paths, false],
    ['[x]', '[x]', paths, true],
  ])('%s against %s', (glob, text, opts, expected) => {
    expect(globMatches(glob, text, opts)).toBe(expected);
  });

  it('stays linear on a pattern a regular expression backtracks on (found by the policy fuzz test)', () => {
    const started = Date.now();
    expect(globMatches(`*-${'*a'.repeat(12)}*b`, `X-${'a'.repeat(40)}`, ids)).toBe(false);
    expect(globMatches(`${'**a'.repeat(12)}**b`, 'a/'.repeat(200), paths)).toBe(false);
    expect(Date.now() - started).toBeLessThan(1000);
  });

  it('an ignore rule with such a pattern does not hang the gate', () => {
    const policy: Policy = { ...DEFAULT_POLICY, ignore: [{ id: `*-${'*a'.repeat(12)}*b`, reason: 'x' }] };
    const r = evaluatePolicy(policy, [finding('vulnerability', `X-${'a'.repeat(40)}`, 'critical')], { now: NOW });
    expect(r.ignored).toEqual([]);
  });
});
