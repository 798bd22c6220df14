/**
 * Unsafe components, as findings of kind `unsafe-component`: known-malicious package versions,
 * deprecated npm versions, npm packages with install scripts. Pure: the registry look-ups are done
 * by the edge (npm-registry.ts) and passed in.
 */
import type { Finding, FindingLocation } from '../../model/findings.js';
import type { Component } from '../../model/components.js';
import maliciousFile from './malicious-npm.json' with { type: 'json' };
import { checkEntry } from '../../knowledge/hygiene-catalogue.js';
import { DEPRECATED_ID, INSTALL_SCRIPT_ID } from './rules.js';

interface MaliciousEntry {
  name: string;
  versions: string[];
  advisory: string;
  summary: string;
  source: { repo: string; path: string; commit: string; url: string };
}

export const MALICIOUS_NPM: readonly MaliciousEntry[] = maliciousFile.entries;

/** `name@version`: the key of registry look-ups and their cache. */
export function npmKey(c: Pick<Component, 'name' | 'version'>): string {
  return `${c.name}@${c.version}`;
}

function findingComponent(c: Component): NonNullable<Finding['component']> {
  return { ecosystem: c.ecosystem, name: c.name, version: c.version, purl: c.purl };
}

function locations(c: Component, artifact: string): FindingLocation[] {
  return [{ artifact, ...(c.layer ? { layer: c.layer } : {}), ...(c.path ? { path: c.path } : {}) }];
}

/** Known-malicious npm versions from the cited data file. */
export function maliciousFindings(components: readonly Component[], artifact: string): Finding[] {
  const out: Finding[] = [];
  for (const c of components) {
    if (c.ecosystem !== 'npm') continue;
    for (const e of MALICIOUS_NPM) {
      if (e.name !== c.name || !(e.versions.includes('*') || e.versions.includes(c.version))) continue;
      out.push({
        kind: 'unsafe-component',
        id: e.advisory,
        aliases: [],
        severity: 'critical',
        title: `Malicious package: ${e.summary}`,
        description: `${c.name}@${c.version} is a known-malicious package version (${e.advisory}). Treat any system that installed it as compromised.`,
        component: findingComponent(c),
        remediation:
          'Remove the package, rebuild the image from clean sources and rotate every secret the build or the container could reach.',
        references: [e.source.url],
        locations: locations(c, artifact),
      });
    }
  }
  return out;
}

/** Deprecated npm versions; `deprecations` maps `name@version` to the registry's message. */
export function deprecatedFindings(
  components: readonly Component[],
  deprecations: ReadonlyMap<string, string>,
  artifact: string,
): Finding[] {
  const rule = checkEntry(DEPRECATED_ID);
  const out: Finding[] = [];
  for (const c of components) {
    if (c.ecosystem !== 'npm') continue;
    const message = deprecations.get(npmKey(c));
    if (message === undefined) continue;
    out.push({
      kind: 'unsafe-component',
      id: DEPRECATED_ID,
      aliases: [],
      severity: rule.severity,
      title: `${c.name}@${c.version} is deprecated: ${message.replace(/\s+/g, ' ').trim().slice(0, 300)}`,
      description: rule.rationale,
      component: findingComponent(c),
      remediation: rule.remediation,
      locations: locations(c, artifact),
    });
  }
  return out;
}

export function installScriptFindings(components: readonly Component[], artifact: string): Finding[] {
  const rule = checkEntry(INSTALL_SCRIPT_ID);
  return components
    .filter((c) => c.ecosystem === 'npm' && (c.installScripts?.length ?? 0) > 0)
    .map((c) => ({
      kind: 'unsafe-component' as const,
      id: INSTALL_SCRIPT_ID,
      aliases: [],
      severity: rule.severity,
      title: `${c.name}@${c.version} runs ${(c.installScripts ?? []).join(', ')} at install time`,
      description: rule.rationale,
      component: findingComponent(c),
      remediation: rule.remediation,
      locations: locations(c, artifact),
    }));
}

/**
 * OSV `MAL-` records (OpenSSF malicious-packages, imported like any advisory) and the cited
 * malicious versions above are not vulnerabilities to patch but packages to remove: matcher
 * findings for them become `unsafe-component`, critical, and a vulnerability finding that
 * duplicates a malicious-package finding for the same component is dropped.
 */
export function reclassifyMalicious(findings: readonly Finding[]): Finding[] {
  const isMal = (f: Finding): boolean => f.id.startsWith('MAL-') || f.aliases.some((a) => a.startsWith('MAL-'));
  const unsafe = new Set(findings.filter((f) => f.kind === 'unsafe-component').map((f) => `${f.id}|${f.component?.purl ?? ''}`));
  const out: Finding[] = [];
  for (const f of findings) {
    if (f.kind === 'vulnerability' && unsafe.has(`${f.id}|${f.component?.purl ?? ''}`)) continue;
    if (f.kind === 'vulnerability' && isMal(f)) {
      const { fixedVersion: _fixed, ...rest } = f;
      out.push({
        ...rest,
        kind: 'unsafe-component',
        severity: 'critical',
        title: f.title.startsWith('Malicious') ? f.title : `Malicious package: ${f.title}`,
      });
      continue;
    }
    out.push(f);
  }
  return out;
}
