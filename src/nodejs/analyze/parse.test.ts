import { describe, expect, it } from 'vitest';
import { LineIndex, parseJs, tooDeepForParser } from './parse.js';

describe('parseJs', () => {
  it('converts UTF-16 offsets to 1-based lines and columns (CRLF, CR, astral characters)', () => {
    const src = "a\r\nb\rc\n😀x";
    const idx = new LineIndex(src);
    expect(idx.position(0)).toEqual({ line: 1, column: 1 });
    expect(idx.position(src.indexOf('b'))).toEqual({ line: 2, column: 1 });
    expect(idx.position(src.indexOf('c'))).toEqual({ line: 3, column: 1 });
    expect(idx.position(src.indexOf('x'))).toEqual({ line: 4, column: 3 });
  });

  it('accepts top-level return (CommonJS) and reports syntax errors with an offset', () => {
    expect(parseJs('a.js', 'return 1', 'unambiguous').ok).toBe(true);
    const bad = parseJs('a.js', 'let x = (;', 'unambiguous');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.offset).toBe(9);
  });

  // Each of these, parsed, overflows the parser's native stack and kills the process.
  it.each([
    ['nested arrays', '['.repeat(20000) + ']'.repeat(20000)],
    ['chained ifs', 'if(x)'.repeat(9000) + ';'],
    ['chained ternaries', 'a?b:'.repeat(13000) + 'c'],
    ['chained arrows', '()=>'.repeat(13000) + '1'],
    ['chained additions', 'x' + '+x'.repeat(100000)],
  ])('refuses %s before they reach the parser', (_name, src) => {
    expect(tooDeepForParser(src)).toBe(true);
    expect(parseJs('a.js', src, 'unambiguous').ok).toBe(false);
  });

  it('lets ordinary large inputs through (data tables, strings with operators, comments)', () => {
    expect(tooDeepForParser(`module.exports = [${Array.from({ length: 50000 }, (_, i) => i).join(',')}];`)).toBe(false);
    expect(tooDeepForParser(`var s = "${'+/='.repeat(50000)}"; // ${'('.repeat(9000)}\n/* ${'['.repeat(9000)} */`)).toBe(false);
    expect(tooDeepForParser('function f(){return 1}'.repeat(100000))).toBe(false);
  });
});
