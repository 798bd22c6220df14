/**
 * Allow-rules are merged by identity: the same port declared in a Dockerfile and a manifest is one
 * rule with two sources. Sources are de-duplicated and sorted so output is stable.
 */
import type { Source } from '../model/charter.js';
import { compareStrings, stableKey } from './sort.js';

/** Identity of a source: every field, in a fixed order (cheaper than canonical JSON on a hot path). */
export function sourceKey(s: Source): string {
  return [
    s.kind,
    s.artifact,
    s.document ?? '',
    s.line ?? '',
    s.column ?? '',
    s.pointer ?? '',
    s.layer ?? '',
    s.path ?? '',
    s.kb ?? '',
    s.reason,
  ].join('\u0000');
}

function compareSources(a: Source, b: Source): number {
  return (
    compareStrings(a.artifact, b.artifact) ||
    (a.document ?? 0) - (b.document ?? 0) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    compareStrings(a.pointer ?? '', b.pointer ?? '') ||
    compareStrings(a.kb ?? '', b.kb ?? '') ||
    compareStrings(a.path ?? '', b.path ?? '') ||
    compareStrings(a.layer ?? '', b.layer ?? '') ||
    compareStrings(a.kind, b.kind) ||
    compareStrings(a.reason, b.reason)
  );
}

export function sortSources(sources: readonly Source[]): Source[] {
  const byKey = new Map<string, Source>();
  for (const s of sources) byKey.set(sourceKey(s), s);
  return [...byKey.values()].sort(compareSources);
}

interface Entry<T> {
  rule: T;
  sources: Map<string, Source>;
}

/** Collects rules keyed by identity, merging the sources of duplicates. */
export class RuleSet<T extends { sources: Source[] }> {
  private readonly rules = new Map<string, Entry<T>>();

  constructor(
    private readonly identity: (rule: T) => unknown,
    /** Combines the other fields of two rules with one identity (sources are merged anyway). */
    private readonly merge?: (existing: T, incoming: T) => void,
  ) {}

  add(rule: T): void {
    const key = stableKey(this.identity(rule));
    let entry = this.rules.get(key);
    if (entry) {
      this.merge?.(entry.rule, rule);
    } else {
      entry = { rule: { ...rule }, sources: new Map() };
      this.rules.set(key, entry);
    }
    for (const s of rule.sources) entry.sources.set(sourceKey(s), s);
  }

  addAll(rules: Iterable<T>): void {
    for (const r of rules) this.add(r);
  }

  /** Rules sorted by identity key, sources sorted: the order never depends on input order. */
  values(): T[] {
    return [...this.rules.entries()]
      .sort(([a], [b]) => compareStrings(a, b))
      .map(([, e]) => ({ ...e.rule, sources: [...e.sources.values()].sort(compareSources) }));
  }

  get size(): number {
    return this.rules.size;
  }
}
