/**
 * A container's envFrom and env entries → environment variables, with their values where the
 * file says them: literal values, and keys of ConfigMaps and Secrets defined in the same file.
 * Values are computed as the kubelet computes them: envFrom first, then each env entry in order,
 * a literal value expanding `$(VAR)` references to the variables defined before it (expand.ts).
 */
import type { ContainerFragment } from '../../model/fragments.js';
import { configDataKey } from './config-data.js';
import type { ContainerContext } from './container-context.js';
import { expandReferences } from './expand.js';
import { check, diagnose, sourceAt } from './reader-context.js';
import { EnvFromSchema, EnvVarSchema } from './schema.js';

/**
 * Keys taken from one envFrom source. A ConfigMap may hold 1 MiB, so 100,000 one-letter keys;
 * every key costs a variable with its provenance in each container that takes it, and no real
 * application sets more than a few hundred.
 */
export const MAX_ENV_FROM_KEYS = 10_000;

/** What a container's variables hold once the kubelet has computed them: name → value. */
export type ContainerEnv = Map<string, { value: string; sensitive: boolean }>;

/** Reads env and envFrom into `f.env`; returns the values the container runs with, for expanding its command. */
export function readEnv(ctx: ContainerContext, f: ContainerFragment, what: string): ContainerEnv {
  const { reader, obj, container: c, path, workload: w } = ctx;
  const env: ContainerEnv = new Map();
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
      let taken = 0;
      for (const [key, value] of Object.entries(data.values)) {
        if (++taken > MAX_ENV_FROM_KEYS) {
          diagnose(
            reader,
            obj.doc,
            [...obj.base, ...entryPath],
            'kubernetes/too-many-keys',
            'warning',
            `${what} takes every key of ${refKind} ${refName}: more than ${MAX_ENV_FROM_KEYS}; the rest are not read`,
          );
          break;
        }
        if (value !== undefined) env.set(prefix + key, { value, sensitive: refKind === 'Secret' });
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
      // A value taken from a key is used as it is: the kubelet expands only literal values.
      if (value !== undefined) env.set(e.name, { value, sensitive: refKind === 'Secret' });
      else env.delete(e.name);
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
      env.delete(e.name);
      const own = from.fieldRef !== undefined || from.resourceFieldRef !== undefined;
      f.env.push({
        name: e.name,
        ...(own ? { ownField: true } : {}),
        source: sourceAt(reader, obj, entryPath, `env ${e.name} of ${what} from ${detail}`),
      });
    } else {
      // An entry with a name only is set to the empty string.
      const literal = e.value ?? '';
      const x = expandReferences(literal, (name) => env.get(name)?.value);
      const sensitive = x.used.some((name) => env.get(name)?.sensitive === true);
      if (x.truncated) {
        diagnose(
          reader,
          obj.doc,
          [...obj.base, ...entryPath, 'value'],
          'kubernetes/expansion-too-long',
          'warning',
          `env ${e.name} of ${what}: its $(VAR) references expand past ${x.text.length} characters; the value is cut there`,
        );
      }
      env.set(e.name, { value: x.text, sensitive });
      const expanded = x.used.length > 0 ? ` (expands ${x.used.map((n) => `$(${n})`).join(', ')})` : '';
      f.env.push({
        name: e.name,
        value: x.text,
        ...(sensitive ? { sensitive: true } : {}),
        source: sourceAt(reader, obj, entryPath, `env ${e.name} of ${what}${expanded}`),
      });
    }
  });
  return env;
}
