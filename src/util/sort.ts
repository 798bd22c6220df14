/** Deterministic ordering helpers: every generated artifact is sorted before output. */

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function sortBy<T>(items: readonly T[], key: (item: T) => string | number): T[] {
  return [...items].sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    if (typeof ka === 'number' && typeof kb === 'number') return ka - kb;
    return compareStrings(String(ka), String(kb));
  });
}

export function uniqueSorted(items: Iterable<string>): string[] {
  return [...new Set(items)].sort(compareStrings);
}

/** Stable text of a value with object keys sorted: used for identity keys and dedupe. */
export function stableKey(value: unknown): string {
  // Fast path: identities are mostly tuples of strings and numbers.
  if (Array.isArray(value) && value.every((v) => typeof v === 'string' || typeof v === 'number')) {
    return JSON.stringify(value);
  }
  if (typeof value === 'string' || typeof value === 'number') return JSON.stringify(value);
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareStrings(a, b)));
    }
    return v;
  });
}
