/**
 * Schemas of what file analyzers store in layer cache entries (components, findings, OS identity).
 * A cache file is foreign input: everything read back is validated against these. The type checks
 * at the bottom keep them in step with the contracts in src/model/components.ts and
 * src/model/findings.ts: a field added there and not here fails the typecheck.
 */
import { z } from 'zod';
import { ECOSYSTEMS, type Component, type OsRelease } from '../../../model/components.js';
import { FINDING_KINDS, SEVERITIES, type Finding } from '../../../model/findings.js';

const str = z.string();
const strs = z.array(str);

export const ComponentSchema = z.strictObject({
  ecosystem: z.enum(ECOSYSTEMS),
  name: str,
  version: str,
  purl: str,
  sourceName: str.optional(),
  sourceVersion: str.optional(),
  distro: str.optional(),
  arch: str.optional(),
  licenses: strs.optional(),
  layer: str.optional(),
  path: str.optional(),
  installScripts: strs.optional(),
});

export const OsReleaseSchema = z.strictObject({
  id: str,
  versionId: str.optional(),
  versionCodename: str.optional(),
  prettyName: str.optional(),
});

const LocationSchema = z.strictObject({
  artifact: str,
  line: z.number().optional(),
  column: z.number().optional(),
  pointer: str.optional(),
  document: z.number().optional(),
  layer: str.optional(),
  path: str.optional(),
});

export const FindingSchema = z.strictObject({
  kind: z.enum(FINDING_KINDS),
  id: str,
  aliases: strs,
  severity: z.enum(SEVERITIES),
  score: z.number().optional(),
  title: str,
  description: str.optional(),
  component: z.strictObject({ ecosystem: str, name: str, version: str, purl: str }).optional(),
  fixedVersion: str.optional(),
  remediation: str.optional(),
  controls: z.array(z.strictObject({ framework: str, id: str, title: str.optional() })).optional(),
  references: strs.optional(),
  locations: z.array(LocationSchema),
});

/**
 * JSON has no `undefined`, so a parsed value never holds an optional key set to undefined; that
 * is the only difference between the schema's inferred type and the contract under
 * `exactOptionalPropertyTypes`, which is what these casts bridge.
 */
export const asComponent = (c: z.infer<typeof ComponentSchema>): Component => c as Component;
export const asOsRelease = (o: z.infer<typeof OsReleaseSchema>): OsRelease => o as OsRelease;
export const asFinding = (f: z.infer<typeof FindingSchema>): Finding => f as Finding;

// The schemas match the contracts: same keys, same value types (optionality aside), both ways.
type Deep<T> = T extends readonly (infer U)[] ? Deep<U>[] : T extends object ? { [K in keyof T]-?: Deep<Exclude<T[K], undefined>> } : T;
type Same<A, B> = [Deep<A>] extends [Deep<B>] ? ([Deep<B>] extends [Deep<A>] ? true : false) : false;
const sameComponent: Same<Component, z.infer<typeof ComponentSchema>> = true;
const sameOs: Same<OsRelease, z.infer<typeof OsReleaseSchema>> = true;
const sameFinding: Same<Finding, z.infer<typeof FindingSchema>> = true;
void [sameComponent, sameOs, sameFinding];
