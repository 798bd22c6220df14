import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { corpusRoot } from '../../src/test-support/profile.js';
import { defaultProfileSize, resultsTable } from './report.js';

describe('defaultProfileSize', () => {
  it('counts the podman default as a container with no capabilities on x86_64 sees it', () => {
    const profile = JSON.parse(readFileSync(path.join(corpusRoot, 'seccomp/containers-common-podman-default.json'), 'utf8')) as unknown;
    // 374 is the figure the issue quotes; 408 names are allowed under some condition, 443 are named.
    expect(defaultProfileSize(profile)).toEqual({ named: 443, allowedSomehow: 408, allowedAmd64NoCaps: 374 });
  });

  it('applies architecture and capability conditions', () => {
    const profile = {
      syscalls: [
        { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
        { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
        { names: ['amd_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['amd64', 'x32'] } },
        { names: ['mount'], action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['mount'], action: 'SCMP_ACT_ERRNO', excludes: { caps: ['CAP_SYS_ADMIN'] } },
        { names: ['socket'], action: 'SCMP_ACT_ALLOW', excludes: { caps: ['CAP_AUDIT_WRITE'] } },
        { names: ['kexec_load'], action: 'SCMP_ACT_ERRNO' },
      ],
    };
    expect(defaultProfileSize(profile)).toEqual({ named: 7, allowedSomehow: 6, allowedAmd64NoCaps: 4 });
  });

  it.each([null, 1, 'x', {}, { syscalls: 'no' }, { syscalls: [null, 3, { names: [1, 'ok'], action: 'SCMP_ACT_ALLOW' }] }])(
    'never throws on %j',
    (input) => {
      const s = defaultProfileSize(input);
      expect(s.allowedAmd64NoCaps).toBeLessThanOrEqual(1);
    },
  );
});

describe('resultsTable', () => {
  it('writes one row per app with dashes for what was not measured, and escapes pipes', () => {
    const t = resultsTable(
      [
        { app: 'a', what: 'x | y', observed: 58 },
        { app: 'b', what: 'z', observed: 60, static: 80, misses: [], podman: 'ok' },
        { app: 'c', what: 'w', observed: 61, static: 70, misses: ['clone (node)'] },
      ],
      374,
    );
    const rows = t.trim().split('\n');
    expect(rows).toHaveLength(5);
    expect(rows[2]).toBe('| a | x \\| y | 58 | – | 374 | – | – | – |');
    expect(rows[3]).toBe('| b | z | 60 | 80 | 374 | 21 % | none | ok |');
    expect(rows[4]).toBe('| c | w | 61 | 70 | 374 | 19 % | clone (node) | – |');
  });
});
