/**
 * Whether Kubernetes NetworkPolicies (networking.k8s.io/v1) let one connection through, by the
 * semantics of the Kubernetes documentation (concepts/services-networking/network-policies):
 *
 * - A policy selects the pods of its own namespace that its `podSelector` matches (`{}`: all).
 * - `policyTypes` absent: `Ingress` always, `Egress` when the policy has egress rules (the API
 *   server's defaulting).
 * - A pod selected by at least one policy of a direction is isolated in that direction: only
 *   what one of those policies' rules allows gets through (the union of the policies); a pod no
 *   policy of that direction selects allows everything that way.
 * - A rule with no `from`/`to` peers matches every peer; with no `ports`, every port. A peer with
 *   only `podSelector` means pods of the policy's namespace; only `namespaceSelector`, every pod
 *   of the matching namespaces; both in one peer, pods matching the first in namespaces matching
 *   the second (AND); `ipBlock`, addresses in `cidr` and in none of `except`.
 * - A port is a number (with `endPort`, a range) or the name of a container port, looked up on
 *   the pod the traffic goes to; `protocol` defaults to TCP.
 * - A connection needs egress allowed at its source and ingress allowed at its destination.
 *
 * Pure: the emitter's tests use it, and the runtime and admission will judge connections and
 * proposed policies with it. The policies are checked with a schema first, so a malformed policy
 * is an error naming the policy, never a wrong answer.
 */
import { z } from 'zod';
import { cidrContains as contains, parseCidr as parseAnyCidr, parseIp, type Cidr } from '../util/ip.js';

const SELECTOR_OPERATORS = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

const LabelSelectorSchema = z
  .object({
    matchLabels: z.record(z.string(), z.string()).nullable().optional(),
    matchExpressions: z
      .array(
        z
          .object({
            key: z.string(),
            operator: z.enum(SELECTOR_OPERATORS),
            values: z.array(z.string()).nullable().optional(),
          })
          .refine((e) => (e.operator === 'In' || e.operator === 'NotIn') === (e.values ?? []).length > 0, {
            message: 'In and NotIn need values; Exists and DoesNotExist take none',
          }),
      )
      .nullable()
      .optional(),
  })
  .passthrough();
export type LabelSelector = z.infer<typeof LabelSelectorSchema>;

// Checked when the policy is read, so evaluating a connection never fails on the policy.
const CidrSchema = z.string().refine((c) => parseCidr(c) !== undefined, { message: 'not a CIDR (address/prefix)' });

const PeerSchema = z
  .object({
    podSelector: LabelSelectorSchema.nullable().optional(),
    namespaceSelector: LabelSelectorSchema.nullable().optional(),
    ipBlock: z
      .object({ cidr: CidrSchema, except: z.array(CidrSchema).nullable().optional() })
      .passthrough()
      .nullable()
      .optional(),
  })
  .passthrough()
  .refine((p) => p.ipBlock == null || (p.podSelector == null && p.namespaceSelector == null), {
    message: 'ipBlock cannot be combined with podSelector or namespaceSelector in one peer',
  })
  .refine((p) => p.ipBlock != null || p.podSelector != null || p.namespaceSelector != null, {
    message: 'a peer needs podSelector, namespaceSelector or ipBlock',
  });
export type NetworkPolicyPeer = z.infer<typeof PeerSchema>;

const PortSchema = z
  .object({
    protocol: z.enum(['TCP', 'UDP', 'SCTP']).nullable().optional(),
    port: z
      .union([z.number().int().min(1).max(65535), z.string().min(1)])
      .nullable()
      .optional(),
    endPort: z.number().int().min(1).max(65535).nullable().optional(),
  })
  .passthrough()
  .refine((p) => p.endPort == null || (typeof p.port === 'number' && p.endPort >= p.port), {
    message: 'endPort needs a numeric port no greater than it',
  });
export type NetworkPolicyPort = z.infer<typeof PortSchema>;

const RulePorts = z.array(PortSchema).nullable().optional();

export const NetworkPolicySchema = z
  .object({
    apiVersion: z.literal('networking.k8s.io/v1'),
    kind: z.literal('NetworkPolicy'),
    metadata: z.object({ name: z.string().optional(), namespace: z.string().optional() }).passthrough(),
    spec: z
      .object({
        podSelector: LabelSelectorSchema,
        policyTypes: z
          .array(z.enum(['Ingress', 'Egress']))
          .nullable()
          .optional(),
        ingress: z
          .array(z.object({ from: z.array(PeerSchema).nullable().optional(), ports: RulePorts }).passthrough())
          .nullable()
          .optional(),
        egress: z
          .array(z.object({ to: z.array(PeerSchema).nullable().optional(), ports: RulePorts }).passthrough())
          .nullable()
          .optional(),
      })
      .passthrough(),
  })
  .passthrough();
export type NetworkPolicy = z.infer<typeof NetworkPolicySchema>;

/** Checks one policy object (e.g. a document of `kubectl apply -f`); throws naming what is wrong. */
export function parseNetworkPolicy(value: unknown, where = 'NetworkPolicy'): NetworkPolicy {
  const r = NetworkPolicySchema.safeParse(value);
  if (r.success) return r.data;
  const issue = r.error.issues[0];
  const path = issue?.path.join('.') ?? '';
  throw new Error(`${where}: ${path === '' ? '' : `${path}: `}${issue?.message ?? 'invalid'}`);
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface ContainerPort {
  name?: string;
  containerPort: number;
  protocol?: Protocol;
}

export interface PodEndpoint {
  kind: 'pod';
  name: string;
  namespace: string;
  labels: Readonly<Record<string, string>>;
  /** The pod's IP, for `ipBlock` peers (which Kubernetes means for addresses outside the cluster). */
  ip?: string;
  /** Its containers' ports: named ports in a policy resolve against these. */
  ports?: readonly ContainerPort[];
}

/** An address outside the cluster (a client on the internet, an external database). */
export interface ExternalEndpoint {
  kind: 'external';
  ip: string;
}

export type Endpoint = PodEndpoint | ExternalEndpoint;

export interface Namespace {
  name: string;
  /** `kubernetes.io/metadata.name: <name>` is added as the API server does since Kubernetes 1.22. */
  labels?: Readonly<Record<string, string>>;
}

export interface Connection {
  from: Endpoint;
  to: Endpoint;
  port: number;
  protocol?: Protocol;
}

/** One direction's verdict: whether the pod is isolated that way and which policies allow it. */
export interface DirectionVerdict {
  isolated: boolean;
  allowed: boolean;
  /** `namespace/name` of the policies whose rules allow the connection, sorted. */
  allowedBy: string[];
}

export interface Verdict {
  allowed: boolean;
  /** At the source; absent when the source is outside the cluster. */
  egress?: DirectionVerdict;
  /** At the destination; absent when the destination is outside the cluster. */
  ingress?: DirectionVerdict;
}

export function selectorMatches(selector: LabelSelector, labels: Readonly<Record<string, string>>): boolean {
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) if (labels[k] !== v) return false;
  for (const e of selector.matchExpressions ?? []) {
    const has = Object.prototype.hasOwnProperty.call(labels, e.key);
    const values = e.values ?? [];
    switch (e.operator) {
      case 'In':
        if (!has || !values.includes(labels[e.key]!)) return false;
        break;
      case 'NotIn':
        if (has && values.includes(labels[e.key]!)) return false;
        break;
      case 'Exists':
        if (!has) return false;
        break;
      case 'DoesNotExist':
        if (has) return false;
        break;
    }
  }
  return true;
}

/** An ipBlock CIDR is written address/prefix: Kubernetes refuses a bare address there. */
function parseCidr(cidr: string): Cidr | undefined {
  return cidr.includes('/') ? parseAnyCidr(cidr) : undefined;
}

function cidrContains(cidr: string, ip: string): boolean {
  const net = parseCidr(cidr);
  if (net === undefined) throw new Error(`ipBlock ${cidr}: not a CIDR (address/prefix)`);
  const addr = parseIp(ip);
  if (addr === undefined) throw new Error(`${ip}: not an IP address`);
  return contains(net, addr);
}

export class NetworkPolicyEvaluator {
  private readonly namespaceLabels = new Map<string, Readonly<Record<string, string>>>();
  private readonly policies: readonly NetworkPolicy[];

  /** `policies` are checked with the schema; a namespace not listed has only its name label. */
  constructor(policies: readonly unknown[], namespaces: readonly Namespace[] = []) {
    this.policies = policies.map((p, i) => parseNetworkPolicy(p, `policy ${i}`));
    for (const n of namespaces) this.namespaceLabels.set(n.name, { ...n.labels, 'kubernetes.io/metadata.name': n.name });
  }

  private labelsOf(namespace: string): Readonly<Record<string, string>> {
    return this.namespaceLabels.get(namespace) ?? { 'kubernetes.io/metadata.name': namespace };
  }

  evaluate(c: Connection): Verdict {
    const protocol = c.protocol ?? 'TCP';
    const egress = c.from.kind === 'pod' ? this.direction('Egress', c.from, c.to, c.port, protocol) : undefined;
    const ingress = c.to.kind === 'pod' ? this.direction('Ingress', c.to, c.from, c.port, protocol) : undefined;
    return {
      allowed: (egress?.allowed ?? true) && (ingress?.allowed ?? true),
      ...(egress !== undefined ? { egress } : {}),
      ...(ingress !== undefined ? { ingress } : {}),
    };
  }

  allows(c: Connection): boolean {
    return this.evaluate(c).allowed;
  }

  /** The policies that select `pod` for a direction (after `policyTypes` defaulting). */
  policiesFor(pod: PodEndpoint, type: 'Ingress' | 'Egress'): NetworkPolicy[] {
    return this.policies.filter(
      (p) => namespaceOf(p) === pod.namespace && policyTypes(p).includes(type) && selectorMatches(p.spec.podSelector, pod.labels),
    );
  }

  private direction(type: 'Ingress' | 'Egress', pod: PodEndpoint, peer: Endpoint, port: number, protocol: Protocol): DirectionVerdict {
    const selecting = this.policiesFor(pod, type);
    if (selecting.length === 0) return { isolated: false, allowed: true, allowedBy: [] };
    // Named ports name a port of the pod the traffic goes to: the policy's own pod for ingress, the peer for egress.
    const target = type === 'Ingress' ? pod : peer;
    const allowedBy = selecting
      .filter((p) => {
        const rules =
          type === 'Ingress'
            ? (p.spec.ingress ?? []).map((r) => ({ peers: r.from, ports: r.ports }))
            : (p.spec.egress ?? []).map((r) => ({ peers: r.to, ports: r.ports }));
        return rules.some(
          (r) =>
            (r.peers == null || r.peers.length === 0 || r.peers.some((x) => this.peerMatches(x, namespaceOf(p), peer))) &&
            (r.ports == null || r.ports.length === 0 || r.ports.some((x) => portMatches(x, port, protocol, target))),
        );
      })
      .map((p) => `${namespaceOf(p)}/${p.metadata.name ?? ''}`)
      .sort();
    return { isolated: true, allowed: allowedBy.length > 0, allowedBy };
  }

  private peerMatches(peer: NetworkPolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock != null) {
      const ip = endpoint.ip;
      if (ip === undefined) return false;
      return cidrContains(peer.ipBlock.cidr, ip) && !(peer.ipBlock.except ?? []).some((e) => cidrContains(e, ip));
    }
    if (endpoint.kind !== 'pod') return false;
    const namespaceOk =
      peer.namespaceSelector != null
        ? selectorMatches(peer.namespaceSelector, this.labelsOf(endpoint.namespace))
        : endpoint.namespace === policyNamespace;
    const podOk = peer.podSelector != null ? selectorMatches(peer.podSelector, endpoint.labels) : true;
    return namespaceOk && podOk;
  }
}

function namespaceOf(p: NetworkPolicy): string {
  // `kubectl apply` without a namespace puts it in the current one; `default` is what a bare cluster uses.
  return p.metadata.namespace ?? 'default';
}

function policyTypes(p: NetworkPolicy): ('Ingress' | 'Egress')[] {
  if (p.spec.policyTypes != null && p.spec.policyTypes.length > 0) return p.spec.policyTypes;
  return (p.spec.egress ?? []).length > 0 ? ['Ingress', 'Egress'] : ['Ingress'];
}

function portMatches(rule: NetworkPolicyPort, port: number, protocol: Protocol, target: Endpoint): boolean {
  if ((rule.protocol ?? 'TCP') !== protocol) return false;
  if (rule.port == null) return true;
  if (typeof rule.port === 'number') return rule.endPort != null ? port >= rule.port && port <= rule.endPort : port === rule.port;
  // A named port: the destination pod's container port of that name and protocol.
  if (target.kind !== 'pod') return false;
  return (target.ports ?? []).some((p) => p.name === rule.port && p.containerPort === port && (p.protocol ?? 'TCP') === protocol);
}
