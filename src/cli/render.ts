/**
 * Human-readable renderings of profiles, explanations and diffs (plain text, stable order). Every
 * line goes through `terminalLines`: values from images and manifests cannot drive the terminal.
 */
import { escapeTerminal, terminalLines } from '../util/terminal-text.js';
import type { Charter, Diagnostic, Source } from '../model/charter.js';
import { containerSyscalls } from '../profile/syscalls.js';
import { peerText, type CharterDiff } from '../profile/diff.js';
import { formatSource, type ExplainResult } from '../profile/explain.js';

function where(sources: readonly Source[]): string {
  const declared = sources.filter((s) => s.kind !== 'knowledge');
  const pick = declared[0] ?? sources[0];
  if (!pick) return '';
  const loc = pick.line !== undefined ? `${pick.artifact}:${pick.line}` : pick.kb ? `[${pick.kb}]` : pick.artifact;
  const more = sources.length > 1 ? ` +${sources.length - 1}` : '';
  return `  ← ${loc}${more}`;
}

function diagnosticLine(d: Diagnostic): string {
  return escapeTerminal(
    `${d.severity}: ${[d.file, d.line, d.column].filter((x) => x !== undefined && x !== '').join(':')}: ${d.message} [${d.code}]`,
  );
}

/** One line per diagnostic (no trailing newline). */
export function renderDiagnostics(ds: readonly Diagnostic[]): string {
  return ds.map(diagnosticLine).join('\n');
}

export function renderCharterText(ch: Charter): string {
  const lines: string[] = [
    `charter ${ch.metadata.name} (${ch.apiVersion}) — ${ch.containers.length} container(s), ${ch.graph.edges.length} intended connection(s)`,
  ];
  for (const c of ch.containers) {
    lines.push(
      '',
      `■ ${c.name}${c.identity.image ? `  image ${c.identity.image}` : ''}${c.identity.digest ? ` @${c.identity.digest.slice(0, 19)}` : ''}`,
    );
    if (c.identity.aliases.length > 0) lines.push(`  also known as: ${c.identity.aliases.join(', ')}`);
    if (c.roles.length > 0)
      lines.push(`  roles: ${c.roles.map((r) => `${r.id}${r.suspicious ? ' (suspicious in a service)' : ''}`).join(', ')}`);
    lines.push(`  user: ${c.user?.name ?? 'root (nothing declares a user)'}`);
    lines.push('  processes:');
    for (const p of c.processes)
      lines.push(`    ${p.path}${p.sha256 ? ` sha256:${p.sha256.slice(0, 16)}…` : ''} [${p.purpose}]${where(p.sources)}`);
    if (c.processes.length === 0) lines.push('    (none declared)');
    lines.push(
      `  network: ${c.network.none ? 'none' : c.privileges.hostNetwork?.value ? "HOST (shares the host's network namespace)" : ''}`,
    );
    for (const p of c.network.listen) lines.push(`    listen ${p.port}/${p.protocol}${where(p.sources)}`);
    for (const e of c.network.ingress)
      lines.push(`    ingress from ${peerText(e.peer)}${e.port !== undefined ? ` to ${e.port}` : ''}/${e.protocol}${where(e.sources)}`);
    for (const e of c.network.egress)
      lines.push(`    egress to ${peerText(e.peer)}${e.port !== undefined ? `:${e.port}` : ''}/${e.protocol}${where(e.sources)}`);
    lines.push(`  filesystem: root ${c.filesystem.readOnlyRoot.value ? 'read-only' : 'WRITABLE'}`);
    for (const w of c.filesystem.writable)
      lines.push(
        `    ${w.readOnly ? 'mount (read-only)' : 'writable'} ${w.path} [${w.kind}${w.hostPath ? ` from host ${w.hostPath}` : ''}]${where(w.sources)}`,
      );
    lines.push(`  capabilities: ${c.capabilities.length === 0 ? 'none' : c.capabilities.map((x) => x.name).join(', ')}`);
    const s = containerSyscalls(ch, c);
    lines.push(
      `  syscalls: ${s['container-runtime'].length + s['language-runtime'].length + s.application.length} (container runtime ${s['container-runtime'].length}, language runtime ${s['language-runtime'].length}, application ${s.application.length})`,
    );
    const priv = Object.entries(c.privileges).filter(([, f]) => f?.value);
    if (priv.length > 0) lines.push(`  PRIVILEGES: ${priv.map(([k, f]) => `${k}${f ? where(f.sources) : ''}`).join(', ')}`);
  }
  if (ch.graph.edges.length > 0) {
    lines.push('', 'intended connections:');
    for (const e of ch.graph.edges)
      lines.push(`  ${e.from} → ${peerText(e.to)}${e.port !== undefined ? `:${e.port}` : ''}/${e.protocol}${where(e.sources)}`);
  }
  if (ch.diagnostics.length > 0) lines.push('', ...ch.diagnostics.map(diagnosticLine));
  return terminalLines(lines);
}

export function renderExplain(r: ExplainResult): string {
  if (r.matches.length === 0) return terminalLines([`${r.query}: not allowed by this charter (no artifact declares it)`]);
  const lines: string[] = [];
  for (const m of r.matches) {
    lines.push(`${m.container}: ${m.kind} ${m.subject}`);
    for (const s of m.sources) lines.push(`  because ${formatSource(s)}`);
  }
  return terminalLines(lines);
}

export function renderDiff(d: CharterDiff, summary: string): string {
  const lines = d.changes.map((c) => {
    const sign = c.op === 'added' ? '+' : c.op === 'removed' ? '-' : '~';
    const src = c.op !== 'removed' && c.sources[0] ? `  (${formatSource(c.sources[0])})` : '';
    return `${sign} ${c.container}: ${c.kind} ${c.subject}${c.widens ? '  [adds privilege]' : ''}${src}`;
  });
  lines.push('', d.widened ? `FAIL: ${summary}` : `ok: ${summary}`);
  return terminalLines(lines);
}
