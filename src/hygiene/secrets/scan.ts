/**
 * The secret scanner proper: a pure function of a path and text. Rules run only when one of their
 * keywords occurs; every regex is bounded (no nested or unbounded repetition before a literal), so
 * a hostile file costs time linear in its size. Secrets never leave this module unmasked.
 */
import { checkEntry, finding, location } from '../../knowledge/hygiene-catalogue.js';
import type { Finding } from '../../model/findings.js';
import type { CompiledRules, Rule } from './rules.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';

/** Findings kept per rule per file: a file with more is a dump, and the first ones say enough. */
export const MAX_MATCHES_PER_RULE = 50;

export interface ScanResult {
  findings: Finding[];
  diagnostics: { code: DiagnosticCode; severity: 'error' | 'warning' | 'info'; message: string }[];
}

/** Shannon entropy in bits per character. */
export function shannonEntropy(s: string): number {
  if (s.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let h = 0;
  for (const n of counts.values()) {
    const p = n / s.length;
    h -= p * Math.log2(p);
  }
  return h;
}

/** Shows at most the rule's public prefix (`ghp_`), then a fixed run of `*`: the length is not leaked either. */
export function mask(secret: string, reveal: number): string {
  // The prefix is public (`ghp_`), but only on a secret long enough that the rest stays hidden.
  const shown = reveal > 0 && secret.length >= reveal * 3 ? secret.slice(0, reveal) : '';
  return `${shown}********`;
}

class LineIndex {
  private starts: number[] | undefined;
  constructor(private readonly text: string) {}
  at(offset: number): { line: number; column: number } {
    if (!this.starts) {
      this.starts = [0];
      for (let i = this.text.indexOf('\n'); i !== -1; i = this.text.indexOf('\n', i + 1)) this.starts.push(i + 1);
    }
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] ?? 0) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - (this.starts[lo] ?? 0) + 1 };
  }
}

/** Scans one file's text. `layer` is the digest of the image layer holding it (absent for directories). */
export function scanText(path: string, text: string, rules: CompiledRules, layer?: string): ScanResult {
  const findings: Finding[] = [];
  const diagnostics: ScanResult['diagnostics'] = [];
  const lower = text.toLowerCase();
  const lines = new LineIndex(text);
  for (const rule of rules.rules) {
    if (rule.pathRe && !rule.pathRe.test(path)) continue;
    if (rule.pathExcludeRe?.test(path)) continue;
    if (!rule.keywords.some((k) => lower.includes(k))) continue;
    if (rule.requiresRe && !rule.requiresRe.test(text)) continue;
    let count = 0;
    for (const m of matches(rule, text)) {
      if (count >= MAX_MATCHES_PER_RULE) {
        diagnostics.push({
          code: 'secrets/too-many-matches',
          severity: 'warning',
          message: `${path}: more than ${MAX_MATCHES_PER_RULE} matches of rule ${rule.id}; the rest are not listed`,
        });
        break;
      }
      const secret = m[rule.secretGroup] ?? m[0];
      const span = m.indices?.[rule.secretGroup] ?? m.indices?.[0];
      if (!accept(rule, secret)) continue;
      if (rule.followedByRe) {
        const end = (m.index ?? 0) + m[0].length;
        if (!rule.followedByRe.test(text.slice(end, end + (rule.followedBy?.within ?? 0)))) continue;
      }
      count++;
      const pos = lines.at(span?.[0] ?? m.index ?? 0);
      const label = rule.labelGroup !== undefined ? (m[rule.labelGroup] ?? '').trim() : '';
      const shown = rule.secretGroup > 0 || rule.reveal > 0 ? `: ${mask(secret, rule.reveal)}` : '';
      findings.push(
        finding(rule.check, [location({ artifact: path, layer, path, line: pos.line, column: pos.column })], {
          title: `${rule.title}${label ? ` (${label})` : ''}${shown}`,
          description: `${checkEntry(rule.check).rationale} Found by rule ${rule.id}; the value is masked.`,
          ...(rule.severity ? { severity: rule.severity } : {}),
        }),
      );
    }
  }
  return { findings, diagnostics };
}

function* matches(rule: Rule, text: string): Generator<RegExpExecArray> {
  const re = new RegExp(rule.re.source, rule.re.flags);
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m[0].length === 0) re.lastIndex++;
    yield m;
  }
}

function accept(rule: Rule, secret: string): boolean {
  const low = secret.toLowerCase();
  if (rule.stopwords.some((w) => low.includes(w))) return false;
  if (rule.entropy !== undefined && shannonEntropy(secret) < rule.entropy) return false;
  return true;
}
