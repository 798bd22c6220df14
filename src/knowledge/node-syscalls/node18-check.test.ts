/**
 * The Node.js 18 map against the runtime it describes: Debian bookworm's node 18 (system libuv
 * 1.44.2), in the cached Debian test root file system, runs the generator's own check
 * (`scripts/node-syscalls/generate.mjs --check`) on every snippet and every floor program against
 * node18.json, and must report nothing: no miss, no name only runc-bootstrap allows, no snippet
 * that failed to run. All snippets run (about 40 s on two cores), not a subset. The repository's
 * scripts/node-syscalls and src/knowledge are mounted read-only, so the map checked is the one in
 * the working tree. Needs root on Linux with podman and mmdebstrap; skipped loudly elsewhere.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianNodeRootfs } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../test-support/podman.js';
import { repoRoot } from '../../test-support/profile.js';

const canRun = canRunPodmanTests('src/knowledge/node-syscalls/node18-check.test.ts', {
  untested: "the Node.js 18 syscall map (node18.json) against Debian's node 18 under strace",
  commands: ['podman', 'mmdebstrap'],
});

const IMAGE = `localhost/charter-test/node18-syscalls:${process.pid}`;
const CTR = `charter-test-node18-syscalls-${process.pid}`;

const snippetCount = Object.keys(
  (JSON.parse(readFileSync(path.join(repoRoot, 'scripts/node-syscalls/snippets.json'), 'utf8')) as { snippets: Record<string, unknown> })
    .snippets,
).length;

describe.runIf(canRun)("strace check of node18.json with Debian's node 18", () => {
  let run: ReturnType<typeof podman>;

  beforeAll(() => {
    podmanOk(['import', debianNodeRootfs(), IMAGE], { timeoutMs: 300_000 });
    run = podman(
      [
        'run',
        '--rm',
        '--name',
        CTR,
        // The snippets' peers and servers are all on 127.0.0.1 (the resolver snippets ask
        // 127.0.0.1:9), so loopback is all they need.
        '--network',
        'none',
        // strace only traces its own children, which needs no capability under the default Yama
        // scope; SYS_PTRACE keeps it working on hosts with kernel.yama.ptrace_scope=2.
        '--cap-add',
        'SYS_PTRACE',
        // No container filter: the trace must show what node calls on its own, with strace's
        // ENOSYS answers for clone3 and io_uring_* (as Charter's profile gives) as the only ones
        // changed; the default profile would refuse other calls and send node down other paths.
        '--security-opt',
        'seccomp=unconfined',
        '--volume',
        `${path.join(repoRoot, 'scripts/node-syscalls')}:/charter/scripts/node-syscalls:ro`,
        '--volume',
        `${path.join(repoRoot, 'src/knowledge')}:/charter/src/knowledge:ro`,
        IMAGE,
        '/usr/bin/node',
        '/charter/scripts/node-syscalls/generate.mjs',
        '--check',
        '--node',
        '/usr/bin/node',
      ],
      { timeoutMs: 300_000 },
    );
  }, 600_000);

  afterAll(() => {
    if (canRun) cleanup([CTR], [IMAGE]);
  });

  it("runs Debian's node 18 with the system libuv against node18.json", () => {
    // First stderr line: `node 18.20.4 x64 uv 1.44.2; map 1 (… entries, floor node18-floor: …); N snippets`.
    expect(run.stderr, run.stdout).toMatch(
      /^node 18\.\d+\.\d+ x64 uv 1\.44\.\d+; map \d+ \(\d+ entries, floor node18-floor: \d+\); \d+ snippets$/m,
    );
  });

  it('checks every snippet and the floor programs with zero misses', () => {
    // --check prints one stdout line per problem: a floor program needing more than node18-floor,
    // a snippet's miss, a name only runc-bootstrap allows, or a snippet that timed out, failed its
    // client exchange or left no trace.
    expect(
      run.stdout.split('\n').filter((l) => l !== ''),
      run.stderr,
    ).toEqual([]);
    expect(run.stderr).toContain(`${snippetCount} snippets checked, 0 misses`);
    expect(run.status, run.stderr).toBe(0);
  });
});
