import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../test-support/profile.js';
import rolesFile from './roles.json' with { type: 'json' };
import imagesFile from './images.json' with { type: 'json' };
import syscallGroupsFile from './syscall-groups.json' with { type: 'json' };
import {
  FORBIDDEN_SYSCALLS,
  KnowledgeError,
  checkKnowledge,
  loadKnowledge,
  matchImageCatalogue,
  matchRoles,
  normaliseImageRef,
  parseKnowledge,
} from './index.js';

const kb = loadKnowledge();
const group = (id: string): string[] => {
  const g = kb.syscallGroups.find((x) => x.id === id);
  if (!g) throw new Error(`no group ${id}`);
  return g.syscalls;
};

describe('knowledge base data', () => {
  it('loads, validates and has no cross-reference problems', () => {
    expect(checkKnowledge(kb)).toEqual([]);
  });

  it('has at least 30 roles, 20 of them not suspicious, and every category of the brief', () => {
    expect(kb.roles.length).toBeGreaterThanOrEqual(30);
    expect(kb.roles.filter((r) => !r.suspicious).length).toBeGreaterThanOrEqual(20);
    const categories = new Set(kb.roles.map((r) => r.category));
    for (const c of [
      'database',
      'cache',
      'broker',
      'web-server',
      'proxy',
      'language-runtime',
      'init',
      'shell',
      'network-tool',
      'package-manager',
      'debugger',
    ] as const) {
      expect(categories, c).toContain(c);
    }
  });

  it('marks exactly the shells, network tools, package managers and debuggers suspicious', () => {
    for (const r of kb.roles) {
      expect(r.suspicious, r.id).toBe(['shell', 'network-tool', 'package-manager', 'debugger'].includes(r.category));
      if (r.suspicious) {
        expect(r.capabilities, r.id).toEqual([]);
        expect(r.syscallGroups, r.id).toEqual([]);
      }
    }
  });

  it('never puts an escape syscall in any group', () => {
    const all = new Set(kb.syscallGroups.flatMap((g) => g.syscalls));
    for (const s of [
      'mount',
      'umount2',
      'pivot_root',
      'ptrace',
      'process_vm_readv',
      'process_vm_writev',
      'kexec_load',
      'kexec_file_load',
      'init_module',
      'finit_module',
      'delete_module',
      'bpf',
      'perf_event_open',
      'add_key',
      'keyctl',
      'request_key',
      'unshare',
      'setns',
      'swapon',
      'swapoff',
      'reboot',
      'syslog',
      'acct',
      'settimeofday',
      'clock_settime',
      'open_by_handle_at',
      'userfaultfd',
    ]) {
      expect(all.has(s), s).toBe(false);
      expect(FORBIDDEN_SYSCALLS).toContain(s);
    }
  });

  it('has the groups the profile builder asks for', () => {
    const ids = kb.syscallGroups.map((g) => g.id);
    for (const id of [
      'runc-bootstrap',
      'libc-floor',
      'node-runtime',
      'io-uring',
      'file-write',
      'file-metadata',
      'network-client',
      'network-server',
      'dns',
      'process',
      'threads',
      'ipc-shm',
      'privilege-drop',
      'timers',
    ]) {
      expect(ids).toContain(id);
    }
    expect(group('network-server')).toEqual(expect.arrayContaining([...group('network-client'), 'bind', 'listen', 'accept4']));
    expect(group('io-uring')).toEqual(['io_uring_enter', 'io_uring_register', 'io_uring_setup']);
    expect(group('node-runtime')).not.toContain('io_uring_setup');
    // The runc bootstrap set holds what plain programs never need, so the empirical test below can fail without it.
    expect(group('libc-floor')).not.toContain('fstatfs');
    expect(group('runc-bootstrap')).toContain('fstatfs');
  });

  it('keeps syscall lists sorted and free of duplicates', () => {
    for (const g of kb.syscallGroups) expect(g.syscalls, g.id).toEqual([...new Set(g.syscalls)].sort());
  });

  it('gives entrypoint-dropping databases the capabilities their entrypoints use', () => {
    const caps = (id: string): string[] => kb.roles.find((r) => r.id === id)?.capabilities ?? [];
    for (const id of ['postgres', 'mysql', 'mariadb', 'redis', 'mongodb']) {
      expect(caps(id), id).toEqual(['CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FOWNER', 'CAP_SETGID', 'CAP_SETUID']);
      expect(kb.roles.find((r) => r.id === id)?.egress, id).toBe('dns');
    }
    expect(caps('nginx')).toEqual(expect.arrayContaining(['CAP_NET_BIND_SERVICE', 'CAP_SETUID', 'CAP_SETGID']));
  });
});

describe('parseKnowledge', () => {
  const files = { roles: rolesFile, images: imagesFile, syscallGroups: syscallGroupsFile };
  const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

  it.each([
    [
      'an unknown syscall group',
      (f: typeof files) => {
        f.roles.roles[0]!.syscallGroups.push('no-such-group');
      },
      'unknown syscall group no-such-group',
    ],
    [
      'a duplicate role id',
      (f: typeof files) => {
        f.roles.roles[1]!.id = f.roles.roles[0]!.id;
      },
      'is not unique',
    ],
    [
      'a forbidden syscall',
      (f: typeof files) => {
        f.syscallGroups.syscallGroups[0]!.syscalls.push('ptrace');
      },
      'ptrace is forbidden',
    ],
    [
      'a non-https source',
      (f: typeof files) => {
        f.images.images[0]!.source = 'http://example.com/x';
      },
      'not an https URL',
    ],
    [
      'a schema violation',
      (f: typeof files) => {
        (f.roles.roles[0] as { egress: string }).egress = 'sometimes';
      },
      'roles: /roles/0/egress',
    ],
  ])('rejects %s', (_name, mutate, message) => {
    const f = clone(files);
    mutate(f);
    expect(() => parseKnowledge(f)).toThrow(KnowledgeError);
    expect(() => parseKnowledge(f)).toThrow(message);
  });
});

describe('normaliseImageRef', () => {
  it.each([
    ['docker.io/library/postgres:15-alpine', 'postgres'],
    ['postgres', 'postgres'],
    ['library/redis', 'redis'],
    ['registry.k8s.io/redis:e2e', 'redis'],
    ['gcr.io/google-samples/gb-frontend:v5', 'google-samples/gb-frontend'],
    ['registry.istio.io/release/examples-bookinfo-ratings-v1:1.20.3', 'release/examples-bookinfo-ratings-v1'],
    ['localhost/shop/api:1', 'shop/api'],
    ['localhost:5000/team/app@sha256:' + 'a'.repeat(64), 'team/app'],
    ['Bitnami/Redis:7.2', 'bitnami/redis'],
    ['', ''],
  ])('%s → %s', (ref, want) => {
    expect(normaliseImageRef(ref)).toBe(want);
  });
});

describe('matchRoles', () => {
  const ids = (q: Parameters<typeof matchRoles>[1]): string[] => matchRoles(kb, q).map((m) => `${m.role.id}:${m.via}:${m.value}`);

  it.each([
    [{ imageRef: 'docker.io/library/postgres:15-alpine' }, ['postgres:image:postgres']],
    [{ imageRef: 'registry.k8s.io/redis:e2e' }, ['redis:image:redis']],
    [{ imageRef: 'bitnami/redis' }, ['redis:image:bitnami/redis']],
    [{ imageRef: 'mariadb:10.6.4-focal' }, ['mariadb:image:mariadb']],
    [{ imageRef: 'mongo:4.2.0' }, ['mongodb:image:mongo']],
    [{ imageRef: 'gcr.io/google-samples/cassandra:v14' }, ['cassandra:image:google-samples/cassandra']],
    [{ imageRef: 'nginx:latest' }, ['nginx:image:nginx']],
    [{ packages: ['redis-server'] }, ['redis:package:redis-server']],
    [{ packages: ['postgresql-15', 'curl', 'libc6'] }, ['postgres:package:postgresql-15', 'curl:package:curl']],
    [{ executables: ['/usr/local/bin/node', 'sh'] }, ['node:executable:node', 'dash:executable:sh']],
    [{ imageRef: 'localhost/shop/api:1' }, []],
    [{ imageRef: 'dockersamples/examplevotingapp_vote' }, []],
    [{}, []],
  ])('%j', (query, want) => {
    expect(ids(query)).toEqual(want);
  });

  it('does not match a name that only shares a suffix without a slash', () => {
    expect(ids({ imageRef: 'myredis' })).toEqual([]);
    expect(ids({ imageRef: 'team/notpostgres:1' })).toEqual([]);
  });
});

describe('matchImageCatalogue', () => {
  const peers = (ref: string): string[] => matchImageCatalogue(kb, ref).flatMap((e) => e.egress.map((p) => `${p.name}:${p.port}`));

  it.each([
    ['gcr.io/google-samples/gb-frontend:v5', ['redis-master:6379', 'redis-replica:6379']],
    ['gcr.io/google_samples/gb-redisslave:v1', ['redis-master:6379']],
    ['registry.istio.io/release/examples-bookinfo-productpage-v1:1.20.3', ['details:9080', 'ratings:9080', 'reviews:9080']],
    ['docker.io/istio/examples-bookinfo-reviews-v2:1.20.3', ['ratings:9080']],
    ['registry.istio.io/release/examples-bookinfo-reviews-v3:1.20.3', ['ratings:9080']],
    ['registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3', []],
    ['dockersamples/examplevotingapp_vote', ['redis:6379']],
    ['dockersamples/examplevotingapp_worker', ['db:5432', 'redis:6379']],
    ['dockersamples/examplevotingapp_result:latest', ['db:5432']],
    ['selenium/node-chrome:4.0', ['selenium-hub:4442', 'selenium-hub:4443']],
    ['selenium/node-firefox:4.0', ['selenium-hub:4442', 'selenium-hub:4443']],
    ['postgres:15-alpine', []],
  ])('%s', (ref, want) => {
    expect(peers(ref)).toEqual(want);
  });

  it('knows the reviews-v1 image (no peers) rather than not knowing it', () => {
    expect(matchImageCatalogue(kb, 'registry.istio.io/release/examples-bookinfo-reviews-v1:1.20.3').map((e) => e.id)).toEqual([
      'bookinfo-reviews-v1',
    ]);
  });

  it('covers every application image of the Kubernetes corpus manifests', () => {
    const corpus = path.resolve(repoRoot, 'test/corpus/k8s');
    const files = readdirSync(corpus, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.yaml'));
    const refs = files.flatMap((f) =>
      [...readFileSync(path.join(corpus, f), 'utf8').matchAll(/image:\s*"?([^\s"#]+)/g)].map((m) => m[1] ?? ''),
    );
    const apps = refs.filter((r) => /gb-|bookinfo|examplevotingapp|selenium\/node/.test(r));
    expect(apps.length).toBeGreaterThanOrEqual(10);
    for (const ref of apps) expect(matchImageCatalogue(kb, ref).length, ref).toBe(1);
  });
});
