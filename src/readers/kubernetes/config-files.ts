/**
 * The files a container mounts from ConfigMaps and Secrets defined in the same file (configMap,
 * secret and projected volumes, with their `items` and a mount's `subPath`) → their text on the
 * fragment, so the graph can find the peers a configuration file names. Each file's provenance is
 * the position of its key in the ConfigMap or Secret.
 */
import type { ContainerFragment, KubeMount } from '../../model/fragments.js';
import { MAX_MOUNTED_TEXT, mountedFiles } from '../../util/kube-env.js';
import { configDataKey, type ConfigKind } from './config-data.js';
import type { ContainerContext } from './container-context.js';
import { sourceAt } from './reader-context.js';
import { parseLenient } from './validate.js';
import { ConfigVolumeSchema, ProjectedVolumeSchema, VolumeMountSchema } from './schema.js';

interface Projection {
  kind: ConfigKind;
  name: string;
  items?: { key: string; path: string }[];
}

export function readMountedConfigFiles(ctx: ContainerContext, f: ContainerFragment, what: string): void {
  const { reader, container: c } = ctx;
  let budget = MAX_MOUNTED_TEXT;
  const files: NonNullable<ContainerFragment['mountedFiles']> = [];
  const elsewhere: KubeMount[] = [];
  for (const raw of c.volumeMounts ?? []) {
    const m = parseLenient(VolumeMountSchema, raw).data;
    const declared = m ? ctx.volumes.get(m.name) : undefined;
    if (!m || !declared) continue;
    for (const p of projections(declared.volume)) {
      const mount: KubeMount = {
        ref: { kind: p.kind, namespace: ctx.workload.namespace, name: p.name },
        ...(p.items ? { items: p.items } : {}),
        mountPath: m.mountPath,
        ...(m.subPath !== undefined && m.subPath !== '' ? { subPath: m.subPath } : {}),
      };
      const data = reader.configData.get(configDataKey(p.kind, ctx.workload.namespace, p.name));
      if (!data) {
        // In another file, perhaps: the profile reads it from the other manifests.
        elsewhere.push(mount);
        continue;
      }
      const sourceOf = (key: string, reason: string) => sourceAt(reader, data.obj, [data.fields[key] ?? 'data', key], reason);
      budget = mountedFiles(mount, data.values, sourceOf, what, budget, files);
    }
  }
  if (files.length > 0) f.mountedFiles = files;
  if (elsewhere.length > 0) f.kubeMounts = { what, mounts: elsewhere };
}

function projections(volume: Record<string, unknown>): Projection[] {
  const out: Projection[] = [];
  const one = (kind: ConfigKind, raw: unknown): void => {
    const v = parseLenient(ConfigVolumeSchema, raw).data;
    const name = kind === 'Secret' ? v?.secretName : v?.name;
    if (v && name !== undefined) out.push({ kind, name, ...(v.items ? { items: v.items } : {}) });
  };
  if (volume.configMap) one('ConfigMap', volume.configMap);
  if (volume.secret) one('Secret', volume.secret);
  const projected = volume.projected ? parseLenient(ProjectedVolumeSchema, volume.projected).data : undefined;
  for (const s of projected?.sources ?? []) {
    if (s.configMap) one('ConfigMap', s.configMap);
    // Projected secrets are named by `name`, not `secretName`.
    if (s.secret) {
      const v = parseLenient(ConfigVolumeSchema, s.secret).data;
      if (v?.name !== undefined) out.push({ kind: 'Secret', name: v.name, ...(v.items ? { items: v.items } : {}) });
    }
  }
  return out;
}
