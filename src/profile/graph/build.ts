/**
 * The intended service graph of one application: who may connect to whom on which port, from
 * addresses in environment variables, compose depends_on/links, Marathon dependencies and the
 * image catalogue. A name is resolved through the application's services (Kubernetes Service
 * selectors, compose service names and aliases, Marathon app ids) to containers; a name that
 * resolves to nothing stays a DNS peer. Every edge keeps the declarations that made it.
 */
import type { Edge, Peer, PeerRule, Source } from '../../model/charter.js';
import type { ContainerDraft } from '../assemble.js';
import type { ServiceDecl } from '../../model/fragments.js';
import type { KnowledgeBase } from '../../knowledge/schema.js';
import { matchImageCatalogue } from '../../knowledge/index.js';
import { addressesIn, isAddressVariable } from './addresses.js';
import { RuleSet } from '../../util/rule-set.js';
import { compareStrings } from '../../util/sort.js';

interface Target {
  container: string;
  /** Container ports reachable through this name: service port → container port. */
  ports: { port: number; targetPort: number; protocol: 'tcp' | 'udp' | 'sctp' }[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

const labelKey = (k: string, v: string): string => `${k}\u0000${v}`;

function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
}

/** DNS names under which a Kubernetes Service answers. */
function serviceNames(name: string, scope: string | undefined): string[] {
  const ns = scope ?? 'default';
  return [name, `${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`];
}

export class NameIndex {
  private readonly byName = new Map<string, Target[]>();

  constructor(drafts: readonly ContainerDraft[], services: readonly ServiceDecl[]) {
    const byContainer = new Map(drafts.map((d) => [d.charter.name, d]));
    const containerPorts = (d: ContainerDraft): Target['ports'] =>
      d.charter.network.listen.map((p) => ({ port: p.port, targetPort: p.port, protocol: p.protocol }));
    // Pods by label pair and containers by alias, so matching 5,000 Services against 5,000 pods
    // looks at the pods that carry a selector's rarest pair, not at every pod for every Service.
    const byLabel = new Map<string, ContainerDraft[]>();
    const byAlias = new Map<string, ContainerDraft>();
    for (const d of drafts) {
      for (const [k, v] of Object.entries(d.labels)) {
        const key = labelKey(k, v);
        const list = byLabel.get(key);
        if (list) list.push(d);
        else byLabel.set(key, [d]);
      }
      for (const a of d.charter.identity.aliases) if (!byAlias.has(a)) byAlias.set(a, d);
    }
    for (const svc of services) {
      const targets: ContainerDraft[] = [];
      if (svc.selector) {
        const lists = Object.entries(svc.selector).map(([k, v]) => byLabel.get(labelKey(k, v)) ?? []);
        const candidates =
          lists.reduce<ContainerDraft[] | undefined>((min, l) => (min === undefined || l.length < min.length ? l : min), undefined) ?? [];
        for (const d of candidates) {
          if ((svc.scope === undefined || d.scopes.includes(svc.scope)) && selectorMatches(svc.selector, d.labels)) targets.push(d);
        }
      }
      for (const t of svc.targets ?? []) {
        const d = byContainer.get(t) ?? byAlias.get(t);
        if (d) targets.push(d);
      }
      for (const d of targets) {
        const ports: Target['ports'] =
          svc.ports.length > 0
            ? svc.ports.map((p) => ({ port: p.port, targetPort: resolveTargetPort(p.targetPort, p.port, d), protocol: p.protocol }))
            : containerPorts(d);
        for (const n of serviceNames(svc.name.toLowerCase(), svc.scope)) this.add(n, { container: d.charter.name, ports });
      }
    }
    // Containers answer to their own names too (compose service names are DNS names on the project network).
    for (const d of drafts) {
      for (const n of [d.charter.name, ...d.charter.identity.aliases]) {
        const name = n.toLowerCase();
        if (!this.byName.has(name)) this.add(name, { container: d.charter.name, ports: containerPorts(d) });
        const last = name.slice(name.lastIndexOf('/') + 1);
        // Marathon apps are reached by the last segment of their id (Mesos-DNS `<app>.marathon.mesos`).
        if (name.startsWith('/') && !this.byName.has(last)) this.add(last, { container: d.charter.name, ports: containerPorts(d) });
      }
    }
  }

  private add(name: string, t: Target): void {
    const list = this.byName.get(name) ?? [];
    if (!list.some((x) => x.container === t.container)) list.push(t);
    this.byName.set(name, list);
  }

  resolve(host: string): Target[] {
    const h = host.toLowerCase().replace(/\.$/, '');
    return this.byName.get(h) ?? this.byName.get(h.replace(/\.marathon\.mesos$/, '')) ?? [];
  }
}

function resolveTargetPort(targetPort: number | string | undefined, port: number, d: ContainerDraft): number {
  if (typeof targetPort === 'number') return targetPort;
  if (typeof targetPort === 'string') {
    if (/^\d+$/.test(targetPort)) return Number(targetPort);
    const named = d.charter.network.listen.find((p) => p.name === targetPort);
    if (named) return named.port;
  }
  return port;
}

interface Intent {
  from: ContainerDraft;
  host: string;
  port?: number;
  protocol: 'tcp' | 'udp';
  source: Source;
  /** When the name must resolve to count (weak evidence such as a bare `host:port` in any variable). */
  requireResolution: boolean;
}

function envIntents(d: ContainerDraft): Intent[] {
  const values = new Map<string, string>();
  for (const e of d.env) if (e.value !== undefined) values.set(e.name.toUpperCase(), e.value);
  const out: Intent[] = [];
  for (const e of d.env) {
    if (e.value === undefined) continue;
    for (const a of addressesIn(e.name, e.value, values)) {
      out.push({
        from: d,
        host: a.host,
        ...(a.port !== undefined ? { port: a.port } : {}),
        protocol: 'tcp',
        // A Secret's value finds the peer but is never printed.
        source: { ...e.source, reason: `${e.name}=${e.sensitive ? '(secret value)' : truncate(e.value)} (${a.form.replace('-', ' ')})` },
        requireResolution: !isAddressVariable(e.name) && a.form === 'host-port' && !a.host.includes('.'),
      });
    }
  }
  return out;
}

function truncate(v: string): string {
  // Never print credentials from connection strings into a profile.
  const masked = v.replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@').replace(/(password|pwd)=([^;\s]+)/gi, '$1=***');
  return masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
}

export interface GraphResult {
  edges: Edge[];
}

export function buildGraph(drafts: readonly ContainerDraft[], services: readonly ServiceDecl[], kb: KnowledgeBase): GraphResult {
  const index = new NameIndex(drafts, services);
  const intents: Intent[] = [];
  for (const d of drafts) {
    intents.push(...envIntents(d));
    for (const dep of d.dependsOn) {
      intents.push({ from: d, host: dep.name, protocol: 'tcp', source: dep.source, requireResolution: true });
    }
    if (d.charter.identity.image) {
      for (const entry of matchImageCatalogue(kb, d.charter.identity.image)) {
        for (const e of entry.egress) {
          intents.push({
            from: d,
            host: e.name,
            port: e.port,
            protocol: e.protocol,
            source: {
              kind: 'knowledge',
              artifact: 'charter-knowledge',
              kb: `image:${entry.id}`,
              reason: `${d.charter.identity.image} connects to ${e.name}:${e.port} (${entry.source})`,
            },
            requireResolution: false,
          });
        }
      }
    }
  }

  const edges = new RuleSet<Edge>((e) => [e.from, e.to, e.port ?? -1, e.protocol]);
  for (const it of intents) {
    const targets = index.resolve(it.host).filter((t) => t.container !== it.from.charter.name);
    if (targets.length === 0) {
      if (it.requireResolution || index.resolve(it.host).length > 0) continue;
      const to: Peer = IPV4.test(it.host) ? { kind: 'cidr', cidr: `${it.host}/32` } : { kind: 'dns', name: it.host };
      edges.add({
        from: it.from.charter.name,
        to,
        ...(it.port !== undefined ? { port: it.port } : {}),
        protocol: it.protocol,
        sources: [it.source],
      });
      continue;
    }
    for (const t of targets) {
      const to: Peer = { kind: 'container', name: t.container };
      // The connection lands on the container port behind the service port the client dialled.
      const mapped = it.port !== undefined ? t.ports.filter((p) => p.port === it.port || p.targetPort === it.port) : t.ports;
      const ports =
        mapped.length > 0 ? mapped : it.port !== undefined ? [{ port: it.port, targetPort: it.port, protocol: it.protocol }] : [];
      if (ports.length === 0) edges.add({ from: it.from.charter.name, to, protocol: it.protocol, sources: [it.source] });
      for (const p of ports) {
        edges.add({
          from: it.from.charter.name,
          to,
          port: p.targetPort,
          protocol: p.protocol === 'sctp' ? 'tcp' : p.protocol,
          sources: [it.source],
        });
      }
    }
  }
  return { edges: edges.values() };
}

/** Adds each edge as egress on its source and ingress on its target container. */
export function applyGraph(drafts: readonly ContainerDraft[], edges: readonly Edge[]): void {
  const byName = new Map(drafts.map((d) => [d.charter.name, d]));
  const egress = new Map<string, RuleSet<PeerRule>>();
  const ingress = new Map<string, RuleSet<PeerRule>>();
  const setFor = (m: Map<string, RuleSet<PeerRule>>, name: string, initial: PeerRule[]): RuleSet<PeerRule> => {
    let s = m.get(name);
    if (!s) {
      s = new RuleSet<PeerRule>((r) => [r.peer, r.port ?? -1, r.protocol]);
      s.addAll(initial);
      m.set(name, s);
    }
    return s;
  };
  for (const e of edges) {
    const from = byName.get(e.from);
    if (!from) continue;
    setFor(egress, e.from, from.charter.network.egress).add({
      peer: e.to,
      ...(e.port !== undefined ? { port: e.port } : {}),
      protocol: e.protocol,
      sources: e.sources,
    });
    if (e.to.kind === 'container') {
      const to = byName.get(e.to.name);
      if (to)
        setFor(ingress, e.to.name, to.charter.network.ingress).add({
          peer: { kind: 'container', name: e.from },
          ...(e.port !== undefined ? { port: e.port } : {}),
          protocol: e.protocol,
          sources: e.sources,
        });
    }
  }
  for (const [name, s] of egress) {
    const d = byName.get(name);
    if (d) d.charter.network.egress = s.values();
  }
  for (const [name, s] of ingress) {
    const d = byName.get(name);
    if (d) d.charter.network.ingress = s.values();
  }
}

export function sortEdges(edges: Edge[]): Edge[] {
  return [...edges].sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(JSON.stringify(a.to), JSON.stringify(b.to)) || (a.port ?? 0) - (b.port ?? 0),
  );
}
