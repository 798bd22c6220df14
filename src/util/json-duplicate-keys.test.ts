import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { hasDuplicateKeys } from './json-duplicate-keys.js';

describe('hasDuplicateKeys', () => {
  it.each([
    ['{"a":1,"a":2}', true],
    ['{"a":{"b":1},"c":[{"b":1,"b":2}]}', true],
    ['{"a":1,"\\u0061":2}', true],
    ['{"a\\"":1,"a\\\\":2,"a":3}', false],
    ['{"a":"a","b":["a","a"],"c":{"a":1}}', false],
    ['[{"a":1},{"a":1}]', false],
    ['{"k":"x\\\\","k2":1,"k":2}', true],
  ])('%s → %s', (text, expected) => {
    JSON.parse(text);
    expect(hasDuplicateKeys(text)).toBe(expected);
  });

  it('finds no duplicate in anything JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.json({ maxDepth: 4 }), (text) => {
        expect(hasDuplicateKeys(text)).toBe(false);
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});
