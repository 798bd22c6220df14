/**
 * The response policy file (`apiVersion: charter/v1`, `kind: ResponsePolicy`): where a user raises
 * the agent's response above its default, the gentlest step that stops a deviation (response.ts).
 * YAML or JSON. Pure: text in, a policy and every problem out, each with the file, line and
 * column of the node at fault, like the scan policy (src/hygiene/policy).
 *
 * ```yaml
 * apiVersion: charter/v1
 * kind: ResponsePolicy
 * patterns:            # by attack or drift pattern id (src/knowledge/attack-patterns.json)
 *   reverse-shell: kill
 *   miner-pool-port: block-peer
 * classifications:     # drift, attack, undeclared
 *   drift: kill
 * kinds:               # by event kind: exec, connect, open, privilege …
 *   privilege: kill
 * any: deny            # every deviation
 * containers:          # the same keys for one container: its charter name, runtime name or id
 *   payments:
 *     classifications: { attack: stop }
 * ```
 *
 * Rules only raise: a step below the default changes nothing (lowering is the mode's job:
 * `charter mode NAME monitor`). Unknown keys and unknown pattern ids are errors, so a typo never
 * silently leaves a container at its default.
 */
import { LineCounter, parseDocument } from 'yaml';
import { z } from 'zod';
import { loadAttackPatterns } from '../../knowledge/attack-patterns.js';
import type { Diagnostic } from '../../model/charter.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';
import { EVENT_KINDS, type EventKind } from '../../model/events.js';
import { CLASSIFICATIONS, type Classification } from '../../model/verdicts.js';
import { MAX_NESTING_DEPTH, findExcessiveNesting } from '../../util/nesting.js';
import { keyPosition, positionNear, type YamlPosition } from '../../util/yaml-positions.js';
import { RESPONSE_STEPS, type ResponseStep } from './types.js';

/** A response policy is a page of hand-written rules; anything bigger is not one. */
export const MAX_RESPONSE_POLICY_BYTES = 256 * 1024;

/** What a rule matches. `any` is every deviation (of its container, when scoped). */
export type RuleMatch =
  | { readonly on: 'any' }
  | { readonly on: 'pattern'; readonly id: string }
  | { readonly on: 'classification'; readonly value: Classification }
  | { readonly on: 'kind'; readonly value: EventKind };

export interface ResponseRule {
  /** The container it is scoped to (charter container name, runtime name, or runtime id or its prefix); all when absent. */
  readonly container?: string;
  readonly match: RuleMatch;
  readonly step: ResponseStep;
  /** Where the rule is written, for the audit trail of every action it chooses. */
  readonly file: string;
  readonly line: number;
  readonly column: number;
}

export interface ResponsePolicy {
  readonly rules: readonly ResponseRule[];
}

/** No file: every deviation gets the default step. */
export const DEFAULT_RESPONSE_POLICY: ResponsePolicy = { rules: [] };

const StepSchema = z.enum(RESPONSE_STEPS, {
  error: (iss) => `bad step ${JSON.stringify(iss.input)}: expected one of ${RESPONSE_STEPS.join(', ')}`,
});
/** Pattern ids are checked against the knowledge base after the schema (the list is data, not a type). */
const PatternMapSchema = z.record(z.string().min(1).max(128), StepSchema);
const ScopeShape = {
  any: StepSchema.optional(),
  patterns: PatternMapSchema.optional(),
  /** Unknown names here are unknown keys to zod (partialRecord), reported with the list they must come from. */
  classifications: z.partialRecord(z.enum(CLASSIFICATIONS), StepSchema).optional(),
  kinds: z.partialRecord(z.enum(EVENT_KINDS), StepSchema).optional(),
};
const ScopeSchema = z.object(ScopeShape).strict();

export const ResponsePolicyFileSchema = z
  .object({
    apiVersion: z.literal('charter/v1', { error: 'apiVersion must be charter/v1' }),
    kind: z.literal('ResponsePolicy', { error: 'kind must be ResponsePolicy' }),
    ...ScopeShape,
    containers: z.record(z.string().min(1).max(253), ScopeSchema).optional(),
  })
  .strict();
type Scope = z.infer<typeof ScopeSchema>;

export interface ParsedResponsePolicy {
  /** Absent when any diagnostic is an error. */
  readonly policy?: ResponsePolicy;
  readonly diagnostics: readonly Diagnostic[];
}

function diag(code: DiagnosticCode, message: string, file: string, pos: YamlPosition): Diagnostic {
  return { code, severity: 'error', message, file, line: pos.line, column: pos.column };
}

function pointer(path: readonly PropertyKey[]): string {
  return path.length === 0 ? '' : ` at /${path.map(String).join('/')}`;
}

/**
 * Parses a response policy. Never throws: syntax errors, schema violations, unknown pattern ids
 * all come back as diagnostics, sorted by position.
 *
 * @example
 *   const { policy, diagnostics } = parseResponsePolicy(text, 'response.yaml');
 */
export function parseResponsePolicy(
  text: string,
  file: string,
  knownPatterns: ReadonlySet<string> = new Set(loadAttackPatterns().patterns.map((p) => p.id)),
): ParsedResponsePolicy {
  const start = { line: 1, column: 1 };
  if (text.length > MAX_RESPONSE_POLICY_BYTES)
    return {
      diagnostics: [diag('response-policy/too-large', `response policy larger than ${MAX_RESPONSE_POLICY_BYTES} bytes`, file, start)],
    };
  // The YAML parser recurses per level: absurd nesting is refused before it runs.
  const deep = findExcessiveNesting(text);
  if (deep) return { diagnostics: [diag('response-policy/too-deep', `nested more than ${MAX_NESTING_DEPTH} levels deep`, file, deep)] };
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0)
    return {
      diagnostics: doc.errors.map((e) => {
        const p = lc.linePos(e.pos[0]);
        return diag('response-policy/syntax', e.message.split('\n')[0] ?? 'YAML syntax error', file, { line: p.line, column: p.col });
      }),
    };
  let data: unknown;
  try {
    // A policy has no use for aliases; a billion-laughs document must not expand.
    data = doc.toJS({ maxAliasCount: 10 });
  } catch (e) {
    return { diagnostics: [diag('response-policy/syntax', errorMessage(e), file, start)] };
  }
  if (data === null || data === undefined)
    return {
      diagnostics: [
        diag('response-policy/empty', 'empty response policy: expected apiVersion: charter/v1 and kind: ResponsePolicy', file, start),
      ],
    };

  const diagnostics: Diagnostic[] = [];
  const parsed = ResponsePolicyFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        // The keys of `classifications` and `kinds` are names from a list: say which list.
        const last = issue.path[issue.path.length - 1];
        const list: readonly [string, readonly string[]] | undefined =
          last === 'classifications' ? ['classification', CLASSIFICATIONS] : last === 'kinds' ? ['event kind', EVENT_KINDS] : undefined;
        for (const key of issue.keys)
          diagnostics.push(
            diag(
              'response-policy/unknown-key',
              list
                ? `unknown ${list[0]} ${JSON.stringify(key)}${pointer(issue.path)}: expected one of ${list[1].join(', ')}`
                : `unknown key ${JSON.stringify(key)}${pointer(issue.path)}`,
              file,
              keyPosition(doc, lc, issue.path, key),
            ),
          );
        continue;
      }
      // A bad key of a map (a pattern id too long) is reported at the key.
      const last = issue.path[issue.path.length - 1];
      const atKey = issue.code === 'invalid_key';
      const pos =
        atKey && typeof last === 'string' ? keyPosition(doc, lc, issue.path.slice(0, -1), last) : positionNear(doc, lc, issue.path);
      const code: DiagnosticCode = issue.message.startsWith('bad step') ? 'response-policy/bad-step' : 'response-policy/invalid';
      diagnostics.push(diag(code, `${issue.message}${pointer(issue.path)}`, file, pos));
    }
  }
  // Pattern ids are data, not a type: checked on what was written, whether or not the rest is valid,
  // so one run lists every problem.
  const record = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const checkPatterns = (scope: unknown, path: readonly string[]): void => {
    for (const id of Object.keys(record(record(scope)?.['patterns']) ?? {})) {
      if (knownPatterns.has(id)) continue;
      diagnostics.push(
        diag(
          'response-policy/unknown-pattern',
          `unknown pattern ${JSON.stringify(id.slice(0, 128))}${pointer([...path, 'patterns'])}: expected an id of the attack patterns (${[...knownPatterns].slice(0, 4).join(', ')} …)`,
          file,
          keyPosition(doc, lc, [...path, 'patterns'], id),
        ),
      );
    }
  };
  checkPatterns(data, []);
  for (const [name, scope] of Object.entries(record(record(data)?.['containers']) ?? {})) checkPatterns(scope, ['containers', name]);

  const rules: ResponseRule[] = [];
  if (parsed.success) {
    const scope = (s: Scope, path: readonly string[], container?: string): void => {
      const add = (match: RuleMatch, step: ResponseStep, at: readonly string[]): void => {
        const p = keyPosition(doc, lc, at.slice(0, -1), at[at.length - 1]!);
        rules.push({ ...(container !== undefined ? { container } : {}), match, step, file, line: p.line, column: p.column });
      };
      if (s.any !== undefined) add({ on: 'any' }, s.any, [...path, 'any']);
      for (const [id, step] of Object.entries(s.patterns ?? {})) add({ on: 'pattern', id }, step, [...path, 'patterns', id]);
      for (const [value, step] of Object.entries(s.classifications ?? {}) as [Classification, ResponseStep][])
        add({ on: 'classification', value }, step, [...path, 'classifications', value]);
      for (const [value, step] of Object.entries(s.kinds ?? {}) as [EventKind, ResponseStep][])
        add({ on: 'kind', value }, step, [...path, 'kinds', value]);
    };
    scope(parsed.data, []);
    for (const [name, s] of Object.entries(parsed.data.containers ?? {})) scope(s, ['containers', name], name);
  }
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (diagnostics.length > 0) return { diagnostics };
  return { policy: { rules }, diagnostics };
}
