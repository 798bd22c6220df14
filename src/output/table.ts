/** The human-readable scan report: findings grouped by kind, worst severity first, then the verdict. */
import type { Finding, FindingKind, FindingLocation } from '../model/findings.js';
import type { PolicyResult } from '../hygiene/policy/index.js';
import type { Diagnostic } from '../model/charter.js';
import type { ScanResult } from '../model/scan-result.js';
import { terminalLines, textColumns } from '../util/terminal-text.js';

const HEADINGS: Record<FindingKind, string> = {
  vulnerability: 'Vulnerabilities',
  'unsafe-component': 'Unsafe components',
  secret: 'Secrets',
  misconfiguration: 'Misconfigurations',
  'runtime-deviation': 'Runtime deviations',
};
const ORDER: FindingKind[] = ['vulnerability', 'unsafe-component', 'secret', 'misconfiguration', 'runtime-deviation'];

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

function where(l: FindingLocation | undefined): string {
  if (!l) return '';
  if (l.line !== undefined) return `${l.path ?? l.artifact}:${l.line}${l.column !== undefined ? `:${l.column}` : ''}`;
  if (l.path !== undefined) return `${l.path}${l.layer ? ` (layer ${l.layer.slice(0, 19)})` : ''}`;
  return `${l.artifact}${l.pointer ? `#${l.pointer}` : ''}`;
}

/** Rows that would print alike (one package installed in several places) are shown once, counted. */
function collapse(rows: string[][], fs: readonly Finding[], failing: ReadonlySet<Finding>): { rows: string[][]; fail: boolean[] } {
  const out: string[][] = [];
  const fail: boolean[] = [];
  const index = new Map<string, number>();
  const counts: number[] = [];
  rows.forEach((r, i) => {
    const key = JSON.stringify(r);
    const at = index.get(key);
    const f = fs[i] as Finding;
    if (at === undefined) {
      index.set(key, out.length);
      out.push([...r]);
      fail.push(failing.has(f));
      counts.push(1);
    } else {
      counts[at] = (counts[at] ?? 1) + 1;
      fail[at] = (fail[at] ?? false) || failing.has(f);
    }
  });
  out.forEach((r, i) => {
    const n = counts[i] ?? 1;
    if (n > 1) r[r.length - 1] = `${r[r.length - 1] ?? ''} (×${n} locations)`;
  });
  return { rows: out, fail };
}

function rowsFor(kind: FindingKind, fs: readonly Finding[]): string[][] {
  if (kind === 'vulnerability') {
    return [
      ['SEVERITY', 'ID', 'COMPONENT', 'VERSION', 'FIXED', 'TITLE'],
      ...fs.map((f) => [f.severity, f.id, f.component?.name ?? '', f.component?.version ?? '', f.fixedVersion ?? '-', clip(f.title, 70)]),
    ];
  }
  if (kind === 'unsafe-component') {
    return [
      ['SEVERITY', 'ID', 'COMPONENT', 'TITLE'],
      ...fs.map((f) => [f.severity, f.id, f.component ? `${f.component.name}@${f.component.version}` : '', clip(f.title, 80)]),
    ];
  }
  return [['SEVERITY', 'ID', 'WHERE', 'TITLE'], ...fs.map((f) => [f.severity, f.id, clip(where(f.locations[0]), 60), clip(f.title, 70)])];
}

function diagLine(d: Diagnostic): string {
  const at = [d.file, d.line, d.column].filter((x) => x !== undefined && x !== '').join(':');
  return `${d.severity}: ${at ? `${at}: ` : ''}${d.message} [${d.code}]`;
}

export function toTable(result: ScanResult, policy?: PolicyResult): string {
  const out: string[] = [];
  const img = result.image;
  out.push(`Target: ${result.target}`);
  if (img)
    out.push(
      `Image:  ${img.ref} ${img.digest} (${img.os}/${img.architecture}, ${img.layers.length} layer${img.layers.length === 1 ? '' : 's'})`,
    );
  if (result.os) out.push(`OS:     ${result.os.prettyName ?? `${result.os.id} ${result.os.versionId ?? ''}`.trim()}`);
  const perEco = new Map<string, number>();
  for (const c of result.components) perEco.set(c.ecosystem, (perEco.get(c.ecosystem) ?? 0) + 1);
  out.push(`Components: ${result.components.length}${perEco.size > 0 ? ` (${[...perEco].map(([e, n]) => `${e} ${n}`).join(', ')})` : ''}`);
  const failing = new Set(policy?.failing ?? []);
  const ignored = new Set(policy?.ignored.map((i) => i.finding) ?? []);
  for (const kind of ORDER) {
    const fs = result.findings.filter((f) => f.kind === kind && !ignored.has(f));
    if (fs.length === 0) continue;
    const counts = ['critical', 'high', 'medium', 'low', 'info', 'unknown']
      .map((s) => [s, fs.filter((f) => f.severity === s).length] as const)
      .filter(([, n]) => n > 0)
      .map(([s, n]) => `${s} ${n}`);
    out.push('', `${HEADINGS[kind]} (${fs.length}: ${counts.join(', ')})`);
    const [header, ...body] = rowsFor(kind, fs);
    const { rows, fail } = collapse(body, fs, failing);
    const lines = textColumns([header ?? [], ...rows]);
    out.push(...lines.map((l, i) => (i === 0 ? `    ${l}` : `  ${fail[i - 1] ? '✗ ' : '  '}${l}`)));
  }
  if (result.findings.length === 0) out.push('', 'No findings.');
  if (policy) {
    out.push('');
    if (policy.ignored.length > 0) {
      out.push(`Ignored by policy (${policy.ignored.length}):`);
      for (const { finding, rule } of policy.ignored) {
        out.push(
          `  ${finding.id}${finding.component ? ` ${finding.component.name}@${finding.component.version}` : ''}: ${rule.reason}${rule.expires ? ` (until ${rule.expires})` : ''}`,
        );
      }
    }
    for (const w of policy.warnings) out.push(diagLine(w));
    out.push(
      policy.pass
        ? 'Policy: PASSED'
        : `Policy: FAILED — ${policy.reasons.length} reason(s), marked ✗ above${policy.failing.length < policy.reasons.length ? `; ${policy.reasons.slice(policy.failing.length).join('; ')}` : ''}`,
    );
  }
  if (result.diagnostics.length > 0) {
    out.push('', 'Diagnostics:');
    for (const d of result.diagnostics) out.push(`  ${diagLine(d)}`);
  }
  return terminalLines(out);
}
