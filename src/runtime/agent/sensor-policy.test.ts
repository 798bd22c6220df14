/**
 * A charter compiled for the sensor: each kind of egress rule held exactly, widened (said in the
 * limits) or not at all (connects then not enforced); enforcement only in protect mode with a
 * complete egress intent and the ops the sensor has; executables and guarded paths from the
 * charter and the attack patterns.
 */
import { describe, expect, it } from 'vitest';
import { loadAttackPatterns } from '../../knowledge/attack-patterns.js';
import { API_VERSION, emptyContainer, type Charter, type ContainerCharter, type PeerRule, type Source } from '../../model/charter.js';
import type { Mode } from '../../model/verdicts.js';
import { compileCharter } from '../engine/compile.js';
import { GUARDED_DIRS, GUARDED_FILES, sensorPolicy, type PolicyInput, type SensorAbilities } from './sensor-policy.js';
import { abilitiesOf } from './sensor-ops.js';

const src: Source[] = [{ kind: 'compose', artifact: 'compose.yaml', line: 3, reason: 'declared' }];
const ALL: SensorAbilities = { refuseExec: true, killDrift: true, killApplets: true, files: true, dirs: true, guard: true, writes: true };
const NONE: SensorAbilities = abilitiesOf(new Set());

function container(name: string, edit: (c: ContainerCharter) => void = () => undefined): ContainerCharter {
  const c = emptyContainer(name);
  edit(c);
  return c;
}

function egress(peer: PeerRule['peer'], port?: number): PeerRule {
  return { peer, protocol: 'tcp', ...(port !== undefined ? { port } : {}), sources: src };
}

function charterOf(...containers: ContainerCharter[]): Charter {
  return {
    apiVersion: API_VERSION,
    kind: 'Charter',
    metadata: { name: 'shop', generator: 'test' },
    inputs: [],
    containers,
    graph: { edges: [] },
    diagnostics: [],
  };
}

const db = container('db', (c) => {
  c.network.none = false;
  c.network.listen = [{ port: 5432, protocol: 'tcp', sources: src }];
});

function api(rules: PeerRule[], intent: 'complete' | 'unknown' | 'unstated' = 'complete'): ContainerCharter {
  return container('api', (c) => {
    c.network.none = false;
    c.network.egress = rules;
    if (intent !== 'unstated') c.network.egressIntent = { state: intent, sources: src };
    c.processes = [
      { path: '/usr/local/bin/node', purpose: 'entrypoint', sources: src },
      { path: '/bin/busybox', invokedAs: ['/bin/sh'], applets: ['sh'], purpose: 'healthcheck', sources: src },
      { path: '/bin/busybox', invokedAs: ['/bin/wget'], applets: ['wget'], purpose: 'probe', sources: src },
    ];
  });
}

function policy(charter: Charter, name: string, over: Partial<Omit<PolicyInput, 'compiled' | 'container'>> = {}) {
  const compiled = compileCharter(charter);
  return sensorPolicy({
    compiled,
    container: compiled.containers.get(name)!,
    mode: 'protect' as Mode,
    peers: new Map([['db', ['10.89.0.3', 'fd00::3']]]),
    abilities: ALL,
    ...over,
  });
}

describe('egress allow set', () => {
  const rules = [
    egress({ kind: 'container', name: 'db' }, 5432),
    egress({ kind: 'cidr', cidr: '10.0.0.7/32' }, 8125),
    egress({ kind: 'cidr', cidr: '10.0.0.0/8' }, 9000),
    egress({ kind: 'dns', name: 'payments.example.com' }, 443),
    egress({ kind: 'dns', name: '@resolver' }, 53),
  ];
  const p = policy(charterOf(api(rules), db), 'api');

  it('holds each rule: a peer at its running addresses, a single address, ranges and names on any address, DNS always', () => {
    expect(p.connect.allow).toEqual([
      { port: 53 },
      { port: 443 },
      { port: 5432, address: '10.89.0.3' },
      { port: 5432, address: '127.0.0.1' },
      { port: 5432, address: '::1' },
      { port: 5432, address: 'fd00::3' },
      { port: 8125, address: '10.0.0.7' },
      { port: 9000 },
    ]);
    expect(p.connect.enforce).toBe(true);
  });

  it('says every widening, and that loopback is held to the ports the application listens on', () => {
    expect(p.limits).toEqual(
      expect.arrayContaining([
        '10.0.0.0/8 tcp/9000: allowed on any address (the sensor holds addresses, not ranges)',
        'payments.example.com tcp/443: allowed on any address (the sensor sees addresses, not names)',
        expect.stringMatching(/^loopback: allowed on the ports the application listens on \(5432\), refused on others/),
      ]),
    );
  });

  it('allows a peer declared on any port on the ports it listens on', () => {
    const q = policy(charterOf(api([egress({ kind: 'container', name: 'db' })]), db), 'api');
    expect(q.connect.allow).toContainEqual({ port: 5432, address: '10.89.0.3' });
    expect(q.connect.enforce).toBe(true);
    expect(q.limits).toContain('container db tcp/*: allowed on the ports db listens on (5432)');
  });

  it('allows nothing for a peer that does not run yet, and still enforces', () => {
    const q = policy(charterOf(api([egress({ kind: 'container', name: 'db' }, 5432)]), db), 'api', { peers: new Map() });
    expect(q.connect.allow.filter((e) => e.address !== undefined && !['127.0.0.1', '::1'].includes(e.address))).toEqual([]);
    expect(q.connect.enforce).toBe(true);
  });

  it.each([
    ['any address on any port', egress({ kind: 'any' }), /any address tcp\/\*.*nothing to refuse/],
    ['a range on any port', egress({ kind: 'cidr', cidr: '10.0.0.0/8' }), /cannot allow an address on every port/],
    ['a name on any port', egress({ kind: 'dns', name: 'x.example' }), /cannot allow a name/],
    ['a peer that listens on nothing, any port', egress({ kind: 'container', name: 'cache' }), /cache declares no listening port/],
  ])('does not enforce connects when the charter allows %s (never refuse what it allows)', (_, rule, why) => {
    const q = policy(charterOf(api([rule]), db, container('cache')), 'api');
    expect(q.connect.enforce).toBe(false);
    expect(q.limits.join('\n')).toMatch(why);
    expect(q.limits.join('\n')).toMatch(/connects are alerted, not refused/);
  });

  it('does not enforce connects when the egress intent is unknown or unstated', () => {
    const unknown = policy(charterOf(api(rules, 'unknown'), db), 'api');
    expect(unknown.connect.enforce).toBe(false);
    expect(unknown.limits).toContain('egress intent unknown: the charter lists a floor of its peers, so connects are alerted, not refused');
    const unstated = policy(charterOf(api(rules, 'unstated'), db), 'api');
    expect(unstated.connect.enforce).toBe(false);
    expect(unstated.limits[0]).toMatch(/does not say whether its egress is complete/);
  });

  it('enforces nothing and states no limit in monitor mode: the mode asked for no refusal', () => {
    const m = policy(charterOf(api(rules), db), 'api', { mode: 'monitor' });
    expect([m.connect.enforce, m.exec.enforce, m.files.enforce]).toEqual([false, false, false]);
    expect(m.limits).toEqual([]);
    expect(m.connect.allow).toEqual(p.connect.allow);
  });

  it('gives a container that declares no network only DNS and loopback', () => {
    const q = policy(charterOf(container('batch'), db), 'batch');
    expect(q.connect.allow).toEqual([{ port: 53 }, { port: 5432, address: '127.0.0.1' }, { port: 5432, address: '::1' }]);
  });
});

describe('executables', () => {
  it('lists every path a rule is run by, applets of one file merged', () => {
    const p = policy(charterOf(api([]), db), 'api');
    expect(p.exec.allow).toEqual([
      { path: '/bin/busybox', applets: ['sh', 'wget'], binary: 'busybox' },
      { path: '/bin/sh', applets: ['sh'], binary: 'busybox' },
      { path: '/bin/wget', applets: ['wget'], binary: 'busybox' },
      { path: '/usr/local/bin/node' },
    ]);
    expect(p.exec.enforce).toBe(true);
  });

  it('kills an applet the charter does not list before its first instruction in protect mode when the sensor can, and says which of the two kills it gets', () => {
    const p = policy(charterOf(api([]), db), 'api');
    expect(p.exec.killApplets).toBe(true);
    expect(p.limits).toContain(
      '/bin/busybox is allowed as a file: an applet the charter does not list (sh, wget are) is not refused, it is killed before its first instruction',
    );
    // Independent of connect enforcement: an unknown egress intent still kills applets at exec.
    expect(policy(charterOf(api([], 'unknown'), db), 'api').exec.killApplets).toBe(true);
    const cannot = policy(charterOf(api([]), db), 'api', { abilities: { ...ALL, killApplets: false } });
    expect(cannot.exec.killApplets).toBe(false);
    expect(cannot.limits).toContain(
      '/bin/busybox is allowed as a file: an applet the charter does not list (sh, wget are) is not refused, it is killed after it started',
    );
    expect(policy(charterOf(api([]), db), 'api', { mode: 'monitor' }).exec.killApplets).toBe(false);
    // Nothing to kill in a charter without a multi-call file.
    const plain = api([]);
    plain.processes = plain.processes.filter((r) => r.applets === undefined);
    expect(policy(charterOf(plain, db), 'api').exec.killApplets).toBe(false);
  });

  it('does not refuse execs without the ops, or when a rule has no path: the ladder kills after the fact, and the limits say so', () => {
    const noOps = policy(charterOf(api([]), db), 'api', { abilities: NONE });
    expect(noOps.exec.enforce).toBe(false);
    expect(noOps.limits).toContain('this sensor cannot refuse an exec: a program not allowed is killed after it started');
    const unpathed = api([]);
    unpathed.processes.push({ path: 'python', purpose: 'spawned', sources: src });
    const q = policy(charterOf(unpathed, db), 'api');
    expect(q.exec.enforce).toBe(false);
    expect(q.limits.join('\n')).toMatch(/process rules without a path \(python; no image was read\)/);
  });

  it('kills drift at exec only while connects are enforced (the loader acts only under enforcement), and says so otherwise', () => {
    expect(policy(charterOf(api([]), db), 'api').exec.killDrift).toBe(true);
    const unknown = policy(charterOf(api([], 'unknown'), db), 'api');
    expect(unknown.exec.killDrift).toBe(false);
    expect(unknown.limits.join('\n')).toMatch(/drift .* is killed after it started, not at exec/);
    expect(policy(charterOf(api([]), db), 'api', { mode: 'monitor' }).exec.killDrift).toBe(false);
    expect(policy(charterOf(api([]), db), 'api', { abilities: { ...ALL, killDrift: false } }).exec.killDrift).toBe(false);
  });
});

describe('guarded files and directories', () => {
  it('guards credentials and tokens, and the binary directories and /etc unless declared writable', () => {
    const writable = container('app', (c) => {
      c.filesystem.writable = [{ path: '/usr/local/bin/', kind: 'volume', sources: src }];
    });
    const p = policy(charterOf(writable), 'app');
    expect(p.files.guardFiles).toEqual([...GUARDED_FILES]);
    expect(p.files.guardDirs).toEqual(['/bin', '/sbin', '/usr/bin', '/usr/sbin', '/usr/local/sbin', '/etc']);
    expect(p.files.passReads).toEqual(['/etc/ld.so.cache']);
    expect(p.files.writes).toBe(true);
    expect(p.limits).toContain(
      "a write outside the declared writable paths is seen when its file is closed, not refused: the writer is killed (charter emit's --read-only refuses it)",
    );
    expect(policy(charterOf(writable), 'app', { abilities: { ...ALL, writes: false } }).files.writes).toBe(false);
    const rootWritable = container('app', (c) => {
      c.filesystem.writable = [{ path: '/', kind: 'volume', sources: src }];
    });
    expect(policy(charterOf(rootWritable), 'app').files.writes).toBe(false);
    expect(p.limits).toContain('/usr/local/bin is declared writable (or holds a writable path): writes below it are not guarded');
    expect(p.files.enforce).toBe(true);
    expect(policy(charterOf(writable), 'app', { abilities: NONE }).files.enforce).toBe(false);
  });

  it('guards no directory where the sensor cannot tell an exec there from a write, and says what catches a program written there', () => {
    const p = policy(charterOf(api([]), db), 'api', { abilities: { ...ALL, dirs: false } });
    expect(p.files.guardDirs).toEqual([]);
    expect(p.files.passReads).toEqual([]);
    expect(p.files.guardFiles).toEqual([...GUARDED_FILES]);
    expect(p.limits).toContain(
      'writes into /bin, /sbin, /usr/bin, /usr/sbin, /usr/local/bin, /usr/local/sbin, /etc are not guarded (the sensor cannot yet tell an exec of a program there from a write reliably); a program written there is refused at exec',
    );
  });

  it('guards what the attack patterns call an attack or drift, nothing else', () => {
    const patterns = loadAttackPatterns().patterns;
    const covered = (path: string, ids: string[]): boolean =>
      patterns
        .filter((p) => ids.includes(p.id))
        .some(
          (p) =>
            (p.match.paths ?? []).some((x) => x === path || x.startsWith(`${path}/`)) ||
            (p.match.pathPrefixes ?? []).some((x) => x === `${path}/` || path.startsWith(x)),
        );
    for (const f of GUARDED_FILES) expect(covered(f, ['credential-files', 'service-account-token']), f).toBe(true);
    for (const d of GUARDED_DIRS) expect(covered(d, ['binary-directory-write', 'dynamic-linker-hijack']), d).toBe(true);
  });

  it('lets raw sockets through when the charter declares CAP_NET_RAW', () => {
    const ping = container('pinger', (c) => {
      c.capabilities = [{ name: 'CAP_NET_RAW', sources: src }];
    });
    expect(policy(charterOf(ping), 'pinger').raw).toBe(true);
    expect(policy(charterOf(container('x')), 'x').raw).toBe(false);
  });
});
