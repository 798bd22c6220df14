import { describe, expect, it } from 'vitest';
import { MAX_INVALID_UTF8, decodeUtf8, findYamlForbidden, invalidUtf8In, limitPosition } from './text.js';
import { positionAt } from '../../util/text-position.js';

const bytes = (...parts: (string | number[])[]): Uint8Array =>
  Uint8Array.from(parts.flatMap((p) => (typeof p === 'string' ? [...new TextEncoder().encode(p)] : p)));

describe('decodeUtf8', () => {
  it('decodes valid UTF-8 with nothing to report', () => {
    expect(decodeUtf8(bytes('a: é 😀\n'))).toEqual({ text: 'a: é 😀\n', invalidUtf8: [] });
  });

  it.each([
    ['a lone continuation byte', [0x80]],
    ['a truncated sequence', [0xc3]],
    ['an overlong encoding', [0xc0, 0xaf]],
    ['a UTF-16 surrogate', [0xed, 0xa0, 0x80]],
    ['a code point above U+10FFFF', [0xf4, 0x90, 0x80, 0x80]],
    ['0xFF', [0xff]],
  ])('finds %s at its byte offset and keeps it as one U+FFFD per bad sequence', (_name, bad) => {
    const decoded = decodeUtf8(bytes('ok: é\nx: ', bad, ' y\n'));
    expect(decoded.invalidUtf8[0]).toMatchObject({ byte: 10, value: bad[0] });
    const first = decoded.invalidUtf8[0]?.offset ?? -1;
    expect(decoded.text.charAt(first)).toBe('\uFFFD');
    expect(positionAt(decoded.text, first)).toEqual({ line: 2, column: 4 });
    expect(decoded.text.endsWith(' y\n')).toBe(true);
  });

  it('lists every bad sequence, not only the first', () => {
    expect(decodeUtf8(bytes([0xff], 'a', [0xfe])).invalidUtf8.map((b) => b.offset)).toEqual([0, 2]);
  });
});

describe('a binary file', () => {
  it(`lists ${MAX_INVALID_UTF8} bad sequences and marks everything after the last as bad`, () => {
    const decoded = decodeUtf8(new Uint8Array(MAX_INVALID_UTF8 * 5).fill(0xff));
    expect(decoded.invalidUtf8).toHaveLength(MAX_INVALID_UTF8);
    expect(decoded.invalidUtf8.at(-1)?.andAfter).toBe(true);
    expect(invalidUtf8In(decoded.invalidUtf8, MAX_INVALID_UTF8 * 3, MAX_INVALID_UTF8 * 3 + 1)?.offset).toBe(MAX_INVALID_UTF8 * 3);
    expect(invalidUtf8In(decodeUtf8(Uint8Array.from([0x61, 0xff, 0x61])).invalidUtf8, 2, 3)).toBeUndefined();
  });
});

describe('findYamlForbidden', () => {
  it('finds NUL, ESC, DEL and C1 controls but allows tab, newlines and NEL', () => {
    expect(findYamlForbidden('a:\tb\r\n\u0085c')).toBe(-1);
    for (const c of ['\u0000', '\u001b', '\u007f', '\u0090']) expect(findYamlForbidden(`ab${c}`)).toBe(2);
    expect(findYamlForbidden('\u001bab', 1)).toBe(-1);
  });
});

describe('limitPosition', () => {
  it('is the position of the first character past the limit', () => {
    expect(limitPosition('ab\ncd\nef', 4)).toEqual({ line: 2, column: 2 });
  });
});
