/**
 * What every part of the manifest reader shares while it reads one file: the file name, the result
 * being built, the ConfigMap and Secret values found in the file, and the helpers that validate a
 * field, say where something came from and report a diagnostic at a position.
 */
import type { z } from 'zod';
import type { Diagnostic, Source } from '../../model/charter.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import type { ReaderResult } from '../../model/fragments.js';
import { toPointer } from '../../util/json-pointer.js';
import type { Manifest } from './schema.js';
import { parseLenient } from './validate.js';
import type { NodePath, StreamDocument } from './yaml-stream.js';
import { pathLabel } from './node-path.js';

export interface ReaderContext {
  readonly file: string;
  readonly result: ReaderResult;
  /** ConfigMaps and Secrets of this file, by `configDataKey`. */
  readonly configData: Map<string, ConfigData>;
}

/** The values of a ConfigMap or Secret of this file. */
export interface ConfigData {
  /** Key → value; `undefined` for a Secret value that is not valid base64 UTF-8 text. */
  values: Record<string, string | undefined>;
  where: string;
  /** The ConfigMap or Secret itself, to say where each key is written. */
  obj: KubeObject;
  /** The field that holds each key (`data` or `stringData`). */
  fields: Record<string, 'data' | 'stringData'>;
}

/** One Kubernetes object: a document, or an item of a `kind: List` document. */
export interface KubeObject {
  doc: StreamDocument;
  /** Path of the object inside its document (`[]`, or `['items', 3]`). */
  base: NodePath;
  value: Record<string, unknown>;
  manifest: Manifest;
  name: string;
  namespace: string;
}

/** Validates `value` (at `path` inside `obj`), reporting each field it had to drop. */
export function check<T>(
  reader: ReaderContext,
  obj: KubeObject,
  path: NodePath,
  schema: z.ZodType<T>,
  value: unknown,
  what: string,
): T | undefined {
  const { data, issues } = parseLenient(schema, value);
  for (const issue of issues) {
    const removed = issue.removed.length > 0 ? `${pathLabel(issue.removed)} of ${what}` : what;
    const same = JSON.stringify(issue.removed) === JSON.stringify(issue.path);
    const message = same ? `${removed} ignored: ${issue.message}` : `${removed} ignored (${pathLabel(issue.path)}): ${issue.message}`;
    diagnose(reader, obj.doc, [...obj.base, ...path, ...issue.path], 'kubernetes/invalid-field', 'warning', message);
  }
  return data;
}

/** The provenance of what sits at `path` inside `obj`. */
export function sourceAt(reader: ReaderContext, obj: KubeObject, path: NodePath, reason: string): Source {
  const full = [...obj.base, ...path];
  const position = obj.doc.locate(full);
  return {
    kind: 'kubernetes',
    artifact: reader.file,
    ...(position ? { line: position.line, column: position.column } : {}),
    pointer: toPointer(full),
    document: obj.doc.index,
    reason,
  };
}

/** A boolean setting with its provenance. */
export function flagAt(
  reader: ReaderContext,
  obj: KubeObject,
  path: NodePath,
  value: boolean,
  reason: string,
): { value: boolean; sources: Source[] } {
  return { value, sources: [sourceAt(reader, obj, path, `${reason}: ${value}`)] };
}

/** Reports a problem at `path` inside `doc` (a path from the document root, not from an object). */
export function diagnose(
  reader: ReaderContext,
  doc: StreamDocument,
  path: NodePath,
  code: DiagnosticCode,
  severity: Diagnostic['severity'],
  message: string,
): void {
  const position = doc.locate(path);
  reader.result.diagnostics.push({
    code,
    severity,
    message,
    file: reader.file,
    ...(position ? { line: position.line, column: position.column } : {}),
  });
}
