import { describe, expect, it } from 'vitest';
import { isRecord } from './records.js';

describe('isRecord', () => {
  it.each([
    [{}, true],
    [Object.create(null) as unknown, true],
    [[], false],
    [null, false],
    [undefined, false],
    ['{}', false],
    [1, false],
  ])('%j → %j', (value, expected) => {
    expect(isRecord(value)).toBe(expected);
  });
});
