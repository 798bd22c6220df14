/**
 * The process edge of the sensor without a kernel: a stand-in loader (a shell script written here)
 * speaks the protocol, so replies, events, drops, unusable lines and a loader that dies are
 * checked on any machine. The real loader is exercised by sensor.podman.test.ts.
 */
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { startSensor } from './sensor-process.js';

const dir = mkdtempSync(path.join(tmpdir(), 'charter-sensor-fake-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fakeLoader(name: string, body: string): string {
  const file = path.join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return file;
}

const EXEC =
  '{"kind":"exec","time":"2026-12-04T23:42:45.800000000Z","cgroupId":7,"container":"abc","pid":10,"ppid":9,"uid":0,"gid":0,"comm":"sh","filename":"/bin/sh","ino":5,"dev":41,"origin":"image","path":"/bin/busybox","argv":["sh"]}';

const ANSWERING = fakeLoader(
  'answering',
  `echo '{"ready":true}'
while read -r line; do
  case "$line" in
    *'"op":"attach"'*) echo '{"reply":"attach","ok":true}'; echo '${EXEC}'; echo 'not json'; echo '{"drops":3}' ;;
    *) echo '{"reply":"allow","ok":false,"error":"cgroup not attached"}' ;;
  esac
done`,
);

describe('sensor process adapter', () => {
  it('matches replies to commands in order, converts events, reports drops and unusable lines', async () => {
    const events: RuntimeEvent[] = [];
    const drops: number[] = [];
    const skips: string[] = [];
    const s = await startSensor({
      binary: ANSWERING,
      onEvent: (e) => events.push(e),
      onDrops: (n) => drops.push(n),
      onSkip: (why) => skips.push(why),
    });
    await s.attach('/sys/fs/cgroup/x', 'abc');
    await expect(s.allow('/sys/fs/cgroup/y', 80)).rejects.toThrow(/sensor allow: cgroup not attached/);
    await s.close();
    expect(events).toEqual([
      expect.objectContaining({ kind: 'exec', container: { id: 'abc' }, process: expect.objectContaining({ path: '/bin/busybox' }) }),
    ]);
    expect(drops).toEqual([3]);
    expect(skips).toEqual(['not JSON']);
  });

  it('asks for seccomp refusals only when told, and passes on whether it can and what it lost', async () => {
    // The stand-in says which arguments it got, as the real loader says whether it can read the audit group.
    const auditing = fakeLoader(
      'auditing',
      `if [ "$1" = --seccomp-audit ]; then echo '{"seccompAudit":false,"error":"bind: Operation not permitted"}'; fi
echo '{"ready":true}'
while read -r line; do echo '{"auditLost":1}'; echo '{"auditGone":2}'; echo '{"reply":"attach","ok":true}'; done`,
    );
    const said: (string | undefined)[] = [];
    const losses: string[] = [];
    const skips: string[] = [];
    const on = await startSensor({
      binary: auditing,
      seccompAudit: true,
      onEvent: () => undefined,
      onSeccompAudit: (e) => said.push(e),
      onAuditLoss: (what, n) => losses.push(`${what} ${n}`),
      onSkip: (why) => skips.push(why),
    });
    await on.attach('/sys/fs/cgroup/x', 'abc');
    await on.close();
    expect(said).toEqual(['bind: Operation not permitted']);
    expect(losses).toEqual(['lost 1', 'gone 2']);
    expect(skips).toEqual([]);
    const off = await startSensor({ binary: auditing, onEvent: () => undefined, onSeccompAudit: (e) => said.push(e) });
    await off.close();
    expect(said).toHaveLength(1);
  });

  it('returns the mounts guard covers, and passes on what the guard counts', async () => {
    const guarding = fakeLoader(
      'guarding',
      `echo '{"ready":true}'
while read -r line; do
  case "$line" in
    *'"op":"guard"'*) echo '{"guardErrors":2,"cgroupId":7,"container":"abc"}'; echo '{"guardLost":4}'; echo '{"reply":"guard","ok":true,"mounts":["/","/dev/shm",3]}' ;;
    *) echo '{"reply":"allow-exec","ok":false,"error":"/nope: No such file or directory"}' ;;
  esac
done`,
    );
    const errors: string[] = [];
    const lost: number[] = [];
    const s = await startSensor({
      binary: guarding,
      onEvent: () => undefined,
      onGuardErrors: (id, n) => errors.push(`${id}:${n}`),
      onGuardLost: (n) => lost.push(n),
    });
    expect(s.pid).toBeGreaterThan(0);
    await expect(s.guard('/sys/fs/cgroup/x', 42)).resolves.toEqual(['/', '/dev/shm']);
    await expect(s.allowExec('/sys/fs/cgroup/x', '/nope')).rejects.toThrow(/sensor allow-exec: \/nope: No such file/);
    await s.close();
    expect(errors).toEqual(['abc:2']);
    expect(lost).toEqual([4]);
  });

  it('fails a command sent to a loader that was killed, without an unhandled pipe error', async () => {
    const s = await startSensor({ binary: fakeLoader('sleeping', `echo '{"ready":true}'\nexec sleep 60`), onEvent: () => undefined });
    process.kill(s.pid!, 'SIGKILL');
    await new Promise((r) => setTimeout(r, 200));
    await expect(s.execEnforce('/sys/fs/cgroup/x', true)).rejects.toThrow(/exited \(SIGKILL\)/);
    await s.close();
  });

  it('writes each switch as the op the loader reads (docs/sensor.md)', async () => {
    const log = path.join(dir, 'commands.log');
    const recording = fakeLoader(
      'recording',
      `echo '{"ready":true}'\nwhile read -r line; do echo "$line" >> '${log}'; echo '{"reply":"x","ok":true}'; done`,
    );
    const s = await startSensor({ binary: recording, onEvent: () => undefined });
    await s.enforce('/c', true);
    await s.allowRaw('/c', true);
    await s.execKill('/c', false);
    await s.allowExec('/c', '/usr/bin/node');
    await s.execEnforce('/c', true);
    await s.guardFile('/c', '/etc/shadow');
    await s.guardDir('/c', '/usr/bin');
    await s.filesEnforce('/c', false);
    await s.allowApplet('/c', 42, '/bin/sh', 'sh', 'busybox');
    await s.appletKill('/c', true);
    await s.close();
    expect(readFileSync(log, 'utf8').trim().split('\n')).toEqual([
      '{"op":"enforce","cgroup":"/c","on":true}',
      '{"op":"allow-raw","cgroup":"/c","on":true}',
      '{"op":"exec-kill","cgroup":"/c","on":false}',
      '{"op":"allow-exec","cgroup":"/c","path":"/usr/bin/node"}',
      '{"op":"exec-enforce","cgroup":"/c","on":true}',
      '{"op":"guard-file","cgroup":"/c","path":"/etc/shadow"}',
      '{"op":"guard-dir","cgroup":"/c","path":"/usr/bin"}',
      '{"op":"files-enforce","cgroup":"/c","on":false}',
      '{"op":"allow-applet","cgroup":"/c","pid":42,"path":"/bin/sh","applet":"sh","binary":"busybox"}',
      '{"op":"applet-kill","cgroup":"/c","on":true}',
    ]);
  });

  it('fails to start with what the loader said when it cannot load', async () => {
    const failing = fakeLoader('failing', `echo '{"ready":false,"error":"load: Operation not permitted"}'`);
    await expect(startSensor({ binary: failing, onEvent: () => undefined })).rejects.toThrow(/did not load: load: Operation not permitted/);
  });

  it('fails pending commands when the loader dies, with its stderr', async () => {
    const dying = fakeLoader('dying', `echo '{"ready":true}'\nread -r line\necho 'verifier said no' >&2\nexit 3`);
    const s = await startSensor({ binary: dying, onEvent: () => undefined });
    await expect(s.enforce('/sys/fs/cgroup/x', true)).rejects.toThrow(/exited \(3\): verifier said no/);
  });

  it('fails to start when the loader is missing', async () => {
    await expect(startSensor({ binary: path.join(dir, 'absent'), onEvent: () => undefined })).rejects.toThrow(/could not start/);
  });
});
