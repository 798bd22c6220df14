/**
 * An upper bound on how deeply the JavaScript parser recurses over a source text, computed by a
 * linear tokenizer (strings, comments, template literals and their substitutions, regular
 * expressions told apart from division), so that parse.ts can keep input that could overflow the
 * parser's native stack out of the process.
 *
 * The measure: every opening bracket (`(`, `[`, `{`, `${`) opens a level; every operator,
 * punctuator and operator keyword (`typeof`, `new`, `if`, `else`, …) adds one to the count of its
 * level; a `,` or `;` ends a run of siblings and clears its level's count, and a body (`{`
 * right after `)`) gives back, when it closes, what its head and itself added. The nesting at a token
 * is the number of open levels plus the counts of all of them; the result is its maximum. Syntax
 * nests at most once per such token, so this bounds the depth of the syntax tree; `;` ending a
 * statement whose continuation nests (`if (x) a; else …`) keeps the count, so the only
 * undercount left is a statement-prefix chain followed by an expression in one statement, at
 * most a factor of two.
 *
 * The tokenizer must never skip text the parser reads as code (a skipped bracket is an
 * undercount), so where JavaScript's grammar, not its tokens, decides whether `/` starts a
 * regular expression — after `}`, after `++`/`--`, after the contextual words `of`, `yield`,
 * `await`, or after an identifier written with escapes — the result is `uncertain`, and the
 * caller treats the text as deep.
 */

export interface Nesting {
  /** The maximum nesting measure over the text. */
  depth: number;
  /** UTF-16 offset of the token where the maximum was reached. */
  offset: number;
  /** The tokenizer met a construct it cannot classify without parsing: treat as deep. */
  uncertain: boolean;
}

/** Words after which `/` starts a regular expression (a keyword that expects an expression). */
const REGEX_AFTER_WORD: ReadonlySet<string> = new Set([
  'return',
  'typeof',
  'instanceof',
  'in',
  'new',
  'delete',
  'void',
  'throw',
  'case',
  'do',
  'else',
  'extends',
]);
/** Words that are keywords or identifiers depending on the grammar: `/` after them is ambiguous. */
const AMBIGUOUS_WORD: ReadonlySet<string> = new Set(['of', 'yield', 'await']);
/** Words that nest what follows them (operators, statement prefixes): each counts like an operator. */
const NESTING_WORD: ReadonlySet<string> = new Set([
  'typeof',
  'void',
  'delete',
  'await',
  'new',
  'yield',
  'in',
  'instanceof',
  'if',
  'else',
  'while',
  'for',
  'with',
  'do',
  'extends',
  'return',
  'throw',
  'async',
]);
/** Words whose parenthesised head ends before a statement: `/` after that `)` starts a regex. */
const STATEMENT_HEAD: ReadonlySet<string> = new Set(['if', 'while', 'for', 'with']);

/** The longest word in the sets above (`instanceof`). */
const MAX_KEYWORD_LENGTH = 10;

const isWordChar = (c: number): boolean =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 36 || c === 95 || c === 92 || c > 127;
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const isSpace = (c: number): boolean =>
  c === 32 || c === 9 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff || (c > 127 && /\s/.test(String.fromCharCode(c)));

/** What the previous significant token lets `/` be. */
type SlashMeaning = 'regex' | 'division' | 'ambiguous';

interface Level {
  /** Operators and brackets counted at this level since the last `,`/`;`. */
  count: number;
  /** What closes it: `)`, `]`, `}` (a brace) or a template substitution's `}`. */
  kind: 'paren' | 'bracket' | 'brace' | 'template';
  /** A `(` that heads `if`/`while`/`for`/`with`: after its `)`, `/` starts a regex. */
  statementHead: boolean;
  /** The enclosing level's count before this bracket was counted. */
  countBefore: number;
  /**
   * For a body (`{` right after `)`: a function, method or statement head), the enclosing
   * level's count before that `(`: restored when the body closes, since neither the head nor
   * the body encloses what follows.
   */
  restore?: number;
}

export function measureNesting(source: string): Nesting {
  const n = source.length;
  const levels: Level[] = [{ count: 0, kind: 'brace', statementHead: false, countBefore: 0 }];
  let sum = 0; // counts of all open levels
  let best = 0;
  let bestAt = 0;
  let uncertain = false;
  let slash: SlashMeaning = 'regex';
  let prevWord = ''; // the previous token when it was a word, else ''
  let prevDot = false; // the previous token was `.` or `?.` (a following word is a property name)
  let forHead = false; // saw `for` (and maybe `await`): the next `(` heads a statement
  let savedAtSemicolon = -1; // the count a `;` cleared, restored if `else` follows

  const note = (at: number): void => {
    const d = sum + levels.length - 1;
    if (d > best) {
      best = d;
      bestAt = at;
    }
  };
  const count = (at: number): void => {
    levels[levels.length - 1]!.count++;
    sum++;
    note(at);
  };
  const open = (at: number, kind: Level['kind'], statementHead: boolean, restore?: number): void => {
    const countBefore = levels[levels.length - 1]!.count;
    count(at);
    levels.push(
      restore === undefined ? { count: 0, kind, statementHead, countBefore } : { count: 0, kind, statementHead, countBefore, restore },
    );
    note(at);
  };
  const close = (): Level | undefined => {
    if (levels.length === 1) return undefined; // unbalanced: a syntax error, nothing to pop
    const l = levels.pop()!;
    sum -= l.count;
    if (l.restore !== undefined) {
      const outer = levels[levels.length - 1]!;
      sum += l.restore - outer.count;
      outer.count = l.restore;
    }
    return l;
  };
  let closedParen: Level | undefined; // the `(` closed by the previous token, if it was `)`
  const clear = (): void => {
    const l = levels[levels.length - 1]!;
    sum -= l.count;
    l.count = 0;
  };
  /** Scans a template's characters from `i` (after `` ` `` or a substitution's `}`); returns the index after it stops. */
  const templateChars = (from: number): number => {
    for (let i = from; i < n; i++) {
      const c = source.charCodeAt(i);
      if (c === 92) i++;
      else if (c === 96) {
        slash = 'division';
        return i + 1;
      } else if (c === 36 && source.charCodeAt(i + 1) === 123) {
        open(i, 'template', false);
        slash = 'regex';
        return i + 2;
      }
    }
    return n;
  };

  let i = 0;
  // A hashbang line is a comment.
  if (source.startsWith('#!')) while (i < n && !isLineEnd(source.charCodeAt(i))) i++;
  let lineStart = true;
  while (i < n) {
    const c = source.charCodeAt(i);
    if (isSpace(c) || isLineEnd(c)) {
      if (isLineEnd(c)) lineStart = true;
      i++;
      continue;
    }
    // Comments.
    if (c === 47 && source.charCodeAt(i + 1) === 47) {
      i += 2;
      while (i < n && !isLineEnd(source.charCodeAt(i))) i++;
      continue;
    }
    if (c === 47 && source.charCodeAt(i + 1) === 42) {
      const end = source.indexOf('*/', i + 2);
      const stop = end < 0 ? n : end + 2;
      for (let j = i; j < stop && !lineStart; j++) lineStart = isLineEnd(source.charCodeAt(j));
      i = stop;
      continue;
    }
    // HTML-like comments (`<!--`, `-->` first on a line) are comments in scripts only: which
    // one this file is, the parser decides.
    if ((c === 60 && source.startsWith('<!--', i)) || (lineStart && c === 45 && source.startsWith('-->', i))) uncertain = true;
    lineStart = false;
    const wasWord = prevWord;
    const wasDot = prevDot;
    prevWord = '';
    prevDot = false;
    const restore = savedAtSemicolon;
    savedAtSemicolon = -1;

    if (isWordChar(c)) {
      closedParen = undefined;
      const start = i;
      let escaped = false;
      while (i < n && isWordChar(source.charCodeAt(i))) {
        if (source.charCodeAt(i) === 92) escaped = true;
        i++;
      }
      // Only short lower-case words can be keywords: skip the copy for the rest.
      const first = source.charCodeAt(start);
      const word = i - start <= MAX_KEYWORD_LENGTH && first >= 97 && first <= 122 ? source.slice(start, i) : '';
      // An escaped word may be read as a keyword by error recovery: do not guess what follows.
      if (escaped) uncertain = true;
      if (wasDot) {
        slash = 'division';
        continue;
      }
      if (word === 'else' && restore >= 0) {
        levels[levels.length - 1]!.count += restore;
        sum += restore;
      }
      if (NESTING_WORD.has(word)) count(start);
      if (word === 'for') forHead = true;
      else if (word !== 'await') forHead = false;
      prevWord = word;
      slash = REGEX_AFTER_WORD.has(word) ? 'regex' : AMBIGUOUS_WORD.has(word) ? 'ambiguous' : 'division';
      continue;
    }
    const head = forHead || STATEMENT_HEAD.has(wasWord);
    forHead = false;
    const afterParen = closedParen;
    closedParen = undefined;
    switch (c) {
      case 34: // "
      case 39: {
        // ' — a string ends at its quote or at a line break (an error the parser reports)
        for (i++; i < n; i++) {
          const d = source.charCodeAt(i);
          if (d === 92) i += source.charCodeAt(i + 1) === 13 && source.charCodeAt(i + 2) === 10 ? 2 : 1;
          else if (d === c || d === 10 || d === 13) break;
        }
        i++;
        slash = 'division';
        continue;
      }
      case 96: // `
        count(i);
        i = templateChars(i + 1);
        continue;
      case 47: {
        // '/'
        if (slash === 'ambiguous') uncertain = true;
        if (slash === 'regex' || slash === 'ambiguous') {
          // A regular expression: up to its unescaped `/` outside a class, on one line.
          let inClass = false;
          for (i++; i < n; i++) {
            const d = source.charCodeAt(i);
            if (isLineEnd(d)) break;
            if (d === 92) i++;
            else if (d === 91) inClass = true;
            else if (d === 93) inClass = false;
            else if (d === 47 && !inClass) break;
          }
          i++;
          while (i < n && isWordChar(source.charCodeAt(i))) i++; // flags
          slash = 'division';
        } else {
          count(i);
          i += source.charCodeAt(i + 1) === 61 ? 2 : 1;
          slash = 'regex';
        }
        continue;
      }
      case 40: // (
        open(i, 'paren', head);
        i++;
        slash = 'regex';
        continue;
      case 91: // [
        open(i, 'bracket', false);
        i++;
        slash = 'regex';
        continue;
      case 123: // {
        open(i, 'brace', false, afterParen?.countBefore);
        i++;
        slash = 'regex';
        continue;
      case 41: {
        // )
        const l = close();
        closedParen = l;
        i++;
        slash = l?.statementHead === true ? 'regex' : 'division';
        continue;
      }
      case 93: // ]
        close();
        i++;
        slash = 'division';
        continue;
      case 125: {
        // }
        const l = close();
        if (l?.kind === 'template') {
          i = templateChars(i + 1);
          continue;
        }
        i++;
        // A block (regex may follow) or an object or function expression (division): the
        // grammar decides.
        slash = 'ambiguous';
        continue;
      }
      case 44: // ,
        clear();
        i++;
        slash = 'regex';
        continue;
      case 59: {
        // ;
        const l = levels[levels.length - 1]!;
        savedAtSemicolon = l.count;
        clear();
        i++;
        slash = 'regex';
        continue;
      }
      case 46: // .
        count(i);
        if (source.startsWith('...', i))
          i += 3; // spread: an expression follows
        else {
          prevDot = true; // a following word is a property name
          i++;
        }
        slash = 'regex';
        continue;
      case 35: // # (a private name follows)
        count(i);
        prevDot = true;
        i++;
        slash = 'regex';
        continue;
      case 43: // +
      case 45: // -
        count(i);
        if (source.charCodeAt(i + 1) === c) {
          // `++`/`--`: postfix (division follows) or prefix (an operand follows): ambiguous.
          i += 2;
          slash = 'ambiguous';
          continue;
        }
        i++;
        slash = 'regex';
        continue;
      case 63: // ?
        count(i);
        // `?.` is a member access (a following word is a property), unless `?.5` (a conditional).
        if (source.charCodeAt(i + 1) === 46 && !(source.charCodeAt(i + 2) >= 48 && source.charCodeAt(i + 2) <= 57)) {
          prevDot = true;
          i += 2;
        } else i++;
        slash = 'regex';
        continue;
      default:
        // Any other punctuator (one character at a time: `=>` counts twice, an overcount).
        count(i);
        i++;
        slash = 'regex';
    }
  }
  return { depth: best, offset: bestAt, uncertain };
}
