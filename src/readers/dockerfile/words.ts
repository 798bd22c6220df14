/**
 * Word splitting and variable expansion, following the rules of Docker's shell lexer
 * (moby/buildkit `frontend/dockerfile/shell/lex.go`) closely enough for intent: quotes, escapes,
 * line continuations, `$VAR`, `${VAR}` and the `:-` `-` `:+` `+` `:?` `?` modifiers.
 *
 * Unlike Docker, an unknown variable is not silently empty: it may come from a `--build-arg`, the
 * base image or the run environment, so the expansion reports it and keeps it as written.
 */

/** A word or shell operator with its 1-based position in the Dockerfile. */
export interface Token {
  kind: 'word' | 'op';
  /** As written (quotes kept), with line continuations and comment lines inside them removed. */
  raw: string;
  line: number;
  column: number;
}

export interface TokenizeOptions {
  /** The Dockerfile escape character (`\` unless `# escape=` says otherwise). */
  escape: string;
  /** Split out shell operators (`&&`, `||`, `;`, `|`, `&`, `(`, `)`) as separate tokens. */
  operators: boolean;
}

const OPERATOR_CHARS = new Set(['&', '|', ';', '(', ')']);

/**
 * Splits an instruction's raw argument text into tokens. `startLine`/`startColumn` are the 1-based
 * position of `raw[0]` in the file, so every token can point back at its place.
 */
export function tokenize(raw: string, startLine: number, startColumn: number, opts: TokenizeOptions): Token[] {
  const tokens: Token[] = [];
  const n = raw.length;
  let i = 0;
  let line = startLine;
  let col = startColumn;
  let atLineStart = false;
  let word = '';
  let wordLine = 0;
  let wordCol = 0;

  const finish = (): void => {
    if (word !== '') tokens.push({ kind: 'word', raw: word, line: wordLine, column: wordCol });
    word = '';
  };
  const startWord = (): void => {
    if (word === '') {
      wordLine = line;
      wordCol = col;
    }
  };
  /** Length of an escape-newline continuation at `at` (escape, trailing blanks, newline), or 0. */
  const continuation = (at: number): number => {
    if (raw[at] !== opts.escape) return 0;
    let j = at + 1;
    while (j < n && (raw[j] === ' ' || raw[j] === '\t')) j++;
    if (raw[j] === '\r') j++;
    return raw[j] === '\n' ? j + 1 - at : 0;
  };
  const advance = (count: number): void => {
    for (let k = 0; k < count; k++) {
      if (raw[i] === '\n') {
        line++;
        col = 1;
      } else {
        col++;
      }
      i++;
    }
  };
  /** Inside a token: skip a continuation (and the comment lines Docker drops after it). */
  const skipContinuation = (): boolean => {
    const len = continuation(i);
    if (len === 0) return false;
    advance(len);
    skipCommentLines();
    return true;
  };
  const skipCommentLines = (): void => {
    for (;;) {
      let j = i;
      while (j < n && (raw[j] === ' ' || raw[j] === '\t')) j++;
      if (raw[j] === '#' || raw[j] === '\n' || (raw[j] === '\r' && raw[j + 1] === '\n')) {
        const end = raw.indexOf('\n', j);
        advance((end === -1 ? n : end + 1) - i);
        continue;
      }
      return;
    }
  };

  while (i < n) {
    if (atLineStart) {
      atLineStart = false;
      skipCommentLines();
      continue;
    }
    const c = raw[i] as string;
    if (skipContinuation()) continue;
    if (c === '\n') {
      finish();
      advance(1);
      atLineStart = true;
      continue;
    }
    if (c === ' ' || c === '\t' || c === '\r') {
      finish();
      advance(1);
      continue;
    }
    if (c === "'" || c === '"') {
      startWord();
      word += c;
      advance(1);
      while (i < n && raw[i] !== c) {
        if (skipContinuation()) continue;
        if (c === '"' && raw[i] === opts.escape && i + 1 < n) {
          word += raw.slice(i, i + 2);
          advance(2);
          continue;
        }
        word += raw[i];
        advance(1);
      }
      if (i < n) {
        word += c;
        advance(1);
      }
      continue;
    }
    if (c === opts.escape && i + 1 < n) {
      startWord();
      word += raw.slice(i, i + 2);
      advance(2);
      continue;
    }
    if (c === '$' && raw[i + 1] === '(') {
      // Command substitution is one word however many spaces or operators it holds.
      startWord();
      word += '$';
      advance(1);
      let depth = 0;
      while (i < n) {
        const ch = raw[i];
        if (ch === '(') depth++;
        if (ch === ')') depth--;
        word += ch;
        advance(1);
        if (depth === 0) break;
      }
      continue;
    }
    if (opts.operators && OPERATOR_CHARS.has(c)) {
      // `2>&1`, `>&2`: the `&` belongs to a redirection, not an operator.
      if (c === '&' && (word.endsWith('>') || word.endsWith('<'))) {
        word += c;
        advance(1);
        continue;
      }
      finish();
      const two = raw.slice(i, i + 2);
      const op = two === '&&' || two === '||' ? two : c;
      tokens.push({ kind: 'op', raw: op, line, column: col });
      advance(op.length);
      continue;
    }
    startWord();
    word += c;
    advance(1);
  }
  finish();
  return tokens;
}

/** A variable's value, or undefined when it is unknown (declared without a value, or not declared). */
export type Lookup = (name: string) => string | undefined;

export interface Expanded {
  value: string;
  /** Names of variables whose value is unknown; they are kept as written in `value`. */
  unresolved: string[];
  /**
   * The expansion went past MAX_EXPANDED_LENGTH (`ARG A=$A$A` repeated doubles it each time):
   * `value` is the word as written and `unresolved` names it, so callers treat it as unknown.
   */
  tooLong?: true;
}

/**
 * Longest expanded word. No real value is longer than a line the reader accepts (MAX_LINE_LENGTH);
 * longer ones only come from variables expanded into themselves, which would double without end.
 */
export const MAX_EXPANDED_LENGTH = 64 * 1024;

const NAME_START = /[A-Za-z_]/;
const NAME_CHAR = /[A-Za-z0-9_]/;
const SPECIAL = /[@*#?$!0-9-]/;

/**
 * Expands variables and removes quotes in one word (Docker's `ProcessWord`). Single quotes stop
 * expansion; inside double quotes the escape character only escapes `"`, `$` and itself.
 */
export function expandWord(raw: string, lookup: Lookup, escape = '\\'): Expanded {
  const e = expandAt(raw, lookup, escape, 0);
  return e.tooLong ? { value: raw, unresolved: [raw], tooLong: true } : e;
}

/** Deeper `${a:-${b:-…}}` nesting is left unexpanded: real files never go past two or three. */
const MAX_NESTING = 16;

function expandAt(raw: string, lookup: Lookup, escape: string, depth: number): Expanded {
  const unresolved: string[] = [];
  let out = '';
  let i = 0;
  const n = raw.length;
  let inDouble = false;

  while (i < n) {
    const c = raw[i] as string;
    if (c === "'" && !inDouble) {
      const end = raw.indexOf("'", i + 1);
      out += raw.slice(i + 1, end === -1 ? n : end);
      i = end === -1 ? n : end + 1;
      continue;
    }
    if (c === '"') {
      inDouble = !inDouble;
      i++;
      continue;
    }
    if (c === escape) {
      const next = raw[i + 1];
      if (next === undefined) {
        out += c;
        i++;
      } else if (inDouble && next !== '"' && next !== '$' && next !== escape) {
        out += c + next;
        i += 2;
      } else {
        out += next;
        i += 2;
      }
      continue;
    }
    if (c === '$') {
      const r = expandVariable(raw, i, lookup, escape, depth);
      // Checked before the string grows: past the limit, stop (expandWord reports it).
      if (r.tooLong || out.length + r.value.length > MAX_EXPANDED_LENGTH) return { value: '', unresolved: [], tooLong: true };
      out += r.value;
      unresolved.push(...r.unresolved);
      i = r.end;
      continue;
    }
    out += c;
    i++;
  }
  return { value: out, unresolved: [...new Set(unresolved)] };
}

function expandVariable(raw: string, at: number, lookup: Lookup, escape: string, depth: number): Expanded & { end: number } {
  const next = raw[at + 1] ?? '';
  if (next === '{') return expandBraced(raw, at, lookup, escape, depth);
  if (NAME_START.test(next)) {
    let j = at + 1;
    while (j < raw.length && NAME_CHAR.test(raw[j] as string)) j++;
    const name = raw.slice(at + 1, j);
    const value = lookup(name);
    return value === undefined ? { value: raw.slice(at, j), unresolved: [name], end: j } : { value, unresolved: [], end: j };
  }
  if (next === '(') {
    // Command substitution: only the shell knows, at run time.
    const close = raw.indexOf(')', at);
    const end = close === -1 ? raw.length : close + 1;
    return { value: raw.slice(at, end), unresolved: [raw.slice(at, end)], end };
  }
  if (next !== '' && SPECIAL.test(next)) {
    return { value: raw.slice(at, at + 2), unresolved: [`$${next}`], end: at + 2 };
  }
  return { value: '$', unresolved: [], end: at + 1 };
}

function expandBraced(raw: string, at: number, lookup: Lookup, escape: string, depth: number): Expanded & { end: number } {
  // Find the matching brace, counting nested `${…}` in the modifier word.
  let braces = 0;
  let close = -1;
  for (let j = at + 1; j < raw.length; j++) {
    const ch = raw[j];
    if (ch === escape) {
      j++;
      continue;
    }
    if (ch === '{') braces++;
    if (ch === '}') {
      braces--;
      if (braces === 0) {
        close = j;
        break;
      }
    }
  }
  if (close === -1) {
    // Docker rejects this ("missing '}'"); keep it as written and let the caller report it.
    return { value: raw.slice(at), unresolved: [raw.slice(at)], end: raw.length };
  }
  const asWritten = raw.slice(at, close + 1);
  const inner = raw.slice(at + 2, close);
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-+?])([\s\S]*))?$/.exec(inner);
  if (!m || depth >= MAX_NESTING) {
    // Pattern forms (`${VAR#x}`, `${VAR/x/y}`) and junk: not evaluated.
    return { value: asWritten, unresolved: [inner], end: close + 1 };
  }
  const name = m[1] as string;
  const modifier = m[2];
  const value = lookup(name);
  const done = (v: string, unresolved: string[], tooLong?: true): Expanded & { end: number } =>
    tooLong ? { value: '', unresolved, end: close + 1, tooLong } : { value: v, unresolved, end: close + 1 };
  if (modifier === undefined) return value === undefined ? done(asWritten, [name]) : done(value, []);

  const word = (): Expanded => expandAt(m[3] ?? '', lookup, escape, depth + 1);
  const colon = modifier.startsWith(':');
  const set = value !== undefined && (!colon || value !== '');
  switch (modifier.slice(-1)) {
    case '-': {
      // An unknown value counts as unset: the default is what the author intends.
      if (set) return done(value, []);
      const w = word();
      return done(w.value, w.unresolved, w.tooLong);
    }
    case '+': {
      if (value === undefined) return done(asWritten, [name]);
      if (!set) return done('', []);
      const w = word();
      return done(w.value, w.unresolved, w.tooLong);
    }
    default:
      // `?`: an error when unset; the value when known.
      return set ? done(value, []) : done(asWritten, [name]);
  }
}
