import { describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter, Edge } from '../model/charter.js';
import { emitNetworkPolicy } from './network-policy.js';
import { parseYamlStream } from './internal.js';
import { expectGolden } from './fixtures/golden.js';
import { batchContainer, dbContainer, sampleCharter, shuffled, src, webContainer } from './fixtures/sample-charter.js';

type Policy = {
  metadata: { name: string; namespace?: string };
  spec: { podSelector: unknown; policyTypes: string[]; ingress: any[]; egress: any[] };
};

function policies(charter: Charter, container?: string): Policy[] {
  const out = emitNetworkPolicy(charter, container !== undefined ? { container } : {});
  expect(out.files.map((f) => f.name)).toEqual(['network-policy.yaml']);
  return parseYamlStream(out.files[0]?.content ?? '') as Policy[];
}

function policyOf(charter: Charter, name: string): Policy {
  const p = policies(charter, name)[0];
  if (p === undefined) throw new Error(`no policy for ${name}`);
  return p;
}

function charterOf(containers: ContainerCharter[], edges: Edge[] = []): Charter {
  return { ...sampleCharter(), containers, graph: { edges } };
}

const KUBE_DNS_RULE = {
  to: [
    {
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    },
  ],
  ports: [
    { port: 53, protocol: 'TCP' },
    { port: 53, protocol: 'UDP' },
  ],
};

describe('network-policy emitter', () => {
  it('matches the golden file', () => {
    expectGolden('network-policy', emitNetworkPolicy(sampleCharter(), {}).files);
  });

  it('writes one policy per container, both directions, selected by workload or container name', () => {
    const all = policies(sampleCharter());
    expect(all.map((p) => p.metadata.name)).toEqual(['charter-batch', 'charter-db', 'charter-web']);
    for (const p of all) expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(all.map((p) => p.spec.podSelector)).toEqual([
      { matchLabels: { app: 'batch' } },
      { matchLabels: { 'app.kubernetes.io/name': 'db' } },
      { matchLabels: { 'app.kubernetes.io/name': 'web' } },
    ]);
    expect(all[1]?.metadata.namespace).toBe('shop');
  });

  it('denies everything for a container without network', () => {
    const p = policyOf(sampleCharter(), 'batch');
    expect(p.spec.ingress).toEqual([]);
    expect(p.spec.egress).toEqual([]);
  });

  it('lets only the callers in, on the listened port, and lets the database call nobody', () => {
    const p = policyOf(sampleCharter(), 'db');
    expect(p.spec.ingress).toEqual([
      { from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'web' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
    ]);
    expect(p.spec.egress).toEqual([]);
  });

  it('opens a listened port no container calls, and lets the web API reach db and DNS', () => {
    const p = policyOf(sampleCharter(), 'web');
    expect(p.spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(p.spec.egress).toEqual([
      { to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      KUBE_DNS_RULE,
    ]);
  });

  it('cannot express a DNS-name peer: a comment and a warning instead', () => {
    const out = emitNetworkPolicy(sampleCharter(), {});
    expect(out.warnings.map((w) => [w.code, w.severity, w.file])).toEqual([['emit.netpol.dns-peer', 'warning', 'network-policy.yaml']]);
    expect(out.warnings[0]?.message).toContain('api.stripe.com');
    expect(out.files[0]?.content).toMatch(/^# egress to api\.stripe\.com on 443\/tcp cannot be expressed/m);
  });

  it('adds the DNS rule even when the only egress is a DNS name', () => {
    const web = webContainer();
    web.network.egress = web.network.egress.filter((r) => r.peer.kind === 'dns');
    expect(policyOf(charterOf([web]), 'web').spec.egress).toEqual([KUBE_DNS_RULE]);
  });

  it('writes CIDR peers as ipBlock and any-address peers without a peer list', () => {
    const web = webContainer();
    web.network.egress = [
      { peer: { kind: 'cidr', cidr: '10.20.0.0/16' }, port: 9000, protocol: 'tcp', sources: src('METRICS_URL') },
      { peer: { kind: 'any' }, port: 25, protocol: 'tcp', sources: src('SMTP') },
    ];
    web.network.ingress = [{ peer: { kind: 'cidr', cidr: '192.0.2.0/24' }, port: 8080, protocol: 'tcp', sources: src('LB range') }];
    const p = policyOf(charterOf([web]), 'web');
    expect(p.spec.egress).toEqual([
      { ports: [{ port: 25, protocol: 'TCP' }] },
      { to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ port: 9000, protocol: 'TCP' }] },
      KUBE_DNS_RULE,
    ]);
    expect(p.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  it('uses the peer listened ports for an edge without a port', () => {
    const web = webContainer();
    web.network.egress = [];
    const edges: Edge[] = [{ from: 'web', to: { kind: 'container', name: 'db' }, protocol: 'tcp', sources: src('depends_on') }];
    const charter = charterOf([web, dbContainer()], edges);
    expect(policyOf(charter, 'web').spec.egress[0]).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
  });

  it('selects a peer in another namespace by namespace too', () => {
    const db = dbContainer();
    db.identity.workloads = [{ kind: 'StatefulSet', name: 'db', namespace: 'data' }];
    const p = policyOf(charterOf([webContainer(), db], sampleCharter().graph.edges), 'web');
    expect(p.spec.egress[0]?.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } },
        podSelector: { matchLabels: { 'app.kubernetes.io/name': 'db' } },
      },
    ]);
  });

  it('warns about a peer container that is not in the profile, and about host networking', () => {
    const web = webContainer();
    web.privileges.hostNetwork = { value: true, sources: src('hostNetwork') };
    const out = emitNetworkPolicy(charterOf([web]), {});
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.netpol.dns-peer', 'emit.netpol.host-network', 'emit.netpol.unknown-peer']);
  });

  it('lets network.none win over edges, with a warning', () => {
    const batch = batchContainer();
    const edges: Edge[] = [{ from: 'batch', to: { kind: 'container', name: 'db' }, port: 5432, protocol: 'tcp', sources: src('DB_HOST') }];
    const out = emitNetworkPolicy(charterOf([batch, dbContainer()], edges), { container: 'batch' });
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.netpol.none-with-edges']);
    expect(policyOf(charterOf([batch, dbContainer()], edges), 'batch').spec.egress).toEqual([]);
  });

  it('is deterministic and ignores input order', () => {
    const a = emitNetworkPolicy(sampleCharter(), {});
    expect(emitNetworkPolicy(sampleCharter(), {})).toEqual(a);
    expect(emitNetworkPolicy(shuffled(sampleCharter()), {})).toEqual(a);
  });
});
