/**
 * Matching an inventory against the vulnerability store: which components are affected by which
 * advisories, at which fixed version, reported once per problem.
 *
 * Evaluation follows the OSV specification's algorithm (https://ossf.github.io/osv-schema/#evaluation):
 * a version is affected when it is listed in `versions[]` or lies in a `ranges[]` entry of type
 * ECOSYSTEM or SEMVER (events sorted by version; `introduced` "0" before everything; `fixed`
 * exclusive; `last_affected` inclusive; `limit` bounds the range). GIT ranges need the
 * repository's commit graph and are ignored.
 *
 * De-duplication: advisories matched on one component that share an id, an alias or an upstream
 * id (transitively) are one problem, reported as one finding. Its id is the advisory that is most
 * useful to act on — the one giving a fixed version for this component, then the ecosystem's own
 * advisory before an aggregator's (GHSA before CVE; DSA/DLA before DEBIAN-CVE), then the
 * smallest id — and every other id of the group is listed in `aliases`. Its severity is the
 * highest of the group's.
 */
import type { Finding, Severity } from '../model/findings.js';
import type { Component } from '../model/components.js';
import type { Diagnostic } from '../model/charter.js';
import type { AdvisoryRow, AffectedMatch, VulnStore } from '../store/vulns/types.js';
import { compareStrings } from '../util/sort.js';
import { severityFromOsv } from './cvss/index.js';
import { matchTarget, releaseApplies, type MatchTarget } from './ecosystems.js';
import { schemeFor, type VersionScheme } from './versions/index.js';

export interface MatchOptions {
  /** FindingLocation.artifact for every finding (the image reference); else the component's path. */
  artifact?: string;
}

export interface MatchResult {
  findings: Finding[];
  /** Versions that could not be ordered, records with unusable ranges, unknown releases. */
  diagnostics: Diagnostic[];
}

/** Why one advisory matched one component. */
interface Hit {
  advisoryId: string;
  /** The first matching entry of the record's `affected` array (for package-level severity). */
  affectedIndex: number;
  /** Lowest fixed version above the installed one, with the scheme that orders it. */
  fixed?: string;
  scheme?: VersionScheme;
}

export async function matchComponents(store: VulnStore, components: readonly Component[], opts: MatchOptions = {}): Promise<MatchResult> {
  const diagnostics = new DiagnosticSet();
  const targets = components.map((c) => ({ component: c, target: matchTarget(c) }));
  const queries = targets.flatMap(({ target }) => (target ? [{ ecosystem: target.ecosystem, name: target.name }] : []));
  const rows = await store.findAffected(queries);
  const byPackage = new Map<string, AffectedMatch[]>();
  for (const row of rows) {
    const key = packageKey(row.ecosystem, row.name);
    const list = byPackage.get(key);
    if (list) list.push(row);
    else byPackage.set(key, [row]);
  }

  const unknownRelease = new Map<string, number>();
  const perComponent: { component: Component; target: MatchTarget; hits: Map<string, Hit> }[] = [];
  for (const { component, target } of targets) {
    if (!target) continue;
    const candidates = byPackage.get(packageKey(target.ecosystem, target.name));
    if (!candidates) continue;
    if (target.release === undefined && (component.ecosystem === 'deb' || component.ecosystem === 'apk')) {
      unknownRelease.set(target.ecosystem, (unknownRelease.get(target.ecosystem) ?? 0) + 1);
    }
    const hits = new Map<string, Hit>();
    for (const row of candidates) {
      if (!releaseApplies(row.release, target.release)) continue;
      const r = evaluate(row, target.version, component, diagnostics);
      if (!r.affected) continue;
      const prev = hits.get(row.advisoryId);
      if (!prev)
        hits.set(row.advisoryId, {
          advisoryId: row.advisoryId,
          affectedIndex: row.index,
          ...(r.fixed !== undefined ? { fixed: r.fixed, scheme: r.scheme } : {}),
        });
      else if (r.fixed !== undefined && r.scheme && (prev.fixed === undefined || safeCompare(r.scheme, r.fixed, prev.fixed) < 0)) {
        prev.fixed = r.fixed;
        prev.scheme = r.scheme;
      }
    }
    if (hits.size > 0) perComponent.push({ component, target, hits });
  }
  for (const [ecosystem, count] of [...unknownRelease].sort(([a], [b]) => compareStrings(a, b))) {
    diagnostics.add({
      code: 'VULN_RELEASE_UNKNOWN',
      severity: 'warning',
      message: `${count} ${ecosystem} package(s) have no known OS release: advisories of every ${ecosystem} release were considered`,
      file: opts.artifact ?? '',
    });
  }

  const ids = new Set<string>();
  for (const { hits } of perComponent) for (const id of hits.keys()) ids.add(id);
  const advisories = new Map<string, LoadedAdvisory>();
  for (const row of await store.getAdvisories([...ids].sort(compareStrings))) advisories.set(row.id, load(row));

  const findings: Finding[] = [];
  for (const { component, target, hits } of perComponent) {
    for (const group of groupHits([...hits.values()], advisories)) {
      findings.push(toFinding(component, target, group, advisories, opts));
    }
  }
  findings.sort(compareFindings);
  return { findings, diagnostics: diagnostics.list() };
}

// ---------------------------------------------------------------------------------------------
// Evaluation

type Evaluation = { affected: false } | { affected: true; fixed?: string; scheme?: VersionScheme };

interface RangeLike {
  type?: unknown;
  events?: unknown;
}

/** Is `version` affected by one stored `affected[]` entry? */
function evaluate(row: AffectedMatch, version: string, component: Component, diagnostics: DiagnosticSet): Evaluation {
  let affected = row.versions.includes(version);
  let rangeFixed: { fixed: string; scheme: VersionScheme } | undefined;
  let anyFixed: { fixed: string; scheme: VersionScheme } | undefined;
  for (const range of row.ranges as RangeLike[]) {
    if (range.type !== 'ECOSYSTEM' && range.type !== 'SEMVER') continue;
    const scheme = range.type === 'SEMVER' ? schemeFor('SEMVER') : schemeFor(row.ecosystem);
    if (!scheme) continue;
    if (!scheme.isValid(version)) {
      diagnostics.add({
        code: 'VULN_BAD_VERSION',
        severity: 'warning',
        message: `${component.name} ${JSON.stringify(version)} is not a valid ${scheme.name} version: advisory ranges for it were not evaluated`,
        file: component.path ?? component.purl,
      });
      continue;
    }
    const r = inRange(scheme, version, Array.isArray(range.events) ? (range.events as Record<string, unknown>[]) : []);
    if ('error' in r) {
      diagnostics.add({
        code: 'VULN_BAD_RANGE',
        severity: 'warning',
        message: `${row.advisoryId}: range skipped: ${r.error}`,
        file: row.advisoryId,
      });
      continue;
    }
    if (r.fixedAbove !== undefined && (!anyFixed || safeCompare(scheme, r.fixedAbove, anyFixed.fixed) < 0))
      anyFixed = { fixed: r.fixedAbove, scheme };
    if (r.vulnerable) {
      affected = true;
      if (r.fixedAbove !== undefined && (!rangeFixed || safeCompare(scheme, r.fixedAbove, rangeFixed.fixed) < 0))
        rangeFixed = { fixed: r.fixedAbove, scheme };
    }
  }
  if (!affected) return { affected: false };
  // Listed in versions[] only: the nearest fix any range names is still the best advice.
  const fix = rangeFixed ?? anyFixed;
  return fix ? { affected: true, fixed: fix.fixed, scheme: fix.scheme } : { affected: true };
}

type RangeResult = { vulnerable: boolean; fixedAbove?: string } | { error: string };

interface Ev {
  kind: 'introduced' | 'fixed' | 'last_affected' | 'limit';
  version: string;
}

const EVENT_KINDS = ['introduced', 'fixed', 'last_affected', 'limit'] as const;

/** The specification's IncludedInRanges for one range, plus the lowest `fixed` above `v`. */
export function inRange(scheme: VersionScheme, v: string, rawEvents: readonly Record<string, unknown>[]): RangeResult {
  const events: Ev[] = [];
  for (const e of rawEvents) {
    const kind = EVENT_KINDS.find((k) => typeof e[k] === 'string');
    if (!kind) continue;
    const version = e[kind] as string;
    const special = (kind === 'introduced' && version === '0') || (kind === 'limit' && version === '*');
    if (!special && !scheme.isValid(version))
      return { error: `${kind} ${JSON.stringify(version.slice(0, 80))} is not a valid ${scheme.name} version` };
    events.push({ kind, version });
  }
  const cmp = (a: Ev, b: Ev): number => rank(a) - rank(b) || (rank(a) === 0 ? scheme.compare(a.version, b.version) : 0);
  // Stable sort: events at the same version keep their order in the record.
  const sorted = [...events].sort(cmp);

  const limits = events.filter((e) => e.kind === 'limit');
  if (limits.length > 0 && !limits.some((l) => l.version === '*' || scheme.compare(v, l.version) < 0)) return { vulnerable: false };

  let vulnerable = false;
  for (const e of sorted) {
    if (e.kind === 'introduced') {
      if (e.version === '0' || scheme.compare(v, e.version) >= 0) vulnerable = true;
    } else if (e.kind === 'fixed') {
      if (scheme.compare(v, e.version) >= 0) vulnerable = false;
    } else if (e.kind === 'last_affected') {
      if (scheme.compare(v, e.version) > 0) vulnerable = false;
    }
  }
  let fixedAbove: string | undefined;
  for (const e of events) {
    if (e.kind === 'fixed' && scheme.compare(e.version, v) > 0 && (fixedAbove === undefined || scheme.compare(e.version, fixedAbove) < 0)) {
      fixedAbove = e.version;
    }
  }
  return fixedAbove !== undefined ? { vulnerable, fixedAbove } : { vulnerable };
}

/** -1 for `introduced: "0"`, +1 for `limit: "*"`, 0 for versions ordered by the scheme. */
function rank(e: Ev): number {
  if (e.kind === 'introduced' && e.version === '0') return -1;
  if (e.kind === 'limit' && e.version === '*') return 1;
  return 0;
}

function safeCompare(scheme: VersionScheme, a: string, b: string): number {
  try {
    return scheme.compare(a, b);
  } catch {
    return compareStrings(a, b);
  }
}

// ---------------------------------------------------------------------------------------------
// Grouping and findings

interface LoadedAdvisory {
  row: AdvisoryRow;
  record: Record<string, unknown>;
  /** The advisory's own id, aliases and upstream ids. */
  names: string[];
}

function load(row: AdvisoryRow): LoadedAdvisory {
  let record: Record<string, unknown> = {};
  try {
    const v: unknown = JSON.parse(row.raw);
    if (v && typeof v === 'object' && !Array.isArray(v)) record = v as Record<string, unknown>;
  } catch {
    // Stored records were validated on import; a damaged row still yields a finding.
  }
  return { row, record, names: [row.id, ...row.aliases, ...row.upstream] };
}

/** Union-find over the names of the matched advisories: shared names join groups. */
function groupHits(hits: Hit[], advisories: Map<string, LoadedAdvisory>): Hit[][] {
  const parent = new Map<string, string>();
  const find = (x: string): string => {
    let root = x;
    while (parent.get(root) !== root) root = parent.get(root) ?? root;
    // Path compression keeps later lookups flat.
    let cur = x;
    while (cur !== root) {
      const next = parent.get(cur) ?? root;
      parent.set(cur, root);
      cur = next;
    }
    return root;
  };
  const union = (a: string, b: string): void => {
    const ra = find(a);
    const rb = find(b);
    if (ra !== rb) parent.set(ra < rb ? rb : ra, ra < rb ? ra : rb);
  };
  for (const h of hits) {
    const names = advisories.get(h.advisoryId)?.names ?? [h.advisoryId];
    for (const n of names) if (!parent.has(n)) parent.set(n, n);
    for (const n of names) union(h.advisoryId, n);
  }
  const groups = new Map<string, Hit[]>();
  for (const h of hits) {
    const root = find(h.advisoryId);
    const g = groups.get(root);
    if (g) g.push(h);
    else groups.set(root, [h]);
  }
  return [...groups.values()];
}

/** Ecosystem-native advisories first, aggregators (CVE) last; unknown prefixes in between. */
const PREFIX_ORDER = ['GHSA', 'PYSEC', 'DSA', 'DLA', 'DTSA', 'USN', 'UBUNTU', 'ALPINE', 'DEBIAN', 'OSV', 'CVE'];

function prefixRank(id: string): number {
  const prefix = id.slice(0, Math.max(0, id.indexOf('-'))).toUpperCase();
  const i = PREFIX_ORDER.indexOf(prefix);
  return i === -1 ? PREFIX_ORDER.length - 1.5 : i;
}

const SEVERITY_ORDER: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info', 'unknown'];

function toFinding(
  component: Component,
  target: MatchTarget,
  group: Hit[],
  advisories: Map<string, LoadedAdvisory>,
  opts: MatchOptions,
): Finding {
  const ordered = [...group].sort(
    (a, b) =>
      Number(b.fixed !== undefined) - Number(a.fixed !== undefined) ||
      prefixRank(a.advisoryId) - prefixRank(b.advisoryId) ||
      compareStrings(a.advisoryId, b.advisoryId),
  );
  const primary = ordered[0] as Hit;
  const main = advisories.get(primary.advisoryId);

  const names = new Set<string>();
  for (const h of group) for (const n of advisories.get(h.advisoryId)?.names ?? [h.advisoryId]) names.add(n);
  names.delete(primary.advisoryId);

  // The problem is gone only when every advisory of the group is: the highest of their fixes.
  let fixed: Hit | undefined;
  for (const h of group) {
    if (h.fixed === undefined || !h.scheme) continue;
    if (!fixed?.fixed || safeCompare(h.scheme, h.fixed, fixed.fixed) > 0) fixed = h;
  }

  let severity: Severity = 'unknown';
  let score: number | undefined;
  for (const h of group) {
    const a = advisories.get(h.advisoryId);
    if (!a) continue;
    const s = advisorySeverity(a.record, h.affectedIndex);
    if (SEVERITY_ORDER.indexOf(s.severity) < SEVERITY_ORDER.indexOf(severity)) severity = s.severity;
    if (s.score !== undefined && (score === undefined || s.score > score)) score = s.score;
  }

  const summary = main?.row.summary;
  const details = typeof main?.record['details'] === 'string' ? main.record['details'] : undefined;
  const title = summary?.trim() || firstLine(details) || `${primary.advisoryId} in ${target.name}`;
  const references = uniqueInOrder(
    (Array.isArray(main?.record['references']) ? (main.record['references'] as unknown[]) : []).flatMap((r) =>
      r && typeof r === 'object' && typeof (r as { url?: unknown }).url === 'string' ? [(r as { url: string }).url] : [],
    ),
  );
  const pkg = target.name !== component.name ? `source package ${target.name} (binary ${component.name})` : component.name;
  const artifact = opts.artifact ?? component.path ?? component.purl;

  return {
    kind: 'vulnerability',
    id: primary.advisoryId,
    aliases: [...names].sort(compareStrings),
    severity,
    ...(score !== undefined ? { score } : {}),
    title,
    ...(details ? { description: details } : {}),
    component: { ecosystem: component.ecosystem, name: component.name, version: component.version, purl: component.purl },
    ...(fixed?.fixed !== undefined ? { fixedVersion: fixed.fixed } : {}),
    remediation: fixed?.fixed !== undefined ? `upgrade ${pkg} to ${fixed.fixed} or later` : `no fixed version of ${pkg} is known`,
    ...(references.length > 0 ? { references } : {}),
    locations: [
      {
        artifact,
        ...(component.layer !== undefined ? { layer: component.layer } : {}),
        ...(component.path !== undefined ? { path: component.path } : {}),
      },
    ],
  };
}

type SeverityList = Parameters<typeof severityFromOsv>[0];

/**
 * A record's severity: its top-level scores, else those of the matched `affected` entry (the
 * spec puts them there when packages differ); then the database's and ecosystem's labels.
 */
function advisorySeverity(record: Record<string, unknown>, affectedIndex: number): ReturnType<typeof severityFromOsv> {
  const top = Array.isArray(record['severity']) && record['severity'].length > 0 ? (record['severity'] as SeverityList) : undefined;
  const entry = Array.isArray(record['affected']) ? (record['affected'][affectedIndex] as Record<string, unknown> | undefined) : undefined;
  const own = entry && Array.isArray(entry['severity']) ? (entry['severity'] as SeverityList) : undefined;
  const first = severityFromOsv(top ?? own, record['database_specific']);
  if (first.severity !== 'unknown' || !entry) return first;
  const eco = severityFromOsv(undefined, entry['ecosystem_specific']);
  return eco.severity !== 'unknown' ? eco : severityFromOsv(undefined, entry['database_specific']);
}

function firstLine(text: string | undefined): string | undefined {
  const line = text?.split('\n').find((l) => l.trim() !== '');
  if (!line) return undefined;
  const t = line.replace(/^#+\s*/, '').trim();
  return t.length > 120 ? `${t.slice(0, 119)}…` : t;
}

function uniqueInOrder(items: string[]): string[] {
  return [...new Set(items)];
}

function compareFindings(a: Finding, b: Finding): number {
  return (
    compareStrings(a.component?.purl ?? '', b.component?.purl ?? '') ||
    SEVERITY_ORDER.indexOf(a.severity) - SEVERITY_ORDER.indexOf(b.severity) ||
    compareStrings(a.id, b.id)
  );
}

function packageKey(ecosystem: string, name: string): string {
  return `${ecosystem}\u0000${name}`;
}

/** Diagnostics, each reported once. */
class DiagnosticSet {
  private readonly seen = new Map<string, Diagnostic>();
  add(d: Diagnostic): void {
    const key = `${d.code}\u0000${d.file}\u0000${d.message}`;
    if (!this.seen.has(key)) this.seen.set(key, d);
  }
  list(): Diagnostic[] {
    return [...this.seen.values()];
  }
}
