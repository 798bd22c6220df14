/**
 * A container's envFrom and env entries → environment variables, with their values where the
 * file says them: literal values, and keys of ConfigMaps and Secrets defined in the same file.
 */
import type { ContainerFragment } from '../../model/fragments.js';
import { configDataKey } from './config-data.js';
import type { ContainerContext } from './container-context.js';
import { check, sourceAt } from './reader-context.js';
import { EnvFromSchema, EnvVarSchema } from './schema.js';

export function readEnv(ctx: ContainerContext, f: ContainerFragment, what: string): void {
  const { reader, obj, container: c, path, workload: w } = ctx;
  // envFrom first: an explicit env entry of the same name wins, as in Kubernetes (last wins).
  c.envFrom?.forEach((raw, i) => {
    const entryPath = [...path, 'envFrom', i];
    const e = check(reader, obj, entryPath, EnvFromSchema, raw, 'envFrom entry');
    if (!e) return;
    const prefix = e.prefix ?? '';
    const refs = [
      ['ConfigMap', e.configMapRef],
      ['Secret', e.secretRef],
    ] as const;
    for (const [refKind, ref] of refs) {
      if (!ref) continue;
      const refName = ref.name ?? '';
      const data = reader.configData.get(configDataKey(refKind, w.namespace, refName));
      if (!data) {
        const reason = `${what} takes every key of ${refKind} ${refName}, which is not in this file: names and values unknown`;
        f.env.push({ name: `${prefix}*`, source: sourceAt(reader, obj, entryPath, reason) });
        continue;
      }
      for (const [key, value] of Object.entries(data.values)) {
        const reason = `${what} takes key ${key} of ${refKind} ${refName} (${data.where})`;
        f.env.push({
          name: prefix + key,
          ...(value !== undefined ? { value } : {}),
          ...(refKind === 'Secret' ? { sensitive: true } : {}),
          source: sourceAt(reader, obj, entryPath, reason),
        });
      }
    }
  });
  c.env?.forEach((raw, i) => {
    const entryPath = [...path, 'env', i];
    const e = check(reader, obj, entryPath, EnvVarSchema, raw, 'env entry');
    if (!e) return;
    const from = e.valueFrom;
    const ref = from?.configMapKeyRef
      ? (['ConfigMap', from.configMapKeyRef] as const)
      : from?.secretKeyRef
        ? (['Secret', from.secretKeyRef] as const)
        : undefined;
    if (ref) {
      const [refKind, { name: refName = '', key }] = ref;
      const data = reader.configData.get(configDataKey(refKind, w.namespace, refName));
      const value = data?.values[key];
      const origin = data ? data.where : 'not in this file';
      const reason = `env ${e.name} of ${what} from key ${key} of ${refKind} ${refName} (${origin})`;
      f.env.push({
        name: e.name,
        ...(value !== undefined ? { value } : {}),
        ...(refKind === 'Secret' ? { sensitive: true } : {}),
        source: sourceAt(reader, obj, entryPath, reason),
      });
    } else if (from) {
      const detail = from.fieldRef
        ? `the pod field ${from.fieldRef.fieldPath}`
        : from.resourceFieldRef
          ? `the container resource ${from.resourceFieldRef.resource}`
          : 'a valueFrom this reader does not know';
      f.env.push({ name: e.name, source: sourceAt(reader, obj, entryPath, `env ${e.name} of ${what} from ${detail}`) });
    } else {
      // An entry with a name only is set to the empty string.
      f.env.push({ name: e.name, value: e.value ?? '', source: sourceAt(reader, obj, entryPath, `env ${e.name} of ${what}`) });
    }
  });
}
