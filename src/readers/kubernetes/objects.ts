/**
 * A parsed document → the Kubernetes objects it holds: the document itself, or each item of a
 * `kind: List`. Anything without a usable apiVersion and kind is reported and skipped.
 */
import { isRecord } from '../../util/records.js';
import { pathLabel } from './node-path.js';
import { diagnose, type KubeObject, type ReaderContext } from './reader-context.js';
import { ManifestSchema } from './schema.js';
import { parseLenient } from './validate.js';
import type { NodePath, StreamDocument } from './yaml-stream.js';

export function collectObjects(reader: ReaderContext, doc: StreamDocument, base: NodePath, value: unknown, out: KubeObject[]): void {
  if (!isRecord(value)) {
    const what = Array.isArray(value) ? 'a list' : `a ${typeof value}`;
    diagnose(
      reader,
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
    diagnose(
      reader,
      doc,
      base,
      'kubernetes/invalid-object',
      'error',
      `${describeAt(doc, base)} is not a Kubernetes object (bad or missing ${missing}); skipped`,
    );
    return;
  }
  for (const issue of header.issues) {
    diagnose(
      reader,
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
      diagnose(reader, doc, base, 'kubernetes/invalid-object', 'error', 'a List inside a List is not read');
      return;
    }
    value.items.forEach((item, i) => collectObjects(reader, doc, ['items', i], item, out));
    return;
  }
  const name = manifest.metadata?.name ?? manifest.metadata?.generateName ?? '(unnamed)';
  const namespace = manifest.metadata?.namespace ?? 'default';
  out.push({ doc, base, value, manifest, name, namespace });
}

function describeAt(doc: StreamDocument, base: NodePath): string {
  return base.length === 0 ? `document ${doc.index}` : `item ${String(base[base.length - 1])} of document ${doc.index}`;
}
