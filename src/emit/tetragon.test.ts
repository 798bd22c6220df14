import { describe, expect, it } from 'vitest';
import type { Charter } from '../model/charter.js';
import { emitTetragon } from './tetragon.js';
import { expectGolden } from './fixtures/golden.js';
import { sampleCharter, src } from './fixtures/sample-charter.js';
import { parseYamlStrict, schemaErrors } from './fixtures/enforcer-schemas.js';
import { HOSTILE_STRINGS, hostileCharter, manyProcessesCharter } from './fixtures/hostile-charter.js';
import type { EmitOptions } from './types.js';
import { podContainerName } from './enforcer-facts.js';

interface Policy {
  kind: string;
  metadata: { name: string; namespace?: string; annotations: Record<string, string> };
  spec: {
    podSelector: { matchLabels: Record<string, string> };
    containerSelector: unknown;
    kprobes: { call: string; selectors: { matchArgs: { operator: string; values: string[] }[]; matchActions: unknown[] }[] }[];
  };
}

function policies(charter: Charter, opts: EmitOptions = {}): Policy[] {
  const out = emitTetragon(charter, opts);
  expect(out.files.map((f) => f.name)).toEqual(['tetragon.yaml']);
  const docs = parseYamlStrict(out.files[0]?.content ?? '').filter((d) => d !== null) as Policy[];
  for (const d of docs) expect(schemaErrors('tetragon', d), d.metadata.name).toEqual([]);
  return docs;
}

function withWebProcesses(charter: Charter, processes: Charter['containers'][number]['processes']): Charter {
  const web = charter.containers.find((c) => c.name === 'web');
  if (web === undefined) throw new Error('fixture');
  web.processes = processes;
  return charter;
}

const ABSOLUTE = [
  { path: '/usr/local/bin/node', invokedAs: ['/usr/bin/node'], purpose: 'entrypoint' as const, sources: src('CMD node') },
  { path: '/bin/busybox', invokedAs: ['/bin/sh'], applets: ['sh'], purpose: 'healthcheck' as const, sources: src('HEALTHCHECK') },
];

describe('tetragon emitter', () => {
  it('matches the golden file', () => {
    expectGolden('tetragon', emitTetragon(withWebProcesses(sampleCharter(), ABSOLUTE), {}).files);
  });

  it('writes one namespaced policy per labelled container, selecting its pods and its container name', () => {
    const all = policies(sampleCharter());
    expect(all.map((p) => [p.kind, p.metadata.namespace, p.metadata.name])).toEqual([
      ['TracingPolicyNamespaced', 'shop', 'charter-shop-db'],
      ['TracingPolicyNamespaced', 'shop', 'charter-shop-web'],
    ]);
    expect(all[1]?.spec.podSelector).toEqual({ matchLabels: { app: 'shop-web', tier: 'frontend' } });
    expect(all[1]?.spec.containerSelector).toEqual({ matchExpressions: [{ key: 'name', operator: 'In', values: ['web'] }] });
    expect(
      emitTetragon(sampleCharter(), {})
        .warnings.filter((w) => w.code === 'emit.enforcer.no-selector')
        .map((w) => w.message),
    ).toEqual([expect.stringMatching(/^container batch: /)]);
  });

  it('selects the container by its pod-spec name, and without one holds every container of the pod, with a warning', () => {
    expect(policies(sampleCharter())[0]?.spec.containerSelector).toEqual({
      matchExpressions: [{ key: 'name', operator: 'In', values: ['postgres'] }],
    });
    const charter = sampleCharter();
    const db = charter.containers.find((c) => c.name === 'db');
    if (db === undefined) throw new Error('fixture');
    db.identity.sources = src('StatefulSet db');
    expect(policies(charter)[0]?.spec.containerSelector).toBeUndefined();
    expect(emitTetragon(charter, {}).warnings.map((w) => w.code)).toContain('emit.enforcer.container-name-unknown');
  });

  it('kills an exec of any file but the allowed paths, multi-call files included', () => {
    const [, web] = policies(withWebProcesses(sampleCharter(), ABSOLUTE));
    const exec = web?.spec.kprobes.find((k) => k.call === 'security_bprm_check');
    expect(exec?.selectors).toEqual([
      {
        matchArgs: [{ index: 0, operator: 'NotEqual', values: ['/bin/busybox', '/bin/sh', '/usr/bin/node', '/usr/local/bin/node'] }],
        matchActions: [{ action: 'Sigkill' }],
      },
    ]);
  });

  it('does not restrict exec when a process is known by name only: it would kill its own entrypoint', () => {
    const charter = withWebProcesses(sampleCharter(), [
      ...ABSOLUTE,
      { path: 'docker-entrypoint.sh', purpose: 'entrypoint', sources: src('ENTRYPOINT') },
    ]);
    const web = policies(charter).find((p) => p.metadata.name === 'charter-shop-web');
    expect(web?.spec.kprobes.map((k) => k.call)).toEqual(['tcp_connect']);
    expect(emitTetragon(charter, {}).warnings.find((w) => w.code === 'emit.enforcer.bare-names')?.severity).toBe('warning');
  });

  it('kills TCP connects to undeclared ports only where egress is enforced', () => {
    const web = policies(sampleCharter()).find((p) => p.metadata.name === 'charter-shop-web');
    expect(web?.spec.kprobes.find((k) => k.call === 'tcp_connect')?.selectors[0]?.matchArgs).toEqual([
      { index: 0, operator: 'NotDPort', values: ['53', '443', '5432'] },
      { index: 0, operator: 'NotDAddr', values: ['127.0.0.0/8', '::1/128'] },
    ]);
    const unknown = sampleCharter();
    const w = unknown.containers.find((c) => c.name === 'web');
    if (w === undefined) throw new Error('fixture');
    w.network.egressIntent = { state: 'unknown', sources: src('calls a service nothing declares') };
    expect(policies(unknown).find((p) => p.metadata.name === 'charter-shop-web')).toBeUndefined();
    expect(
      policies(unknown, { strict: true })
        .find((p) => p.metadata.name === 'charter-shop-web')
        ?.spec.kprobes.map((k) => k.call),
    ).toEqual(['tcp_connect']);
  });

  it('falls back to a cluster-wide TracingPolicy, with a warning, when the workload names no namespace', () => {
    const charter = sampleCharter();
    const db = charter.containers.find((c) => c.name === 'db');
    if (db === undefined) throw new Error('fixture');
    db.identity.workloads = [{ kind: 'StatefulSet', name: 'db' }];
    const p = policies(charter).find((x) => x.metadata.name === 'charter-shop-db');
    expect(p?.kind).toBe('TracingPolicy');
    expect(p?.metadata.namespace).toBeUndefined();
    expect(emitTetragon(charter, {}).warnings.map((w) => w.code)).toContain('emit.tetragon.cluster-wide');
  });

  it('keeps hostile values as data: valid YAML, valid policies, the exact paths', () => {
    const charter = hostileCharter();
    const all = policies(charter);
    expect(all.length).toBeGreaterThan(0);
    for (const p of all) {
      const c = charter.containers.find((x) => x.name === p.metadata.annotations['charter/container']);
      if (c === undefined) throw new Error(`no container for ${p.metadata.name}`);
      const exec = p.spec.kprobes.find((k) => k.call === 'security_bprm_check');
      const want = [...new Set(c.processes.flatMap((x) => [x.path, ...(x.invokedAs ?? [])]))].sort();
      expect([...(exec?.selectors[0]?.matchArgs[0]?.values ?? [])].sort()).toEqual(want);
    }
    expect(HOSTILE_STRINGS.length).toBe(charter.containers.length);
  });

  it('holds thousands of executables in one selector', () => {
    const [p] = policies(manyProcessesCharter(5000));
    expect(p?.spec.kprobes[0]?.selectors[0]?.matchArgs[0]?.values.length).toBe(5000);
  });
});

describe('podContainerName', () => {
  const c = (name: string, reasons: string[]): Charter['containers'][number] => ({
    ...sampleCharter().containers[0]!,
    name,
    identity: { aliases: [], workloads: [{ kind: 'Deployment', name: 'w' }], sources: reasons.map((r) => src(r)[0]!) },
  });
  it.each([
    ['api', ['container app of Deployment api in namespace default'], 'app'],
    ['api/sidecar', ['container sidecar of Deployment api in namespace default'], 'sidecar'],
    ['api/init:migrate', ['init container migrate of Deployment api in namespace default'], 'migrate'],
    ['api/sidecar', ['Deployment api'], 'sidecar'],
    ['api/init:migrate', ['Deployment api'], 'migrate'],
    ['api', ['Deployment api'], undefined],
    ['api', ['container a of Deployment api in namespace x', 'container b of Deployment api in namespace y'], undefined],
  ])('%s from %j is %s', (name, reasons, want) => {
    expect(podContainerName(c(name, reasons))).toBe(want);
  });
});
