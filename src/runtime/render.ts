/** Replay for a person: one block per deviation (and per allowed event with --all), then the summary. */
import type { Verdict } from '../model/verdicts.js';
import { escapeTerminal } from '../util/terminal-text.js';
import type { ReplaySummary } from './replay.js';

/** Event text comes from the containers: it is escaped before it reaches a terminal. */
const t = (s: string): string => escapeTerminal(s);

export function renderVerdictText(v: Verdict): string {
  const at = v.line !== undefined ? `line ${v.line}` : v.time;
  if (!v.deviation) {
    const a = v.allowed!;
    const src = a.sources[0];
    const from = src ? ` (${src.artifact}${src.line !== undefined ? `:${src.line}` : ''})` : '';
    return `ALLOW  ${t(v.container)}  ${t(v.event)}  [${at}]\n       by ${a.kind} ${t(a.rule)}${t(from)}${a.weak !== undefined ? `; ${t(a.weak)}` : ''}\n`;
  }
  const d = v.deviation;
  const lines = [
    `${v.action.toUpperCase().padEnd(6)} ${t(v.container)}  ${t(v.event)}  [${at}]`,
    `       ${d.classification}: ${t(d.what)}`,
  ];
  for (const p of d.patterns) lines.push(`       pattern: ${p.name} [${p.mitre.map((m) => m.id).join(', ')}]`);
  lines.push(`       missing: ${t(d.missing)}`);
  for (const w of d.wouldAllow) lines.push(`       would allow it: ${t(w)}`);
  return `${lines.join('\n')}\n`;
}

export function renderSummaryText(s: ReplaySummary, file: string): string {
  const out = [
    `${t(file)}: ${s.lines} lines${s.source !== undefined ? ` (${s.source})` : ''}, ${s.events} events: ${s.allowed} allowed, ${s.deviations} deviations (${s.byClassification.attack} attack, ${s.byClassification.drift} drift, ${s.byClassification.undeclared} undeclared)`,
    `  would block ${s.wouldBlock}, alert ${s.byAction.alert}, learn ${s.byAction.learn}, review ${s.byAction.review}`,
  ];
  if (s.unmatched > 0) {
    out.push(`  ${s.unmatched} events of containers the profile does not describe:`);
    for (const r of s.unmatchedContainers.slice(0, 10)) out.push(`    ${r.count} × ${t(r.reason)} (first at line ${r.firstLine})`);
  }
  if (s.skipped > 0) {
    out.push(`  ${s.skipped} lines skipped:`);
    for (const r of s.skipReasons.slice(0, 10)) out.push(`    ${r.count} × ${t(r.reason)} (first at line ${r.firstLine})`);
  }
  return `${out.join('\n')}\n`;
}
