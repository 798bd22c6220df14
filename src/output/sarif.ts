/**
 * SARIF 2.1.0 (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) for code-scanning
 * dashboards. One run, one rule per advisory or check id, one result per finding.
 *
 * - `properties.security-severity` is a number in a string (GitHub code scanning ranks alerts by
 *   it: ≥ 9.0 critical, 7.0–8.9 high, 4.0–6.9 medium, 0.1–3.9 low); the CVSS score when known.
 * - A finding with a line gets a physical location with a region; image findings get the path
 *   inside the image as the artifact and the layer as a logical location.
 * - `partialFingerprints` leave out versions and lines, so an alert keeps its identity when a
 *   package is bumped within the vulnerable range or the manifest gains a line above it.
 * - No timestamps: the same scan gives the same bytes.
 */
import { createHash } from 'node:crypto';
import type { Finding, FindingLocation, RuleInfo, Severity } from '../model/findings.js';
import { compareStrings } from '../util/sort.js';
import type { ScanResult } from '../model/scan-result.js';

export const SARIF_SCHEMA_URI = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

export interface SarifOptions {
  toolName: string;
  toolVersion: string;
  /** Check-catalogue entries by id; findings fill in rules without one. */
  rules?: ReadonlyMap<string, RuleInfo>;
}

type Level = 'error' | 'warning' | 'note';

const LEVEL: Record<Severity, Level> = {
  critical: 'error',
  high: 'error',
  medium: 'warning',
  low: 'note',
  info: 'note',
  unknown: 'warning',
};

/** Midpoints of GitHub's bands, used when no CVSS score is known. */
const SECURITY_SEVERITY: Record<Severity, number | undefined> = {
  critical: 9.5,
  high: 8.0,
  medium: 5.5,
  low: 2.0,
  info: undefined,
  unknown: undefined,
};

interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri?: string;
  defaultConfiguration: { level: Level };
  properties: { 'security-severity'?: string; tags: string[]; precision: string; 'problem.severity': string };
}

function ruleName(title: string): string {
  // SARIF names are readable identifiers, PascalCase by convention: made from the title.
  return title
    .split(/[^A-Za-z0-9]+/)
    .slice(0, 10)
    .filter(Boolean)
    .map((p) => p.charAt(0).toUpperCase() + p.slice(1))
    .join('');
}

function oneLine(s: string, max = 1000): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function worstSeverity(fs: readonly Finding[]): Severity {
  const order: Severity[] = ['critical', 'high', 'medium', 'low', 'info', 'unknown'];
  return order.find((s) => fs.some((f) => f.severity === s)) ?? 'unknown';
}

function buildRule(id: string, fs: readonly Finding[], info: RuleInfo | undefined): SarifRule {
  const first = fs[0] as Finding;
  const severity = worstSeverity(fs);
  const scores = fs.map((f) => f.score).filter((s): s is number => typeof s === 'number');
  const score = scores.length > 0 ? Math.max(...scores) : SECURITY_SEVERITY[severity];
  const title = info?.title ?? first.title;
  const description = info?.description ?? first.description ?? title;
  const remediation =
    info?.remediation ?? first.remediation ?? (first.fixedVersion ? `Upgrade to ${first.fixedVersion} or later.` : undefined);
  const refs = [...new Set(fs.flatMap((f) => f.references ?? []))].sort(compareStrings);
  const helpUri = info?.helpUri ?? refs.find((r) => /^https?:\/\//.test(r));
  const controls = [...new Set(fs.flatMap((f) => (f.controls ?? []).map((c) => `${c.framework} ${c.id}`)))].sort(compareStrings);
  const tags = [...new Set(['security', first.kind, ...(info?.tags ?? []), ...controls])].sort(compareStrings);
  const helpText = [
    oneLine(description, 4000),
    remediation ? `Remediation: ${remediation}` : '',
    refs.length > 0 ? `References: ${refs.join(' ')}` : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  const helpMarkdown = [
    `**${oneLine(title)}**`,
    oneLine(description, 4000),
    remediation ? `**Remediation:** ${remediation}` : '',
    refs.length > 0 ? refs.map((r) => `- ${r}`).join('\n') : '',
  ]
    .filter(Boolean)
    .join('\n\n');
  return {
    id,
    name: ruleName(title) || ruleName(id),
    shortDescription: { text: oneLine(title, 200) },
    fullDescription: { text: oneLine(description, 4000) },
    help: { text: helpText, markdown: helpMarkdown },
    ...(helpUri ? { helpUri } : {}),
    defaultConfiguration: { level: LEVEL[severity] },
    properties: {
      ...(score !== undefined ? { 'security-severity': score.toFixed(1) } : {}),
      tags,
      precision: first.kind === 'vulnerability' ? 'very-high' : 'high',
      'problem.severity': LEVEL[severity] === 'note' ? 'recommendation' : LEVEL[severity],
    },
  };
}

/** A relative URI for a file path: no leading slash, each segment percent-encoded. */
function uriOf(path: string): string {
  return path
    .replace(/^\/+/, '')
    .split('/')
    .map((s) => encodeURIComponent(s))
    .join('/');
}

function isImageArtifact(artifact: string): boolean {
  return /^(oci-archive|docker-archive|oci|podman):/.test(artifact);
}

function location(l: FindingLocation, images: ReadonlySet<string>): Record<string, unknown> {
  const logical: Record<string, unknown>[] = [];
  if (l.layer) logical.push({ name: l.layer, kind: 'layer', fullyQualifiedName: `${l.artifact}@${l.layer}` });
  if (l.pointer !== undefined) logical.push({ name: l.pointer || '/', kind: 'element', fullyQualifiedName: `${l.artifact}#${l.pointer}` });
  // An image is not a file: its findings point at a path inside it, or only at the layer/config.
  const isImage = images.has(l.artifact) || isImageArtifact(l.artifact);
  const fileUri = l.path !== undefined ? uriOf(l.path) : isImage ? undefined : uriOf(l.artifact);
  const out: Record<string, unknown> = {};
  if (fileUri) {
    out['physicalLocation'] = {
      artifactLocation: { uri: fileUri },
      ...(l.line !== undefined ? { region: { startLine: l.line, ...(l.column !== undefined ? { startColumn: l.column } : {}) } } : {}),
    };
  }
  if (!fileUri && logical.length === 0) logical.push({ name: l.artifact, kind: 'module' });
  if (logical.length > 0) out['logicalLocations'] = logical;
  return out;
}

function message(f: Finding): string {
  const c = f.component ? ` in ${f.component.name}@${f.component.version}` : '';
  const fix = f.fixedVersion ? ` (fixed in ${f.fixedVersion})` : f.kind === 'vulnerability' ? ' (no fixed version)' : '';
  const where = f.locations[0]?.path ?? f.locations[0]?.artifact;
  return `${f.id}${c}${fix}: ${oneLine(f.title)}${where ? ` [${where}]` : ''}`;
}

function fingerprint(f: Finding): string {
  const l = f.locations[0];
  const parts = [f.kind, f.id, f.component?.ecosystem ?? '', f.component?.name ?? '', l?.artifact ?? '', l?.path ?? '', l?.pointer ?? ''];
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}

/** The SARIF log as a plain object (findings must already be sorted). */
export function toSarifLog(result: ScanResult, opts: SarifOptions): Record<string, unknown> {
  const byRule = new Map<string, Finding[]>();
  for (const f of result.findings) byRule.set(f.id, [...(byRule.get(f.id) ?? []), f]);
  const ids = [...byRule.keys()].sort(compareStrings);
  const index = new Map(ids.map((id, i) => [id, i]));
  const rules = ids.map((id) => buildRule(id, byRule.get(id) ?? [], opts.rules?.get(id)));
  const images = new Set(
    [result.target, ...(result.image ? [result.image.ref] : [])].filter((t) => isImageArtifact(t) || t === result.image?.ref),
  );
  const results = result.findings.map((f) => {
    const locs = f.locations.map((l) => location(l, images)).filter((l) => Object.keys(l).length > 0);
    return {
      ruleId: f.id,
      ruleIndex: index.get(f.id) ?? 0,
      level: LEVEL[f.severity],
      message: { text: message(f) },
      ...(locs.length > 0 ? { locations: locs } : {}),
      partialFingerprints: { 'charterFinding/v1': fingerprint(f) },
      properties: {
        kind: f.kind,
        severity: f.severity,
        ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
        ...(f.component ? { purl: f.component.purl } : {}),
        ...(f.fixedVersion ? { fixedVersion: f.fixedVersion } : {}),
      },
    };
  });
  return {
    $schema: SARIF_SCHEMA_URI,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: opts.toolName,
            version: opts.toolVersion,
            semanticVersion: opts.toolVersion,
            rules,
          },
        },
        automationDetails: { id: `charter-scan/${result.target}` },
        results,
        properties: {
          target: result.target,
          ...(result.image ? { imageDigest: result.image.digest } : {}),
        },
      },
    ],
  };
}

export function toSarif(result: ScanResult, opts: SarifOptions): string {
  return `${JSON.stringify(toSarifLog(result, opts), null, 2)}\n`;
}
