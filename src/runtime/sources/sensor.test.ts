/**
 * What the sensor source makes of the loader's lines: real recordings (test/corpus/events/sensor,
 * from busybox containers under podman, one of them guarded) field by field, and hostile lines
 * built here.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { EventOf, RuntimeEvent } from '../../model/events.js';
import { checkEvent } from '../events/validate.js';
import { detectSource } from './registry.js';
import { factsOf } from '../agent/response.js';
import { sensorSource } from './sensor.js';

function recording(name: string): Record<string, unknown>[] {
  return readFileSync(join(import.meta.dirname, '../../../test/corpus/events/sensor', name), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

const RECORDED = recording('podman-busybox.jsonl');
const CONTAINER = '797de5487c753092c349c77ac33b3e738b85d3b184c94b87cb6a6e28b8e8d8df';
/** Raw and ping sockets, UDP sends, listens, an accept, then under enforcement refusals and killed execs. */
const RECORDED_NET = recording('podman-busybox-net.jsonl');
/** Applet killing: busybox run as applets not allowed (nc, touch two ways, no applet) killed at exec. */
const RECORDED_APPLETS = recording('podman-busybox-applets.jsonl');
/** A guarded container (fanotify): a refused exec, refused and reported opens. */
const GUARDED = recording('podman-busybox-guard.jsonl');
/** Seccomp refusals from the kernel's audit records: ptrace, mount, two set-id chmods. */
const SECCOMP = recording('podman-busybox-seccomp.jsonl');

function events(records = RECORDED): RuntimeEvent[] {
  return records.flatMap((r, i) => {
    const c = sensorSource.convert(r, i + 1);
    return 'events' in c ? [...c.events] : [];
  });
}

describe('sensor source on a recorded run', () => {
  it('is detected from the recording', () => {
    expect(detectSource(RECORDED.slice(0, 20))?.id).toBe('sensor');
  });

  it('turns every event line into a valid event of the attached container, and skips only control lines', () => {
    const evs = events();
    expect(evs.length).toBe(RECORDED.filter((r) => typeof r.kind === 'string').length);
    for (const e of evs) {
      expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
      expect(e.container.id).toBe(CONTAINER);
    }
    const skips = RECORDED.map((r, i) => sensorSource.convert(r, i + 1)).flatMap((c) => ('skip' in c ? [c.skip] : []));
    expect(skips).toContain('the sensor is ready');
    expect(skips.every((s) => /^the sensor/.test(s))).toBe(true);
  });

  it('names an applet re-executed through /proc/self/exe, and a shell run through its symlink, by the file that ran', () => {
    const execs = events().filter((e) => e.kind === 'exec');
    const nc = execs.find((e) => e.process.argv?.[0] === 'nc');
    expect(nc?.process).toMatchObject({ path: '/bin/busybox', origin: 'image', name: 'exe' });
    const sh = execs.find((e) => e.process.argv?.[0] === 'sh');
    expect(sh?.process).toMatchObject({ path: '/bin/busybox', name: 'sh' });
    expect(new Set(execs.map((e) => e.process.inode)).size).toBe(2); // busybox and the copy
  });

  it('keeps a file name with a quote and a tab, written after start, as it was', () => {
    const odd = events().find((e) => e.kind === 'exec' && e.process.path?.startsWith('/tmp/'));
    expect(odd?.process).toMatchObject({ path: '/tmp/we"ird\tname', origin: 'written', argv: ['/tmp/we"ird\tname', 'true'] });
  });

  it('reports connects with address, port and protocol, and a refused one as denied', () => {
    const connects = events().filter((e) => e.kind === 'connect');
    expect(connects.map((e) => [e.remote?.address, e.remote?.port, e.protocol, e.origin?.what])).toEqual([
      ['127.0.0.1', 8080, 'tcp', 'connect'],
      ['::1', 9999, 'tcp', 'connect'],
      ['127.0.0.1', 8080, 'tcp', 'connect'],
      ['127.0.0.1', 9090, 'tcp', 'connect denied'],
    ]);
  });

  it('gives exit codes and names killing signals', () => {
    const exits = events().filter((e) => e.kind === 'exit');
    expect(exits.some((e) => e.code === 3)).toBe(true);
    expect(exits.some((e) => e.signal === 'SIGKILL')).toBe(true);
  });
});

describe('sensor source on a recorded run of sockets, sends, listens and killed execs', () => {
  const evs = events(RECORDED_NET);

  it('turns every event line into a valid event, and is detected from it', () => {
    expect(detectSource(RECORDED_NET.slice(0, 20))?.id).toBe('sensor');
    expect(evs.length).toBe(RECORDED_NET.filter((r) => typeof r.kind === 'string').length);
    for (const e of evs) expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
  });

  it('makes a raw or ping socket a send without a destination, in the protocol the model names, refused or not', () => {
    const sockets = evs.filter((e) => e.origin?.what?.startsWith('socket') === true);
    expect(sockets.map((e) => [e.kind, e.kind === 'send' ? e.protocol : '', e.origin?.what, e.process.name])).toEqual([
      ['send', 'raw', 'socket raw', 'ping'],
      ['send', 'icmp', 'socket icmp', 'nettool'],
      ['send', 'raw', 'socket raw denied', 'ping'],
      ['send', 'icmp', 'socket icmp denied', 'nettool'],
    ]);
    expect(sockets.every((e) => e.kind === 'send' && e.remote === undefined)).toBe(true);
  });

  it('keeps UDP sent without connect as sends to their destination, the refused ones as denied', () => {
    const sends = evs.filter((e): e is EventOf<'send'> => e.kind === 'send' && e.remote !== undefined);
    expect(sends.map((e) => [e.protocol, e.remote?.address, e.remote?.port, e.origin?.what])).toEqual([
      ['udp', '127.0.0.1', 5353, 'send'],
      ['udp', '127.0.0.1', 5354, 'send denied'],
      ['udp', '127.0.0.1', 5354, 'send denied'],
    ]);
  });

  it('gives listens their local address and an accept its peer, without a process', () => {
    const listens = evs.filter((e) => e.kind === 'listen');
    expect(listens.map((e) => [e.protocol, e.local, e.process.name])).toEqual([
      ['tcp', { address: '::', port: 8080 }, 'nc'],
      ['udp', { address: '0.0.0.0', port: 5300 }, 'nettool'],
    ]);
    const accept = evs.find((e) => e.kind === 'accept');
    expect(accept).toMatchObject({ protocol: 'tcp', remote: { address: '127.0.0.1' }, local: { address: '127.0.0.1', port: 8080 } });
    expect(accept?.process).toEqual({});
    expect(accept?.ancestors).toBeUndefined();
  });

  it('says an exec was killed, and its exit names SIGKILL', () => {
    const killed = evs.filter((e) => e.origin?.what === 'exec killed');
    expect(killed.map((e) => [e.process.origin, e.process.path ?? e.process.name])).toEqual([
      ['written', '/tmp/echo'],
      ['memory', 'memfd:payload'],
    ]);
    for (const k of killed) {
      expect(evs.find((e) => e.kind === 'exit' && e.process.pid === k.process.pid)).toMatchObject({ signal: 'SIGKILL' });
    }
  });
});

describe('sensor source on a recorded run with applet killing', () => {
  const evs = events(RECORDED_APPLETS);

  it('says which execs were killed as applets, with ` killed` last (what the ladder reads), and their exits name SIGKILL', () => {
    for (const e of evs) expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
    const killed = evs.filter((e) => e.origin?.what === 'exec applet killed');
    expect(killed.map((e) => e.process.argv)).toEqual([
      ['nc', '-h'],
      ['busybox', 'touch', '/tmp/x'],
      ['/bin/touch', '/tmp/x'],
      ['busybox'],
    ]);
    for (const k of killed) {
      expect(k.process.path).toBe('/bin/busybox');
      expect(factsOf(k).killed).toBe(true);
      expect(evs.find((e) => e.kind === 'exit' && e.process.pid === k.process.pid)).toMatchObject({ signal: 'SIGKILL' });
    }
    // The allowed applets ran and exited on their own.
    const ran = evs.filter((e) => e.kind === 'exec' && e.origin?.what === 'exec');
    expect(ran.map((e) => e.process.argv?.[0])).toEqual(['sh', 'cat', 'sleep']);
  });

  it('names a drift kill as such, and an unknown reason not at all', () => {
    const line = { ...RECORDED_APPLETS.find((r) => r.killed === true)! };
    const what = (r: Record<string, unknown>) => {
      const c = sensorSource.convert(r, 1);
      return 'events' in c ? c.events[0]?.origin?.what : c.skip;
    };
    expect(what({ ...line, why: 'drift' })).toBe('exec drift killed');
    expect(what({ ...line, why: 'because' })).toBe('exec killed');
    expect(what({ ...line, killed: false })).toBe('exec');
  });
});

describe('sensor source on a recorded guarded run (fanotify)', () => {
  const evs = events(GUARDED);

  it('is detected, and turns every event line into a valid event', () => {
    expect(detectSource(GUARDED.slice(0, 20))?.id).toBe('sensor');
    expect(evs.length).toBe(GUARDED.filter((r) => typeof r.kind === 'string').length);
    for (const e of evs) expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
  });

  it('reports a refused exec as the caller that asked for the file, named by the file', () => {
    const denied = evs.filter((e) => e.origin?.what === 'exec denied');
    expect(denied).toHaveLength(1);
    expect(denied[0]).toMatchObject({ kind: 'exec', process: { path: '/dev/shm/busybox', name: 'sh', uid: 0, inode: 2 } });
    expect(denied[0]!.process.origin).toBeUndefined(); // the guard does not say where the file came from
    // Refused execs never reached the exec tracepoint: every other exec ran.
    expect(evs.filter((e) => e.kind === 'exec' && e.origin?.what === 'exec').every((e) => e.process.path === '/bin/busybox')).toBe(true);
  });

  it('keeps origin written on a refused exec of an allowed file written since it was allowed', () => {
    const line = GUARDED.find((r) => r.denied === true && r.kind === 'exec')!;
    const c = sensorSource.convert({ ...line, origin: 'written' }, 1);
    if (!('events' in c)) throw new Error(c.skip);
    expect(c.events[0]!.process.origin).toBe('written');
  });

  it('reports opens of a guarded file and writes into a guarded directory, refused or not', () => {
    const opens = evs.flatMap((e) => (e.kind === 'open' ? [[e.path, e.write, e.create, e.origin?.what, e.process.name]] : []));
    expect(opens).toEqual([
      ['/etc/shadow', false, false, 'open denied', 'cat'],
      ['/usr/bin/evil', true, true, 'open denied', 'sh'],
      ['/etc/shadow', false, false, 'open', 'cat'],
    ]);
  });

  it('says when a write was seen only as it happened, and when an open is of a program written since it was allowed', () => {
    const line = GUARDED.find((r) => r.kind === 'open' && r.write === true)!;
    const what = (r: Record<string, unknown>): string | undefined => {
      const c = sensorSource.convert(r, 1);
      if (!('events' in c)) throw new Error(c.skip);
      return c.events[0]!.origin?.what;
    };
    expect(what({ ...line, denied: false, create: false, modified: true })).toBe('open modified');
    expect(what({ ...line, write: false, create: false, origin: 'written' })).toBe('open written denied');
    expect(what({ ...line, denied: false, create: false, closed: true })).toBe('open closed');
    // An exec's origin is its process's, not a word of what.
    const exec = GUARDED.find((r) => r.denied === true && r.kind === 'exec')!;
    expect(what({ ...exec, origin: 'written' })).toBe('exec denied');
  });

  it('skips the replies, the mount list of guard included, as control lines', () => {
    const skips = GUARDED.map((r, i) => sensorSource.convert(r, i + 1)).flatMap((c) => ('skip' in c ? [c.skip] : []));
    expect(skips).toContain("the sensor's reply to a command (guard)");
    expect(skips.every((s) => /^the sensor/.test(s))).toBe(true);
  });
});

describe('sensor source on recorded seccomp refusals', () => {
  const evs = events(SECCOMP);

  it('turns each refusal into a denied syscall event named by the x86_64 table, with its process', () => {
    const calls = evs.flatMap((e) =>
      e.kind === 'syscall' ? [[e.name, e.denied, e.origin?.what, e.process.name, e.process.path, e.process.uid]] : [],
    );
    expect(calls).toEqual([
      ['ptrace', true, 'seccomp errno', 'seccomp-tool', '/usr/bin/seccomp-tool', 0],
      ['mount', true, 'seccomp errno', 'mount', '/bin/busybox', 0],
      ['chmod', true, 'seccomp errno', 'chmod', '/bin/busybox', 0],
      ['chmod', true, 'seccomp errno', 'chmod', '/bin/busybox', 0],
    ]);
    for (const e of evs) expect(checkEvent(JSON.parse(JSON.stringify(e)) as unknown).ok).toBe(true);
    // The refused process is the one the exec tracepoint saw start.
    const ptrace = evs.find((e) => e.kind === 'syscall' && e.name === 'ptrace')!;
    expect(evs.some((e) => e.kind === 'exec' && e.process.pid === ptrace.process.pid)).toBe(true);
  });

  it('skips the loader saying it reads the audit group, or why it cannot', () => {
    const skips = SECCOMP.map((r, i) => sensorSource.convert(r, i + 1)).flatMap((c) => ('skip' in c ? [c.skip] : []));
    expect(skips).toContain('the sensor reads seccomp refusals from the audit multicast group');
    const no = sensorSource.convert({ seccompAudit: false, error: 'bind to the audit multicast group: Operation not permitted' }, 1);
    expect('skip' in no ? no.skip : '').toMatch(/cannot read seccomp refusals: bind .*Operation not permitted/);
    for (const [line, reason] of [
      [{ auditLost: 2 }, /lost 2 seccomp refusals since it started \(its audit socket overflowed\)/],
      [{ auditGone: 3 }, /could not attribute 3 seccomp refusals/],
    ] as const) {
      const c = sensorSource.convert(line, 1);
      expect('skip' in c ? c.skip : 'converted').toMatch(reason);
    }
  });

  const refusal = SECCOMP.find((r) => r.kind === 'seccomp')!;
  it.each([
    ['aarch64', { arch: 'c00000b7', syscall: 117 }, 'ptrace'],
    ['aarch64 mount', { arch: 'c00000b7', syscall: 40 }, 'mount'],
    ['x86_64 fchmodat2', { arch: 'c000003e', syscall: 452 }, 'fchmodat2'],
    ['a number the table does not have', { arch: 'c000003e', syscall: 100000 }, '100000 on x86_64'],
    ['an ABI the table does not have (i386)', { arch: '40000003', syscall: 26 }, '26 on audit arch 40000003'],
  ])('names the call on %s', (_name, fields, name) => {
    const c = sensorSource.convert({ ...refusal, ...fields }, 1);
    if (!('events' in c)) throw new Error(c.skip);
    expect(c.events[0]).toMatchObject({ kind: 'syscall', name, denied: true });
  });

  it('an action that only logs let the call through: not denied', () => {
    const c = sensorSource.convert({ ...refusal, action: 'log' }, 1);
    if (!('events' in c)) throw new Error(c.skip);
    expect(c.events[0]).toMatchObject({ kind: 'syscall', denied: false, origin: { what: 'seccomp log' } });
  });

  it.each([
    ['no syscall number', { syscall: undefined }],
    ['a negative number', { syscall: -1 }],
    ['no arch', { arch: undefined }],
    ['an arch that is not hex', { arch: 'x86_64' }],
    ['an arch too long', { arch: 'c000003e0' }],
  ])('skips a refusal with %s', (_name, fields) => {
    const c = sensorSource.convert({ ...refusal, ...fields }, 1);
    expect('skip' in c ? c.skip : 'converted').toMatch(/seccomp refusal without/);
  });
});

describe('sensor source on hostile lines', () => {
  const exec = RECORDED.find((r) => r.kind === 'exec')!;
  const cases: [string, unknown, RegExp][] = [
    ['no container (a cgroup nobody attached)', { ...exec, container: '' }, /not told a container/],
    ['no time', { ...exec, time: 12 }, /without a time/],
    ['an unknown kind', { ...exec, kind: 'chmod' }, /not a sensor event/],
    ['a connect without address', { ...RECORDED.find((r) => r.kind === 'connect'), address: 7 }, /destination/],
    [
      'a send with an address too long to be one',
      { ...RECORDED_NET.find((r) => r.kind === 'send'), address: '1'.repeat(46) },
      /send without/,
    ],
    ['a listen without address', { ...RECORDED_NET.find((r) => r.kind === 'listen'), address: undefined }, /listen without/],
    ['an accept without peer', { ...RECORDED_NET.find((r) => r.kind === 'accept'), address: '' }, /accept without/],
    ['an array', [exec], /not a JSON object/],
    ['an open with a relative path', { ...GUARDED.find((r) => r.kind === 'open'), path: 'etc/shadow' }, /absolute path/],
    ['an open without its intent', { ...GUARDED.find((r) => r.kind === 'open'), write: 'yes' }, /write intent/],
    [
      'the guard counting what it let through',
      { guardErrors: 2, cgroupId: 9, container: 'abc' },
      /let 2 opens or execs through unjudged since it started \(abc\)/,
    ],
    ['the guard losing reports', { guardLost: 5 }, /lost 5 reports/],
  ];
  it.each(cases)('skips %s with a reason', (_name, record, reason) => {
    const c = sensorSource.convert(record, 3);
    expect('skip' in c ? c.skip : 'converted').toMatch(reason);
  });

  it.each([
    ['a relative file name and no resolved path', { filename: 'x', path: 'bin/x' }],
    ['a NUL in the path', { filename: '/bin/a\u0000b', path: '/x\u0000' }],
    ['only a handle on the file', { filename: '/proc/self/exe', path: undefined }],
  ])('keeps an exec with %s, without a path', (_name, fields) => {
    const c = sensorSource.convert({ ...exec, ...fields }, 2);
    if (!('events' in c)) throw new Error(c.skip);
    expect(c.events[0]!.process.path).toBeUndefined();
    expect(c.events[0]!.process.inode).toBe(exec.ino);
  });

  it.each([
    ['an unknown socket type', { type: 'seqpacket', protocol: 'sctp' }, 'other'],
    ['a raw socket of any protocol', { type: 'raw', protocol: 'tcp' }, 'raw'],
    ['an ICMPv6 ping socket', { type: 'dgram', protocol: 'icmpv6' }, 'icmp'],
  ])('names %s in the model protocols', (_name, fields, protocol) => {
    const c = sensorSource.convert({ ...RECORDED_NET.find((r) => r.kind === 'socket'), ...fields }, 1);
    if (!('events' in c)) throw new Error(c.skip);
    expect(c.events[0]).toMatchObject({ kind: 'send', protocol, origin: { what: `socket ${protocol}` } });
  });

  it('drops what is out of range rather than carrying it into the event', () => {
    const c = sensorSource.convert({ ...exec, pid: -1, uid: 1.5, argv: ['a', 3], origin: 'elsewhere', ino: '12' }, 1);
    if (!('events' in c)) throw new Error(c.skip);
    const p = c.events[0]!.process;
    expect([p.pid, p.uid, p.argv, p.origin]).toEqual([undefined, undefined, undefined, undefined]);
    expect(checkEvent(JSON.parse(JSON.stringify(c.events[0])) as unknown).ok).toBe(true);
  });
});
