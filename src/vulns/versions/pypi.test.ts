import { describe, expect, it } from 'vitest';
import { VersionError } from './index.js';
import { orderingLawViolations } from './ordering-laws.js';
import { comparePep440, normalizePep440, parsePep440 } from './pypi.js';

/**
 * packaging's tests/test_version.py (pypa/packaging, commit
 * 0345ccd3d1e5b0e14b84de4fb6bca0b82f7145e3), `VERSIONS`: "This list must be in the correct
 * sorting order" (the same list again with epoch 1 follows in that file; added below).
 */
const PACKAGING_VERSIONS_EPOCH0: readonly string[] = [
  '1.0.dev0',
  '1.0.dev456',
  '1.0.dev456+local',
  '1.0a0',
  '1.0a0.post0.dev0',
  '1.0a0.post0',
  '1.0a1.dev1',
  '1.0a1.dev1+local',
  '1.0a1',
  '1.0a1+local',
  '1.0b0',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0b2-346',
  '1.0rc0',
  '1.0rc1.dev1',
  '1.0c1',
  '1.0rc2',
  '1.0',
  '1.0.post0.dev0',
  '1.0.post0',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.post456+local',
  '1.0.1.dev1',
  '1.0.1a1',
  '1.0.1',
  '1.0.1+local',
  '1.0.1.post1',
  '1.1.dev1',
  '1.2+a',
  '1.2+abc',
  '1.2+abcdef',
  '1.2+def',
  '1.2+0',
  '1.2+1',
  '1.2+1.abc',
  '1.2+1.1',
  '1.2+1.1.0',
  '1.2+2',
  '1.2+123',
  '1.2+123456',
  '1.2.r32+123456',
  '1.2.rev33+123456',
];
const PACKAGING_VERSIONS = [...PACKAGING_VERSIONS_EPOCH0, ...PACKAGING_VERSIONS_EPOCH0.map((v) => `1!${v}`)];

/**
 * PEP 440, "Summary of permitted suffixes and relative ordering": the example list, in order;
 * and the chain this project relies on when matching ranges.
 */
const PEP440_ORDER: readonly string[] = [
  '1.0.dev456',
  '1.0a1',
  '1.0a2.dev456',
  '1.0a12.dev456',
  '1.0a12',
  '1.0b1.dev456',
  '1.0b2',
  '1.0b2.post345.dev456',
  '1.0b2.post345',
  '1.0rc1.dev456',
  '1.0rc1',
  '1.0',
  '1.0+abc.5',
  '1.0+abc.7',
  '1.0+5',
  '1.0.post456.dev34',
  '1.0.post456',
  '1.0.15',
  '1.1.dev1',
];
const CHAIN: readonly string[] = ['1.0.dev0', '1.0a1.dev0', '1.0a1', '1.0', '1.0.post1'];

type Case = readonly [a: string, b: string, expected: -1 | 0 | 1];
const EQUAL: readonly Case[] = [
  ['1.0rc1', '1.0c1', 0], // packaging test_version_rc_and_c_equals
  ['1.0', '1.0.0', 0], // PEP 440: release segments compare with zero padding
  ['1.0', '1.0.0.0.0', 0],
  ['1.01', '1.1', 0],
  ['0!1.0', '1.0', 0],
  ['1.0-post1', '1.0.post1', 0],
  ['1.0-1', '1.0.post1', 0],
  ['1.0+AbC', '1.0+abc', 0],
  ['1.0+01', '1.0+1', 0],
  ['v1.0', '1.0', 0],
  ['1.0a', '1.0a0', 0],
  ['1.0.dev', '1.0.dev0', 0],
  ['2.0', '10.0', -1],
  ['1.0+a', '1.0+b', -1],
  ['1.0+a-b', '1.0+a.c', -1],
];

function pairsOf(sorted: readonly string[]): Case[] {
  const out: Case[] = [];
  for (let i = 1; i < sorted.length; i++) out.push([sorted[i - 1] ?? '', sorted[i] ?? '', -1]);
  return out;
}
// Adjacent rows of the packaging list; `1.0rc1.dev1`… `1.0c1` differ, but `1.0c1` equals `1.0rc1` only.
const ALL: Case[] = [...pairsOf(PACKAGING_VERSIONS), ...pairsOf(PEP440_ORDER), ...pairsOf(CHAIN), ...EQUAL];

/** packaging test_normalized_versions (same file and commit). */
const NORMALIZED: readonly (readonly [string, string])[] = [
  ['1.0dev', '1.0.dev0'],
  ['1.0.dev', '1.0.dev0'],
  ['1.0dev1', '1.0.dev1'],
  ['1.0-dev', '1.0.dev0'],
  ['1.0-dev1', '1.0.dev1'],
  ['1.0DEV', '1.0.dev0'],
  ['1.0.DEV1', '1.0.dev1'],
  ['1.0-DEV', '1.0.dev0'],
  ['1.0a', '1.0a0'],
  ['1.0.a', '1.0a0'],
  ['1.0.a1', '1.0a1'],
  ['1.0-a', '1.0a0'],
  ['1.0-a1', '1.0a1'],
  ['1.0alpha', '1.0a0'],
  ['1.0.alpha1', '1.0a1'],
  ['1.0-alpha', '1.0a0'],
  ['1.0A', '1.0a0'],
  ['1.0ALPHA', '1.0a0'],
  ['1.0b', '1.0b0'],
  ['1.0.b1', '1.0b1'],
  ['1.0beta', '1.0b0'],
  ['1.0-beta1', '1.0b1'],
  ['1.0BETA', '1.0b0'],
  ['1.0c', '1.0rc0'],
  ['1.0.c1', '1.0rc1'],
  ['1.0rc', '1.0rc0'],
  ['1.0-rc1', '1.0rc1'],
  ['1.0C', '1.0rc0'],
  ['1.0RC1', '1.0rc1'],
  ['1.0post', '1.0.post0'],
  ['1.0.post', '1.0.post0'],
  ['1.0post1', '1.0.post1'],
  ['1.0-post', '1.0.post0'],
  ['1.0-post1', '1.0.post1'],
  ['1.0POST', '1.0.post0'],
  ['1.0r', '1.0.post0'],
  ['1.0rev', '1.0.post0'],
  ['1.0.r1', '1.0.post1'],
  ['1.0.rev1', '1.0.post1'],
  ['1.0-5', '1.0.post5'],
  ['1.0-r5', '1.0.post5'],
  ['1.0-rev5', '1.0.post5'],
  ['1.0+AbC', '1.0+abc'],
  ['1.01', '1.1'],
  ['1.0a05', '1.0a5'],
  ['1.0b07', '1.0b7'],
  ['1.0c056', '1.0rc56'],
  ['1.0rc09', '1.0rc9'],
  ['1.0.post-1', '1.0.post1'],
  ['1.0.post000', '1.0.post0'],
  ['1.1.dev09000', '1.1.dev9000'],
  ['00!1.2', '1.2'],
  ['0100!0.0', '100!0.0'],
  ['v1.0', '1.0'],
  ['   v1.0\t\n', '1.0'],
  ['\u202f1.0\t\u2029\n ', '1.0'],
  ['1.0pre1', '1.0rc1'],
  ['1.0preview2', '1.0rc2'],
  ['1.0.dev456', '1.0.dev456'],
  ['7!1.0b2.post345.dev456', '7!1.0b2.post345.dev456'],
  ['0!1.0.4+8.0', '1.0.4+8.0'],
  ['1.2+123abc456', '1.2+123abc456'],
];

/** packaging test_invalid_versions (same file and commit). */
const INVALID: readonly string[] = [
  'french toast',
  '1.0+a+',
  '1.0++',
  '1.0+_foobar',
  '1.0+foo&asd',
  '1.0+1+1',
  '1. 0',
  '1 .0',
  '1. 0a1',
  '1 .0a1',
  '1.0 a1',
  '1.0a 1',
  '٠١٢.٣٤٥.٦٧٨٩',
  '.',
  '..',
  '1..0',
  '1.0.',
  '.1.0',
  '1..2.3',
  '1.0+\u0130',
  '',
  'lolwat',
  'NaN',
  '1.0-',
  '1.0.post1.post2',
  '1.0a1a2',
  '1.0.dev1.post1',
];

describe('PyPI version ordering (PEP 440)', () => {
  it('has at least 60 vectors', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(60);
  });

  it.each(ALL)('%s vs %s → %i', (a, b, expected) => {
    expect(comparePep440(a, b)).toBe(expected);
    expect(comparePep440(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it('sorts the packaging list into its published order', () => {
    const shuffled = [...PACKAGING_VERSIONS].reverse();
    expect(shuffled.sort(comparePep440)).toEqual(PACKAGING_VERSIONS);
  });

  it.each(NORMALIZED)('normalises %j to %s', (input, normal) => {
    expect(normalizePep440(input)).toBe(normal);
  });

  it.each(INVALID)('rejects %j', (v) => {
    expect(parsePep440(v)).toBeUndefined();
    expect(() => comparePep440(v, '1.0')).toThrow(VersionError);
  });

  it('keeps arbitrarily large numbers exact', () => {
    expect(comparePep440('1.99999999999999999999', '1.99999999999999999998')).toBe(1);
    expect(comparePep440('99999999999999999999!0', '99999999999999999998!9')).toBe(1);
  });

  it('obeys the ordering laws on every listed version', () => {
    const versions = [...PACKAGING_VERSIONS, ...PEP440_ORDER, ...CHAIN, ...EQUAL.flatMap(([a, b]) => [a, b])];
    expect(orderingLawViolations(comparePep440, versions)).toEqual([]);
  });
});
