import { describe, expect, it } from 'vitest';
import { diffCharters, summarise } from './diff.js';
import { emptyContainer, type Charter, type ContainerCharter, type Source } from '../model/charter.js';

const src = (line: number): Source => ({ kind: 'dockerfile', artifact: 'Dockerfile', line, reason: 'test' });

function charter(...containers: ContainerCharter[]): Charter {
  return {
    apiVersion: 'charter/v1',
    kind: 'Charter',
    metadata: { name: 't', generator: 'test' },
    inputs: [],
    containers,
    graph: { edges: [] },
    diagnostics: [],
  };
}

function api(mut?: (c: ContainerCharter) => void): ContainerCharter {
  const c = emptyContainer('api');
  c.processes = [{ path: '/usr/local/bin/node', sha256: 'a'.repeat(64), purpose: 'entrypoint', sources: [src(3)] }];
  c.network.none = false;
  c.network.listen = [{ port: 8080, protocol: 'tcp', sources: [src(4)] }];
  c.syscalls.application = [{ name: 'accept4', sources: [src(4)] }];
  mut?.(c);
  return c;
}

describe('diffCharters', () => {
  it('finds nothing between identical charters', () => {
    const d = diffCharters(charter(api()), charter(api()));
    expect(d.changes).toEqual([]);
    expect(d.widened).toBe(false);
    expect(summarise(d)).toBe('no changes');
  });

  it('reports a new executable and a new egress as widening, with the new sources', () => {
    const v2 = api((c) => {
      c.processes.push({ path: '/bin/sh', purpose: 'spawned', sources: [src(9)] });
      c.network.egress.push({ peer: { kind: 'container', name: 'db' }, port: 5432, protocol: 'tcp', sources: [src(10)] });
    });
    const d = diffCharters(charter(api()), charter(v2));
    expect(d.widened).toBe(true);
    expect(d.changes.map((c) => [c.kind, c.op, c.subject])).toEqual([
      ['exec', 'added', '/bin/sh'],
      ['egress', 'added', 'db:5432/tcp'],
    ]);
    expect(d.changes[0]?.sources[0]?.line).toBe(9);
    expect(summarise(d)).toBe('api adds exec of /bin/sh, egress to db:5432/tcp');
  });

  it('an egress intent that becomes unknown widens (its egress can no longer be enforced); complete again narrows', () => {
    const complete = api((c) => (c.network.egressIntent = { state: 'complete', sources: [src(5)] }));
    const unknown = api((c) => (c.network.egressIntent = { state: 'unknown', sources: [src(6)] }));
    const d = diffCharters(charter(complete), charter(unknown));
    expect(d.changes.map((c) => [c.kind, c.op, c.subject, c.widens])).toEqual([
      ['network', 'changed', 'egress intent complete → unknown', true],
    ]);
    expect(d.changes[0]?.sources[0]?.line).toBe(6);
    expect(diffCharters(charter(unknown), charter(complete)).widened).toBe(false);
    // A profile written before egress intents compares equal.
    expect(diffCharters(charter(api()), charter(unknown)).changes).toEqual([]);
  });

  it('treats a replaced binary at the same path as changed and widening', () => {
    const v2 = api((c) => {
      c.processes[0] = { ...c.processes[0]!, sha256: 'b'.repeat(64) };
    });
    const d = diffCharters(charter(api()), charter(v2));
    expect(d.changes).toHaveLength(1);
    expect(d.changes[0]).toMatchObject({ kind: 'exec', op: 'changed', widens: true });
  });

  it('does not fail the gate when privileges are only removed', () => {
    const v2 = api((c) => {
      c.network.listen = [];
      c.syscalls.application = [];
    });
    const d = diffCharters(charter(api()), charter(v2));
    expect(d.widened).toBe(false);
    expect(d.changes.every((c) => c.op === 'removed')).toBe(true);
    expect(summarise(d)).toBe('no added privileges');
  });

  it.each([
    ['capability', (c: ContainerCharter) => void (c.capabilities = [{ name: 'CAP_NET_ADMIN', sources: [src(1)] }])],
    ['privilege', (c: ContainerCharter) => void (c.privileges.privileged = { value: true, sources: [src(1)] })],
    ['read-only-root', (c: ContainerCharter) => void (c.filesystem.readOnlyRoot = { value: false, sources: [src(1)] })],
    ['writable', (c: ContainerCharter) => void c.filesystem.writable.push({ path: '/etc', kind: 'volume', sources: [src(1)] })],
    ['syscall', (c: ContainerCharter) => void c.syscalls.application.push({ name: 'ptrace', sources: [src(1)] })],
    ['user', (c: ContainerCharter) => void (c.user = { name: '0', sources: [src(1)] })],
  ])('%s widening is caught', (kind, mut) => {
    const before = api((c) => (c.user = { name: '1000', sources: [src(2)] }));
    const after = api((c) => {
      c.user = { name: '1000', sources: [src(2)] };
      mut(c);
    });
    const d = diffCharters(charter(before), charter(after));
    expect(d.widened).toBe(true);
    expect(d.changes.some((c) => c.kind === kind && c.widens)).toBe(true);
  });

  it('reports added and removed containers', () => {
    const d = diffCharters(charter(api()), charter(api(), emptyContainer('debug')));
    expect(d.changes).toEqual([expect.objectContaining({ container: 'debug', kind: 'container', op: 'added', widens: true })]);
    const back = diffCharters(charter(api(), emptyContainer('debug')), charter(api()));
    expect(back.widened).toBe(false);
  });

  describe('across shared syscall groups', () => {
    const kbSrc = (id: string): Source => ({ kind: 'knowledge', artifact: 'charter-knowledge', kb: id, reason: 'test group' });
    const server = (syscalls: string[]): NonNullable<Charter['syscallGroups']>[number] => ({
      id: 'network-server',
      layer: 'application',
      syscalls,
      sources: [kbSrc('syscall-group:network-server')],
    });
    const grouped = (syscalls: string[], ref = true): Charter => ({
      ...charter(
        api((c) => {
          c.syscalls.application = [];
          if (ref) c.syscalls.groups = [{ group: 'network-server', sources: [src(4)] }];
        }),
      ),
      syscallGroups: [server(syscalls)],
    });

    it('catches a syscall a group newly brings in, naming the group', () => {
      const d = diffCharters(grouped(['accept4']), grouped(['accept4', 'ptrace']));
      expect(d.widened).toBe(true);
      expect(d.changes.map((c) => [c.kind, c.op, c.subject])).toEqual([['syscall', 'added', 'ptrace']]);
      expect(d.changes[0]?.sources.map((x) => x.kb ?? x.line)).toEqual([4, 'syscall-group:network-server']);
    });

    it('catches a container newly referencing a group', () => {
      const d = diffCharters(grouped(['accept4', 'bind'], false), grouped(['accept4', 'bind']));
      expect(d.changes.map((c) => [c.kind, c.op, c.subject, c.widens])).toEqual([
        ['syscall', 'added', 'accept4', true],
        ['syscall', 'added', 'bind', true],
      ]);
    });

    it('sees no change between a profile listing every syscall and the same profile with groups', () => {
      // The profile api() builds lists accept4 directly; the grouped one gets it from the group.
      expect(diffCharters(charter(api()), grouped(['accept4'])).changes).toEqual([]);
    });
  });
});
