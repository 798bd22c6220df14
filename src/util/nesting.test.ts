import { describe, expect, it } from 'vitest';
import { MAX_NESTING_DEPTH, findExcessiveJsonNesting, findExcessiveNesting } from './nesting.js';

const deepJson = (n: number): string => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;

describe('findExcessiveNesting', () => {
  it.each([
    ['JSON objects', deepJson(100_000), { line: 1, column: 5 * MAX_NESTING_DEPTH + 1 }],
    ['JSON arrays', '['.repeat(100_000), { line: 1, column: MAX_NESTING_DEPTH + 1 }],
    ['YAML compact sequences', `${'- '.repeat(1000)}x\n`, { line: 1, column: 2 * MAX_NESTING_DEPTH + 1 }],
    ['YAML block indentation', Array.from({ length: 400 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'), { line: MAX_NESTING_DEPTH + 2 }],
    ['YAML flow inside a block value', `key: ${'['.repeat(300)}`, { line: 1 }],
  ])('finds %s nested too deeply, with a position', (_what, text, where) => {
    const found = findExcessiveNesting(text);
    expect(found).toBeDefined();
    expect(found).toMatchObject(where);
  });

  it.each([
    ['a normal profile', JSON.stringify({ a: [{ b: { c: [1, 2, { d: 'x' }] } }] }, null, 2)],
    ['brackets inside strings', JSON.stringify({ s: '['.repeat(5000), t: "{{{'" })],
    ['brackets in YAML plain scalars and comments', `a: foo[bar\nb: x{y # [[[[\n# ${'['.repeat(5000)}\nc: '${'{'.repeat(5000)}'\n`],
    ['depth exactly at the limit', deepJson(MAX_NESTING_DEPTH - 1)],
    ['many siblings', `[${'[1],'.repeat(100_000)}1]`],
  ])('accepts %s', (_what, text) => {
    expect(findExcessiveNesting(text)).toBeUndefined();
  });

  it('JSON: the fast path agrees with the full scan', () => {
    expect(findExcessiveJsonNesting(deepJson(100_000))).toEqual(findExcessiveNesting(deepJson(100_000)));
    expect(findExcessiveJsonNesting(deepJson(10))).toBeUndefined();
    // Many brackets, none deep: past the fast path, accepted by the full scan.
    expect(findExcessiveJsonNesting(JSON.stringify({ s: '['.repeat(5000), a: Array.from({ length: 500 }, () => [1]) }))).toBeUndefined();
  });
});
