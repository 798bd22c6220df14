/**
 * SPDX 2.3 JSON (https://spdx.github.io/spdx-spec/v2.3/): one root package for the image (or
 * application), one package per component with its purl as a PACKAGE-MANAGER external reference,
 * the document DESCRIBES the root and the root CONTAINS every component. Declared licenses are
 * given when they form a valid SPDX expression, else NOASSERTION; nothing is "concluded".
 */
import { buildPurl } from '../../inventory/purl.js';
import { assignRefs, checkOptions, sortComponents, TOOL_NAME, type SbomComponent, type SbomInput, type SbomOptions } from './common.js';
import { normalizeSpdxExpression } from './licenses.js';
import { parseImageRef } from '../../util/image-ref.js';

type Json = Record<string, unknown>;

const NOASSERTION = 'NOASSERTION';
/** Namespace base: SPDX's own tools mint document namespaces under it. */
const NAMESPACE_BASE = 'https://spdx.org/spdxdocs';

/** `SPDXRef-` + letters, digits, `.` and `-` only (SPDX 2.3 §3.2), each other character as `-`. */
export function spdxIdFor(...parts: string[]): string {
  const body = parts
    .join('-')
    .replace(/[^A-Za-z0-9.-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '');
  return `SPDXRef-${body.slice(0, 200) || 'Package'}`;
}

/**
 * Declared license: one valid expression as is; several, each valid, joined with AND (a package
 * shipping files under each); anything else is NOASSERTION, since free text is not an expression.
 */
export function declaredLicense(licenses: readonly string[] | undefined): string {
  if (!licenses || licenses.length === 0) return NOASSERTION;
  const exprs = licenses.map(normalizeSpdxExpression);
  if (exprs.some((e) => e === undefined)) return NOASSERTION;
  if (exprs.length === 1) return exprs[0] as string;
  return (exprs as string[]).map((e) => (/\s/.test(e) && !(e.startsWith('(') && e.endsWith(')')) ? `(${e})` : e)).join(' AND ');
}

function purpose(c: SbomComponent): string {
  return c.ecosystem === 'node-runtime' ? 'APPLICATION' : 'LIBRARY';
}

/** Where the component was found, as free text (SPDX has no layer field). */
function sourceInfo(c: SbomComponent): string | undefined {
  const parts: string[] = [];
  if (c.path) parts.push(`path ${c.path}`);
  if (c.layer) parts.push(`layer ${c.layer}`);
  if (c.sourceName) parts.push(`source package ${c.sourceName}${c.sourceVersion ? ` ${c.sourceVersion}` : ''}`);
  if (c.dev) parts.push('development dependency');
  return parts.length > 0 ? `found at ${parts.join(', ')}` : undefined;
}

function rootPackage(input: SbomInput, id: string): Json {
  if (!input.image) {
    return { SPDXID: id, name: input.target, downloadLocation: NOASSERTION, filesAnalyzed: false, primaryPackagePurpose: 'APPLICATION' };
  }
  const { ref, digest } = input.image;
  const repo = parseImageRef(ref).repository;
  const name = repo.slice(repo.lastIndexOf('/') + 1) || ref;
  return {
    SPDXID: id,
    name: ref,
    ...(digest ? { versionInfo: digest } : {}),
    downloadLocation: NOASSERTION,
    filesAnalyzed: false,
    primaryPackagePurpose: 'CONTAINER',
    ...(digest
      ? {
          externalRefs: [
            {
              referenceCategory: 'PACKAGE-MANAGER',
              referenceType: 'purl',
              referenceLocator: buildPurl({ type: 'oci', name, version: digest }),
            },
          ],
        }
      : {}),
  };
}

/** An SPDX 2.3 document as a JSON-ready object. */
export function toSpdx(input: SbomInput, opts: SbomOptions): Json {
  const { uuid, timestamp } = checkOptions(opts);
  const components = sortComponents(input.components);
  // Unique SPDX ids: from ecosystem, name and version; a counter separates copies.
  const used = new Set<string>(['SPDXRef-DOCUMENT']);
  const unique = (base: string): string => {
    let id = base;
    for (let n = 2; used.has(id); n++) id = `${base}-${n}`;
    used.add(id);
    return id;
  };
  const rootId = unique(input.image ? 'SPDXRef-Image' : 'SPDXRef-Application');
  const refs = assignRefs(components);
  const packages: Json[] = components.map((c, i) => {
    const info = sourceInfo(c);
    return {
      SPDXID: unique(spdxIdFor('Package', c.ecosystem, c.name, c.version)),
      name: c.name,
      versionInfo: c.version,
      downloadLocation: NOASSERTION,
      filesAnalyzed: false,
      licenseConcluded: NOASSERTION,
      licenseDeclared: declaredLicense(c.licenses),
      copyrightText: NOASSERTION,
      primaryPackagePurpose: purpose(c),
      ...(info ? { sourceInfo: info } : {}),
      externalRefs: [{ referenceCategory: 'PACKAGE-MANAGER', referenceType: 'purl', referenceLocator: c.purl }],
      // Keeps the CycloneDX bom-ref, so the two documents of one scan can be joined.
      comment: `bom-ref: ${refs[i] as string}`,
    };
  });
  const slug =
    (input.image?.ref ?? input.target)
      .replace(/[^A-Za-z0-9._-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 100) || 'target';
  return {
    spdxVersion: 'SPDX-2.3',
    dataLicense: 'CC0-1.0',
    SPDXID: 'SPDXRef-DOCUMENT',
    name: input.image?.ref ?? input.target,
    documentNamespace: `${NAMESPACE_BASE}/${TOOL_NAME}-${slug}-${uuid}`,
    creationInfo: { created: timestamp, creators: [`Tool: ${TOOL_NAME}-${opts.toolVersion}`] },
    packages: [rootPackage(input, rootId), ...packages],
    relationships: [
      { spdxElementId: 'SPDXRef-DOCUMENT', relationshipType: 'DESCRIBES', relatedSpdxElement: rootId },
      ...packages.map((p) => ({ spdxElementId: rootId, relationshipType: 'CONTAINS', relatedSpdxElement: p['SPDXID'] as string })),
    ],
  };
}
