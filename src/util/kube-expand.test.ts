import { describe, expect, it } from 'vitest';
import { expandReferences, MAX_EXPANDED_LENGTH } from './kube-expand.js';

const vars: Record<string, string> = { VAR_A: 'A', VAR_B: 'B', VAR_EMPTY: '', HOST: 'db', PORT: '5432' };
const lookup = (name: string): string | undefined => vars[name];

describe('expandReferences (the kubelet rules)', () => {
  it.each([
    ['$(VAR_A)', 'A'],
    ['___$(VAR_A)___', '___A___'],
    ['$(VAR_A)$(VAR_B)', 'AB'],
    ['$(VAR_EMPTY)x', 'x'],
    ['postgres://$(HOST):$(PORT)/app', 'postgres://db:5432/app'],
    // Undefined references stay as written.
    ['$(UNDEFINED)', '$(UNDEFINED)'],
    ['$(VAR_A)$(UNDEFINED)', 'A$(UNDEFINED)'],
    // `$$` escapes to one `$`, and what follows is not a reference.
    ['$$(VAR_A)', '$(VAR_A)'],
    ['$$$(VAR_A)', '$A'],
    ['$$$$(VAR_A)', '$$(VAR_A)'],
    // A `$` before anything else, or an unclosed reference, stays as written.
    ['$VAR_A', '$VAR_A'],
    ['$', '$'],
    ['x$', 'x$'],
    ['$(VAR_A', '$(VAR_A'],
    ['$()', '$()'],
    ['${VAR_A}', '${VAR_A}'],
  ])('%s → %s', (input, expected) => {
    expect(expandReferences(input, lookup).text).toBe(expected);
  });

  it('never expands substituted text again, so a value holding a reference stays as it is', () => {
    const cyclic: Record<string, string> = { A: '$(B)', B: '$(A)' };
    expect(expandReferences('$(A)', (n) => cyclic[n]).text).toBe('$(B)');
  });

  it('names the variables it used', () => {
    expect(expandReferences('$(HOST):$(PORT)$(NOPE)', lookup).used).toEqual(['HOST', 'PORT']);
  });

  it('cuts a result that grows past the limit', () => {
    const big = 'x'.repeat(40_000);
    const r = expandReferences('$(BIG)$(BIG)$(BIG)', (n) => (n === 'BIG' ? big : undefined));
    expect(r.truncated).toBe(true);
    expect(r.text.length).toBe(MAX_EXPANDED_LENGTH);
  });
});
