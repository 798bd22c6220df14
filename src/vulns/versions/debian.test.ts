import { describe, expect, it } from 'vitest';
import { compareDebianVersions, parseDebianVersion, verrevcmp } from './debian.js';
import { VersionError } from './index.js';
import { orderingLawViolations } from './ordering-laws.js';

type Case = readonly [a: string, b: string, expected: -1 | 0 | 1];

/**
 * dpkg's own comparison vectors: the __DATA__ table of scripts/t/Dpkg_Version.t in dpkg's
 * repository (guillemj/dpkg, commit 061c572fdade80049d96db839d60d89e7387f607), which dpkg runs
 * against `dpkg --compare-versions`. One row is left out: `-0.6.5 0.9.1 -1` compares an invalid
 * version (empty upstream part, refused by lib/dpkg/parsehelp.c); it is tested as invalid below.
 */
const DPKG_VERSION_T: readonly Case[] = [
  ['1.0-1', '2.0-2', -1],
  ['2.2~rc-4', '2.2-1', -1],
  ['2.2-1', '2.2~rc-4', 1],
  ['1.0000-1', '1.0-1', 0],
  ['1', '0:1', 0],
  ['0', '0:0-0', 0],
  ['2:2.5', '1:7.5', 1],
  ['1:0foo', '0foo', 1],
  ['0:0foo', '0foo', 0],
  ['0foo', '0foo', 0],
  ['0foo-', '0foo', 0],
  ['0foo-', '0foo-0', 0],
  ['0foo', '0fo', 1],
  ['0foo-', '0foo+', -1],
  ['0foo~1', '0foo', -1],
  ['0foo~foo+Bar', '0foo~foo+bar', -1],
  ['0foo~~', '0foo~', -1],
  ['1~', '1', -1],
  ['12345+that-really-is-some-ver-0', '12345+that-really-is-some-ver-10', -1],
  ['0foo-0', '0foo-01', -1],
  ['0foo.bar', '0foobar', 1],
  ['0foo.bar', '0foo1bar', 1],
  ['0foo.bar', '0foo0bar', 1],
  ['0foo1bar-1', '0foobar-1', -1],
  ['0foo2.0', '0foo2', 1],
  ['0foo2.0.0', '0foo2.10.0', -1],
  ['0foo2.0', '0foo2.0.0', -1],
  ['0foo2.0', '0foo2.10', -1],
  ['0foo2.1', '0foo2.10', -1],
  ['1.09', '1.9', 0],
  ['1.0.8+nmu1', '1.0.8', 1],
  ['3.11', '3.10+nmu1', 1],
  ['0.9j-20080306-4', '0.9i-20070324-2', 1],
  ['1.2.0~b7-1', '1.2.0~b6-1', 1],
  ['1.011-1', '1.06-2', 1],
  ['0.0.9+dfsg1-1', '0.0.8+dfsg1-3', 1],
  ['4.6.99+svn6582-1', '4.6.99+svn6496-1', 1],
  ['53', '52', 1],
  ['0.9.9~pre122-1', '0.9.9~pre111-1', 1],
  ['2:2.3.2-2+lenny2', '2:2.3.2-2', 1],
  ['1:3.8.1-1', '3.8.GA-1', 1],
  ['1.0.1+gpl-1', '1.0.1-2', 1],
  ['1a', '1000a', -1],
];

/**
 * lib/dpkg/t/t-version.c (same repository, commit 0d609e2c8c0070310b531d2d470f79044121bea8):
 * test_version_compare and the equalities of test_version_parse, written as strings.
 */
const DPKG_T_VERSION_C: readonly Case[] = [
  ['1-1', '2-1', -1],
  ['1-1', '1-2', -1],
  ['0-0', '0-0', 0],
  ['0-00', '00-0', 0],
  ['1:2-3', '1:2-3', 0],
  ['0-0', '1:0-0', -1],
  ['0-a', '0-b', -1],
  ['0', '0:0', 0],
  ['0', '0:0-', 0],
  ['0:0-0', '0-0', 0],
  ['0:0.0-0.0', '0.0-0.0', 0],
  ['1:0', '1:0-', 0],
  ['5:1', '5:1', 0],
  ['0:0-0-0', '0-0-0', 0],
  ['0:0-0-0-0', '0-0-0-0', 0],
  ['0:0:0-0', '0:0:0-0', 0],
  ['0:0-0:0-0', '0:0-0:0-0', 0],
  ['0:09azAZ.-+~:-0', '0:09azAZ.-+~:-0', 0],
  ['0:0-azAZ09.+~', '0:0-azAZ09.+~', 0],
  ['  \t0:0-1', '0:0-1', 0],
  ['0:0-1\t  ', '0:0-1', 0],
];

/** Debian Policy §5.6.12: "~~, ~~a, ~, the empty part, a" sort in that order. */
const POLICY: readonly Case[] = [
  ['1.0~~', '1.0~~a', -1],
  ['1.0~~a', '1.0~', -1],
  ['1.0~', '1.0', -1],
  ['1.0', '1.0a', -1],
  ['1.0~rc1', '1.0', -1],
  ['1.0+b1', '1.0', 1],
];

/** Real versions from the OSV corpus (Debian advisories) against their neighbours. */
const REAL: readonly Case[] = [
  ['1.1.0l-1~deb9u5', '1.1.0l-1~deb9u6', -1],
  ['1.1.0l-1~deb9u6', '1.1.0l-1', -1],
  ['1.1.0k-1~deb9u1', '1.1.0l-1~deb9u6', -1],
  ['2.9.4+dfsg1-2.2+deb9u6', '2.9.4+dfsg1-2.2+deb9u7', -1],
  ['2.9.4+dfsg1-2.2+deb9u7', '2.9.4+dfsg1-2.2', 1],
  ['2.9.4+dfsg1-2.2+deb9u7', '2.9.4+dfsg1-2.2+deb9u10', -1],
  ['1.18.25', '1.18.26', -1],
  ['1.18.26', '1.18.3', 1],
  ['2021a-0+deb9u3', '2021a-0+deb9u4', -1],
  ['2021a-0+deb9u4', '2022a-0+deb9u1', -1],
  ['2021a-1+deb9u1', '2021a-0+deb9u4', 1],
  ['1.2.1-2.2+wheezy3', '1.2.1-2.2+wheezy2', 1],
  ['1.2.1-2.2+wheezy3', '1.2.1-2.2', 1],
  ['1:1.2.1-1', '1.99-1', 1],
  ['7.88.1-10+deb12u5', '7.88.1-10+deb12u12', -1],
  ['3.0.11-1~deb12u2', '3.0.11-1~deb12u1', 1],
  ['2.36-9+deb12u4', '2.36-9+deb12u10', -1],
  ['1:2.38.1-5+deb12u1', '2.38.1-5+deb12u1', 1],
  ['252.22-1~deb12u1', '252.30-1~deb12u2', -1],
  ['5.2.15-2+b2', '5.2.15-2', 1],
];

const ALL = [...DPKG_VERSION_T, ...DPKG_T_VERSION_C, ...POLICY, ...REAL];

describe('Debian version ordering (dpkg)', () => {
  it('has at least 60 vectors', () => {
    expect(ALL.length).toBeGreaterThanOrEqual(60);
  });

  it.each(ALL)('%j vs %j → %i', (a, b, expected) => {
    expect(compareDebianVersions(a, b)).toBe(expected);
    expect(compareDebianVersions(b, a)).toBe(expected === 0 ? 0 : -expected);
  });

  // t-version.c also compares version objects with upstream "a" and "b", which are not valid
  // version strings (an upstream version starts with a digit); the core comparison still orders them.
  it('orders non-digit runs by letter, as t-version.c does with version objects', () => {
    expect(Math.sign(verrevcmp('a', 'b'))).toBe(-1);
    expect(Math.sign(verrevcmp('b', 'a'))).toBe(1);
  });

  it('parses epoch, upstream and revision (hyphens and colons per t-version.c)', () => {
    expect(parseDebianVersion('0:0-0-0')).toEqual({ epoch: 0, upstream: '0-0', revision: '0' });
    expect(parseDebianVersion('0:0:0-0')).toEqual({ epoch: 0, upstream: '0:0', revision: '0' });
    expect(parseDebianVersion('0:0-0:0-0')).toEqual({ epoch: 0, upstream: '0-0:0', revision: '0' });
    expect(parseDebianVersion('5:1')).toEqual({ epoch: 5, upstream: '1', revision: '' });
    expect(parseDebianVersion('1.2.3')).toEqual({ epoch: 0, upstream: '1.2.3', revision: '' });
  });

  /** Invalid versions from t-version.c test_version_parse and Dpkg_Version.t. */
  const INVALID: readonly string[] = [
    '',
    '  ',
    '0:',
    '0:0 0-1',
    '-1:0-1',
    '999999999999999999999999:0-1',
    'a:0-0',
    'A:0-0',
    '-0',
    '0:-0',
    '0:abc3-0',
    '10a:5.2',
    '5.2@3-2',
    'foo5.2',
    '0:foo5.2',
    '-0.6.5',
    '0:0-0:0',
    ...[..."!#@$%&/|\\<>()[]{};,_=*^'"].map((c) => `0:0${c}-0`),
    ...[..."!#@$%&/|\\<>()[]{}:;,_=*^'"].map((c) => `0:0-0${c}`),
  ];

  it.each(INVALID)('rejects %j', (v) => {
    expect(parseDebianVersion(v)).toBeUndefined();
    expect(() => compareDebianVersions(v, '1.0')).toThrow(VersionError);
    expect(() => compareDebianVersions('1.0', v)).toThrow(VersionError);
  });

  it('obeys the ordering laws on every vector version', () => {
    const versions = ALL.flatMap(([a, b]) => [a, b]);
    expect(orderingLawViolations(compareDebianVersions, versions)).toEqual([]);
  });
});
