import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { escapeTerminal, terminalLines } from './terminal-text.js';

describe('escapeTerminal', () => {
  it.each([
    ['an ESC sequence', 'root\u001b[2J\u001b]0;pwned\u0007', 'root\\x1b[2J\\x1b]0;pwned\\x07'],
    ['DEL and C1 (CSI)', 'a\u007fb\u009b31m', 'a\\x7fb\\x9b31m'],
    ['bidi overrides and isolates', 'x\u202eexe.txt\u2066y\u2069', 'x\\u202eexe.txt\\u2066y\\u2069'],
    ['tab, CR and newline in a single-line value', 'a\tb\rc\nd', 'a\\tb\\rc\\nd'],
    ['printable text, backslashes and non-Latin letters', 'C:\\x ünï 日本 ←', 'C:\\x ünï 日本 ←'],
  ])('%s', (_what, input, expected) => {
    expect(escapeTerminal(input)).toBe(expected);
  });

  it('keeps newlines when they are the structure', () => {
    expect(escapeTerminal('one\u001b\ntwo\n', { keepNewlines: true })).toBe('one\\x1b\ntwo\n');
    expect(terminalLines(['a\nb', 'c'])).toBe('a\\nb\nc\n');
  });

  it('leaves no control or bidi character behind and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 64 }), (s) => {
        const once = escapeTerminal(s);
        // eslint-disable-next-line no-control-regex -- matching control characters is the point
        expect(once).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/);
        expect(escapeTerminal(once)).toBe(once);
      }),
      { numRuns: 500, seed: 8 },
    );
  });
});
