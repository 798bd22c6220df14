/**
 * The shape every version scheme has, and the error they all throw. Kept apart from index.ts so
 * the scheme modules can import it without an import cycle through the registry.
 */
import { InputError } from '../../model/errors.js';

/**
 * Longest version string any scheme accepts. Real versions are far shorter (the longest in
 * Debian's archive is under 100 characters); the cap bounds the work a hostile feed or package
 * database can cause, since every scheme is linear in the input length.
 */
export const MAX_VERSION_LENGTH = 256;

/** A version ordering: one per package ecosystem. */
export interface VersionScheme {
  /** The OSV ecosystem name, e.g. `Debian`. */
  name: string;
  /** The parsed form, or undefined when `v` is not a valid version of this scheme. Never throws. */
  parse(v: string): unknown | undefined;
  /** Negative, zero or positive (always -1, 0 or 1). Throws {@link VersionError} on an invalid version. */
  compare(a: string, b: string): number;
  isValid(v: string): boolean;
}

/** A version string that its scheme cannot order. */
export class VersionError extends InputError {
  override readonly name: string = 'VersionError';
  constructor(
    /** The offending version, as given. */
    readonly version: string,
    readonly scheme: string,
    readonly reason: string,
  ) {
    super(`invalid ${scheme} version ${printable(version)}: ${reason}`);
  }
}

/** Quote and shorten a version for a message: it may be long, or hold control characters. */
function printable(v: string): string {
  const shown = v.length > 64 ? `${v.slice(0, 64)}…` : v;
  return JSON.stringify(shown);
}

/** A scheme whose parsed form is known to TypeScript, plus a parse that throws. */
export interface TypedVersionScheme<T> extends VersionScheme {
  parse(v: string): T | undefined;
  parseOrThrow(v: string): T;
  /** The same ordering under another ecosystem name (Ubuntu orders like Debian). */
  withName(name: string): TypedVersionScheme<T>;
}

export type ParseResult<T> = { ok: true; value: T } | { ok: false; reason: string };

/**
 * Builds a {@link VersionScheme} from a parser that explains its refusals and a comparison of
 * parsed values. The length cap and the type check live here, once for every scheme.
 */
export function defineScheme<T>(
  name: string,
  parseDetailed: (v: string) => ParseResult<T>,
  compareParsed: (a: T, b: T) => number,
): TypedVersionScheme<T> {
  const check = (v: unknown): ParseResult<T> => {
    if (typeof v !== 'string') return { ok: false, reason: 'not a string' };
    if (v.length > MAX_VERSION_LENGTH) {
      return { ok: false, reason: `longer than ${MAX_VERSION_LENGTH} characters (${v.length})` };
    }
    return parseDetailed(v);
  };
  const parseOrThrow = (v: string): T => {
    const r = check(v);
    if (!r.ok) throw new VersionError(String(v), name, r.reason);
    return r.value;
  };
  return {
    name,
    parse(v: string): T | undefined {
      const r = check(v);
      return r.ok ? r.value : undefined;
    },
    isValid(v: string): boolean {
      return check(v).ok;
    },
    compare(a: string, b: string): number {
      const r = compareParsed(parseOrThrow(a), parseOrThrow(b));
      return r < 0 ? -1 : r > 0 ? 1 : 0;
    },
    parseOrThrow,
    withName: (other: string) => defineScheme(other, parseDetailed, compareParsed),
  };
}

/** Compare two strings of ASCII digits as unbounded non-negative integers (no overflow, no BigInt). */
export function compareDigits(a: string, b: string): number {
  let i = 0;
  while (i < a.length - 1 && a.charCodeAt(i) === 48) i++;
  let j = 0;
  while (j < b.length - 1 && b.charCodeAt(j) === 48) j++;
  const la = a.length - i;
  const lb = b.length - j;
  if (la !== lb) return la < lb ? -1 : 1;
  for (; i < a.length; i++, j++) {
    const d = a.charCodeAt(i) - b.charCodeAt(j);
    if (d !== 0) return d < 0 ? -1 : 1;
  }
  return 0;
}

/** Byte-wise string order (code units), as C's memcmp then length. */
