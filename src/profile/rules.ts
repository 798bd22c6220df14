/**
 * Allow-rules are merged by identity: the same port declared in a Dockerfile and a manifest is one
 * rule with two sources. Sources are de-duplicated and sorted so output is stable.
 */
import type { Source } from './model.js';
import { compareStrings, stableKey } from '../util/sort.js';

export function sourceKey(s: Source): string {
  return stableKey(s);
}

export function sortSources(sources: readonly Source[]): Source[] {
  const byKey = new Map<string, Source>();
  for (const s of sources) byKey.set(sourceKey(s), s);
  return [...byKey.entries()]
    .sort(([, a], [, b]) =>
      compareStrings(a.artifact, b.artifact) ||
      (a.document ?? 0) - (b.document ?? 0) ||
      (a.line ?? 0) - (b.line ?? 0) ||
      compareStrings(a.pointer ?? '', b.pointer ?? '') ||
      compareStrings(a.kb ?? '', b.kb ?? '') ||
      compareStrings(a.path ?? '', b.path ?? '') ||
      compareStrings(a.reason, b.reason),
    )
    .map(([, s]) => s);
}

/** Collects rules keyed by identity, merging the sources of duplicates. */
export class RuleSet<T extends { sources: Source[] }> {
  private readonly rules = new Map<string, T>();

  constructor(
    private readonly identity: (rule: T) => unknown,
    /** Combines the other fields of two rules with one identity (sources are merged anyway). */
    private readonly merge?: (existing: T, incoming: T) => void,
  ) {}

  add(rule: T): void {
    const key = stableKey(this.identity(rule));
    const existing = this.rules.get(key);
    if (existing) {
      this.merge?.(existing, rule);
      existing.sources = sortSources([...existing.sources, ...rule.sources]);
    } else {
      this.rules.set(key, { ...rule, sources: sortSources(rule.sources) });
    }
  }

  addAll(rules: Iterable<T>): void {
    for (const r of rules) this.add(r);
  }

  /** Rules sorted by identity key: the order never depends on input order. */
  values(): T[] {
    return [...this.rules.entries()].sort(([a], [b]) => compareStrings(a, b)).map(([, r]) => r);
  }

  get size(): number {
    return this.rules.size;
  }
}
