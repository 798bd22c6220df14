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

/** The first place where `text` nests deeper than `max`, or undefined. */
export function findExcessiveNesting(text: string, max: number = MAX_NESTING_DEPTH): NestingViolation | undefined {
  let flow = 0;
  let line = 1;
  let lineStart = 0;
  let block = 0;
  // The last non-blank character of this line before `i` in block context ('' at line start).
  let prev = '';
  let atLineStart = true;
  const at = (i: number, depth: number): NestingViolation => ({ depth, line, column: i - lineStart + 1 });
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c === '\n') {
      line++;
      lineStart = i + 1;
      atLineStart = true;
      block = 0;
      prev = '';
      continue;
    }
    if (atLineStart) {
      if (c === ' ' || c === '\t') continue;
      atLineStart = false;
      if (flow === 0) {
        block = i - lineStart;
        if (block > max) return at(i, block);
      }
    }
    if (c === '"' || c === "'") {
      i = skipQuoted(text, i, c, () => {
        line++;
      }, (nl) => {
        lineStart = nl + 1;
      });
      prev = c;
      continue;
    }
    if (c === '#' && (i === lineStart || text[i - 1] === ' ' || text[i - 1] === '\t')) {
      const nl = text.indexOf('\n', i);
      i = (nl < 0 ? text.length : nl) - 1;
      continue;
    }
    if (c === ' ' || c === '\t') continue;
    if (flow === 0 && (c === '-' || c === '?') && (prev === '' || prev === '-' || prev === '?') && /[ \t\n]/.test(text[i + 1] ?? '\n')) {
      block++;
      if (block + flow > max) return at(i, block + flow);
      prev = c;
      continue;
    }
    if (c === '[' || c === '{') {
      const startsValue = flow > 0 || prev === '' || prev === '-' || prev === '?' || prev === ':';
      if (startsValue) {
        flow++;
        if (block + flow > max) return at(i, block + flow);
      }
    } else if ((c === ']' || c === '}') && flow > 0) {
      flow--;
    }
    prev = c;
  }
  return undefined;
}

/** Index of the closing quote of the string opening at `start` (or the last index). */
function skipQuoted(text: string, start: number, quote: string, onNewline: () => void, setLineStart: (nl: number) => void): number {
  for (let i = start + 1; i < text.length; i++) {
    const c = text[i];
    if (c === '\n') {
      onNewline();
      setLineStart(i);
    } else if (quote === '"' && c === '\\') {
      if (text[i + 1] === '\n') {
        onNewline();
        setLineStart(i + 1);
      }
      i++;
    } else if (c === quote) {
      // '' inside a single-quoted scalar is an escaped quote.
      if (quote === "'" && text[i + 1] === "'") i++;
      else return i;
    }
  }
  return text.length - 1;
}
