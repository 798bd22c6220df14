/**
 * The intended service graph of one application: who may connect to whom on which port, from
 * addresses in environment variables, command lines and mounted configuration files, compose
 * depends_on/links, Marathon dependencies and the image catalogue. A name is resolved as the
 * platform resolves it (names.ts) to containers; a dotted name that resolves to nothing is a DNS
 * peer, a one-label name that resolves to nothing is reported and left out (an internal service
 * nothing declares is not an internet host). Every edge keeps the declarations that made it.
 */
import type { Diagnostic, Edge, Peer, PeerRule, Source } from '../../model/charter.js';
import type { ContainerDraft } from '../assemble.js';
import type { RouteDecl, ServiceDecl } from '../../model/fragments.js';
import type { KnowledgeBase, RoleEntry } from '../../knowledge/schema.js';
import { matchImageCatalogue } from '../../knowledge/index.js';
import { addressesIn, addressesInText, argumentValues, isAddressVariable, looksInternal, type Address } from './addresses.js';
import { NameIndex, type Target, type TargetPort } from './names.js';
import { RuleSet } from '../../util/rule-set.js';
import { compareStrings } from '../../util/sort.js';

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Addresses that name the container itself or every interface: a listen address, never a peer. */
const SELF = /^(localhost|0\.0\.0\.0|127(\.\d{1,3}){3}|::1?|\[::1?\])$/;

interface Intent {
  from: ContainerDraft;
  host: string;
  port?: number;
  protocol: 'tcp' | 'udp';
  source: Source;
  /** When the name must resolve to count (weak evidence such as a bare `host:port` in any variable). */
  requireResolution: boolean;
  /** compose depends_on / links, Marathon dependencies: a peer named without a port. */
  dependency?: boolean;
}

function intent(from: ContainerDraft, varName: string, a: Address, source: Source): Intent {
  return {
    from,
    host: a.host,
    ...(a.port !== undefined ? { port: a.port } : {}),
    protocol: 'tcp',
    source,
    requireResolution: !isAddressVariable(varName) && a.form === 'host-port' && !a.host.includes('.'),
  };
}

function envIntents(d: ContainerDraft): Intent[] {
  const values = new Map<string, string>();
  for (const e of d.env) if (e.value !== undefined) values.set(e.name.toUpperCase(), e.value);
  const out: Intent[] = [];
  for (const e of d.env) {
    if (e.value === undefined) continue;
    for (const a of addressesIn(e.name, e.value, values)) {
      // A Secret's value finds the peer but is never printed.
      const reason = `${e.name}=${e.sensitive ? '(secret value)' : truncate(e.value)} (${a.form.replace('-', ' ')})`;
      out.push(intent(d, e.name, a, { ...e.source, reason }));
    }
  }
  return out;
}

/** Addresses in the deployment's command line (`--db=postgres://db/x`, `-DSN=…@tcp(db:3306)/x`), after `$(VAR)` expansion. */
function commandIntents(d: ContainerDraft): Intent[] {
  const out: Intent[] = [];
  for (const f of d.fragments) {
    for (const cmd of f.commands) {
      if (cmd.purpose !== 'entrypoint') continue;
      const argv = cmd.expanded ?? cmd.argv;
      // Arguments alone (Kubernetes `args`, compose `command`) have no program word in front.
      for (const v of argumentValues(argv, cmd.replaces === 'cmd' ? 0 : 1)) {
        for (const a of addressesIn(v.name, v.value, new Map())) {
          const shown = cmd.sensitive ? '(holds a secret value)' : truncate(argv[v.index] ?? v.value);
          out.push(
            intent(d, v.name, a, { ...cmd.source, reason: `${cmd.source.reason}: argument ${shown} (${a.form.replace('-', ' ')})` }),
          );
        }
      }
    }
  }
  return out;
}

/** Addresses in the configuration files the deployment mounts (ConfigMap keys). */
function fileIntents(d: ContainerDraft): Intent[] {
  const out: Intent[] = [];
  for (const f of d.fragments) {
    for (const file of f.mountedFiles ?? []) {
      for (const a of addressesInText(file.text)) {
        const what = file.sensitive ? '(a secret value)' : `${a.host}${a.port !== undefined ? `:${a.port}` : ''}`;
        const reason = `${file.source.reason}: line ${a.line} names ${what} (${a.form.replace('-', ' ')})`;
        out.push({
          ...intent(d, 'FILE_ADDRESS', a, { ...file.source, reason }),
          requireResolution: a.form === 'host-port' && !a.host.includes('.'),
        });
      }
    }
  }
  return out;
}

function truncate(v: string): string {
  // Never print credentials from connection strings into a profile.
  const masked = v
    .replace(/(\/\/[^:/@]+):[^@]*@/, '$1:***@')
    .replace(/(password|pwd)=([^;\s]+)/gi, '$1=***')
    .replace(/^([^:/@\s]+):[^@\s]*@(tcp|udp|unix)/i, '$1:***@$2');
  return masked.length > 80 ? `${masked.slice(0, 77)}...` : masked;
}

export interface GraphResult {
  edges: Edge[];
  /** Entry points: container → ingress rules from any peer (exposed Services, Ingresses, Routes). */
  entries: Map<string, PeerRule[]>;
  /** Container → the declarations naming peers that resolve to nothing of the application. */
  unresolved: Map<string, Source[]>;
}

export interface GraphOptions {
  routes?: readonly RouteDecl[];
  /** Where the graph reports what it cannot resolve. */
  diagnostics?: Diagnostic[];
  /** The roles each container plays (for the client ports of a dependency). */
  roles?: ReadonlyMap<ContainerDraft, readonly RoleEntry[]>;
}

/**
 * The ports a client of `d` uses: its roles' client ports (a broker's client port, not its cluster
 * or monitoring ports), or undefined when no role says.
 */
function clientPorts(roles: readonly RoleEntry[] | undefined): Set<number> | undefined {
  const ports = (roles ?? []).flatMap((r) => (r.clientPorts ?? r.listen).map((p) => p.port));
  return ports.length > 0 ? new Set(ports) : undefined;
}

export function buildGraph(
  drafts: readonly ContainerDraft[],
  services: readonly ServiceDecl[],
  kb: KnowledgeBase,
  opts: GraphOptions = {},
): GraphResult {
  const diagnostics = opts.diagnostics ?? [];
  const index = new NameIndex(drafts, services, opts.routes ?? [], diagnostics);
  const byName = new Map(drafts.map((d) => [d.charter.name, d]));
  const intents: Intent[] = [];
  for (const d of drafts) {
    intents.push(...envIntents(d), ...commandIntents(d), ...fileIntents(d));
    for (const dep of d.dependsOn) {
      intents.push({ from: d, host: dep.name, protocol: 'tcp', source: dep.source, requireResolution: true, dependency: true });
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
  const unresolved = new Map<string, Source[]>();
  /** Ports an address names, by `from\0to`: a dependency on the same peer adds no other port, only its source. */
  const addressed = new Map<string, { port: number; protocol: Edge['protocol'] }[]>();
  const add = (it: Intent, to: Peer, port: number | undefined, protocol: Edge['protocol']): void => {
    edges.add({ from: it.from.charter.name, to, ...(port !== undefined ? { port } : {}), protocol, sources: [it.source] });
  };
  // Addresses first, so that dependencies know which peers an address already reaches on its port.
  const ordered = [...intents.filter((i) => !i.dependency), ...intents.filter((i) => i.dependency)];
  for (const it of ordered) {
    const from = it.from.charter.name;
    if (SELF.test(it.host)) continue;
    const all = index.resolve(it.host, it.from.scopes);
    const targets = all.filter((t) => t.container !== from);
    if (targets.length === 0) {
      if (it.requireResolution || all.length > 0) continue;
      if (IPV4.test(it.host)) add(it, { kind: 'cidr', cidr: `${it.host}/32` }, it.port, it.protocol);
      else if (looksInternal(it.host)) {
        // One label, no scheme: a service of the application that nothing here declares, not an internet host.
        const list = unresolved.get(from) ?? [];
        list.push(it.source);
        unresolved.set(from, list);
        diagnostics.push({
          code: 'profile/unresolved-peer',
          severity: 'warning',
          message: `${from}: "${it.host}" (${it.source.reason}) names no service of the application: unresolved; an optional service?`,
          file: it.source.artifact,
          ...(it.source.line !== undefined ? { line: it.source.line } : {}),
          ...(it.source.column !== undefined ? { column: it.source.column } : {}),
        });
      } else add(it, { kind: 'dns', name: it.host }, it.port, it.protocol);
      continue;
    }
    // A name that leads to several containers (a pod with an exporter beside the server) reaches,
    // on a dialled port, only those that offer it; when none does, the port is taken as written.
    const offering =
      it.port === undefined ? [] : targets.filter((t) => t.ports.some((p) => p.port === it.port || p.targetPort === it.port));
    for (const t of offering.length > 0 && !it.dependency ? offering : targets) {
      const to: Peer = { kind: 'container', name: t.container };
      if (it.dependency) {
        const named = addressed.get(`${from}\0${t.container}`);
        if (named) {
          for (const p of named) add(it, to, p.port, p.protocol);
          continue;
        }
        const target = byName.get(t.container);
        const ports = dependencyPorts(t, clientPorts(target ? opts.roles?.get(target) : undefined));
        if (ports.length === 0) add(it, to, undefined, it.protocol);
        for (const p of ports) add(it, to, p.targetPort, p.protocol === 'sctp' ? 'tcp' : p.protocol);
        continue;
      }
      // The connection lands on the container port behind the service port the client dialled.
      const mapped = it.port !== undefined ? t.ports.filter((p) => p.port === it.port || p.targetPort === it.port) : t.ports;
      const ports =
        mapped.length > 0 ? mapped : it.port !== undefined ? [{ port: it.port, targetPort: it.port, protocol: it.protocol }] : [];
      if (ports.length === 0) add(it, to, undefined, it.protocol);
      for (const p of ports) {
        const protocol = p.protocol === 'sctp' ? 'tcp' : p.protocol;
        add(it, to, p.targetPort, protocol);
        if (it.port === undefined) continue;
        const key = `${from}\0${t.container}`;
        const list = addressed.get(key) ?? [];
        if (!list.some((x) => x.port === p.targetPort && x.protocol === protocol)) list.push({ port: p.targetPort, protocol });
        addressed.set(key, list);
      }
    }
  }
  return { edges: edges.values(), entries: index.entries, unresolved };
}

/**
 * The ports a dependency (named without a port) reaches: the target's client ports among those its
 * name offers, else the client ports themselves, else every port its name offers.
 */
function dependencyPorts(t: Target, client: Set<number> | undefined): TargetPort[] {
  if (client === undefined) return t.ports;
  const offered = t.ports.filter((p) => client.has(p.targetPort));
  if (offered.length > 0) return offered;
  return [...client].sort((a, b) => a - b).map((port) => ({ port, targetPort: port, protocol: 'tcp' as const }));
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

/** Adds the entry points (ingress from any peer on the exposed container ports) to their containers. */
export function applyEntryPoints(drafts: readonly ContainerDraft[], entries: ReadonlyMap<string, PeerRule[]>): void {
  for (const d of drafts) {
    const rules = entries.get(d.charter.name);
    if (!rules) continue;
    const set = new RuleSet<PeerRule>((r) => [r.peer, r.port ?? -1, r.protocol]);
    set.addAll(d.charter.network.ingress);
    set.addAll(rules);
    d.charter.network.ingress = set.values();
  }
}

export function sortEdges(edges: Edge[]): Edge[] {
  return [...edges].sort(
    (a, b) => compareStrings(a.from, b.from) || compareStrings(JSON.stringify(a.to), JSON.stringify(b.to)) || (a.port ?? 0) - (b.port ?? 0),
  );
}
