/**
 * CycloneDX 1.5 JSON (https://cyclonedx.org/docs/1.5/json/): the image (or application) as
 * `metadata.component`, one component per installed package, an `operating-system` component per
 * distribution the OS packages come from, and known vulnerabilities with the components they
 * affect. Output is a plain object, sorted and free of clocks and random ids (both injected).
 */
import type { Finding, Severity } from '../../model/findings.js';
import { buildPurl } from '../../inventory/purl.js';
import {
  advisorySource,
  affectedRefs,
  assignRefs,
  checkOptions,
  groupVulnerabilities,
  sortComponents,
  splitDistro,
  TOOL_NAME,
  type SbomComponent,
  type SbomInput,
  type SbomOptions,
} from './common.js';
import { isSingleListedId, normalizeSpdxExpression } from './licenses.js';
import { compareStrings } from '../../util/sort.js';
import { parseImageRef } from '../../util/image-ref.js';

type Json = Record<string, unknown>;

const PROPERTY = {
  ecosystem: 'charter:ecosystem',
  layer: 'charter:layer',
  path: 'charter:path',
  sourceName: 'charter:source-name',
  sourceVersion: 'charter:source-version',
  distro: 'charter:distro',
  arch: 'charter:arch',
  installScripts: 'charter:install-scripts',
  dev: 'charter:dev',
} as const;

/**
 * `licenses` of a component: one SPDX expression when there is exactly one compound license;
 * otherwise each license by listed id, or by name when it is not a listed id (free text like
 * "SEE LICENSE IN LICENSE.md", or a LicenseRef, which CycloneDX's `license.id` does not take).
 */
export function cdxLicenses(licenses: readonly string[] | undefined): Json[] | undefined {
  if (!licenses || licenses.length === 0) return undefined;
  if (licenses.length === 1) {
    const expr = normalizeSpdxExpression(licenses[0] as string);
    if (expr !== undefined && !isSingleListedId(expr)) return [{ expression: expr }];
  }
  return licenses.map((l) => {
    const expr = normalizeSpdxExpression(l);
    return expr !== undefined && isSingleListedId(expr) ? { license: { id: expr } } : { license: { name: l } };
  });
}

function componentType(c: SbomComponent): string {
  return c.ecosystem === 'node-runtime' ? 'application' : 'library';
}

function properties(c: SbomComponent): Json[] {
  const p: [string, string][] = [[PROPERTY.ecosystem, c.ecosystem]];
  if (c.layer) p.push([PROPERTY.layer, c.layer]);
  if (c.path) p.push([PROPERTY.path, c.path]);
  if (c.sourceName) p.push([PROPERTY.sourceName, c.sourceName]);
  if (c.sourceVersion) p.push([PROPERTY.sourceVersion, c.sourceVersion]);
  if (c.distro) p.push([PROPERTY.distro, c.distro]);
  if (c.arch) p.push([PROPERTY.arch, c.arch]);
  if (c.installScripts && c.installScripts.length > 0)
    p.push([PROPERTY.installScripts, [...c.installScripts].sort(compareStrings).join(',')]);
  if (c.dev) p.push([PROPERTY.dev, 'true']);
  return p.map(([name, value]) => ({ name, value }));
}

function cdxComponent(c: SbomComponent, ref: string): Json {
  // npm scopes are CycloneDX groups (`@babel` + `core`), as npm's own SBOM writers do.
  const scoped = c.ecosystem === 'npm' ? /^(@[^/]+)\/(.+)$/.exec(c.name) : null;
  const licenses = cdxLicenses(c.licenses);
  return {
    type: componentType(c),
    'bom-ref': ref,
    ...(scoped ? { group: scoped[1], name: scoped[2] } : { name: c.name }),
    version: c.version,
    ...(c.dev ? { scope: 'optional' } : {}),
    ...(licenses ? { licenses } : {}),
    purl: c.purl,
    properties: properties(c),
  };
}

/** The image as a `container` component, with an OCI purl when its digest is known. */
function subject(input: SbomInput): Json {
  if (!input.image) return { type: 'application', 'bom-ref': `charter:target:${input.target}`, name: input.target };
  const { ref, digest } = input.image;
  const parsed = parseImageRef(ref);
  const name = parsed.repository.slice(parsed.repository.lastIndexOf('/') + 1) || ref;
  const purl = digest ? buildPurl({ type: 'oci', name, version: digest }) : undefined;
  return {
    type: 'container',
    'bom-ref': purl ?? `charter:image:${ref}`,
    name: ref,
    ...(digest ? { version: digest } : {}),
    ...(purl ? { purl } : {}),
  };
}

function rating(f: Finding): Json {
  const severity: Severity = f.severity;
  return {
    ...(f.score !== undefined ? { score: f.score } : {}),
    severity,
    // Findings carry a score without its CVSS version or vector, so the method cannot be named.
    method: 'other',
  };
}

function vulnerabilities(input: SbomInput, components: readonly SbomComponent[], refs: readonly string[]): Json[] {
  return groupVulnerabilities(input.findings).map(({ id, findings }) => {
    const first = findings[0] as Finding;
    const affects = [...new Set(findings.flatMap((f) => affectedRefs(f, components, refs)))].sort(compareStrings);
    const aliases = [...new Set(findings.flatMap((f) => f.aliases))].filter((a) => a !== id).sort(compareStrings);
    const fixes = [
      ...new Set(
        findings.filter((f) => f.fixedVersion !== undefined && f.component).map((f) => `Upgrade ${f.component?.name} to ${f.fixedVersion}`),
      ),
    ].sort(compareStrings);
    const advisories = [...new Set(findings.flatMap((f) => f.references ?? []))].filter((u) => /^https?:\/\//.test(u)).sort(compareStrings);
    return {
      'bom-ref': `vuln:${id}`,
      id,
      source: advisorySource(id),
      ...(aliases.length > 0 ? { references: aliases.map((a) => ({ id: a, source: advisorySource(a) })) } : {}),
      ratings: [rating(first)],
      ...(first.title ? { description: first.title } : {}),
      ...(first.description ? { detail: first.description } : {}),
      ...(fixes.length > 0 ? { recommendation: fixes.join('; ') } : {}),
      ...(advisories.length > 0 ? { advisories: advisories.map((url) => ({ url })) } : {}),
      ...(affects.length > 0 ? { affects: affects.map((ref) => ({ ref })) } : {}),
    };
  });
}

/** A CycloneDX 1.5 BOM as a JSON-ready object. */
export function toCycloneDx(input: SbomInput, opts: SbomOptions): Json {
  const { uuid, timestamp } = checkOptions(opts);
  const components = sortComponents(input.components);
  const refs = assignRefs(components);
  const list: Json[] = components.map((c, i) => cdxComponent(c, refs[i] as string));
  // One operating-system component per distribution the OS packages were built for.
  const distros = [...new Set(components.map((c) => c.distro).filter((d): d is string => d !== undefined))].sort(compareStrings);
  for (const d of distros) {
    const { name, version } = splitDistro(d);
    list.push({ type: 'operating-system', 'bom-ref': `charter:os:${d}`, name, ...(version ? { version } : {}) });
  }
  const vulns = vulnerabilities(input, components, refs);
  return {
    $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
    bomFormat: 'CycloneDX',
    specVersion: '1.5',
    serialNumber: `urn:uuid:${uuid}`,
    version: 1,
    metadata: {
      timestamp,
      tools: { components: [{ type: 'application', name: TOOL_NAME, version: opts.toolVersion }] },
      component: subject(input),
    },
    components: list,
    ...(vulns.length > 0 ? { vulnerabilities: vulns } : {}),
  };
}
