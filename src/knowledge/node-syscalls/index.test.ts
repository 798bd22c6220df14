import { describe, expect, test } from 'vitest';
import { candidateIds, checkTrace, parseStrace } from '../../../scripts/node-syscalls/lib.mjs';
import { FORBIDDEN_SYSCALLS, loadKnowledge } from '../index.js';
import node20 from './node20.json' with { type: 'json' };
import {
  aarch64Name,
  aarch64Names,
  candidateApiIds,
  loadNodeSyscallMap,
  NodeSyscallMapError,
  parseNodeSyscallMap,
  syscallsFor,
} from './index.js';

const map = loadNodeSyscallMap(20);
const moduleOf = (api: string): string => api.slice(0, api.indexOf('.'));

/** Modules whose `<module>.*` superset must also cover a sub-module's entries. */
const PARENT: Record<string, string> = {
  'fs/promises': 'fs',
  'dns/promises': 'dns',
  'timers/promises': 'timers',
  'stream/promises': 'stream',
  'stream/web': 'stream',
  'readline/promises': 'readline',
};

describe('the Node.js 20 map', () => {
  test('validates and is sizeable', () => {
    expect(map.node).toBe('20');
    expect(map.entries.size).toBeGreaterThan(500);
    for (const [id, e] of map.entries) {
      expect(e.api).toBe(id);
      expect(e.source).toMatch(/^https:\/\//);
    }
  });

  test('covers every built-in module the analysis reports, each with a superset', () => {
    const modules = [
      'fs',
      'fs/promises',
      'net',
      'http',
      'https',
      'http2',
      'tls',
      'dgram',
      'dns',
      'child_process',
      'cluster',
      'worker_threads',
      'crypto',
      'zlib',
      'os',
      'process',
      'stream',
      'timers',
      'readline',
      'perf_hooks',
      'v8',
      'vm',
      'inspector',
      'events',
      'buffer',
      'url',
      'path',
      'util',
      'querystring',
      'string_decoder',
      'assert',
      'async_hooks',
      'global',
    ];
    for (const m of modules) expect(map.entries.has(`${m}.*`), `${m}.*`).toBe(true);
  });

  test('every <module>.* superset contains all of that module’s entries (and its sub-modules’)', () => {
    for (const [id, e] of map.entries) {
      if (id.endsWith('.*')) continue;
      for (const m of [moduleOf(id), PARENT[moduleOf(id)]]) {
        if (m === undefined) continue;
        const superset = new Set(map.entries.get(`${m}.*`)?.syscalls ?? []);
        const missing = e.syscalls.filter((s) => !superset.has(s));
        expect(missing, `${m}.* lacks what ${id} needs`).toEqual([]);
      }
    }
  });

  test('no entry contains a forbidden syscall or repeats the floor', () => {
    const forbidden = new Set(FORBIDDEN_SYSCALLS);
    expect(map.floorGroups).toEqual(['node-floor']);
    const floor = new Set(
      loadKnowledge()
        .syscallGroups.filter((g) => map.floorGroups.includes(g.id))
        .flatMap((g) => g.syscalls),
    );
    expect(floor.size).toBeGreaterThan(40);
    for (const [id, e] of map.entries) {
      expect(
        e.syscalls.filter((s) => forbidden.has(s)),
        id,
      ).toEqual([]);
      expect(
        e.syscalls.filter((s) => floor.has(s)),
        `${id} repeats the floor`,
      ).toEqual([]);
    }
  });

  test('pure-JavaScript modules add nothing; the I/O modules add what libuv calls', () => {
    for (const id of [
      'events.*',
      'buffer.*',
      'url.*',
      'path.*',
      'util.*',
      'querystring.*',
      'string_decoder.*',
      'assert.*',
      'async_hooks.*',
      'stream.*',
      'vm.*',
      'timers.*',
    ]) {
      expect(map.entries.get(id)?.syscalls, id).toEqual([]);
    }
    expect(syscallsFor(map, 'fs.watch')?.syscalls).toEqual(['getdents64', 'inotify_add_watch', 'inotify_init1', 'inotify_rm_watch']);
    expect(syscallsFor(map, 'fs.copyFile')?.syscalls).toEqual(expect.arrayContaining(['copy_file_range', 'fchmod']));
    expect(syscallsFor(map, 'net.Server#listen')?.syscalls).toEqual(expect.arrayContaining(['accept4', 'bind', 'listen', 'socket']));
    expect(syscallsFor(map, 'child_process.spawn')?.syscalls).toEqual(expect.arrayContaining(['socketpair', 'wait4', 'fork', 'vfork']));
    expect(syscallsFor(map, 'os.networkInterfaces')?.syscalls).toEqual(expect.arrayContaining(['socket', 'bind', 'recvmsg']));
    expect(syscallsFor(map, 'process.kill')?.syscalls).toEqual(['kill']);
    expect(syscallsFor(map, 'crypto.randomBytes')?.syscalls).toEqual([]);
  });

  test('entries list what the generic libc floor used to hide and node-floor does not hold', () => {
    // Re-based on node-floor: these calls were libc-floor names, so older entries left them out.
    const cases: [api: string, names: string[]][] = [
      ['fs.readdir', ['getdents64']],
      ['fs/promises.opendir', ['getdents64']],
      ['fs.rm', ['getdents64']],
      ['fs.readv', ['preadv', 'readv']],
      ['fs.writev', ['pwritev', 'writev']],
      ['fs.createWriteStream', ['writev']],
      ['fs.copyFile', ['copy_file_range', 'sendfile']],
      ['fs.statfs', ['statfs']],
      ['process.chdir', ['chdir']],
      ['process.umask', ['umask']],
      ['process.cpuUsage', ['getrusage']],
      ['process.title', ['prctl']],
      ['process.ppid', ['getppid']],
      ['os.getPriority', ['getpriority']],
      ['child_process.spawn', ['chdir', 'dup2']],
      ['http.createServer', ['lseek', 'writev']],
      ['net.Socket#write', ['writev']],
      ['dns.lookup', ['lseek']],
    ];
    for (const [api, names] of cases) expect(syscallsFor(map, api)?.syscalls, api).toEqual(expect.arrayContaining(names));
  });

  test('a plain HTTP server stays within 90 syscalls: runc-bootstrap ∪ node-floor ∪ its three API entries', () => {
    const kb = loadKnowledge();
    const set = new Set(['runc-bootstrap', ...map.floorGroups].flatMap((id) => kb.syscallGroups.find((g) => g.id === id)?.syscalls ?? []));
    for (const api of ['http.createServer', 'http.Server#listen', 'net.Server#listen'])
      for (const s of syscallsFor(map, api)?.syscalls ?? []) set.add(s);
    expect(set.size).toBeLessThanOrEqual(90);
    expect([...set]).toEqual(expect.arrayContaining(['accept4', 'bind', 'epoll_pwait', 'execve', 'listen', 'socket', 'writev']));
  });

  test('the io_uring calls are never part of an entry (the emitter answers them ENOSYS; the thread-pool fallback is listed)', () => {
    for (const [id, e] of map.entries)
      expect(
        e.syscalls.filter((s) => s.startsWith('io_uring')),
        id,
      ).toEqual([]);
  });

  test('node-floor is the measured Node.js floor: inside libc-floor ∪ node-runtime, without what APIs bring', () => {
    const kb = loadKnowledge();
    const group = (id: string): string[] => kb.syscallGroups.find((g) => g.id === id)?.syscalls ?? [];
    const floor = group('node-floor');
    expect(kb.syscallGroups.find((g) => g.id === 'node-floor')?.layer).toBe('language-runtime');
    // Switching a Node.js app from libc-floor ∪ node-runtime to node-floor only ever narrows it.
    const wide = new Set([...group('libc-floor'), ...group('node-runtime')]);
    expect(floor.filter((s) => !wide.has(s))).toEqual([]);
    expect(floor).toEqual(
      expect.arrayContaining([
        'clone',
        'clone3',
        'epoll_pwait',
        'eventfd2',
        'execve',
        'exit_group',
        'futex',
        'openat',
        'pkey_alloc',
        'pkey_mprotect',
        'read',
        'rseq',
        'statx',
        'tgkill',
        'write',
      ]),
    );
    for (const api of [
      'socket',
      'bind',
      'listen',
      'accept4',
      'connect',
      'socketpair',
      'fork',
      'vfork',
      'wait4',
      'kill',
      'getdents64',
      'writev',
      'sendfile',
      'chdir',
      'umask',
      'mkdir',
      'unlink',
    ]) {
      expect(floor, api).not.toContain(api);
    }
    expect(floor.length).toBeLessThan(70);
  });

  test('node-runtime holds the measured floor, disjoint from libc-floor', () => {
    const kb = loadKnowledge();
    const group = (id: string): string[] => kb.syscallGroups.find((g) => g.id === id)?.syscalls ?? [];
    const libc = new Set(group('libc-floor'));
    expect(group('node-runtime').filter((s) => libc.has(s))).toEqual([]);
    expect(group('node-runtime')).toEqual(
      expect.arrayContaining(['clone', 'epoll_pwait', 'eventfd2', 'getsockname', 'getsockopt', 'pkey_alloc']),
    );
  });
});

describe('the Node.js 18 map (Debian bookworm)', () => {
  const m18 = loadNodeSyscallMap(18);
  const kb = loadKnowledge();
  const group = (id: string): string[] => kb.syscallGroups.find((g) => g.id === id)?.syscalls ?? [];

  test('validates, is counted beyond node18-floor and answers for the same ids as Node.js 20', () => {
    expect(m18.node).toBe('18');
    expect(m18.floorGroups).toEqual(['node18-floor']);
    expect([...m18.entries.keys()].sort()).toEqual([...map.entries.keys()].sort());
    for (const [id, e] of m18.entries) {
      expect(e.api).toBe(id);
      expect(e.source).toMatch(/^https:\/\//);
    }
  });

  test('node18-floor is a language-runtime group: node-floor plus libuv 1.44’s epoll_wait, without what APIs bring', () => {
    const g = kb.syscallGroups.find((x) => x.id === 'node18-floor');
    expect(g?.layer).toBe('language-runtime');
    const floor = group('node18-floor');
    expect(floor).toEqual(expect.arrayContaining([...group('node-floor'), 'epoll_wait', 'epoll_pwait']));
    expect(floor.filter((s) => !group('node-floor').includes(s))).toEqual(['epoll_wait']);
    for (const api of ['socket', 'bind', 'listen', 'accept4', 'fork', 'wait4', 'kill', 'getdents64', 'writev', 'lseek'])
      expect(floor, api).not.toContain(api);
  });

  test('supersets hold every entry of their module; no forbidden, io_uring or floor names', () => {
    const forbidden = new Set(FORBIDDEN_SYSCALLS);
    const floor = new Set(m18.floorGroups.flatMap(group));
    for (const [id, e] of m18.entries) {
      expect(
        e.syscalls.filter((s) => forbidden.has(s) || s.startsWith('io_uring') || floor.has(s)),
        id,
      ).toEqual([]);
      if (id.endsWith('.*')) continue;
      for (const mod of [moduleOf(id), PARENT[moduleOf(id)]]) {
        if (mod === undefined) continue;
        const superset = new Set(m18.entries.get(`${mod}.*`)?.syscalls ?? []);
        expect(
          e.syscalls.filter((s) => !superset.has(s)),
          `${mod}.* lacks what ${id} needs`,
        ).toEqual([]);
      }
    }
  });

  test('what Node.js 18 measured differently: os.cpus rewinds /proc/stat (lseek)', () => {
    expect(syscallsFor(m18, 'os.cpus')?.syscalls).toEqual(['lseek']);
    expect(syscallsFor(map, 'os.cpus')?.syscalls).toEqual([]);
  });

  test('a plain HTTP server stays within 90 syscalls', () => {
    const set = new Set(['runc-bootstrap', ...m18.floorGroups].flatMap(group));
    for (const api of ['http.createServer', 'http.Server#listen', 'net.Server#listen'])
      for (const s of syscallsFor(m18, api)?.syscalls ?? []) set.add(s);
    expect(set.size).toBeLessThanOrEqual(90);
    expect([...set]).toEqual(expect.arrayContaining(['accept4', 'bind', 'epoll_wait', 'listen', 'socket', 'writev']));
  });
});

describe('syscallsFor', () => {
  test.each([
    ['fs.readFile', 'fs.readFile'],
    ['fs.promises.readFile', 'fs/promises.readFile'],
    ['node:fs.promises.writeFile', 'fs/promises.writeFile'],
    ['fs.noSuchExport', 'fs.*'],
    ['fs.*', 'fs.*'],
    ['fs.promises', 'fs/promises.*'],
    ['net.Server#listen', 'net.Server#listen'],
    ['net.Socket#noSuchMethod', 'net.*'],
    ['global.fetch', 'global.fetch'],
  ])('%s is answered by %s', (api, entry) => {
    expect(syscallsFor(map, api)?.entry).toBe(entry);
  });

  test.each(['left-pad.x', 'nothing', '', '.', 'fs.', '.readFile', '__proto__.x', 'constructor.*', 'x'.repeat(100_000)])(
    'unknown or malformed %s is undefined',
    (api) => {
      expect(syscallsFor(map, api)).toBeUndefined();
    },
  );

  test('answers copies: a caller cannot change the map', () => {
    syscallsFor(map, 'fs.watch')?.syscalls.push('ptrace');
    expect(syscallsFor(map, 'fs.watch')?.syscalls).not.toContain('ptrace');
  });

  test('the generator asks for the same ids as the library', () => {
    for (const api of [
      'fs.readFile',
      'fs.promises.stat',
      'node:net.connect',
      'fs.promises',
      'fs.',
      'x',
      'global.fetch',
      'http.Server#listen',
      '',
    ]) {
      expect(candidateIds(api)).toEqual(candidateApiIds(api));
    }
  });
});

describe('loadNodeSyscallMap', () => {
  test('tells which floor groups its entries are counted beyond', () => {
    expect(loadNodeSyscallMap(20).floorGroups).toEqual(['node-floor']);
    const ids = new Set(loadKnowledge().syscallGroups.map((g) => g.id));
    for (const id of loadNodeSyscallMap(20).floorGroups) expect(ids.has(id), id).toBe(true);
  });

  test('falls back to the closest older map, else the oldest', () => {
    expect(loadNodeSyscallMap(22).node).toBe('20');
    expect(loadNodeSyscallMap(18).node).toBe('18');
    expect(loadNodeSyscallMap(19).node).toBe('18');
    expect(loadNodeSyscallMap(16).node).toBe('18');
    expect(loadNodeSyscallMap().node).toBe('20');
    expect(loadNodeSyscallMap(Number.NaN).node).toBe('20');
    expect(loadNodeSyscallMap(Number.POSITIVE_INFINITY).node).toBe('20');
  });

  test('rejects invalid files with every problem listed', () => {
    const bad = structuredClone(node20);
    bad.entries[0] = { api: 'fs.x', syscalls: ['write', 'read', 'read'], source: 'https://example.org/x' };
    bad.entries[1] = { api: 'fs.x', syscalls: [], source: 'https://example.org/x' };
    try {
      parseNodeSyscallMap(bad);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(NodeSyscallMapError);
      expect((err as NodeSyscallMapError).problems).toEqual(['fs.x: syscalls must be sorted and unique', 'fs.x: duplicate entry']);
    }
    for (const raw of [null, 42, 'x', {}, { ...node20, entries: [{ api: 'fs.x', syscalls: ['Bad Name'], source: 'http://x/' }] }]) {
      expect(() => parseNodeSyscallMap(raw)).toThrow(NodeSyscallMapError);
    }
  });
});

describe('aarch64Name', () => {
  test.each([
    ['open', ['openat']],
    ['stat', ['newfstatat']],
    ['lstat', ['newfstatat']],
    ['poll', ['ppoll']],
    ['epoll_wait', ['epoll_pwait']],
    ['pipe', ['pipe2']],
    ['dup2', ['dup3']],
    ['access', ['faccessat']],
    ['readlink', ['readlinkat']],
    ['unlink', ['unlinkat']],
    ['mkdir', ['mkdirat']],
    ['rename', ['renameat2']],
    ['fork', ['clone']],
    ['vfork', ['clone']],
    ['select', ['pselect6']],
    ['eventfd', ['eventfd2']],
    ['arch_prctl', []],
    ['openat', ['openat']],
    ['epoll_pwait', ['epoll_pwait']],
    ['constructor', ['constructor']],
    ['__proto__', ['__proto__']],
  ])('%s → %j', (x86, arm) => {
    expect(aarch64Name(x86)).toEqual(arm);
  });

  test('translates a list, sorted and without duplicates', () => {
    expect(aarch64Names(['stat', 'lstat', 'newfstatat', 'open', 'arch_prctl'])).toEqual(['newfstatat', 'openat']);
  });
});

describe('strace parsing and checking (the generator’s library)', () => {
  const sample = [
    '100 execve("/usr/bin/node", ["node"], 0x7ffd /* 3 vars */) = 0',
    '100 futex(0x1, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>',
    '101 epoll_pwait(3, [], 1024, 0, NULL, 8) = 0',
    '100 <... futex resumed>)              = 0',
    '101 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=102} ---',
    '102 +++ exited with 0 +++',
    '101 clone3({flags=CLONE_VM, exit_signal=0}, 88) = -1 ENOSYS (Function not implemented) (INJECTED)',
    'restart_syscall(<... resuming interrupted read ...>) = 0',
    '[pid   103] wait4(102, NULL, WNOHANG, NULL) = 102',
    'strace: Process 104 attached',
    '',
    'garbage (( )) ~~',
  ].join('\n');

  test('counts each call once, skipping resumed halves, signals, exits and strace messages', () => {
    expect(Object.fromEntries(parseStrace(sample))).toEqual({
      execve: 1,
      futex: 1,
      epoll_pwait: 1,
      clone3: 1,
      restart_syscall: 1,
      wait4: 1,
    });
  });

  test('never throws on hostile input', () => {
    for (const text of ['', '\n\n', '(', '123', '<... resumed>', '1 <... x resumed', 'a('.repeat(10_000), '\u0000\uffff']) {
      expect(() => parseStrace(text)).not.toThrow();
    }
  });

  test('reports what the answering entry lacks', () => {
    const r = checkTrace({
      api: 'fs.watch',
      observed: ['openat', 'inotify_init1', 'inotify_add_watch', 'clone3', 'chmod'],
      baseline: ['openat'],
      floor: [],
      entries: { 'fs.watch': ['inotify_add_watch', 'inotify_init1'], 'fs.*': ['chmod'] },
      ignore: ['clone3'],
    });
    expect(r).toEqual({
      api: 'fs.watch',
      entry: 'fs.watch',
      beyondFloor: ['chmod', 'inotify_add_watch', 'inotify_init1'],
      lacking: ['chmod'],
      misses: ['chmod'],
    });
    expect(checkTrace({ api: 'nope.x', observed: ['bind'], baseline: [], floor: [], entries: {} }).misses).toEqual(['bind']);
  });

  test('what runc-bootstrap allows is not a miss, but the entry is still said to lack it', () => {
    const r = checkTrace({
      api: 'fs.readdir',
      observed: ['openat', 'getdents64', 'fstatfs'],
      floor: ['openat'],
      entries: { 'fs.readdir': [] },
      also: ['getdents64'],
    });
    expect(r.lacking).toEqual(['fstatfs', 'getdents64']);
    expect(r.misses).toEqual(['fstatfs']);
  });
});
