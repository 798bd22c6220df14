import { describe, expect, it } from 'vitest';
import { nestingExceeds } from './json-depth.js';

const nested = (depth: number): unknown => JSON.parse('['.repeat(depth) + ']'.repeat(depth)) as unknown;

describe('nestingExceeds', () => {
  it.each([
    [0, 0, false],
    [1, 1, false],
    [2, 1, true],
    [256, 256, false],
    [257, 256, true],
  ])('depth %i against a limit of %i: %s', (depth, max, exceeds) => {
    expect(nestingExceeds(depth === 0 ? 'leaf' : nested(depth), max)).toBe(exceeds);
  });

  it('counts objects and arrays alike, on any branch', () => {
    expect(nestingExceeds({ a: 1, b: [{ c: [] }] }, 3)).toBe(true);
    expect(nestingExceeds({ a: 1, b: [{ c: 2 }] }, 3)).toBe(false);
  });

  it('walks a value far deeper than the stack allows without overflowing', () => {
    expect(nestingExceeds(nested(1_000_000), 256)).toBe(true);
  });
});
