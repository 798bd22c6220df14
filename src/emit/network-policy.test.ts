import { describe, expect, it } from 'vitest';
import type { Charter, ContainerCharter, Edge } from '../model/charter.js';
import { emitNetworkPolicy } from './network-policy.js';
import { parseYamlStream } from './internal.js';
import { expectGolden } from './fixtures/golden.js';
import { batchContainer, dbContainer, sampleCharter, shuffled, src, webContainer } from './fixtures/sample-charter.js';
import { NetworkPolicyEvaluator, type PodEndpoint } from './network-policy-evaluator.js';
import type { EmitOptions } from './types.js';

type Policy = {
  metadata: { name: string; namespace?: string };
  spec: { podSelector: unknown; policyTypes: string[]; ingress: any[]; egress?: any[] };
};

function policies(charter: Charter, opts: EmitOptions = {}): Policy[] {
  const out = emitNetworkPolicy(charter, opts);
  expect(out.files.map((f) => f.name)).toEqual(['network-policy.yaml']);
  return parseYamlStream(out.files[0]?.content ?? '') as Policy[];
}

function policyOf(charter: Charter, name: string, opts: EmitOptions = {}): Policy {
  const p = policies(charter, { ...opts, container: name })[0];
  if (p === undefined) throw new Error(`no policy for ${name}`);
  return p;
}

function charterOf(containers: ContainerCharter[], edges: Edge[] = []): Charter {
  return { ...sampleCharter(), containers, graph: { edges } };
}

const WEB_LABELS = { app: 'shop-web', tier: 'frontend' };
const DB_LABELS = { app: 'shop-db' };

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

/** What a named external peer on 443 (the sample's api.stripe.com) compiles to: its port, outside the private ranges. */
const OUTSIDE_ON_443 = [
  {
    to: [{ ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } }],
    ports: [{ port: 443, protocol: 'TCP' }],
  },
  { to: [{ ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } }], ports: [{ port: 443, protocol: 'TCP' }] },
];

describe('network-policy emitter', () => {
  it('matches the golden file', () => {
    expectGolden('network-policy', emitNetworkPolicy(sampleCharter(), {}).files);
  });

  it('selects pods by the labels their pod template carries, and guesses (with a warning) only without them', () => {
    const all = policies(sampleCharter());
    expect(all.map((p) => p.metadata.name)).toEqual(['charter-batch', 'charter-db', 'charter-web']);
    expect(all.map((p) => p.spec.podSelector)).toEqual([
      { matchLabels: { app: 'batch' } },
      { matchLabels: DB_LABELS },
      { matchLabels: WEB_LABELS },
    ]);
    expect(all[1]?.metadata.namespace).toBe('shop');
    const out = emitNetworkPolicy(sampleCharter(), {});
    const guessed = out.warnings.filter((w) => w.code === 'emit.netpol.guessed-selector');
    expect(guessed.map((w) => w.message)).toEqual([expect.stringMatching(/^container batch: no pod labels .*selected by app: batch/)]);
    expect(out.files[0]?.content).toMatch(/^# no pod labels in the profile/m);
  });

  it('falls back to app.kubernetes.io/name of the workload, warned, when a workload has no labels', () => {
    const db = dbContainer();
    delete db.identity.labels;
    const out = emitNetworkPolicy(charterOf([webContainer(), db], sampleCharter().graph.edges), {});
    expect(out.warnings.filter((w) => w.code === 'emit.netpol.guessed-selector').map((w) => w.message)).toEqual([
      expect.stringMatching(/^container db: no pod labels .*app\.kubernetes\.io\/name: db/),
      expect.stringMatching(/^container web: peer container db has no pod labels/),
    ]);
    expect(policyOf(charterOf([webContainer(), db]), 'db').spec.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'db' } });
  });

  it('denies everything for a container without network whose intent is complete or not recorded', () => {
    const p = policyOf(sampleCharter(), 'batch');
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.spec.ingress).toEqual([]);
    expect(p.spec.egress).toEqual([]);
  });

  it('lets only the declared callers into the database (selected by their real labels), and the database call nobody', () => {
    const p = policyOf(sampleCharter(), 'db');
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.spec.ingress).toEqual([{ from: [{ podSelector: { matchLabels: WEB_LABELS } }], ports: [{ port: 5432, protocol: 'TCP' }] }]);
    expect(p.spec.egress).toEqual([]);
  });

  it('opens a listened port no container calls, and lets the web API reach db, its payment API and the cluster DNS', () => {
    const p = policyOf(sampleCharter(), 'web');
    expect(p.spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    expect(p.spec.egress).toEqual([
      ...OUTSIDE_ON_443,
      { to: [{ podSelector: { matchLabels: DB_LABELS } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      KUBE_DNS_RULE,
    ]);
  });

  it('keeps an entry point open: an ingress rule from any peer is a rule without from, on that port', () => {
    const web = webContainer();
    web.network.listen.push({ port: 9090, protocol: 'tcp', name: 'metrics', sources: src('containerPort 9090') });
    web.network.ingress = [{ peer: { kind: 'any' }, port: 8080, protocol: 'tcp', sources: src('Service web-external type LoadBalancer') }];
    // A load generator inside the application calls the same port: it must not narrow the entry point.
    const loadgen = { ...batchContainer(), name: 'loadgen' };
    const edges: Edge[] = [
      { from: 'loadgen', to: { kind: 'container', name: 'web' }, port: 8080, protocol: 'tcp', sources: src('FRONTEND_ADDR') },
      { from: 'loadgen', to: { kind: 'container', name: 'web' }, port: 9090, protocol: 'tcp', sources: src('METRICS_ADDR') },
    ];
    const p = policyOf(charterOf([web, loadgen], edges), 'web');
    expect(p.spec.ingress).toEqual([
      {
        from: [{ podSelector: { matchLabels: { app: 'loadgen' } } }],
        ports: [
          { port: 8080, protocol: 'TCP' },
          { port: 9090, protocol: 'TCP' },
        ],
      },
      { ports: [{ port: 8080, protocol: 'TCP' }] },
    ]);
  });

  it('treats the container resolver as the cluster DNS: a kube-dns rule and no warning about port 53', () => {
    const out = emitNetworkPolicy(sampleCharter(), {});
    const dnsWarnings = out.warnings.filter((w) => w.code === 'emit.netpol.dns-peer');
    expect(dnsWarnings.map((w) => w.message)).toEqual([expect.stringContaining('api.stripe.com')]);
    expect(out.warnings.some((w) => /@resolver|\b53\b/.test(w.message))).toBe(false);
    expect(out.files[0]?.content).toMatch(
      /^# egress to api\.stripe\.com on 443\/tcp is allowed to any address outside the private ranges/m,
    );
    expect(out.files[0]?.content).not.toMatch(/@resolver/);
  });

  it('opens a named external peer on its port to addresses outside the private ranges, as its warning says, and no wider', () => {
    const charter = sampleCharter();
    const out = emitNetworkPolicy(charter, {});
    const ev = new NetworkPolicyEvaluator(parseYamlStream(out.files[0]?.content ?? ''));
    const web: PodEndpoint = { kind: 'pod', name: 'web', namespace: 'shop', labels: WEB_LABELS };
    // api.stripe.com resolves to some public address: web reaches it on 443, on no other port,
    // and 443 of a private address (an internal service nothing declares) stays closed.
    expect(ev.allows({ from: web, to: { kind: 'external', ip: '198.51.100.20' }, port: 443 })).toBe(true);
    expect(ev.allows({ from: web, to: { kind: 'external', ip: '198.51.100.20' }, port: 80 })).toBe(false);
    expect(ev.allows({ from: web, to: { kind: 'external', ip: '10.1.2.3' }, port: 443 })).toBe(false);
    // And what is not warned about is allowed: the resolver.
    const dns: PodEndpoint = { kind: 'pod', name: 'coredns', namespace: 'kube-system', labels: { 'k8s-app': 'kube-dns' } };
    expect(ev.allows({ from: web, to: dns, port: 53, protocol: 'UDP' })).toBe(true);
  });

  it('adds the DNS rule for an old profile that names peers without listing the resolver', () => {
    const web = webContainer();
    web.network.egress = web.network.egress.filter((r) => r.peer.kind === 'container');
    expect(policyOf(charterOf([web, dbContainer()]), 'web').spec.egress).toContainEqual(KUBE_DNS_RULE);
  });

  it('writes CIDR peers as ipBlock and any-address peers without a peer list; no DNS when no name is called', () => {
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
    ]);
    expect(p.spec.ingress).toEqual([{ from: [{ ipBlock: { cidr: '192.0.2.0/24' } }], ports: [{ port: 8080, protocol: 'TCP' }] }]);
  });

  it('uses the peer listened ports for an edge without a port', () => {
    const web = webContainer();
    web.network.egress = [];
    const edges: Edge[] = [{ from: 'web', to: { kind: 'container', name: 'db' }, protocol: 'tcp', sources: src('depends_on') }];
    const charter = charterOf([web, dbContainer()], edges);
    expect(policyOf(charter, 'web').spec.egress?.[0]).toEqual({
      to: [{ podSelector: { matchLabels: DB_LABELS } }],
      ports: [{ port: 5432, protocol: 'TCP' }],
    });
  });

  it('selects a peer in another namespace by namespace too', () => {
    const db = dbContainer();
    db.identity.workloads = [{ kind: 'StatefulSet', name: 'db', namespace: 'data' }];
    const p = policyOf(charterOf([webContainer(), db], sampleCharter().graph.edges), 'web');
    // The rule to db (the others go to addresses outside the cluster and to the cluster DNS).
    const toDb = p.spec.egress?.find((r) => JSON.stringify(r.to ?? []).includes(JSON.stringify(DB_LABELS)));
    expect(toDb?.to).toEqual([
      {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'data' } },
        podSelector: { matchLabels: DB_LABELS },
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
    expect(out.warnings.map((w) => w.code)).toEqual(['emit.netpol.guessed-selector', 'emit.netpol.none-with-edges']);
    expect(policyOf(charterOf([batch, dbContainer()], edges), 'batch').spec.egress).toEqual([]);
  });

  it('is deterministic and ignores input order', () => {
    const a = emitNetworkPolicy(sampleCharter(), {});
    expect(emitNetworkPolicy(sampleCharter(), {})).toEqual(a);
    expect(emitNetworkPolicy(shuffled(sampleCharter()), {})).toEqual(a);
  });
});

describe('network-policy emitter: egress intent', () => {
  function unknownWeb(): ContainerCharter {
    const web = webContainer();
    web.network.egressIntent = { state: 'unknown', sources: src('REDIS_HOST is read from a variable nothing sets') };
    return web;
  }

  it('never enforces an unknown intent as a deny: ingress only, with a diagnostic that says why and what closes it', () => {
    const charter = charterOf([unknownWeb(), dbContainer()], sampleCharter().graph.edges);
    const p = policyOf(charter, 'web');
    expect(p.spec.policyTypes).toEqual(['Ingress']);
    expect(p.spec.egress).toBeUndefined();
    expect(p.spec.ingress).toEqual([{ ports: [{ port: 8080, protocol: 'TCP' }] }]);
    const out = emitNetworkPolicy(charter, { container: 'web' });
    const open = out.warnings.filter((w) => w.code === 'emit.netpol.egress-open');
    expect(open.map((w) => w.severity)).toEqual(['info']);
    expect(open[0]?.message).toMatch(
      /REDIS_HOST is read from a variable nothing sets.*runtime learning bounded by the intent will close it.*--strict/,
    );
    // Names it does not restrict are not "not allowed": no DNS-name warning for open egress.
    expect(out.warnings.map((w) => w.code)).not.toContain('emit.netpol.dns-peer');
  });

  it('treats a profile written before egressIntent as unknown', () => {
    const web = webContainer();
    delete web.network.egressIntent;
    const out = emitNetworkPolicy(charterOf([web, dbContainer()]), { container: 'web' });
    expect(out.warnings.find((w) => w.code === 'emit.netpol.egress-open')?.message).toMatch(/no egressIntent/);
    expect(policyOf(charterOf([web, dbContainer()]), 'web').spec.policyTypes).toEqual(['Ingress']);
  });

  it('--strict closes it anyway, to the declared list', () => {
    const charter = charterOf([unknownWeb(), dbContainer()], sampleCharter().graph.edges);
    const p = policyOf(charter, 'web', { strict: true });
    expect(p.spec.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(p.spec.egress).toEqual([
      ...OUTSIDE_ON_443,
      { to: [{ podSelector: { matchLabels: DB_LABELS } }], ports: [{ port: 5432, protocol: 'TCP' }] },
      KUBE_DNS_RULE,
    ]);
    expect(emitNetworkPolicy(charter, { strict: true }).warnings.map((w) => w.code)).not.toContain('emit.netpol.egress-open');
  });

  it('a container without network but with unknown intent keeps its ingress closed and its egress open', () => {
    const batch = batchContainer();
    batch.network.egressIntent = { state: 'unknown', sources: src('code reads its peer from a variable') };
    const p = policyOf(charterOf([batch]), 'batch');
    expect(p.spec).toEqual({ podSelector: { matchLabels: { app: 'batch' } }, policyTypes: ['Ingress'], ingress: [] });
  });

  it('keeps a pod egress open when any container of it (an init container, a sidecar) has open egress: a policy selects pods', () => {
    const web = webContainer();
    const init = { ...batchContainer(), name: 'web/init:migrate' };
    init.identity = { ...init.identity, workloads: web.identity.workloads, labels: web.identity.labels! };
    init.network = {
      none: false,
      listen: [],
      ingress: [],
      egress: [{ peer: { kind: 'dns', name: 'example.com' }, port: 443, protocol: 'tcp', sources: src('MIGRATIONS_URL') }],
    };
    init.network.egressIntent = { state: 'unknown', sources: src('MIGRATIONS_URL comes from a Secret') };
    const charter = charterOf([web, init, dbContainer()], sampleCharter().graph.edges);
    expect(policyOf(charter, 'web').spec.policyTypes).toEqual(['Ingress']);
    const out = emitNetworkPolicy(charter, { container: 'web' });
    expect(out.warnings.find((w) => w.code === 'emit.netpol.egress-open')?.message).toMatch(
      /shares its pod with web\/init:migrate, whose egress stays open \(its egress intent is unknown/,
    );
    // The database has its own pod: still closed.
    expect(policyOf(charter, 'db').spec.policyTypes).toEqual(['Ingress', 'Egress']);
    // Once the init container's intent is complete, the pod's egress is the union of both lists.
    init.network.egressIntent = { state: 'complete', sources: src('declared') };
    const closed = parseYamlStream(
      emitNetworkPolicy(charterOf([web, init, dbContainer()], sampleCharter().graph.edges), {}).files[0]?.content ?? '',
    );
    const ev = new NetworkPolicyEvaluator(closed);
    const pod: PodEndpoint = { kind: 'pod', name: 'web-1', namespace: 'shop', labels: WEB_LABELS };
    const db: PodEndpoint = { kind: 'pod', name: 'db-0', namespace: 'shop', labels: DB_LABELS };
    expect(ev.policiesFor(pod, 'Egress')).toHaveLength(2);
    expect(ev.allows({ from: pod, to: db, port: 5432 })).toBe(true);
    expect(ev.allows({ from: pod, to: db, port: 5433 })).toBe(false);
  });

  it('as the cluster judges it: the database accepts only its declared client; unknown egress still reaches the world', () => {
    const charter = charterOf([unknownWeb(), dbContainer(), { ...batchContainer(), name: 'batch' }], sampleCharter().graph.edges);
    const ev = new NetworkPolicyEvaluator(parseYamlStream(emitNetworkPolicy(charter, {}).files[0]?.content ?? ''));
    const web: PodEndpoint = { kind: 'pod', name: 'web-1', namespace: 'shop', labels: { ...WEB_LABELS, 'pod-template-hash': 'abc' } };
    const db: PodEndpoint = { kind: 'pod', name: 'db-0', namespace: 'shop', labels: DB_LABELS };
    const other: PodEndpoint = { kind: 'pod', name: 'x', namespace: 'shop', labels: { app: 'intruder' } };
    expect(ev.allows({ from: web, to: db, port: 5432 })).toBe(true);
    expect(ev.allows({ from: other, to: db, port: 5432 })).toBe(false);
    expect(ev.allows({ from: web, to: db, port: 22 })).toBe(false);
    expect(ev.allows({ from: db, to: web, port: 8080 })).toBe(false);
    expect(ev.allows({ from: db, to: { kind: 'external', ip: '203.0.113.9' }, port: 443 })).toBe(false);
    expect(ev.allows({ from: web, to: { kind: 'external', ip: '203.0.113.9' }, port: 443 })).toBe(true);
    expect(ev.allows({ from: { kind: 'external', ip: '203.0.113.9' }, to: web, port: 8080 })).toBe(true);
  });
});
