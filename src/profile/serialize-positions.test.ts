import { describe, expect, it } from 'vitest';
import { UserError } from '../model/errors.js';
import { parseCharter } from './serialize.js';

describe('parseCharter positions (alias bombs, empty documents)', () => {
  it('refuses an alias bomb at the line and column of its first alias (found by the fuzz test)', () => {
    const bomb = [
      'apiVersion: charter/v1',
      'a: &a [x, x, x, x, x, x, x, x, x]',
      'b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]',
      'c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]',
      'd: [*c, *c, *c, *c, *c, *c, *c, *c, *c]',
    ].join('\n');
    let err: unknown;
    try {
      parseCharter(bomb, 'bomb.yaml');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UserError);
    expect(err).toMatchObject({
      file: 'bomb.yaml',
      line: 3,
      column: 8,
      message: expect.stringMatching(/^not a valid profile: .*alias/i) as unknown,
    });
  });

  it.each(['', '# only a comment\n'])('refuses the empty document %j at line 1, column 1', (text) => {
    expect(() => parseCharter(text, 'empty.json')).toThrow(UserError);
    try {
      parseCharter(text, 'empty.json');
    } catch (e) {
      expect(e).toMatchObject({ file: 'empty.json', line: 1, column: 1 });
    }
  });
});
