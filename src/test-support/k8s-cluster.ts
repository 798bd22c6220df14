// Test helper: the pods and Services a set of Kubernetes manifests would create, read straight
// from the manifests (not through the profile), so a test can judge emitted NetworkPolicies
// against what the cluster really runs: the pods' own labels, the Services' selectors and ports.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import type { ContainerPort, PodEndpoint, Protocol } from '../emit/network-policy-evaluator.js';
import { selectorMatches } from '../emit/network-policy-evaluator.js';

/** One pod per workload: what its pod template says. */
export interface WorkloadPod extends PodEndpoint {
  workload: string;
}

export interface ServicePort {
  port: number;
  targetPort?: number | string;
  nodePort?: number;
  protocol: Protocol;
  name?: string;
}

export interface ClusterService {
  name: string;
  namespace: string;
  type: string;
  selector?: Record<string, string>;
  ports: ServicePort[];
}

export interface Cluster {
  pods: WorkloadPod[];
  services: ClusterService[];
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

type Obj = Record<string, unknown>;

const obj = (v: unknown): Obj => (v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Obj) : {});
const list = (v: unknown): Obj[] => (Array.isArray(v) ? v.map(obj) : []);
const text = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const labelsOf = (v: unknown): Record<string, string> =>
  Object.fromEntries(Object.entries(obj(v)).filter((e): e is [string, string] => typeof e[1] === 'string'));
const protocolOf = (v: unknown): Protocol => (v === 'UDP' || v === 'SCTP' ? v : 'TCP');

function files(target: string): string[] {
  if (!statSync(target).isDirectory()) return [target];
  return readdirSync(target)
    .filter((f) => /\.ya?ml$/.test(f))
    .sort()
    .map((f) => join(target, f));
}

export function clusterOf(targets: readonly string[]): Cluster {
  const pods: WorkloadPod[] = [];
  const services: ClusterService[] = [];
  for (const file of targets.flatMap(files)) {
    for (const doc of parseAllDocuments(readFileSync(file, 'utf8'))) {
      const o = obj(doc.toJS());
      const kind = text(o['kind']) ?? '';
      const metadata = obj(o['metadata']);
      const namespace = text(metadata['namespace']) ?? 'default';
      const name = text(metadata['name']) ?? '';
      if (WORKLOAD_KINDS.has(kind) || kind === 'Pod') {
        const template = kind === 'Pod' ? o : obj(obj(o['spec'])['template']);
        const ports: ContainerPort[] = [];
        for (const c of list(obj(template['spec'])['containers'])) {
          for (const p of list(c['ports'])) {
            const portName = text(p['name']);
            ports.push({
              ...(portName !== undefined ? { name: portName } : {}),
              containerPort: Number(p['containerPort']),
              protocol: protocolOf(p['protocol']),
            });
          }
        }
        pods.push({
          kind: 'pod',
          name: `${name}-0`,
          workload: name,
          namespace,
          labels: labelsOf(obj(template['metadata'])['labels']),
          ports,
        });
      } else if (kind === 'Service') {
        const spec = obj(o['spec']);
        const selector = labelsOf(spec['selector']);
        services.push({
          name,
          namespace,
          type: text(spec['type']) ?? 'ClusterIP',
          ...(Object.keys(selector).length > 0 ? { selector } : {}),
          ports: list(spec['ports']).map((p) => {
            const target = p['targetPort'];
            const portName = text(p['name']);
            return {
              port: Number(p['port']),
              ...(typeof target === 'number' || typeof target === 'string' ? { targetPort: target } : {}),
              ...(typeof p['nodePort'] === 'number' ? { nodePort: p['nodePort'] } : {}),
              protocol: protocolOf(p['protocol']),
              ...(portName !== undefined ? { name: portName } : {}),
            };
          }),
        });
      }
    }
  }
  return { pods, services };
}

/** The pods a Service sends to, and the container port a call to `port` lands on for each. */
export function serviceTargets(cluster: Cluster, service: string, port: number): { pod: WorkloadPod; port: number; protocol: Protocol }[] {
  const svc = cluster.services.find((s) => s.name === service);
  if (svc === undefined) throw new Error(`no Service ${service}`);
  const sp = svc.ports.find((p) => p.port === port);
  if (sp === undefined) throw new Error(`Service ${service} has no port ${port}`);
  const selector = svc.selector;
  if (selector === undefined) return [];
  return cluster.pods
    .filter((p) => p.namespace === svc.namespace && selectorMatches({ matchLabels: selector }, p.labels))
    .map((pod) => {
      const t = sp.targetPort ?? sp.port;
      const target = typeof t === 'number' ? t : /^\d+$/.test(t) ? Number(t) : pod.ports?.find((cp) => cp.name === t)?.containerPort;
      if (target === undefined) throw new Error(`Service ${service}: named targetPort ${String(t)} is not a port of ${pod.workload}`);
      return { pod, port: target, protocol: sp.protocol };
    });
}

export function podOf(cluster: Cluster, workload: string): WorkloadPod {
  const pod = cluster.pods.find((p) => p.workload === workload);
  if (pod === undefined) throw new Error(`no workload ${workload}`);
  return pod;
}
