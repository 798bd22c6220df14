/**
 * What the agent sends the sensor for a policy: allow entries before enforcement (a declared
 * connect is never refused in between), only the difference on a second send, optional ops only
 * where the sensor has them. The sensor here records the commands: the real loader's answers are
 * the container tests' job (agent.podman.test.ts).
 */
import { describe, expect, it } from 'vitest';
import type { Sensor } from '../sensor/sensor-process.js';
import { abilitiesOf, applyPolicy, capabilities, nothingApplied, sensorOps, type SensorOps } from './sensor-ops.js';
import type { SensorPolicy } from './sensor-policy.js';

function recorder(extra: string[] = []): { ops: SensorOps; sent: string[] } {
  const sent: string[] = [];
  const op =
    (name: string) =>
    (...args: unknown[]): Promise<void> => {
      sent.push(
        `${name} ${args
          .slice(1)
          .map((a) => JSON.stringify(a))
          .join(' ')}`.trim(),
      );
      return Promise.resolve();
    };
  const ops: Record<string, unknown> = {
    attach: op('attach'),
    allow: op('allow'),
    enforce: op('enforce'),
    detach: op('detach'),
    close: () => Promise.resolve(),
  };
  for (const e of extra) ops[e] = op(e);
  return { ops: ops as unknown as SensorOps, sent };
}

const policy: SensorPolicy = {
  connect: { allow: [{ port: 53 }, { port: 5432, address: '10.89.0.3' }], enforce: true },
  exec: { allow: [{ path: '/bin/busybox', applets: ['sleep'] }], enforce: true, killDrift: true },
  files: { guardFiles: ['/etc/shadow'], guardDirs: ['/bin'], enforce: true },
  guard: true,
  raw: false,
  limits: [],
};

describe('applyPolicy', () => {
  it("sends today's ops only, allow entries before enforcement, when the sensor has nothing more", async () => {
    const { ops, sent } = recorder();
    expect(capabilities(ops)).toEqual(new Set());
    await applyPolicy(ops, '/cg', policy, nothingApplied());
    expect(sent).toEqual(['allow 53', 'allow 5432 "10.89.0.3"', 'enforce true']);
  });

  it('sends the difference only, and enforcement off at once', async () => {
    const { ops, sent } = recorder();
    const applied = nothingApplied();
    await applyPolicy(ops, '/cg', policy, applied);
    sent.length = 0;
    const wider: SensorPolicy = { ...policy, connect: { allow: [...policy.connect.allow, { port: 443 }], enforce: false } };
    await applyPolicy(ops, '/cg', wider, applied);
    expect(sent).toEqual(['allow 443', 'enforce false']);
    sent.length = 0;
    await applyPolicy(ops, '/cg', wider, applied);
    expect(sent).toEqual([]);
  });

  it('uses every optional op the sensor has, enforcement switches last', async () => {
    const { ops, sent } = recorder(['guard', 'allowExec', 'execEnforce', 'guardFile', 'guardDir', 'filesEnforce', 'allowRaw']);
    expect([...capabilities(ops)].sort()).toEqual([
      'allowExec',
      'allowRaw',
      'execEnforce',
      'filesEnforce',
      'guard',
      'guardDir',
      'guardFile',
    ]);
    await applyPolicy(ops, '/cg', policy, nothingApplied());
    expect(sent).toEqual([
      'allow 53',
      'allow 5432 "10.89.0.3"',
      'guard true',
      'allowExec "/bin/busybox" ["sleep"]',
      'guardFile "/etc/shadow"',
      'guardDir "/bin"',
      'enforce true',
      'execEnforce true',
      'filesEnforce true',
    ]);
  });

  it("sends today's loader's allow-raw and exec-kill (the process has them), after the allow entries", async () => {
    const { ops, sent } = recorder(['allowRaw', 'execKill']);
    await applyPolicy(ops, '/cg', { ...policy, raw: true }, nothingApplied());
    expect(sent).toEqual(['allow 53', 'allow 5432 "10.89.0.3"', 'allowRaw true', 'enforce true', 'execKill true']);
  });
});

describe('abilitiesOf', () => {
  it('refuses execs with allow-exec and exec-enforce, kills drift with exec-kill, guards files with files-enforce', () => {
    expect(abilitiesOf(new Set())).toEqual({ refuseExec: false, killDrift: false, files: false, guard: false });
    expect(abilitiesOf(new Set(['allowExec', 'execEnforce']))).toMatchObject({ refuseExec: true });
    expect(abilitiesOf(new Set(['execEnforce']))).toMatchObject({ refuseExec: false });
    expect(abilitiesOf(new Set(['execKill', 'allowRaw']))).toEqual({ refuseExec: false, killDrift: true, files: false, guard: false });
    expect(abilitiesOf(new Set(['guardFile']))).toMatchObject({ files: false });
    expect(abilitiesOf(new Set(['guardDir', 'filesEnforce', 'guard']))).toMatchObject({ files: true, guard: true });
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
