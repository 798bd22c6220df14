import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { LinuxSeccompSchema, SeccompProfileSchema } from './seccomp-schema.js';

// Real default profiles, vendored with their sources in test/corpus/SOURCES.md.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = (name: string): string => path.resolve(repoRoot, 'test/corpus/seccomp', name);

describe('seccomp schema', () => {
  it.each(['moby-default.json', 'containers-common-podman-default.json'])('accepts the real default profile %s', (file) => {
    const result = SeccompProfileSchema.safeParse(JSON.parse(readFileSync(corpus(file), 'utf8')));
    expect(result.error?.issues ?? []).toEqual([]);
  });

  const minimal = { defaultAction: 'SCMP_ACT_ERRNO', syscalls: [{ names: ['read'], action: 'SCMP_ACT_ALLOW' }] };
  const CASES: { what: string; value: unknown; ok: boolean }[] = [
    { what: 'a minimal profile', value: minimal, ok: true },
    { what: 'architectures instead of archMap', value: { ...minimal, architectures: ['SCMP_ARCH_X86_64'] }, ok: true },
    { what: 'an unknown action', value: { ...minimal, defaultAction: 'SCMP_ACT_MAYBE' }, ok: false },
    { what: 'an unknown architecture', value: { ...minimal, architectures: ['SCMP_ARCH_Z80'] }, ok: false },
    { what: 'an empty names list', value: { ...minimal, syscalls: [{ names: [], action: 'SCMP_ACT_ALLOW' }] }, ok: false },
    {
      what: 'a name that is no identifier',
      value: { ...minimal, syscalls: [{ names: ['read write'], action: 'SCMP_ACT_ALLOW' }] },
      ok: false,
    },
    { what: 'a negative errnoRet', value: { ...minimal, defaultErrnoRet: -1 }, ok: false },
    { what: 'an unknown top-level key', value: { ...minimal, '//': 'comment' }, ok: false },
    {
      what: 'an argument index past 5',
      value: { ...minimal, syscalls: [{ names: ['socket'], action: 'SCMP_ACT_ALLOW', args: [{ index: 6, value: 1, op: 'SCMP_CMP_EQ' }] }] },
      ok: false,
    },
  ];
  it.each(CASES)('profile file: $what → ok=$ok', ({ value, ok }) => {
    expect(SeccompProfileSchema.safeParse(value).success).toBe(ok);
  });

  it('keeps the runtime-spec object strict: archMap is a profile-file field only', () => {
    const withArchMap = { ...minimal, archMap: [{ architecture: 'SCMP_ARCH_X86_64', subArchitectures: null }] };
    expect(SeccompProfileSchema.safeParse(withArchMap).success).toBe(true);
    expect(LinuxSeccompSchema.safeParse(withArchMap).success).toBe(false);
  });
});
