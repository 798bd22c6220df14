// Container test (podman): kept apart from the knowledge base's unit tests so `npm run test:unit`
// never starts a container.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { busyboxRootfsTar } from '../test-support/images.js';
import { canRunPodmanTests, podman, podmanOk, type RunResult } from '../test-support/podman.js';
import { loadKnowledge } from './index.js';

const kb = loadKnowledge();
const group = (id: string): string[] => {
  const g = kb.syscallGroups.find((x) => x.id === id);
  if (!g) throw new Error(`no group ${id}`);
  return g.syscalls;
};

/**
 * Empirical proof that runc-bootstrap ∪ libc-floor is enough for runc to reach execve and for a
 * static busybox to run, and that libc-floor alone is not (runc's init would be denied fstatfs).
 */
describe('runc-bootstrap under podman (empirical)', () => {
  const canRun = canRunPodmanTests('the empirical runc-bootstrap test (src/knowledge/runc-bootstrap.podman.test.ts)', {
    commands: ['podman'],
    files: ['/bin/busybox'],
  });
  const image = 'localhost/charter-kb-test/busybox:1';

  const run = (syscalls: readonly string[], args: readonly string[]): RunResult => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'charter-kb-'));
    try {
      const profile = path.join(dir, 'seccomp.json');
      writeFileSync(
        profile,
        JSON.stringify({
          defaultAction: 'SCMP_ACT_ERRNO',
          defaultErrnoRet: 1,
          architectures: ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'],
          syscalls: [{ names: [...new Set(syscalls)].sort(), action: 'SCMP_ACT_ALLOW' }],
        }),
      );
      return podman(
        ['run', '--rm', '--network=none', '--security-opt', 'no-new-privileges', '--security-opt', `seccomp=${profile}`, image, ...args],
        { timeoutMs: 60_000 },
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };

  it.runIf(canRun)(
    'busybox runs under exactly runc-bootstrap ∪ libc-floor, and fails without runc-bootstrap',
    () => {
      const root = mkdtempSync(path.join(os.tmpdir(), 'charter-kb-rootfs-'));
      try {
        podmanOk(['import', busyboxRootfsTar(root), image]);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }

      const both = [...group('runc-bootstrap'), ...group('libc-floor')];
      const t = run(both, ['/bin/busybox', 'true']);
      expect(t.stderr).toBe('');
      expect(t.status).toBe(0);
      const ls = run(both, ['/bin/busybox', 'ls', '/']);
      expect(ls.status).toBe(0);
      expect(ls.stdout.split('\n')).toEqual(expect.arrayContaining(['bin', 'proc', 'dev']));

      const floorOnly = run(group('libc-floor'), ['/bin/busybox', 'true']);
      expect(floorOnly.status).not.toBe(0);
      expect(floorOnly.stderr).toMatch(/operation not permitted/i);
    },
    120_000,
  );
});
