/**
 * The policy gate: findings in, a verdict out. A pure function of (policy, findings, now), so the
 * CLI and the admission webhook decide alike and tests pin the clock.
 */
import type { Diagnostic } from '../../model/charter.js';
import { compareStrings } from '../../util/sort.js';
import type { Finding } from '../../model/findings.js';
import { meetsThreshold, type IgnoreRule, type Policy } from './schema.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';

/**
 * Built-in policy when none is given: critical and high vulnerabilities that have a fix, any
 * secret, critical misconfigurations, and critical unsafe components (known-malicious packages;
 * deprecated packages and install scripts are reported, never fatal by default).
 */
export const DEFAULT_POLICY: Policy = {
  failOn: { vulnerability: 'high', secret: 'any', misconfiguration: 'critical', 'unsafe-component': 'critical' },
  onlyWithFix: true,
  ignore: [],
  checks: { allow: [], deny: [] },
};

export interface PolicyResult {
  pass: boolean;
  /** Findings that fail the gate, in input order. */
  failing: Finding[];
  /** Findings an unexpired ignore rule matched, with that rule. */
  ignored: { finding: Finding; rule: IgnoreRule }[];
  /** Expired ignores, ignores that matched nothing, and the maxFindings verdict. */
  warnings: Diagnostic[];
  /** Why the gate failed, one line each (empty on pass). */
  reasons: string[];
}

export interface EvaluateOptions {
  now: Date;
}

/**
 * Glob matching: `*` matches any run of characters (ids and names), so `CHARTER-DF-*` takes a
 * family; in a path (`segmentAware`) `*` stays within one segment and `**` crosses segments.
 *
 * Not a regular expression: `*a*a*a…b` compiled to `.*a.*a.*…b` backtracks exponentially on a
 * long near-miss, so one line of a policy could hang the gate. This matcher fills one row per
 * pattern token over the text, O(pattern × text) time whatever the pattern.
 */
export function globMatches(glob: string, text: string, opts: { segmentAware: boolean; ignoreCase: boolean }): boolean {
  const fold = (s: string): string => (opts.ignoreCase ? s.toLowerCase() : s);
  const t = fold(text);
  const g = fold(glob);
  // row[j]: the pattern read so far matches the first j characters of the text.
  let row: boolean[] = Array.from({ length: t.length + 1 }, (_, j) => j === 0);
  for (let i = 0; i < g.length; i++) {
    const c = g[i] as string;
    const next: boolean[] = new Array<boolean>(t.length + 1).fill(false);
    if (c === '*') {
      const crossesSegments = !opts.segmentAware || g[i + 1] === '*';
      if (opts.segmentAware && crossesSegments) i++;
      for (let j = 0; j <= t.length; j++) {
        next[j] = (row[j] ?? false) || (j > 0 && (next[j - 1] ?? false) && (crossesSegments || t[j - 1] !== '/'));
      }
    } else {
      for (let j = 1; j <= t.length; j++) next[j] = (row[j - 1] ?? false) && t[j - 1] === c;
    }
    row = next;
    if (!row.includes(true)) return false;
  }
  return row[t.length] ?? false;
}

function idMatches(pattern: string, f: Finding): boolean {
  const ids = [f.id, ...f.aliases];
  if (!pattern.includes('*')) return ids.some((id) => id.toLowerCase() === pattern.toLowerCase());
  return ids.some((id) => globMatches(pattern, id, { segmentAware: false, ignoreCase: true }));
}

/** `pkg:npm/lodash@4.17.15?x=y` → `pkg:npm/lodash`. */
function purlBase(purl: string): string {
  const noQualifiers = purl.split(/[?#]/)[0] ?? purl;
  const at = noQualifiers.lastIndexOf('@');
  // An npm scope's `%40` is encoded, so the last raw `@` is the version separator.
  return at > noQualifiers.indexOf('/') ? noQualifiers.slice(0, at) : noQualifiers;
}

function componentMatches(want: string, f: Finding): boolean {
  const c = f.component;
  if (!c) return false;
  if (want.startsWith('pkg:')) {
    if (want === c.purl) return true;
    // A purl without a version names every version; with one, qualifiers may still differ.
    const bare = (p: string): string => p.split(/[?#]/)[0] ?? p;
    return purlBase(want) === bare(want) ? want === purlBase(c.purl) : bare(want) === bare(c.purl);
  }
  return want === c.name || want === `${c.name}@${c.version}`;
}

function pathMatches(glob: string, f: Finding): boolean {
  const pattern = glob.replace(/^\/+/, '');
  return f.locations.some((l) =>
    [l.path, l.artifact].some(
      (p) => p !== undefined && globMatches(pattern, p.replace(/^\/+/, ''), { segmentAware: true, ignoreCase: false }),
    ),
  );
}

function ruleMatches(rule: IgnoreRule, f: Finding): boolean {
  return (
    idMatches(rule.id, f) &&
    (rule.component === undefined || componentMatches(rule.component, f)) &&
    (rule.path === undefined || pathMatches(rule.path, f))
  );
}

/** An ignore written `expires: 2027-01-31` holds through that day, UTC. */
export function isExpired(rule: IgnoreRule, now: Date): boolean {
  if (rule.expires === undefined) return false;
  return now.getTime() >= Date.parse(`${rule.expires}T00:00:00Z`) + 24 * 60 * 60 * 1000;
}

function ruleDiag(code: DiagnosticCode, severity: Diagnostic['severity'], message: string, rule: IgnoreRule, policy: Policy): Diagnostic {
  const src = rule.source;
  return {
    code,
    severity,
    message,
    file: src?.file ?? policy.file ?? '',
    ...(src?.line !== undefined ? { line: src.line } : {}),
    ...(src?.column !== undefined ? { column: src.column } : {}),
  };
}

function describe(f: Finding): string {
  const what = f.component ? ` in ${f.component.name}@${f.component.version}` : '';
  return `${f.kind} ${f.id} (${f.severity})${what}`;
}

/**
 * Decides whether findings pass a policy.
 *
 * Order of precedence for one finding: an unexpired ignore rule → ignored; a `checks.deny` id →
 * fails; a `checks.allow` id → passes; a vulnerability without a fix under `onlyWithFix` →
 * passes; otherwise it fails when its kind has a threshold and its severity meets it. Then, when
 * `maxFindings` is set, more findings than that (after ignores) fail the gate too.
 *
 * @example
 *   const r = evaluatePolicy(DEFAULT_POLICY, findings, { now: new Date() });
 *   if (!r.pass) console.log(r.reasons.join('\n'));
 */
export function evaluatePolicy(policy: Policy, findings: readonly Finding[], opts: EvaluateOptions): PolicyResult {
  const warnings: Diagnostic[] = [];
  const active: IgnoreRule[] = [];
  for (const rule of policy.ignore) {
    if (isExpired(rule, opts.now)) {
      warnings.push(
        ruleDiag(
          'policy/ignore-expired',
          'warning',
          `ignore of ${rule.id} expired on ${rule.expires ?? ''}; it no longer applies (reason was: ${rule.reason})`,
          rule,
          policy,
        ),
      );
    } else {
      active.push(rule);
    }
  }
  const used = new Set<IgnoreRule>();
  const failing: Finding[] = [];
  const ignored: PolicyResult['ignored'] = [];
  let remaining = 0;
  for (const f of findings) {
    const rule = active.find((r) => ruleMatches(r, f));
    if (rule) {
      used.add(rule);
      ignored.push({ finding: f, rule });
      continue;
    }
    remaining++;
    if (policy.checks.deny.some((p) => idMatches(p, f))) {
      failing.push(f);
      continue;
    }
    if (policy.checks.allow.some((p) => idMatches(p, f))) continue;
    if (policy.onlyWithFix && f.kind === 'vulnerability' && !f.fixedVersion) continue;
    const threshold = policy.failOn[f.kind];
    if (threshold !== undefined && meetsThreshold(f.severity, threshold)) failing.push(f);
  }
  for (const rule of active) {
    if (!used.has(rule)) warnings.push(ruleDiag('policy/ignore-unused', 'info', `ignore of ${rule.id} matched no finding`, rule, policy));
  }
  const reasons = failing.map(describe);
  if (policy.maxFindings !== undefined && remaining > policy.maxFindings) {
    reasons.push(`${remaining} findings, more than maxFindings ${policy.maxFindings}`);
  }
  warnings.sort((a, b) => compareStrings(a.file, b.file) || (a.line ?? 0) - (b.line ?? 0) || compareStrings(a.code, b.code));
  return { pass: reasons.length === 0, failing, ignored, warnings, reasons };
}
