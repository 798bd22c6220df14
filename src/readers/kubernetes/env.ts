/**
 * A container's envFrom and env entries → environment variables, with their values where the
 * file says them: literal values, and keys of ConfigMaps and Secrets defined in the same file.
 * The values are computed as the kubelet computes them (util/kube-env.ts); when a step names a
 * ConfigMap or Secret of another file, the steps are kept on the fragment for the profile to
 * complete with every manifest's.
 */
import type { ContainerFragment } from '../../model/fragments.js';
import { computeKubeEnv, type ContainerEnv, type KubeEnvStep } from '../../util/kube-env.js';
import { configDataKey } from './config-data.js';
import type { ContainerContext } from './container-context.js';
import { check, diagnose, sourceAt } from './reader-context.js';
import { EnvFromSchema, EnvVarSchema } from './schema.js';
import type { NodePath } from './yaml-stream.js';

export { MAX_ENV_FROM_KEYS, type ContainerEnv } from '../../util/kube-env.js';

/** Reads env and envFrom into `f.env`; returns the values the container runs with, for expanding its command. */
export function readEnv(
  ctx: ContainerContext,
  f: ContainerFragment,
  what: string,
): { values: ContainerEnv; steps: KubeEnvStep[]; unresolved: boolean } {
  const { reader, obj, container: c, path, workload: w } = ctx;
  const steps: KubeEnvStep[] = [];
  const paths: NodePath[] = [];
  const push = (step: KubeEnvStep, at: NodePath): void => {
    steps.push(step);
    paths.push(at);
  };
  // envFrom first: an explicit env entry of the same name wins, as in Kubernetes (last wins).
  c.envFrom?.forEach((raw, i) => {
    const entryPath = [...path, 'envFrom', i];
    const e = check(reader, obj, entryPath, EnvFromSchema, raw, 'envFrom entry');
    if (!e) return;
    const source = sourceAt(reader, obj, entryPath, '');
    if (e.configMapRef)
      push(
        {
          step: 'from',
          ref: { kind: 'ConfigMap', namespace: w.namespace, name: e.configMapRef.name ?? '' },
          prefix: e.prefix ?? '',
          source,
        },
        entryPath,
      );
    if (e.secretRef)
      push(
        { step: 'from', ref: { kind: 'Secret', namespace: w.namespace, name: e.secretRef.name ?? '' }, prefix: e.prefix ?? '', source },
        entryPath,
      );
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
    const source = sourceAt(reader, obj, entryPath, '');
    if (ref) {
      const [kind, { name = '', key }] = ref;
      push({ step: 'key', name: e.name, ref: { kind, namespace: w.namespace, name }, key, source }, entryPath);
    } else if (from) {
      const detail = from.fieldRef
        ? `the pod field ${from.fieldRef.fieldPath}`
        : from.resourceFieldRef
          ? `the container resource ${from.resourceFieldRef.resource}`
          : 'a valueFrom this reader does not know';
      const ownField = from.fieldRef !== undefined || from.resourceFieldRef !== undefined;
      push({ step: 'field', name: e.name, ownField, source: { ...source, reason: `env ${e.name} of ${what} from ${detail}` } }, entryPath);
    } else {
      // An entry with a name only is set to the empty string.
      push({ step: 'literal', name: e.name, value: e.value ?? '', source }, [...entryPath, 'value']);
    }
  });
  const lookup = (r: { kind: 'ConfigMap' | 'Secret'; namespace: string; name: string }) =>
    reader.configData.get(configDataKey(r.kind, r.namespace, r.name));
  const result = computeKubeEnv(steps, lookup, what, 'this file');
  for (const p of result.problems) {
    diagnose(reader, obj.doc, [...obj.base, ...(paths[p.step] ?? path)], `kubernetes/${p.code}`, 'warning', p.message);
  }
  for (const e of result.env) f.env.push(e);
  return { values: result.values, steps, unresolved: result.unresolved };
}
