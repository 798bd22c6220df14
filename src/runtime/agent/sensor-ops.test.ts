/**
 * What the agent sends the sensor for a policy: allow entries and allowances before enforcement (a
 * declared connect or exec is never refused in between), only the difference on a second send,
 * optional ops only where the sensor has them, and what the loader refuses (a guard without
 * fanotify, a charter path not in the image) turned into limits and into enforcement left off. The
 * sensor here records the commands and answers as told: the real loader's answers are the container
 * tests' (agent.podman.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Sensor } from '../sensor/sensor-process.js';
import { abilitiesOf, appliedLimits, applyPolicy, capabilities, nothingApplied, sensorOps, type SensorOps } from './sensor-ops.js';
import type { SensorPolicy } from './sensor-policy.js';

/** A sensor that records each command; `refuse` says which (by `op path`) fail, and with what. */
function recorder(extra: string[] = [], refuse: Record<string, string> = {}): { ops: SensorOps; sent: string[] } {
  const sent: string[] = [];
  const op =
    (name: string, answer?: unknown) =>
    (...args: unknown[]): Promise<unknown> => {
      const line = `${name} ${args
        .slice(1)
        .filter((a) => a !== undefined)
        .map((a) => (typeof a === 'string' ? a : JSON.stringify(a)))
        .join(' ')}`.trim();
      sent.push(line);
      const why = refuse[line];
      return why !== undefined ? Promise.reject(new Error(why)) : Promise.resolve(answer);
    };
  const ops: Record<string, unknown> = {
    attach: op('attach'),
    allow: op('allow'),
    enforce: op('enforce'),
    detach: op('detach'),
    close: () => Promise.resolve(),
  };
  for (const e of extra) ops[e] = op(e, e === 'guard' ? ['/', '/dev'] : undefined);
  return { ops: ops as unknown as SensorOps, sent };
}

const GUARD_OPS = [
  'allowRaw',
  'execKill',
  'guard',
  'allowExec',
  'execEnforce',
  'guardFile',
  'guardDir',
  'filesEnforce',
  'passRead',
  'guardWrites',
];

const policy: SensorPolicy = {
  connect: { allow: [{ port: 53 }, { port: 5432, address: '10.89.0.3' }], enforce: true },
  exec: {
    allow: [
      { path: '/bin/busybox', applets: ['sleep'], binary: 'busybox' },
      { path: '/bin/sleep', applets: ['sleep'], binary: 'busybox' },
      { path: '/usr/bin/node' },
    ],
    enforce: true,
    killDrift: true,
    killApplets: true,
  },
  files: {
    guardFiles: ['/etc/shadow', '/etc/gshadow'],
    guardDirs: ['/bin', '/etc'],
    passReads: ['/etc/ld.so.cache'],
    writes: true,
    enforce: true,
  },
  guard: true,
  raw: false,
  limits: [],
};

describe('applyPolicy', () => {
  it('sends the first ops only, allow entries before enforcement, when the sensor has nothing more', async () => {
    const { ops, sent } = recorder();
    expect(capabilities(ops)).toEqual(new Set());
    await applyPolicy(ops, '/cg', 42, policy, nothingApplied());
    expect(sent).toEqual(['allow 53', 'allow 5432 10.89.0.3', 'enforce true']);
  });

  it('sends the difference only, and enforcement off at once', async () => {
    const { ops, sent } = recorder();
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    sent.length = 0;
    const wider: SensorPolicy = { ...policy, connect: { allow: [...policy.connect.allow, { port: 443 }], enforce: false } };
    await applyPolicy(ops, '/cg', 42, wider, applied);
    expect(sent).toEqual(['allow 443', 'enforce false']);
    sent.length = 0;
    await applyPolicy(ops, '/cg', 42, wider, applied);
    expect(sent).toEqual([]);
  });

  it('guards through the container pid, allows the charter files, then switches every enforcement on, last', async () => {
    const { ops, sent } = recorder(GUARD_OPS);
    expect([...capabilities(ops)].sort()).toEqual([...GUARD_OPS].sort());
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, { ...policy, raw: true }, applied);
    expect(sent).toEqual([
      'allow 53',
      'allow 5432 10.89.0.3',
      'allowRaw true',
      'guard 42',
      'allowExec /bin/busybox',
      'allowExec /bin/sleep',
      'allowExec /usr/bin/node',
      'guardFile /etc/shadow',
      'guardFile /etc/gshadow',
      'guardDir /bin',
      'guardDir /etc',
      'passRead /etc/ld.so.cache',
      'enforce true',
      'execKill true',
      'execEnforce true',
      'guardWrites true',
      'filesEnforce true',
    ]);
    expect(applied.guard).toEqual({ mounts: ['/', '/dev'] });
    expect(appliedLimits(policy, applied)).toEqual([]);
  });

  it("leaves exec enforcement off when one of the charter's programs cannot be allowed, and says why", async () => {
    const { ops, sent } = recorder(GUARD_OPS, { 'allowExec /bin/sleep': '/bin/sleep: No such file or directory' });
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    expect(sent).not.toContain('execEnforce true');
    expect(sent).toContain('filesEnforce true');
    expect(appliedLimits(policy, applied)).toEqual([
      "execs are not refused: the charter's /bin/sleep could not be allowed (/bin/sleep: No such file or directory); a program not allowed is killed after it started",
    ]);
  });

  it('passes over a guarded file that is not there, and names one refused for another reason', async () => {
    const { ops } = recorder(GUARD_OPS, {
      'guardFile /etc/gshadow': '/etc/gshadow: No such file or directory',
      'guardDir /bin': '/bin: Permission denied',
      'passRead /etc/ld.so.cache': 'mark /etc/ld.so.cache: Operation not permitted',
      'guardWrites true': 'No such process',
    });
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    expect(appliedLimits(policy, applied)).toEqual([
      '/bin is not guarded (/bin: Permission denied)',
      '/etc/ld.so.cache its reads are judged in user space, each exec slower (mark /etc/ld.so.cache: Operation not permitted)',
      'writes outside the declared writable paths are not seen (No such process)',
    ]);
  });

  it('without a guard (no fanotify here), asks nothing of it and says so', async () => {
    const { ops, sent } = recorder(GUARD_OPS, { 'guard 42': 'fanotify_init: Operation not permitted' });
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    expect(sent).toEqual(['allow 53', 'allow 5432 10.89.0.3', 'guard 42', 'enforce true', 'execKill true']);
    expect(appliedLimits(policy, applied)).toEqual([
      'the exec and file guard is not available here (fanotify_init: Operation not permitted): execs and guarded files are not refused',
    ]);
  });
});

describe('applyPolicy for applets', () => {
  const APPLET_OPS = ['execKill', 'allowApplet', 'appletKill'];

  it('allows the applets of each multi-call file through the container pid, then switches applet killing on, after connects', async () => {
    const { ops, sent } = recorder(APPLET_OPS);
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    expect(sent).toEqual([
      'allow 53',
      'allow 5432 10.89.0.3',
      'allowApplet 42 /bin/busybox sleep busybox',
      'allowApplet 42 /bin/sleep sleep busybox',
      'enforce true',
      'execKill true',
      'appletKill true',
    ]);
    expect(appliedLimits(policy, applied)).toEqual([]);
    sent.length = 0;
    await applyPolicy(ops, '/cg', 42, { ...policy, exec: { ...policy.exec, killApplets: false } }, applied);
    expect(sent).toEqual(['appletKill false']);
  });

  it('leaves applet killing off when one applet cannot be allowed, and says so', async () => {
    const { ops, sent } = recorder(APPLET_OPS, { 'allowApplet 42 /bin/sleep sleep busybox': '/bin/sleep: No such file or directory' });
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', 42, policy, applied);
    expect(sent.filter((l) => l.startsWith('appletKill'))).toEqual([]);
    expect(appliedLimits(policy, applied)).toEqual([
      'applets are not killed at exec: /bin/sleep as sleep could not be allowed (/bin/sleep: No such file or directory); an applet not listed is killed after it started',
    ]);
  });

  it('sends nothing of applets when the policy does not kill them', async () => {
    const { ops, sent } = recorder(APPLET_OPS);
    await applyPolicy(ops, '/cg', 42, { ...policy, exec: { ...policy.exec, killApplets: false } }, nothingApplied());
    expect(sent.filter((l) => /applet/i.test(l))).toEqual([]);
  });
});

describe('abilitiesOf', () => {
  it('refuses execs and files only with the guard, kills drift with exec-kill, guards directories with guard-dir', () => {
    expect(abilitiesOf(new Set())).toEqual({
      refuseExec: false,
      killDrift: false,
      killApplets: false,
      files: false,
      dirs: false,
      guard: false,
      writes: false,
    });
    expect(abilitiesOf(new Set(['allowApplet', 'appletKill']))).toMatchObject({ killApplets: true, guard: false });
    expect(abilitiesOf(new Set(['appletKill']))).toMatchObject({ killApplets: false });
    expect(abilitiesOf(new Set(['guard', 'allowExec', 'execEnforce']))).toMatchObject({ refuseExec: true, guard: true });
    expect(abilitiesOf(new Set(['allowExec', 'execEnforce']))).toMatchObject({ refuseExec: false });
    expect(abilitiesOf(new Set(['execKill', 'allowRaw']))).toEqual({
      refuseExec: false,
      killDrift: true,
      killApplets: false,
      files: false,
      dirs: false,
      guard: false,
      writes: false,
    });
    expect(abilitiesOf(new Set(['guard', 'guardFile']))).toMatchObject({ files: false });
    expect(abilitiesOf(new Set(['guard', 'guardFile', 'filesEnforce']))).toMatchObject({ files: true, guard: true });
    expect(abilitiesOf(new Set(['guard', 'guardDir', 'filesEnforce']))).toMatchObject({ files: false, dirs: true });
    expect(abilitiesOf(new Set(['guardDir']))).toMatchObject({ dirs: false });
    expect(abilitiesOf(new Set(['guard', 'guardWrites']))).toMatchObject({ writes: true });
    expect(abilitiesOf(new Set(['guardWrites']))).toMatchObject({ writes: false });
  });
});

describe('sensorOps', () => {
  it("takes the process's optional methods by their names, bound to it", async () => {
    const calls: string[] = [];
    const base = {
      attach: () => Promise.resolve(),
      allow: () => Promise.resolve(),
      enforce: () => Promise.resolve(),
      detach: () => Promise.resolve(),
      close: () => Promise.resolve(),
    };
    const withGuard = {
      ...base,
      tag: 'loader',
      guardFile(this: { tag: string }, cgroup: string, path: string) {
        calls.push(`${this.tag} ${cgroup} ${path}`);
        return Promise.resolve();
      },
    };
    expect(capabilities(sensorOps(base as unknown as Sensor))).toEqual(new Set());
    const ops = sensorOps(withGuard as unknown as Sensor);
    expect(capabilities(ops)).toEqual(new Set(['guardFile']));
    await ops.guardFile?.('/cg', '/etc/shadow');
    expect(calls).toEqual(['loader /cg /etc/shadow']);
  });
});
