/**
 * `k8s-security-context`: Kubernetes securityContext settings per container, as strategic-merge
 * patches of the workloads that run them (one YAML document per workload, usable with
 * `kubectl patch --type strategic` or as a kustomize patch), or, for a container no workload
 * names, a bare `containers[]` entry to paste into a pod spec.
 */
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import type { EmitOptions, EmitResult } from './types.js';
import { fileSafeName, parseUser, selectContainers, sortDiagnostics, sortedUnique, warning, yamlDocument, yamlStream } from './internal.js';
import { bareCapability } from '../util/capabilities.js';
import { compareStrings } from '../util/sort.js';

const FILE = 'security-context.yaml';

/** Where each workload kind keeps its pod spec, and the API group it lives in. */
const WORKLOAD_KINDS = {
  Pod: { apiVersion: 'v1', podSpecPath: ['spec'] },
  ReplicationController: { apiVersion: 'v1', podSpecPath: ['spec', 'template', 'spec'] },
  Deployment: { apiVersion: 'apps/v1', podSpecPath: ['spec', 'template', 'spec'] },
  StatefulSet: { apiVersion: 'apps/v1', podSpecPath: ['spec', 'template', 'spec'] },
  DaemonSet: { apiVersion: 'apps/v1', podSpecPath: ['spec', 'template', 'spec'] },
  ReplicaSet: { apiVersion: 'apps/v1', podSpecPath: ['spec', 'template', 'spec'] },
  Job: { apiVersion: 'batch/v1', podSpecPath: ['spec', 'template', 'spec'] },
  CronJob: { apiVersion: 'batch/v1', podSpecPath: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
} as const satisfies Record<string, { apiVersion: string; podSpecPath: readonly string[] }>;
type WorkloadKind = keyof typeof WORKLOAD_KINDS;

function isWorkloadKind(kind: string): kind is WorkloadKind {
  return Object.hasOwn(WORKLOAD_KINDS, kind);
}

interface Built {
  entry: Record<string, unknown>;
  notes: string[];
  warnings: Diagnostic[];
}

function containerEntry(c: ContainerCharter): Built {
  const notes: string[] = [];
  const warnings: Diagnostic[] = [];
  const sc: Record<string, unknown> = {};

  if (c.privileges.allowPrivilegeEscalation?.value === true) {
    notes.push(`${c.name}: the profile allows privilege escalation, so allowPrivilegeEscalation is left unset`);
  } else {
    sc['allowPrivilegeEscalation'] = false;
  }
  const add = sortedUnique(c.capabilities.map((x) => bareCapability(x.name))).filter((x) => x !== 'ALL');
  sc['capabilities'] = add.length > 0 ? { add, drop: ['ALL'] } : { drop: ['ALL'] };
  sc['readOnlyRootFilesystem'] = c.filesystem.readOnlyRoot.value;

  if (c.user !== undefined) {
    const user = parseUser(c.user.name);
    if (user.gid !== undefined) sc['runAsGroup'] = user.gid;
    if (user.nonRoot) sc['runAsNonRoot'] = true;
    if (user.uid !== undefined) sc['runAsUser'] = user.uid;
    if (user.nonRoot && user.named) {
      // The kubelet refuses to start a runAsNonRoot container whose image user is a name and whose
      // runAsUser is unset: it cannot prove the name is not uid 0 without the image's passwd file.
      const msg = `${c.name}: user "${c.user.name}" is a name; set runAsUser to its uid or the kubelet cannot verify runAsNonRoot`;
      notes.push(msg);
      warnings.push(warning('emit.k8s.named-user', FILE, msg));
    }
  }
  sc['seccompProfile'] = { localhostProfile: `charter/${fileSafeName(c.name)}.json`, type: 'Localhost' };

  const writable = sortedUnique(c.filesystem.writable.map((w) => `${w.path} (${w.kind})`));
  if (c.filesystem.readOnlyRoot.value && writable.length > 0) {
    notes.push(`${c.name}: mount a volume (emptyDir for tmpfs) at each writable path: ${writable.join(', ')}`);
  }
  if (c.privileges.privileged?.value === true) {
    const msg = `${c.name}: the profile declares privileged mode; privileged is not emitted`;
    notes.push(msg);
    warnings.push(warning('emit.k8s.privileged', FILE, msg));
  }
  return { entry: { name: c.name, securityContext: sc }, notes, warnings };
}

function nest(path: readonly string[], leaf: Record<string, unknown>): Record<string, unknown> {
  let out = leaf;
  for (const key of [...path].reverse()) out = { [key]: out };
  return out;
}

export function emitK8sSecurityContext(charter: Charter, opts: EmitOptions): EmitResult {
  const warnings: Diagnostic[] = [];
  const groups = new Map<string, { kind: WorkloadKind; name: string; namespace?: string; built: Built[] }>();
  const bare: Built[] = [];

  for (const c of selectContainers(charter, opts)) {
    const built = containerEntry(c);
    warnings.push(...built.warnings);
    const workloads = c.identity.workloads.filter((w) => isWorkloadKind(w.kind));
    for (const w of c.identity.workloads) {
      if (!isWorkloadKind(w.kind)) {
        warnings.push(
          warning(
            'emit.k8s.unknown-kind',
            FILE,
            `container ${c.name}: workload kind ${w.kind} is not a Kubernetes workload kind; no patch for ${w.name}`,
          ),
        );
      }
    }
    if (workloads.length === 0) bare.push(built);
    for (const w of workloads) {
      if (!isWorkloadKind(w.kind)) continue;
      const key = JSON.stringify([w.kind, w.namespace ?? '', w.name]);
      const group = groups.get(key) ?? {
        kind: w.kind,
        name: w.name,
        ...(w.namespace !== undefined ? { namespace: w.namespace } : {}),
        built: [],
      };
      group.built.push(built);
      groups.set(key, group);
    }
  }

  const docs: string[] = [];
  for (const key of [...groups.keys()].sort(compareStrings)) {
    const g = groups.get(key);
    if (g === undefined) continue;
    const spec = WORKLOAD_KINDS[g.kind];
    const entries = [...g.built].sort((a, b) => compareStrings(String(a.entry['name']), String(b.entry['name'])));
    const ns = g.namespace !== undefined ? ` -n ${g.namespace}` : '';
    const comment = [
      `strategic-merge patch for ${g.kind} ${g.namespace !== undefined ? `${g.namespace}/` : ''}${g.name}`,
      `kubectl patch ${g.kind.toLowerCase()} ${g.name}${ns} --type strategic --patch-file FILE (one document per file), or a kustomize patch`,
      ...entries.flatMap((e) => e.notes),
    ].join('\n');
    docs.push(
      yamlDocument(
        {
          apiVersion: spec.apiVersion,
          kind: g.kind,
          metadata: { name: g.name, ...(g.namespace !== undefined ? { namespace: g.namespace } : {}) },
          ...nest(spec.podSpecPath, { containers: entries.map((e) => e.entry) }),
        },
        comment,
      ),
    );
  }
  for (const b of bare.sort((x, y) => compareStrings(String(x.entry['name']), String(y.entry['name'])))) {
    const comment = [
      `container ${String(b.entry['name'])}: no workload names it; merge this entry into its pod spec's containers`,
      ...b.notes,
    ].join('\n');
    docs.push(yamlDocument(b.entry, comment));
  }
  return { files: [{ name: FILE, content: yamlStream(docs) }], warnings: sortDiagnostics(warnings) };
}
