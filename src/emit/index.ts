/**
 * The one table of emitters: `charter emit <profile> --as <id>` looks the id up here. Adding an
 * emitter is adding a file under src/emit and a line here; index.test.ts walks the table.
 */
import type { Emitter } from './types.js';
import { emitSeccomp } from './seccomp.js';
import { emitPodmanFlags } from './podman-flags.js';
import { emitK8sSecurityContext } from './k8s-security-context.js';
import { emitNetworkPolicy } from './network-policy.js';
import { emitFalcoRules } from './falco-rules.js';
import { emitTetragon } from './tetragon.js';
import { emitKubeArmor } from './kubearmor.js';

export type { Emitter, EmitOptions, EmitResult, EmittedFile } from './types.js';

function table(emitters: readonly Emitter[]): readonly Emitter[] {
  const seen = new Set<string>();
  for (const e of emitters) {
    if (seen.has(e.id)) throw new Error(`duplicate emitter id ${e.id}`);
    seen.add(e.id);
  }
  return emitters;
}

export const EMITTERS: readonly Emitter[] = table([
  {
    id: 'seccomp',
    description: 'seccomp profile per container (podman/Docker/CRI-O profile file; deny by default)',
    fileExtension: '.seccomp.json',
    emit: emitSeccomp,
  },
  {
    id: 'podman-flags',
    description: 'podman run flags per container: read-only root, tmpfs, capabilities, seccomp, user, network',
    fileExtension: '.podman.sh',
    emit: emitPodmanFlags,
  },
  {
    id: 'k8s-security-context',
    description: 'Kubernetes securityContext per container, as strategic-merge patches of its workloads',
    fileExtension: '.yaml',
    emit: emitK8sSecurityContext,
  },
  {
    id: 'network-policy',
    description: 'Kubernetes NetworkPolicy per container from the application graph (default deny)',
    fileExtension: '.yaml',
    emit: emitNetworkPolicy,
  },
  {
    id: 'falco-rules',
    description: "Falco rules alerting on processes, outbound connections and writes a container's charter does not allow",
    fileExtension: '.yaml',
    emit: emitFalcoRules,
  },
  {
    id: 'tetragon',
    description: 'Tetragon TracingPolicy per container: kills execs of files and TCP connects its charter does not allow',
    fileExtension: '.yaml',
    emit: emitTetragon,
  },
  {
    id: 'kubearmor',
    description: 'KubeArmorPolicy per container: allow-lists of executables, writable directories, protocols and capabilities',
    fileExtension: '.yaml',
    emit: emitKubeArmor,
  },
]);

export function emitterFor(id: string): Emitter | undefined {
  return EMITTERS.find((e) => e.id === id);
}

/** Exported for the meta-test: the table check, reusable on a candidate list. */
export { table as emitterTable };
