/**
 * What the runtime-enforcer emitters (falco-rules, tetragon, kubearmor) read from a container's
 * charter, computed once so the three agree: the executables it may run (absolute paths, multi-call
 * files with their applets, names without a path), whether and how its egress is bounded, and a
 * one-line provenance for every allowance. Each emitter then says in its own format what it can
 * enforce of these facts and warns about the rest.
 */
import type { Charter, ContainerCharter, Diagnostic, Protocol, Source } from '../model/charter.js';
import type { EmitOptions, EmitResult } from './types.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { compareJson, egressEnforced, openEgressReason, selectContainers, sortDiagnostics, yamlStream } from './internal.js';
import { compareStrings } from '../util/sort.js';
import { parseCidr } from '../util/ip.js';

/** `artifact:line` (or the JSON pointer, the knowledge id) of the first source, `+N` for the others. */
export function provenance(sources: readonly Source[]): string {
  // The least source in a fixed order, so the profile's array order never shows in the output.
  const [first] = [...sources].sort(compareJson);
  if (first === undefined) return 'no source';
  const where = `${first.line !== undefined ? `:${first.line}` : first.pointer !== undefined ? `#${first.pointer}` : ''}${first.kb !== undefined ? ` (${first.kb})` : ''}`;
  const more = sources.length > 1 ? ` +${sources.length - 1}` : '';
  return `${first.artifact}${where}${more}`;
}

export interface AllowedPath {
  path: string;
  /** Provenance of the process rule that allows it. */
  from: string;
}

export interface MultiCallAllowance {
  /** The file and the links it is run by (absolute only). */
  paths: string[];
  applets: string[];
  from: string;
}

export interface ExecAllowance {
  /** Absolute paths of single-program files (a rule's `path` and its absolute `invokedAs`), sorted, unique. */
  paths: AllowedPath[];
  /** Multi-call files: the only applets each may run as. */
  multiCall: MultiCallAllowance[];
  /** Processes known by name only (no image was read): `node`, `docker-entrypoint.sh`. */
  bareNames: AllowedPath[];
}

const isAbsolute = (p: string): boolean => p.startsWith('/');

export function execAllowance(c: ContainerCharter): ExecAllowance {
  const paths = new Map<string, string>();
  const names = new Map<string, string>();
  const multi = new Map<string, MultiCallAllowance>();
  // Rules in a fixed order: the provenance shown for a path shared by two rules must not depend on the profile's order.
  const rules = [...c.processes].sort(compareJson);
  for (const p of rules) {
    const from = provenance(p.sources);
    const all = [p.path, ...(p.invokedAs ?? [])];
    if (p.applets !== undefined) {
      const abs = [...new Set(all.filter(isAbsolute))].sort(compareStrings);
      if (abs.length === 0) {
        for (const a of p.applets) if (!names.has(a)) names.set(a, from);
        continue;
      }
      const key = abs.join('\n');
      const prev = multi.get(key);
      const applets = [...new Set([...(prev?.applets ?? []), ...p.applets])].sort(compareStrings);
      multi.set(key, { paths: abs, applets, from: prev?.from ?? from });
      continue;
    }
    for (const x of all) {
      const target = isAbsolute(x) ? paths : names;
      if (!target.has(x)) target.set(x, from);
    }
  }
  const list = (m: Map<string, string>): AllowedPath[] =>
    [...m.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([path, from]) => ({ path, from }));
  return {
    paths: list(paths),
    multiCall: [...multi.values()].sort((a, b) => compareStrings(a.paths.join('\n'), b.paths.join('\n'))),
    bareNames: list(names),
  };
}

/** The peer the profile builder adds for a container's resolver (the cluster DNS in a cluster). */
const RESOLVER = '@resolver';

export interface EgressFacts {
  /** Whether the emitters hold the container to its declared egress (complete intent, or `strict`). */
  enforced: boolean;
  /** Why egress stays open, when it does. */
  whyOpen?: string;
  /** Destination ports allowed to any address, per protocol, with the provenance of one rule. */
  ports: { port: number; protocol: Protocol; from: string }[];
  /** Address ranges allowed on any port. */
  cidrs: { cidr: string; from: string }[];
  /** Peers known by name (other containers, DNS names): the address cannot be written in a static policy. */
  byName: string[];
  /** Address ranges that do not parse: left out of every policy (their traffic is not allowed). */
  invalidCidrs: string[];
  /** Set when a declared peer may be called on any port (an `any` peer, a port-less peer nobody lists ports for): ports cannot bound it. */
  unbounded?: string;
}

/**
 * The container's egress as ports and ranges. Enforced only where the intent is complete (or
 * `strict`), as the network-policy emitter does; a profile without `egressIntent` counts as unknown
 * unless it says the container uses no network at all.
 */
export function egressFacts(c: ContainerCharter, charter: Charter, opts: EmitOptions): EgressFacts {
  const enforced = egressEnforced(c, opts);
  const ports = new Map<string, { port: number; protocol: Protocol; from: string }>();
  const cidrs = new Map<string, string>();
  const byName = new Set<string>();
  const invalid = new Set<string>();
  let unbounded: string | undefined;
  const outbound = [
    ...c.network.egress.map((r) => ({ peer: r.peer, port: r.port, protocol: r.protocol, from: provenance(r.sources) })),
    ...charter.graph.edges
      .filter((e) => e.from === c.name)
      .map((e) => ({ peer: e.to, port: e.port, protocol: e.protocol, from: provenance(e.sources) })),
  ].sort((a, b) => compareJson(a, b));
  const addPort = (port: number, protocol: Protocol, from: string): void => {
    const key = `${port}/${protocol}`;
    if (!ports.has(key)) ports.set(key, { port, protocol, from });
  };
  for (const o of outbound) {
    if (o.peer.kind === 'any') {
      if (o.port !== undefined) addPort(o.port, o.protocol, o.from);
      else unbounded ??= `it may call any address on any port (${o.from})`;
      continue;
    }
    if (o.peer.kind === 'cidr') {
      if (parseCidr(o.peer.cidr) === undefined) invalid.add(o.peer.cidr);
      else if (o.port !== undefined) addPort(o.port, o.protocol, o.from);
      else if (!cidrs.has(o.peer.cidr)) cidrs.set(o.peer.cidr, o.from);
      continue;
    }
    const peerName = o.peer.name;
    if (!(o.peer.kind === 'dns' && peerName === RESOLVER)) byName.add(peerName);
    if (o.port !== undefined) {
      addPort(o.port, o.protocol, o.from);
      continue;
    }
    const listened = o.peer.kind === 'container' ? (charter.containers.find((x) => x.name === peerName)?.network.listen ?? []) : [];
    const matching = listened.filter((l) => l.protocol === o.protocol);
    if (matching.length === 0) unbounded ??= `it may call ${peerName} on any ${o.protocol} port (${o.from})`;
    for (const l of matching) addPort(l.port, l.protocol, o.from);
  }
  const whyOpen = enforced ? undefined : openEgressReason(c);
  return {
    enforced,
    ...(whyOpen !== undefined ? { whyOpen } : {}),
    ports: [...ports.values()].sort((a, b) => a.port - b.port || compareStrings(a.protocol, b.protocol)),
    cidrs: [...cidrs.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([cidr, from]) => ({ cidr, from })),
    byName: [...byName].sort(compareStrings),
    invalidCidrs: [...invalid].sort(compareStrings),
    ...(unbounded !== undefined ? { unbounded } : {}),
  };
}

/**
 * How the Kubernetes reader describes the container a source points at
 * (`container api of Deployment api in namespace default`, `init container …`).
 */
const K8S_CONTAINER_REASON = /^(?:init )?container (\S+) of \S+ \S+ in namespace /;

/**
 * The container's name in its pod spec, which runtimes and enforcers see. The charter names a
 * single-container workload's container by the workload (`api`), and a container of a
 * multi-container pod `workload/container` (`workload/init:name` for an init container), so the
 * pod-spec name comes from the Kubernetes source that declares the container, else from the
 * charter name's last segment. Undefined when neither says it (not a Kubernetes container, or
 * two different names): the caller then selects by pod only, and says so.
 */
export function podContainerName(c: ContainerCharter): string | undefined {
  const k8s = c.identity.sources.filter((s) => s.kind === 'kubernetes');
  if (k8s.length === 0) return undefined;
  const named = new Set(k8s.map((s) => K8S_CONTAINER_REASON.exec(s.reason)?.[1]).filter((n): n is string => n !== undefined));
  if (named.size === 1) return [...named][0];
  if (named.size > 1) return undefined;
  const slash = c.name.lastIndexOf('/');
  if (slash < 0) return undefined;
  const last = c.name.slice(slash + 1);
  return last.startsWith('init:') ? last.slice('init:'.length) : last;
}

/** The workload that places the container (the first in a stable order), for its namespace. */
export function namespaceOf(c: ContainerCharter): string | undefined {
  const namespaces = c.identity.workloads
    .map((w) => w.namespace)
    .filter((n): n is string => n !== undefined)
    .sort(compareStrings);
  return namespaces[0];
}

/** The pod labels, keys sorted; undefined when the profile has none. */
export function podLabels(c: ContainerCharter): Record<string, string> | undefined {
  const labels = c.identity.labels;
  if (labels === undefined || Object.keys(labels).length === 0) return undefined;
  return Object.fromEntries(Object.entries(labels).sort(([a], [b]) => compareStrings(a, b)));
}

/** Kubernetes object names: a DNS-1123 subdomain, lower case, at most 253 characters. */
export function objectName(app: string, container: string): string {
  const v = `charter-${app}-${container}`
    .toLowerCase()
    .replace(/[^a-z0-9.-]+/g, '-')
    .slice(0, 253)
    .replace(/[^a-z0-9]+$/, '');
  return v;
}

/** Kubernetes label keys and values as the API server accepts them (a hostile profile could hold anything). */
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?$/;
export function validLabel(key: string, value: string): boolean {
  return LABEL_KEY.test(key) && key.length <= 316 && LABEL_VALUE.test(value);
}

/** A one-line comment text: newlines and other control characters of a hostile profile never end the comment. */
export function commentText(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]+/g, ' ');
}

/**
 * One file of per-container policies (the Tetragon and KubeArmor emitters): a document per container
 * that gets one, and the containers that get none named at the top, so the file says what it does
 * not cover.
 */
export function perContainerFile(
  file: string,
  charter: Charter,
  opts: EmitOptions,
  policyFor: (c: ContainerCharter, warnings: Diagnostic[]) => string | undefined,
): EmitResult {
  const warnings: Diagnostic[] = [];
  const docs: string[] = [];
  const skipped: string[] = [];
  for (const c of selectContainers(charter, opts)) {
    const doc = policyFor(c, warnings);
    if (doc !== undefined) docs.push(doc);
    else skipped.push(`# container ${commentText(c.name)}: no policy (see the warnings)\n`);
  }
  const content = skipped.join('') + (docs.length > 0 ? yamlStream(docs) : '') || '# no container in this profile\n';
  return { files: [{ name: file, content }], warnings: sortDiagnostics(warnings) };
}

/** How an enforcer emitter reports its diagnostics (code, message, severity). */
export type Say = (code: DiagnosticCode, message: string, severity?: 'warning' | 'info') => void;

/**
 * Says why an enforcer writes no egress rule for a container (open intent, a peer on any port) and,
 * when it writes one, what the rule cannot hold (peers known by name, ranges that do not parse).
 * True when the caller is to write the rule. `open` names what is left unwritten (`connect not
 * restricted`), `strictly` what --strict would do, `kind` the enforcer's word for its rule.
 */
export function sayEgressLimits(egress: EgressFacts, say: Say, words: { open: string; strictly: string; kind: string }): boolean {
  if (!egress.enforced) {
    say('emit.enforcer.egress-open', `${words.open}: ${egress.whyOpen ?? ''}; emit with --strict to ${words.strictly} now`, 'info');
    return false;
  }
  if (egress.unbounded !== undefined) {
    say('emit.enforcer.egress-unbounded', `${words.open}: ${egress.unbounded}`, 'info');
    return false;
  }
  if (egress.byName.length > 0) {
    say(
      'emit.enforcer.peer-by-name',
      `peers ${egress.byName.join(', ')} are known by name: a static ${words.kind} cannot know their addresses, so their ports are allowed to any address`,
    );
  }
  for (const bad of egress.invalidCidrs) {
    say('emit.enforcer.unsafe-value', `address range ${JSON.stringify(bad)} does not parse; left out, so its traffic is not allowed`);
  }
  return true;
}
