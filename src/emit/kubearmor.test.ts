import { describe, expect, it } from 'vitest';
import type { Charter } from '../model/charter.js';
import { emitKubeArmor } from './kubearmor.js';
import { expectGolden } from './fixtures/golden.js';
import { sampleCharter, src } from './fixtures/sample-charter.js';
import { parseYamlStrict, schemaErrors } from './fixtures/enforcer-schemas.js';
import { hostileCharter, manyProcessesCharter } from './fixtures/hostile-charter.js';
import type { EmitOptions } from './types.js';
import { podContainerName } from './enforcer-facts.js';

interface Policy {
  metadata: { name: string; namespace?: string; annotations: Record<string, string> };
  spec: {
    selector: { matchLabels: Record<string, string> };
    action: string;
    process?: { matchPaths?: { path: string }[]; matchDirectories?: { dir: string; recursive: boolean }[]; action: string };
    file: { matchDirectories: { dir: string; recursive: boolean; readOnly?: boolean }[]; action: string };
    network?: { matchProtocols: { protocol: string; action?: string }[]; action?: string };
    capabilities?: { matchCapabilities: { capability: string }[]; action: string };
  };
}

function policies(charter: Charter, opts: EmitOptions = {}): Policy[] {
  const out = emitKubeArmor(charter, opts);
  expect(out.files.map((f) => f.name)).toEqual(['kubearmor.yaml']);
  const docs = parseYamlStrict(out.files[0]?.content ?? '').filter((d) => d !== null) as Policy[];
  for (const d of docs) expect(schemaErrors('kubearmor', d), d.metadata.name).toEqual([]);
  return docs;
}

function policyOf(charter: Charter, name: string, opts: EmitOptions = {}): Policy | undefined {
  return policies(charter, opts).find((p) => p.metadata.annotations['charter/container'] === name);
}

function web(charter: Charter): Charter['containers'][number] {
  const w = charter.containers.find((c) => c.name === 'web');
  if (w === undefined) throw new Error('fixture');
  return w;
}

const ABSOLUTE = [
  { path: '/usr/local/bin/node', invokedAs: ['/usr/bin/node'], purpose: 'entrypoint' as const, sources: src('CMD node') },
  { path: '/bin/busybox', invokedAs: ['/bin/sh'], applets: ['sh'], purpose: 'healthcheck' as const, sources: src('HEALTHCHECK') },
];

describe('kubearmor emitter', () => {
  it('matches the golden file', () => {
    const charter = sampleCharter();
    web(charter).processes = ABSOLUTE;
    expectGolden('kubearmor', emitKubeArmor(charter, {}).files);
  });

  it('selects the pods by their labels and the container by its name, in its namespace', () => {
    const p = policyOf(sampleCharter(), 'web');
    expect(p?.metadata.namespace).toBe('shop');
    expect(p?.spec.selector.matchLabels).toEqual({ app: 'shop-web', tier: 'frontend', 'kubearmor.io/container.name': 'web' });
    // The pod spec's name for the container, not the charter's (named after its workload).
    expect(policyOf(sampleCharter(), 'db')?.spec.selector.matchLabels['kubearmor.io/container.name']).toBe('postgres');
    expect(p?.spec.action).toBe('Allow');
    expect(policyOf(sampleCharter(), 'batch')).toBeUndefined();
  });

  it('allows only the executables by path, and none when a process is known by name only', () => {
    const charter = sampleCharter();
    web(charter).processes = ABSOLUTE;
    expect(policyOf(charter, 'web')?.spec.process?.matchPaths?.map((m) => m.path)).toEqual([
      '/bin/busybox',
      '/bin/sh',
      '/usr/bin/node',
      '/usr/local/bin/node',
    ]);
    web(charter).processes.push({ path: 'nginx', purpose: 'role', sources: src('role:nginx') });
    // Not restricted, yet listed: under an Allow policy an unlisted exec falls to the default posture.
    expect(policyOf(charter, 'web')?.spec.process).toEqual({ matchDirectories: [{ dir: '/', recursive: true }], action: 'Allow' });
    expect(emitKubeArmor(charter, {}).warnings.map((w) => w.code)).toContain('emit.enforcer.bare-names');
  });

  it('keeps reads allowed everywhere and writes only in the writable paths under a read-only root', () => {
    expect(policyOf(sampleCharter(), 'web')?.spec.file.matchDirectories).toEqual([
      { dir: '/', recursive: true, readOnly: true },
      { dir: '/app/uploads/', recursive: true },
      { dir: '/dev/', recursive: true },
      { dir: '/tmp/', recursive: true },
    ]);
    const charter = sampleCharter();
    web(charter).filesystem.readOnlyRoot = { value: false, sources: src('no readOnlyRootFilesystem') };
    expect(policyOf(charter, 'web')?.spec.file.matchDirectories[0]).toEqual({ dir: '/', recursive: true });
  });

  it('allows the declared protocols only where egress is enforced, and blocks all for a container without network', () => {
    expect(policyOf(sampleCharter(), 'web')?.spec.network?.matchProtocols).toEqual([{ protocol: 'tcp' }, { protocol: 'udp' }]);
    const unknown = sampleCharter();
    web(unknown).network.egressIntent = { state: 'unknown', sources: src('calls a service nothing declares') };
    expect(policyOf(unknown, 'web')?.spec.network).toBeUndefined();
    expect(policyOf(unknown, 'web', { strict: true })?.spec.network?.matchProtocols).toEqual([{ protocol: 'tcp' }, { protocol: 'udp' }]);
    const none = sampleCharter();
    const db = none.containers.find((c) => c.name === 'db');
    if (db === undefined) throw new Error('fixture');
    db.network = { none: true, listen: [], ingress: [], egress: [] };
    expect(policyOf(none, 'db')?.spec.network?.matchProtocols.map((m) => [m.protocol, m.action])).toEqual([
      ['tcp', 'Block'],
      ['udp', 'Block'],
      ['icmp', 'Block'],
      ['raw', 'Block'],
    ]);
  });

  it('allows the declared capabilities, warning about those KubeArmor cannot name', () => {
    const charter = sampleCharter();
    const db = charter.containers.find((c) => c.name === 'db');
    if (db === undefined) throw new Error('fixture');
    db.capabilities.push({ name: 'CAP_BPF', sources: src('bpf') });
    expect(policyOf(charter, 'db')?.spec.capabilities?.matchCapabilities.map((m) => m.capability)).toEqual([
      'chown',
      'dac_override',
      'fowner',
      'setgid',
      'setuid',
    ]);
    expect(emitKubeArmor(charter, {}).warnings.find((w) => w.code === 'emit.kubearmor.capability')?.message).toMatch(/CAP_BPF/);
  });

  it('keeps hostile values as data: valid YAML, valid policies, unsafe paths left out', () => {
    const charter = hostileCharter();
    const out = emitKubeArmor(charter, { strict: true });
    const all = policies(charter, { strict: true });
    expect(all.length).toBe(charter.containers.length);
    for (const p of all) {
      // eslint-disable-next-line no-control-regex
      for (const m of p.spec.process?.matchPaths ?? []) expect(m.path).not.toMatch(/[\u0000-\u001f]/);
      const c = charter.containers.find((x) => x.name === p.metadata.annotations['charter/container']);
      if (c === undefined) throw new Error(`no container for ${p.metadata.name}`);
      expect(p.spec.selector.matchLabels['kubearmor.io/container.name']).toBe(podContainerName(c));
    }
    expect(out.warnings.some((w) => w.code === 'emit.enforcer.unsafe-value')).toBe(true);
  });

  it('holds thousands of executables', () => {
    const [p] = policies(manyProcessesCharter(5000));
    expect(p?.spec.process?.matchPaths?.length).toBe(5000);
  });
});
