/**
 * Kubernetes manifests → container fragments, Service and NetworkPolicy declarations. Each
 * document of the stream is read on its own; ConfigMaps and Secrets of the same file are
 * collected first so that env references to them resolve to values.
 */
import type { z } from 'zod';
import type { Diagnostic, NamedRule, Protocol, Source, WritablePath } from '../../model/charter.js';
import { toPointer } from '../../util/json-pointer.js';
import {
  emptyFragment,
  emptyResult,
  type ContainerFragment,
  type FragmentKey,
  type ReaderInput,
  type ReaderResult,
  type ServiceDecl,
} from '../../model/fragments.js';
import {
  ClaimTemplateSchema,
  ConfigMapSchema,
  ContainerPortSchema,
  ContainerSchema,
  EnvFromSchema,
  EnvVarSchema,
  LabelsSchema,
  ManifestSchema,
  NetworkPolicySpecSchema,
  PodSpecSchema,
  SecretSchema,
  ServicePortSchema,
  ServiceSpecSchema,
  VolumeMountSchema,
  VolumeSchema,
  type Container,
  type Handler,
  type Manifest,
  type PodSpec,
  type Volume,
} from './schema.js';
import { parseLenient } from './validate.js';
import { limitPosition } from '../shared/text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { parseYamlStream, type NodePath, type StreamDocument } from './yaml-stream.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';
import { prefixedCapability } from '../../util/capabilities.js';
import { isRecord } from '../../util/records.js';

/**
 * Larger files are refused. The API server caps a request at 3 MiB and etcd an object at 1.5 MiB,
 * so even a bundle of many CRDs stays well below this; the YAML parser needs roughly 40 bytes of
 * memory and half a second per input megabyte, so the cap also bounds time and memory.
 */
export const MAX_TEXT_LENGTH = 10 * 1024 * 1024;

/** Where the pod template sits in each workload kind, by API group ('' is the core group). */
const WORKLOADS: Readonly<Record<string, { groups: readonly string[]; podSpec: NodePath }>> = {
  Pod: { groups: [''], podSpec: ['spec'] },
  ReplicationController: { groups: [''], podSpec: ['spec', 'template', 'spec'] },
  Deployment: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  StatefulSet: { groups: ['apps'], podSpec: ['spec', 'template', 'spec'] },
  DaemonSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  ReplicaSet: { groups: ['apps', 'extensions'], podSpec: ['spec', 'template', 'spec'] },
  Job: { groups: ['batch'], podSpec: ['spec', 'template', 'spec'] },
  CronJob: { groups: ['batch'], podSpec: ['spec', 'jobTemplate', 'spec', 'template', 'spec'] },
};

const PROBES = [
  { path: ['livenessProbe'], label: 'liveness probe' },
  { path: ['readinessProbe'], label: 'readiness probe' },
  { path: ['startupProbe'], label: 'startup probe' },
  { path: ['lifecycle', 'postStart'], label: 'postStart hook' },
  { path: ['lifecycle', 'preStop'], label: 'preStop hook' },
] as const;

/** One Kubernetes object: a document, or an item of a `kind: List` document. */
interface KubeObject {
  doc: StreamDocument;
  /** Path of the object inside its document (`[]`, or `['items', 3]`). */
  base: NodePath;
  value: Record<string, unknown>;
  manifest: Manifest;
  name: string;
  namespace: string;
}

interface ConfigData {
  /** Key → value; `undefined` for a Secret value that is not valid base64 UTF-8 text. */
  values: Record<string, string | undefined>;
  where: string;
}

interface Workload {
  kind: string;
  name: string;
  namespace: string;
}

export function readManifests(input: ReaderInput): ReaderResult {
  return new ManifestReader(input.path).read(input.text, input.invalidUtf8);
}

class ManifestReader {
  private readonly result = emptyResult();
  private readonly configData = new Map<string, ConfigData>();

  constructor(private readonly file: string) {}

  read(text: string, invalidUtf8: readonly InvalidUtf8[] = []): ReaderResult {
    if (text.length > MAX_TEXT_LENGTH) {
      this.result.diagnostics.push({
        code: 'kubernetes/too-large',
        severity: 'error',
        message: `file is ${text.length} characters; manifests larger than ${MAX_TEXT_LENGTH} are not read`,
        file: this.file,
        ...limitPosition(text, MAX_TEXT_LENGTH),
      });
      return this.result;
    }
    const objects: KubeObject[] = [];
    for (const doc of parseYamlStream(text, invalidUtf8)) {
      try {
        this.reportProblems(doc);
        if (doc.value === undefined || doc.value === null) continue;
        this.collect(doc, [], doc.value, objects);
      } catch (err) {
        this.internal(doc, err);
      }
    }
    for (const obj of objects) {
      try {
        this.collectConfigData(obj);
      } catch (err) {
        this.internal(obj.doc, err);
      }
    }
    for (const obj of objects) {
      try {
        this.readObject(obj);
      } catch (err) {
        // A bug here must cost one object, not the file: the other objects are still read.
        this.internal(obj.doc, err);
      }
    }
    // Stable order for output and goldens: by position, file-level problems first.
    this.result.diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
    return this.result;
  }

  private reportProblems(doc: StreamDocument): void {
    for (const p of doc.problems) {
      const code: DiagnosticCode = `kubernetes/yaml-${p.kind}`;
      const message = p.kind === 'warning' ? `document ${doc.index}: ${p.message}` : `document ${doc.index} is not read: ${p.message}`;
      this.result.diagnostics.push({
        code,
        severity: p.kind === 'warning' ? 'warning' : 'error',
        message,
        file: this.file,
        ...(p.position ? { line: p.position.line, column: p.position.column } : {}),
      });
    }
  }

  private internal(doc: StreamDocument, err: unknown): void {
    const message = errorMessage(err);
    this.diagnose(doc, [], 'kubernetes/invalid-object', 'error', `document ${doc.index} could not be read: ${message}`);
  }

  private collect(doc: StreamDocument, base: NodePath, value: unknown, out: KubeObject[]): void {
    if (!isRecord(value)) {
      const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
      this.diagnose(
        doc,
        base,
        'kubernetes/invalid-object',
        'error',
        `${describeAt(doc, base)} is ${what}, not a Kubernetes object; skipped`,
      );
      return;
    }
    const header = parseLenient(ManifestSchema, value);
    if (header.data === undefined) {
      const missing = header.issues.map((i) => pathLabel(i.path)).join(', ');
      this.diagnose(
        doc,
        base,
        'kubernetes/invalid-object',
        'error',
        `${describeAt(doc, base)} is not a Kubernetes object (bad or missing ${missing}); skipped`,
      );
      return;
    }
    for (const issue of header.issues) {
      this.diagnose(
        doc,
        [...base, ...issue.path],
        'kubernetes/invalid-field',
        'warning',
        `${pathLabel(issue.path)} ignored: ${issue.message}`,
      );
    }
    const manifest = header.data;
    if (/List$/.test(manifest.kind) && Array.isArray(value.items)) {
      if (base.length > 0) {
        this.diagnose(doc, base, 'kubernetes/invalid-object', 'error', 'a List inside a List is not read');
        return;
      }
      value.items.forEach((item, i) => this.collect(doc, ['items', i], item, out));
      return;
    }
    const name = manifest.metadata?.name ?? manifest.metadata?.generateName ?? '(unnamed)';
    const namespace = manifest.metadata?.namespace ?? 'default';
    out.push({ doc, base, value, manifest, name, namespace });
  }

  private collectConfigData(obj: KubeObject): void {
    const { kind, apiVersion } = obj.manifest;
    if (apiVersion !== 'v1' || (kind !== 'ConfigMap' && kind !== 'Secret')) return;
    const where = `defined in document ${obj.doc.index} of this file`;
    const values: Record<string, string | undefined> = {};
    if (kind === 'ConfigMap') {
      const cm = this.check(obj, [], ConfigMapSchema, obj.value, 'ConfigMap');
      Object.assign(values, cm?.data ?? {});
    } else {
      const secret = this.check(obj, [], SecretSchema, obj.value, 'Secret');
      for (const [key, encoded] of Object.entries(secret?.data ?? {})) values[key] = decodeBase64Text(encoded);
      // stringData wins over data, as the API server merges them.
      Object.assign(values, secret?.stringData ?? {});
    }
    this.configData.set(`${kind}/${obj.namespace}/${obj.name}`, { values, where });
  }

  private readObject(obj: KubeObject): void {
    const { kind, apiVersion } = obj.manifest;
    const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
    const workload = WORKLOADS[kind];
    if (workload?.groups.includes(group)) {
      this.readWorkload(obj, workload.podSpec);
      return;
    }
    if (kind === 'Service' && group === '') {
      this.readService(obj);
      return;
    }
    if (kind === 'NetworkPolicy' && (group === 'networking.k8s.io' || group === 'extensions')) {
      this.readNetworkPolicy(obj);
      return;
    }
    // Argo Rollouts, OpenShift DeploymentConfigs, Knative Services, …: anything carrying a pod
    // template in the usual place is read as a workload, and says so.
    const spec = obj.value.spec;
    const template = isRecord(spec) ? spec.template : undefined;
    const podSpec = isRecord(template) ? template.spec : undefined;
    if (isRecord(podSpec) && Array.isArray(podSpec.containers)) {
      this.diagnose(
        obj.doc,
        obj.base,
        'kubernetes/unknown-workload',
        'info',
        `${kind} ${obj.name} (${apiVersion}) is not a known workload kind, but it has a pod template at spec.template.spec: its containers are read`,
      );
      this.readWorkload(obj, ['spec', 'template', 'spec']);
    }
    // Everything else (ServiceAccount, Ingress, RBAC, CRDs, ConfigMap, Secret, …) declares nothing
    // about what a container does, and is skipped without a word.
  }

  // ── workloads ────────────────────────────────────────────────────────────────────────────────

  private readWorkload(obj: KubeObject, podPath: NodePath): void {
    const w: Workload = { kind: obj.manifest.kind, name: obj.name, namespace: obj.namespace };
    const podRaw = getPath(obj.value, podPath);
    if (!isRecord(podRaw)) {
      this.diagnose(
        obj.doc,
        obj.base,
        'kubernetes/invalid-object',
        'error',
        `${w.kind} ${w.name} has no pod spec at ${toPointer(podPath)}; skipped`,
      );
      return;
    }
    const pod = this.check(obj, podPath, PodSpecSchema, podRaw, 'pod spec');
    if (!pod) return;
    if (!pod.containers || pod.containers.length === 0) {
      this.diagnose(
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
    const labels = labelsRaw == null ? {} : (this.check(obj, labelsPath, LabelsSchema, labelsRaw, 'pod labels') ?? {});

    const volumes = new Map<string, { volume: Volume; path: NodePath }>();
    pod.volumes?.forEach((raw, i) => {
      const path = [...podPath, 'volumes', i];
      const volume = this.check(obj, path, VolumeSchema, raw, 'volume');
      if (volume) volumes.set(volume.name, { volume, path });
    });
    const claims = new Map<string, NodePath>();
    const claimTemplates = getPath(obj.value, ['spec', 'volumeClaimTemplates']);
    if (w.kind === 'StatefulSet' && Array.isArray(claimTemplates)) {
      claimTemplates.forEach((raw, i) => {
        const path = ['spec', 'volumeClaimTemplates', i];
        const claim = this.check(obj, path, ClaimTemplateSchema, raw, 'volume claim template');
        if (claim) claims.set(claim.metadata.name, path);
      });
    }

    for (const [field, init] of [
      ['containers', false],
      ['initContainers', true],
    ] as const) {
      pod[field]?.forEach((raw, i) => {
        const path = [...podPath, field, i];
        const container = this.check(obj, path, ContainerSchema, raw, init ? 'init container' : 'container');
        if (!container) return;
        const ctx: ContainerContext = { obj, workload: w, pod, podPath, container, path, init, labels, volumes, claims };
        this.result.containers.push(this.fragment(ctx));
      });
    }
  }

  private fragment(ctx: ContainerContext): ContainerFragment {
    const { obj, workload: w, container: c, path, init } = ctx;
    const what = `${init ? 'init container' : 'container'} ${c.name} of ${w.kind} ${w.name}`;
    const key: FragmentKey = {
      name: init ? `init:${c.name}` : c.name,
      scope: w.namespace,
      ...(c.image !== undefined ? { image: c.image } : {}),
      workload: { kind: w.kind, name: w.name, namespace: w.namespace },
    };
    const f = emptyFragment(key, this.source(obj, path, `${what} in namespace ${w.namespace}`));
    f.labels = { ...ctx.labels };
    if (c.image !== undefined) {
      f.image = { ref: c.image, source: this.source(obj, [...path, 'image'], `image of ${what}`) };
    } else {
      this.diagnose(obj.doc, [...obj.base, ...path], 'kubernetes/missing-image', 'warning', `${what} has no image`);
    }
    if (c.command !== undefined && c.command.length > 0) {
      const reason = c.args
        ? `command and args of ${what} (replace the image ENTRYPOINT and CMD)`
        : `command of ${what} (replaces the image ENTRYPOINT; the image CMD is not used)`;
      f.commands.push({
        argv: [...c.command, ...(c.args ?? [])],
        shell: false,
        purpose: 'entrypoint',
        source: this.source(obj, [...path, 'command'], reason),
        replaces: 'entrypoint+cmd',
      });
    } else if (c.args !== undefined && c.args.length > 0) {
      // args alone replace the image CMD; the merger puts the image ENTRYPOINT in front.
      f.commands.push({
        argv: [...c.args],
        shell: false,
        purpose: 'entrypoint',
        source: this.source(obj, [...path, 'args'], `args of ${what} (replace the image CMD; the image ENTRYPOINT still runs)`),
        replaces: 'cmd',
      });
    }
    this.securityContext(ctx, f, what);
    const namedPorts = this.ports(ctx, f, what);
    this.probes(ctx, f, what, namedPorts);
    this.env(ctx, f, what);
    this.mounts(ctx, f, what);
    return f;
  }

  private securityContext(ctx: ContainerContext, f: ContainerFragment, what: string): void {
    const { obj, pod, podPath, container: c, path } = ctx;
    const sc = c.securityContext;
    const scPath = [...path, 'securityContext'];
    const podScPath = [...podPath, 'securityContext'];
    // Container fields override the pod's, field by field, as the kubelet applies them.
    const pick = <K extends 'runAsUser' | 'runAsGroup' | 'runAsNonRoot'>(k: K) => {
      const own = sc?.[k];
      if (own !== undefined) return { value: own, path: [...scPath, k], level: 'container' };
      const inherited = pod.securityContext?.[k];
      if (inherited !== undefined) return { value: inherited, path: [...podScPath, k], level: 'pod' };
      return undefined;
    };
    const uid = pick('runAsUser');
    const gid = pick('runAsGroup');
    const nonRoot = pick('runAsNonRoot');
    if (uid) {
      const group = gid ? ` and runAsGroup ${gid.value}` : '';
      f.user = {
        name: gid ? `${uid.value}:${gid.value}` : String(uid.value),
        source: this.source(obj, uid.path, `runAsUser ${uid.value}${group} in the ${uid.level} securityContext of ${what}`),
      };
      if (uid.value === 0 && nonRoot?.value === true) {
        this.diagnose(
          obj.doc,
          [...obj.base, ...uid.path],
          'kubernetes/conflicting-security-context',
          'warning',
          `${what} sets runAsNonRoot but runAsUser 0: the kubelet refuses to start it`,
        );
      }
    }
    if (sc?.readOnlyRootFilesystem !== undefined) {
      f.readOnlyRoot = this.flag(
        obj,
        [...scPath, 'readOnlyRootFilesystem'],
        sc.readOnlyRootFilesystem,
        `readOnlyRootFilesystem of ${what}`,
      );
    }
    if (sc?.privileged !== undefined) {
      f.privileges.privileged = this.flag(obj, [...scPath, 'privileged'], sc.privileged, `privileged in the securityContext of ${what}`);
    }
    if (sc?.allowPrivilegeEscalation !== undefined) {
      f.privileges.allowPrivilegeEscalation = this.flag(
        obj,
        [...scPath, 'allowPrivilegeEscalation'],
        sc.allowPrivilegeEscalation,
        `allowPrivilegeEscalation in the securityContext of ${what}`,
      );
    }
    for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
      const value = pod[ns];
      if (value !== undefined) {
        f.privileges[ns] = this.flag(obj, [...podPath, ns], value, `${ns} of ${ctx.workload.kind} ${ctx.workload.name}`);
      }
    }
    sc?.capabilities?.add?.forEach((cap, i) => {
      const source = this.source(obj, [...scPath, 'capabilities', 'add', i], `${what} adds capability ${cap}`);
      addNamed(f.capabilities, prefixedCapability(cap), source);
    });
    sc?.capabilities?.drop?.forEach((cap, i) => {
      const source = this.source(obj, [...scPath, 'capabilities', 'drop', i], `${what} drops capability ${cap}`);
      addNamed(f.dropCapabilities, prefixedCapability(cap), source);
    });
  }

  /** Returns the named ports, for probes that refer to a port by name. */
  private ports(ctx: ContainerContext, f: ContainerFragment, what: string): Map<string, number> {
    const { obj, container: c, path } = ctx;
    const named = new Map<string, number>();
    c.ports?.forEach((raw, i) => {
      const portPath = [...path, 'ports', i];
      const p = this.check(obj, portPath, ContainerPortSchema, raw, 'container port');
      if (!p) return;
      const protocol = p.protocol ?? 'tcp';
      if (p.name !== undefined) named.set(p.name, p.containerPort);
      const label = p.name !== undefined ? ` (${p.name})` : '';
      const host = p.hostPort !== undefined ? `, published on host port ${p.hostPort}` : '';
      const reason = `${what} declares containerPort ${p.containerPort}/${protocol}${label}${host}`;
      addListen(f, p.containerPort, protocol, p.name, this.source(obj, portPath, reason));
    });
    return named;
  }

  private probes(ctx: ContainerContext, f: ContainerFragment, what: string, namedPorts: Map<string, number>): void {
    const { obj, container: c, path } = ctx;
    for (const probe of PROBES) {
      const handler = getPath(c, probe.path) as Handler | undefined;
      if (!handler) continue;
      const hPath = [...path, ...probe.path];
      const argv = handler.exec?.command;
      if (argv && argv.length > 0) {
        f.commands.push({
          argv,
          shell: false,
          purpose: 'probe',
          source: this.source(obj, [...hPath, 'exec', 'command'], `${probe.label} of ${what} runs this command in the container`),
        });
      }
      for (const action of ['httpGet', 'tcpSocket', 'grpc'] as const) {
        const target = handler[action];
        if (!target) continue;
        // A probe aimed at another host says nothing about this container's ports.
        if ('host' in target && typeof target.host === 'string' && target.host !== '') continue;
        const portPath = [...obj.base, ...hPath, action, 'port'];
        const port = typeof target.port === 'number' ? target.port : namedPorts.get(target.port);
        if (port === undefined) {
          this.diagnose(
            obj.doc,
            portPath,
            'kubernetes/unresolved-port',
            'warning',
            `${probe.label} of ${what} names port "${String(target.port)}", which no containerPort declares`,
          );
          continue;
        }
        const name = typeof target.port === 'string' ? target.port : undefined;
        const detail = action === 'httpGet' ? `httpGet ${handler.httpGet?.path ?? '/'}` : action;
        const reason = `${probe.label} of ${what}: the kubelet connects with ${detail} to port ${port}${name ? ` (${name})` : ''}`;
        addListen(f, port, 'tcp', name, this.source(obj, [...hPath, action, 'port'], reason));
      }
    }
  }

  private env(ctx: ContainerContext, f: ContainerFragment, what: string): void {
    const { obj, container: c, path, workload: w } = ctx;
    // envFrom first: an explicit env entry of the same name wins, as in Kubernetes (last wins).
    c.envFrom?.forEach((raw, i) => {
      const entryPath = [...path, 'envFrom', i];
      const e = this.check(obj, entryPath, EnvFromSchema, raw, 'envFrom entry');
      if (!e) return;
      const prefix = e.prefix ?? '';
      const refs = [
        ['ConfigMap', e.configMapRef],
        ['Secret', e.secretRef],
      ] as const;
      for (const [refKind, ref] of refs) {
        if (!ref) continue;
        const refName = ref.name ?? '';
        const data = this.configData.get(`${refKind}/${w.namespace}/${refName}`);
        if (!data) {
          const reason = `${what} takes every key of ${refKind} ${refName}, which is not in this file: names and values unknown`;
          f.env.push({ name: `${prefix}*`, source: this.source(obj, entryPath, reason) });
          continue;
        }
        for (const [key, value] of Object.entries(data.values)) {
          const reason = `${what} takes key ${key} of ${refKind} ${refName} (${data.where})`;
          f.env.push({
            name: prefix + key,
            ...(value !== undefined ? { value } : {}),
            ...(refKind === 'Secret' ? { sensitive: true } : {}),
            source: this.source(obj, entryPath, reason),
          });
        }
      }
    });
    c.env?.forEach((raw, i) => {
      const entryPath = [...path, 'env', i];
      const e = this.check(obj, entryPath, EnvVarSchema, raw, 'env entry');
      if (!e) return;
      const from = e.valueFrom;
      const ref = from?.configMapKeyRef
        ? (['ConfigMap', from.configMapKeyRef] as const)
        : from?.secretKeyRef
          ? (['Secret', from.secretKeyRef] as const)
          : undefined;
      if (ref) {
        const [refKind, { name: refName = '', key }] = ref;
        const data = this.configData.get(`${refKind}/${w.namespace}/${refName}`);
        const value = data?.values[key];
        const origin = data ? data.where : 'not in this file';
        const reason = `env ${e.name} of ${what} from key ${key} of ${refKind} ${refName} (${origin})`;
        f.env.push({
          name: e.name,
          ...(value !== undefined ? { value } : {}),
          ...(refKind === 'Secret' ? { sensitive: true } : {}),
          source: this.source(obj, entryPath, reason),
        });
      } else if (from) {
        const detail = from.fieldRef
          ? `the pod field ${from.fieldRef.fieldPath}`
          : from.resourceFieldRef
            ? `the container resource ${from.resourceFieldRef.resource}`
            : 'a valueFrom this reader does not know';
        f.env.push({ name: e.name, source: this.source(obj, entryPath, `env ${e.name} of ${what} from ${detail}`) });
      } else {
        // An entry with a name only is set to the empty string.
        f.env.push({ name: e.name, value: e.value ?? '', source: this.source(obj, entryPath, `env ${e.name} of ${what}`) });
      }
    });
  }

  private mounts(ctx: ContainerContext, f: ContainerFragment, what: string): void {
    const { obj, container: c, path } = ctx;
    c.volumeMounts?.forEach((raw, i) => {
      const mountPath = [...path, 'volumeMounts', i];
      const m = this.check(obj, mountPath, VolumeMountSchema, raw, 'volume mount');
      if (!m) return;
      const declared = ctx.volumes.get(m.name);
      const claim = ctx.claims.get(m.name);
      let kind: WritablePath['kind'] = 'volume';
      let hostPath: string | undefined;
      let inherentlyReadOnly = false;
      let description: string;
      const extra: Source[] = [];
      if (declared) {
        const v = declared.volume;
        if (v.emptyDir !== undefined) {
          const memory = v.emptyDir?.medium === 'Memory';
          kind = memory ? 'tmpfs' : 'volume';
          description = memory ? `in-memory emptyDir ${m.name}` : `emptyDir ${m.name}`;
        } else if (v.hostPath) {
          kind = 'host';
          hostPath = v.hostPath.path;
          description = `host path ${v.hostPath.path}`;
        } else if (v.persistentVolumeClaim) {
          description = `PersistentVolumeClaim ${v.persistentVolumeClaim.claimName ?? m.name}`;
        } else {
          // The kubelet always mounts these read-only, whatever the mount says.
          const projected = (['configMap', 'secret', 'projected', 'downwardAPI'] as const).find((k) => v[k] !== undefined);
          inherentlyReadOnly = projected !== undefined;
          description = projected ? `${projected} volume ${m.name}` : `volume ${m.name}`;
        }
        extra.push(this.source(obj, declared.path, `volume ${m.name} of ${ctx.workload.kind} ${ctx.workload.name}`));
      } else if (claim) {
        description = `PersistentVolumeClaim template ${m.name}`;
        extra.push(this.source(obj, claim, `volume claim template ${m.name} of ${ctx.workload.kind} ${ctx.workload.name}`));
      } else {
        description = `undeclared volume ${m.name}`;
        this.diagnose(
          obj.doc,
          [...obj.base, ...mountPath, 'name'],
          'kubernetes/unknown-volume',
          'warning',
          `${what} mounts volume "${m.name}", which the pod does not declare`,
        );
      }
      const readOnly = m.readOnly === true || inherentlyReadOnly;
      const reason = `${what} mounts ${description} at ${m.mountPath}${readOnly ? ' read-only' : ''}`;
      f.writable.push({
        path: m.mountPath,
        kind,
        ...(hostPath !== undefined ? { hostPath } : {}),
        ...(readOnly ? { readOnly: true } : {}),
        sources: [this.source(obj, mountPath, reason), ...extra],
      });
    });
  }

  // ── Services and NetworkPolicies ────────────────────────────────────────────────────────────

  private readService(obj: KubeObject): void {
    const spec = this.check(obj, ['spec'], ServiceSpecSchema, obj.value.spec ?? {}, 'Service spec');
    if (!spec) return;
    const ports: ServiceDecl['ports'] = [];
    spec.ports?.forEach((raw, i) => {
      const p = this.check(obj, ['spec', 'ports', i], ServicePortSchema, raw, 'Service port');
      if (!p) return;
      ports.push({
        port: p.port,
        ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
        protocol: p.protocol ?? 'tcp',
        ...(p.name !== undefined ? { name: p.name } : {}),
      });
    });
    const external = spec.type === 'ExternalName';
    const selector = !external && spec.selector && Object.keys(spec.selector).length > 0 ? spec.selector : undefined;
    const reason = external
      ? `ExternalName Service ${obj.name}: a DNS alias for ${spec.externalName ?? '(no externalName)'}, selecting no pods`
      : selector
        ? `Service ${obj.name} in namespace ${obj.namespace}`
        : `Service ${obj.name} has no selector: its endpoints are managed elsewhere`;
    this.result.services.push({
      name: obj.name,
      scope: obj.namespace,
      ...(selector ? { selector } : {}),
      ports,
      source: this.source(obj, [], reason),
    });
  }

  private readNetworkPolicy(obj: KubeObject): void {
    const spec = this.check(obj, ['spec'], NetworkPolicySpecSchema, obj.value.spec ?? {}, 'NetworkPolicy spec');
    if (!spec) return;
    const selector = spec.podSelector;
    const expressions = selector?.matchExpressions && selector.matchExpressions.length > 0;
    const reason = expressions
      ? `NetworkPolicy ${obj.name} (its podSelector matchExpressions are kept in raw only)`
      : `NetworkPolicy ${obj.name} in namespace ${obj.namespace}`;
    this.result.networkPolicies.push({
      name: obj.name,
      scope: obj.namespace,
      podSelector: selector?.matchLabels ?? {},
      source: this.source(obj, [], reason),
      raw: obj.value,
    });
  }

  // ── helpers ─────────────────────────────────────────────────────────────────────────────────

  /** Validates `value` (at `path` inside `obj`), reporting each field it had to drop. */
  private check<T>(obj: KubeObject, path: NodePath, schema: z.ZodType<T>, value: unknown, what: string): T | undefined {
    const { data, issues } = parseLenient(schema, value);
    for (const issue of issues) {
      const removed = issue.removed.length > 0 ? `${pathLabel(issue.removed)} of ${what}` : what;
      const same = JSON.stringify(issue.removed) === JSON.stringify(issue.path);
      const message = same ? `${removed} ignored: ${issue.message}` : `${removed} ignored (${pathLabel(issue.path)}): ${issue.message}`;
      this.diagnose(obj.doc, [...obj.base, ...path, ...issue.path], 'kubernetes/invalid-field', 'warning', message);
    }
    return data;
  }

  private source(obj: KubeObject, path: NodePath, reason: string): Source {
    const full = [...obj.base, ...path];
    const position = obj.doc.locate(full);
    return {
      kind: 'kubernetes',
      artifact: this.file,
      ...(position ? { line: position.line, column: position.column } : {}),
      pointer: toPointer(full),
      document: obj.doc.index,
      reason,
    };
  }

  private flag(obj: KubeObject, path: NodePath, value: boolean, reason: string): { value: boolean; sources: Source[] } {
    return { value, sources: [this.source(obj, path, `${reason}: ${value}`)] };
  }

  private diagnose(doc: StreamDocument, path: NodePath, code: DiagnosticCode, severity: Diagnostic['severity'], message: string): void {
    const position = doc.locate(path);
    this.result.diagnostics.push({
      code,
      severity,
      message,
      file: this.file,
      ...(position ? { line: position.line, column: position.column } : {}),
    });
  }
}

interface ContainerContext {
  obj: KubeObject;
  workload: Workload;
  pod: PodSpec;
  podPath: NodePath;
  container: Container;
  path: NodePath;
  init: boolean;
  labels: Record<string, string>;
  volumes: Map<string, { volume: Volume; path: NodePath }>;
  claims: Map<string, NodePath>;
}

function addListen(f: ContainerFragment, port: number, protocol: Protocol, name: string | undefined, source: Source): void {
  const existing = f.listen.find((r) => r.port === port && r.protocol === protocol);
  if (existing) {
    existing.sources.push(source);
    if (existing.name === undefined && name !== undefined) existing.name = name;
    return;
  }
  f.listen.push({ port, protocol, ...(name !== undefined ? { name } : {}), sources: [source] });
}

function addNamed(rules: NamedRule[], name: string, source: Source): void {
  if (name === '') return;
  const existing = rules.find((r) => r.name === name);
  if (existing) existing.sources.push(source);
  else rules.push({ name, sources: [source] });
}

/** Secret `data` values are base64; a value that is not base64 of UTF-8 text is left unknown. */
function decodeBase64Text(encoded: string): string | undefined {
  const compact = encoded.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(compact) || compact.length % 4 === 1) return undefined;
  try {
    const binary = atob(compact);
    const bytes = Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return undefined;
  }
}

function getPath(value: unknown, path: NodePath): unknown {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

function pathLabel(path: NodePath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'value';
}

function describeAt(doc: StreamDocument, base: NodePath): string {
  return base.length === 0 ? `document ${doc.index}` : `item ${String(base[base.length - 1])} of document ${doc.index}`;
}
