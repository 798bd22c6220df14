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
  if (manifest.kind === 'Template' && /^(template\.openshift\.io\/)?v1$/.test(manifest.apiVersion) && Array.isArray(value.objects)) {
    if (base.length > 0) return;
    const params = templateParameters(value.parameters);
    diagnose(
      reader,
      doc,
      base,
      'kubernetes/template',
      'info',
      `OpenShift Template ${manifest.metadata?.name ?? '(unnamed)'}: its objects are read with the parameters' values (${params.size} of them); generated or unset parameters stay as written`,
    );
    value.objects.forEach((item, i) => collectObjects(reader, doc, ['objects', i], substitute(item, params), out));
    return;
  }
  const name = manifest.metadata?.name ?? manifest.metadata?.generateName ?? '(unnamed)';
  const namespace = manifest.metadata?.namespace ?? 'default';
  out.push({ doc, base, value, manifest, name, namespace });
}

function describeAt(doc: StreamDocument, base: NodePath): string {
  return base.length === 0 ? `document ${doc.index}` : `item ${String(base[base.length - 1])} of document ${doc.index}`;
}

/** A Template's parameters that have a value (those generated from an expression have none until processed). */
function templateParameters(raw: unknown): Map<string, string> {
  const out = new Map<string, string>();
  if (!Array.isArray(raw)) return out;
  for (const p of raw) {
    if (isRecord(p) && typeof p.name === 'string' && (typeof p.value === 'string' || typeof p.value === 'number'))
      out.set(p.name, String(p.value));
  }
  return out;
}

/**
 * `oc process` substitution: `${NAME}` in a string becomes the parameter's value, and a string that
 * is exactly `${{NAME}}` becomes the value read as JSON (a number, a boolean). Unknown names stay.
 */
function substitute(value: unknown, params: ReadonlyMap<string, string>): unknown {
  if (typeof value === 'string') {
    const whole = /^\$\{\{([A-Za-z0-9_]+)\}\}$/.exec(value);
    if (whole?.[1] !== undefined && params.has(whole[1])) {
      const v = params.get(whole[1]) as string;
      try {
        return JSON.parse(v) as unknown;
      } catch {
        return v;
      }
    }
    return value.replace(/\$\{([A-Za-z0-9_]+)\}/g, (m, name: string) => params.get(name) ?? m);
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, params));
  if (isRecord(value)) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, params)]));
  return value;
}
