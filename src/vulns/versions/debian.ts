/**
 * Debian (and Ubuntu) version ordering: dpkg's algorithm, per Debian Policy §5.6.12
 * ("Version") and dpkg's lib/dpkg/version.c (`verrevcmp`) and lib/dpkg/parsehelp.c
 * (`parseversion`).
 *
 * `[epoch:]upstream_version[-debian_revision]`: epochs compare as integers; upstream and
 * revision compare by alternating non-digit and digit runs, where in a non-digit run `~` sorts
 * before everything (even the end of the string), then letters, then every other character by
 * code, and digit runs compare as integers.
 */
import { compareDigits, defineScheme, type ParseResult } from './scheme.js';

export interface DebianVersion {
  epoch: number;
  upstream: string;
  /** Empty when absent: dpkg orders `1.0` and `1.0-0` alike. */
  revision: string;
}

/** dpkg stores the epoch in an int and rejects anything larger. */
const MAX_EPOCH = 2 ** 31 - 1;
const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]*$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]*$/;

function parse(input: string): ParseResult<DebianVersion> {
  // dpkg skips leading and trailing blanks but refuses embedded ones.
  const s = input.replace(/^[ \t\n]+|[ \t\n]+$/g, '');
  if (s === '') return { ok: false, reason: 'empty version' };
  if (/\s/.test(s)) return { ok: false, reason: 'embedded whitespace' };

  let epoch = 0;
  let rest = s;
  const colon = s.indexOf(':');
  if (colon !== -1) {
    const e = s.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) return { ok: false, reason: 'epoch is not a non-negative number' };
    epoch = Number(e);
    if (!Number.isSafeInteger(epoch) || epoch > MAX_EPOCH) return { ok: false, reason: 'epoch too big' };
    rest = s.slice(colon + 1);
    if (rest === '') return { ok: false, reason: 'nothing after epoch colon' };
  }

  let upstream = rest;
  let revision = '';
  const hyphen = rest.lastIndexOf('-');
  if (hyphen !== -1) {
    upstream = rest.slice(0, hyphen);
    revision = rest.slice(hyphen + 1);
  }
  if (upstream === '') return { ok: false, reason: 'empty upstream version' };
  if (!/^[0-9]/.test(upstream)) return { ok: false, reason: 'upstream version does not start with a digit' };
  if (!UPSTREAM_CHARS.test(upstream)) return { ok: false, reason: 'invalid character in upstream version' };
  if (!REVISION_CHARS.test(revision)) return { ok: false, reason: 'invalid character in revision' };
  return { ok: true, value: { epoch, upstream, revision } };
}

const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const isAlpha = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122);

/** dpkg's `order()`: the weight of one character of a non-digit run; NaN (past the end) is 0. */
function order(c: number): number {
  if (Number.isNaN(c) || isDigit(c)) return 0;
  if (isAlpha(c)) return c;
  if (c === 126 /* ~ */) return -1;
  return c + 256;
}

/** dpkg's `verrevcmp()`. */
export function verrevcmp(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(a.charCodeAt(i));
      const bc = order(b.charCodeAt(j));
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    const ds = i;
    while (i < a.length && isDigit(a.charCodeAt(i))) i++;
    const dt = j;
    while (j < b.length && isDigit(b.charCodeAt(j))) j++;
    const firstDiff = compareDigits(a.slice(ds, i) || '0', b.slice(dt, j) || '0');
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

function compareParsed(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch < b.epoch ? -1 : 1;
  return verrevcmp(a.upstream, b.upstream) || verrevcmp(a.revision, b.revision);
}

export const debianScheme = defineScheme('Debian', parse, compareParsed);

/** Parse a Debian version; undefined when invalid. */
export function parseDebianVersion(v: string): DebianVersion | undefined {
  return debianScheme.parse(v);
}

/** Compare two Debian versions (-1, 0, 1); throws VersionError when either is invalid. */
export function compareDebianVersions(a: string, b: string): number {
  return debianScheme.compare(a, b);
}
