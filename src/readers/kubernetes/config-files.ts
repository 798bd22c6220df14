/**
 * The files a container mounts from ConfigMaps and Secrets defined in the same file (configMap,
 * secret and projected volumes, with their `items` and a mount's `subPath`) → their text on the
 * fragment, so the graph can find the peers a configuration file names. Each file's provenance is
 * the position of its key in the ConfigMap or Secret.
 */
import type { ContainerFragment } from '../../model/fragments.js';
import { configDataKey, type ConfigKind } from './config-data.js';
import type { ContainerContext } from './container-context.js';
import { sourceAt } from './reader-context.js';
import { parseLenient } from './validate.js';
import { ConfigVolumeSchema, ProjectedVolumeSchema, VolumeMountSchema } from './schema.js';
import { posix } from 'node:path';

/**
 * Text kept per container: a ConfigMap holds at most 1 MiB, so this is several whole ConfigMaps;
 * beyond it the files are not scanned (the graph reads each byte kept, for every container).
 */
export const MAX_MOUNTED_TEXT = 2 * 1024 * 1024;

interface Projection {
  kind: ConfigKind;
  name: string;
  items?: { key: string; path: string }[];
}

export function readMountedConfigFiles(ctx: ContainerContext, f: ContainerFragment, what: string): void {
  const { reader, container: c } = ctx;
  let budget = MAX_MOUNTED_TEXT;
  for (const raw of c.volumeMounts ?? []) {
    const m = parseLenient(VolumeMountSchema, raw).data;
    const declared = m ? ctx.volumes.get(m.name) : undefined;
    if (!m || !declared) continue;
    for (const p of projections(declared.volume)) {
      const data = reader.configData.get(configDataKey(p.kind, ctx.workload.namespace, p.name));
      if (!data) continue;
      const files = p.items ?? Object.keys(data.values).map((key) => ({ key, path: key }));
      for (const { key, path } of files) {
        const text = data.values[key];
        // subPath mounts one file of the volume at mountPath itself.
        if (text === undefined || (m.subPath !== undefined && m.subPath !== '' && m.subPath !== path)) continue;
        if (text.length > budget) return;
        budget -= text.length;
        const at = m.subPath ? m.mountPath : posix.join(m.mountPath, path);
        const reason = `${what} mounts key ${key} of ${p.kind} ${p.name} at ${at}`;
        f.mountedFiles ??= [];
        f.mountedFiles.push({
          path: at,
          text,
          ...(p.kind === 'Secret' ? { sensitive: true } : {}),
          source: sourceAt(reader, data.obj, [data.fields[key] ?? 'data', key], reason),
        });
      }
    }
  }
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
