/**
 * End to end on a real distribution image: Debian bookworm (minbase) with the distribution's
 * Node.js, an HTTP service built on top with a Dockerfile, profiled from the saved image plus that
 * Dockerfile, and run under exactly the emitted seccomp profile and podman flags.
 *
 * The root filesystem is made once with mmdebstrap and cached in .cache/test-images/ (gitignored);
 * later runs reuse it. Needs root on Linux; skipped loudly elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../../src/model/charter.js';
import { containerSyscalls } from '../../src/profile/syscalls.js';
import { debianNodeRootfs } from '../../src/test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../src/test-support/podman.js';
import {
  buildAndSave,
  describeContainer,
  emitEnforcement,
  freePort,
  httpGet,
  onlyContainer,
  profileImage,
  syscallNames,
  tempDir,
  waitForHttp,
  writeContext,
  type Enforcement,
} from './harness.js';

const canRun = canRunPodmanTests('test/enforcement/debian-node.test.ts', { untested: 'enforcement of the DERIVED profile' });

const RUN_ID = `${process.pid}`;
const BASE = `localhost/charter-e2e/debian-node-base:${RUN_ID}`;
const APP = `localhost/charter-e2e/node-api:${RUN_ID}`;
const CTR = `charter-e2e-node-api-${RUN_ID}`;

const SERVER_JS = `const http = require('node:http');
let n = 0;
http
  .createServer((req, res) => {
    n += 1;
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, n, url: req.url }));
  })
  .listen(Number(process.env.PORT), () => console.log('listening on ' + process.env.PORT));
`;

const DOCKERFILE = (base: string): string =>
  [
    `FROM ${base}`,
    'WORKDIR /app',
    'COPY server.js /app/',
    'USER 1000',
    'EXPOSE 8080',
    'ENV PORT=8080',
    'CMD ["node","server.js"]',
    '',
  ].join('\n');

/** sha256 of a file inside the rootfs tar, read straight from the archive. */
function sha256InTar(tar: string, member: string): string {
  const r = spawnSync('tar', ['-xOf', tar, member], { maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`tar -xOf ${member}: ${r.stderr.toString()}`);
  return createHash('sha256').update(r.stdout).digest('hex');
}

describe.skipIf(!canRun)('Debian + Node.js HTTP service under its derived profile', () => {
  let dir = '';
  let charter: Charter;
  let c: ContainerCharter;
  let enf: Enforcement;
  let nodeSha = '';
  let port = 0;
  const containers: string[] = [];

  beforeAll(async () => {
    dir = tempDir('charter-e2e-node-');
    const rootfs = debianNodeRootfs();
    nodeSha = sha256InTar(rootfs, './usr/bin/node');
    podmanOk(['import', rootfs, BASE], { timeoutMs: 300_000 });
    const context = path.join(dir, 'node-api');
    const dockerfile = writeContext(context, { Dockerfile: DOCKERFILE(BASE), 'server.js': SERVER_JS });
    buildAndSave(context, APP, path.join(dir, 'node-api.tar'));
    charter = await profileImage(path.join(dir, 'node-api.tar'), dockerfile, 'node-api');
    c = onlyContainer(charter);
    enf = emitEnforcement(charter, c.name, dir);

    port = await freePort();
    containers.push(CTR);
    podmanOk(['run', '-d', '--name', CTR, ...enf.flags, '-p', `127.0.0.1:${port}:8080`, APP], { timeoutMs: 60_000 });
  }, 900_000);

  afterAll(() => {
    if (canRun) cleanup(containers, [APP, BASE]);
    if (dir !== '' && !process.env['CHARTER_E2E_KEEP']) rmSync(dir, { recursive: true, force: true });
  });

  it('derives node as the entrypoint with the sha256 of the file in the image', () => {
    const node = c.processes.find((p) => p.path === '/usr/bin/node');
    expect(node, JSON.stringify(c.processes.map((p) => p.path))).toBeDefined();
    expect(node?.purpose).toBe('entrypoint');
    expect(node?.sha256).toBe(nodeSha);
    expect(node?.args).toEqual(['server.js']);
    // Cross-check against the image as podman runs it, not only the tar it was imported from.
    const inImage = podman(['run', '--rm', '--network', 'none', '--entrypoint', 'sha256sum', APP, '/usr/bin/node'], { timeoutMs: 60_000 });
    expect(inImage.status, inImage.stderr).toBe(0);
    expect(inImage.stdout.split(/\s+/)[0]).toBe(nodeSha);
  });

  it('derives listen 8080/tcp, user 1000, no capabilities, a read-only root', () => {
    expect(c.network.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['8080/tcp']);
    expect(c.network.none).toBe(false);
    expect(c.user?.name).toBe('1000');
    expect(c.workingDir?.name).toBe('/app');
    expect(c.capabilities).toEqual([]);
    expect(c.filesystem.readOnlyRoot.value).toBe(true);
    expect(c.roles.map((r) => r.id)).toContain('node');
  });

  it('derives all three syscall layers, without ptrace, mount or bpf', () => {
    const layers = containerSyscalls(charter, c);
    for (const layer of ['container-runtime', 'language-runtime', 'application'] as const)
      expect(layers[layer].length, layer).toBeGreaterThan(0);
    const names = syscallNames(charter, c);
    for (const s of ['ptrace', 'mount', 'umount2', 'bpf', 'unshare', 'setns', 'init_module', 'kexec_load']) expect(names).not.toContain(s);
    for (const s of ['socket', 'bind', 'listen', 'accept4', 'epoll_wait']) expect(names).toContain(s);
  });

  it('emits flags that carry the intent (network kept for the listener)', () => {
    expect(enf.flags).toEqual(expect.arrayContaining(['--read-only', '--cap-drop', 'ALL', '--user', '1000', `seccomp=${enf.seccompPath}`]));
    expect(enf.flags).not.toContain('--network');
    expect(enf.flags).not.toContain('--privileged');
  });

  it('serves 50 requests under exactly the emitted flags', async () => {
    let first;
    try {
      first = await waitForHttp(port, 30_000);
    } catch (err) {
      throw new Error(`${String(err)}\n${describeContainer(CTR)}`, { cause: err });
    }
    expect(first.status).toBe(200);
    const statuses: number[] = [first.status];
    for (let i = 1; i < 50; i++) {
      const r = await httpGet(port, `/r/${i}`);
      statuses.push(r.status);
      expect(JSON.parse(r.body)).toMatchObject({ ok: true, url: `/r/${i}` });
    }
    expect(statuses.filter((s) => s !== 200)).toEqual([]);
    const state = podman(['inspect', '--format', '{{.State.Running}}', CTR], { timeoutMs: 30_000 });
    expect(state.stdout.trim()).toBe('true');
  });

  it('runs under seccomp mode 2 with no effective capabilities and no-new-privileges', () => {
    // node is the only process here: read its status with node itself, as exec'd processes share the filter.
    const r = podman(['exec', CTR, 'node', '-e', 'process.stdout.write(require("fs").readFileSync("/proc/1/status","utf8"))'], {
      timeoutMs: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
    expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(r.stdout).toMatch(/^CapEff:\s+0{16}$/m);
  });

  it("refuses writes outside the declared paths, also for exec'd processes", () => {
    const r = podman(['exec', CTR, 'node', '-e', 'require("fs").writeFileSync("/app/x", "x")'], { timeoutMs: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/EROFS|read-only file system/i);
    const ok = podman(['exec', CTR, 'node', '-e', 'require("fs").writeFileSync("/tmp/x", "x")'], { timeoutMs: 30_000 });
    expect(ok.status, ok.stderr).toBe(0);
  });

  it("contains an undeclared shell exec'd into the container: it starts, but cannot fork (vfork/wait4 are not in the profile)", () => {
    expect(c.processes.map((p) => p.path)).not.toContain('/usr/bin/dash');
    const names = syscallNames(charter, c);
    expect(names).not.toContain('vfork');
    expect(names).not.toContain('wait4');
    const r = podman(['exec', CTR, '/bin/sh', '-c', 'id -u; echo unreachable'], { timeoutMs: 30_000 });
    expect(r.status).not.toBe(0);
    expect(r.stderr).toMatch(/Cannot fork/);
    expect(r.stdout).not.toMatch(/unreachable/);
    const write = podman(['exec', CTR, '/bin/sh', '-c', 'echo x > /etc/x'], { timeoutMs: 30_000 });
    expect(write.status).not.toBe(0);
    expect(write.stderr).toMatch(/Read-only file system/);
  });

  it('refuses an undeclared program spawned by node: the analysed code never spawns, so its profile has no fork', () => {
    // With the app's code analysed (Node 18 map for Debian's node), clone/fork/vfork are not in the
    // profile: node's spawn fails with EPERM before any child exists.
    expect(c.processes.map((p) => p.path)).not.toContain('/usr/bin/touch');
    const spawn = podman(['exec', CTR, 'node', '-e', 'require("child_process").execFileSync("/usr/bin/touch", ["/tmp/spawned-by-node"])'], {
      timeoutMs: 30_000,
    });
    expect(spawn.status).not.toBe(0);
    expect(spawn.stderr).toMatch(/spawnSync \/usr\/bin\/touch EPERM/);
    const ran = podman(['exec', CTR, 'node', '-e', 'process.exit(require("fs").existsSync("/tmp/spawned-by-node") ? 0 : 1)'], {
      timeoutMs: 30_000,
    });
    expect(ran.status, 'the undeclared child ran').toBe(1);
  });

  it('keeps the service healthy after the refused attempts', async () => {
    const r = await httpGet(port, '/after');
    expect(r.status).toBe(200);
  });
});
