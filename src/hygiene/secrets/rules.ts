/**
 * Secret-detection rules as data (rules.json): a regex with a cheap keyword prefilter, optional
 * entropy and stopword filters, and the path rules that decide which files are read at all.
 * Each rule names the catalogue check it reports (CHARTER-SEC-…) and cites where it comes from.
 */
import { z } from 'zod';
import { SEVERITIES } from '../../model/findings.js';
import rulesFile from './rules.json' with { type: 'json' };
import { errorMessage } from '../../model/errors.js';

const https = z.url({ protocol: /^https$/ });

const RuleSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
  check: z.string().regex(/^CHARTER-SEC-\d{3}$/),
  title: z.string().min(1),
  /** Overrides the check's default severity (e.g. Stripe test keys). */
  severity: z.enum(SEVERITIES).optional(),
  regex: z.string().min(1),
  /** JavaScript regex flags besides `g` and `d` (which are always added): `i`, `m`. */
  flags: z
    .string()
    .regex(/^[im]*$/)
    .optional(),
  /** Lower-case strings; the rule runs only when the lower-cased file contains one of them. */
  keywords: z
    .array(
      z
        .string()
        .min(2)
        .refine((k) => k === k.toLowerCase(), 'keywords are lower-case'),
    )
    .min(1),
  /** Capture group holding the secret (0: the whole match). */
  secretGroup: z.number().int().min(0).default(0),
  /** Capture group naming what was found (key type, variable name): shown in the title. */
  labelGroup: z.number().int().min(1).optional(),
  /** Minimum Shannon entropy (bits per character) of the secret. */
  entropy: z.number().min(0).max(8).optional(),
  /** A secret containing one of these (lower-case) is a placeholder, not a finding. */
  stopwords: z.array(z.string()).default([]),
  /** Only files whose path matches. */
  paths: z.string().optional(),
  pathsExclude: z.string().optional(),
  /** The file must also match this somewhere (e.g. a service-account file must hold a private key). */
  requires: z.string().optional(),
  /** The match must be followed within `within` characters by this (a key header by key material). */
  followedBy: z.strictObject({ regex: z.string(), within: z.number().int().min(1).max(4096) }).optional(),
  /** Characters of the secret that may be shown: only a fixed, public prefix such as `ghp_`. */
  reveal: z.number().int().min(0).max(11),
  source: https,
});
export type RuleData = z.infer<typeof RuleSchema>;

export const RulesFileSchema = z.strictObject({
  version: z.string(),
  paths: z.strictObject({
    skipPrefixes: z.strictObject({ values: z.array(z.string().regex(/^\/.+/)), source: https }),
    skipSegments: z.strictObject({ values: z.array(z.string().regex(/^\/.+\/$/)), source: https }),
    skipExtensions: z.strictObject({ values: z.array(z.string().regex(/^\.[a-z0-9]+$/)), source: https }),
    alwaysScan: z.strictObject({ pattern: z.string(), source: https }),
  }),
  rules: z.array(RuleSchema).min(1),
});

export interface Rule extends RuleData {
  re: RegExp;
  pathRe?: RegExp;
  pathExcludeRe?: RegExp;
  requiresRe?: RegExp;
  followedByRe?: RegExp;
}

export interface CompiledRules {
  rules: readonly Rule[];
  skipPrefixes: readonly string[];
  skipSegments: readonly string[];
  skipExtensions: ReadonlySet<string>;
  alwaysScan: RegExp;
}

/** Validates and compiles a rules file; throws one error listing every problem. */
export function compileRules(input: unknown): CompiledRules {
  const data = RulesFileSchema.parse(input);
  const problems: string[] = [];
  const compile = (what: string, source: string, flags: string): RegExp | undefined => {
    try {
      return new RegExp(source, flags);
    } catch (err) {
      problems.push(`${what}: ${errorMessage(err)}`);
      return undefined;
    }
  };
  const ids = new Set<string>();
  const rules: Rule[] = [];
  for (const r of data.rules) {
    if (ids.has(r.id)) problems.push(`${r.id}: duplicate rule id`);
    ids.add(r.id);
    const re = compile(`${r.id}.regex`, r.regex, `${r.flags ?? ''}gd`);
    if (!re) continue;
    const groups = new RegExp(`${r.regex}|`, r.flags ?? '').exec('')?.length ?? 1;
    if (r.secretGroup >= groups) problems.push(`${r.id}: secretGroup ${r.secretGroup} but the regex has ${groups - 1} groups`);
    if (r.labelGroup !== undefined && r.labelGroup >= groups)
      problems.push(`${r.id}: labelGroup ${r.labelGroup} but the regex has ${groups - 1} groups`);
    const rule: Rule = { ...r, re };
    const pathRe = r.paths !== undefined ? compile(`${r.id}.paths`, r.paths, '') : undefined;
    if (pathRe) rule.pathRe = pathRe;
    const ex = r.pathsExclude !== undefined ? compile(`${r.id}.pathsExclude`, r.pathsExclude, '') : undefined;
    if (ex) rule.pathExcludeRe = ex;
    const req = r.requires !== undefined ? compile(`${r.id}.requires`, r.requires, r.flags ?? '') : undefined;
    if (req) rule.requiresRe = req;
    const fb = r.followedBy !== undefined ? compile(`${r.id}.followedBy`, r.followedBy.regex, '') : undefined;
    if (fb) rule.followedByRe = fb;
    rules.push(rule);
  }
  const alwaysScan = compile('paths.alwaysScan', data.paths.alwaysScan.pattern, '');
  if (problems.length > 0 || !alwaysScan) throw new Error(`secret rules are invalid:\n${problems.join('\n')}`);
  return {
    rules,
    skipPrefixes: data.paths.skipPrefixes.values,
    skipSegments: data.paths.skipSegments.values,
    skipExtensions: new Set(data.paths.skipExtensions.values),
    alwaysScan,
  };
}

let cached: CompiledRules | undefined;

/** The bundled rules, compiled once per process. */
export function bundledRules(): CompiledRules {
  cached ??= compileRules(rulesFile);
  return cached;
}
