/**
 * The kernel sensor's applet kill against real containers (busybox-static under podman, no
 * network): with sh, sleep and cat allowed as applets of /bin/busybox and applet-kill on, nc, wget,
 * `busybox touch` and `/bin/touch` (a link to busybox) die of SIGKILL before their first
 * instruction (the file touch would create is never there), the allowed applets run and the shell
 * goes on; a second container of the same image is untouched; switched off, or after a detach, the
 * same applets run again. Bad input is refused by the loader with a reason. Prints what an exec
 * costs with the switch on and off (for docs/sensor.md). Needs root on Linux; skipped loudly
 * elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { appletOf } from '../../profile/multi-call.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { canRunPodmanTests, podman, podmanOk } from '../../test-support/podman.js';
import { podmanCgroupDir, startSensor, type Sensor } from './sensor-process.js';
import { median } from '../../test-support/median.js';

const IMAGE = 'localhost/charter-applets/bb:1';
const REPO = path.join(import.meta.dirname, '../../..');
const canRun = canRunPodmanTests('src/runtime/sensor/applets.podman.test.ts', {
  untested: "the kernel sensor's applet kill (multi-call binaries judged at exec)",
  commands: ['podman', 'clang', 'bpftool'],
  files: ['/bin/busybox', '/sys/kernel/btf/vmlinux'],
});

if (!canRun && process.env['CI'] === 'true') {
  describe('kernel sensor applet kill in CI', () => {
    it('runs (CI has root on Linux and runs scripts/setup-system.sh first)', () => {
      expect.fail('the kernel sensor test cannot run in CI: root on Linux with podman, clang and bpftool is required');
    });
  });
}

const ALLOWED = ['sh', 'sleep', 'cat'] as const;
/** Each unlisted applet, run in the ways a shell reaches it, with its status after it. */
const PROBE = [
  'cat /dev/null; echo cat=$?',
  'nc -h 2>/dev/null; echo nc=$?',
  'wget -q -O /dev/null http://127.0.0.1:1/ 2>/dev/null; echo wget=$?',
  'busybox touch /tmp/x; echo busybox-touch=$?',
  '/bin/touch /tmp/x; echo bin-touch=$?',
  'busybox >/dev/null; echo busybox=$?',
  // The applet is what argv names, whatever the file is called: named cat, nc runs cat's code.
  '(exec -a cat /bin/nc /dev/null); echo nc-as-cat=$?',
  '(exec -a ./a/b/cat /bin/nc /dev/null); echo nc-as-path-cat=$?',
  '(exec -a nc /bin/cat /dev/null); echo cat-as-nc=$?',
  // Run as itself: the first argument, unless an option or a path; --coreutils-prog=NAME names NAME.
  'busybox --coreutils-prog=cat /dev/null 2>/dev/null; echo coreutils-prog-cat=$?',
  'busybox -x 2>/dev/null; echo busybox-option=$?',
  'busybox /bin/cat 2>/dev/null; echo busybox-path=$?',
  `(exec -a ${'c'.repeat(40)} /bin/busybox); echo long-name=$?`,
  'if [ -e /tmp/x ]; then echo x=present; else echo x=absent; fi',
  'sleep 0; echo sleep=$?',
  'echo shell-goes-on',
].join('; ');

const what = (e: RuntimeEvent): string | undefined => e.origin?.what;

describe.skipIf(!canRun)('kernel sensor applet kill on podman containers', () => {
  const events: RuntimeEvent[] = [];
  const skipped: string[] = [];
  let dir = '';
  /** The judged container, and a second one of the same image that must not notice. */
  let a = '';
  let b = '';
  let cgA = '';
  let cgB = '';
  let sensor: Sensor;

  const sh = (id: string, script: string) => podman(['exec', id, 'sh', '-c', script]);
  const pidOf = (id: string) => Number(podmanOk(['inspect', '-f', '{{.State.Pid}}', id]).trim());
  /** Lines `name=value` a probe printed. */
  const statuses = (out: string): Record<string, string> =>
    Object.fromEntries([...out.matchAll(/^([\w-]+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));

  async function until(done: (evs: RuntimeEvent[]) => boolean): Promise<RuntimeEvent[]> {
    for (let i = 0; i < 100 && !done(events); i++) await new Promise((r) => setTimeout(r, 50));
    return events;
  }

  beforeAll(async () => {
    const built = spawnSync(path.join(REPO, 'scripts/build-sensor.sh'), { encoding: 'utf8', timeout: 300_000 });
    expect(built.status, built.stderr).toBe(0);
    dir = mkdtempSync(path.join(tmpdir(), 'charter-applets-'));
    const tar = busyboxRootfsTar(dir, { dirs: ['tmp'], applets: ['sh', 'sleep', 'cat', 'nc', 'wget', 'touch'] });
    podmanOk(['import', tar, IMAGE]);
    a = podmanOk(['run', '-d', '--network', 'none', IMAGE, 'sleep', '600']).trim();
    b = podmanOk(['run', '-d', '--network', 'none', IMAGE, 'sleep', '600']).trim();
    cgA = podmanCgroupDir(a) ?? '';
    cgB = podmanCgroupDir(b) ?? '';
    expect(cgA, `no cgroup directory for ${a}`).not.toBe('');
    sensor = await startSensor({ onEvent: (e) => events.push(e), onSkip: (why, line) => skipped.push(`${why}: ${line}`) });
    await sensor.attach(cgA, a);
    await sensor.attach(cgB, b);
  }, 300_000);

  afterAll(async () => {
    await sensor?.close();
    for (const id of [a, b]) if (id !== '') podman(['rm', '--force', '--time', '0', id]);
    podman(['rmi', '--force', IMAGE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('refuses what it cannot hold: a name too long or with a slash, a process outside the container, a missing file', async () => {
    const pid = pidOf(a);
    await expect(sensor.allowApplet(cgA, pid, '/bin/busybox', 'x'.repeat(32), 'busybox')).rejects.toThrow(/at most 31 bytes/);
    await expect(sensor.allowApplet(cgA, pid, '/bin/busybox', 'a/b', 'busybox')).rejects.toThrow(/not a program name/);
    await expect(sensor.allowApplet(cgA, pid, '/bin/busybox', '-x', 'busybox')).rejects.toThrow(/not a program name/);
    await expect(sensor.allowApplet(cgA, process.pid, '/bin/busybox', 'sh', 'busybox')).rejects.toThrow(/mount namespace/);
    await expect(sensor.allowApplet(cgA, pidOf(b), '/bin/busybox', 'sh', 'busybox')).rejects.toThrow(/not in the container's cgroup/);
    await expect(sensor.allowApplet(cgA, pid, '/bin/no-such', 'sh', 'busybox')).rejects.toThrow(/No such file/);
    // Nothing registered: switched on, nothing is killed yet.
    await sensor.appletKill(cgA, true);
    expect(statuses(sh(a, 'nc -h 2>/dev/null; echo nc=$?').stdout).nc).not.toBe('137');
    await sensor.appletKill(cgA, false);
  });

  it('kills an applet not allowed before its first instruction, by any name, while the allowed ones run and the shell goes on', async () => {
    const pid = pidOf(a);
    // As the agent sends them: the rule's path and a path it is run by (one file: one entry).
    for (const applet of ALLOWED) await sensor.allowApplet(cgA, pid, '/bin/busybox', applet, 'busybox');
    await sensor.allowApplet(cgA, pid, '/bin/sh', 'sh', 'busybox');
    await sensor.appletKill(cgA, true);
    const from = events.length;
    const r = sh(a, PROBE);
    expect(r.status).toBe(0);
    expect(statuses(r.stdout)).toEqual({
      cat: '0',
      nc: '137',
      wget: '137',
      'busybox-touch': '137',
      'bin-touch': '137',
      busybox: '137',
      'nc-as-cat': '0',
      'nc-as-path-cat': '0',
      'cat-as-nc': '137',
      'coreutils-prog-cat': '127', // allowed: busybox itself answers "applet not found"
      'busybox-option': '137',
      'busybox-path': '137',
      'long-name': '137',
      x: 'absent', // touch never ran a single instruction of its own
      sleep: '0',
    });
    expect(r.stdout).toContain('shell-goes-on');

    const evs = await until((es) => es.filter((e) => what(e) === 'exec applet killed').length >= 9);
    const killed = evs.slice(from).filter((e) => what(e) === 'exec applet killed');
    expect(killed.every((e) => e.container.id === a && e.process.path === '/bin/busybox')).toBe(true);
    expect(killed.map((e) => e.process.argv?.slice(0, 2))).toEqual([
      ['nc', '-h'],
      ['wget', '-q'],
      ['busybox', 'touch'],
      ['/bin/touch', '/tmp/x'],
      ['busybox'],
      ['nc', '/dev/null'],
      ['busybox', '-x'],
      ['busybox', '/bin/cat'],
      ['c'.repeat(40)],
    ]);
    // The kernel's decision is the engine's: killed exactly when appletOf names no allowed applet.
    const judged = evs.slice(from).filter((e) => e.kind === 'exec' && e.container.id === a && e.process.argv !== undefined);
    expect(judged.length).toBeGreaterThan(killed.length);
    for (const e of judged) {
      const applet = appletOf(e.process.argv![0]!, e.process.argv!.slice(1), 'busybox');
      expect([e.process.argv, what(e)]).toEqual([
        e.process.argv,
        applet !== undefined && (ALLOWED as readonly string[]).includes(applet) ? 'exec' : 'exec applet killed',
      ]);
    }
    for (const k of killed) {
      const exit = await until((es) => es.some((e) => e.kind === 'exit' && e.process.pid === k.process.pid));
      expect(exit.find((e) => e.kind === 'exit' && e.process.pid === k.process.pid)).toMatchObject({ signal: 'SIGKILL' });
    }
    const ran = evs.filter((e) => e.kind === 'exec' && e.container.id === a && what(e) === 'exec');
    expect(ran.map((e) => e.process.argv?.[0])).toEqual(expect.arrayContaining(['sh', 'cat', 'sleep']));
  });

  it('leaves a second container of the same image alone', () => {
    const r = sh(b, 'nc -h 2>/dev/null; echo nc=$?; /bin/touch /tmp/x; echo bin-touch=$?; [ -e /tmp/x ] && echo x=present');
    expect(statuses(r.stdout)).toMatchObject({ 'bin-touch': '0', x: 'present' });
    expect(statuses(r.stdout).nc).not.toBe('137');
    expect(events.filter((e) => e.container.id === b && what(e)?.endsWith(' killed') === true)).toEqual([]);
  });

  it('prints what an exec of busybox costs with the switch on and off', async () => {
    // A loop of execs of an allowed applet inside the container: each one derives the applet and
    // looks it up while on; off, the program leaves before the multi-call lookup. Rounds alternate.
    const loop = 'i=0; while [ $i -lt 1000 ]; do /bin/sleep 0; i=$((i+1)); done';
    const times: Record<'on' | 'off', number[]> = { on: [], off: [] };
    for (let round = 0; round < 6; round++) {
      const on = round % 2 === 1;
      await sensor.appletKill(cgA, on);
      const t0 = process.hrtime.bigint();
      expect(sh(a, loop).status).toBe(0);
      times[on ? 'on' : 'off'].push(Number(process.hrtime.bigint() - t0) / 1000 / 1000);
    }
    const [on, off] = [median(times.on), median(times.off)];
    console.log(`applet kill: 1000 execs of busybox as an allowed applet: ${off.toFixed(0)} µs/exec off, ${on.toFixed(0)} µs/exec on`);
    expect(on).toBeGreaterThan(0);
  }, 300_000);

  it('lets every applet run once switched off, and forgets the container at detach', async () => {
    await sensor.appletKill(cgA, false);
    expect(statuses(sh(a, 'busybox true; echo busybox-true=$?').stdout)['busybox-true']).toBe('0');
    await sensor.detach(cgA);
    await sensor.attach(cgA, a);
    await sensor.appletKill(cgA, true);
    expect(statuses(sh(a, 'busybox true; echo busybox-true=$?').stdout)['busybox-true']).toBe('0');
    expect(skipped).toEqual([]);
  });
});
