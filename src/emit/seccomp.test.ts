import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { emptyContainer, type Charter, type ContainerCharter } from '../model/charter.js';
import { ENOSYS_SYSCALLS, emitSeccomp, seccompAllowedSyscalls } from './seccomp.js';
import { SeccompProfileSchema, LinuxSeccompSchema } from './seccomp-schema.js';
import { expectGolden } from './fixtures/golden.js';
import { named, sampleCharter, shuffled, webContainer } from './fixtures/sample-charter.js';

// Real default profiles, vendored with their sources in test/corpus/SOURCES.md.
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = (name: string): string => path.resolve(repoRoot, 'test/corpus/seccomp', name);

function charterOf(...containers: ContainerCharter[]): Charter {
  return { ...sampleCharter(), containers, graph: { edges: [] } };
}

function profileOf(c: ContainerCharter): ReturnType<typeof SeccompProfileSchema.parse> {
  const out = emitSeccomp(charterOf(c), {});
  expect(out.files).toHaveLength(1);
  return SeccompProfileSchema.parse(JSON.parse(out.files[0]?.content ?? ''));
}

function allowedBy(profile: ReturnType<typeof SeccompProfileSchema.parse>): string[] {
  return (profile.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names);
}

function withApplication(names: string[]): ContainerCharter {
  const c = webContainer();
  c.syscalls.application = named(names, 'test');
  return c;
}

describe('seccomp emitter', () => {
  it('matches the golden files', () => {
    const out = emitSeccomp(sampleCharter(), {});
    expect(out.files.map((f) => f.name)).toEqual(['batch.seccomp.json', 'db.seccomp.json', 'web.seccomp.json']);
    expectGolden('seccomp', out.files);
  });

  it('writes the profile-file shape: deny with EPERM, x86 and Arm through archMap', () => {
    const p = profileOf(webContainer());
    expect(p.defaultAction).toBe('SCMP_ACT_ERRNO');
    expect(p.defaultErrnoRet).toBe(1);
    expect(p.archMap).toEqual([
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ]);
    // Without archMap, what remains is exactly a runtime-spec LinuxSeccomp object.
    const { archMap: _archMap, ...runtime } = p;
    expect(LinuxSeccompSchema.safeParse(runtime).success).toBe(true);
  });

  it('allows the sorted union of the three layers', () => {
    const c = webContainer();
    const expected = [
      ...new Set([...c.syscalls['container-runtime'], ...c.syscalls['language-runtime'], ...c.syscalls.application].map((r) => r.name)),
    ]
      .filter((n) => !(ENOSYS_SYSCALLS as readonly string[]).includes(n))
      .sort();
    expect(seccompAllowedSyscalls(charterOf(c), c)).toEqual(expected);
    expect(allowedBy(profileOf(c))).toEqual(expected);
    // One name from each layer is really there.
    for (const n of ['execve', 'epoll_pwait', 'socket']) expect(allowedBy(profileOf(c))).toContain(n);
  });

  const ENOSYS_CASES: { what: string; listed: string[] }[] = [
    { what: 'no layer lists them', listed: [] },
    { what: 'the application layer lists all of them', listed: [...ENOSYS_SYSCALLS] },
    { what: 'clone3 only', listed: ['clone3'] },
  ];
  it.each(ENOSYS_CASES)('answers clone3 and io_uring_* with ENOSYS when $what', ({ listed }) => {
    const p = profileOf(withApplication(['socket', ...listed]));
    const errnoRules = (p.syscalls ?? []).filter((r) => r.action === 'SCMP_ACT_ERRNO');
    expect(errnoRules).toEqual([
      { names: ['clone3', 'io_uring_enter', 'io_uring_register', 'io_uring_setup'], action: 'SCMP_ACT_ERRNO', errnoRet: 38 },
    ]);
    for (const n of ENOSYS_SYSCALLS) expect(allowedBy(p)).not.toContain(n);
    expect((p.syscalls ?? []).some((r) => r.action.startsWith('SCMP_ACT_KILL'))).toBe(false);
  });

  it('asks the kernel to log every refusal (the kernel sensor reads them) when asked, and only then', () => {
    for (const c of sampleCharter().containers) {
      expect(profileOf(c).flags).toBeUndefined();
      const out = emitSeccomp(charterOf(c), { seccompLog: true });
      const logged = SeccompProfileSchema.parse(JSON.parse(out.files[0]?.content ?? ''));
      expect(logged.flags).toEqual(['SECCOMP_FILTER_FLAG_LOG']);
      // Nothing else changes.
      expect({ ...logged, flags: undefined }).toEqual({ ...profileOf(c), flags: undefined });
    }
  });

  it('allows the chmod family only without set-id bits, with the mode argument of each', () => {
    const p = profileOf(withApplication(['chmod', 'fchmod', 'fchmodat', 'fchmodat2', 'socket']));
    const rules = p.syscalls ?? [];
    // Unconditionally allowed nowhere.
    expect(rules.filter((r) => r.args === undefined && r.action === 'SCMP_ACT_ALLOW').flatMap((r) => r.names)).not.toEqual(
      expect.arrayContaining(['chmod']),
    );
    for (const n of ['chmod', 'fchmod', 'fchmodat', 'fchmodat2'])
      expect(rules.filter((r) => r.names.includes(n) && r.args === undefined && r.action === 'SCMP_ACT_ALLOW')).toEqual([]);
    expect(rules.filter((r) => r.args !== undefined)).toEqual([
      {
        names: ['chmod', 'fchmod'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 1, value: 0o6000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
      {
        names: ['fchmodat', 'fchmodat2'],
        action: 'SCMP_ACT_ALLOW',
        args: [{ index: 2, value: 0o6000, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }],
      },
    ]);
    expect(allowedBy(p)).toContain('socket');
  });

  it('adds no chmod rule the charter does not ask for', () => {
    const p = profileOf(withApplication(['fchmodat']));
    expect((p.syscalls ?? []).filter((r) => r.args !== undefined).map((r) => r.names)).toEqual([['fchmodat']]);
    expect(allowedBy(profileOf(withApplication(['socket'])))).not.toContain('chmod');
  });

  const DANGEROUS = ['mount', 'ptrace', 'bpf', 'kexec_load', 'init_module', 'unshare', 'setns'];
  it('never allows dangerous syscalls that no layer lists', () => {
    for (const c of sampleCharter().containers) {
      const allowed = allowedBy(profileOf(c));
      for (const d of DANGEROUS) expect(allowed, `${c.name} allows ${d}`).not.toContain(d);
    }
  });
  it.each(DANGEROUS)('allows %s when a layer lists it (intent is intent)', (name) => {
    expect(allowedBy(profileOf(withApplication([name])))).toContain(name);
  });

  it('is deterministic and ignores input order', () => {
    const a = emitSeccomp(sampleCharter(), {});
    expect(emitSeccomp(sampleCharter(), {})).toEqual(a);
    expect(emitSeccomp(shuffled(sampleCharter()), {})).toEqual(a);
  });

  it('leaves out names that are not syscalls, with a warning', () => {
    const c = withApplication(['socket', 'rm -rf', 'Open']);
    const out = emitSeccomp(charterOf(c), {});
    expect(allowedBy(profileOf(c))).not.toContain('rm -rf');
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.seccomp.bad-name', 'emit.seccomp.bad-name']);
    expect(out.warnings[0]?.file).toBe('web.seccomp.json');
  });

  it('writes no empty ALLOW rule for a container without syscalls, and warns', () => {
    const out = emitSeccomp(charterOf(emptyContainer('idle')), {});
    const p = SeccompProfileSchema.parse(JSON.parse(out.files[0]?.content ?? ''));
    expect(p.syscalls?.map((r) => r.action)).toEqual(['SCMP_ACT_ERRNO']);
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.seccomp.empty']);
  });

  it('names files after file-safe container names', () => {
    const c = webContainer();
    c.name = '/shop/web';
    expect(emitSeccomp(charterOf(c), {}).files[0]?.name).toBe('shop-web.seccomp.json');
  });

  it('allows the syscalls of the charter-level groups a container references', () => {
    const c = emptyContainer('grouped');
    c.syscalls.groups = [{ group: 'network-server', sources: [] }];
    c.syscalls.application = named(['getpid'], 'direct');
    const ch: Charter = {
      ...charterOf(c),
      syscallGroups: [
        {
          id: 'network-server',
          layer: 'application',
          syscalls: ['accept4', 'bind', 'io_uring_setup'],
          sources: named(['x'], 'group')[0]?.sources ?? [],
        },
      ],
    };
    expect(seccompAllowedSyscalls(ch, c)).toEqual(['accept4', 'bind', 'getpid']);
    const profile = SeccompProfileSchema.parse(JSON.parse(emitSeccomp(ch, {}).files[0]?.content ?? ''));
    expect(allowedBy(profile)).toEqual(['accept4', 'bind', 'getpid']);
  });

  it('allows far fewer syscalls than the podman default', () => {
    const podman = SeccompProfileSchema.parse(JSON.parse(readFileSync(corpus('containers-common-podman-default.json'), 'utf8')));
    const podmanAllowed = new Set(allowedBy(podman));
    expect(podmanAllowed.size).toBeGreaterThan(300);
    const sample = sampleCharter();
    for (const c of sample.containers) {
      const ours = seccompAllowedSyscalls(sample, c);
      expect(ours.length).toBeLessThan(podmanAllowed.size / 5);
    }
  });
});
