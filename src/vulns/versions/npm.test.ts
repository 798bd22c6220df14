import { describe, expect, it } from 'vitest';
import { VersionError } from './index.js';
import { compareSemver, parseSemver } from './npm.js';
import { orderingLawViolations } from './ordering-laws.js';

type Case = readonly [a: string, b: string, expected: -1 | 0 | 1];

/** SemVer 2.0.0 §11, the precedence examples, as a chain. */
const SPEC_CHAINS: readonly (readonly string[])[] = [
  ['1.0.0', '2.0.0', '2.1.0', '2.1.1'],
  ['1.0.0-alpha', '1.0.0-alpha.1', '1.0.0-alpha.beta', '1.0.0-beta', '1.0.0-beta.2', '1.0.0-beta.11', '1.0.0-rc.1', '1.0.0'],
];
const SPEC: Case[] = SPEC_CHAINS.flatMap((chain) => chain.flatMap((a, i) => chain.slice(i + 1).map((b): Case => [a, b, -1])));

/**
 * node-semver's test/fixtures/comparisons.js (npm/node-semver, commit
 * fe9240696182ecbb57367f11b9cde78847c00b68): "version1 should be greater than version2"; the
 * rows that need loose parsing (a leading `v`) are left out.
 */
const NODE_SEMVER_COMPARISONS: readonly Case[] = [
  ['0.0.0', '0.0.0-foo', 1],
  ['0.0.1', '0.0.0', 1],
  ['1.0.0', '0.9.9', 1],
  ['0.10.0', '0.9.0', 1],
  ['0.99.0', '0.10.0', 1],
  ['2.0.0', '1.2.3', 1],
  ['1.2.3', '1.2.3-asdf', 1],
  ['1.2.3', '1.2.3-4', 1],
  ['1.2.3', '1.2.3-4-foo', 1],
  ['1.2.3-5-foo', '1.2.3-5', 1],
  ['1.2.3-5', '1.2.3-4', 1],
  ['1.2.3-5-foo', '1.2.3-5-Foo', 1],
  ['3.0.0', '2.7.2+asdf', 1],
  ['1.2.3-a.10', '1.2.3-a.5', 1],
  ['1.2.3-a.b', '1.2.3-a.5', 1],
  ['1.2.3-a.b', '1.2.3-a', 1],
  ['1.2.3-a.b.c.10.d.5', '1.2.3-a.b.c.5.d.100', 1],
  ['1.2.3-r2', '1.2.3-r100', 1],
  ['1.2.3-r100', '1.2.3-R2', 1],
];

/** node-semver's test/fixtures/equality.js (commit d719b9c1210f996529da661012e203c2302c5e13), strict rows: build metadata is ignored. */
const NODE_SEMVER_EQUALITY: readonly Case[] = [
  ['1.2.3-beta+build', '1.2.3-beta+otherbuild', 0],
  ['1.2.3+build', '1.2.3+otherbuild', 0],
  ['1.0.0+20130313144700', '1.0.0', 0],
  ['1.0.0-alpha+001', '1.0.0-alpha', 0],
];

/** Versions from the npm OSV corpus against neighbours, and numbers beyond 2^53. */
const REAL: readonly Case[] = [
  ['4.17.20', '4.17.21', -1],
  ['4.17.21', '4.17.21', 0],
  ['4.17.11', '4.17.12', -1],
  ['8.5.1', '9.0.0', -1],
  ['5.2.3', '5.2.4', -1],
  ['6.2.2', '6.2.3', -1],
  ['7.5.9', '7.5.10', -1],
  ['8.17.0', '8.17.1', -1],
  ['6.10.2', '6.10.3', -1],
  ['6.9.7', '6.10.0', -1],
  ['0.21.1', '0.21.2', -1],
  ['1.0.0-rc.1', '0.21.2', 1],
  ['9007199254740993.0.0', '9007199254740992.0.0', 1],
  ['1.0.0-9007199254740993', '1.0.0-9007199254740992', 1],
];

const ALL = [...SPEC, ...NODE_SEMVER_COMPARISONS, ...NODE_SEMVER_EQUALITY, ...REAL];

/**
 * The valid and invalid test strings published with the regular expression that the SemVer
 * 2.0.0 FAQ suggests ("Is there a suggested regular expression (RegEx) to check a SemVer
 * string?"), plus node-semver's test/fixtures/valid-versions.js (commit c99f336f…) strict rows.
 */
const VALID: readonly string[] = [
  '0.0.4',
  '1.2.3',
  '10.20.30',
  '1.1.2-prerelease+meta',
  '1.1.2+meta',
  '1.1.2+meta-valid',
  '1.0.0-alpha',
  '1.0.0-beta',
  '1.0.0-alpha.beta',
  '1.0.0-alpha.beta.1',
  '1.0.0-alpha.1',
  '1.0.0-alpha0.valid',
  '1.0.0-alpha.0valid',
  '1.0.0-alpha-a.b-c-somethinglong+build.1-aef.1-its-okay',
  '1.0.0-rc.1+build.1',
  '2.0.0-rc.1+build.123',
  '1.2.3-beta',
  '10.2.3-DEV-SNAPSHOT',
  '1.2.3-SNAPSHOT-123',
  '2.0.0+build.1848',
  '2.0.1-alpha.1227',
  '1.0.0-alpha+beta',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12+788',
  '1.2.3----R-S.12.9.1--.12+meta',
  '1.2.3----RC-SNAPSHOT.12.9.1--.12',
  '1.0.0+0.build.1-rc.10000aaa-kk-0.1',
  '99999999999999999999999.999999999999999999.99999999999999999',
  '1.0.0-0A.is.legal',
  '1.2.3-0',
  '1.2.3-123',
  '1.2.3-1.2.3',
  '1.2.3-1a',
  '1.2.3-a1',
  '1.2.3-alpha-1',
  '1.2.3-alpha-.-beta',
  '1.2.3+456',
  '1.2.3+new-build',
  '1.2.3+build.1a',
  '1.2.3+build.alpha.beta',
];
const INVALID: readonly string[] = [
  '1',
  '1.2',
  '1.2.3-0123',
  '1.2.3-0123.0123',
  '1.1.2+.123',
  '+invalid',
  '-invalid',
  '-invalid+invalid',
  '-invalid.01',
  'alpha',
  'alpha.beta',
  'alpha.beta.1',
  'alpha.1',
  'alpha+beta',
  'alpha_beta',
  'alpha.',
  'alpha..',
  'beta',
  '1.0.0-alpha_beta',
  '-alpha.',
  '1.0.0-alpha..',
  '1.0.0-alpha..1',
  '1.0.0-alpha...1',
  '01.1.1',
  '1.01.1',
  '1.1.01',
  '1.2.3.DEV',
  '1.2-SNAPSHOT',
  '1.2.31.2.3----RC-SNAPSHOT.12.09.1--..12+788',
  '1.2-RC-SNAPSHOT',
  '-1.0.3-gamma+b7718',
  '+justmeta',
  '9.8.7+meta+meta',
  '9.8.7-whatever+meta+meta',
  '99999999999999999999999.999999999999999999.99999999999999999----RC-SNAPSHOT.12.09.1--------------------------------..12',
  'hello, world',
  'xyz',
  '',
  // Loose forms node-semver accepts only with loose parsing or by cleaning: refused here.
  'v1.2.3',
  '=1.2.3',
  ' 1.2.3',
  '1.2.3 ',
  'v 1.2.3',
];

describe('npm version ordering (SemVer 2.0.0)', () => {
  it('has at least 60 vectors', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(60);
  });

  it.each(ALL)('%s vs %s → %i', (a, b, expected) => {
    expect(compareSemver(a, b)).toBe(expected);
    expect(compareSemver(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  it.each(VALID)('accepts %s', (v) => {
    expect(parseSemver(v)).toBeDefined();
  });

  it.each(INVALID)('rejects %j', (v) => {
    expect(parseSemver(v)).toBeUndefined();
    expect(() => compareSemver(v, '1.0.0')).toThrow(VersionError);
  });

  it('splits pre-release and build identifiers', () => {
    expect(parseSemver('1.2.3-alpha-.-beta+build.1a')).toEqual({
      major: '1',
      minor: '2',
      patch: '3',
      prerelease: ['alpha-', '-beta'],
      build: ['build', '1a'],
    });
  });

  it('explains a leading v', () => {
    expect(() => compareSemver('v1.2.3', '1.2.3')).toThrow(/leading "v"/);
  });

  it('obeys the ordering laws on every vector and valid version', () => {
    const versions = [...ALL.flatMap(([a, b]) => [a, b]), ...VALID];
    expect(orderingLawViolations(compareSemver, versions)).toEqual([]);
  });
});
