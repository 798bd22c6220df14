/**
 * A cheap nesting-depth check for JSON and YAML text, run before a parser sees it. Parsers,
 * schema validators and `JSON.stringify` recurse per level: a document nested tens of thousands
 * deep overflows the stack ("Maximum call stack size exceeded"), and the YAML library's own
 * error formatting can then exhaust memory. Refusing early, with a position, is both clearer
 * and safe.
 *
 * The depth counted is an upper bound of the real one: flow collections (`[`, `{`) outside
 * quoted strings and comments, plus, in block context, a line's indentation and its compact
 * sequence indicators (`- - - x`). A `[` or `{` in block context counts only where a value
 * starts (line start, after `- `, `? ` or `: `), since inside a plain scalar it is text.
 */

/** Deeper than any profile, policy or OSV record written by a tool or a person (they use ~10). */
export const MAX_NESTING_DEPTH = 256;

export interface NestingViolation {
  depth: number;
  line: number;
  column: number;
}

const NL = 10;
const SPACE = 32;
const TAB = 9;
const DQUOTE = 34;
const SQUOTE = 39;
const HASH = 35;
const DASH = 45;
const QMARK = 63;
const COLON = 58;
const OPEN_SQ = 91;
const CLOSE_SQ = 93;
const OPEN_CURLY = 123;
const CLOSE_CURLY = 125;
const BACKSLASH = 92;
/** No character before on this line (in block context). */
const NONE = -1;

/** The first place where `text` nests deeper than `max`, or undefined. Linear, no allocation. */
export function findExcessiveNesting(text: string, max: number = MAX_NESTING_DEPTH): NestingViolation | undefined {
  let flow = 0;
  let block = 0;
  let lineStart = 0;
  let atLineStart = true;
  // The last non-blank character of this line before `i` (NONE at line start).
  let prev = NONE;
  const n = text.length;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c === NL) {
      lineStart = i + 1;
      atLineStart = true;
      block = 0;
      prev = NONE;
      continue;
    }
    if (c === SPACE || c === TAB) continue;
    if (atLineStart) {
      atLineStart = false;
      if (flow === 0) {
        block = i - lineStart;
        if (block > max) return position(text, i, block);
      }
    }
    if (c === DQUOTE || c === SQUOTE) {
      i = closingQuote(text, i, c);
      // A quoted scalar may span lines: the next line's indentation is measured afresh.
      const nl = text.lastIndexOf('\n', i);
      if (nl >= lineStart) {
        lineStart = nl + 1;
        block = 0;
      }
      prev = c;
      continue;
    }
    if (c === HASH && (i === lineStart || prev === NONE || text.charCodeAt(i - 1) === SPACE || text.charCodeAt(i - 1) === TAB)) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? n : nl) - 1;
      continue;
    }
    if (flow === 0 && (c === DASH || c === QMARK) && (prev === NONE || prev === DASH || prev === QMARK)) {
      const next = i + 1 < n ? text.charCodeAt(i + 1) : NL;
      if (next === SPACE || next === TAB || next === NL) {
        block++;
        if (block > max) return position(text, i, block);
        prev = c;
        continue;
      }
    }
    if (c === OPEN_SQ || c === OPEN_CURLY) {
      if (flow > 0 || prev === NONE || prev === DASH || prev === QMARK || prev === COLON) {
        flow++;
        if (block + flow > max) return position(text, i, block + flow);
      }
    } else if ((c === CLOSE_SQ || c === CLOSE_CURLY) && flow > 0) {
      flow--;
    }
    prev = c;
  }
  return undefined;
}

/** Line and column of index `i`, computed only once a violation is found. */
function position(text: string, i: number, depth: number): NestingViolation {
  let line = 1;
  let lineStart = 0;
  for (let j = text.indexOf('\n'); j >= 0 && j < i; j = text.indexOf('\n', j + 1)) {
    line++;
    lineStart = j + 1;
  }
  return { depth, line, column: i - lineStart + 1 };
}

/** Index of the quote closing the string that opens at `start` (or the last index). */
function closingQuote(text: string, start: number, quote: number): number {
  const q = quote === DQUOTE ? '"' : "'";
  for (let i = text.indexOf(q, start + 1); i >= 0; i = text.indexOf(q, i + 1)) {
    if (quote === DQUOTE) {
      // Escaped when preceded by an odd number of backslashes.
      let k = i - 1;
      while (k > start && text.charCodeAt(k) === BACKSLASH) k--;
      if ((i - 1 - k) % 2 === 0) return i;
    } else if (text.charCodeAt(i + 1) === SQUOTE) {
      // '' inside a single-quoted scalar is an escaped quote.
      i++;
    } else {
      return i;
    }
  }
  return text.length - 1;
}

/**
 * As findExcessiveNesting, for JSON text, with a fast path for the common case: a document with
 * no more than `max` brackets in all cannot nest deeper (counted with native searches).
 */
export function findExcessiveJsonNesting(text: string, max: number = MAX_NESTING_DEPTH): NestingViolation | undefined {
  let count = 0;
  for (let i = text.indexOf('{'); i >= 0 && count <= max; i = text.indexOf('{', i + 1)) count++;
  for (let i = text.indexOf('['); i >= 0 && count <= max; i = text.indexOf('[', i + 1)) count++;
  return count <= max ? undefined : findExcessiveNesting(text, max);
}
