/**
 * npm version ordering: Semantic Versioning 2.0.0 precedence (semver.org §11).
 *
 * Strict parsing, as npm applies to published versions: `MAJOR.MINOR.PATCH[-pre][+build]`,
 * no leading zeros in numeric parts, no leading `v` or `=` (node-semver's strict mode would
 * drop those; versions in the registry and in installed package.json files never carry them).
 * Build metadata is parsed and ignored for precedence. Numeric parts are unbounded (compared as
 * digit strings), where node-semver stops at Number.MAX_SAFE_INTEGER.
 */
import { compareDigits, defineScheme, type ParseResult } from './scheme.js';
import { compareStrings } from '../../util/sort.js';

export interface Semver {
  major: string;
  minor: string;
  patch: string;
  prerelease: string[];
  build: string[];
}

const NUM = '0|[1-9][0-9]*';
const PRE_ID = `(?:${NUM}|[0-9]*[A-Za-z-][0-9A-Za-z-]*)`;
// The regular expression suggested by semver.org (§ "Is there a suggested regular expression").
const SEMVER_RE = new RegExp(
  `^(${NUM})\\.(${NUM})\\.(${NUM})` + `(?:-(${PRE_ID}(?:\\.${PRE_ID})*))?` + `(?:\\+([0-9A-Za-z-]+(?:\\.[0-9A-Za-z-]+)*))?$`,
);

function parse(v: string): ParseResult<Semver> {
  if (v === '') return { ok: false, reason: 'empty version' };
  const m = SEMVER_RE.exec(v);
  if (!m) {
    if (/^[vV=]/.test(v)) return { ok: false, reason: 'leading "v" or "=" is not part of a version' };
    return { ok: false, reason: 'not MAJOR.MINOR.PATCH[-prerelease][+build] (SemVer 2.0.0)' };
  }
  const [, major = '', minor = '', patch = '', pre, build] = m;
  return {
    ok: true,
    value: {
      major,
      minor,
      patch,
      prerelease: pre === undefined ? [] : pre.split('.'),
      build: build === undefined ? [] : build.split('.'),
    },
  };
}

const isNumeric = (id: string): boolean => /^[0-9]+$/.test(id);

/** SemVer §11.4: compare one pre-release identifier. */
function compareIdentifier(a: string, b: string): number {
  const an = isNumeric(a);
  const bn = isNumeric(b);
  if (an && bn) return compareDigits(a, b);
  if (an) return -1;
  if (bn) return 1;
  return compareStrings(a, b);
}

function compareParsed(a: Semver, b: Semver): number {
  const main = compareDigits(a.major, b.major) || compareDigits(a.minor, b.minor) || compareDigits(a.patch, b.patch);
  if (main !== 0) return main;
  // A version with a pre-release has lower precedence than the same version without.
  if (a.prerelease.length === 0 || b.prerelease.length === 0) {
    return b.prerelease.length - a.prerelease.length === 0 ? 0 : a.prerelease.length === 0 ? 1 : -1;
  }
  const n = Math.min(a.prerelease.length, b.prerelease.length);
  for (let k = 0; k < n; k++) {
    const r = compareIdentifier(a.prerelease[k] ?? '', b.prerelease[k] ?? '');
    if (r !== 0) return r;
  }
  return a.prerelease.length - b.prerelease.length;
}

export const npmScheme = defineScheme('npm', parse, compareParsed);

/** Parse a SemVer 2.0.0 version; undefined when invalid. */
export function parseSemver(v: string): Semver | undefined {
  return npmScheme.parse(v);
}

/** Compare two SemVer versions by precedence (-1, 0, 1); throws VersionError when either is invalid. */
export function compareSemver(a: string, b: string): number {
  return npmScheme.compare(a, b);
}
