/**
 * Kubernetes manifests → container fragments, Service and NetworkPolicy declarations. Each
 * document of the stream is read on its own; ConfigMaps and Secrets of the same file are
 * collected first so that env references to them resolve to values.
 *
 * This module is the document loop: it parses the stream, reports YAML problems, and hands each
 * object to the reader of its kind (workload.ts, service.ts, network-policy.ts).
 */
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';
import { emptyResult, type ReaderInput, type ReaderResult } from '../../model/fragments.js';
import { isRecord } from '../../util/records.js';
import { limitPosition } from '../common/text.js';
import { collectConfigData } from './config-data.js';
import { readNetworkPolicy } from './network-policy.js';
import { collectObjects } from './objects.js';
import { diagnose, type KubeObject, type ReaderContext } from './reader-context.js';
import { readService } from './service.js';
import { readIngress, readRoute } from './routes.js';
import { readWorkload, WORKLOADS } from './workload.js';
import { parseYamlStream, type StreamDocument } from './yaml-stream.js';

/**
 * Larger files are refused. The API server caps a request at 3 MiB and etcd an object at 1.5 MiB,
 * so even a bundle of many CRDs stays well below this; the YAML parser needs roughly 40 bytes of
 * memory and half a second per input megabyte, so the cap also bounds time and memory.
 */
export const MAX_TEXT_LENGTH = 10 * 1024 * 1024;

export function readManifests(input: ReaderInput): ReaderResult {
  const reader: ReaderContext = { file: input.path, result: emptyResult(), configData: new Map() };
  const { text, invalidUtf8 = [] } = input;
  if (text.length > MAX_TEXT_LENGTH) {
    reader.result.diagnostics.push({
      code: 'kubernetes/too-large',
      severity: 'error',
      message: `file is ${text.length} characters; manifests larger than ${MAX_TEXT_LENGTH} are not read`,
      file: reader.file,
      ...limitPosition(text, MAX_TEXT_LENGTH),
    });
    return reader.result;
  }
  const objects: KubeObject[] = [];
  for (const doc of parseYamlStream(text, invalidUtf8)) {
    try {
      reportYamlProblems(reader, doc);
      if (doc.value === undefined || doc.value === null) continue;
      collectObjects(reader, doc, [], doc.value, objects);
    } catch (err) {
      reportInternalError(reader, doc, err);
    }
  }
  for (const obj of objects) {
    try {
      collectConfigData(reader, obj);
    } catch (err) {
      reportInternalError(reader, obj.doc, err);
    }
  }
  for (const obj of objects) {
    try {
      readObject(reader, obj);
    } catch (err) {
      // A bug here must cost one object, not the file: the other objects are still read.
      reportInternalError(reader, obj.doc, err);
    }
  }
  // Stable order for output and goldens: by position, file-level problems first.
  reader.result.diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  return reader.result;
}

function reportYamlProblems(reader: ReaderContext, doc: StreamDocument): void {
  for (const p of doc.problems) {
    const code: DiagnosticCode = `kubernetes/yaml-${p.kind}`;
    const message = p.kind === 'warning' ? `document ${doc.index}: ${p.message}` : `document ${doc.index} is not read: ${p.message}`;
    reader.result.diagnostics.push({
      code,
      severity: p.kind === 'warning' ? 'warning' : 'error',
      message,
      file: reader.file,
      ...(p.position ? { line: p.position.line, column: p.position.column } : {}),
    });
  }
}

function reportInternalError(reader: ReaderContext, doc: StreamDocument, err: unknown): void {
  const message = errorMessage(err);
  diagnose(reader, doc, [], 'kubernetes/invalid-object', 'error', `document ${doc.index} could not be read: ${message}`);
}

/** Hands `obj` to the reader of its kind; kinds that say nothing about a container are skipped. */
function readObject(reader: ReaderContext, obj: KubeObject): void {
  const { kind, apiVersion } = obj.manifest;
  const group = apiVersion.includes('/') ? (apiVersion.split('/')[0] ?? '') : '';
  const workload = WORKLOADS[kind];
  if (workload?.groups.includes(group)) {
    readWorkload(reader, obj, workload.podSpec);
    return;
  }
  if (kind === 'Service' && group === '') {
    readService(reader, obj);
    return;
  }
  if (kind === 'Ingress' && (group === 'networking.k8s.io' || group === 'extensions')) {
    readIngress(reader, obj);
    return;
  }
  if (kind === 'Route' && (group === 'route.openshift.io' || group === '')) {
    readRoute(reader, obj);
    return;
  }
  if (kind === 'NetworkPolicy' && (group === 'networking.k8s.io' || group === 'extensions')) {
    readNetworkPolicy(reader, obj);
    return;
  }
  // Argo Rollouts, OpenShift DeploymentConfigs, Knative Services, …: anything carrying a pod
  // template in the usual place is read as a workload, and says so.
  const spec = obj.value.spec;
  const template = isRecord(spec) ? spec.template : undefined;
  const podSpec = isRecord(template) ? template.spec : undefined;
  if (isRecord(podSpec) && Array.isArray(podSpec.containers)) {
    diagnose(
      reader,
      obj.doc,
      obj.base,
      'kubernetes/unknown-workload',
      'info',
      `${kind} ${obj.name} (${apiVersion}) is not a known workload kind, but it has a pod template at spec.template.spec: its containers are read`,
    );
    readWorkload(reader, obj, ['spec', 'template', 'spec']);
  }
  // Everything else (ServiceAccount, RBAC, CRDs, ConfigMap, Secret, …) declares nothing
  // about what a container does, and is skipped without a word.
}
