/**
 * Kubernetes variables across files: a container whose manifest takes variables from a ConfigMap
 * or Secret of another file (a `configmap.yaml` beside the Deployment) gets them here, computed by
 * the kubelet's rules with the ConfigMaps and Secrets of every manifest read. Its command's
 * `$(VAR)` references are expanded again with them, and the files it mounts from them are read.
 */
import type { ConfigRef, ContainerFragment, ReaderResult } from '../model/fragments.js';
import type { Source } from '../model/charter.js';
import { computeKubeEnv, expandArgv, MAX_MOUNTED_TEXT, mountedFiles } from '../util/kube-env.js';

const refKey = (r: ConfigRef): string => `${r.kind}\u0000${r.namespace}\u0000${r.name}`;

/**
 * The fragments of `results`, those with variables or mounted files from other files completed
 * (new objects; the readers' are left alone).
 */
export function completeKubeEnv(results: readonly ReaderResult[]): ContainerFragment[] {
  const objects = new Map<string, NonNullable<ReaderResult['configObjects']>[number]>();
  for (const r of results) for (const o of r.configObjects ?? []) if (!objects.has(refKey(o.ref))) objects.set(refKey(o.ref), o);
  const out: ContainerFragment[] = [];
  for (const r of results) {
    for (const f of r.containers) {
      if ((!f.kubeEnv && !f.kubeMounts) || objects.size === 0) {
        out.push(f);
        continue;
      }
      let next: ContainerFragment = f;
      if (f.kubeEnv) {
        const computed = computeKubeEnv(f.kubeEnv.steps, (ref) => objects.get(refKey(ref)), f.kubeEnv.what, 'the manifests read');
        const commands = f.commands.map((cmd) => {
          if (cmd.purpose !== 'entrypoint' || cmd.replaces === undefined) return cmd;
          const x = expandArgv(cmd.argv, computed.values);
          const { expanded: _e, sensitive: _s, ...rest } = cmd;
          return x.expanded ? { ...rest, expanded: x.expanded, ...(x.sensitive ? { sensitive: true } : {}) } : rest;
        });
        // Every variable of a Kubernetes fragment comes from a step: the computed list replaces them all.
        next = { ...next, env: computed.env, commands };
      }
      if (f.kubeMounts) {
        const files = [...(f.mountedFiles ?? [])];
        let budget = MAX_MOUNTED_TEXT - files.reduce((n, x) => n + x.text.length, 0);
        for (const mount of f.kubeMounts.mounts) {
          const o = objects.get(refKey(mount.ref));
          if (!o) continue;
          const sourceOf = (key: string, reason: string): Source => ({
            ...o.source,
            pointer: `${o.source.pointer ?? ''}/${o.fields[key] ?? 'data'}/${key.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            reason,
          });
          budget = mountedFiles(mount, o.values, sourceOf, f.kubeMounts.what, budget, files);
        }
        if (files.length > 0) next = { ...next, mountedFiles: files };
      }
      out.push(next);
    }
  }
  return out;
}
