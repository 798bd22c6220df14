import { describe, expect, it } from 'vitest';
import { auditArchName, syscallName } from './syscall-numbers.js';

describe('syscall numbers by audit arch', () => {
  it.each([
    [0xc000003e, 101, 'ptrace'],
    [0xc000003e, 165, 'mount'],
    [0xc000003e, 90, 'chmod'],
    [0xc000003e, 268, 'fchmodat'],
    [0xc000003e, 452, 'fchmodat2'],
    [0xc000003e, 435, 'clone3'],
    [0xc00000b7, 117, 'ptrace'],
    [0xc00000b7, 40, 'mount'],
    [0xc00000b7, 52, 'fchmod'],
    [0xc00000b7, 53, 'fchmodat'],
    [0xc00000b7, 221, 'execve'],
    [0xc00000b7, 452, 'fchmodat2'],
  ])('%s %i is %s', (arch, nr, name) => {
    expect(syscallName(arch, nr)).toBe(name);
  });

  it('knows nothing it was not told', () => {
    expect(syscallName(0xc00000b7, 250)).toBeUndefined(); // reserved for the architecture, unused on arm64
    expect(syscallName(0xc000003e, 470)).toBeUndefined();
    expect(syscallName(0xc000003e, -1)).toBeUndefined();
    expect(syscallName(0x40000003, 26)).toBeUndefined();
    expect(auditArchName(0xc00000b7)).toBe('aarch64');
    expect(auditArchName(0)).toBeUndefined();
  });
});
