/**
 * ConfigMaps and Secrets of the file, collected before any workload is read so that env
 * references to them resolve to values.
 */
import { check, sourceAt, type KubeObject, type ReaderContext } from './reader-context.js';
import { ConfigMapSchema, SecretSchema } from './schema.js';

export type ConfigKind = 'ConfigMap' | 'Secret';

/** The key of a ConfigMap or Secret in `ReaderContext.configData`. */
export function configDataKey(kind: ConfigKind, namespace: string, name: string): string {
  return `${kind}/${namespace}/${name}`;
}

/** Records the values of `obj` if it is a ConfigMap or a Secret; anything else is left alone. */
export function collectConfigData(reader: ReaderContext, obj: KubeObject): void {
  const { kind, apiVersion } = obj.manifest;
  if (apiVersion !== 'v1' || (kind !== 'ConfigMap' && kind !== 'Secret')) return;
  const where = `defined in document ${obj.doc.index} of this file`;
  const values: Record<string, string | undefined> = {};
  const fields: Record<string, 'data' | 'stringData'> = {};
  if (kind === 'ConfigMap') {
    const cm = check(reader, obj, [], ConfigMapSchema, obj.value, 'ConfigMap');
    for (const [key, value] of Object.entries(cm?.data ?? {})) {
      values[key] = value;
      fields[key] = 'data';
    }
  } else {
    const secret = check(reader, obj, [], SecretSchema, obj.value, 'Secret');
    for (const [key, encoded] of Object.entries(secret?.data ?? {})) {
      values[key] = decodeBase64Text(encoded);
      fields[key] = 'data';
    }
    // stringData wins over data, as the API server merges them.
    for (const [key, value] of Object.entries(secret?.stringData ?? {})) {
      values[key] = value;
      fields[key] = 'stringData';
    }
  }
  reader.configData.set(configDataKey(kind, obj.namespace, obj.name), { values, where, obj, fields });
  // Other files' containers may take variables from it: the profile joins them.
  (reader.result.configObjects ??= []).push({
    ref: { kind, namespace: obj.namespace, name: obj.name },
    values,
    where: `defined in document ${obj.doc.index} of ${reader.file}`,
    source: sourceAt(reader, obj, [], `${kind} ${obj.name}`),
    fields,
  });
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
