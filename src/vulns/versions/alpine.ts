/**
 * Alpine (apk) version ordering, after apk-tools' src/version.c (the tokenizer of apk-tools
 * 2.14/3.x): `digit{.digit}...{letter}{_suffix{#}}...{~hash}{-r#}`.
 *
 * Tokens are compared pairwise while both sides have the same token kind:
 * - digit runs compare as integers, except that after the first component a run with a leading
 *   zero on either side compares as a string (Gentoo's rule: `1.07 < 1.19`, `4.01 < 4.20`);
 * - a letter compares by its character; suffixes by rank
 *   `_alpha < _beta < _pre < _rc < (none) < _cvs < _svn < _git < _hg < _p`;
 * - suffix numbers and `-r` revisions as integers; `~hash` as a string.
 * When one side runs out or changes kind first, a pre-release suffix (`_alpha`…`_rc`) makes its
 * side older; otherwise the side whose next token kind comes later in the grammar is older
 * (`1.0_rc1 < 1.0 < 1.0_p1`, `1.0 < 1.0.1`, `1.0.1 < 1.0.1-r1`).
 */
import { compareDigits, defineScheme, type ParseResult } from './scheme.js';
import { compareStrings } from '../../util/sort.js';

/** Token kinds in grammar order; the order is the semantics of the tail comparison. */
const T = {
  INITIAL_DIGIT: 0,
  DIGIT: 1,
  LETTER: 2,
  SUFFIX: 3,
  SUFFIX_NO: 4,
  COMMIT_HASH: 5,
  REVISION_NO: 6,
  END: 7,
} as const;
type TokenKind = (typeof T)[keyof typeof T];

/** Suffix ranks; NONE (5) is the pivot between pre-release and post-release suffixes. */
const SUFFIX_RANK: Readonly<Record<string, number>> = {
  alpha: 1,
  beta: 2,
  pre: 3,
  rc: 4,
  cvs: 6,
  svn: 7,
  git: 8,
  hg: 9,
  p: 10,
};
const SUFFIX_NONE = 5;

interface Token {
  kind: TokenKind;
  /** The token's text: digits, the letter, the suffix word or the hash. */
  text: string;
  /** Suffix rank for SUFFIX tokens, else 0. */
  suffix: number;
}

export interface AlpineVersion {
  tokens: Token[];
}

const isDigit = (c: string): boolean => c >= '0' && c <= '9';
const isLower = (c: string): boolean => c >= 'a' && c <= 'z';
const isHex = (c: string): boolean => isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');

function parse(v: string): ParseResult<AlpineVersion> {
  if (v === '') return { ok: false, reason: 'empty version' };
  const tokens: Token[] = [];
  let i = 0;
  const span = (pred: (c: string) => boolean): string => {
    const start = i;
    while (i < v.length && pred(v.charAt(i))) i++;
    return v.slice(start, i);
  };
  const fail = (why: string): ParseResult<AlpineVersion> => ({ ok: false, reason: `${why} at offset ${i}` });

  const first = span(isDigit);
  if (first === '') return fail('expected a digit');
  tokens.push({ kind: T.INITIAL_DIGIT, text: first, suffix: 0 });
  let prev: TokenKind = T.INITIAL_DIGIT;

  while (i < v.length) {
    const c = v.charAt(i);
    let tok: Token;
    if (isLower(c)) {
      if (prev > T.DIGIT) return fail('letter not allowed here');
      tok = { kind: T.LETTER, text: c, suffix: 0 };
      i++;
    } else if (c === '.' || isDigit(c)) {
      // A digit right after a letter or a suffix word continues the grammar; `.` needs a digit run before it.
      if (c === '.') {
        if (prev > T.DIGIT) return fail('"." not allowed here');
        i++;
      }
      let kind: TokenKind;
      if (prev === T.INITIAL_DIGIT || prev === T.DIGIT) kind = T.DIGIT;
      else if (prev === T.SUFFIX) kind = T.SUFFIX_NO;
      else return fail('digit not allowed here');
      const digits = span(isDigit);
      if (digits === '') return fail('expected a digit');
      tok = { kind, text: digits, suffix: 0 };
    } else if (c === '_') {
      if (prev > T.SUFFIX_NO) return fail('suffix not allowed here');
      i++;
      const word = span(isLower);
      const rank = SUFFIX_RANK[word];
      if (rank === undefined || !Object.hasOwn(SUFFIX_RANK, word)) return fail(`unknown suffix "_${word}"`);
      tok = { kind: T.SUFFIX, text: word, suffix: rank };
    } else if (c === '~') {
      if (prev >= T.COMMIT_HASH) return fail('"~" not allowed here');
      i++;
      const hash = span(isHex);
      if (hash === '') return fail('expected a hex commit hash');
      tok = { kind: T.COMMIT_HASH, text: hash, suffix: 0 };
    } else if (c === '-') {
      if (prev >= T.REVISION_NO) return fail('"-" not allowed here');
      if (v.charAt(i + 1) !== 'r') return fail('expected "-r"');
      i += 2;
      const digits = span(isDigit);
      if (digits === '') return fail('expected revision digits');
      tok = { kind: T.REVISION_NO, text: digits, suffix: 0 };
    } else {
      return fail(`unexpected character ${JSON.stringify(c)}`);
    }
    tokens.push(tok);
    prev = tok.kind;
  }
  return { ok: true, value: { tokens } };
}

/** apk-tools' `token_cmp()` for two tokens of the same kind. */
function tokenCmp(a: Token, b: Token): number {
  switch (a.kind) {
    case T.DIGIT:
      if (a.text.startsWith('0') || b.text.startsWith('0')) return compareStrings(a.text, b.text);
      return compareDigits(a.text, b.text);
    case T.INITIAL_DIGIT:
    case T.SUFFIX_NO:
    case T.REVISION_NO:
      return compareDigits(a.text, b.text);
    case T.LETTER:
      return compareStrings(a.text, b.text);
    case T.SUFFIX:
      return a.suffix - b.suffix;
    default:
      return compareStrings(a.text, b.text);
  }
}

const END: Token = { kind: T.END, text: '', suffix: 0 };

function compareParsed(a: AlpineVersion, b: AlpineVersion): number {
  let k = 0;
  for (;;) {
    const ta = a.tokens[k] ?? END;
    const tb = b.tokens[k] ?? END;
    if (ta.kind !== tb.kind) {
      if (ta.kind === T.SUFFIX && ta.suffix < SUFFIX_NONE) return -1;
      if (tb.kind === T.SUFFIX && tb.suffix < SUFFIX_NONE) return 1;
      return ta.kind > tb.kind ? -1 : 1;
    }
    if (ta.kind === T.END) return 0;
    const r = tokenCmp(ta, tb);
    if (r !== 0) return r;
    k++;
  }
}

export const alpineScheme = defineScheme('Alpine', parse, compareParsed);

/** Parse an apk version; undefined when invalid. */
export function parseAlpineVersion(v: string): AlpineVersion | undefined {
  return alpineScheme.parse(v);
}

/** Compare two apk versions (-1, 0, 1); throws VersionError when either is invalid. */
export function compareAlpineVersions(a: string, b: string): number {
  return alpineScheme.compare(a, b);
}
