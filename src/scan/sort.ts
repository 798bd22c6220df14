/** Deterministic order of scan results: the same inputs always print the same bytes. */
import { FINDING_KINDS, SEVERITIES, type Finding, type FindingLocation } from '../model/findings.js';
import type { Component } from '../model/components.js';
import type { Diagnostic } from '../model/charter.js';
import { compareStrings } from '../util/sort.js';

const kindRank = (k: Finding['kind']): number => FINDING_KINDS.indexOf(k);
const severityRank = (s: Finding['severity']): number => SEVERITIES.indexOf(s);

function compareLocation(a: FindingLocation | undefined, b: FindingLocation | undefined): number {
  if (!a || !b) return a ? 1 : b ? -1 : 0;
  return (
    compareStrings(a.artifact, b.artifact) ||
    compareStrings(a.path ?? '', b.path ?? '') ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    compareStrings(a.pointer ?? '', b.pointer ?? '') ||
    compareStrings(a.layer ?? '', b.layer ?? '')
  );
}

export function compareFindings(a: Finding, b: Finding): number {
  return (
    kindRank(a.kind) - kindRank(b.kind) ||
    severityRank(a.severity) - severityRank(b.severity) ||
    compareStrings(a.id, b.id) ||
    compareStrings(a.component?.purl ?? '', b.component?.purl ?? '') ||
    compareLocation(a.locations[0], b.locations[0])
  );
}

export function compareComponents(a: Component, b: Component): number {
  return (
    compareStrings(a.ecosystem, b.ecosystem) ||
    compareStrings(a.name, b.name) ||
    compareStrings(a.version, b.version) ||
    compareStrings(a.path ?? '', b.path ?? '') ||
    compareStrings(a.purl, b.purl)
  );
}

export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  return (
    compareStrings(a.file, b.file) ||
    (a.line ?? 0) - (b.line ?? 0) ||
    (a.column ?? 0) - (b.column ?? 0) ||
    compareStrings(a.code, b.code) ||
    compareStrings(a.message, b.message)
  );
}

/** Locations inside a finding sorted, findings sorted, exact duplicates dropped. */
export function sortFindings(findings: readonly Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const g = { ...f, aliases: [...new Set(f.aliases)].sort(compareStrings), locations: [...f.locations].sort(compareLocation) };
    const key = JSON.stringify(g);
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(g);
  }
  return out.sort(compareFindings);
}
