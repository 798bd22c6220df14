/**
 * Fuzz tests of the policy gate: the example policy and a full one mutated as YAML text, as a
 * value (then written as YAML or JSON) and with hostile YAML spliced in; policies that parse are
 * evaluated against findings whose ids and paths are near misses of the policy's globs. Parsing
 * never throws and every diagnostic has its file, line and column; the same text gives the same
 * diagnostics; evaluation returns (quickly) for every policy that parses.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parse as yamlParse } from 'yaml';
import { toYaml } from '../../profile/serialize.js';
import { repoRoot } from '../../test-support/profile.js';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutations,
  expectBoundedOutput,
  expectNoRawJsMessage,
  fuzzParameters,
  jsonMutations,
  outcome,
  serializeMutated,
  stableText,
} from '../../test-support/fuzz-bytes.js';
import type { Finding } from '../../model/findings.js';
import { evaluatePolicy } from './evaluate.js';
import { parsePolicy } from './parse.js';

const FILE = 'charter-policy.yaml';
const NOW = new Date('2026-06-15T12:00:00Z');
const PROPERTY_TIMEOUT = 60_000;

const EXAMPLE = readFileSync(path.join(repoRoot, 'examples/policy.yaml'), 'utf8');
const FULL = [
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
  '  - id: CHARTER-*-00*',
  '    path: app/**/*.js',
  '    reason: generated',
  'checks:',
  '  allow: [CHARTER-DF-002]',
  '  deny: [CHARTER-K8S-*]',
  'maxFindings: 50',
  '',
].join('\n');
const BASES = [EXAMPLE, FULL];
/** The base policies as documents (what the user wrote, before the schema), for value mutations. */
const BASE_DOCS = BASES.map((t) => yamlParse(t) as unknown);

/** Findings whose ids and paths nearly match the globs above (near misses are the slow case for a backtracking matcher). */
function findings(ids: readonly string[]): Finding[] {
  return ids.map((id, i) => ({
    kind: (['vulnerability', 'secret', 'misconfiguration', 'unsafe-component'] as const)[i % 4] as Finding['kind'],
    id,
    aliases: [`${id}-alias`],
    severity: (['critical', 'high', 'medium', 'low', 'info', 'unknown'] as const)[i % 6] as Finding['severity'],
    title: 't',
    ...(i % 2 === 0 ? { component: { ecosystem: 'npm', name: 'lodash', version: '4.17.15', purl: 'pkg:npm/lodash@4.17.15' } } : {}),
    ...(i % 3 === 0 ? { fixedVersion: '4.17.21' } : {}),
    locations: [{ artifact: 'app/lib/a/b/c/server.js', path: `/app/${'a/'.repeat(i)}x.js` }],
  }));
}

const FINDING_IDS = [
  'GHSA-35jh-r3h4-6jhm',
  'CHARTER-DF-002',
  'CHARTER-K8S-001',
  `X-${'a'.repeat(40)}`,
  `CHARTER-${'0'.repeat(30)}1`,
  'CVE-2021-23337',
];

/** Parses twice and checks the diagnostics; evaluates what parses. */
function parseAndCheck(text: string): void {
  const first = parsePolicy(text, FILE);
  expect(stableText(parsePolicy(text, FILE))).toBe(stableText(first));
  for (const d of first.diagnostics) {
    expect(d.file).toBe(FILE);
    expect(d.code).toMatch(/^policy\/[a-z-]+$/);
    expect(d.line, d.message).toBeGreaterThan(0);
    expect(d.column, d.message).toBeGreaterThan(0);
    expectNoRawJsMessage(d.message, d.code);
  }
  const errors = first.diagnostics.filter((d) => d.severity === 'error');
  expect(first.policy === undefined, stableText(first.diagnostics)).toBe(errors.length > 0);
  // Bounded: one diagnostic per problem, and a policy the size of its text.
  expectBoundedOutput(first, 10_000 + 50 * text.length);
  if (first.policy) {
    const started = Date.now();
    const r = evaluatePolicy(first.policy, findings(FINDING_IDS), { now: NOW });
    expect(Date.now() - started, 'evaluation time (ms)').toBeLessThan(2000);
    for (const w of r.warnings) expectNoRawJsMessage(w.message, w.code);
  }
}

/** Hostile YAML: aliases, tags, merge keys, duplicate keys, odd scalars, glob patterns that backtrack. */
const HOSTILE_YAML = [
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\n',
  '*nowhere\n',
  '!!binary aGVsbG8=\n',
  '<<: {kind: Policy}\n',
  '? [complex, key]\n: value\n',
  '%YAML 1.1\n---\n',
  '---\nsecond: document\n',
  'kind: Policy\nkind: Policy\n',
  '\t\tfailOn: {}\n',
  'maxFindings: 1e400\n',
  'maxFindings: -0\n',
  'maxFindings: 0x10\n',
  'onlyWithFix: yes\n',
  `ignore:\n  - id: "*-${'*a'.repeat(12)}*b"\n    reason: r\n`,
  `ignore:\n  - id: "*"\n    path: "${'**a'.repeat(12)}**b"\n    reason: r\n`,
  'ignore:\n  - id: CVE-1-1\n    reason: "   "\n    expires: 2026-02-30\n',
  'checks: {allow: [CHARTER-DF-001], deny: [CHARTER-DF-001]}\n',
  '__proto__: {polluted: true}\n',
  'failOn: {kinds: {vulnerability: , secret: [high]}}\n',
];

describe('policy fuzz', () => {
  it('the base policies parse (the fuzz starts from valid input)', () => {
    for (const text of BASES) expect(parsePolicy(text, FILE).diagnostics).toEqual([]);
  });

  it(
    'mutated policy text',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), byteMutations(4), async (i, ms) => {
          const text = applyByteMutations(Buffer.from(BASES[i % BASES.length] as string), ms).toString('utf8');
          const o = await outcome(() => parseAndCheck(text));
          expect(o.ok).toBe(true);
        }),
        fuzzParameters(300),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'mutated policy documents, written as YAML or JSON',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), jsonMutations(3), fc.boolean(), (i, ms, yaml) => {
          const value = applyJsonMutations(BASE_DOCS[i % BASE_DOCS.length], ms);
          parseAndCheck(yaml && value !== undefined ? toYaml(value) : serializeMutated(value, 2));
        }),
        fuzzParameters(300),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'hostile YAML spliced in at a line start',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.nat(), fc.nat(), fc.constantFrom(...HOSTILE_YAML), fc.nat({ max: 4 }), (b, at, fragment, indent) => {
          const lines = (BASES[b % BASES.length] as string).split('\n');
          const i = at % lines.length;
          parseAndCheck([...lines.slice(0, i), ...fragment.split('\n').map((l) => ' '.repeat(indent) + l), ...lines.slice(i)].join('\n'));
        }),
        fuzzParameters(300),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
