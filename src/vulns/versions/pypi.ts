/**
 * PyPI version ordering: PEP 440 (now the "Version specifiers" specification of the Python
 * Packaging Authority), following the reference implementation `packaging.version`: the same
 * permissive regular expression, the same normalisation (`1.0-post1` → `1.0.post1`,
 * `1.0alpha` → `1.0a0`, `1.0-5` → `1.0.post5`, `v1.0` → `1.0`) and the same sort key
 * (`_cmpkey`), so `1.0.dev0 < 1.0a1.dev0 < 1.0a1 < 1.0 < 1.0.post1` and `1.0 == 1.0.0`.
 */
import { compareDigits, defineScheme, type ParseResult } from './scheme.js';
import { compareStrings } from '../../util/sort.js';

export interface Pep440Version {
  epoch: string;
  release: string[];
  pre?: { label: 'a' | 'b' | 'rc'; n: string };
  post?: string;
  dev?: string;
  /** Lower-cased local segments (after `+`), split on `.`, `-`, `_`. */
  local?: string[];
}

// packaging.version.VERSION_PATTERN, matched case-insensitively against the trimmed string.
// Letters are ASCII only (`[a-z]` with the `i` flag and without `u` does not match `İ`).
const PEP440_RE = new RegExp(
  '^v?' +
    '(?:(?<epoch>[0-9]+)!)?' +
    '(?<release>[0-9]+(?:\\.[0-9]+)*)' +
    '(?<pre>[-_.]?(?<pre_l>alpha|a|beta|b|preview|pre|c|rc)[-_.]?(?<pre_n>[0-9]+)?)?' +
    '(?<post>(?:-(?<post_n1>[0-9]+))|(?:[-_.]?(?<post_l>post|rev|r)[-_.]?(?<post_n2>[0-9]+)?))?' +
    '(?<dev>[-_.]?(?<dev_l>dev)[-_.]?(?<dev_n>[0-9]+)?)?' +
    '(?:\\+(?<local>[a-z0-9]+(?:[-_.][a-z0-9]+)*))?$',
  'i',
);

const PRE_LABEL: Readonly<Record<string, 'a' | 'b' | 'rc'>> = {
  a: 'a',
  alpha: 'a',
  b: 'b',
  beta: 'b',
  c: 'rc',
  pre: 'rc',
  preview: 'rc',
  rc: 'rc',
};

const stripZeros = (d: string): string => d.replace(/^0+(?=[0-9])/, '');

function parse(input: string): ParseResult<Pep440Version> {
  // Python's str.strip() removes Unicode whitespace; String#trim removes the same set that matters.
  const s = input.trim();
  if (s === '') return { ok: false, reason: 'empty version' };
  const m = PEP440_RE.exec(s);
  const g = m?.groups;
  if (!g) return { ok: false, reason: 'not a PEP 440 version' };
  const v: Pep440Version = {
    epoch: stripZeros(g['epoch'] ?? '0'),
    release: (g['release'] ?? '0').split('.').map(stripZeros),
  };
  const preL = g['pre_l'];
  if (preL !== undefined) {
    const label = PRE_LABEL[preL.toLowerCase()];
    if (label === undefined) return { ok: false, reason: 'unknown pre-release label' };
    v.pre = { label, n: stripZeros(g['pre_n'] ?? '0') };
  }
  if (g['post'] !== undefined) v.post = stripZeros(g['post_n1'] ?? g['post_n2'] ?? '0');
  if (g['dev'] !== undefined) v.dev = stripZeros(g['dev_n'] ?? '0');
  if (g['local'] !== undefined) v.local = g['local'].toLowerCase().split(/[-_.]/);
  return { ok: true, value: v };
}

/** The canonical string form, as `str(packaging.version.Version(v))`. */
export function formatPep440(v: Pep440Version): string {
  let out = v.epoch !== '0' ? `${v.epoch}!` : '';
  out += v.release.join('.');
  if (v.pre) out += `${v.pre.label}${v.pre.n}`;
  if (v.post !== undefined) out += `.post${v.post}`;
  if (v.dev !== undefined) out += `.dev${v.dev}`;
  if (v.local) out += `+${v.local.map((p) => (/^[0-9]+$/.test(p) ? stripZeros(p) : p)).join('.')}`;
  return out;
}

/** Release segments compare as if padded with zeros: `1.0 == 1.0.0`. */
function compareRelease(a: string[], b: string[]): number {
  const n = Math.max(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const r = compareDigits(a[k] ?? '0', b[k] ?? '0');
    if (r !== 0) return r;
  }
  return 0;
}

/**
 * Ranks for the optional parts, as packaging's `_cmpkey` does with ±Infinity: a dev release
 * with no pre- or post-release sorts before every pre-release of the same release; no
 * pre-release sorts after all pre-releases; no post-release before any post-release; no dev
 * release after any dev release; no local version before any local version.
 */
function comparePre(a: Pep440Version, b: Pep440Version): number {
  const rank = (v: Pep440Version): number => (v.pre ? 0 : v.post === undefined && v.dev !== undefined ? -1 : 1);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb) return ra - rb;
  if (a.pre && b.pre) return compareStrings(a.pre.label, b.pre.label) || compareDigits(a.pre.n, b.pre.n);
  return 0;
}

function compareOptional(a: string | undefined, b: string | undefined, missing: -1 | 1): number {
  if (a === undefined && b === undefined) return 0;
  if (a === undefined) return missing;
  if (b === undefined) return -missing;
  return compareDigits(a, b);
}

/** Local segments: numeric beats alphanumeric, numbers compare as integers, strings lexically. */
function compareLocal(a: string[] | undefined, b: string[] | undefined): number {
  if (a === undefined || b === undefined) return a === b ? 0 : a === undefined ? -1 : 1;
  const n = Math.min(a.length, b.length);
  for (let k = 0; k < n; k++) {
    const x = a[k] ?? '';
    const y = b[k] ?? '';
    const xn = /^[0-9]+$/.test(x);
    const yn = /^[0-9]+$/.test(y);
    const r = xn && yn ? compareDigits(x, y) : xn ? 1 : yn ? -1 : compareStrings(x, y);
    if (r !== 0) return r;
  }
  return a.length - b.length;
}

function compareParsed(a: Pep440Version, b: Pep440Version): number {
  return (
    compareDigits(a.epoch, b.epoch) ||
    compareRelease(a.release, b.release) ||
    comparePre(a, b) ||
    compareOptional(a.post, b.post, -1) ||
    compareOptional(a.dev, b.dev, 1) ||
    compareLocal(a.local, b.local)
  );
}

export const pypiScheme = defineScheme('PyPI', parse, compareParsed);

/** Parse a PEP 440 version; undefined when invalid. */
export function parsePep440(v: string): Pep440Version | undefined {
  return pypiScheme.parse(v);
}

/** The normalised form of a PEP 440 version (`1.0-POST1` → `1.0.post1`); throws VersionError when invalid. */
export function normalizePep440(v: string): string {
  return formatPep440(pypiScheme.parseOrThrow(v));
}

/** Compare two PEP 440 versions (-1, 0, 1); throws VersionError when either is invalid. */
export function comparePep440(a: string, b: string): number {
  return pypiScheme.compare(a, b);
}
