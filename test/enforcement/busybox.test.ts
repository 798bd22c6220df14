/**
 * End to end on real images: a busybox-static base, two apps built from Dockerfiles with podman,
 * each profiled from its saved image plus its Dockerfile, compiled to seccomp + podman flags, and
 * run under exactly those flags. The declared workload must work; undeclared actions must fail.
 * Needs root on Linux; skipped loudly elsewhere.
 */
import { createHash } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter } from '../../src/model/charter.js';
import { BUSYBOX_SERVICE, busyboxRootfsTar } from '../../src/test-support/images.js';
import { canRunPodmanTests, cleanup, podman, podmanOk } from '../../src/test-support/podman.js';
import { profileTargets } from '../../src/test-support/profile.js';
import {
  allowedSyscalls,
  buildAndSave,
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

const canRun = canRunPodmanTests('test/enforcement/busybox.test.ts', { untested: 'enforcement of the DERIVED profile' });

const RUN_ID = `${process.pid}`;
const BASE = `localhost/charter-e2e/bb-base:${RUN_ID}`;
const BATCH = `localhost/charter-e2e/batch:${RUN_ID}`;
const WEB = `localhost/charter-e2e/web:${RUN_ID}`;
const PIPE = `localhost/charter-e2e/pipeline:${RUN_ID}`;
const WEB_CTR = `charter-e2e-web-${RUN_ID}`;
const INDEX = '<h1>charter e2e</h1>\n';

describe.skipIf(!canRun)('busybox images under their derived profile', () => {
  let dir = '';
  const containers: string[] = [];
  let batch: { charter: Charter; c: ContainerCharter; enf: Enforcement };
  let web: { charter: Charter; c: ContainerCharter; enf: Enforcement };
  let pipeline: { charter: Charter; c: ContainerCharter; enf: Enforcement };

  beforeAll(async () => {
    dir = tempDir('charter-e2e-bb-');
    podmanOk(['import', busyboxRootfsTar(dir, BUSYBOX_SERVICE), BASE], { timeoutMs: 60_000 });

    // The directory names the Dockerfile's container (`batch/Dockerfile` → batch), as in a repo.
    const batchDockerfile = writeContext(path.join(dir, 'batch'), {
      Dockerfile: [`FROM ${BASE}`, 'USER 1000', 'WORKDIR /tmp', 'CMD ["/bin/sh","-c","echo ok > /tmp/out && cat /tmp/out"]', ''].join('\n'),
    });
    buildAndSave(path.join(dir, 'batch'), BATCH, path.join(dir, 'batch.tar'));
    const bch = await profileImage(path.join(dir, 'batch.tar'), batchDockerfile, 'batch');
    batch = { charter: bch, c: onlyContainer(bch), enf: emitEnforcement(bch, onlyContainer(bch).name, dir) };

    const webDockerfile = writeContext(path.join(dir, 'web'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'COPY index.html /var/www/index.html',
        'USER 1000',
        'EXPOSE 8080',
        'CMD ["httpd","-f","-p","8080","-h","/var/www"]',
        '',
      ].join('\n'),
      'index.html': INDEX,
    });
    buildAndSave(path.join(dir, 'web'), WEB, path.join(dir, 'web.tar'));
    const wch = await profileImage(path.join(dir, 'web.tar'), webDockerfile, 'web');
    web = { charter: wch, c: onlyContainer(wch), enf: emitEnforcement(wch, onlyContainer(wch).name, dir) };
    // The batch script with one more step: now the shell must fork for `cat` (it execs only the last command).
    const pipeDockerfile = writeContext(path.join(dir, 'pipeline'), {
      Dockerfile: [
        `FROM ${BASE}`,
        'USER 1000',
        'WORKDIR /tmp',
        'CMD ["/bin/sh","-c","echo ok > /tmp/out && cat /tmp/out && echo done"]',
        '',
      ].join('\n'),
    });
    buildAndSave(path.join(dir, 'pipeline'), PIPE, path.join(dir, 'pipeline.tar'));
    const pch = await profileImage(path.join(dir, 'pipeline.tar'), pipeDockerfile, 'pipeline');
    pipeline = { charter: pch, c: onlyContainer(pch), enf: emitEnforcement(pch, onlyContainer(pch).name, dir) };
    writeFileSync(path.join(dir, 'profiles.json'), JSON.stringify({ batch: bch, web: wch, pipeline: pch }, null, 2));
  });

  afterAll(() => {
    if (canRun) cleanup(containers, [BATCH, WEB, PIPE, BASE]);
    if (dir !== '' && !process.env['CHARTER_E2E_KEEP']) rmSync(dir, { recursive: true, force: true });
  });

  const runBatch = (argv: string[]) => podman(['run', '--rm', ...batch.enf.flags, BATCH, ...argv], { timeoutMs: 60_000 });

  describe('batch (declares no network)', () => {
    it('derives one container from image + Dockerfile: user 1000, no network, no capabilities, read-only root', () => {
      const { charter, c } = batch;
      expect(c.user?.name).toBe('1000');
      expect(c.network.none).toBe(true);
      expect(c.capabilities).toEqual([]);
      expect(c.filesystem.readOnlyRoot.value).toBe(true);
      expect(c.filesystem.writable.map((w) => w.path)).toEqual(['/tmp']);
      // /bin/sh is a link to busybox: the rule names the real file and its hash.
      const bb = c.processes.find((p) => p.path === '/bin/busybox');
      expect(bb?.purpose).toBe('entrypoint');
      expect(bb?.sha256).toBe(createHash('sha256').update(readFileSync('/bin/busybox')).digest('hex'));
      for (const s of ['socket', 'connect', 'bind', 'listen', 'mount', 'ptrace', 'bpf']) expect(syscallNames(charter, c)).not.toContain(s);
    });

    it('emits the flags that carry the intent', () => {
      const f = batch.enf.flags;
      expect(f).toEqual(expect.arrayContaining(['--read-only', '--cap-drop', 'ALL', '--user', '1000', '--network', 'none']));
      expect(f).toContain(`seccomp=${batch.enf.seccompPath}`);
      expect(batch.enf.seccomp.defaultAction).toBe('SCMP_ACT_ERRNO');
      expect(allowedSyscalls(batch.enf).has('socket')).toBe(false);
    });

    it('runs the declared workload under exactly the emitted flags', () => {
      const r = podman(['run', '--rm', ...batch.enf.flags, BATCH], { timeoutMs: 60_000 });
      expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
      expect(r.stdout.trim()).toBe('ok');
    });

    it('refuses a socket: seccomp answers EPERM before --network none is even reached', () => {
      // (No `-T`: busybox 1.35 static's wget segfaults on it, with or without a profile.)
      const r = runBatch(['wget', 'http://127.0.0.1:1/']);
      expect(r.status).not.toBe(0);
      // The seccomp layer refused it: socket() itself failed. Were only --network none at work, socket()
      // would succeed and connect() would fail with "Network is unreachable"/"Connection refused".
      expect(r.stderr).toMatch(/socket: Operation not permitted/);
    });

    it('refuses a listening socket', () => {
      const r = runBatch(['nc', '-l', '-p', '8080']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Operation not permitted/);
    });

    it('refuses a write outside the declared paths (read-only root)', () => {
      const r = runBatch(['sh', '-c', 'echo x > /etc/x']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Read-only file system/);
    });

    it('refuses chown (no capability, and chown is not a declared syscall)', () => {
      const r = runBatch(['sh', '-c', 'echo x > /tmp/f && chown 1 /tmp/f']);
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/chown: \/tmp\/f: Operation not permitted/);
    });

    it('refuses chown even as uid 0 (--user 0 overrides the emitted user; --cap-drop ALL still holds)', () => {
      const flags = [...batch.enf.flags];
      flags[flags.indexOf('--user') + 1] = '0';
      const r = podman(['run', '--rm', ...flags, BATCH, 'sh', '-c', 'echo x > /tmp/f && chown 1 /tmp/f'], { timeoutMs: 60_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Operation not permitted/);
    });
  });

  describe('pipeline (a shell script of several programs)', () => {
    it("names the script's programs: sh and cat, both /bin/busybox", () => {
      expect(pipeline.c.processes.map((p) => p.path)).toEqual(['/bin/busybox']);
      expect(pipeline.c.network.none).toBe(true);
    });

    // sh and cat resolve to one file; the shell forks for `cat`, so the `process` group must be derived
    // (the batch variant would pass without it because ash execs its last command).
    it('runs the declared workload under exactly the emitted flags', () => {
      const r = podman(['run', '--rm', ...pipeline.enf.flags, PIPE], { timeoutMs: 60_000 });
      expect(r.stderr).not.toMatch(/can't fork/);
      expect(r.status, `${r.stderr}${r.stdout}`).toBe(0);
      expect(r.stdout.trim().split('\n')).toEqual(['ok', 'done']);
    });
  });

  describe('web (declares port 8080)', () => {
    let port = 0;

    beforeAll(async () => {
      port = await freePort();
      containers.push(WEB_CTR);
      // The emitted flags never publish ports (a deployment choice): the test adds -p, as a user would.
      podmanOk(['run', '-d', '--name', WEB_CTR, ...web.enf.flags, '-p', `127.0.0.1:${port}:8080`, WEB], { timeoutMs: 60_000 });
    });

    it('derives listen 8080/tcp, network, user 1000, the httpd process', () => {
      const { charter, c } = web;
      expect(c.network.none).toBe(false);
      expect(c.network.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['8080/tcp']);
      expect(c.network.egress).toEqual([]);
      expect(c.user?.name).toBe('1000');
      expect(c.capabilities).toEqual([]);
      expect(c.processes.find((p) => p.purpose === 'entrypoint')?.path).toBe('/bin/busybox');
      for (const s of ['socket', 'bind', 'listen', 'accept4']) expect(syscallNames(charter, c)).toContain(s);
      expect(web.enf.flags).not.toContain('--network');
    });

    // busybox httpd forks a child per connection: the profile must allow it.
    it('serves the page under the emitted flags', async () => {
      const first = await waitForHttp(port, 8_000);
      expect(first.status).toBe(200);
      expect(first.body).toBe(INDEX);
      for (let i = 0; i < 10; i++) expect((await httpGet(port, '/index.html')).status).toBe(200);
    });

    it('allows clone for the forking server, and records the applet name it runs as', () => {
      expect(allowedSyscalls(web.enf).has('clone')).toBe(true);
      expect(web.c.processes.find((p) => p.path === '/bin/busybox')?.invokedAs).toContain('/bin/httpd');
      // busybox is one file of many programs: the rule allows its httpd applet only, not its sh or nc.
      expect(web.c.processes.find((p) => p.path === '/bin/busybox')?.applets).toEqual(['httpd']);
      expect(web.c.roles.map((r) => [r.id, r.evidence])).toEqual([['busybox', 'image-file']]);
    });

    // KNOWN LIMIT: from the Dockerfile alone, `httpd` is recognised by name only as Apache (evidence
    // `name`: listed, but it grants no processes, directories or capabilities); with the image it is
    // busybox. Without the image the name cannot be told apart.
    it.fails('profiles httpd the same from the Dockerfile alone as from image + Dockerfile', async () => {
      const alone = onlyContainer(await profileTargets([], { files: [path.join(dir, 'web/Dockerfile')] }, 'web'));
      expect(alone.roles.map((r) => r.id)).toEqual(web.c.roles.map((r) => r.id));
      expect(alone.processes.filter((p) => p.purpose === 'role')).toEqual([]);
    });

    it("keeps exec'd processes on the read-only root", () => {
      const r = podman(['exec', WEB_CTR, 'sh', '-c', 'echo x > /etc/x'], { timeoutMs: 30_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Read-only file system/);
    });

    it('runs under a seccomp filter (mode 2) with no capabilities', () => {
      const r = podman(['exec', WEB_CTR, 'grep', '-E', '^(Seccomp|CapEff|NoNewPrivs):', '/proc/1/status'], { timeoutMs: 30_000 });
      expect(r.status, r.stderr).toBe(0);
      expect(r.stdout).toMatch(/^Seccomp:\s+2$/m);
      expect(r.stdout).toMatch(/^NoNewPrivs:\s+1$/m);
      expect(r.stdout).toMatch(/^CapEff:\s+0{16}$/m);
    });

    it("LIMIT: an exec'd client gets past seccomp (socket/connect serve the server); only a network policy or sensor stops egress", () => {
      const r = podman(['exec', WEB_CTR, 'wget', '-O', '-', 'http://127.0.0.1:1/'], { timeoutMs: 30_000 });
      expect(r.status).not.toBe(0);
      expect(r.stderr).toMatch(/Connection refused/);
      expect(r.stderr).not.toMatch(/Operation not permitted/);
    });
  });
});
