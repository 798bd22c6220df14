import { describe, expect, it } from 'vitest';
import { parsePolicy, MAX_POLICY_BYTES } from './parse.js';

const FILE = 'charter-policy.yaml';

describe('parsePolicy', () => {
  it('reads a full policy with per-kind thresholds and defaults filled in', () => {
    const text = [
      'apiVersion: charter/v1',
      'kind: Policy',
      'failOn:',
      '  severity: high',
      '  kinds: { vulnerability: critical, secret: any, misconfiguration: MEDIUM }',
      'onlyWithFix: true',
      'ignore:',
      '  - id: GHSA-35jh-r3h4-6jhm',
      '    component: pkg:npm/lodash',
      '    reason: not reachable from our code',
      '    expires: 2027-01-31',
      'checks:',
      '  allow: [CHARTER-DF-002]',
      '  deny: [CHARTER-K8S-*]',
      'maxFindings: 50',
      '',
    ].join('\n');
    const { policy, diagnostics } = parsePolicy(text, FILE);
    expect(diagnostics).toEqual([]);
    expect(policy).toEqual({
      failOn: { vulnerability: 'critical', secret: 'any', misconfiguration: 'medium' },
      onlyWithFix: true,
      ignore: [
        {
          id: 'GHSA-35jh-r3h4-6jhm',
          component: 'pkg:npm/lodash',
          reason: 'not reachable from our code',
          expires: '2027-01-31',
          source: { file: FILE, line: 8, column: 5 },
        },
      ],
      checks: { allow: ['CHARTER-DF-002'], deny: ['CHARTER-K8S-*'] },
      maxFindings: 50,
      file: FILE,
    });
  });

  it.each([
    [
      'list of kinds takes the shared severity',
      'failOn: { severity: medium, kinds: [secret, vulnerability] }',
      { secret: 'medium', vulnerability: 'medium' },
    ],
    ['list of kinds without severity defaults to high', 'failOn: { kinds: [secret] }', { secret: 'high' }],
    [
      'severity alone applies to every kind',
      'failOn: { severity: low }',
      { vulnerability: 'low', 'unsafe-component': 'low', secret: 'low', misconfiguration: 'low', 'runtime-deviation': 'low' },
    ],
    ['no failOn: nothing fails on severity', '', {}],
  ])('failOn: %s', (_name, yaml, expected) => {
    const { policy, diagnostics } = parsePolicy(`apiVersion: charter/v1\nkind: Policy\n${yaml}\n`, FILE);
    expect(diagnostics).toEqual([]);
    expect(policy?.failOn).toEqual(expected);
  });

  it('reports every problem at once, each with its line and column', () => {
    const text = [
      'apiVersion: charter/v1', // 1
      'kind: Policy', // 2
      'failOn:', // 3
      '  severity: severe', // 4
      '  kinds: [vulnerability, malware]', // 5
      '  colour: red', // 6
      'ignore:', // 7
      '  - id: CVE-2021-23337', // 8
      '    reason: ""', // 9
      '    expires: 2027-02-30', // 10
      '  - id: not an id', // 11
      '    reason: ok', // 12
      '    expires: tomorrow', // 13
      '  - id: GHSA-xvch-5gv4-984h', // 14
      '    expires: 2026-01-01', // 15
      'onlyWithFix: yes please', // 16
      'extra: 1', // 17
      '',
    ].join('\n');
    const { policy, diagnostics } = parsePolicy(text, FILE);
    expect(policy).toBeUndefined();
    const brief = diagnostics.map((d) => `${d.line}:${d.column} ${d.code}`);
    expect(brief).toEqual([
      '4:13 policy/bad-severity',
      '5:26 policy/bad-kind',
      '6:3 policy/unknown-key',
      '9:13 policy/missing-reason',
      '10:14 policy/bad-date',
      '11:9 policy/bad-id',
      '13:14 policy/bad-date',
      '14:5 policy/missing-reason',
      '16:14 policy/invalid',
      '17:1 policy/unknown-key',
    ]);
    expect(diagnostics.every((d) => d.file === FILE && d.severity === 'error')).toBe(true);
    expect(diagnostics.find((d) => d.line === 6)?.message).toContain('unknown key "colour" at /failOn');
    expect(diagnostics.find((d) => d.line === 4)?.message).toContain('bad severity "severe"');
  });

  it.each([
    ['YAML syntax', 'apiVersion: charter/v1\nkind: [Policy\n', 'policy/syntax'],
    ['duplicate key', 'apiVersion: charter/v1\napiVersion: charter/v1\nkind: Policy\n', 'policy/syntax'],
    ['empty file', '', 'policy/empty'],
    ['wrong apiVersion', 'apiVersion: charter/v2\nkind: Policy\n', 'policy/invalid'],
    ['wrong kind', 'apiVersion: charter/v1\nkind: Profile\n', 'policy/invalid'],
    ['not a map', '- 1\n- 2\n', 'policy/invalid'],
    ['kinds neither list nor map', 'apiVersion: charter/v1\nkind: Policy\nfailOn: { kinds: 3 }\n', 'policy/invalid'],
    ['negative maxFindings', 'apiVersion: charter/v1\nkind: Policy\nmaxFindings: -1\n', 'policy/invalid'],
    [
      'allowed and denied',
      'apiVersion: charter/v1\nkind: Policy\nchecks: { allow: [CHARTER-DF-001], deny: [CHARTER-DF-001] }\n',
      'policy/allow-and-deny',
    ],
    [
      'alias bomb',
      'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
      'policy/syntax',
    ],
  ])('hostile or wrong input: %s → %s with a position, never a throw', (_name, text, code) => {
    const { policy, diagnostics } = parsePolicy(text, FILE);
    expect(policy).toBeUndefined();
    expect(diagnostics.map((d) => d.code)).toContain(code);
    for (const d of diagnostics) {
      expect(d.file).toBe(FILE);
      expect(d.line).toBeGreaterThanOrEqual(1);
      expect(d.column).toBeGreaterThanOrEqual(1);
    }
  });

  it('refuses an oversized file without parsing it', () => {
    const { diagnostics } = parsePolicy(`# ${'x'.repeat(MAX_POLICY_BYTES)}`, FILE);
    expect(diagnostics.map((d) => d.code)).toEqual(['policy/too-large']);
  });

  it('accepts JSON (YAML 1.2) with the same positions', () => {
    const { policy, diagnostics } = parsePolicy('{"apiVersion":"charter/v1","kind":"Policy","onlyWithFix":false,\n "bogus":1}', FILE);
    expect(policy).toBeUndefined();
    expect(diagnostics).toEqual([
      { code: 'policy/unknown-key', severity: 'error', message: 'unknown key "bogus"', file: FILE, line: 2, column: 2 },
    ]);
  });
});
