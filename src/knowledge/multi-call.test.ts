import { describe, expect, it } from 'vitest';
import { MULTI_CALL_BINARIES, isMultiCallName } from './multi-call.js';

describe('multi-call binaries', () => {
  it('each entry is named once and cites an https source, like every knowledge entry', () => {
    const names = MULTI_CALL_BINARIES.map((b) => b.name);
    expect(new Set(names).size).toBe(names.length);
    for (const b of MULTI_CALL_BINARIES) expect(b.source, b.name).toMatch(/^https:\/\/[^/\s]+\.[^/\s]+\//);
  });

  it.each([
    ['busybox', true],
    ['toybox', true],
    ['coreutils', true],
    ['httpd', false],
    ['sh', false],
  ])('%s: %s', (name, expected) => {
    expect(isMultiCallName(name)).toBe(expected);
  });
});
