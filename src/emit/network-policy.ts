/**
 * `network-policy`: one Kubernetes NetworkPolicy (networking.k8s.io/v1) per container, allowing
 * the connections its charter and the application graph declare and denying the rest: all other
 * ingress, and all other egress where the intent is complete.
 *
 * Pods are selected by the labels their pod template carries (`identity.labels`); a container
 * without them is selected by a guessed label, with a warning, since a selector no pod carries
 * protects nothing. Egress is enforced only where the profile says the container's egress intent
 * is complete (or the user asks `strict`): an unknown intent enforced as a deny list would break
 * the application, so those policies restrict ingress only (README.md).
 */
import type { Charter, ContainerCharter, Diagnostic, Peer, Protocol } from '../model/charter.js';
import type { EmitOptions, EmitResult } from './types.js';
import {
  canonicalJson,
  compareJson,
  egressEnforced,
  info,
  openEgressReason,
  selectContainers,
  sortDiagnostics,
  warning,
  yamlDocument,
  yamlStream,
} from './internal.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { compareStrings } from '../util/sort.js';

const FILE = 'network-policy.yaml';

type K8sPeer = Record<string, unknown>;
interface K8sPort {
  port?: number;
  protocol: string;
}

/** The cluster DNS service as kubeadm, kOps and the managed offerings label it. */
const KUBE_DNS_PEER: K8sPeer = {
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
  podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
};
/**
 * Addresses outside the cluster and the private networks (RFC 1918, RFC 6598 shared, link-local
 * with the cloud metadata endpoint; IPv6 unique-local and link-local): where a named external peer is.
 */
const OUTSIDE_PRIVATE_RANGES: K8sPeer[] = [
  { ipBlock: { cidr: '0.0.0.0/0', except: ['10.0.0.0/8', '100.64.0.0/10', '169.254.0.0/16', '172.16.0.0/12', '192.168.0.0/16'] } },
  { ipBlock: { cidr: '::/0', except: ['fc00::/7', 'fe80::/10'] } },
];
const DNS_PORTS: K8sPort[] = [
  { port: 53, protocol: 'TCP' },
  { port: 53, protocol: 'UDP' },
];

function k8sProtocol(p: Protocol): string {
  return p.toUpperCase();
}

/** Label values: at most 63 characters of `[A-Za-z0-9_.-]`, alphanumeric at both ends. */
function labelValue(s: string): string {
  const v = s
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .slice(0, 63)
    .replace(/^[^A-Za-z0-9]+|[^A-Za-z0-9]+$/g, '');
  return v === '' ? 'unnamed' : v;
}

/** Object names: DNS-1123 subdomain, lower case. */
function objectName(s: string): string {
  const v = `charter-${s}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, 253)
    .replace(/[^a-z0-9]+$/, '');
  return v;
}

function firstWorkload(c: ContainerCharter | undefined): ContainerCharter['identity']['workloads'][number] | undefined {
  if (c === undefined) return undefined;
  return [...c.identity.workloads].sort((a, b) => compareJson(a, b))[0];
}

/**
 * The peer the profile builder adds for a container's configured resolver: in a cluster, the
 * cluster DNS Service (dnsPolicy ClusterFirst), so it compiles to the kube-dns rule.
 */
const RESOLVER = '@resolver';

interface Selection {
  matchLabels: Record<string, string>;
  /** True when the profile has no pod labels for the container and these are a convention. */
  guessed: boolean;
}

/**
 * The labels that select a container's pods: those every pod of it carries. Without them, the
 * old convention (`app.kubernetes.io/name: <first workload>`, else `app: <container name>`),
 * which the caller must warn about: real applications often label pods otherwise.
 */
function selectionFor(name: string, c: ContainerCharter | undefined): Selection {
  const labels = c?.identity.labels;
  if (labels !== undefined && Object.keys(labels).length > 0) {
    const sorted = Object.fromEntries(Object.entries(labels).sort(([a], [b]) => compareStrings(a, b)));
    return { matchLabels: sorted, guessed: false };
  }
  const w = firstWorkload(c);
  return { matchLabels: w !== undefined ? { 'app.kubernetes.io/name': labelValue(w.name) } : { app: labelValue(name) }, guessed: true };
}

function selectorText(labels: Record<string, string>): string {
  return Object.entries(labels)
    .map(([k, v]) => `${k}: ${v}`)
    .join(', ');
}

interface Context {
  byName: Map<string, ContainerCharter>;
  warnings: Diagnostic[];
}

/** The NetworkPolicyPeer for another container of the application. */
function containerPeer(name: string, ownNamespace: string | undefined, ctx: Context, from: string): K8sPeer {
  const c = ctx.byName.get(name);
  const sel = selectionFor(name, c);
  if (c === undefined) {
    ctx.warnings.push(
      warning(
        'emit.netpol.unknown-peer',
        FILE,
        `container ${from}: peer container ${name} is not in the profile; selected by ${selectorText(sel.matchLabels)}`,
      ),
    );
  } else if (sel.guessed) {
    ctx.warnings.push(
      warning(
        'emit.netpol.guessed-selector',
        FILE,
        `container ${from}: peer container ${name} has no pod labels in the profile; selected by ${selectorText(sel.matchLabels)}, which its pods may not carry`,
      ),
    );
  }
  const peer: K8sPeer = { podSelector: { matchLabels: sel.matchLabels } };
  const ns = firstWorkload(c)?.namespace;
  if (ns !== undefined && ownNamespace !== undefined && ns !== ownNamespace) {
    peer['namespaceSelector'] = { matchLabels: { 'kubernetes.io/metadata.name': ns } };
  }
  return peer;
}

/**
 * The other containers of the same pods (an init container, a sidecar): a policy selects pods,
 * not containers, so once one policy closes a pod's egress every container in it is held to the
 * union of their policies. Known by a shared workload.
 */
function podMates(c: ContainerCharter, all: readonly ContainerCharter[]): ContainerCharter[] {
  const own = new Set(c.identity.workloads.map((w) => canonicalJson(w)));
  if (own.size === 0) return [];
  return all.filter((o) => o.name !== c.name && o.identity.workloads.some((w) => own.has(canonicalJson(w))));
}

/** Why the container's egress stays open, or undefined when its policy closes it. */
function openEgress(c: ContainerCharter, all: readonly ContainerCharter[], opts: EmitOptions): string | undefined {
  if (!egressEnforced(c, opts)) return openEgressReason(c);
  // Closing a pod's egress for one container would deny what an open sibling calls.
  const open = podMates(c, all).filter((m) => !egressEnforced(m, opts));
  if (open.length === 0) return undefined;
  return `it shares its pod with ${open
    .map((m) => m.name)
    .sort(compareStrings)
    .join(', ')}, whose egress stays open (${openEgressReason(open[0]!)})`;
}

/** A connection one way, before grouping into rules. `peer` absent: any address. */
interface Flow {
  peer?: K8sPeer;
  ports: K8sPort[];
}

function sortPorts(ports: K8sPort[]): K8sPort[] {
  const unique = new Map(ports.map((p) => [canonicalJson(p), p]));
  return [...unique.values()].sort((a, b) => (a.port ?? -1) - (b.port ?? -1) || compareStrings(a.protocol, b.protocol));
}

/**
 * NetworkPolicy rules from flows: one rule per peer with all its ports; `any` flows become rules
 * without peers. A flow with a port-less entry allows all ports of that protocol.
 */
function rules(flows: Flow[], peerKey: 'from' | 'to'): Record<string, unknown>[] {
  const byPeer = new Map<string, { peer?: K8sPeer; ports: K8sPort[] }>();
  for (const f of flows) {
    const key = f.peer === undefined ? '*' : canonicalJson(f.peer);
    const entry = byPeer.get(key) ?? (f.peer !== undefined ? { peer: f.peer, ports: [] } : { ports: [] });
    entry.ports.push(...f.ports);
    byPeer.set(key, entry);
  }
  const out = [...byPeer.values()].map((e) => {
    const ports = sortPorts(e.ports).map((p) => (p.port === undefined ? { protocol: p.protocol } : { port: p.port, protocol: p.protocol }));
    return e.peer !== undefined ? { [peerKey]: [e.peer], ports } : { ports };
  });
  return out.sort(compareJson);
}

function portText(port: number | undefined, protocol: Protocol): string {
  return `${port ?? '*'}/${protocol}`;
}

interface Directed {
  peer: Peer;
  port?: number;
  protocol: Protocol;
}

function policyFor(c: ContainerCharter, charter: Charter, opts: EmitOptions, ctx: Context): string {
  const ownWorkload = firstWorkload(c);
  const namespace = ownWorkload?.namespace;
  const metadata = { name: objectName(c.name), ...(namespace !== undefined ? { namespace } : {}) };
  const selection = selectionFor(c.name, c);
  const podSelector = { matchLabels: selection.matchLabels };
  const notes: string[] = [];
  const warn = (code: DiagnosticCode, message: string): void => {
    notes.push(message);
    ctx.warnings.push(warning(code, FILE, `container ${c.name}: ${message}`));
  };
  if (selection.guessed) {
    warn(
      'emit.netpol.guessed-selector',
      `no pod labels in the profile (no pod template labels it); selected by ${selectorText(selection.matchLabels)}, which its pods may not carry: label them so, or edit the selector, else this policy selects no pod and protects nothing`,
    );
  }
  if (c.privileges.hostNetwork?.value === true) {
    warn('emit.netpol.host-network', 'the profile declares host networking; NetworkPolicies do not apply to host-network pods');
  }
  const whyOpen = openEgress(c, charter.containers, opts);
  const closeEgress = whyOpen === undefined;
  if (!closeEgress) {
    const message = `egress not restricted (no Egress policy type): ${whyOpen}; runtime learning bounded by the intent will close it, or emit with --strict to enforce the declared egress now`;
    notes.push(message);
    ctx.warnings.push(info('emit.netpol.egress-open', FILE, `container ${c.name}: ${message}`));
  }
  const policyTypes = closeEgress ? ['Ingress', 'Egress'] : ['Ingress'];

  if (c.network.none) {
    const hasEdges = charter.graph.edges.some((e) => e.from === c.name || (e.to.kind === 'container' && e.to.name === c.name));
    if (hasEdges) warn('emit.netpol.none-with-edges', 'network.none is set although the graph has edges for it; all traffic is denied');
    const comment = [`container ${c.name}: no network use declared, all traffic denied`, ...notes].join('\n');
    return yamlDocument(
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata,
        spec: { podSelector, policyTypes, ingress: [], ...(closeEgress ? { egress: [] } : {}) },
      },
      comment,
    );
  }

  // Ingress: callers from the graph and the container's own ingress rules, on the ports it listens on.
  const inbound: Directed[] = [
    ...charter.graph.edges
      .filter((e) => e.to.kind === 'container' && e.to.name === c.name)
      .map((e): Directed => ({
        peer: { kind: 'container', name: e.from },
        protocol: e.protocol,
        ...(e.port !== undefined ? { port: e.port } : {}),
      })),
    ...c.network.ingress.map((r): Directed => ({ peer: r.peer, protocol: r.protocol, ...(r.port !== undefined ? { port: r.port } : {}) })),
  ];
  const ingressFlows: Flow[] = [];
  const calledPorts = new Set<string>();
  for (const i of inbound) {
    const ports: K8sPort[] =
      i.port !== undefined
        ? [{ port: i.port, protocol: k8sProtocol(i.protocol) }]
        : c.network.listen.filter((l) => l.protocol === i.protocol).map((l) => ({ port: l.port, protocol: k8sProtocol(l.protocol) }));
    if (ports.length === 0) ports.push({ protocol: k8sProtocol(i.protocol) });
    for (const p of ports) calledPorts.add(canonicalJson(p));
    if (i.peer.kind === 'dns') {
      warn(
        'emit.netpol.dns-peer',
        `ingress from ${i.peer.name} on ${portText(i.port, i.protocol)} cannot be expressed (NetworkPolicy selects addresses, not names); not allowed`,
      );
      continue;
    }
    // An `any` peer is an entry point (a LoadBalancer, NodePort, Ingress): no `from`, open to every source.
    const peer: K8sPeer | undefined =
      i.peer.kind === 'container'
        ? containerPeer(i.peer.name, namespace, ctx, c.name)
        : i.peer.kind === 'cidr'
          ? { ipBlock: { cidr: i.peer.cidr } }
          : undefined;
    ingressFlows.push({ ...(peer !== undefined ? { peer } : {}), ports });
  }
  // A listened port no container of the application calls serves clients from outside it
  // (a load balancer, an ingress controller): it stays open to any source.
  for (const l of c.network.listen) {
    const p = { port: l.port, protocol: k8sProtocol(l.protocol) };
    if (calledPorts.has(canonicalJson(p))) continue;
    notes.push(`${portText(l.port, l.protocol)}: no caller inside the application, open to any source`);
    ingressFlows.push({ ports: [p] });
  }
  const ingress = rules(ingressFlows, 'from');

  if (!closeEgress) {
    const comment = [`container ${c.name}: admits only the callers its charter declares`, ...[...new Set(notes)].sort(compareStrings)].join(
      '\n',
    );
    return yamlDocument(
      { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata, spec: { podSelector, policyTypes, ingress } },
      comment,
    );
  }

  // Egress: the container's own egress rules and the graph's edges from it.
  const outbound: Directed[] = [
    ...c.network.egress.map((r): Directed => ({ peer: r.peer, protocol: r.protocol, ...(r.port !== undefined ? { port: r.port } : {}) })),
    ...charter.graph.edges
      .filter((e) => e.from === c.name)
      .map((e): Directed => ({ peer: e.to, protocol: e.protocol, ...(e.port !== undefined ? { port: e.port } : {}) })),
  ];
  const seenOut = new Set<string>();
  const egressFlows: Flow[] = [];
  // Names need the resolver: the profile lists it (`@resolver`); older profiles only name peers.
  let needsDns = false;
  for (const o of outbound) {
    const key = canonicalJson(o);
    if (seenOut.has(key)) continue;
    seenOut.add(key);
    if (o.peer.kind === 'dns' && o.peer.name === RESOLVER) {
      needsDns = true;
      continue;
    }
    if (o.peer.kind === 'dns' || o.peer.kind === 'container') needsDns = true;
    if (o.peer.kind === 'dns') {
      // A name outside the application (an API on the internet): NetworkPolicy selects addresses,
      // not names. Denying it would break a call the artifacts declare, so its port is opened to
      // the addresses outside the private ranges, and the warning says it is wider than the name.
      warn(
        'emit.netpol.dns-peer',
        `egress to ${o.peer.name} on ${portText(o.port, o.protocol)} is allowed to any address outside the private ranges (NetworkPolicy selects addresses, not names): an egress gateway or a CNI with DNS-name policies can narrow it to the name`,
      );
      const ports: K8sPort[] =
        o.port !== undefined ? [{ port: o.port, protocol: k8sProtocol(o.protocol) }] : [{ protocol: k8sProtocol(o.protocol) }];
      for (const peer of OUTSIDE_PRIVATE_RANGES) egressFlows.push({ peer, ports });
      continue;
    }
    let ports: K8sPort[];
    if (o.port !== undefined) ports = [{ port: o.port, protocol: k8sProtocol(o.protocol) }];
    else if (o.peer.kind === 'container') {
      // No port named: the peer's listened ports of that protocol.
      const target = ctx.byName.get(o.peer.name);
      ports = (target?.network.listen ?? [])
        .filter((l) => l.protocol === o.protocol)
        .map((l) => ({ port: l.port, protocol: k8sProtocol(l.protocol) }));
    } else ports = [];
    if (ports.length === 0) ports = [{ protocol: k8sProtocol(o.protocol) }];
    const peer: K8sPeer | undefined =
      o.peer.kind === 'container'
        ? containerPeer(o.peer.name, namespace, ctx, c.name)
        : o.peer.kind === 'cidr'
          ? { ipBlock: { cidr: o.peer.cidr } }
          : undefined;
    egressFlows.push({ ...(peer !== undefined ? { peer } : {}), ports });
  }
  const egress = rules(egressFlows, 'to');
  // The container's resolver is the cluster DNS: TCP and UDP 53 to kube-dns, not a name to warn about.
  if (needsDns) egress.push({ to: [KUBE_DNS_PEER], ports: DNS_PORTS });

  const comment = [
    `container ${c.name}: allows only the connections its charter declares`,
    ...[...new Set(notes)].sort(compareStrings),
  ].join('\n');
  return yamlDocument(
    {
      apiVersion: 'networking.k8s.io/v1',
      kind: 'NetworkPolicy',
      metadata,
      spec: { podSelector, policyTypes, ingress, egress },
    },
    comment,
  );
}

export function emitNetworkPolicy(charter: Charter, opts: EmitOptions): EmitResult {
  const ctx: Context = { byName: new Map(charter.containers.map((c) => [c.name, c])), warnings: [] };
  const docs = selectContainers(charter, opts).map((c) => policyFor(c, charter, opts, ctx));
  const seen = new Set<string>();
  const warnings = ctx.warnings.filter((w) => {
    const k = canonicalJson(w);
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { files: [{ name: FILE, content: yamlStream(docs) }], warnings: sortDiagnostics(warnings) };
}
