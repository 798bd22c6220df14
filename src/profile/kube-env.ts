/**
 * Kubernetes variables across files: a container whose manifest takes variables from a ConfigMap
 * or Secret of another file (a `configmap.yaml` beside the Deployment) gets them here, computed by
 * the kubelet's rules with the ConfigMaps and Secrets of every manifest read. Its command's
 * `$(VAR)` references are expanded again with them.
 */
import type { ConfigRef, ContainerFragment, ReaderResult } from '../model/fragments.js';
import { computeKubeEnv, expandArgv, type ConfigValues } from '../util/kube-env.js';

const refKey = (r: ConfigRef): string => `${r.kind}\u0000${r.namespace}\u0000${r.name}`;

/** The fragments of `results`, those with variables from other files completed (new objects; the readers' are left alone). */
export function completeKubeEnv(results: readonly ReaderResult[]): ContainerFragment[] {
  const objects = new Map<string, ConfigValues>();
  for (const r of results) for (const o of r.configObjects ?? []) if (!objects.has(refKey(o.ref))) objects.set(refKey(o.ref), o);
  const out: ContainerFragment[] = [];
  for (const r of results) {
    for (const f of r.containers) {
      if (!f.kubeEnv || objects.size === 0) {
        out.push(f);
        continue;
      }
      const computed = computeKubeEnv(f.kubeEnv.steps, (ref) => objects.get(refKey(ref)), f.kubeEnv.what, 'the manifests read');
      const commands = f.commands.map((cmd) => {
        if (cmd.purpose !== 'entrypoint' || cmd.replaces === undefined) return cmd;
        const x = expandArgv(cmd.argv, computed.values);
        const { expanded: _e, sensitive: _s, ...rest } = cmd;
        return x.expanded ? { ...rest, expanded: x.expanded, ...(x.sensitive ? { sensitive: true } : {}) } : rest;
      });
      // Every variable of a Kubernetes fragment comes from a step: the computed list replaces them all.
      out.push({ ...f, env: computed.env, commands });
    }
  }
  return out;
}
