/**
 * The emitted seccomp profile and podman flags, enforced by a real podman + runc: a busybox
 * container may write its tmpfs, but not its root, may not open a socket and may not chown; it may
 * chmod but not set a set-id bit; the profile's LOG flag is accepted by runc.
 * Needs root on Linux (podman with the repo's containers.conf); skipped loudly elsewhere.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../model/charter.js';
import { emptyContainer } from '../model/charter.js';
import { busyboxRootfsTar } from '../test-support/images.js';
import { canRunPodmanTests, podman, type RunResult } from '../test-support/podman.js';
import { emitPodmanFlags } from './podman-flags.js';
import { emitSeccomp } from './seccomp.js';
import { named, sampleCharter, src } from './fixtures/sample-charter.js';
import { BUSYBOX_SYSCALLS } from '../test-support/busybox-syscalls.js';

const IMAGE = 'localhost/charter-emit/bb:1';
const canRun = canRunPodmanTests('src/emit/seccomp.podman.test.ts', { untested: 'the seccomp profile in a real container' });

function busyboxContainer(name: string, extra: { caps?: string[]; application?: string[] } = {}): ContainerCharter {
  const c = emptyContainer(name);
  c.network = { none: true, listen: [], ingress: [], egress: [] };
  c.filesystem.writable = [{ path: '/tmp', kind: 'tmpfs', sources: src('scratch space') }];
  c.capabilities = named(extra.caps ?? [], 'test');
  c.syscalls = {
    'container-runtime': named(BUSYBOX_SYSCALLS['container-runtime'], 'runc'),
    'language-runtime': named(BUSYBOX_SYSCALLS['language-runtime'], 'static libc'),
    application: named([...BUSYBOX_SYSCALLS.application, ...(extra.application ?? [])], 'busybox'),
  };
  return c;
}

const charter: Charter = {
  ...sampleCharter(),
  containers: [
    busyboxContainer('bb'),
    // Controls: the same container with the one thing added that the refusals hinge on.
    busyboxContainer('bb-chown', { caps: ['CAP_CHOWN'] }),
    busyboxContainer('bb-socket', { application: ['socket', 'connect'] }),
  ],
  graph: { edges: [] },
};

describe.skipIf(!canRun)('seccomp + podman flags in a real container', () => {
  let dir = '';
  const argv = new Map<string, string[]>();

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'charter-emit-'));
    const imported = podman(['import', busyboxRootfsTar(dir, { dirs: ['tmp', 'etc'] }), IMAGE]);
    expect(imported.stderr + imported.stdout).toMatch(/sha256:|Writing manifest/);
    expect(imported.status).toBe(0);

    for (const f of emitSeccomp(charter, {}).files) writeFileSync(path.join(dir, f.name), f.content);
    const flags = emitPodmanFlags(charter, { seccompPath: (name) => path.join(dir, `${name}.seccomp.json`) });
    for (const f of flags.files.filter((x) => x.name.endsWith('.podman.json'))) {
      argv.set(f.name.replace(/\.podman\.json$/, ''), JSON.parse(f.content) as string[]);
    }
  });

  afterAll(() => {
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
    podman(['rmi', '--force', IMAGE]);
  });

  function run(container: string, script: string): RunResult {
    const flags = argv.get(container);
    if (flags === undefined) throw new Error(`no flags for ${container}`);
    return podman(['run', '--rm', ...flags, IMAGE, 'sh', '-c', script]);
  }

  it('emits the flags the run relies on', () => {
    const flags = argv.get('bb') ?? [];
    for (const f of ['--read-only', '--network', 'none', '--cap-drop', 'ALL', 'no-new-privileges']) expect(flags).toContain(f);
    expect(flags.some((f) => f.startsWith('seccomp=') && f.endsWith('bb.seccomp.json'))).toBe(true);
  });

  const CASES: { what: string; container: string; script: string; ok: boolean; out: RegExp }[] = [
    { what: 'writes and reads its tmpfs', container: 'bb', script: 'echo hi > /tmp/x && cat /tmp/x', ok: true, out: /^hi$/m },
    {
      what: 'cannot write its root filesystem',
      container: 'bb',
      script: 'echo x > /etc/x',
      ok: false,
      out: /can't create \/etc\/x: Read-only file system/,
    },
    { what: 'cannot open a listening socket', container: 'bb', script: 'nc -l -p 8080', ok: false, out: /socket: Operation not permitted/ },
    {
      what: 'cannot open a client socket',
      container: 'bb',
      script: 'wget http://127.0.0.1:1/',
      ok: false,
      out: /socket: Operation not permitted/,
    },
    {
      what: 'cannot chown without CAP_CHOWN',
      container: 'bb',
      script: 'echo x > /tmp/x && chown 1 /tmp/x',
      ok: false,
      out: /chown: \/tmp\/x: Operation not permitted/,
    },
    {
      what: 'may chmod without set-id bits',
      container: 'bb',
      script: 'echo x > /tmp/x && chmod 750 /tmp/x && stat -c %a /tmp/x',
      ok: true,
      out: /^750$/m,
    },
    {
      what: 'cannot set the setuid bit',
      container: 'bb',
      script: 'echo x > /tmp/x && chmod u+s /tmp/x',
      ok: false,
      out: /chmod: \/tmp\/x: Operation not permitted/,
    },
    {
      what: 'cannot set the setgid bit (numeric mode)',
      container: 'bb',
      script: 'echo x > /tmp/x && chmod 2755 /tmp/x; stat -c %a /tmp/x; exit 1',
      ok: false,
      out: /chmod: \/tmp\/x: Operation not permitted/,
    },
    // Controls: the refusals above come from the capability and the seccomp rule, nothing else.
    {
      what: 'can chown with CAP_CHOWN',
      container: 'bb-chown',
      script: 'echo x > /tmp/x && chown 1 /tmp/x && stat -c %u /tmp/x',
      ok: true,
      out: /^1$/m,
    },
    {
      what: 'gets past socket() when the profile allows it',
      container: 'bb-socket',
      script: 'wget http://127.0.0.1:1/',
      ok: false,
      out: /can't connect to remote host|Connection refused|Network is unreachable/,
    },
  ];
  it('with --seccomp-log the runtime installs the LOG flag, or (runc before 1.2) refuses the whole container', () => {
    const file = path.join(dir, 'bb-log.seccomp.json');
    const [bb] = emitSeccomp(charter, { seccompLog: true, container: 'bb' }).files;
    writeFileSync(file, bb?.content ?? '');
    const flags = (argv.get('bb') ?? []).map((f) => (f.startsWith('seccomp=') ? `seccomp=${file}` : f));
    const r = podman(['run', '--rm', ...flags, IMAGE, 'sh', '-c', 'echo x > /tmp/x && chmod u+s /tmp/x']);
    if (/seccomp flags are not yet supported by runc/.test(r.stderr)) {
      console.warn(
        'seccomp.podman.test: this runc refuses SECCOMP_FILTER_FLAG_LOG (runc before 1.2): --seccomp-log profiles cannot run here',
      );
      expect(r.status).not.toBe(0);
    } else {
      expect(r.stderr).toMatch(/chmod: \/tmp\/x: Operation not permitted/);
    }
  });

  it.each(CASES)('$container $what', ({ container, script, ok, out }) => {
    const r = run(container, script);
    const text = `${r.stdout}${r.stderr}`;
    if (ok) expect(r.status, text).toBe(0);
    else expect(r.status, text).not.toBe(0);
    expect(ok ? r.stdout : r.stderr, text).toMatch(out);
    if (container === 'bb-socket') expect(r.stderr).not.toMatch(/socket: Operation not permitted/);
  });
});
