/**
 * The check catalogue: what every hygiene check is, why it matters, how to fix it and which
 * benchmark controls it implements. Metadata is data (hygiene-catalogue.json, validated here); the
 * condition logic is code (checks/*.ts, secrets/). `finding()` joins the two, so a check only
 * says *where* and *what exactly*, never re-words its title or remediation.
 */
import { z } from 'zod';
import { SEVERITIES, type Finding, type FindingKind, type FindingLocation, type RuleInfo, type Severity } from '../model/findings.js';
import catalogueFile from './hygiene-catalogue.json' with { type: 'json' };

export const CHECK_FAMILIES = ['dockerfile', 'image', 'kubernetes', 'compose', 'secrets', 'unsafe'] as const;
export type CheckFamily = (typeof CHECK_FAMILIES)[number];

/** Id prefix of each family: `CHARTER-DF-001` is a Dockerfile check. */
export const FAMILY_PREFIX = {
  dockerfile: 'DF',
  image: 'IMG',
  kubernetes: 'K8S',
  compose: 'CMP',
  secrets: 'SEC',
  unsafe: 'NPM',
} as const satisfies Record<CheckFamily, string>;

const FrameworkKey = z.enum(['cis-docker', 'pss-baseline', 'pss-restricted']);

const CheckSchema = z.strictObject({
  // Unsafe-component checks were published with named ids (CHARTER-NPM-DEPRECATED) and keep them.
  id: z.string().regex(/^CHARTER-((DF|IMG|K8S|CMP|SEC)-\d{3}|NPM-[A-Z]+(-[A-Z]+)*)$/),
  family: z.enum(CHECK_FAMILIES),
  title: z.string().min(1),
  /** The default severity; a check may lower or raise it for one finding and says why in the description. */
  severity: z.enum(SEVERITIES),
  rationale: z.string().min(1),
  remediation: z.string().min(1),
  controls: z.array(z.strictObject({ framework: FrameworkKey, id: z.string().min(1), title: z.string().optional() })),
  references: z.array(z.url({ protocol: /^https$/ })).min(1),
  /** Extra SARIF tags (`supply-chain`, `npm`). */
  tags: z.array(z.string().min(1)).optional(),
});
export type CheckEntry = z.infer<typeof CheckSchema>;

export const CatalogueSchema = z.strictObject({
  version: z.string(),
  frameworks: z.record(FrameworkKey, z.strictObject({ name: z.string(), source: z.url({ protocol: /^https$/ }) })),
  checks: z.array(CheckSchema),
});
export type Catalogue = z.infer<typeof CatalogueSchema>;

/** Validates a catalogue and its cross-references; returns every problem at once. */
export function validateCatalogue(input: unknown): { catalogue?: Catalogue; problems: string[] } {
  const parsed = CatalogueSchema.safeParse(input);
  if (!parsed.success) {
    return { problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  }
  const problems: string[] = [];
  const seen = new Set<string>();
  for (const c of parsed.data.checks) {
    if (seen.has(c.id)) problems.push(`${c.id}: duplicate id`);
    seen.add(c.id);
    const prefix = FAMILY_PREFIX[c.family];
    if (!c.id.startsWith(`CHARTER-${prefix}-`)) problems.push(`${c.id}: family ${c.family} wants prefix CHARTER-${prefix}-`);
    for (const ctl of c.controls) {
      if (!parsed.data.frameworks[ctl.framework]) problems.push(`${c.id}: unknown framework ${ctl.framework}`);
      // CIS controls carry the benchmark's own title; PSS controls are named by their title.
      if (ctl.framework === 'cis-docker' && !ctl.title) problems.push(`${c.id}: CIS control ${ctl.id} needs its title`);
    }
  }
  return problems.length > 0 ? { problems } : { catalogue: parsed.data, problems };
}

let loaded: { catalogue: Catalogue; byId: ReadonlyMap<string, CheckEntry> } | undefined;

/** The bundled catalogue, validated once per process; a broken catalogue is a programming error. */
export function loadCatalogue(): { catalogue: Catalogue; byId: ReadonlyMap<string, CheckEntry> } {
  if (loaded) return loaded;
  const { catalogue, problems } = validateCatalogue(catalogueFile);
  if (!catalogue) throw new Error(`hygiene catalogue is invalid:\n${problems.join('\n')}`);
  loaded = { catalogue, byId: new Map(catalogue.checks.map((c) => [c.id, c])) };
  return loaded;
}

export function checkEntry(id: string): CheckEntry {
  const entry = loadCatalogue().byId.get(id);
  if (!entry) throw new Error(`check ${id} has no catalogue entry`);
  return entry;
}

/** The kind of finding each family reports. */
const FAMILY_KIND = {
  dockerfile: 'misconfiguration',
  image: 'misconfiguration',
  kubernetes: 'misconfiguration',
  compose: 'misconfiguration',
  secrets: 'secret',
  unsafe: 'unsafe-component',
} as const satisfies Record<CheckFamily, FindingKind>;

/** What SARIF says about each check as a rule: from the catalogue, for every check family. */
export function checkRules(): ReadonlyMap<string, RuleInfo> {
  return new Map(
    loadCatalogue().catalogue.checks.map((c) => [
      c.id,
      {
        title: c.title,
        description: c.rationale,
        remediation: c.remediation,
        ...(c.references[0] ? { helpUri: c.references[0] } : {}),
        ...(c.tags ? { tags: [...c.tags] } : {}),
      },
    ]),
  );
}

export interface FindingDetail {
  /** Replaces the catalogue title when the finding names something specific ("… : SYS_ADMIN"). */
  title?: string;
  description?: string;
  severity?: Severity;
  kind?: FindingKind;
}

/** A finding of check `id` at `locations`, with the catalogue's metadata. */
export function finding(id: string, locations: FindingLocation[], detail: FindingDetail = {}): Finding {
  const { catalogue } = loadCatalogue();
  const entry = checkEntry(id);
  const out: Finding = {
    kind: detail.kind ?? FAMILY_KIND[entry.family],
    id,
    aliases: [],
    severity: detail.severity ?? entry.severity,
    title: detail.title ?? entry.title,
    remediation: entry.remediation,
    references: [...entry.references],
    locations,
  };
  const description = detail.description ?? entry.rationale;
  if (description) out.description = description;
  if (entry.controls.length > 0) {
    out.controls = entry.controls.map((c) => ({
      framework: catalogue.frameworks[c.framework]?.name ?? c.framework,
      id: c.id,
      ...(c.title !== undefined ? { title: c.title } : {}),
    }));
  }
  return out;
}

/** Drops undefined fields so locations satisfy exactOptionalPropertyTypes and compare cleanly. */
export function location(loc: { [K in keyof FindingLocation]?: FindingLocation[K] | undefined } & { artifact: string }): FindingLocation {
  const out: FindingLocation = { artifact: loc.artifact };
  if (loc.line !== undefined) out.line = loc.line;
  if (loc.column !== undefined) out.column = loc.column;
  if (loc.pointer !== undefined) out.pointer = loc.pointer;
  if (loc.document !== undefined) out.document = loc.document;
  if (loc.layer !== undefined) out.layer = loc.layer;
  if (loc.path !== undefined) out.path = loc.path;
  return out;
}

/** Orders findings by artifact, line, column, pointer, id: output is stable across runs. */
export function sortFindings(findings: Finding[]): Finding[] {
  const key = (f: Finding): [string, number, number, string, string] => {
    const l = f.locations[0];
    return [l?.artifact ?? '', l?.line ?? 0, l?.column ?? 0, `${l?.pointer ?? ''}\u0000${l?.path ?? ''}`, f.id];
  };
  return findings.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) {
      const x = ka[i]!;
      const y = kb[i]!;
      if (x < y) return -1;
      if (x > y) return 1;
    }
    return 0;
  });
}

/** The check list as Markdown (the README's generated section). */
export function catalogueMarkdown(catalogue: Catalogue = loadCatalogue().catalogue): string {
  const titles: Record<CheckFamily, string> = {
    dockerfile: 'Dockerfile',
    image: 'Image',
    kubernetes: 'Kubernetes',
    compose: 'Compose',
    secrets: 'Secrets (image layers and application files)',
    unsafe: 'Unsafe components',
  };
  const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
  const out: string[] = [];
  for (const family of CHECK_FAMILIES) {
    out.push(`### ${titles[family]}`, '', '| id | severity | check | controls |', '| --- | --- | --- | --- |');
    for (const c of catalogue.checks.filter((x) => x.family === family)) {
      const controls = c.controls
        .map((k) =>
          k.framework === 'cis-docker' ? `CIS ${k.id}` : `PSS ${k.framework === 'pss-baseline' ? 'baseline' : 'restricted'}: ${k.id}`,
        )
        .join('; ');
      out.push(`| ${c.id} | ${c.severity} | ${cell(c.title)} | ${cell(controls) || '—'} |`);
    }
    out.push('');
  }
  return out.join('\n');
}
