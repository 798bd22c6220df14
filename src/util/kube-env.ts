/**
 * A Kubernetes container's variables as the kubelet computes them, from the steps its manifest
 * writes: every `envFrom` source first, then each `env` entry in order, a literal value expanding
 * `$(VAR)` references to what is defined before it (kube-expand.ts). The Kubernetes reader runs it
 * with the ConfigMaps and Secrets of its own file; the profile runs it again with those of every
 * manifest when a step names one the file does not hold.
 */
import type { Source } from '../model/charter.js';
import type { ConfigRef, ContainerFragment, EnvVar, KubeEnvStep, KubeMount } from '../model/fragments.js';
import { posix } from 'node:path';
import { expandReferences } from './kube-expand.js';

export type { ConfigRef, KubeEnvStep };

/** The values of a ConfigMap or Secret, and where it is written (for reasons). */
export interface ConfigValues {
  values: Record<string, string | undefined>;
  where: string;
}

export type ConfigLookup = (ref: ConfigRef) => ConfigValues | undefined;

/** What the container runs with: name → value; `sensitive` when a Secret's value is in it. */
export type ContainerEnv = Map<string, { value: string; sensitive: boolean }>;

export interface KubeEnvProblem {
  /** Index of the step the problem is about. */
  step: number;
  code: 'too-many-keys' | 'expansion-too-long';
  message: string;
}

export interface KubeEnvResult {
  env: EnvVar[];
  values: ContainerEnv;
  /** True when a step names a ConfigMap or Secret the lookup does not hold. */
  unresolved: boolean;
  problems: KubeEnvProblem[];
}

/**
 * Keys taken from one envFrom source. A ConfigMap may hold 1 MiB, so 100,000 one-letter keys;
 * every key costs a variable with its provenance in each container that takes it, and no real
 * application sets more than a few hundred.
 */
export const MAX_ENV_FROM_KEYS = 10_000;

/** `what` names the container in reasons (`container api of Deployment shop`). */
export function computeKubeEnv(steps: readonly KubeEnvStep[], lookup: ConfigLookup, what: string, missing: string): KubeEnvResult {
  const env: EnvVar[] = [];
  const values: ContainerEnv = new Map();
  const problems: KubeEnvProblem[] = [];
  let unresolved = false;
  steps.forEach((s, i) => {
    const at = (reason: string): Source => ({ ...s.source, reason });
    if (s.step === 'from') {
      const { kind, name } = s.ref;
      const data = lookup(s.ref);
      if (!data) {
        unresolved = true;
        env.push({
          name: `${s.prefix}*`,
          source: at(`${what} takes every key of ${kind} ${name}, which is not in ${missing}: names and values unknown`),
        });
        return;
      }
      let taken = 0;
      for (const [key, value] of Object.entries(data.values)) {
        if (++taken > MAX_ENV_FROM_KEYS) {
          problems.push({
            step: i,
            code: 'too-many-keys',
            message: `${what} takes every key of ${kind} ${name}: more than ${MAX_ENV_FROM_KEYS}; the rest are not read`,
          });
          break;
        }
        if (value !== undefined) values.set(s.prefix + key, { value, sensitive: kind === 'Secret' });
        env.push({
          name: s.prefix + key,
          ...(value !== undefined ? { value } : {}),
          ...(kind === 'Secret' ? { sensitive: true } : {}),
          source: at(`${what} takes key ${key} of ${kind} ${name} (${data.where})`),
        });
      }
    } else if (s.step === 'key') {
      const { kind, name } = s.ref;
      const data = lookup(s.ref);
      if (!data) unresolved = true;
      const value = data?.values[s.key];
      // A value taken from a key is used as it is: the kubelet expands only literal values.
      if (value !== undefined) values.set(s.name, { value, sensitive: kind === 'Secret' });
      else values.delete(s.name);
      env.push({
        name: s.name,
        ...(value !== undefined ? { value } : {}),
        ...(kind === 'Secret' ? { sensitive: true } : {}),
        source: at(`env ${s.name} of ${what} from key ${s.key} of ${kind} ${name} (${data ? data.where : `not in ${missing}`})`),
      });
    } else if (s.step === 'field') {
      values.delete(s.name);
      env.push({ name: s.name, ...(s.ownField ? { ownField: true } : {}), source: s.source });
    } else {
      const x = expandReferences(s.value, (n) => values.get(n)?.value);
      const sensitive = x.used.some((n) => values.get(n)?.sensitive === true);
      if (x.truncated) {
        problems.push({
          step: i,
          code: 'expansion-too-long',
          message: `env ${s.name} of ${what}: its $(VAR) references expand past ${x.text.length} characters; the value is cut there`,
        });
      }
      values.set(s.name, { value: x.text, sensitive });
      const expanded = x.used.length > 0 ? ` (expands ${x.used.map((n) => `$(${n})`).join(', ')})` : '';
      env.push({
        name: s.name,
        value: x.text,
        ...(sensitive ? { sensitive: true } : {}),
        source: at(`env ${s.name} of ${what}${expanded}`),
      });
    }
  });
  return { env, values, unresolved, problems };
}

/** A command line as the kubelet runs it: `$(VAR)` expanded with the container's variables. */
export function expandArgv(
  argv: readonly string[],
  values: ContainerEnv,
): { expanded?: string[]; sensitive: boolean; truncated: number[] } {
  let changed = false;
  let sensitive = false;
  const truncated: number[] = [];
  const expanded = argv.map((word, i) => {
    const x = expandReferences(word, (name) => values.get(name)?.value);
    if (x.truncated) truncated.push(i);
    if (x.used.length > 0) changed = true;
    if (x.used.some((name) => values.get(name)?.sensitive === true)) sensitive = true;
    return x.text;
  });
  return changed ? { expanded, sensitive, truncated } : { sensitive, truncated };
}

/**
 * Text kept per container from mounted ConfigMap and Secret files: a ConfigMap holds at most 1 MiB,
 * so this is several whole ones; beyond it the files are not scanned (the graph reads every byte
 * kept, for every container).
 */
export const MAX_MOUNTED_TEXT = 2 * 1024 * 1024;

type MountedFile = NonNullable<ContainerFragment['mountedFiles']>[number];

/**
 * The files a mount puts in the container, with their text: every key (or the `items`) under
 * `mountPath`, or the one `subPath` names at `mountPath` itself. `budget` is the text still allowed
 * (MAX_MOUNTED_TEXT per container); returns what is left of it.
 */
export function mountedFiles(
  mount: KubeMount,
  values: Record<string, string | undefined>,
  sourceOf: (key: string, reason: string) => Source,
  what: string,
  budget: number,
  out: MountedFile[],
): number {
  const { kind, name } = mount.ref;
  const files = mount.items ?? Object.keys(values).map((key) => ({ key, path: key }));
  for (const { key, path } of files) {
    const text = values[key];
    if (text === undefined || (mount.subPath !== undefined && mount.subPath !== '' && mount.subPath !== path)) continue;
    if (text.length > budget) return 0;
    budget -= text.length;
    const at = mount.subPath ? mount.mountPath : posix.join(mount.mountPath, path);
    out.push({
      path: at,
      text,
      ...(kind === 'Secret' ? { sensitive: true } : {}),
      source: sourceOf(key, `${what} mounts key ${key} of ${kind} ${name} at ${at}`),
    });
  }
  return budget;
}
