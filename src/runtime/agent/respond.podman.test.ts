/**
 * The response executor's real actuators on a busybox-static podman container: killing one
 * process of the container leaves the container running; a pid that is not the container's is
 * refused and survives; pause and stop act on the whole container. Needs root on Linux with
 * podman; skipped loudly elsewhere.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../test-support/podman.js';
import { podmanActuators, respond } from './respond.js';

const IMAGE = 'localhost/agentctl-respond/bb:1';
const NAME = `agentctl-respond-${process.pid}`;
const canRun = canRunPodmanTests('src/runtime/agent/respond.podman.test.ts', {
  untested: "the response executor's kill, pause and stop on a real container",
  commands: ['podman'],
  files: ['/bin/busybox'],
});

describe.skipIf(!canRun)('response actuators on a podman container', () => {
  let dir = '';
  let id = '';
  const act = podmanActuators();

  const state = (): string => podmanOk(['inspect', '--format', '{{.State.Status}}', id]).trim();

  /** Starts `sleep SECONDS` in the container and returns its host pid. */
  async function sleeper(seconds: number): Promise<number> {
    podmanOk(['exec', '-d', id, 'sleep', String(seconds)]);
    for (let i = 0; i < 50; i++) {
      const top = podmanOk(['top', id, 'hpid', 'args']);
      const line = top.split('\n').find((l) => l.includes(`sleep ${seconds}`));
      if (line) return Number(line.trim().split(/\s+/)[0]);
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`sleep ${seconds} did not start in ${id}`);
  }

  const alive = (pid: number): boolean => {
    try {
      process.kill(pid, 0);
      return true;
    } catch {
      return false;
    }
  };

  async function gone(pid: number): Promise<boolean> {
    for (let i = 0; i < 50 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    return !alive(pid);
  }

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'agentctl-respond-'));
    podmanOk(['import', busyboxRootfsTar(dir, { applets: ['sh', 'sleep'] }), IMAGE]);
    // sleep as pid 1 ignores SIGTERM: a short stop timeout keeps the stop step's test quick (podman then sends SIGKILL).
    id = podmanOk(['run', '-d', '--name', NAME, '--network', 'none', '--stop-timeout', '1', IMAGE, 'sleep', '600']).trim();
  });

  afterAll(() => {
    if (id !== '') cleanup([id], [IMAGE]);
    else cleanup([], [IMAGE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('kills one process of the container (after checking its cgroup); the container keeps running', async () => {
    const pid = await sleeper(301);
    const actions = await respond(
      {
        steps: [
          { step: 'alert', rule: 'default' },
          { step: 'kill', rule: 'pattern reverse-shell (r.yaml:4:3)' },
        ],
      },
      { containerId: id, pid },
      act,
    );
    expect(actions).toEqual([
      { step: 'alert', rule: 'default', target: `container ${id.slice(0, 12)}`, ok: true },
      { step: 'kill', rule: 'pattern reverse-shell (r.yaml:4:3)', target: `pid ${pid}`, ok: true },
    ]);
    expect(await gone(pid)).toBe(true);
    expect(state()).toBe('running');
    // Killing it again: the pid is gone (or reused outside the container): never a blind kill.
    const again = await act.kill(id, pid).catch((e: unknown) => (e as Error).message);
    expect(again === 'gone' || /not a process of container/.test(String(again))).toBe(true);
  });

  it("refuses a pid that is not the container's (a host process), and it survives", async () => {
    const host = spawn('sleep', ['30'], { stdio: 'ignore' });
    try {
      const [a] = await respond({ steps: [{ step: 'kill', rule: 'default' }] }, { containerId: id, pid: host.pid! }, act);
      expect(a).toMatchObject({
        ok: false,
        error: `pid ${host.pid} is not a process of container ${id.slice(0, 12)} (any more): not killed`,
      });
      expect(alive(host.pid!)).toBe(true);
    } finally {
      host.kill('SIGKILL');
    }
  });

  it('refuses a process of another container', async () => {
    const pid = await sleeper(302);
    const other = 'f'.repeat(64);
    await expect(act.kill(other, pid)).rejects.toThrow(/not a process of container ffffffffffff/);
    expect(alive(pid)).toBe(true);
  });

  it('pauses the container, then stops it', async () => {
    const [paused] = await respond({ steps: [{ step: 'pause', rule: 'any deviation (r.yaml:3:1)' }] }, { containerId: id }, act);
    expect(paused).toEqual({ step: 'pause', rule: 'any deviation (r.yaml:3:1)', target: `container ${id.slice(0, 12)}`, ok: true });
    expect(state()).toBe('paused');
    podmanOk(['unpause', id]);
    const [stopped] = await respond({ steps: [{ step: 'stop', rule: 'classification drift (r.yaml:4:3)' }] }, { containerId: id }, act);
    expect(stopped).toMatchObject({ step: 'stop', ok: true });
    expect(state()).toBe('exited');
    // Pausing a stopped container fails, and the action says podman's reason.
    const [failed] = await respond({ steps: [{ step: 'pause', rule: 'x' }] }, { containerId: id }, act);
    expect(failed).toMatchObject({ ok: false, error: expect.stringMatching(/^podman pause failed: /) as unknown });
    expect(podman(['inspect', id]).status).toBe(0);
  });
});
