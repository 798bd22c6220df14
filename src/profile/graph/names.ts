/**
 * Name resolution as the platforms do it. A bare name (one DNS label) resolves only within the
 * caller's own scope: a Kubernetes namespace (the pod's DNS search path starts with
 * `<ns>.svc.cluster.local`), a compose project's network, a Marathon group. Qualified names cross
 * scopes: `name.ns`, `name.ns.svc`, `name.ns.svc.cluster.local`, Marathon ids (`/group/app`),
 * Mesos-DNS `*.marathon.mesos` and named VIPs. Ingress and Route hosts lead to their Service.
 */
import type { Diagnostic, PeerRule, Protocol, Source } from '../../model/charter.js';
import type { RouteDecl, ServiceDecl } from '../../model/fragments.js';
import type { ContainerDraft } from '../assemble.js';

export interface TargetPort {
  port: number;
  targetPort: number;
  protocol: Protocol;
  name?: string;
}

export interface Target {
  container: string;
  /** Container ports reachable through this name: service port → container port. */
  ports: TargetPort[];
}

const labelKey = (k: string, v: string): string => `${k}\u0000${v}`;
const scopedKey = (scope: string, name: string): string => `${scope}\u0000${name}`;

/** A name of one label, resolved through the caller's search path rather than globally. */
export function isBareName(name: string): boolean {
  return !name.includes('.') && !name.startsWith('/');
}

function selectorMatches(selector: Record<string, string>, labels: Record<string, string>): boolean {
  const entries = Object.entries(selector);
  return entries.length > 0 && entries.every(([k, v]) => labels[k] === v);
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

export class NameIndex {
  /** Global names, and bare names under `scope\0name`. */
  private readonly byName = new Map<string, Target[]>();
  /** Bare names in every scope, for callers that have no scope of their own (a lone Dockerfile). */
  private readonly bareAnywhere = new Map<string, Target[]>();
  /** Kubernetes Services by `namespace\0name`, with what they select (for Ingresses and Routes). */
  private readonly kubeServices = new Map<string, { svc: ServiceDecl; targets: Target[] }>();
  /** Entry points: container → ingress rules from any peer. */
  readonly entries = new Map<string, PeerRule[]>();

  constructor(
    drafts: readonly ContainerDraft[],
    services: readonly ServiceDecl[],
    routes: readonly RouteDecl[],
    private readonly diagnostics: Diagnostic[],
  ) {
    const byContainer = new Map(drafts.map((d) => [d.charter.name, d]));
    const containerPorts = (d: ContainerDraft): TargetPort[] =>
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
      const selected: ContainerDraft[] = [];
      if (svc.selector) {
        const lists = Object.entries(svc.selector).map(([k, v]) => byLabel.get(labelKey(k, v)) ?? []);
        const candidates =
          lists.reduce<ContainerDraft[] | undefined>((min, l) => (min === undefined || l.length < min.length ? l : min), undefined) ?? [];
        for (const d of candidates) {
          if ((svc.scope === undefined || d.scopes.includes(svc.scope)) && selectorMatches(svc.selector, d.labels)) selected.push(d);
        }
        if (selected.length === 0 && svc.source.kind === 'kubernetes') {
          this.diagnose(
            svc.source,
            'profile/service-selects-nothing',
            `Service ${svc.name} selects no pod of the application (selector ${JSON.stringify(svc.selector)})`,
          );
        }
      }
      for (const t of svc.targets ?? []) {
        const d = byContainer.get(t) ?? byAlias.get(t);
        if (d) selected.push(d);
      }
      const targets = serviceTargets(svc, selected, containerPorts);
      const name = svc.name.toLowerCase();
      const kube = svc.source.kind === 'kubernetes';
      if (kube) this.kubeServices.set(scopedKey(svc.scope ?? 'default', name), { svc, targets });
      for (const t of targets) {
        if (kube) {
          const ns = svc.scope ?? 'default';
          this.addScoped(ns, name, t);
          for (const n of [`${name}.${ns}`, `${name}.${ns}.svc`, `${name}.${ns}.svc.cluster.local`]) this.add(n, t);
        } else if (isBareName(name) && svc.scope !== undefined) this.addScoped(svc.scope, name, t);
        else this.add(name, t);
        if (svc.exposed) this.addEntries(t, t.ports, svc.exposed);
      }
    }
    for (const r of routes) this.addRoute(r);
    // Containers answer to their own names too (a compose service name is a DNS name on the project network).
    for (const d of drafts) {
      const t: Target = { container: d.charter.name, ports: containerPorts(d) };
      for (const n of [d.charter.name, ...d.charter.identity.aliases]) {
        const name = n.toLowerCase();
        if (!isBareName(name)) {
          if (!this.byName.has(name)) this.add(name, t);
          continue;
        }
        const scopes = d.scopes.length > 0 ? d.scopes : [undefined];
        for (const scope of scopes) {
          const key = scope === undefined ? name : scopedKey(scope, name);
          if (this.byName.has(key)) continue;
          if (scope === undefined) this.add(name, t);
          else this.addScoped(scope, name, t);
        }
      }
    }
  }

  private diagnose(source: Source, code: Diagnostic['code'], message: string): void {
    this.diagnostics.push({
      code,
      severity: 'warning',
      message,
      file: source.artifact,
      ...(source.line !== undefined ? { line: source.line } : {}),
      ...(source.column !== undefined ? { column: source.column } : {}),
    });
  }

  private addRoute(r: RouteDecl): void {
    const found = this.kubeServices.get(scopedKey(r.scope ?? 'default', r.service.toLowerCase()));
    if (!found) {
      this.diagnose(
        r.source,
        'profile/missing-backend',
        `${r.kind} ${r.name} leads to Service ${r.service}, which no manifest of the application defines`,
      );
      return;
    }
    for (const t of found.targets) {
      const ports = r.port === undefined ? t.ports : t.ports.filter((p) => routePortMatches(r, p));
      if (ports.length === 0) {
        this.diagnose(
          r.source,
          'profile/missing-backend',
          `${r.kind} ${r.name} names port ${String(r.port)}, which Service ${r.service} does not offer`,
        );
        continue;
      }
      this.addEntries(t, ports, r.source);
      // Callers that dial the public host reach the same containers (through the router, on 80/443).
      const hostPorts: TargetPort[] = ports.flatMap((p) => [80, 443].map((port) => ({ ...p, port })));
      for (const h of r.hosts) this.add(h, { container: t.container, ports: hostPorts });
    }
  }

  private addEntries(t: Target, ports: readonly TargetPort[], source: Source): void {
    const list = this.entries.get(t.container) ?? [];
    for (const p of ports) {
      const existing = list.find((r) => r.port === p.targetPort && r.protocol === p.protocol);
      if (existing) {
        if (!existing.sources.includes(source)) existing.sources.push(source);
      } else list.push({ peer: { kind: 'any' }, port: p.targetPort, protocol: p.protocol, sources: [source] });
    }
    this.entries.set(t.container, list);
  }

  private add(name: string, t: Target): void {
    const list = this.byName.get(name) ?? [];
    if (!list.some((x) => x.container === t.container)) list.push(t);
    this.byName.set(name, list);
  }

  private addScoped(scope: string, name: string, t: Target): void {
    this.add(scopedKey(scope, name), t);
    const any = this.bareAnywhere.get(name) ?? [];
    if (!any.some((x) => x.container === t.container)) any.push(t);
    this.bareAnywhere.set(name, any);
  }

  /** The containers `host` leads to for a caller in `scopes` (none: a caller of no platform, which sees every scope). */
  resolve(host: string, scopes: readonly string[]): Target[] {
    const h = host.toLowerCase().replace(/\.$/, '');
    if (!isBareName(h)) {
      const direct = this.byName.get(h);
      if (direct) return direct;
      // `<app>.marathon.mesos` for an app whose Mesos-DNS name was not declared: its last id segment.
      const mesos = /^([a-z0-9-]+)\.marathon\.mesos$/.exec(h)?.[1];
      return mesos !== undefined ? this.resolveBare(mesos, scopes) : [];
    }
    return this.resolveBare(h, scopes);
  }

  private resolveBare(name: string, scopes: readonly string[]): Target[] {
    const global = this.byName.get(name) ?? [];
    if (scopes.length === 0) return [...global, ...(this.bareAnywhere.get(name) ?? [])];
    const out = [...global];
    for (const s of scopes) for (const t of this.byName.get(scopedKey(s, name)) ?? []) if (!out.includes(t)) out.push(t);
    return out;
  }
}

/**
 * The containers behind a service and the ports each answers on. A pod with several containers
 * (an application and its metrics exporter) receives a service port only in the container that
 * listens on its target port; when none of them declares it, every selected container may.
 */
function serviceTargets(
  svc: ServiceDecl,
  selected: readonly ContainerDraft[],
  containerPorts: (d: ContainerDraft) => TargetPort[],
): Target[] {
  if (svc.ports.length === 0) return selected.map((d) => ({ container: d.charter.name, ports: containerPorts(d) }));
  const perDraft = new Map<ContainerDraft, TargetPort[]>(selected.map((d) => [d, []]));
  for (const p of svc.ports) {
    const resolved = selected.map((d) => ({ d, targetPort: resolveTargetPort(p.targetPort, p.port, d) }));
    const listening = resolved.filter(({ d, targetPort }) =>
      d.charter.network.listen.some((l) => l.port === targetPort && l.protocol === p.protocol),
    );
    for (const { d, targetPort } of listening.length > 0 ? listening : resolved) {
      perDraft.get(d)?.push({ port: p.port, targetPort, protocol: p.protocol, ...(p.name !== undefined ? { name: p.name } : {}) });
    }
  }
  return [...perDraft].filter(([, ports]) => ports.length > 0).map(([d, ports]) => ({ container: d.charter.name, ports }));
}

/** Ingress: the Service port by number or name. Route: the target port by number, or the port's name. */
function routePortMatches(r: RouteDecl, p: TargetPort): boolean {
  if (typeof r.port === 'number') return r.kind === 'Ingress' ? p.port === r.port : p.targetPort === r.port;
  return p.name === r.port;
}
