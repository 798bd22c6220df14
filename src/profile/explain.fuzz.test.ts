/**
 * Fuzz tests of `explain` queries over the golden shop profile: any query string — known kinds
 * with odd values, unknown kinds, regex and glob metacharacters, huge and empty values — returns
 * a subset of the container's rules, the same twice, and never throws.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fuzzParameters, stableText } from '../test-support/fuzz-bytes.js';
import { repoRoot } from '../test-support/profile.js';
import { EXPLAIN_KINDS, explain, formatSource } from './explain.js';
import { parseCharter } from './serialize.js';

const SHOP = parseCharter(readFileSync(path.join(repoRoot, 'test/golden/shop/shop.charter.json'), 'utf8'), 'shop.charter.json');
const CONTAINERS = SHOP.containers.map((c) => c.name);
const ALL = explain(SHOP, undefined);
/** Every rule of each container (and of all, under the empty key), as stable text. */
const RULES = new Map<string | undefined, Set<string>>();
const rulesOf = (container: string | undefined): Set<string> => {
  let set = RULES.get(container);
  if (!set) {
    set = new Set(explain(SHOP, undefined, container).matches.map((m) => stableText(m)));
    RULES.set(container, set);
  }
  return set;
};

/** The kinds explain knows, a wrong-case one, an unknown one and none. */
const KINDS = [...EXPLAIN_KINDS, 'SYSCALL', 'nonsense', ''];

/** Values: real subjects of the profile, their near misses, metacharacters, edge sizes. */
const value = fc.oneof(
  fc.constantFrom(...ALL.matches.map((m) => m.subject.split(' ')[0] ?? '')),
  fc.constantFrom(
    '',
    ':',
    '/',
    '//',
    '*',
    '.*',
    '(a+)+$',
    '[',
    '\\',
    '%s',
    '__proto__',
    'constructor',
    '8080/',
    '/tcp',
    '65536/udp',
    'db:',
    ':5432',
    '../',
    'x'.repeat(100_000),
    '\u0000',
    'é',
    'CAP_',
  ),
  fc.string({ maxLength: 16 }),
);
const query = fc.oneof(
  fc.tuple(fc.constantFrom(...KINDS), value).map(([k, v]) => `${k}:${v}`),
  value,
  fc.constant(undefined),
);

describe('explain fuzz', () => {
  it('any query returns a subset of the rules, twice the same, and every match formats', () => {
    fc.assert(
      fc.property(
        query,
        fc.option(fc.oneof(fc.constantFrom(...CONTAINERS), fc.string({ maxLength: 6 })), { nil: undefined }),
        (q, container) => {
          const r = explain(SHOP, q, container);
          expect(stableText(explain(SHOP, q, container))).toBe(stableText(r));
          expect(r.query).toBe(q ?? '');
          const all = rulesOf(container);
          for (const m of r.matches) {
            expect(all.has(stableText(m))).toBe(true);
            for (const s of m.sources) expect(formatSource(s)).toContain(s.artifact);
          }
        },
      ),
      fuzzParameters(300),
    );
  });
});
