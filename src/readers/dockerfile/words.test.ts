import { describe, expect, test } from 'vitest';
import { expandWord, tokenize, type Lookup } from './words.js';

const vars: Record<string, string> = { NAME: 'web', EMPTY: '', PORT: '8080' };
const lookup: Lookup = (n) => vars[n];

describe('expandWord', () => {
  test.each([
    ['$NAME', 'web', []],
    ['${NAME}-1', 'web-1', []],
    ['${MISSING:-fallback}', 'fallback', []],
    ['${EMPTY:-fallback}', 'fallback', []],
    ['${EMPTY-fallback}', '', []],
    ['${NAME:-fallback}', 'web', []],
    ['${NAME:+set}', 'set', []],
    ['${EMPTY:+set}', '', []],
    ['${EMPTY+set}', 'set', []],
    ['${MISSING:+set}', '${MISSING:+set}', ['MISSING']],
    ['${MISSING:-${NAME}}', 'web', []],
    ['$MISSING/x', '$MISSING/x', ['MISSING']],
    ['${MISSING:?need it}', '${MISSING:?need it}', ['MISSING']],
    ['"a $NAME b"', 'a web b', []],
    ["'$NAME'", '$NAME', []],
    ['\\$NAME', '$NAME', []],
    ['"\\$NAME \\x"', '$NAME \\x', []],
    ['$', '$', []],
    ['cost$', 'cost$', []],
    ['$@', '$@', ['$@']],
    ['${NAME#w}', '${NAME#w}', ['NAME#w']],
    ['${NAME', '${NAME', ['${NAME']],
    ['$(hostname)', '$(hostname)', ['$(hostname)']],
  ])('%s → %s', (raw, value, unresolved) => {
    expect(expandWord(raw, lookup)).toEqual({ value, unresolved });
  });

  test('the escape directive changes the escape character', () => {
    expect(expandWord('`$NAME', lookup, '`')).toEqual({ value: '$NAME', unresolved: [] });
    expect(expandWord('C:\\app', lookup, '`').value).toBe('C:\\app');
  });

  test('deep nesting is cut off instead of recursing without bound', () => {
    const deep = '${A:-'.repeat(5000) + 'x' + '}'.repeat(5000);
    const e = expandWord(deep, () => undefined);
    expect(e.unresolved.length).toBeGreaterThan(0);
  });
});

describe('tokenize', () => {
  test('words carry 1-based positions across continuations and skipped comment lines', () => {
    const raw = 'apt-get install -y \\\n# a comment\n    curl;echo "a b" \\\n  && x';
    const tokens = tokenize(raw, 3, 5, { escape: '\\', operators: true });
    expect(tokens.map((t) => [t.kind, t.raw, t.line, t.column])).toEqual([
      ['word', 'apt-get', 3, 5],
      ['word', 'install', 3, 13],
      ['word', '-y', 3, 21],
      ['word', 'curl', 5, 5],
      ['op', ';', 5, 9],
      ['word', 'echo', 5, 10],
      ['word', '"a b"', 5, 15],
      ['op', '&&', 6, 3],
      ['word', 'x', 6, 6],
    ]);
  });

  test('redirections and command substitution stay in one word', () => {
    const tokens = tokenize('run >/dev/null 2>&1 $(cat a | b) &', 1, 1, { escape: '\\', operators: true });
    expect(tokens.map((t) => t.raw)).toEqual(['run', '>/dev/null', '2>&1', '$(cat a | b)', '&']);
  });

  test('without operators, ; and & are part of words', () => {
    expect(tokenize('a;b c&d', 1, 1, { escape: '\\', operators: false }).map((t) => t.raw)).toEqual(['a;b', 'c&d']);
  });

  test('an unterminated quote takes the rest of the text', () => {
    expect(tokenize('say "hello there', 1, 1, { escape: '\\', operators: true }).map((t) => t.raw)).toEqual(['say', '"hello there']);
  });
});
