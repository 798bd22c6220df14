/**
 * Kubernetes checks (CHARTER-K8S-…) over plain objects, so one function serves manifests on disk
 * (with line/column from the YAML) and objects arriving in an admission request (pointer only).
 * Follows the Pod Security Standards' field lists: every container kind (init, ephemeral) counts,
 * container settings override pod settings field by field.
 */
import type { Diagnostic } from '../../model/charter.js';
import { MAX_TEXT_LENGTH } from '../../readers/kubernetes/extract.js';
import { limitPosition } from '../../readers/common/text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { parseYamlStream, type NodePath, type Position } from '../../readers/kubernetes/yaml-stream.js';
import { parseImageRef } from '../../util/image-ref.js';
import { toPointer } from '../../util/json-pointer.js';
import { finding, location, type FindingDetail } from '../../knowledge/hygiene-catalogue.js';
import type { Finding } from '../../model/findings.js';
import { checkData, classifyHostPath } from './data.js';
import { isRecord } from '../../util/records.js';
import { bareCapability } from '../../util/capabilities.js';

export const KUBERNETES_CHECK_IDS = [
  'CHARTER-K8S-001',
  'CHARTER-K8S-002',
  'CHARTER-K8S-003',
  'CHARTER-K8S-004',
  'CHARTER-K8S-005',
  'CHARTER-K8S-006',
  'CHARTER-K8S-007',
  'CHARTER-K8S-008',
  'CHARTER-K8S-009',
  'CHARTER-K8S-010',
  'CHARTER-K8S-011',
  'CHARTER-K8S-012',
  'CHARTER-K8S-013',
  'CHARTER-K8S-014',
  'CHARTER-K8S-015',
  'CHARTER-K8S-016',
  'CHARTER-K8S-017',
  'CHARTER-K8S-018',
  'CHARTER-K8S-019',
  'CHARTER-K8S-020',
  'CHARTER-K8S-021',
  'CHARTER-K8S-022',
  'CHARTER-K8S-023',
  'CHARTER-K8S-024',
  'CHARTER-K8S-025',
] as const;

/** Where an object sits: the file (or `admission:<uid>`), its document, and a position finder. */
export interface ObjectLocation {
  artifact: string;
  document?: number;
  /** Path of the object inside its document (e.g. `['items', 2]` in a List). */
  basePath?: NodePath;
  /** 1-based line/column of a path inside the document (from the YAML); absent for admission objects. */
  locate?: (path: NodePath) => Position | undefined;
}

type Rec = Record<string, unknown>;
const rec = (v: unknown): Rec => (isRecord(v) ? v : {});
const arr = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

/** Path of the pod spec and pod metadata inside an object, by kind (or by shape when `kind` is absent). */
function podPaths(obj: Rec): { spec: NodePath; meta: NodePath } | undefined {
  const kind = typeof obj['kind'] === 'string' ? obj['kind'] : undefined;
  const spec = rec(obj['spec']);
  if (kind === 'Pod' || (kind === undefined && Array.isArray(spec['containers']))) return { spec: ['spec'], meta: ['metadata'] };
  if (kind === 'CronJob') {
    return { spec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'], meta: ['spec', 'jobTemplate', 'spec', 'template', 'metadata'] };
  }
  const template = rec(spec['template']);
  if ((kind !== undefined && TEMPLATE_KINDS.has(kind)) || Array.isArray(rec(template['spec'])['containers'])) {
    return { spec: ['spec', 'template', 'spec'], meta: ['spec', 'template', 'metadata'] };
  }
  return undefined;
}

function get(obj: unknown, path: NodePath): unknown {
  let cur: unknown = obj;
  for (const seg of path) {
    if (typeof seg === 'number') cur = Array.isArray(cur) ? cur[seg] : undefined;
    else cur = isRecord(cur) ? cur[seg] : undefined;
  }
  return cur;
}

/**
 * Checks one Kubernetes object (a Pod, a workload with a pod template, or a List of them). Objects
 * without a pod spec give no findings. Never throws on malformed input: wrong types are ignored.
 */
export function checkKubernetesObject(obj: unknown, where: ObjectLocation): Finding[] {
  if (!isRecord(obj)) return [];
  const base = where.basePath ?? [];
  const kind = obj['kind'];
  if (typeof kind === 'string' && kind.endsWith('List') && Array.isArray(obj['items'])) {
    return obj['items'].flatMap((item, i) => checkKubernetesObject(item, { ...where, basePath: [...base, 'items', i] }));
  }
  const paths = podPaths(obj);
  if (!paths) return [];
  const pod = rec(get(obj, paths.spec));
  const meta = rec(get(obj, paths.meta));
  const findings: Finding[] = [];
  const seen = new Set<string>();
  const d = checkData();

  const emit = (id: string, path: NodePath, detail: FindingDetail = {}): void => {
    const full = [...base, ...path];
    const pointer = toPointer(full);
    const key = `${id}\u0000${pointer}\u0000${detail.title ?? ''}`;
    if (seen.has(key)) return;
    seen.add(key);
    const pos = where.locate?.(full);
    findings.push(
      finding(
        id,
        [location({ artifact: where.artifact, document: where.document, pointer, line: pos?.line, column: pos?.column })],
        detail,
      ),
    );
  };
  const P = (...rest: NodePath): NodePath => [...paths.spec, ...rest];
  const psc = rec(pod['securityContext']);

  // Host namespaces (baseline).
  if (pod['hostNetwork'] === true) emit('CHARTER-K8S-005', P('hostNetwork'));
  if (pod['hostPID'] === true) emit('CHARTER-K8S-006', P('hostPID'));
  if (pod['hostIPC'] === true) emit('CHARTER-K8S-007', P('hostIPC'));

  // Volumes: hostPath (baseline) and the restricted volume types.
  for (const [i, v] of arr(pod['volumes']).entries()) {
    const vol = rec(v);
    const hostPath = rec(vol['hostPath'])['path'];
    if (vol['hostPath'] !== undefined) {
      const p = typeof hostPath === 'string' ? hostPath : '';
      const cls = classifyHostPath(p);
      const id = cls === 'socket' ? 'CHARTER-K8S-004' : cls === 'sensitive' ? 'CHARTER-K8S-003' : 'CHARTER-K8S-002';
      emit(id, P('volumes', i, 'hostPath', 'path'), {
        title: `${cls === 'socket' ? 'Container runtime socket' : cls === 'sensitive' ? 'Sensitive host directory' : 'hostPath volume'} ${p} mounted (volume ${String(vol['name'] ?? i)})`,
      });
      continue;
    }
    const type = Object.keys(vol).find((k) => k !== 'name');
    if (type !== undefined && !d.pssRestrictedVolumeTypes.has(type)) {
      emit('CHARTER-K8S-025', P('volumes', i, type), {
        title: `Volume type ${type} outside the restricted set (volume ${String(vol['name'] ?? i)})`,
      });
    }
  }

  // Pod-level security context.
  for (const [i, s] of arr(psc['sysctls']).entries()) {
    const name = rec(s)['name'];
    if (typeof name === 'string' && !d.pssSafeSysctls.has(name))
      emit('CHARTER-K8S-021', P('securityContext', 'sysctls', i, 'name'), { title: `Unsafe sysctl ${name}` });
  }
  checkSelinux(psc, P('securityContext'), emit);
  if (rec(psc['windowsOptions'])['hostProcess'] === true) emit('CHARTER-K8S-024', P('securityContext', 'windowsOptions', 'hostProcess'));
  if (rec(psc['appArmorProfile'])['type'] === 'Unconfined') emit('CHARTER-K8S-022', P('securityContext', 'appArmorProfile', 'type'));

  // Annotations (older clusters): seccomp and AppArmor per pod or per container.
  const annotations = rec(meta['annotations']);
  const podSeccompAnnotation = annotations['seccomp.security.alpha.kubernetes.io/pod'];
  if (podSeccompAnnotation === 'unconfined')
    emit('CHARTER-K8S-016', [...paths.meta, 'annotations', 'seccomp.security.alpha.kubernetes.io/pod']);

  for (const group of ['initContainers', 'containers', 'ephemeralContainers'] as const) {
    for (const [ci, c] of arr(pod[group]).entries()) {
      if (!isRecord(c)) continue;
      const name = typeof c['name'] === 'string' ? c['name'] : String(ci);
      const C = (...rest: NodePath): NodePath => P(group, ci, ...rest);
      const sc = rec(c['securityContext']);
      const S = (...rest: NodePath): NodePath => C('securityContext', ...rest);
      const named = (title: string): FindingDetail => ({ title: `${title} (container ${name})` });
      const hasSc = isRecord(c['securityContext']);

      if (sc['privileged'] === true) emit('CHARTER-K8S-001', S('privileged'), named('Privileged container'));

      for (const [pi, port] of arr(c['ports']).entries()) {
        const hp = rec(port)['hostPort'];
        if (typeof hp === 'number' && hp > 0) emit('CHARTER-K8S-008', C('ports', pi, 'hostPort'), named(`hostPort ${hp}`));
      }

      const caps = rec(sc['capabilities']);
      const added = arr(caps['add']).filter((x): x is string => typeof x === 'string');
      for (const [ai, raw] of added.entries()) {
        const cap = bareCapability(raw);
        if (d.pssBaselineCapabilities.has(cap)) continue;
        emit('CHARTER-K8S-009', S('capabilities', 'add', ai), {
          ...named(`Capability ${cap} added`),
          severity: d.dangerousCapabilities.has(cap) ? 'high' : 'medium',
        });
      }
      const dropsAll = arr(caps['drop']).some((x) => typeof x === 'string' && bareCapability(x) === 'ALL');
      const addsBeyondNbs = added.some((x) => bareCapability(x) !== 'NET_BIND_SERVICE');
      if (!dropsAll || addsBeyondNbs) {
        emit(
          'CHARTER-K8S-010',
          isRecord(sc['capabilities']) ? S('capabilities') : hasSc ? S() : C(),
          named(dropsAll ? 'Capabilities added beyond NET_BIND_SERVICE' : 'Capabilities not dropped'),
        );
      }

      if (sc['allowPrivilegeEscalation'] === true)
        emit('CHARTER-K8S-011', S('allowPrivilegeEscalation'), named('allowPrivilegeEscalation: true'));
      else if (sc['allowPrivilegeEscalation'] !== false)
        emit('CHARTER-K8S-012', hasSc ? S() : C(), named('allowPrivilegeEscalation not set to false'));

      // Users: the container's field wins over the pod's, field by field.
      const runAsUser =
        sc['runAsUser'] !== undefined
          ? { v: sc['runAsUser'], at: S('runAsUser') }
          : psc['runAsUser'] !== undefined
            ? { v: psc['runAsUser'], at: P('securityContext', 'runAsUser') }
            : undefined;
      if (runAsUser?.v === 0) emit('CHARTER-K8S-013', runAsUser.at, { title: 'Runs as uid 0' });
      const nonRoot = sc['runAsNonRoot'] !== undefined ? sc['runAsNonRoot'] : psc['runAsNonRoot'];
      if (nonRoot !== true) {
        const explicitUser = typeof runAsUser?.v === 'number' && runAsUser.v > 0;
        emit('CHARTER-K8S-014', sc['runAsNonRoot'] !== undefined ? S('runAsNonRoot') : hasSc ? S() : C(), {
          ...named('runAsNonRoot is not true'),
          ...(explicitUser
            ? {
                severity: 'low' as const,
                description:
                  'runAsNonRoot is not true, but runAsUser sets a non-zero uid; the restricted policy still requires runAsNonRoot: true.',
              }
            : {}),
        });
      }

      if (sc['readOnlyRootFilesystem'] !== true)
        emit(
          'CHARTER-K8S-015',
          sc['readOnlyRootFilesystem'] !== undefined ? S('readOnlyRootFilesystem') : hasSc ? S() : C(),
          named('Root file system is writable'),
        );

      // Seccomp: container field, else pod field, else the (deprecated) annotations.
      const cType = rec(sc['seccompProfile'])['type'];
      const pType = rec(psc['seccompProfile'])['type'];
      const cAnnotation = annotations[`container.seccomp.security.alpha.kubernetes.io/${name}`];
      if (cType === 'Unconfined') emit('CHARTER-K8S-016', S('seccompProfile', 'type'), named('Seccomp explicitly Unconfined'));
      else if (cType === undefined && pType === 'Unconfined') emit('CHARTER-K8S-016', P('securityContext', 'seccompProfile', 'type'));
      else if (cType === undefined && pType === undefined && cAnnotation === 'unconfined') {
        emit(
          'CHARTER-K8S-016',
          [...paths.meta, 'annotations', `container.seccomp.security.alpha.kubernetes.io/${name}`],
          named('Seccomp explicitly unconfined'),
        );
      } else if (cType === undefined && pType === undefined && cAnnotation === undefined && podSeccompAnnotation === undefined) {
        emit('CHARTER-K8S-017', hasSc ? S() : C(), named('No seccomp profile'));
      }

      const limits = rec(rec(c['resources'])['limits']);
      const missing = ['cpu', 'memory'].filter((k) => limits[k] === undefined);
      if (group !== 'ephemeralContainers' && missing.length > 0) {
        emit('CHARTER-K8S-018', isRecord(c['resources']) ? C('resources') : C(), named(`No ${missing.join(' or ')} limit`));
      }

      const image = c['image'];
      if (typeof image === 'string' && image !== '') {
        const ref = parseImageRef(image);
        if (!ref.digest && (!ref.tag || ref.tag === 'latest'))
          emit('CHARTER-K8S-019', C('image'), named(`Image ${image} ${ref.tag ? 'uses the latest tag' : 'has no tag'}`));
      }

      if (sc['procMount'] === 'Unmasked') emit('CHARTER-K8S-020', S('procMount'), named('procMount Unmasked'));
      checkSelinux(sc, S(), emit, name);
      if (rec(sc['appArmorProfile'])['type'] === 'Unconfined')
        emit('CHARTER-K8S-022', S('appArmorProfile', 'type'), named('AppArmor unconfined'));
      const aaKey = `container.apparmor.security.beta.kubernetes.io/${name}`;
      if (annotations[aaKey] === 'unconfined') emit('CHARTER-K8S-022', [...paths.meta, 'annotations', aaKey], named('AppArmor unconfined'));
      if (rec(sc['windowsOptions'])['hostProcess'] === true)
        emit('CHARTER-K8S-024', S('windowsOptions', 'hostProcess'), named('Windows HostProcess container'));
    }
  }
  return findings;
}

function checkSelinux(sc: Rec, at: NodePath, emit: (id: string, path: NodePath, detail?: FindingDetail) => void, container?: string): void {
  const se = sc['seLinuxOptions'];
  if (!isRecord(se)) return;
  const type = se['type'];
  const bad =
    (typeof type === 'string' && type !== '' && !checkData().pssSelinuxTypes.has(type)) ||
    (typeof se['user'] === 'string' && se['user'] !== '') ||
    (typeof se['role'] === 'string' && se['role'] !== '');
  if (bad)
    emit('CHARTER-K8S-023', [...at, 'seLinuxOptions'], container ? { title: `Custom SELinux options (container ${container})` } : {});
}

export interface ManifestCheckResult {
  findings: Finding[];
  diagnostics: Diagnostic[];
}

/** Checks every object of a manifest file (YAML stream or JSON); broken documents are reported and skipped. */
export function checkKubernetesManifest(path: string, text: string, invalidUtf8: readonly InvalidUtf8[] = []): ManifestCheckResult {
  const diagnostics: Diagnostic[] = [];
  if (text.length > MAX_TEXT_LENGTH) {
    diagnostics.push({
      code: 'kubernetes/too-large',
      severity: 'error',
      message: `file is ${text.length} characters; manifests larger than ${MAX_TEXT_LENGTH} are not checked`,
      file: path,
      ...limitPosition(text, MAX_TEXT_LENGTH),
    });
    return { findings: [], diagnostics };
  }
  const findings: Finding[] = [];
  for (const doc of parseYamlStream(text, invalidUtf8)) {
    for (const p of doc.problems) {
      if (p.kind === 'warning') continue;
      diagnostics.push({
        code: `kubernetes/yaml-${p.kind}`,
        severity: 'error',
        message: p.message,
        file: path,
        ...(p.position ? { line: p.position.line, column: p.position.column } : {}),
      });
    }
    if (doc.value === undefined) continue;
    findings.push(...checkKubernetesObject(doc.value, { artifact: path, document: doc.index, locate: doc.locate }));
  }
  return { findings, diagnostics };
}
