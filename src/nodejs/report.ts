/** The text report of `charter node`: what the code can do, and which call sites need it. */
import type { NodeSyscallSet } from './syscall-set.js';
import { terminalLines } from '../util/terminal-text.js';

/**
 * `enosys`: the names the emitted seccomp profile answers with ENOSYS whatever the set says (the
 * emitter's list): counted apart, so the count is the profile's allow list.
 */
export function renderNodeReport(set: NodeSyscallSet, podmanDefault: number | undefined, enosys: readonly string[] = []): string {
  const a = set.analysis;
  const r = set.rules;
  const lines: string[] = [];
  lines.push(`Node.js application ${a.root}`);
  lines.push(`entry points: ${a.entryPoints.map((e) => `${e.file} (${e.why})`).join(', ') || 'none found'}`);
  lines.push(
    `reached: ${a.reachedFiles} files in ${a.reachedPackages.length} packages; not reached: ${a.unreachedPackages.length} packages (they contribute nothing)`,
  );
  const answered = set.all.filter((s) => enosys.includes(s));
  const total = set.all.length - answered.length;
  const cmp = podmanDefault ? ` — the podman default allows ${podmanDefault} (${Math.round((100 * total) / podmanDefault)} %)` : '';
  const apart = answered.length > 0 ? ` (and ${answered.length} answered ENOSYS: ${answered.join(', ')})` : '';
  lines.push('', `syscalls allowed: ${total}${apart}${cmp}`);
  lines.push(
    `  container runtime ${set.layers['container-runtime'].length}, Node.js runtime ${set.layers['language-runtime'].length}, application ${set.layers.application.length}; serving phase only: ${set.serving.length}`,
  );
  lines.push('', 'application syscalls and the calls that need them:');
  for (const s of r.syscalls.filter((x) => x.layer === 'application')) {
    const sites = s.rule.sources.filter((x) => x.kind === 'nodejs').map((x) => `${x.artifact}:${x.line} ${x.reason.split(' needs ')[0]}`);
    const more = s.rule.sources.find((x) => x.kb === 'nodejs:call-sites');
    lines.push(`  ${s.rule.name.padEnd(18)} ${sites.join('; ')}${more ? ` (${more.reason.split(' ')[0]} sites)` : ''}`);
  }
  if (r.processes.length > 0)
    lines.push(
      '',
      'processes it spawns:',
      ...r.processes.map((p) => `  ${p.path}${p.args ? ` ${p.args.join(' ')}` : ''}  ← ${p.sources[0]?.artifact}:${p.sources[0]?.line}`),
    );
  if (r.listen.length > 0)
    lines.push(
      '',
      'ports it listens on:',
      ...r.listen.map((p) => `  ${p.port}/${p.protocol}  ← ${p.sources[0]?.artifact}:${p.sources[0]?.line}`),
    );
  if (r.egress.length > 0)
    lines.push(
      '',
      'peers it names:',
      ...r.egress.map(
        (e) =>
          `  ${e.peer.kind === 'dns' ? e.peer.name : e.peer.kind === 'cidr' ? e.peer.cidr : e.peer.kind}${e.port !== undefined ? `:${e.port}` : ''}  ← ${e.sources[0]?.artifact}:${e.sources[0]?.line}`,
      ),
    );
  if (r.writes.length > 0)
    lines.push(
      '',
      'directories it writes (relative to the app):',
      ...r.writes.map((w) => `  ${w.dir}  ← ${w.sources[0]?.artifact}:${w.sources[0]?.line} ${w.sources[0]?.reason ?? ''}`),
    );
  lines.push(
    '',
    r.unnamedHosts.length === 0
      ? 'egress: complete (every peer is named in the code or is a client default)'
      : `egress: unknown — hosts the code does not name (${r.unnamedHosts.length}):`,
    ...r.unnamedHosts.slice(0, 20).map((s) => `  ${s.artifact}:${s.line}:${s.column} ${s.reason}`),
    ...(r.unnamedHosts.length > 20 ? [`  … ${r.unnamedHosts.length - 20} more`] : []),
  );
  if (a.nativeAddons.length > 0)
    lines.push(
      '',
      'native addons (machine code: their syscalls are not Node.js APIs):',
      ...a.nativeAddons.map(
        (n) =>
          `  ${n.package}: ${n.file ?? '(no file)'}${n.elf === true ? ' (ELF)' : n.elf === false ? ' (NOT an ELF object: dlopen refuses it)' : ''} — ${n.how}`,
      ),
    );
  if (r.widened.length > 0) lines.push('', 'widened because the analysis could not see everything:', ...r.widened.map((w) => `  ${w}`));
  const other = a.uncertainties.filter((u) => !r.widened.some((w) => w.startsWith(`${u.at.file}:${u.at.line}:${u.at.column}`)));
  if (other.length > 0)
    lines.push(
      '',
      'also noted:',
      ...other.slice(0, 50).map((u) => `  ${u.at.file}:${u.at.line}:${u.at.column}: ${u.kind}: ${u.message}`),
      ...(other.length > 50 ? [`  … ${other.length - 50} more`] : []),
    );
  if (r.unknownApis.length > 0) lines.push('', `APIs without syscalls of their own: ${r.unknownApis.length}`);
  // Paths and spawned commands come from the application's code: shown inert.
  return terminalLines(lines);
}
