/**
 * Fuzz tests of the profile parser: the golden shop profile (cut down to one item per list, so
 * each run parses in milliseconds) mutated as a value, as JSON text and as YAML text with hostile
 * YAML (aliases, tags, merge keys, deep nesting) spliced in. A profile either parses or fails with
 * a UserError naming the file, line and column; twice the same; what it parses to stays bounded.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/profile.js';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutations,
  expectBoundedOutput,
  fuzzParameters,
  jsonMutations,
  outcome,
  outcomeText,
  serializeMutated,
  type Outcome,
} from '../test-support/fuzz-bytes.js';
import { explain } from './explain.js';
import type { Charter } from '../model/charter.js';
import { parseCharter, toJson, toYaml } from './serialize.js';

const FILE = 'shop.charter.json';
const PROPERTY_TIMEOUT = 60_000;

/**
 * Every list cut to its first `keep` items: still a valid profile, a fraction of the size. The
 * syscall groups stay whole: containers refer to them by id.
 */
function cutLists(value: unknown, keep: number): unknown {
  if (Array.isArray(value)) return value.slice(0, keep).map((v) => cutLists(v, keep));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, k === 'syscallGroups' ? v : cutLists(v, keep)]));
  }
  return value;
}

/** The golden profile with its shared sources resolved, so every source is written out in place. */
const GOLDEN: unknown = parseCharter(readFileSync(path.join(repoRoot, 'test/golden/shop/shop.charter.json'), 'utf8'), FILE);
const SMALL = cutLists(GOLDEN, 1);
const SMALL_JSON = toJson(SMALL);
const SMALL_YAML = toYaml(SMALL);

/** Nesting deep enough to overflow the YAML parser's stack, were it not refused first with a position. */
const DEEP_YAML = [
  `x: ${'['.repeat(5000)}${']'.repeat(5000)}\n`,
  `x: ${'{a: '.repeat(2000)}1${'}'.repeat(2000)}\n`,
  `${'- '.repeat(3000)}x\n`,
];

/** YAML that parsers have got wrong: alias bombs, unknown tags, merge keys, deep flow nesting, directives. */
const HOSTILE_YAML = [
  'a: &a [x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]\nd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]\n',
  '*nowhere\n',
  '&x [*x]\n',
  '!!binary aGVsbG8=\n',
  '!!js/function "function () {}"\n',
  '!<tag:yaml.org,2002:python/object> {}\n',
  '<<: {apiVersion: charter/v2}\n',
  '? [complex, key]\n: value\n',
  '%YAML 1.1\n---\n',
  '---\nsecond: document\n',
  'apiVersion: charter/v1\napiVersion: charter/v1\n',
  '\t\tkind: Charter\n',
  '"\\ud800"\n',
  'port: 0x1F90\n',
  'port: 1e400\n',
  'x: .inf\ny: .nan\n',
  '__proto__: {polluted: true}\n',
];

function checkProfileOutcome(o: Outcome<Charter>, text: string): void {
  if (!o.ok) {
    expect(['UserError', 'InputError']).toContain(o.error.name);
    expect(o.error.file).toBe(FILE);
    expect(o.error.line, o.error.message).toBeGreaterThan(0);
    expect(o.error.column, o.error.message).toBeGreaterThan(0);
    return;
  }
  // Bounded: aliases cannot blow a small text up into a huge profile.
  expectBoundedOutput(o.value, 10_000 + 20 * text.length);
  // A parsed profile can be asked about (explain walks every rule).
  expect(() => explain(o.value, undefined)).not.toThrow();
}

async function parseTwiceAndCheck(text: string): Promise<void> {
  const first = await outcome(() => parseCharter(text, FILE));
  checkProfileOutcome(first, text);
  const second = await outcome(() => parseCharter(text, FILE));
  expect(outcomeText(second)).toBe(outcomeText(first));
}

/** Splices one of `fragments` into the YAML profile at a line start, at some indentation. */
function spliceProperty(fragments: readonly string[]): fc.IAsyncProperty<[number, string, number]> {
  const lines = SMALL_YAML.split('\n');
  return fc.asyncProperty(fc.nat(), fc.constantFrom(...fragments), fc.nat({ max: 8 }), async (at, fragment, indent) => {
    const i = at % lines.length;
    await parseTwiceAndCheck(
      [...lines.slice(0, i), ...fragment.split('\n').map((l) => ' '.repeat(indent) + l), ...lines.slice(i)].join('\n'),
    );
  });
}

describe('profile parser fuzz', () => {
  it('parses the cut-down golden profile in both formats (the fuzz starts from valid input)', () => {
    expect(parseCharter(SMALL_JSON, FILE).containers).toHaveLength(1);
    expect(parseCharter(SMALL_YAML, FILE)).toEqual(parseCharter(SMALL_JSON, FILE));
  });

  it(
    'mutated profile values (deleted, retyped, duplicated, wrapped fields)',
    async () => {
      await fc.assert(
        fc.asyncProperty(jsonMutations(3), fc.boolean(), async (ms, yaml) => {
          const value = applyJsonMutations(SMALL, ms);
          await parseTwiceAndCheck(
            yaml && value !== undefined && !serializeMutated(value).includes('[[[') ? toYaml(value) : serializeMutated(value, 2),
          );
        }),
        fuzzParameters(150),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'mutated JSON and YAML text',
    async () => {
      await fc.assert(
        fc.asyncProperty(fc.boolean(), byteMutations(4), async (yaml, ms) => {
          await parseTwiceAndCheck(applyByteMutations(Buffer.from(yaml ? SMALL_YAML : SMALL_JSON), ms).toString('utf8'));
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'hostile YAML spliced in at a line start',
    async () => {
      await fc.assert(spliceProperty(HOSTILE_YAML), fuzzParameters(100));
    },
    PROPERTY_TIMEOUT,
  );
});

describe('profile parser fuzz: deep nesting', () => {
  it('a profile with a key nested 1619 arrays deep (the seed that found it)', async () => {
    await parseTwiceAndCheck(
      serializeMutated(applyJsonMutations(SMALL, [{ kind: 'add-key', path: [], key: '', value: '\u0000charter-fuzz-deep:1619' }]), 2),
    );
  });

  it(
    'deeply nested YAML spliced in',
    async () => {
      await fc.assert(spliceProperty(DEEP_YAML), fuzzParameters(30));
    },
    PROPERTY_TIMEOUT,
  );

  it(
    'mutated profile values, deep nesting included',
    async () => {
      await fc.assert(
        fc.asyncProperty(jsonMutations(3), async (ms) => {
          await parseTwiceAndCheck(serializeMutated(applyJsonMutations(SMALL, ms), 2));
        }),
        fuzzParameters(100),
      );
    },
    PROPERTY_TIMEOUT,
  );
});
