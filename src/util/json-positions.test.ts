import { describe, expect, it } from 'vitest';
import { locate, parseJson } from './json-positions.js';

describe('parseJson', () => {
  const same = ['{}', '[]', '0', '-1.5e3', '"a\\u00e9\\n\\"x"', 'true', 'null', '{"a":[1,{"b":false}],"c":"d"}', ' \n[ 1 , 2 ]\n'];
  it.each(same)('agrees with JSON.parse on %j', (text) => {
    const r = parseJson(text);
    expect(r.ok).toBe(true);
    if (r.ok) expect(r.root.value).toEqual(JSON.parse(text));
  });

  it('skips a byte order mark', () => {
    const r = parseJson('\uFEFF{"a":1}');
    expect(r.ok && r.root.value).toEqual({ a: 1 });
  });

  it('keeps "__proto__" as plain data', () => {
    const r = parseJson('{"__proto__": {"polluted": true}}');
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.root.value as Record<string, unknown>;
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(Object.keys(v)).toEqual(['__proto__']);
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('records duplicate keys, last one wins', () => {
    const r = parseJson('{\n  "a": 1,\n  "a": 2\n}');
    expect(r.ok && r.root.value).toEqual({ a: 2 });
    expect(r.ok && r.duplicates).toEqual([{ key: 'a', line: 3, column: 3 }]);
  });

  const bad: [string, string, number, number, RegExp][] = [
    ['trailing comma in object', '{\n  "a": 1,\n}', 3, 1, /property name/],
    ['trailing comma in array', '[1,\n 2,\n]', 3, 1, /unexpected character "]"/],
    ['single quotes', "{'a': 1}", 1, 2, /property name/],
    ['missing colon', '{"a" 1}', 1, 6, /expected ":"/],
    ['unterminated string', '{"a": "b', 1, 7, /unterminated string/],
    ['raw newline in string', '["a\nb"]', 1, 4, /control character/],
    ['bad escape', '["\\x"]', 1, 3, /invalid escape/],
    ['comment', '{\n  // no\n  "a": 1}', 2, 3, /property name/],
    ['garbage after value', '{} x', 1, 4, /after the JSON value/],
    ['empty', '', 1, 1, /end of input/],
    ['leading zero is two values', '01', 1, 2, /after the JSON value/],
    ['bare word', '{"a": yes}', 1, 7, /unexpected character "y"/],
    ['missing comma', '{"a": 1\n "b": 2}', 2, 2, /expected "," or "}"/],
  ];
  it.each(bad)('%s', (_name, text, line, column, message) => {
    const r = parseJson(text);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error).toMatchObject({ line, column });
      expect(r.error.message).toMatch(message);
    }
  });

  it('bounds nesting depth instead of overflowing the stack', () => {
    const r = parseJson('['.repeat(100_000) + ']'.repeat(100_000));
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatchObject({ line: 1, column: 258, message: expect.stringMatching(/nesting/) });
  });

  it('locates pointers, falling back to the nearest ancestor', () => {
    const text = '{\n  "apps": [\n    {"id": "/a",\n     "cmd": "x"}\n  ]\n}';
    const r = parseJson(text);
    if (!r.ok) throw new Error('parse');
    expect(locate(r.root, [])).toEqual({ line: 1, column: 1 });
    expect(locate(r.root, ['apps', 0])).toEqual({ line: 3, column: 5 });
    expect(locate(r.root, ['apps', 0, 'cmd'])).toEqual({ line: 4, column: 13 });
    expect(locate(r.root, ['apps', 0, 'cmd'], true)).toEqual({ line: 4, column: 6 });
    expect(locate(r.root, ['apps', 0, 'missing', 3])).toEqual({ line: 3, column: 5 });
    expect(locate(r.root, ['apps', 7])).toEqual({ line: 2, column: 11 });
  });
});
