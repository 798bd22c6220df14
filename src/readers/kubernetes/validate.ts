/**
 * Lenient validation: a value that fails its schema loses the offending fields, one diagnostic
 * each, and the rest is kept. A Deployment whose `ports` is the string "abc" still yields its
 * image, env and privileges; only a value whose required fields are wrong is dropped whole.
 */
import type { z } from 'zod';
import type { NodePath } from './yaml-stream.js';
import { isRecord } from '../../util/records.js';

export interface FieldIssue {
  /** Path of the bad field, relative to the validated value. */
  path: NodePath;
  /** What was dropped for it: the field, its list, or the object missing it; `[]` is everything. */
  removed: NodePath;
  message: string;
}

export interface Lenient<T> {
  /** Absent when the value could not be salvaged (not an object, or a required field is bad). */
  data?: T | undefined;
  issues: FieldIssue[];
}

/** Enough passes for any realistic object; each pass removes at least one field. */
const MAX_PASSES = 32;

export function parseLenient<T>(schema: z.ZodType<T>, value: unknown): Lenient<T> {
  const first = schema.safeParse(value);
  if (first.success) return { data: first.data, issues: [] };
  if (!isRecord(value)) return { issues: toIssues(first.error.issues) };

  // Only cloned on failure: the valid path (nearly every real manifest) copies nothing.
  const working: unknown = structuredClone(value);
  const issues: FieldIssue[] = [];
  const seen = new Set<string>();
  let result: z.ZodSafeParseResult<T> = first;
  for (let pass = 0; pass < MAX_PASSES; pass++) {
    if (result.success) return { data: result.data, issues };
    const removedThisPass: NodePath[] = [];
    for (const issue of toIssues(result.error.issues)) {
      const key = JSON.stringify(issue.path);
      const gone = removedThisPass.find((r) => isPrefix(r, issue.path));
      // Already removed with an earlier issue of this pass (`httpGet` went for its missing port).
      const removed = gone ?? removeField(working, issue.path);
      if (!seen.has(key)) {
        seen.add(key);
        issues.push({ ...issue, removed: removed ?? [] });
      }
      if (!removed) return { issues };
      removedThisPass.push(removed);
    }
    result = schema.safeParse(working);
  }
  return result.success ? { data: result.data, issues } : { issues };
}

function toIssues(raw: readonly z.core.$ZodIssue[]): FieldIssue[] {
  return raw.map((i) => ({
    removed: [],
    path: i.path.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number'),
    message: i.message,
  }));
}

/**
 * Removes the field at `path`. A bad item of a scalar list removes the list (so indices of the
 * remaining items never shift); a missing required field removes the object that lacks it
 * (`httpGet` without `port` goes, the container stays). Returns the path removed, or undefined
 * when the value as a whole must go.
 */
function removeField(root: unknown, path: NodePath): NodePath | undefined {
  let cut = path.length;
  while (cut > 0 && typeof path[cut - 1] === 'number') cut--;
  // Walk down as far as the path exists; what is removed is the last existing field on it.
  const chain: Record<string, unknown>[] = [];
  let node: unknown = root;
  let depth = 0;
  while (depth < cut && isRecord(node) && String(path[depth]) in node) {
    chain.push(node);
    node = node[String(path[depth])];
    depth++;
  }
  // A missing field stops the walk one level early, so its owner is what goes.
  if (depth < 1) return undefined;
  const parent = chain[depth - 1];
  if (parent === undefined) return undefined;
  delete parent[String(path[depth - 1])];
  return path.slice(0, depth);
}

function isPrefix(prefix: NodePath, path: NodePath): boolean {
  return prefix.length <= path.length && prefix.every((segment, i) => segment === path[i]);
}
