/**
 * Shared parsing of CVSS vector strings (`PREFIX/M1:V1/M2:V2…`): every metric known with its
 * allowed values, each at most once, every mandatory metric present. Order is not enforced —
 * feeds in the wild reorder metrics, and order carries no meaning.
 */
import { InputError } from '../../model/errors.js';

/** Longest vector accepted; a full CVSS v4.0 vector with every optional metric is under 300 characters. */
export const MAX_VECTOR_LENGTH = 512;

/** A CVSS vector that cannot be scored. */
export class CvssError extends InputError {
  override readonly name: string = 'CvssError';
  constructor(
    readonly vector: string,
    readonly reason: string,
  ) {
    super(`invalid CVSS vector ${JSON.stringify(vector.length > 80 ? `${vector.slice(0, 80)}…` : vector)}: ${reason}`);
  }
}

export interface MetricTable {
  /** Metric → allowed values. */
  readonly values: Readonly<Record<string, readonly string[]>>;
  readonly mandatory: readonly string[];
}

/** Parse `M:V/M:V…` (after any prefix) into a map, checking names, values, duplicates and mandatory metrics. */
export function parseMetrics(vector: string, body: string, table: MetricTable): Map<string, string> {
  const out = new Map<string, string>();
  if (body === '') throw new CvssError(vector, 'no metrics');
  for (const part of body.split('/')) {
    const colon = part.indexOf(':');
    if (colon <= 0) throw new CvssError(vector, `malformed metric ${JSON.stringify(part)}`);
    const name = part.slice(0, colon);
    const value = part.slice(colon + 1);
    const allowed = Object.hasOwn(table.values, name) ? table.values[name] : undefined;
    if (!allowed) throw new CvssError(vector, `unknown metric ${JSON.stringify(name)}`);
    if (!allowed.includes(value)) throw new CvssError(vector, `invalid value ${JSON.stringify(value)} for ${name}`);
    if (out.has(name)) throw new CvssError(vector, `metric ${name} given twice`);
    out.set(name, value);
  }
  const missing = table.mandatory.filter((m) => !out.has(m));
  if (missing.length > 0) throw new CvssError(vector, `missing base metric(s) ${missing.join(', ')}`);
  return out;
}

/** Look up a metric that parseMetrics guaranteed present. */
export function metric(metrics: ReadonlyMap<string, string>, name: string): string {
  return metrics.get(name) ?? 'X';
}

export function checkLength(vector: unknown): string {
  if (typeof vector !== 'string') throw new CvssError(String(vector), 'not a string');
  if (vector.length > MAX_VECTOR_LENGTH) throw new CvssError(vector, `longer than ${MAX_VECTOR_LENGTH} characters`);
  return vector.trim();
}
