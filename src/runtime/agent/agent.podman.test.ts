/**
 * `charter agent` against real containers: the built CLI, the kernel sensor built from source,
 * busybox-static images made with `podman import`. In monitor mode a program the charter does not
 * declare is alerted, naming the container and the classification, and a stopped container is
 * let go, and `charter status` shows it over the control socket; in protect mode an undeclared
 * connect is refused in the container (EPERM) and recorded as blocked while the declared one
 * connects, a busybox applet the charter does not list is killed in the kernel as it starts, and a
 * copy written after start and a read of /etc/shadow are refused by the guard; a killed sensor and a killed `podman events` are
 * restarted (a gap recorded, enforcement back, a container started meanwhile picked up); SIGTERM
 * ends it with 0. `charter mode` switching one container to protect turns enforcement on at once.
 * Bad input is refused before `ready` with exit 2.
 * Needs root on Linux; skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { API_VERSION, emptyContainer, type Charter, type ContainerCharter, type Source } from '../../model/charter.js';
import { parseCharter } from '../../profile/serialize.js';
import { CHARTER_BIN, CliProcess, ensureBuilt } from '../../test-support/built-cli.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../test-support/podman.js';
import { repoRoot } from '../../test-support/profile.js';
import type { AgentStatus, AlertRecord } from './types.js';
import { alertRecords, untilAlerts } from '../../test-support/alert-file.js';

const IMAGE = 'localhost/agent-test/bb:1';
/** The same image under a name no profile knows. */
const STRAY_IMAGE = 'localhost/agent-test/stray:1';
/** Only this run's containers are the agent's: other tests on the machine run containers too. */
const LABEL = `charter-agent-test=${process.pid}`;
const canRun = canRunPodmanTests('src/runtime/agent/agent.podman.test.ts', {
  untested: 'the host agent (podman discovery, sensor attach, alerts, protect mode, restarts)',
  commands: ['podman', 'clang', 'bpftool', 'nsenter', 'ip', 'pgrep'],
  files: ['/bin/busybox', '/sys/kernel/btf/vmlinux'],
});

const src: Source[] = [{ kind: 'dockerfile', artifact: 'Dockerfile', line: 2, reason: 'CMD ["sleep", "600"]' }];

/** A charter/v1 profile of one container of IMAGE that runs `sleep` and may connect where `edit` says. */
function writeProfile(file: string, name: string, edit: (c: ContainerCharter) => void = () => undefined): string {
  const c = emptyContainer(name);
  c.identity.image = IMAGE;
  c.processes = [{ path: '/bin/busybox', invokedAs: ['/bin/sleep'], applets: ['sleep'], purpose: 'entrypoint', sources: src }];
  edit(c);
  const charter: Charter = {
    apiVersion: API_VERSION,
    kind: 'Charter',
    metadata: { name, generator: 'agent.podman.test' },
    inputs: [],
    containers: [c],
    graph: { edges: [] },
    diagnostics: [],
  };
  const text = JSON.stringify(charter, null, 2);
  parseCharter(text, file); // what the agent reads must be a valid profile, by the schema
  writeFileSync(file, text);
  return file;
}

/**
 * The shell, nc and cp the probes run, and their listeners on 8080 and 9090, are the charter's own:
 * in protect mode anything else is stopped (an undeclared listener is killed like an undeclared program).
 */
function allowProbe(c: ContainerCharter): void {
  c.network.listen = [8080, 9090].map((port) => ({ port, protocol: 'tcp' as const, sources: src }));
  c.processes = [
    {
      path: '/bin/busybox',
      invokedAs: ['/bin/sleep', '/bin/sh', '/bin/nc', '/bin/cp'],
      applets: ['sleep', 'sh', 'nc', 'cp'],
      purpose: 'entrypoint',
      sources: src,
    },
  ];
}

function children(pid: number, name: string): number[] {
  const r = spawnSync('pgrep', ['-P', String(pid), '-x', name], { encoding: 'utf8' });
  return r.stdout
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map(Number);
}

describe.skipIf(!canRun)('charter agent on podman containers', () => {
  let dir = '';
  const containers: string[] = [];
  const agents: CliProcess[] = [];

  beforeAll(() => {
    const built = spawnSync(path.join(repoRoot, 'scripts/build-sensor.sh'), { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
    ensureBuilt();
    dir = mkdtempSync(path.join(tmpdir(), 'charter-agent-'));
    const tar = busyboxRootfsTar(dir, {
      dirs: ['tmp', 'etc'],
      applets: ['sh', 'nc', 'sleep', 'echo', 'wget', 'cat', 'cp'],
      files: { 'etc/shadow': 'root:!:20000::::::\n' },
    });
    podmanOk(['import', tar, IMAGE]);
    podmanOk(['tag', IMAGE, STRAY_IMAGE]);
  });

  afterAll(() => {
    cleanup([], [STRAY_IMAGE, IMAGE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  // Each test leaves nothing running for the next: its agents and containers go, whatever it asserted.
  afterEach(async () => {
    for (const a of agents.splice(0)) await a.stop('SIGKILL');
    cleanup(containers.splice(0), []);
  });

  function run(name: string, image = IMAGE): string {
    const id = podmanOk(['run', '-d', '--name', name, '--label', LABEL, '--network', 'none', image, 'sleep', '600']).trim();
    containers.push(id);
    return id;
  }

  function agent(profile: string, mode: 'monitor' | 'protect', tag: string): { cli: CliProcess; alerts: string; socket: string } {
    const alerts = path.join(dir, `${tag}.alerts.jsonl`);
    const socket = path.join(dir, `${tag}.sock`);
    const cli = new CliProcess(
      [
        'agent',
        '--profile',
        profile,
        '--mode',
        mode,
        '--alerts',
        alerts,
        '--state-dir',
        path.join(dir, `${tag}-state`),
        '--label',
        LABEL,
        '--socket',
        socket,
      ],
      { ...process.env, CONTAINERS_CONF: process.env['CONTAINERS_CONF'] ?? path.join(repoRoot, 'config/containers.conf') },
    );
    agents.push(cli);
    return { cli, alerts, socket };
  }

  /** `charter status` or `charter mode` against an agent's socket, as a person runs them. */
  function ask(...args: string[]): { status: number | null; stdout: string; stderr: string } {
    const r = spawnSync(process.execPath, [CHARTER_BIN, ...args], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  }

  it('in monitor mode alerts a program the charter does not declare, says which container has no profile, lets a stopped container go, and ends with 0 on SIGTERM', async () => {
    const profile = writeProfile(path.join(dir, 'sleeper.json'), 'sleeper');
    const { cli, alerts, socket } = agent(profile, 'monitor', 'monitor');
    const t0 = Date.now();
    await cli.waitFor(/ready, watching 0 containers/);
    const readyMs = Date.now() - t0;
    const id = run('agent-test-mon');
    await cli.waitFor(/watching agent-test-mon \(\w{12}\) as sleeper of .* \(by image\) in monitor mode\n/);
    const exec = podman(['exec', id, 'nc', '-w', '1', '10.1.2.3', '80']);
    expect(exec.status).not.toBe(0); // --network none: unreachable, but the exec and the connect happened
    const rs = await untilAlerts(alerts, (r) => r.some((x) => x.verdict?.kind === 'connect'), 'connect alert');
    const nc = rs.find((r) => r.verdict?.kind === 'exec' && r.verdict.event.includes('10.1.2.3'));
    expect(nc).toMatchObject({
      type: 'deviation',
      containerId: id,
      container: 'agent-test-mon',
      verdict: { container: 'sleeper', mode: 'monitor', action: 'alert', deviation: { classification: 'attack' } },
    });
    expect(nc?.verdict?.deviation?.patterns.map((p) => p.id)).toContain('network-tool');
    expect(rs.find((r) => r.verdict?.kind === 'connect')?.verdict).toMatchObject({
      event: expect.stringContaining('10.1.2.3:80') as string,
      deviation: { classification: 'undeclared' },
    });
    await cli.waitFor(/alert \d+ deviation agent-test-mon \[sleeper\]: exec \/bin\/busybox -w 1 10\.1\.2\.3 80 — attack, alert/);
    // From the kernel's event time to the committed record.
    const lat = rs.filter((r) => r.verdict).map((r) => Date.parse(r.at) - Date.parse(r.verdict!.time));
    console.info(
      `agent: ready in ${readyMs} ms; event → committed alert ${Math.min(...lat)}–${Math.max(...lat)} ms over ${lat.length} alerts`,
    );

    // What `charter status` shows of it, over the agent's control socket.
    const st = ask('status', '--socket', socket, '--format', 'json');
    expect(st.status, st.stderr).toBe(0);
    const status = JSON.parse(st.stdout) as AgentStatus;
    expect(status.sensor).toEqual({ running: true, restarts: 0, drops: 0 });
    expect(status.containers).toEqual([
      expect.objectContaining({
        id,
        name: 'agent-test-mon',
        mode: 'monitor',
        charter: expect.objectContaining({ container: 'sleeper', by: 'image' }) as unknown,
        alerts: 2,
      }),
    ]);

    // A container no profile describes: watched in monitor mode, said once, its events counted, not judged.
    const stray = run('agent-test-stray', STRAY_IMAGE);
    await cli.waitFor(/watching agent-test-stray \(\w{12}\), no profile in monitor mode\n/);
    podmanOk(['exec', stray, 'echo', 'stray']);
    const strayRecords = await untilAlerts(alerts, (r) => r.some((x) => x.containerId === stray), 'profile record');
    expect(strayRecords.filter((r) => r.containerId === stray)).toEqual([
      expect.objectContaining({
        type: 'profile',
        container: 'agent-test-stray',
        message: expect.stringMatching(
          /^agent-test-stray \(image localhost\/agent-test\/stray:1\) matches no container of .*sleeper\.json: watched in monitor mode/,
        ) as string,
      }),
    ]);
    podmanOk(['stop', '--time', '0', stray]);
    await cli.waitFor(/detached agent-test-stray \(\w{12}\): [1-9]\d* events, 0 alerts/);

    podmanOk(['stop', '--time', '0', id]);
    await cli.waitFor(/detached agent-test-mon \(\w{12}\): \d+ events, \d+ alerts/);
    const end = await cli.stop('SIGTERM');
    expect(end, cli.stderr).toEqual({ code: 0, signal: null });
    expect(cli.stdout).toMatch(/charter agent: SIGTERM, stopping\ncharter agent: stopped\n$/);
    const seqs = alertRecords(alerts).map((r) => r.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
  });

  it('in protect mode refuses an undeclared connect (EPERM) while the declared one connects, kills an undeclared applet, refuses drift and a guarded file; survives a killed sensor and podman events', async () => {
    const profile = writeProfile(path.join(dir, 'guarded.json'), 'guarded', (c) => {
      allowProbe(c);
      c.network.none = false;
      c.network.egress = [{ peer: { kind: 'cidr', cidr: '10.77.0.2/32' }, port: 8080, protocol: 'tcp', sources: src }];
      c.network.egressIntent = { state: 'complete', sources: src };
    });
    // Attached at start, before `ready`: the container runs first. Its own network namespace gets a
    // second address on its loopback device, so a connect leaves the loopback range the engine allows.
    const id = run('agent-test-prot');
    const pid = podmanOk(['inspect', '--format', '{{.State.Pid}}', id]).trim();
    const ip = spawnSync('nsenter', ['-t', pid, '-n', 'ip', 'addr', 'add', '10.77.0.2/32', 'dev', 'lo'], { encoding: 'utf8' });
    expect(ip.status, ip.stderr).toBe(0);
    const { cli, alerts } = agent(profile, 'protect', 'protect');
    await cli.waitFor(/watching agent-test-prot \(\w{12}\) as guarded of .* in protect mode\n/);
    await cli.waitFor(/ready, watching 1 containers with 1 profile in protect mode/);

    const probe = (): { stdout: string; stderr: string } =>
      podman([
        'exec',
        id,
        'sh',
        '-c',
        'nc -l -p 8080 >/dev/null & a=$!; nc -l -p 9090 >/dev/null & b=$!; sleep 0.3; ' +
          'echo a | nc -w 1 10.77.0.2 8080; echo rc8080=$?; echo b | nc -w 1 10.77.0.2 9090; echo rc9090=$?; kill $a $b 2>/dev/null',
      ]);
    const r = probe();
    expect(r.stdout).toContain('rc8080=0');
    expect(r.stdout).toContain('rc9090=1');
    expect(r.stderr).toMatch(/Operation not permitted/);
    const rs = await untilAlerts(alerts, (x) => x.some((a) => a.verdict?.kind === 'connect'), 'connect alert');
    const connects = rs.filter((a) => a.verdict?.kind === 'connect');
    expect(connects).toHaveLength(1);
    expect(connects[0]).toMatchObject({
      container: 'agent-test-prot',
      verdict: { mode: 'protect', action: 'block', event: expect.stringContaining('10.77.0.2:9090') as string },
      actions: [
        { step: 'alert', ok: true },
        { step: 'deny', rule: 'default', target: '10.77.0.2:9090', ok: true },
      ],
    });
    // An applet the charter does not list (busybox is allowed as a file): the kernel kills it before its
    // first instruction, and the ladder records that kill instead of killing again.
    const cat = podman(['exec', id, 'sh', '-c', 'cat /dev/zero >/dev/null; echo rc=$?']);
    expect(cat.stdout).toContain('rc=137');
    const killed = (
      await untilAlerts(alerts, (x) => x.some((a) => a.verdict?.event.startsWith('exec /bin/busybox /dev/zero') === true), 'cat alert')
    ).find((a) => a.verdict?.event.startsWith('exec /bin/busybox /dev/zero') === true);
    expect(killed).toMatchObject({
      verdict: { action: 'block', mode: 'protect' },
      actions: [
        { step: 'alert', ok: true },
        { step: 'kill', rule: 'default', ok: true, target: expect.stringMatching(/^pid \d+ \(killed in the kernel\)$/) as string },
      ],
    });
    expect(killed?.actions).toHaveLength(2);
    // Drift (a copy written after start) never runs: the guard refuses its exec (exec-kill would kill it
    // there without the guard), and the record says the kernel did it.
    const drift = podman(['exec', id, 'sh', '-c', 'cp /bin/busybox /tmp/dropped; /tmp/dropped echo ran; echo rc=$?']);
    expect(drift.stdout).not.toContain('ran');
    const dropped = (
      await untilAlerts(alerts, (x) => x.some((a) => a.verdict?.event.startsWith('exec /tmp/dropped') === true), 'drift alert')
    ).find((a) => a.verdict?.event.startsWith('exec /tmp/dropped') === true);
    expect(dropped?.verdict?.action).toBe('block');
    const stopped = dropped?.actions?.find((a) => a.step === 'deny' || a.step === 'kill');
    expect(stopped?.ok).toBe(true);
    // A guarded file: the shell's own read of /etc/shadow is refused, an attack by the patterns.
    const shadow = podman(['exec', id, 'sh', '-c', 'read x < /etc/shadow; echo rc=$?']);
    expect(shadow.stdout).toContain('rc=1');
    expect(`${shadow.stderr}`).toMatch(/Operation not permitted|Permission denied/);
    const isShadow = (a: AlertRecord): boolean => a.verdict?.kind === 'open' && a.verdict.event.includes('/etc/shadow');
    const opens = await untilAlerts(alerts, (x) => x.some(isShadow), 'open alert');
    const read = opens.find(isShadow);
    const others = opens.filter((a) => a.verdict?.kind === 'open' && !isShadow(a));
    // Besides it, one write: the dropped copy, on the image's file system (/tmp is not a mount of its
    // own here) where the charter declares nothing writable, seen as cp closed it; nothing else.
    expect(others.map((a) => a.verdict?.event)).toEqual([expect.stringMatching(/^open \/tmp\/dropped for writing/)]);
    expect(read).toMatchObject({
      verdict: { action: 'block', deviation: { classification: 'attack' } },
      actions: [{ step: 'alert' }, { step: 'deny', ok: true }],
    });
    expect(read?.verdict?.deviation?.patterns.map((p) => p.id)).toContain('credential-files');
    console.info(
      `agent: drift ${drift.stdout.trim()} (${stopped?.step ?? '?'} ${stopped?.target ?? ''}); /etc/shadow ${shadow.stderr.trim()}`,
    );

    // The sensor killed: restarted, the container attached again with its enforcement, the gap recorded.
    const agentPid = cli.child.pid!;
    const [sensorPid] = children(agentPid, 'charter-sensor');
    expect(sensorPid).toBeGreaterThan(0);
    process.kill(sensorPid!, 'SIGKILL');
    const gap = await untilAlerts(
      alerts,
      (x) => x.some((a) => a.type === 'gap' && /the sensor was not running/.test(a.message ?? '')),
      'sensor gap',
    );
    expect(gap.find((a) => a.type === 'gap')?.message).toMatch(
      /^the sensor was not running from \S+ to \S+; restarted, 1 containers attached again$/,
    );
    const again = probe();
    expect(again.stdout, `${again.stderr}\n${readFileSync(alerts, 'utf8').split('\n').slice(-12).join('\n')}\n${cli.stderr}`).toContain(
      'rc8080=0',
    );
    expect(again.stdout).toContain('rc9090=1');

    // podman events killed: started again, and a container started meanwhile is watched.
    for (const p of children(agentPid, 'podman')) process.kill(p, 'SIGKILL');
    run('agent-test-late');
    await cli.waitFor(/watching agent-test-late \(\w{12}\) as guarded of .* in protect mode\n/);
    expect(cli.stderr).toMatch(/podman events ended .*; starting it again in \d+ ms/);

    const end = await cli.stop('SIGINT');
    expect(end, cli.stderr).toEqual({ code: 0, signal: null });
    // After the agent, nothing is enforced: the sensor detached everything.
    expect(probe().stdout).toContain('rc9090=0');
  });

  it('switches one container to protect with `charter mode`, enforcing at once, and back', async () => {
    const profile = writeProfile(path.join(dir, 'switch.json'), 'switch', (c) => {
      allowProbe(c);
      c.network.none = false;
      c.network.egress = [{ peer: { kind: 'cidr', cidr: '10.77.0.2/32' }, port: 8080, protocol: 'tcp', sources: src }];
      c.network.egressIntent = { state: 'complete', sources: src };
    });
    const id = run('agent-test-switch');
    const pid = podmanOk(['inspect', '--format', '{{.State.Pid}}', id]).trim();
    expect(spawnSync('nsenter', ['-t', pid, '-n', 'ip', 'addr', 'add', '10.77.0.2/32', 'dev', 'lo']).status).toBe(0);
    const { cli, alerts, socket } = agent(profile, 'monitor', 'switch');
    await cli.waitFor(/ready, watching 1 containers/);
    const connect9090 = (): string =>
      podman([
        'exec',
        id,
        'sh',
        '-c',
        'nc -l -p 9090 >/dev/null & l=$!; sleep 0.3; echo b | nc -w 1 10.77.0.2 9090; echo rc=$?; kill $l 2>/dev/null',
      ]).stdout;
    expect(connect9090()).toContain('rc=0');

    const on = ask('mode', 'agent-test-switch', 'protect', '--socket', socket);
    expect(on.status, on.stderr).toBe(0);
    expect(on.stdout).toMatch(/^agent-test-switch \(\w{12}\): protect\n/);
    // Its limits: the guard refuses files, not busybox applets, which the kernel kills as they start.
    expect(on.stdout).toMatch(
      / {2}limited: \/bin\/busybox is allowed as a file: an applet the charter does not list .* killed before its first instruction/,
    );
    expect(on.stdout).not.toMatch(/connects are alerted/);
    expect(connect9090()).toContain('rc=1');
    await untilAlerts(alerts, (x) => x.some((r) => r.verdict?.action === 'block'), 'block');
    const status = JSON.parse(ask('status', '--socket', socket, '--format', 'json').stdout) as AgentStatus;
    expect(status.containers.find((c) => c.id === id)).toMatchObject({ blocked: 1, mode: 'protect' });
    expect(status.events['connect']).toBeGreaterThanOrEqual(2);

    expect(ask('mode', id.slice(0, 12), 'monitor', '--socket', socket).status).toBe(0);
    expect(connect9090()).toContain('rc=0');
    const unknown = ask('mode', 'no-such-container', 'protect', '--socket', socket);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain('no watched container is no-such-container');
    expect(await cli.stop('SIGTERM')).toEqual({ code: 0, signal: null });
  });

  it('refuses a malformed profile before ready with exit 2, naming the file, creating no state', async () => {
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"apiVersion": "charter/v1", "kind": "Charter",\n "containers": 3}');
    const state = path.join(dir, 'bad-state');
    const cli = new CliProcess(['agent', '--profile', bad, '--alerts', path.join(dir, 'bad.jsonl'), '--state-dir', state]);
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toContain(`charter: ${bad}:`);
    expect(cli.stdout).not.toMatch(/ready/);
    expect(existsSync(state)).toBe(false);
    expect(existsSync(path.join(dir, 'bad.jsonl'))).toBe(false);
  });

  it('refuses to run without podman with exit 2 and says so', async () => {
    const profile = writeProfile(path.join(dir, 'nopodman.json'), 'sleeper');
    const state = path.join(dir, 'nopodman-state');
    const cli = new CliProcess(['agent', '--profile', profile, '--alerts', path.join(dir, 'np.jsonl'), '--state-dir', state], {
      ...process.env,
      PATH: dir, // no podman there
    });
    expect(await cli.exited).toEqual({ code: 2, signal: null });
    expect(cli.stderr).toMatch(/the agent needs podman, which was not found/);
    expect(existsSync(state)).toBe(false);
  });
});
