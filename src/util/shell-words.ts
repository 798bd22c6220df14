/**
 * A small POSIX-style word splitter for command strings.
 *
 * Two modes, because the two places strings turn into argv differ:
 * - `exec` (compose `command: "npm run x"`): Compose splits the string itself and runs the words
 *   directly, without a shell. Quotes and backslashes are honoured; `;`, `|`, `$X` are plain text.
 * - `shell` (compose `CMD-SHELL`, Marathon `cmd`): the string is handed to `/bin/sh -c`. We still
 *   split it into words so the program the shell runs can be named, and unquoted control
 *   operators (`&&`, `||`, `|`, `;`, `&`, redirections, parentheses) become words of their own.
 *   `#` at the start of a word starts a comment.
 *
 * Parameter expansion, globbing and command substitution are not performed: `$PORT0` stays
 * `$PORT0`, which is what a profile wants (the literal the artifact wrote).
 */

export type SplitResult = { ok: true; words: string[] } | { ok: false; error: string; offset: number };

const BLANK = new Set([' ', '\t', '\n', '\r']);
/** Longest first, so `&&` wins over `&`. Only used in shell mode. */
const OPERATORS = ['&&', '||', ';;', '>>', '<<', '>&', '<&', '|', '&', ';', '<', '>', '(', ')'];

export function splitShellWords(input: string, mode: 'exec' | 'shell' = 'exec'): SplitResult {
  const words: string[] = [];
  let word = '';
  // A word can be empty yet present (`''`), so track "inside a word" separately from its text.
  let inWord = false;
  let i = 0;
  const n = input.length;

  const flush = (): void => {
    if (inWord) words.push(word);
    word = '';
    inWord = false;
  };

  while (i < n) {
    const c = input.charAt(i);
    if (BLANK.has(c)) {
      flush();
      i++;
      continue;
    }
    if (mode === 'shell') {
      if (c === '#' && !inWord) {
        // Comment to end of line.
        const nl = input.indexOf('\n', i);
        i = nl === -1 ? n : nl;
        continue;
      }
      const op = OPERATORS.find((o) => input.startsWith(o, i));
      if (op !== undefined) {
        flush();
        words.push(op);
        i += op.length;
        continue;
      }
    }
    if (c === '\\') {
      if (i + 1 >= n) {
        // A trailing backslash is kept literally, as sh does at end of input.
        word += '\\';
        inWord = true;
        i++;
        continue;
      }
      const next = input.charAt(i + 1);
      i += 2;
      if (next === '\n') continue; // line continuation
      word += next;
      inWord = true;
      continue;
    }
    if (c === "'") {
      const end = input.indexOf("'", i + 1);
      if (end === -1) return { ok: false, error: 'unterminated single quote', offset: i };
      word += input.slice(i + 1, end);
      inWord = true;
      i = end + 1;
      continue;
    }
    if (c === '"') {
      const start = i;
      i++;
      inWord = true;
      let closed = false;
      while (i < n) {
        const d = input.charAt(i);
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === '\\' && i + 1 < n) {
          const e = input.charAt(i + 1);
          // Inside double quotes a backslash only escapes these (POSIX 2.2.3).
          if (e === '$' || e === '`' || e === '"' || e === '\\') {
            word += e;
            i += 2;
            continue;
          }
          if (e === '\n') {
            i += 2;
            continue;
          }
        }
        word += d;
        i++;
      }
      if (!closed) return { ok: false, error: 'unterminated double quote', offset: start };
      continue;
    }
    word += c;
    inWord = true;
    i++;
  }
  flush();
  return { ok: true, words };
}
