/**
 * Deviations as findings, for SARIF dashboards: one finding per distinct deviation (container, rule,
 * what happened), counted, located at the declarations of the container — the lines that would
 * allow it. Distinct deviations are bounded, so a stream of millions keeps a bounded report.
 */
import type { Charter } from '../model/charter.js';
import type { Finding, FindingLocation, Severity } from '../model/findings.js';
import type { Verdict } from '../model/verdicts.js';

/** Distinct deviations kept; beyond it they are counted, not listed. */
export const MAX_DISTINCT_DEVIATIONS = 10_000;

function mitreUrl(id: string): string {
  return id.startsWith('TA') ? `https://attack.mitre.org/tactics/${id}/` : `https://attack.mitre.org/techniques/${id.replace('.', '/')}/`;
}

export class DeviationFindings {
  private readonly findings = new Map<string, { finding: Finding; count: number }>();
  dropped = 0;

  constructor(private readonly charter: Charter) {}

  add(v: Verdict): void {
    const d = v.deviation;
    if (!d) return;
    const pattern = d.patterns[0];
    const id = pattern ? `CHARTER-RT-${pattern.id.toUpperCase()}` : `CHARTER-RT-UNDECLARED-${v.kind.toUpperCase()}`;
    const key = `${id}\0${v.container}\0${d.what}`;
    const seen = this.findings.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    if (this.findings.size >= MAX_DISTINCT_DEVIATIONS) {
      this.dropped++;
      return;
    }
    const severity: Severity = d.classification === 'attack' ? 'high' : d.classification === 'drift' ? 'medium' : 'low';
    const c = this.charter.containers.find((x) => x.name === v.container);
    const locations: FindingLocation[] = (c?.identity.sources ?? [])
      .filter((s) => s.kind !== 'knowledge' && s.kind !== 'inferred')
      .map((s) => ({
        artifact: s.artifact,
        ...(s.line !== undefined ? { line: s.line } : {}),
        ...(s.column !== undefined ? { column: s.column } : {}),
      }));
    const finding: Finding = {
      kind: 'runtime-deviation',
      id,
      aliases: d.patterns.slice(1).map((p) => `CHARTER-RT-${p.id.toUpperCase()}`),
      severity,
      title: pattern ? `${pattern.name} (${d.classification})` : `Undeclared ${v.kind} (${d.classification})`,
      description: `container ${v.container}: ${d.what}. Missing: ${d.missing}.${d.wouldAllow.length > 0 ? ` Would allow it: ${d.wouldAllow.join('; or ')}.` : ''}`,
      remediation:
        d.classification === 'undeclared' && d.wouldAllow.length > 0
          ? `If it is intended, declare it: ${d.wouldAllow[0]!}.`
          : 'Investigate the container: nothing the application declares does this.',
      references: [...new Set(d.patterns.flatMap((p) => [...p.mitre.map((m) => mitreUrl(m.id)), p.source]))],
      controls: d.patterns.flatMap((p) => p.mitre.map((m) => ({ framework: 'MITRE ATT&CK', id: m.id, title: m.name }))),
      locations: locations.length > 0 ? locations : [{ artifact: v.container }],
    };
    this.findings.set(key, { finding, count: 1 });
  }

  /** The findings, each description ending with how often it happened, in a stable order. */
  list(): Finding[] {
    return [...this.findings.values()]
      .map(({ finding, count }) => (count > 1 ? { ...finding, description: `${finding.description ?? ''} Seen ${count} times.` } : finding))
      .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : (a.description ?? '') < (b.description ?? '') ? -1 : 1));
  }
}
