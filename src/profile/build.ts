/**
 * The pure core of `charter profile`: reader results in, a validated `charter/v1` document out.
 * artifacts → fragments (readers) → correlated containers → knowledge → graph → syscalls.
 */
import type { Charter, Diagnostic, Input, PeerRule, Source } from '../model/charter.js';
import { API_VERSION, CharterSchema } from '../model/charter.js';
import type { ReaderResult, ServiceDecl, ImageFileIndex, ContainerFragment, RouteDecl } from '../model/fragments.js';
import type { RoleEntry } from '../knowledge/schema.js';
import type { KnowledgeBase } from '../knowledge/schema.js';
import { correlate } from './correlate.js';
import { assemble, type ContainerDraft } from './assemble.js';
import { applyRoles, deriveCapabilities, deriveRoles, deriveSyscalls } from './derive.js';
import { applyEntryPoints, applyGraph, buildGraph, sortEdges } from './graph/build.js';
import { egressIntent } from './graph/egress-intent.js';
import { completeKubeEnv } from './kube-env.js';
import { RuleSet, sortSources } from '../util/rule-set.js';
import { syscallGroupDefs } from './derive.js';
import { compareStrings } from '../util/sort.js';

export interface ImageInput {
  fragment: ContainerFragment;
  files: ImageFileIndex;
  /** `created_by` of each history entry, oldest first: how an image is matched to its Dockerfile. */
  history?: readonly string[];
  /** The Dockerfile the user says it is built from (`charter profile --image-for`). */
  builtFrom?: string;
}

export interface BuildInput {
  name: string;
  generator: string;
  inputs: Input[];
  results: ReaderResult[];
  images: ImageInput[];
  /** Problems found before reading (unreadable targets, unknown files). */
  diagnostics: Diagnostic[];
}

const RESOLVER: PeerRule['peer'] = { kind: 'dns', name: '@resolver' };

export function buildCharter(input: BuildInput, kb: KnowledgeBase): Charter {
  const diagnostics: Diagnostic[] = [...input.diagnostics];
  const fragments: ContainerFragment[] = [];
  const services: ServiceDecl[] = [];
  const routes: RouteDecl[] = [];
  // Variables a Kubernetes container takes from a ConfigMap or Secret of another file.
  for (const f of completeKubeEnv(input.results)) fragments.push(f);
  for (const r of input.results) {
    services.push(...r.services);
    routes.push(...(r.routes ?? []));
    diagnostics.push(...r.diagnostics);
  }

  const groups = correlate(fragments, input.images, diagnostics);
  const drafts: ContainerDraft[] = groups.map((g) => assemble(g, diagnostics, kb));

  const rolesByDraft = new Map<ContainerDraft, ReturnType<typeof deriveRoles>>();
  for (const d of drafts) {
    const roles = deriveRoles(d, kb);
    rolesByDraft.set(d, roles);
    applyRoles(d, roles);
    addTmp(d);
  }

  // Roles that speak for the container: not suspicious, not guessed from a Dockerfile alone.
  const activeRoles = new Map<ContainerDraft, RoleEntry[]>();
  for (const [d, r] of rolesByDraft)
    activeRoles.set(
      d,
      r.entries.filter((e) => !e.suspicious && !r.weak.has(e.id)),
    );
  const graph = buildGraph(drafts, services, kb, { routes, diagnostics, roles: activeRoles });
  applyGraph(drafts, graph.edges);
  applyEntryPoints(drafts, graph.entries);
  for (const d of drafts) {
    d.charter.network.egressIntent = egressIntent(d, activeRoles.get(d) ?? [], graph.unresolved.get(d.charter.name) ?? [], kb);
  }

  for (const d of drafts) {
    addHostNetwork(d);
    const roles = rolesByDraft.get(d)?.entries ?? [];
    const weak = rolesByDraft.get(d)?.weak ?? new Set<string>();
    addResolverEgress(
      d,
      roles.some((r) => !r.suspicious && !weak.has(r.id) && r.egress === 'dns'),
    );
    deriveCapabilities(d);
    const c = d.charter;
    c.network.none =
      c.network.listen.length === 0 && c.network.egress.length === 0 && c.network.ingress.length === 0 && !c.privileges.hostNetwork?.value;
    deriveSyscalls(d, roles, kb);
  }

  const containers = drafts.map((d) => d.charter).sort((a, b) => compareStrings(a.name, b.name));
  const charter: Charter = {
    apiVersion: API_VERSION,
    kind: 'Charter',
    metadata: { name: input.name, generator: input.generator },
    inputs: [...input.inputs].sort((a, b) => compareStrings(a.artifact, b.artifact)),
    syscallGroups: syscallGroupDefs(containers, kb),
    containers,
    graph: { edges: sortEdges(graph.edges) },
    diagnostics: sortDiagnostics(diagnostics),
  };
  // The schema is the contract every consumer relies on: a violation here is a bug, not bad input.
  return CharterSchema.parse(charter);
}

/** /tmp is scratch space every POSIX program may assume; it is a private tmpfs, never the image. */
function addTmp(d: ContainerDraft): void {
  const w = d.charter.filesystem.writable;
  if (w.some((x) => x.path === '/tmp')) return;
  w.push({
    path: '/tmp',
    kind: 'tmpfs',
    sources: [
      {
        kind: 'knowledge',
        artifact: 'charter-knowledge',
        kb: 'principle:tmp',
        reason: 'POSIX programs may write scratch files in /tmp; it is a private in-memory tmpfs',
      },
    ],
  });
  w.sort((a, b) => compareStrings(a.path, b.path));
}

/** A container on the host's network can reach anything the host can: the profile says so plainly. */
function addHostNetwork(d: ContainerDraft): void {
  const c = d.charter;
  const flag = c.privileges.hostNetwork;
  if (!flag?.value) return;
  const set = new RuleSet<PeerRule>((r) => [r.peer, r.port ?? -1, r.protocol]);
  set.addAll(c.network.egress);
  for (const protocol of ['tcp', 'udp'] as const) {
    set.add({
      peer: { kind: 'any' },
      protocol,
      sources: flag.sources.map((s) => ({ ...s, reason: `${s.reason} (host network: any peer)` })),
    });
  }
  c.network.egress = set.values();
}

/** Containers that talk to named peers, or whose role needs names resolved, may reach the resolver on port 53. */
function addResolverEgress(d: ContainerDraft, roleNeedsDns: boolean): void {
  const c = d.charter;
  const named = c.network.egress.filter((e) => e.peer.kind === 'dns' || e.peer.kind === 'container');
  const because: Source[] = named
    .flatMap((e) => e.sources)
    .slice(0, 4)
    .map((s) => ({ ...s, reason: `resolve the peer's name: ${s.reason}` }));
  if (roleNeedsDns && c.network.listen.length > 0) {
    because.push(
      ...c.roles
        .filter((r) => !r.suspicious && r.evidence !== 'name')
        .flatMap((r) => r.sources.filter((s) => s.kind === 'knowledge'))
        .map((s) => ({ ...s, reason: `${s.reason}: resolves client names only` })),
    );
  }
  if (because.length === 0) return;
  const set = new RuleSet<PeerRule>((r) => [r.peer, r.port ?? -1, r.protocol]);
  set.addAll(c.network.egress);
  for (const protocol of ['udp', 'tcp'] as const) set.add({ peer: RESOLVER, port: 53, protocol, sources: sortSources(because) });
  c.network.egress = set.values();
}

function sortDiagnostics(ds: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return ds
    .filter((d) => {
      const k = JSON.stringify(d);
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    })
    .sort(
      (a, b) =>
        compareStrings(a.file, b.file) ||
        (a.line ?? 0) - (b.line ?? 0) ||
        (a.column ?? 0) - (b.column ?? 0) ||
        compareStrings(a.code, b.code) ||
        compareStrings(a.message, b.message),
    );
}
