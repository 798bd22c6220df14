import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ChosenStep } from './response.js';
import { cgroupHoldsContainer, loadResponsePolicy, podmanActuators, respond, type Actuators } from './respond.js';

const ID = 'a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2c3d4e5f6a7b8c9d0a1b2';
const OTHER = 'ffee00112233445566778899aabbccddeeff00112233445566778899aabbccdd';
const root = mkdtempSync(path.join(tmpdir(), 'charter-respond-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function recorder(fail: Partial<Record<keyof Actuators, string>> = {}): Actuators & { calls: string[] } {
  const calls: string[] = [];
  const act = (name: keyof Actuators, what: string) => {
    calls.push(`${name} ${what}`);
    return fail[name] !== undefined ? Promise.reject(new Error(fail[name])) : Promise.resolve();
  };
  return {
    calls,
    kill: (id, pid) => act('kill', `${id.slice(0, 4)} ${pid}`).then(() => 'killed' as const),
    blockPeer: (id, address, port) => act('blockPeer', `${id.slice(0, 4)} ${address}:${port}`),
    pause: (id) => act('pause', id.slice(0, 4)),
    stop: (id) => act('stop', id.slice(0, 4)),
  };
}

const step = (s: ChosenStep['step'], rule = 'default', inline = false): ChosenStep =>
  inline ? { step: s, rule, inline: true } : { step: s, rule };

describe('respond: performs the steps, one audited action each, never throws', () => {
  it('alert and an inline deny are records; kill, block-peer, pause and stop act in order', async () => {
    const act = recorder();
    const actions = await respond(
      {
        steps: [
          step('alert'),
          step('deny', 'default', true),
          step('kill', 'pattern reverse-shell (r.yaml:4:3)'),
          step('block-peer', 'kind connect (r.yaml:5:3)'),
          step('pause', 'any deviation (r.yaml:6:1)'),
          step('stop', 'x'),
        ],
      },
      { containerId: ID, pid: 4242, peer: { address: '203.0.113.7', port: 3333 } },
      act,
    );
    expect(act.calls).toEqual(['kill a1b2 4242', 'blockPeer a1b2 203.0.113.7:3333', 'pause a1b2', 'stop a1b2']);
    expect(actions).toEqual([
      { step: 'alert', rule: 'default', target: 'container a1b2c3d4e5f6', ok: true },
      { step: 'deny', rule: 'default', target: '203.0.113.7:3333', ok: true },
      { step: 'kill', rule: 'pattern reverse-shell (r.yaml:4:3)', target: 'pid 4242', ok: true },
      { step: 'block-peer', rule: 'kind connect (r.yaml:5:3)', target: '203.0.113.7:3333', ok: true },
      { step: 'pause', rule: 'any deviation (r.yaml:6:1)', target: 'container a1b2c3d4e5f6', ok: true },
      { step: 'stop', rule: 'x', target: 'container a1b2c3d4e5f6', ok: true },
    ]);
  });

  it('a failing step is recorded with its error and the next one still runs', async () => {
    const act = recorder({ kill: 'pid 4242 is not a process of container a1b2c3d4e5f6 (any more): not killed' });
    const actions = await respond({ steps: [step('alert'), step('kill'), step('stop')] }, { containerId: ID, pid: 4242 }, act);
    expect(actions.map((a) => [a.step, a.ok, a.error])).toEqual([
      ['alert', true, undefined],
      ['kill', false, 'pid 4242 is not a process of container a1b2c3d4e5f6 (any more): not killed'],
      ['stop', true, undefined],
    ]);
  });

  it('says what it could not do: no pid, no peer, no means to block a peer', async () => {
    const { blockPeer: _unused, ...noBlock } = recorder();
    const actions = await respond({ steps: [step('kill'), step('block-peer')] }, { containerId: ID }, noBlock);
    expect(actions).toEqual([
      { step: 'kill', rule: 'default', target: 'pid ?', ok: false, error: 'the process is not known (no host pid)' },
      { step: 'block-peer', rule: 'default', target: 'peer ?', ok: false, error: 'the event has no peer' },
    ]);
    const [peerless] = await respond({ steps: [step('block-peer')] }, { containerId: ID, peer: { address: '::1', port: 9 } }, noBlock);
    expect(peerless).toMatchObject({ target: '[::1]:9', ok: false, error: 'blocking a peer is not available to this agent' });
  });

  it('a kill done in the kernel is recorded, not repeated; the main process is named as such', async () => {
    const act = recorder();
    const actions = await respond({ steps: [step('kill', 'default', true)] }, { containerId: ID, pid: 77, mainPid: 77 }, act);
    expect(act.calls).toEqual([]);
    expect(actions[0]).toMatchObject({
      target: "pid 77 (the container's first process: the container ends) (killed in the kernel)",
      ok: true,
    });
  });
});

describe('the cgroup check before a kill', () => {
  it.each([
    ['podman, cgroup v2 (cgroupfs)', `0::/libpod_parent/libpod-${ID}\n`, true],
    ['podman, hybrid v1 and v2', `4:memory:/libpod_parent/libpod-${ID}\n1:name=systemd:/\n0::/libpod_parent/libpod-${ID}\n`, true],
    ['podman with systemd', `0::/machine.slice/libpod-${ID}.scope/container\n`, true],
    ['a podman exec in a sub-cgroup', `0::/libpod_parent/libpod-${ID}/exec\n`, true],
    ['docker', `0::/system.slice/docker-${ID}.scope\n`, true],
    ['Kubernetes (containerd, cgroupfs)', `0::/kubepods/besteffort/pod0c1d/${ID}\n`, true],
    ['by short id', `0::/libpod_parent/libpod-${ID}\n`, true, ID.slice(0, 12)],
    ['conmon (outside the container)', `0::/libpod_parent/libpod-conmon-${ID}\n`, false],
    ['another container', `0::/libpod_parent/libpod-${OTHER}\n`, false],
    ['the host', '0::/user.slice/user-0.slice/session-1.scope\n', false],
    ['an id too short to say', `0::/libpod_parent/libpod-${ID}\n`, false, 'a1b2'],
    ['a name, not an id', `0::/libpod_parent/libpod-${ID}\n`, false, 'shop-api'],
  ])('%s', (_n, text, holds, id = ID) => {
    expect(cgroupHoldsContainer(text, id)).toBe(holds);
  });

  function fakeProc(pid: number, cgroup: string): string {
    const proc = mkdtempSync(path.join(root, 'proc-'));
    mkdirSync(path.join(proc, String(pid)));
    writeFileSync(path.join(proc, String(pid), 'cgroup'), cgroup);
    return proc;
  }

  it('kills a pid of that container, refuses one that is not (any more), and calls a vanished one gone', async () => {
    const sent: number[] = [];
    const proc = fakeProc(4242, `0::/libpod_parent/libpod-${ID}\n`);
    const act = podmanActuators({ procRoot: proc, signal: (pid) => void sent.push(pid) });
    expect(await act.kill(ID, 4242)).toBe('killed');
    await expect(act.kill(OTHER, 4242)).rejects.toThrow('pid 4242 is not a process of container ffee00112233 (any more): not killed');
    expect(await act.kill(ID, 4343)).toBe('gone');
    expect(sent).toEqual([4242]);
    await expect(act.kill('shop-api', 4242)).rejects.toThrow(/not a container id/);
    await expect(act.kill(ID, 1)).rejects.toThrow(/not one to kill/);
  });

  it("refuses to kill a real host process (this test's own child) named as a container's", async () => {
    const child = spawn('sleep', ['30'], { stdio: 'ignore' });
    const pid = child.pid!;
    try {
      await expect(podmanActuators().kill(ID, pid)).rejects.toThrow(/not a process of container/);
      expect(() => process.kill(pid, 0)).not.toThrow(); // still alive
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });

  it('pause and stop refuse what is not a container id before any podman runs', async () => {
    await expect(podmanActuators().pause('--all')).rejects.toThrow(/not a container id/);
    await expect(podmanActuators().stop('x; rm -rf /')).rejects.toThrow(/not a container id/);
  });
});

describe('loadResponsePolicy: the file edge', () => {
  it('reads a policy file', async () => {
    const f = path.join(root, 'ok.yaml');
    writeFileSync(f, 'apiVersion: charter/v1\nkind: ResponsePolicy\npatterns:\n  reverse-shell: kill\n');
    expect((await loadResponsePolicy(f)).rules).toHaveLength(1);
  });

  it('every problem with file:line:column, as bad input', async () => {
    const f = path.join(root, 'bad.yaml');
    writeFileSync(f, 'apiVersion: charter/v1\nkind: ResponsePolicy\npatterns:\n  reverse-shel: kill\nany: nuke\n');
    await expect(loadResponsePolicy(f)).rejects.toMatchObject({
      name: 'InputError',
      message: `invalid response policy (2 problems):\n${f}:4:3: unknown pattern "reverse-shel" at /patterns: expected an id of the attack patterns (shell-in-service, reverse-shell, shell-network-connection, network-tool …) [response-policy/unknown-pattern]\n${f}:5:6: bad step "nuke": expected one of alert, deny, kill, block-peer, pause, stop at /any [response-policy/bad-step]`,
    });
  });

  it('refuses a FIFO without blocking, and a missing file, naming it', async () => {
    const fifo = path.join(root, 'fifo');
    spawnSync('mkfifo', [fifo]);
    await expect(loadResponsePolicy(fifo)).rejects.toThrow(/named pipe/);
    await expect(loadResponsePolicy(path.join(root, 'missing.yaml'))).rejects.toThrow(/no such file/);
  });
});
