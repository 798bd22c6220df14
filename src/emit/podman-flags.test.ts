import { describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../model/charter.js';
import { emitPodmanFlags } from './podman-flags.js';
import { expectGolden } from './fixtures/golden.js';
import { batchContainer, dbContainer, named, sampleCharter, shuffled, src, webContainer } from './fixtures/sample-charter.js';
import type { EmitOptions } from './types.js';

function charterOf(...containers: ContainerCharter[]): Charter {
  return { ...sampleCharter(), containers, graph: { edges: [] } };
}

function argvOf(c: ContainerCharter, opts: EmitOptions = {}): string[] {
  const out = emitPodmanFlags(charterOf(c), opts);
  const json = out.files.find((f) => f.name.endsWith('.podman.json'));
  return JSON.parse(json?.content ?? 'null') as string[];
}

function shOf(c: ContainerCharter): string {
  return emitPodmanFlags(charterOf(c), {}).files.find((f) => f.name.endsWith('.podman.sh'))?.content ?? '';
}

/** Pairs `--flag value` so assertions read like the command line. */
function pairs(argv: string[], flag: string): string[] {
  return argv.flatMap((a, i) => (a === flag ? [argv[i + 1] ?? ''] : []));
}

describe('podman-flags emitter', () => {
  it('matches the golden files', () => {
    const out = emitPodmanFlags(sampleCharter(), {});
    expect(out.files.map((f) => f.name)).toEqual([
      'batch.podman.sh',
      'batch.podman.json',
      'db.podman.sh',
      'db.podman.json',
      'web.podman.sh',
      'web.podman.json',
    ]);
    expectGolden('podman-flags', out.files);
  });

  it('writes the web container as expected', () => {
    expect(argvOf(webContainer())).toEqual([
      '--read-only',
      '--read-only-tmpfs=false',
      '--tmpfs',
      '/tmp:rw,noexec,nosuid,nodev,size=64m',
      '--volume',
      'charter-web-app-uploads:/app/uploads',
      '--cap-drop',
      'ALL',
      '--security-opt',
      'no-new-privileges',
      '--security-opt',
      'seccomp=web.seccomp.json',
      '--user',
      'node',
    ]);
  });

  it('adds back each capability without its CAP_ prefix', () => {
    const argv = argvOf(dbContainer());
    expect(pairs(argv, '--cap-drop')).toEqual(['ALL']);
    expect(pairs(argv, '--cap-add')).toEqual(['CHOWN', 'DAC_OVERRIDE', 'FOWNER', 'SETGID', 'SETUID']);
    expect(argv.indexOf('--cap-drop')).toBeLessThan(argv.indexOf('--cap-add'));
    expect(pairs(argv, '--volume')).toEqual(['charter-db-var-lib-postgresql-data:/var/lib/postgresql/data']);
  });

  it('removes the network when the profile has none', () => {
    expect(pairs(argvOf(batchContainer()), '--network')).toEqual(['none']);
    expect(argvOf(webContainer())).not.toContain('--network');
  });

  const CASES: { what: string; change: (c: ContainerCharter) => void; has: string[]; lacks: string[] }[] = [
    {
      what: 'a writable root',
      change: (c) => {
        c.filesystem.readOnlyRoot = { value: false, sources: src('no readOnlyRootFilesystem') };
      },
      has: ['--tmpfs'],
      lacks: ['--read-only', '--read-only-tmpfs=false'],
    },
    {
      what: 'allowed privilege escalation',
      change: (c) => {
        c.privileges.allowPrivilegeEscalation = { value: true, sources: src('allowPrivilegeEscalation: true') };
      },
      has: ['--cap-drop'],
      lacks: ['no-new-privileges'],
    },
    {
      what: 'privileged mode',
      change: (c) => {
        c.privileges.privileged = { value: true, sources: src('privileged: true') };
      },
      has: ['no-new-privileges'],
      lacks: ['--privileged'],
    },
    {
      what: 'no user',
      change: (c) => {
        delete c.user;
      },
      has: ['--read-only'],
      lacks: ['--user'],
    },
    {
      what: '/tmp as a data dir',
      change: (c) => {
        c.filesystem.writable = [{ path: '/tmp', kind: 'data-dir', sources: src('writes /tmp') }];
      },
      has: ['/tmp:rw,noexec,nosuid,nodev,size=64m'],
      lacks: ['--volume'],
    },
    {
      what: 'a read-only bind mount',
      change: (c) => {
        c.filesystem.writable = [{ path: '/etc/app', kind: 'bind', hostPath: './config', readOnly: true, sources: src('bind') }];
      },
      has: ['./config:/etc/app:ro'],
      lacks: ['--tmpfs'],
    },
  ];
  it.each(CASES)('$what', ({ change, has, lacks }) => {
    const c = webContainer();
    change(c);
    const argv = argvOf(c);
    for (const h of has) expect(argv).toContain(h);
    for (const l of lacks) expect(argv).not.toContain(l);
  });

  it('reports privileged mode in a comment and a warning, never as a flag', () => {
    const c = webContainer();
    c.privileges.privileged = { value: true, sources: src('privileged: true') };
    const out = emitPodmanFlags(charterOf(c), {});
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.podman.privileged']);
    const sh = out.files[0]?.content ?? '';
    expect(sh).toMatch(/^# WARNING: the profile declares privileged mode/m);
    expect(
      sh
        .split('\n')
        .filter((l) => !l.startsWith('#'))
        .join('\n'),
    ).not.toContain('--privileged');
  });

  it('takes the seccomp path from the options', () => {
    const argv = argvOf(webContainer(), { seccompPath: (name) => `/etc/charter/${name}.json` });
    expect(pairs(argv, '--security-opt')).toContain('seccomp=/etc/charter/web.json');
  });

  it('quotes shell arguments that need it, and the line matches the argv', () => {
    const c = webContainer();
    c.user = { name: "it's me", sources: src('odd') };
    const sh = shOf(c);
    const line = sh.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
    expect(line).toHaveLength(1);
    expect(line[0]).toContain(`--user 'it'\\''s me'`);
    expect(line[0]).toContain('--tmpfs /tmp:rw,noexec,nosuid,nodev,size=64m');
  });

  it('is deterministic and ignores input order', () => {
    const a = emitPodmanFlags(sampleCharter(), {});
    expect(emitPodmanFlags(sampleCharter(), {})).toEqual(a);
    expect(emitPodmanFlags(shuffled(sampleCharter()), {})).toEqual(a);
  });

  it('does not add ALL back, and warns', () => {
    const c = webContainer();
    c.capabilities = named(['ALL', 'NET_BIND_SERVICE'], 'cap_add');
    const out = emitPodmanFlags(charterOf(c), {});
    expect(pairs(argvOf(c), '--cap-add')).toEqual(['NET_BIND_SERVICE']);
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.podman.cap-all']);
  });
});
