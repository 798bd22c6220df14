/**
 * Checks that a comparison is a total preorder on a sample of versions: reflexive,
 * antisymmetric, transitive. Pure (no test framework), so scheme tests and any future scheme
 * share it; returns the violations found, empty when none.
 */
export function orderingLawViolations(
  compare: (a: string, b: string) => number,
  versions: readonly string[],
  options: { seed?: number; triples?: number } = {},
): string[] {
  const out: string[] = [];
  const vs = [...new Set(versions)];
  const cmp = (a: string, b: string): number => Math.sign(compare(a, b));
  for (const a of vs) {
    if (cmp(a, a) !== 0) out.push(`not reflexive: ${a}`);
  }
  for (const a of vs) {
    for (const b of vs) {
      if (cmp(a, b) !== -cmp(b, a)) out.push(`not antisymmetric: ${a} vs ${b}`);
    }
  }
  // Deterministic pseudo-random triples (mulberry32), so a failure reproduces.
  let state = (options.seed ?? 0x5eed) >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = (): string => vs[Math.floor(next() * vs.length)] ?? '';
  const triples = options.triples ?? 5000;
  for (let k = 0; k < triples && vs.length > 0; k++) {
    const [a, b, c] = [pick(), pick(), pick()];
    const ab = cmp(a, b);
    const bc = cmp(b, c);
    const ac = cmp(a, c);
    if (ab <= 0 && bc <= 0 && ac > 0) out.push(`not transitive: ${a} <= ${b} <= ${c} but ${a} > ${c}`);
    if (ab === 0 && bc === 0 && ac !== 0) out.push(`equality not transitive: ${a} = ${b} = ${c}`);
  }
  // Sorting must agree with every pairwise comparison of neighbours.
  const sorted = [...vs].sort(cmp);
  for (let k = 1; k < sorted.length; k++) {
    const a = sorted[k - 1] ?? '';
    const b = sorted[k] ?? '';
    if (cmp(a, b) > 0) out.push(`sort disagrees: ${a} > ${b}`);
  }
  return out;
}
