/**
 * The policy file (`apiVersion: charter/v1`, `kind: Policy`): which findings fail the gate. This
 * schema is the trust boundary for a user-authored file; every problem it finds is reported with
 * the file, line and column of the offending node (see parse.ts).
 */
import { z } from 'zod';
import { FINDING_KINDS, SEVERITIES, type FindingKind, type Severity } from '../../model/findings.js';

/** `any` reads better than `unknown` for "every severity" (unknown is the lowest rank). */
export const THRESHOLDS = [...SEVERITIES, 'any'] as const;
export type Threshold = (typeof THRESHOLDS)[number];

const lower = (v: unknown): unknown => (typeof v === 'string' ? v.toLowerCase() : v);

const ThresholdSchema = z.preprocess(
  lower,
  z.enum(THRESHOLDS, { error: (iss) => `bad severity ${JSON.stringify(iss.input)}: expected one of ${THRESHOLDS.join(', ')}` }),
);
const KindSchema = z.enum(FINDING_KINDS, {
  error: (iss) => `unknown finding kind ${JSON.stringify(iss.input)}: expected one of ${FINDING_KINDS.join(', ')}`,
});

/** Advisory or check ids: CVE-2021-23337, GHSA-35jh-r3h4-6jhm, DSA-5000-1, MAL-2024-1, CHARTER-DF-001; `*` as a wildcard. */
const ID_PATTERN = /^[A-Za-z*][A-Za-z0-9*]*(-[A-Za-z0-9._:*]+)+$|^\*$/;
const IdSchema = z.string().regex(ID_PATTERN, 'not an advisory or check id (e.g. CVE-2021-23337, GHSA-35jh-r3h4-6jhm, CHARTER-DF-001)');

/** A calendar date; an ignore rule stops applying after the end of that day (UTC). */
const DATE_PATTERN = /^(\d{4})-(\d{2})-(\d{2})$/;
export function isRealDate(s: string): boolean {
  const m = DATE_PATTERN.exec(s);
  if (!m) return false;
  const d = new Date(`${s}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
}
const DateSchema = z
  .string({ error: 'expires must be a date written YYYY-MM-DD' })
  .refine(isRealDate, { message: 'bad date: expected YYYY-MM-DD, a real calendar day' });

export const IgnoreRuleSchema = z
  .object({
    id: IdSchema,
    /** A purl (with or without version) or a package name. */
    component: z.string().min(1).optional(),
    /** A file or image path; `*` matches within one path segment, `**` across segments. */
    path: z.string().min(1).optional(),
    reason: z.string({ error: 'an ignore needs a reason' }).trim().min(1, 'an ignore needs a reason'),
    expires: DateSchema.optional(),
  })
  .strict();

const KindsSchema = z.union([z.array(KindSchema).min(1), z.partialRecord(KindSchema, ThresholdSchema)]);

export const PolicyFileSchema = z
  .object({
    apiVersion: z.literal('charter/v1', { error: 'apiVersion must be charter/v1' }),
    kind: z.literal('Policy', { error: 'kind must be Policy' }),
    failOn: z
      .object({
        /** The threshold for kinds listed without one of their own. */
        severity: ThresholdSchema.optional(),
        /** Kinds that can fail the gate: a list, or a map from kind to its own threshold. */
        kinds: KindsSchema.optional(),
      })
      .strict()
      .optional(),
    onlyWithFix: z.boolean().optional(),
    ignore: z.array(IgnoreRuleSchema).optional(),
    checks: z
      .object({
        allow: z.array(IdSchema).optional(),
        deny: z.array(IdSchema).optional(),
      })
      .strict()
      .optional(),
    maxFindings: z.number().int().nonnegative().optional(),
  })
  .strict();
export type PolicyFile = z.infer<typeof PolicyFileSchema>;

/** Where in the policy file a rule was written (for warnings about it). */
export interface PolicySource {
  file: string;
  line?: number;
  column?: number;
}

export interface IgnoreRule {
  id: string;
  component?: string;
  path?: string;
  reason: string;
  /** YYYY-MM-DD; the rule applies up to the end of this day (UTC). */
  expires?: string;
  source?: PolicySource;
}

/** A policy ready to evaluate: defaults filled in. */
export interface Policy {
  /** Per kind: the lowest severity that fails. Kinds absent here never fail on severity. */
  failOn: Partial<Record<FindingKind, Threshold>>;
  /** Vulnerabilities without a fixed version do not fail the gate (they are still reported). */
  onlyWithFix: boolean;
  ignore: IgnoreRule[];
  checks: { allow: string[]; deny: string[] };
  maxFindings?: number;
  /** The file it came from; absent for the built-in default. */
  file?: string;
}

/** Rank for threshold comparisons; `unknown` and `any` are the bottom, so they take everything. */
export const SEVERITY_RANK: Record<Threshold, number> = { critical: 5, high: 4, medium: 3, low: 2, info: 1, unknown: 0, any: 0 };

export function meetsThreshold(severity: Severity, threshold: Threshold): boolean {
  return SEVERITY_RANK[severity] >= SEVERITY_RANK[threshold];
}
