/**
 * A workload (Pod, Deployment, StatefulSet, CronJob, …) → one container fragment per container
 * and init container of its pod spec, each knowing the pod's labels, volumes and claim templates.
 */
import { toPointer } from '../../util/json-pointer.js';
import { isRecord } from '../../util/records.js';
import { containerFragment } from './container.js';
import type { ContainerContext, Workload } from './container-context.js';
import { getPath } from './node-path.js';
import { check, diagnose, type KubeObject, type ReaderContext } from './reader-context.js';
import { ClaimTemplateSchema, ContainerSchema, LabelsSchema, PodSpecSchema, VolumeSchema, type Volume } from './schema.js';
import type { NodePath } from './yaml-stream.js';

/** Where the pod template sits in each workload kind, by API group ('' is the core group). */
export const WORKLOADS: Readonly<Record<string, { groups: readonly string[]; podSpec: NodePath }>> = {
  Pod: { groups: [''], podSpec: ['spec'] },
  ReplicationController: { groups: [''], podSpec: ['spec', 'template', 'spec'] },
  Deployment: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  StatefulSet: { groups: ['apps'], podSpec: ['spec', 'template', 'spec'] },
  DaemonSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  ReplicaSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  Job: { groups: ['batch'], podSpec: ['spec', 'template', 'spec'] },
  CronJob: { groups: ['batch'], podSpec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

export function readWorkload(reader: ReaderContext, obj: KubeObject, podPath: NodePath): void {
  const w: Workload = { kind: obj.manifest.kind, name: obj.name, namespace: obj.namespace };
  const podRaw = getPath(obj.value, podPath);
  if (!isRecord(podRaw)) {
    diagnose(
      reader,
      obj.doc,
      obj.base,
      'kubernetes/invalid-object',
      'error',
      `${w.kind} ${w.name} has no pod spec at ${toPointer(podPath)}; skipped`,
    );
    return;
  }
  const pod = check(reader, obj, podPath, PodSpecSchema, podRaw, 'pod spec');
  if (!pod) return;
  if (!pod.containers || pod.containers.length === 0) {
    diagnose(
      reader,
      obj.doc,
      [...obj.base, ...podPath],
      'kubernetes/invalid-object',
      'warning',
      `${w.kind} ${w.name} declares no containers`,
    );
  }
  // The pod template's labels sit beside its spec; a bare Pod's are its own metadata labels.
  const labelsPath = podPath.length === 1 ? ['metadata', 'labels'] : [...podPath.slice(0, -1), 'metadata', 'labels'];
  const labelsRaw = getPath(obj.value, labelsPath);
  const labels = labelsRaw == null ? {} : (check(reader, obj, labelsPath, LabelsSchema, labelsRaw, 'pod labels') ?? {});

  const volumes = new Map<string, { volume: Volume; path: NodePath }>();
  pod.volumes?.forEach((raw, i) => {
    const path = [...podPath, 'volumes', i];
    const volume = check(reader, obj, path, VolumeSchema, raw, 'volume');
    if (volume) volumes.set(volume.name, { volume, path });
  });
  const claims = new Map<string, NodePath>();
  const claimTemplates = getPath(obj.value, ['spec', 'volumeClaimTemplates']);
  if (w.kind === 'StatefulSet' && Array.isArray(claimTemplates)) {
    claimTemplates.forEach((raw, i) => {
      const path = ['spec', 'volumeClaimTemplates', i];
      const claim = check(reader, obj, path, ClaimTemplateSchema, raw, 'volume claim template');
      if (claim) claims.set(claim.metadata.name, path);
    });
  }

  for (const [field, init] of [
    ['containers', false],
    ['initContainers', true],
  ] as const) {
    pod[field]?.forEach((raw, i) => {
      const path = [...podPath, field, i];
      const container = check(reader, obj, path, ContainerSchema, raw, init ? 'init container' : 'container');
      if (!container) return;
      const ctx: ContainerContext = { reader, obj, workload: w, pod, podPath, container, path, init, labels, volumes, claims };
      reader.result.containers.push(containerFragment(ctx));
    });
  }
}
