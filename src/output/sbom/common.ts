/**
 * What both SBOM writers share: the input, the injected identity (serial number, time, tool
 * version), a deterministic component order, unique references, and vulnerability grouping.
 */
import type { Finding } from '../../model/findings.js';
import type { Component } from '../../model/components.js';
import { compareStrings } from '../../util/sort.js';

export interface SbomInput {
  /** What was scanned: an image reference or an application directory. */
  target: string;
  image?: { ref: string; digest?: string };
  /** Components may carry `dev: true` (lockfile devDependencies). */
  components: readonly (Component & { dev?: boolean })[];
  findings?: readonly Finding[];
}

export interface SbomOptions {
  /** A UUID, bare or as `urn:uuid:…`: injected so output is reproducible. */
  serialNumber: string;
  /** ISO 8601 UTC time, e.g. `2024-01-02T03:04:05Z` (milliseconds are dropped). */
  timestamp: string;
  toolVersion: string;
}

export const TOOL_NAME = 'charter';

const UUID = /^(?:urn:uuid:)?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})$/;

/** The injected identity, checked: a malformed one is a programming error, not user input. */
export function checkOptions(opts: SbomOptions): { uuid: string; timestamp: string } {
  const m = UUID.exec(opts.serialNumber);
  if (!m) throw new TypeError(`SBOM serial number is not a UUID: ${JSON.stringify(opts.serialNumber)}`);
  const t = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})(?:\.\d+)?Z$/.exec(opts.timestamp);
  if (!t) throw new TypeError(`SBOM timestamp is not an ISO 8601 UTC time: ${JSON.stringify(opts.timestamp)}`);
  return { uuid: (m[1] as string).toLowerCase(), timestamp: `${t[1]}Z` };
}

export type SbomComponent = SbomInput['components'][number];

/** Sort key: purl, then path, then layer, so equal inputs give byte-identical documents. */
export function sortComponents(components: readonly SbomComponent[]): SbomComponent[] {
  const key = (c: SbomComponent): string => `${c.purl}\u0000${c.path ?? ''}\u0000${c.layer ?? ''}\u0000${c.name}\u0000${c.version}`;
  // Exact duplicates (same purl, path and layer) are one component.
  const seen = new Set<string>();
  const out: SbomComponent[] = [];
  for (const c of [...components].sort((a, b) => compareStrings(key(a), key(b)))) {
    const k = key(c);
    if (seen.has(k)) continue;
    seen.add(k);
    out.push(c);
  }
  return out;
}

/**
 * One reference per component: the purl when it is unique in the document, else purl plus path
 * (the same npm package installed twice), else a counter.
 */
export function assignRefs(components: readonly SbomComponent[]): string[] {
  const byPurl = new Map<string, number>();
  for (const c of components) byPurl.set(c.purl, (byPurl.get(c.purl) ?? 0) + 1);
  const used = new Set<string>();
  return components.map((c) => {
    let ref = (byPurl.get(c.purl) ?? 0) > 1 && c.path ? `${c.purl}|${c.path}` : c.purl;
    for (let n = 2; used.has(ref); n++) ref = `${c.purl}|${c.path ?? ''}|${n}`;
    used.add(ref);
    return ref;
  });
}

/** `debian-12` → {name: debian, version: 12}; `opensuse-leap-15.5` → {opensuse-leap, 15.5}. */
export function splitDistro(distro: string): { name: string; version?: string } {
  const i = distro.lastIndexOf('-');
  return i > 0 ? { name: distro.slice(0, i), version: distro.slice(i + 1) } : { name: distro };
}

export interface VulnGroup {
  id: string;
  findings: Finding[];
}

/** Vulnerability findings grouped by advisory id, sorted. */
export function groupVulnerabilities(findings: readonly Finding[] | undefined): VulnGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const f of findings ?? []) {
    if (f.kind !== 'vulnerability') continue;
    const list = groups.get(f.id) ?? [];
    list.push(f);
    groups.set(f.id, list);
  }
  return [...groups.entries()].sort((a, b) => compareStrings(a[0], b[0])).map(([id, list]) => ({ id, findings: list }));
}

/**
 * References of the components a finding affects: same purl, narrowed to the finding's location
 * paths when they name any of its copies. A finding whose component is not in the document affects nothing here.
 */
export function affectedRefs(f: Finding, components: readonly SbomComponent[], refs: readonly string[]): string[] {
  if (!f.component) return [];
  const paths = new Set(f.locations.map((l) => l.path).filter((p): p is string => p !== undefined));
  const same: { path: string | undefined; ref: string }[] = [];
  components.forEach((c, i) => {
    if (c.purl === f.component?.purl) same.push({ path: c.path, ref: refs[i] as string });
  });
  const atPath = same.filter((s) => s.path !== undefined && paths.has(s.path));
  // Locations that name none of the copies (a path relative to another root) do not narrow.
  return (atPath.length > 0 ? atPath : same).map((s) => s.ref);
}

/** Where an advisory id is published, for `source` fields. */
export function advisorySource(id: string): { name: string; url: string } {
  const enc = encodeURIComponent(id);
  if (id.startsWith('GHSA-')) return { name: 'GitHub Advisory Database', url: `https://github.com/advisories/${enc}` };
  if (id.startsWith('CVE-')) return { name: 'NVD', url: `https://nvd.nist.gov/vuln/detail/${enc}` };
  if (/^(DSA|DLA|DTSA)-/.test(id)) return { name: 'Debian Security Tracker', url: `https://security-tracker.debian.org/tracker/${enc}` };
  return { name: 'OSV', url: `https://osv.dev/vulnerability/${enc}` };
}
