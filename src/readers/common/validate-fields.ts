/**
 * Field-by-field validation of a loosely typed object from a foreign file (Compose services,
 * Marathon apps and groups).
 */
import type { z } from 'zod';

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Validate an object field by field: fields that fail are reported and removed, so one bad key
 * does not cost the whole service. Returns undefined only when the value is not an object at all.
 */
export function validateFields<S extends z.ZodType>(schema: S, value: unknown): { data?: z.infer<S>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  const dropped = new Set<string>();
  let current = value;
  // Each round removes at least one top-level field, and a valid object needs one round.
  for (let round = 0; round < 64; round++) {
    const r = schema.safeParse(current);
    if (r.success) return { data: r.data, issues };
    const drop = new Set<string>();
    let requiredMissing = false;
    for (const issue of r.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      // A field already dropped for a bad value and now reported missing is required: stop.
      if (path.length > 0 && dropped.has(String(path[0]))) {
        requiredMissing = true;
        continue;
      }
      issues.push({ path, message: describeIssue(issue) });
      if (path.length > 0) drop.add(String(path[0]));
    }
    if (requiredMissing) return { issues };
    for (const k of drop) dropped.add(k);
    if (drop.size === 0 || current === null || typeof current !== 'object' || Array.isArray(current)) {
      return { issues };
    }
    // A required field that is missing cannot be fixed by dropping it: the object is unusable.
    const obj = current;
    if ([...drop].some((k) => !Object.prototype.hasOwnProperty.call(obj, k))) return { issues };
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(current)) if (!drop.has(k)) next[k] = v;
    current = next;
  }
  return { issues };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_union') return 'value has none of the accepted shapes';
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}
