/**
 * The sensor's guard (fanotify permission events, docs/sensor.md) against real containers: with
 * exec enforcement on, what the allow set names runs (a busybox applet, a dynamic program through
 * its loader, a script through its interpreter) and anything else fails with EPERM while the shell
 * goes on, from the image, /tmp or an exec-mounted /dev/shm alike; guarded files and directories
 * refuse reads of /etc/shadow and writes into /usr/bin; a second container of the same image is
 * untouched; a loader killed while a caller waits lets it through at once. Prints the measured cost
 * of an exec and of an open under the guard. Needs root on Linux; skipped loudly elsewhere.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { podmanEnv } from '../../readers/oci-image/sources/index.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, podman, podmanOk } from '../../test-support/podman.js';
import { podmanCgroupDir, startSensor, type Sensor } from './sensor-process.js';

const IMAGE = 'localhost/charter-guard/bb:1';
const REPO = path.join(import.meta.dirname, '../../..');
const canRun = canRunPodmanTests('src/runtime/sensor/guard.podman.test.ts', {
  untested: "the sensor's exec and file guard (fanotify enforcement)",
  commands: ['podman', 'clang', 'bpftool', 'ldd'],
  files: ['/bin/busybox', '/sys/kernel/btf/vmlinux'],
});

if (!canRun && process.env['CI'] === 'true') {
  describe('sensor guard in CI', () => {
    it('runs (CI has root on Linux and runs scripts/setup-system.sh first)', () => {
      expect.fail('the sensor guard test cannot run in CI: root on Linux with podman, clang and bpftool is required');
    });
  });
}

/** A dynamic program and the files ldd says it needs (its loader and libc), as image paths → host files. */
function dynamicProgram(dir: string): Record<string, string> {
  const source = path.join(dir, 'hello-dyn.c');
  writeFileSync(source, '#include <stdio.h>\nint main(void) { puts("dynamic-ran"); return 0; }\n');
  const binary = path.join(dir, 'hello-dyn');
  const cc = spawnSync('clang', ['-O1', '-o', binary, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`clang: ${cc.stderr}`);
  const ldd = spawnSync('ldd', [binary], { encoding: 'utf8' });
  const files: Record<string, string> = { 'usr/local/bin/hello-dyn': binary };
  for (const m of ldd.stdout.matchAll(/(?:=>\s*)?(\/\S+)\s+\(0x/g)) files[m[1]!.slice(1)] = realpathSync(m[1]!);
  return files;
}

/**
 * A static program whose threads open files in a guarded directory (Node's file calls run on its
 * thread pool), one through openat2, whose flags sit in a struct in the caller's memory: a read
 * and a read through openat2 must pass unreported, an openat2 write must be refused.
 */
function threadedOpener(dir: string): string {
  const source = path.join(dir, 'opener.c');
  writeFileSync(
    source,
    [
      '#define _GNU_SOURCE',
      '#include <errno.h>',
      '#include <fcntl.h>',
      '#include <linux/openat2.h>',
      '#include <pthread.h>',
      '#include <stdio.h>',
      '#include <string.h>',
      '#include <sys/syscall.h>',
      '#include <unistd.h>',
      'static long o2(const char *p, long flags) { struct open_how h = { .flags = flags, .mode = flags & O_CREAT ? 0644 : 0 };',
      '  return syscall(SYS_openat2, AT_FDCWD, p, &h, sizeof(h)); }',
      'static void say(const char *what, long fd) { printf("%s=%s\\n", what, fd >= 0 ? "ok" : strerror(errno)); }',
      'static void *reader(void *a) { (void)a; say("thread-read", open("/usr/bin/hello.sh", O_RDONLY)); return 0; }',
      'static void *writer(void *a) { (void)a; say("thread-openat2-write", o2("/usr/bin/evil2", O_WRONLY | O_CREAT)); return 0; }',
      'int main(void) { pthread_t t; setvbuf(stdout, 0, _IONBF, 0);',
      '  pthread_create(&t, 0, reader, 0); pthread_join(t, 0);',
      '  pthread_create(&t, 0, writer, 0); pthread_join(t, 0);',
      '  say("openat2-read", o2("/usr/bin/hello.sh", O_RDONLY)); return 0; }',
    ].join('\n'),
  );
  const binary = path.join(dir, 'opener');
  const cc = spawnSync('clang', ['-static', '-pthread', '-O1', '-o', binary, source], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`clang: ${cc.stderr}`);
  return binary;
}

/** Nanoseconds of an RFC 3339 time with nanoseconds, as the sensor writes them. */
function nanos(time: string): bigint {
  const m = /^(.*T\d{2}:\d{2}:\d{2})\.(\d{9})Z$/.exec(time);
  if (!m) throw new Error(`not a sensor time: ${time}`);
  return BigInt(Date.parse(`${m[1]!}Z`)) * 1_000_000n + BigInt(m[2]!);
}

describe.skipIf(!canRun)('sensor guard on podman containers', () => {
  const events: RuntimeEvent[] = [];
  const skipped: string[] = [];
  const guardErrors: string[] = [];
  let dir = '';
  /** The guarded container, and a second one of the same image that must not notice. */
  let a = '';
  let b = '';
  let cgA = '';
  let cgB = '';
  let sensor: Sensor;

  const run = (id: string, script: string) => podman(['exec', id, 'sh', '-c', script]);
  /** podman exec that lets this process go on reading the sensor's lines meanwhile (thousands of events). */
  const runAsync = (id: string, script: string): Promise<number> =>
    new Promise((resolve) => {
      const child = spawn('podman', ['exec', id, 'sh', '-c', script], { env: podmanEnv(), stdio: 'ignore' });
      const timer = setTimeout(() => child.kill('SIGKILL'), 120_000);
      child.on('close', (code) => {
        clearTimeout(timer);
        resolve(code ?? -1);
      });
    });
  const pidOf = (id: string) => Number(podmanOk(['inspect', '-f', '{{.State.Pid}}', id]).trim());

  beforeAll(async () => {
    const built = spawnSync(path.join(REPO, 'scripts/build-sensor.sh'), { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
    dir = mkdtempSync(path.join(tmpdir(), 'charter-guard-'));
    const tar = busyboxRootfsTar(dir, {
      dirs: ['tmp', 'etc', 'usr/bin', 'usr/local/bin'],
      applets: ['sh', 'cat', 'echo', 'true', 'cp', 'ls', 'stat', 'sleep'],
      files: {
        'etc/passwd': 'root:x:0:0:root:/root:/bin/sh\n',
        'etc/shadow': 'root:$6$not-a-real-hash:19000:0:99999:7:::\n',
        // Not a cache the dynamic loader would take (bad magic: it ignores it), a file every exec reads.
        'etc/ld.so.cache': 'not-a-cache\n',
        'usr/bin/notes.txt': 'notes\n',
      },
      executables: {
        'usr/bin/hello.sh': '#!/bin/sh\necho script-ran\n',
        'usr/bin/job.sh': '#!/bin/sh\necho job-ran\n',
        'usr/bin/job2.sh': '#!/bin/sh\necho job2-ran\n',
      },
      // A program of the image that the allow set will not name (busybox runs as itself under a busybox* name).
      programs: {
        'usr/bin/busybox-spare': '/bin/busybox',
        'usr/sbin/busybox': '/bin/busybox',
        'usr/local/bin/opener': threadedOpener(dir),
        ...dynamicProgram(dir),
      },
    });
    podmanOk(['import', tar, IMAGE]);
    // /dev/shm mounted exec: otherwise noexec refuses (EACCES) before the guard is asked.
    const runArgs = ['run', '-d', '--network', 'none', '--tmpfs', '/dev/shm:rw,exec,size=16m', IMAGE, 'sleep', '600'];
    a = podmanOk(runArgs).trim();
    b = podmanOk(runArgs).trim();
    cgA = podmanCgroupDir(a) ?? '';
    cgB = podmanCgroupDir(b) ?? '';
    expect(cgA !== '' && cgB !== '', 'no cgroup directory').toBe(true);
    sensor = await startSensor({
      onEvent: (e) => events.push(e),
      onSkip: (why, line) => skipped.push(`${why}: ${line}`),
      onGuardErrors: (id, n) => guardErrors.push(`${id}: ${n}`),
    });
    await sensor.attach(cgA, a);
    await sensor.attach(cgB, b);
  });

  afterAll(async () => {
    await sensor?.close();
    for (const id of [a, b]) if (id !== '') podman(['rm', '--force', '--time', '0', id]);
    podman(['rmi', '--force', IMAGE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  async function until(done: (evs: RuntimeEvent[]) => boolean): Promise<RuntimeEvent[]> {
    for (let i = 0; i < 100 && !done(events); i++) await new Promise((r) => setTimeout(r, 50));
    return events;
  }

  it('guards a container through its own process only, over the mounts a program could run from', async () => {
    await expect(sensor.guard(cgA, process.pid)).rejects.toThrow(/shares the loader's mount namespace/);
    await expect(sensor.guard(cgA, pidOf(b))).rejects.toThrow(/not in the container's cgroup/);
    const mounts = await sensor.guard(cgA, pidOf(a));
    expect(mounts).toEqual(expect.arrayContaining(['/', '/dev', '/dev/shm', '/etc/hosts']));
    expect(mounts.filter((m) => /^\/(proc|sys)(\/|$)/.test(m))).toEqual([]);
    await expect(sensor.allowExec(cgA, '/nope')).rejects.toThrow(/\/nope: No such file or directory/);
    await expect(sensor.allowExec(cgA, '/usr/bin')).rejects.toThrow(/is a directory/);
    await expect(sensor.allowExec(cgB, '/bin/sh')).rejects.toThrow(/not guarded/);
  });

  it('under exec enforcement runs what is allowed and refuses the rest with EPERM, and the shell goes on', async () => {
    await sensor.allowExec(cgA, '/bin/sh'); // → /bin/busybox, in the container's root
    await sensor.allowExec(cgA, '/usr/local/bin/hello-dyn'); // + its PT_INTERP loader
    await sensor.allowExec(cgA, '/usr/bin/hello.sh'); // + /bin/sh from its #! line
    await sensor.allowExec(cgA, '/usr/bin/job.sh');
    await sensor.allowExec(cgA, '/usr/bin/job2.sh');
    await sensor.allowExec(cgA, '/usr/local/bin/opener');
    await sensor.execEnforce(cgA, true);
    const script = [
      'cat /etc/passwd >/dev/null && echo applet-ran',
      '/usr/local/bin/hello-dyn',
      '/usr/bin/hello.sh',
      '/usr/bin/busybox-spare echo spare-ran; echo spare=$?',
      'cp /bin/busybox /tmp/busybox; /tmp/busybox echo tmp-ran; echo tmp=$?',
      'cp /bin/busybox /dev/shm/busybox; /dev/shm/busybox echo shm-ran; echo shm=$?',
      // An allowed image file, written (copied up by the overlay, same dev and inode): no longer allowed.
      'echo >> /usr/local/bin/hello-dyn; /usr/local/bin/hello-dyn; echo written=$?',
      'echo went-on',
    ].join('; ');
    const r = run(a, script);
    expect(r.stdout.split('\n')).toEqual([
      'applet-ran',
      'dynamic-ran',
      'script-ran',
      'spare=126',
      'tmp=126',
      'shm=126',
      'written=126',
      'went-on',
      '',
    ]);
    for (const p of ['/usr/bin/busybox-spare', '/tmp/busybox', '/dev/shm/busybox'])
      expect(r.stderr).toContain(`${p}: Operation not permitted`);

    const evs = await until((es) => es.filter((e) => e.origin?.what === 'exec denied').length >= 4);
    const denied = evs.filter((e) => e.origin?.what === 'exec denied');
    expect(denied.map((e) => [e.process.path, e.process.origin])).toEqual([
      ['/usr/bin/busybox-spare', undefined],
      ['/tmp/busybox', undefined],
      ['/dev/shm/busybox', undefined],
      ['/usr/local/bin/hello-dyn', 'written'],
    ]);
    for (const e of denied) {
      expect(e).toMatchObject({ kind: 'exec', container: { id: a }, process: { name: 'sh', uid: 0 } });
      expect(e.process.pid).toBeGreaterThan(1);
    }

    // The same image in another container: nothing is refused there.
    const other = run(
      b,
      '/usr/bin/busybox-spare echo spare-ran; cp /bin/busybox /tmp/busybox; /tmp/busybox echo tmp-ran; cp /bin/busybox /dev/shm/busybox; /dev/shm/busybox echo shm-ran',
    );
    expect(other.stdout).toBe('spare-ran\ntmp-ran\nshm-ran\n');
    // Nor the host, running the very file refused in the container through podman's own mount of its overlay.
    const merged = podmanOk(['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', a]).trim();
    expect(spawnSync(path.join(merged, 'tmp/busybox'), ['echo', 'host-ran'], { encoding: 'utf8' }).stdout).toBe('host-ran\n');
    expect(events.filter((e) => e.container.id === b && e.origin?.what?.endsWith('denied'))).toEqual([]);
  });

  it('refuses reads of a guarded file and writes into a guarded directory, and reports them', async () => {
    await expect(sensor.guardFile(cgA, '/etc')).rejects.toThrow(/a directory/);
    await expect(sensor.guardDir(cgA, '/etc/passwd')).rejects.toThrow(/not a directory/);
    await expect(sensor.passRead(cgA, '/etc')).rejects.toThrow(/not a regular file/);
    await sensor.guardFile(cgA, '/etc/shadow');
    await sensor.guardDir(cgA, '/usr/bin');
    await sensor.guardDir(cgA, '/etc');
    await sensor.passRead(cgA, '/etc/ld.so.cache');
    await sensor.filesEnforce(cgA, true);
    const before = events.length;
    const script = [
      'cat /etc/passwd >/dev/null && echo passwd-read',
      'cat /etc/shadow; echo shadow=$?',
      'cat /usr/bin/hello.sh >/dev/null && echo script-read',
      'echo x > /usr/bin/evil; echo evil=$?',
      // The refused O_CREAT open came after the file was made: it is left behind, empty.
      'stat -c evil-size=%s /usr/bin/evil',
      // Refused before truncating: the file is whole.
      // (`true`, not `:`: a failed redirection of a special built-in ends the shell.)
      'true > /usr/bin/notes.txt; echo truncate=$?; cat /usr/bin/notes.txt',
      // An allowed program's opens stay in the kernel (so its execs cost nothing more): a write to
      // it passes, is reported as it happens, and the program is refused from then on (exec, open).
      'echo "echo evil" > /usr/bin/job.sh; echo job-write=$?; /usr/bin/job.sh; echo job=$?; cat /usr/bin/job.sh; echo job-read=$?',
      // A truncation alone raises no event the loader can read: the next open tells.
      'true > /usr/bin/job2.sh; echo job2-truncate=$?; cat /usr/bin/job2.sh; echo job2-read=$?',
      // Likewise the file every dynamic exec reads: read in the kernel, a write reported as it happens.
      'cat /etc/ld.so.cache >/dev/null && echo cache-read',
      'echo x >> /etc/ld.so.cache; echo cache-write=$?',
      'echo went-on',
    ].join('; ');
    const r = run(a, script);
    expect(r.stdout.split('\n')).toEqual([
      'passwd-read',
      'shadow=1',
      'script-read',
      'evil=1',
      'evil-size=0',
      'truncate=1',
      'notes',
      'job-write=0',
      'job=126',
      'job-read=1',
      'job2-truncate=0',
      'job2-read=1',
      'cache-read',
      'cache-write=0',
      'went-on',
      '',
    ]);
    expect(r.stderr).toContain("can't open '/etc/shadow': Operation not permitted");
    expect(r.stderr).toContain("can't create /usr/bin/evil: Operation not permitted");
    expect(r.stderr).toContain('/usr/bin/job.sh: Operation not permitted');

    const evs = await until((es) => es.slice(before).filter((e) => e.kind === 'open').length >= 7);
    const opens = evs.slice(before).flatMap((e) => (e.kind === 'open' ? [[e.path, e.write, e.create, e.origin?.what]] : []));
    // Reads in the guarded directory pass without a line; /etc/passwd is not guarded.
    expect(opens).toEqual([
      ['/etc/shadow', false, false, 'open denied'],
      ['/usr/bin/evil', true, true, 'open denied'],
      ['/usr/bin/notes.txt', true, true, 'open denied'],
      ['/usr/bin/job.sh', true, false, 'open modified'],
      ['/usr/bin/job.sh', false, false, 'open written denied'],
      ['/usr/bin/job2.sh', false, false, 'open written denied'],
      ['/etc/ld.so.cache', true, false, 'open modified'],
    ]);
    expect(
      evs
        .slice(before)
        .filter((e) => e.origin?.what === 'exec denied')
        .map((e) => [e.process.path, e.process.origin]),
    ).toEqual([['/usr/bin/job.sh', 'written']]);

    // From threads, and through openat2: the caller's own flags are read, the thread's, not the main one's.
    const threaded = events.length;
    expect(run(a, '/usr/local/bin/opener').stdout).toBe('thread-read=ok\nthread-openat2-write=Operation not permitted\nopenat2-read=ok\n');
    const fromThreads = await until((es) => es.slice(threaded).some((e) => e.kind === 'open'));
    expect(fromThreads.slice(threaded).flatMap((e) => (e.kind === 'open' ? [[e.path, e.write, e.create, e.process.name]] : []))).toEqual([
      ['/usr/bin/evil2', true, true, 'opener'],
    ]);

    // Reported, not refused, once enforcement is off; the other container never was.
    await sensor.filesEnforce(cgA, false);
    expect(run(a, 'cat /etc/shadow >/dev/null && echo shadow-read').stdout).toBe('shadow-read\n');
    const off = await until((es) => es.some((e) => e.origin?.what === 'open' && e.container.id === a));
    expect(off.find((e) => e.origin?.what === 'open')).toMatchObject({ kind: 'open', path: '/etc/shadow', write: false });
    expect(run(b, 'cat /etc/shadow >/dev/null && echo x > /usr/bin/evil && echo b-free').stdout).toBe('b-free\n');
    // A host process reaching the same inodes (podman reads the container's /etc/passwd so) is not the container.
    await sensor.filesEnforce(cgA, true);
    const merged = podmanOk(['inspect', '-f', '{{.GraphDriver.Data.MergedDir}}', a]).trim();
    expect(readFileSync(path.join(merged, 'etc/shadow'), 'utf8')).toMatch(/^root:/);
    await sensor.filesEnforce(cgA, false);
    expect(events.filter((e) => e.kind === 'open' && e.container.id === b)).toEqual([]);
    expect(guardErrors).toEqual([]);
    expect(skipped).toEqual([]);
  });

  it('reports each file of the image file system written, once, as it is closed; not volumes or tmpfs', async () => {
    await sensor.guardWrites(cgA, true);
    const before = events.length;
    const script = [
      'echo one > /tmp/w1; echo two >> /tmp/w1', // the same file twice: one line
      'echo x > /dev/shm/w2', // a tmpfs of its own: not the image
      'cat /etc/passwd > /dev/null', // a read: nothing
      'echo went-on',
    ].join('; ');
    expect(run(a, script).stdout).toBe('went-on\n');
    expect(run(b, 'echo x > /tmp/w1 && echo b-wrote').stdout).toBe('b-wrote\n');
    const evs = await until((es) => es.slice(before).some((e) => e.origin?.what === 'open closed'));
    await new Promise((r) => setTimeout(r, 300)); // anything more would have come by now
    const closed = evs.slice(before).filter((e) => e.origin?.what === 'open closed');
    expect(closed.map((e) => [e.container.id, e.kind === 'open' ? [e.path, e.write] : e.kind])).toEqual([[a, ['/tmp/w1', true]]]);
    // Exec enforcement switched off and on flushes the mount marks: the write mark comes back.
    await sensor.execEnforce(cgA, false);
    await sensor.execEnforce(cgA, true);
    run(a, 'echo y > /tmp/w3');
    expect(
      (await until((es) => es.some((e) => e.kind === 'open' && e.path === '/tmp/w3'))).some(
        (e) => e.kind === 'open' && e.path === '/tmp/w3',
      ),
    ).toBe(true);
    await sensor.guardWrites(cgA, false);
    run(a, 'echo z > /tmp/w4');
    await new Promise((r) => setTimeout(r, 300));
    expect(events.some((e) => e.kind === 'open' && e.path === '/tmp/w4')).toBe(false);
    expect(guardErrors).toEqual([]);
  });

  it('costs little per exec and per open (2,000 of each, timed by the exec events in the container)', async () => {
    // The same program twice: /bin/busybox, and a copy in a directory guarded for writes (each of
    // its execs is also an open there: allowed, it stays in the kernel like the exec). Opens in the
    // guarded directory of a file no rule names are judged by the loader (it reads the caller's
    // system call), against opens elsewhere.
    await sensor.allowExec(cgA, '/usr/sbin/busybox');
    await sensor.guardDir(cgA, '/usr/sbin');
    const loop = (body: string) => `i=0; while [ $i -lt 2000 ]; do ${body}; i=$((i+1)); done`;
    const marks = ['start', 'guarded-dir-execs', 'guarded-dir-opens', 'plain-opens', 'end'] as const;
    const script = [
      `/bin/true ${marks[0]}`,
      loop('/bin/true'),
      `/bin/true ${marks[1]}`,
      loop('/usr/sbin/busybox true'),
      `/bin/true ${marks[2]}`,
      loop(': < /usr/bin/notes.txt'),
      `/bin/true ${marks[3]}`,
      loop(': < /etc/passwd'),
      `/bin/true ${marks[4]}`,
    ].join('; ');
    /** µs per exec, per exec from the guarded directory, per open in the guarded /usr/bin, per open of /etc/passwd. */
    const measure = async (): Promise<number[]> => {
      const from = events.length;
      expect(await runAsync(a, script)).toBe(0);
      const evs = await until((es) => es.slice(from).some((e) => e.kind === 'exec' && e.process.argv?.[1] === 'end'));
      const at = marks.map((mark) => {
        const e = evs.slice(from).find((x) => x.kind === 'exec' && x.process.argv?.[1] === mark);
        if (!e) throw new Error(`no exec event for ${mark}`);
        return nanos(e.time);
      });
      return at.slice(1).map((t, k) => Number(t - at[k]!) / 2000 / 1000);
    };
    const off: number[][] = [];
    const on: number[][] = [];
    for (let round = 0; round < 3; round++) {
      await sensor.execEnforce(cgA, false);
      off.push(await measure());
      await sensor.execEnforce(cgA, true);
      on.push(await measure());
    }
    // Every exec of the loops was an allowed one, judged in the kernel (its ignore mark): nothing refused.
    expect(events.filter((e) => e.origin?.what === 'exec denied')).toHaveLength(5);
    expect(guardErrors).toEqual([]);
    const best = (runs: number[][], i: number) => Math.min(...runs.map((r) => r[i]!));
    const f = (n: number) => n.toFixed(1);
    console.info(
      `guard (best of 3 rounds, µs): exec ${f(best(off, 0))} without exec enforcement, ${f(best(on, 0))} enforcing (allowed); ` +
        `exec of a file in a guarded directory ${f(best(off, 1))} / ${f(best(on, 1))}; ` +
        `open in a guarded directory ${f(best(on, 2))} against ${f(best(on, 3))} elsewhere`,
    );
  });

  it('after detach, the container runs and opens everything again', async () => {
    await sensor.detach(cgA);
    expect(run(a, '/tmp/busybox echo tmp-ran; cat /etc/shadow >/dev/null && echo shadow-read').stdout).toBe('tmp-ran\nshadow-read\n');
    await expect(sensor.execEnforce(cgA, true)).rejects.toThrow(/not attached/);
  });

  it('fails open: a loader killed while a caller waits on it lets that exec and the next ones through at once', async () => {
    const second = await startSensor({ onEvent: () => undefined });
    const loader = second.pid;
    expect(loader).toBeGreaterThan(0);
    let killed = 0;
    try {
      await second.attach(cgB, b);
      await second.guard(cgB, pidOf(b));
      await second.allowExec(cgB, '/bin/sh');
      await second.execEnforce(cgB, true);
      expect(run(b, '/tmp/busybox echo tmp-ran; echo rc=$?').stdout).toBe('rc=126\n');
      // A stopped loader holds the caller in execve: the permission event waits for an answer.
      process.kill(loader!, 'SIGSTOP');
      const started = Date.now();
      const waiting = spawn('podman', ['exec', b, 'sh', '-c', '/tmp/busybox echo pending-ran'], { env: podmanEnv() });
      let out = '';
      waiting.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
      let doneAt = 0;
      const finished = new Promise<number>((resolve) =>
        waiting.on('close', (code) => {
          doneAt = Date.now();
          resolve(code ?? -1);
        }),
      );
      await new Promise((r) => setTimeout(r, 1500));
      expect(waiting.exitCode, 'the exec should wait for the stopped loader').toBeNull();
      killed = Date.now();
      process.kill(loader!, 'SIGKILL');
      const code = await Promise.race([finished, new Promise<number>((r) => setTimeout(() => r(-2), 20_000))]);
      expect(code).toBe(0);
      expect(out).toBe('pending-ran\n');
      const t0 = Date.now();
      expect(run(b, '/tmp/busybox echo after-kill').stdout).toBe('after-kill\n');
      console.info(
        `guard: the waiting podman exec finished ${doneAt - killed} ms after SIGKILL (held ${killed - started} ms); the next podman exec took ${Date.now() - t0} ms`,
      );
    } finally {
      // Never left stopped: close() would wait for it forever.
      if (killed === 0 && loader !== undefined) process.kill(loader, 'SIGKILL');
      await second.close();
    }
  });
});
