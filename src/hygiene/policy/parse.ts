/**
 * Reads a policy file: YAML (or JSON) text in, a Policy plus every problem out. All problems are
 * collected at once, Falco-style, each with a stable code and the file, line and column of the
 * node at fault, so one run of `charter scan --policy` shows everything to fix.
 */
import { LineCounter, parseDocument, type Document } from 'yaml';
import { keyPosition, positionNear } from '../../util/yaml-positions.js';
import type { Diagnostic } from '../../model/charter.js';
import { MAX_NESTING_DEPTH, findExcessiveNesting } from '../../util/nesting.js';
import { FINDING_KINDS, type FindingKind } from '../../model/findings.js';
import { PolicyFileSchema, type IgnoreRule, type Policy, type PolicyFile, type Threshold } from './schema.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';

/** Policies are hand-written and short; anything bigger is not a policy. */
export const MAX_POLICY_BYTES = 1024 * 1024;

export interface ParsedPolicy {
  /** Absent when any diagnostic is an error. */
  policy?: Policy;
  diagnostics: Diagnostic[];
}

type Path = readonly PropertyKey[];

interface Position {
  line?: number;
  column?: number;
}

function diag(code: DiagnosticCode, severity: Diagnostic['severity'], message: string, file: string, pos: Position): Diagnostic {
  return {
    code,
    severity,
    message,
    file,
    ...(pos.line !== undefined ? { line: pos.line } : {}),
    ...(pos.column !== undefined ? { column: pos.column } : {}),
  };
}

function pointer(path: Path): string {
  return path.length === 0 ? '' : ` at /${path.map(String).join('/')}`;
}

/** Stable codes for zod issues, so tests and tools can match on them. */
function issueCode(issue: { code: string; path: Path; message: string }): DiagnosticCode {
  const last = issue.path[issue.path.length - 1];
  if (issue.code === 'unrecognized_keys') return 'policy/unknown-key';
  if (last === 'expires') return 'policy/bad-date';
  if (last === 'reason') return 'policy/missing-reason';
  if (last === 'severity' || (issue.path.includes('kinds') && issue.message.startsWith('bad severity'))) return 'policy/bad-severity';
  if (issue.message.startsWith('bad severity')) return 'policy/bad-severity';
  if (issue.message.startsWith('unknown finding kind')) return 'policy/bad-kind';
  if (last === 'id' || issue.path.includes('allow') || issue.path.includes('deny')) return 'policy/bad-id';
  return 'policy/invalid';
}

function toPolicy(file: string, data: PolicyFile, doc: Document, lc: LineCounter): Policy {
  const failOn: Partial<Record<FindingKind, Threshold>> = {};
  const severity = data.failOn?.severity;
  const kinds = data.failOn?.kinds;
  if (kinds === undefined) {
    // A threshold alone applies to every kind.
    if (severity !== undefined) for (const k of FINDING_KINDS) failOn[k] = severity;
  } else if (Array.isArray(kinds)) {
    for (const k of kinds) failOn[k] = severity ?? 'high';
  } else {
    for (const [k, t] of Object.entries(kinds) as [FindingKind, Threshold | undefined][]) failOn[k] = t ?? severity ?? 'high';
  }
  const ignore: IgnoreRule[] = (data.ignore ?? []).map((r, i) => ({
    id: r.id,
    ...(r.component !== undefined ? { component: r.component } : {}),
    ...(r.path !== undefined ? { path: r.path } : {}),
    reason: r.reason,
    ...(r.expires !== undefined ? { expires: r.expires } : {}),
    source: { file, ...positionNear(doc, lc, ['ignore', i]) },
  }));
  return {
    failOn,
    onlyWithFix: data.onlyWithFix ?? false,
    ignore,
    checks: { allow: data.checks?.allow ?? [], deny: data.checks?.deny ?? [] },
    ...(data.maxFindings !== undefined ? { maxFindings: data.maxFindings } : {}),
    file,
  };
}

/**
 * Parses a policy. Never throws: syntax errors, schema violations (unknown keys, bad severities,
 * bad dates, missing reasons …) and contradictions all come back as diagnostics.
 *
 * @example
 *   const { policy, diagnostics } = parsePolicy(text, 'charter-policy.yaml');
 *   if (!policy) console.error(diagnostics.map((d) => `${d.file}:${d.line}:${d.column}: ${d.message}`).join('\n'));
 */
export function parsePolicy(text: string, file: string): ParsedPolicy {
  if (text.length > MAX_POLICY_BYTES) {
    return {
      diagnostics: [diag('policy/too-large', 'error', `policy file larger than ${MAX_POLICY_BYTES} bytes`, file, { line: 1, column: 1 })],
    };
  }
  // The YAML parser recurses per level: absurd nesting is refused before it runs.
  const deep = findExcessiveNesting(text);
  if (deep) {
    return {
      diagnostics: [
        diag('policy/too-deep', 'error', `nested more than ${MAX_NESTING_DEPTH} levels deep`, file, {
          line: deep.line,
          column: deep.column,
        }),
      ],
    };
  }
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, uniqueKeys: true, prettyErrors: false });
  const diagnostics: Diagnostic[] = [];
  for (const err of doc.errors) {
    const p = lc.linePos(err.pos[0]);
    diagnostics.push(
      diag('policy/syntax', 'error', err.message.split('\n')[0] ?? 'YAML syntax error', file, { line: p.line, column: p.col }),
    );
  }
  if (diagnostics.length > 0) return { diagnostics };
  let data: unknown;
  try {
    // Aliases are capped: a policy has no use for them and a bomb must not expand.
    data = doc.toJS({ maxAliasCount: 10 });
  } catch (e) {
    return { diagnostics: [diag('policy/syntax', 'error', errorMessage(e), file, { line: 1, column: 1 })] };
  }
  if (data === null || data === undefined) {
    return {
      diagnostics: [
        diag('policy/empty', 'error', 'empty policy file: expected apiVersion: charter/v1 and kind: Policy', file, { line: 1, column: 1 }),
      ],
    };
  }
  const parsed = PolicyFileSchema.safeParse(data);
  if (!parsed.success) {
    for (const issue of parsed.error.issues) {
      if (issue.code === 'unrecognized_keys') {
        for (const key of issue.keys) {
          diagnostics.push(
            diag(
              'policy/unknown-key',
              'error',
              `unknown key ${JSON.stringify(key)}${pointer(issue.path)}`,
              file,
              keyPosition(doc, lc, issue.path, key),
            ),
          );
        }
        continue;
      }
      if (issue.code === 'invalid_union') {
        // `kinds` is a list or a map. A branch whose shape matched failed deeper inside: report
        // its issues; when neither shape matched, say what either looks like.
        const inner = issue.errors.find((branch) => branch.length > 0 && branch.every((i) => i.path.length > 0));
        if (inner) {
          for (const i of inner) {
            const path = [...issue.path, ...i.path];
            diagnostics.push(diag(issueCode({ ...i, path }), 'error', `${i.message}${pointer(path)}`, file, positionNear(doc, lc, path)));
          }
          continue;
        }
        const message = 'expected a list of kinds or a map from kind to severity';
        diagnostics.push(diag('policy/invalid', 'error', `${message}${pointer(issue.path)}`, file, positionNear(doc, lc, issue.path)));
        continue;
      }
      diagnostics.push(diag(issueCode(issue), 'error', `${issue.message}${pointer(issue.path)}`, file, positionNear(doc, lc, issue.path)));
    }
  } else {
    // Contradictions the schema cannot see.
    const allow = new Set(parsed.data.checks?.allow ?? []);
    (parsed.data.checks?.deny ?? []).forEach((id, i) => {
      if (allow.has(id))
        diagnostics.push(
          diag('policy/allow-and-deny', 'error', `${id} is both allowed and denied`, file, positionNear(doc, lc, ['checks', 'deny', i])),
        );
    });
  }
  diagnostics.sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  if (!parsed.success || diagnostics.some((d) => d.severity === 'error')) return { diagnostics };
  return { policy: toPolicy(file, parsed.data, doc, lc), diagnostics };
}
