import { describe, expect, it } from 'vitest';
import { splitShellWords } from './shell-words.js';

describe('splitShellWords', () => {
  const ok: [string, 'exec' | 'shell', string[]][] = [
    ['npm run start-watch', 'exec', ['npm', 'run', 'start-watch']],
    ['  a   b\t c\n', 'exec', ['a', 'b', 'c']],
    [`echo 'a b' "c d"`, 'exec', ['echo', 'a b', 'c d']],
    [`echo ''`, 'exec', ['echo', '']],
    [`a"b c"d`, 'exec', ['ab cd']],
    [`echo "x\\"y" "\\$HOME" "a\\b"`, 'exec', ['echo', 'x"y', '$HOME', 'a\\b']],
    ['echo a\\ b', 'exec', ['echo', 'a b']],
    ['a \\\nb', 'exec', ['a', 'b']],
    ["'it'\\''s'", 'exec', ["it's"]],
    ['a;b|c', 'exec', ['a;b|c']],
    ['--default-authentication-plugin=mysql_native_password', 'exec', ['--default-authentication-plugin=mysql_native_password']],
    ['nodemon --inspect=0.0.0.0 server.js', 'exec', ['nodemon', '--inspect=0.0.0.0', 'server.js']],
    ['sleep 20 && python3 -m http.server $PORT0', 'shell', ['sleep', '20', '&&', 'python3', '-m', 'http.server', '$PORT0']],
    ['curl -f http://x||exit 1', 'shell', ['curl', '-f', 'http://x', '||', 'exit', '1']],
    ['a|b;c&d', 'shell', ['a', '|', 'b', ';', 'c', '&', 'd']],
    ['cmd >>/tmp/log 2>&1', 'shell', ['cmd', '>>', '/tmp/log', '2', '>&', '1']],
    ['echo "a && b" # trailing', 'shell', ['echo', 'a && b']],
    ['echo a#b', 'shell', ['echo', 'a#b']],
    ['', 'exec', []],
    ['trailing\\', 'exec', ['trailing\\']],
  ];
  it.each(ok)('%j (%s)', (input, mode, words) => {
    expect(splitShellWords(input, mode)).toEqual({ ok: true, words });
  });

  const bad: [string, string, number][] = [
    [`echo 'oops`, 'unterminated single quote', 5],
    [`echo "oops`, 'unterminated double quote', 5],
    [`"a\\"`, 'unterminated double quote', 0],
  ];
  it.each(bad)('rejects %j', (input, error, offset) => {
    expect(splitShellWords(input)).toEqual({ ok: false, error, offset });
  });

  it('stays linear on a long input', () => {
    const big = 'a '.repeat(500_000);
    const r = splitShellWords(big, 'shell');
    expect(r.ok && r.words.length).toBe(500_000);
  });
});
