/** Pure helpers of the real-application proof: the podman default's size and the results table. */

interface SeccompRule {
  names?: unknown;
  action?: unknown;
  includes?: { caps?: unknown; arches?: unknown };
  excludes?: { caps?: unknown; arches?: unknown };
}

const strings = (v: unknown): string[] => (Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : []);

export interface DefaultProfileSize {
  /** Distinct names anywhere in the file (allow and deny rules, every architecture and capability). */
  named: number;
  /** Distinct names some ALLOW rule lists, under any condition. */
  allowedSomehow: number;
  /**
   * What a container on x86_64 started with `--cap-drop ALL` is allowed: ALLOW rules without an
   * architecture condition or naming amd64, and without a capability condition (rules that
   * exclude a capability apply, since the container has none).
   */
  allowedAmd64NoCaps: number;
}

export function defaultProfileSize(profile: unknown): DefaultProfileSize {
  const rules = (
    typeof profile === 'object' && profile !== null && Array.isArray((profile as { syscalls?: unknown }).syscalls)
      ? (profile as { syscalls: unknown[] }).syscalls
      : []
  ) as SeccompRule[];
  const named = new Set<string>();
  const somehow = new Set<string>();
  const effective = new Set<string>();
  for (const r of rules) {
    if (typeof r !== 'object' || r === null) continue;
    const names = strings(r.names);
    for (const n of names) named.add(n);
    if (r.action !== 'SCMP_ACT_ALLOW') continue;
    for (const n of names) somehow.add(n);
    const arches = strings(r.includes?.arches);
    const caps = strings(r.includes?.caps);
    if ((arches.length === 0 || arches.includes('amd64')) && caps.length === 0) for (const n of names) effective.add(n);
  }
  return { named: named.size, allowedSomehow: somehow.size, allowedAmd64NoCaps: effective.size };
}

export interface ResultRow {
  app: string;
  what: string;
  observed: number;
  static?: number;
  misses?: string[];
  podman?: string;
}

function cell(v: string | number | undefined): string {
  return v === undefined ? '–' : String(v).replace(/\|/g, '\\|');
}

export function resultsTable(rows: ResultRow[], podmanDefault: number): string {
  const head =
    '| app | what | observed | static | podman default | static / default | misses | podman run |\n|---|---|---:|---:|---:|---:|---|---|';
  const lines = rows.map((r) =>
    [
      r.app,
      r.what,
      r.observed,
      r.static,
      podmanDefault,
      r.static === undefined ? undefined : `${Math.round((100 * r.static) / podmanDefault)} %`,
      r.misses === undefined ? undefined : r.misses.length === 0 ? 'none' : r.misses.join(', '),
      r.podman,
    ]
      .map(cell)
      .join(' | '),
  );
  return `${head}\n${lines.map((l) => `| ${l} |`).join('\n')}\n`;
}
