/** What each adapter makes of particular real records (test/corpus/events): the mapping, field by field. */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RuntimeEvent } from '../../model/events.js';
import { falcoSource } from './falco.js';
import { tetragonSource } from './tetragon.js';
import { traceeSource } from './tracee.js';
import type { EventSource } from './types.js';

const CORPUS = join(import.meta.dirname, '../../../test/corpus/events');
const lines = (f: string): unknown[] =>
  readFileSync(join(CORPUS, f), 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as unknown);
const file = (f: string): unknown => JSON.parse(readFileSync(join(CORPUS, f), 'utf8'));

function one(source: EventSource, record: unknown, line = 1): RuntimeEvent {
  const c = source.convert(record, line);
  if (!('events' in c)) throw new Error(`skipped: ${c.skip}`);
  expect(c.events).toHaveLength(1);
  return c.events[0]!;
}

describe('falco', () => {
  const alerts = lines('falco/falco-website-syscall-alerts.jsonl');
  it('a shell alert is an exec in its container, the command line split, the parent named', () => {
    expect(one(falcoSource, alerts[1], 2)).toEqual({
      kind: 'exec',
      time: '2021-04-10T19:27:21.002873265Z',
      container: { id: '97c9868ea832', image: 'alpine', pod: 'alpine', namespace: 'default' },
      process: { name: 'sh', argv: ['sh', '-c', 'uptime'] },
      ancestors: [{ name: 'runc' }],
      origin: { engine: 'falco', what: 'Terminal shell in container', line: 2 },
    });
  });
  it("a connection alert's fd.name tuple is a connect from the local to the remote side", () => {
    const e = one(falcoSource, alerts[2]);
    expect(e).toMatchObject({
      kind: 'connect',
      protocol: 'tcp',
      local: { address: '172.17.0.9', port: 43812 },
      remote: { address: '10.96.0.1', port: 443 },
    });
    expect(e.container).toEqual({
      id: '12fc4de5ccc3',
      image: 'devopps/falco-pod-delete:latest',
      pod: 'falco-pod-delete-7dc9f5fbb8-gbfk7',
      namespace: 'openfaas-fn',
    });
  });
  it('audit-log alerts and metrics snapshots are skipped, saying what they are', () => {
    for (const r of lines('falco/falco-website-k8saudit-alerts.jsonl'))
      expect(falcoSource.convert(r, 1)).toEqual({ skip: expect.stringContaining('audit') });
    for (const r of lines('falco/falco-website-metrics-snapshots.jsonl'))
      expect(falcoSource.convert(r, 1)).toEqual({ skip: expect.stringContaining('Falco internal') });
  });
  it('an explicit evt.type wins over the fields: an openat for writing is an open', () => {
    const r = {
      rule: 'r',
      time: '2024-01-01T00:00:00Z',
      output_fields: {
        'container.id': 'abc',
        'evt.type': 'openat',
        'fd.name': '/etc/ld.so.preload',
        'evt.is_open_write': true,
        'proc.exepath': '/bin/busybox',
      },
    };
    expect(one(falcoSource, r)).toMatchObject({ kind: 'open', path: '/etc/ld.so.preload', write: true, process: { path: '/bin/busybox' } });
  });
});

describe('tetragon', () => {
  it('process_exec: the pid inside the container, argv from binary and arguments, image digest, labels', () => {
    const e = one(tetragonSource, lines('tetragon/testdata-events.jsonl')[0]);
    expect(e).toMatchObject({
      kind: 'exec',
      process: { pid: 1, path: '/usr/bin/netserver', argv: ['/usr/bin/netserver', '-D'], cwd: '/', uid: 0 },
      container: {
        id: '19a02291e106ce6227b684197be232ea57c4e1a5ab2604a12608c325d701c7f4',
        runtime: 'containerd',
        name: 'spaceship',
        image: 'docker.io/tgraf/netperf:latest',
        imageDigest: 'sha256:8e86f744bfea165fd4ce68caa05abc96500f40130b857773186401926af7e9e6',
        namespace: 'default',
        pod: 'tiefighter',
      },
    });
    expect(e.container.labels).toMatchObject({ org: 'empire' });
    expect(e.ancestors?.[0]?.path).toBe('/usr/bin/containerd-shim-runc-v2');
  });
  it('kprobes: a write permission check is an open for writing, cap_capable a capability, setns a syscall', () => {
    const docs = lines('tetragon/docs-use-case-events.jsonl');
    expect(one(tetragonSource, docs[2])).toMatchObject({ kind: 'open', path: '/etc/passwd', write: true, process: { path: '/bin/vi' } });
    expect(one(tetragonSource, docs[15])).toMatchObject({ kind: 'privilege', op: 'capability', capability: 'CAP_SYSLOG' });
    expect(one(tetragonSource, docs[12])).toMatchObject({ kind: 'syscall', name: 'setns', process: { path: '/usr/bin/nsenter' } });
    expect(one(tetragonSource, docs[10])).toMatchObject({ kind: 'privilege', op: 'setuid', from: 11, to: 0, process: { path: '/tmp/su' } });
  });
  it('the older process_connect and process_listen records', () => {
    expect(one(tetragonSource, file('tetragon/soe-book/process-lifecycle/nc_process_connect.json'))).toMatchObject({
      kind: 'connect',
      protocol: 'tcp',
      remote: { address: '64.225.45.153', port: 443 },
      process: { path: '/usr/bin/nc' },
    });
    expect(one(tetragonSource, file('tetragon/soe-book/golden-signals/process_listen.json'))).toMatchObject({
      kind: 'listen',
      local: { address: '0.0.0.0', port: 9080 },
    });
  });
  it('host processes (no pod container) are skipped', () => {
    expect(tetragonSource.convert(lines('tetragon/docs-use-case-events.jsonl')[3], 4)).toEqual({
      skip: expect.stringContaining('not in a container'),
    });
  });
});

describe('tracee', () => {
  const events = lines('tracee/tracee-docs-events.jsonl');
  const placed = (r: unknown): unknown => ({ ...(r as object), containerId: 'f00dcafe0001' });
  it('signatures are detections, skipped with their id; host events are skipped', () => {
    expect(traceeSource.convert(events[0], 1)).toEqual({ skip: expect.stringContaining('TRC-1022') });
    expect(traceeSource.convert(events[9], 10)).toEqual({ skip: expect.stringContaining('not in a container') });
  });
  it('security_file_open with O_WRONLY|O_CREAT is an open for writing that creates; execve names path and argv', () => {
    expect(one(traceeSource, placed(events[9]))).toMatchObject({
      kind: 'open',
      path: '/tmp/testing.txt',
      write: true,
      create: true,
      process: { name: 'bash' },
    });
    expect(one(traceeSource, placed(events[15]))).toMatchObject({ kind: 'open', path: '/proc/meminfo', write: false });
    expect(one(traceeSource, placed(events[16]))).toMatchObject({
      kind: 'exec',
      process: { path: '/opt/cni/bin/bridge', argv: ['/opt/cni/bin/bridge'] },
    });
  });
  it('the v1beta1 shape: workload.container, data values wrapped in their type', () => {
    const r = {
      timestamp: '1700000000000000000',
      name: 'security_socket_connect',
      workload: {
        process: { pid: 7, executable: { path: '/usr/bin/curl' } },
        container: { id: 'abc123', name: 'web' },
        k8s: { pod: { name: 'web-1' }, namespace: { name: 'shop' } },
      },
      data: [{ name: 'remote_addr', value: { sockaddr: { sa_family: 'AF_INET', sin_addr: '10.0.0.5', sin_port: 5432 } } }],
    };
    expect(one(traceeSource, r)).toEqual({
      kind: 'connect',
      time: '2023-11-14T22:13:20.000000000Z',
      container: { id: 'abc123', name: 'web', pod: 'web-1', namespace: 'shop' },
      process: { pid: 7, path: '/usr/bin/curl' },
      origin: { engine: 'tracee', what: 'security_socket_connect', line: 1 },
      protocol: 'tcp',
      remote: { address: '10.0.0.5', port: 5432 },
    });
  });
});
