/**
 * From a Node.js application's static analysis to profile rules: every syscall the reachable code
 * can make (API use → the API → syscall map), kept in layers, each syscall naming the API calls
 * and the file:line that need it; plus the processes, ports and peers the code names literally.
 * Pure: the analysis, the map and the knowledge base come in, rules go out.
 */
import type { NamedRule, PeerRule, PortRule, ProcessRule, Source, SyscallLayer } from '../model/charter.js';
import type { KnowledgeBase } from '../knowledge/schema.js';
import type { NodeSyscallMap } from '../knowledge/node-syscalls/index.js';
import { syscallsFor } from '../knowledge/node-syscalls/index.js';
import { UNKNOWN_ADDON_SYSCALLS, nativeAddonSyscalls } from '../knowledge/node-syscalls/native-addons.js';
import type { ApiUse, NodeAnalysis, Uncertainty } from './types.js';
import type { ClientCall, ListenCandidate } from './analyze/index.js';
import { RuleSet } from '../util/rule-set.js';
import { deriveCodeIntent, type EnvHost, type WrittenDir } from './code-intent.js';
import { uniqueSorted } from '../util/sort.js';

/** Syscalls that only set a process up (bind a listening socket, change directory, start a session). */
const SETUP_ONLY: ReadonlySet<string> = new Set([
  'bind',
  'listen',
  'chdir',
  'fchdir',
  'umask',
  'setsid',
  'setpgid',
  'setuid',
  'setgid',
  'setgroups',
  'setresuid',
  'setresgid',
  'chroot',
  'prctl',
]);

/** APIs that start another program (its own syscalls run under the application's filter). */
const SPAWNING =
  /^child_process\.(spawn|spawnSync|exec|execSync|execFile|execFileSync|fork|\*)$|^child_process\.ChildProcess#(constructor|spawn)$/;

/** Sources kept per syscall: the first few call sites say enough; the count is in the reason. */
const MAX_SITES = 3;
/** Uncertainties that may load code the analysis never saw: any module may be used. */
const WIDENING: ReadonlySet<Uncertainty['kind']> = new Set([
  'dynamic-require',
  'dynamic-import',
  'eval',
  'new-function',
  'vm',
  'process-binding',
]);

export interface NodeRules {
  syscalls: { layer: SyscallLayer; rule: NamedRule }[];
  /** Syscalls needed only by startup-phase code: absent from the tighter serving-phase profile. */
  startupOnly: string[];
  processes: ProcessRule[];
  listen: PortRule[];
  egress: PeerRule[];
  /** Directories the code writes (relative to the app root, or absolute as written). */
  writes: WrittenDir[];
  /** Where the code connects to a host it does not name: its egress is not complete. */
  unnamedHosts: Source[];
  /** Where it connects to the host a variable holds: complete only where the deployment binds it (code-intent.ts). */
  envHosts: EnvHost[];
  /** Why the set is wider than the API uses alone (dynamic code, native addons …). */
  widened: string[];
  /** API ids the map does not know (nothing added for them: pure JavaScript or unknown). */
  unknownApis: string[];
}

export interface DeriveOptions {
  /** Prefix for file names in sources (the app directory relative to the target root). */
  base: string;
}

const kb = (id: string, reason: string): Source => ({ kind: 'knowledge', artifact: 'charter-knowledge', kb: id, reason });

export function deriveNodeRules(
  analysis: NodeAnalysis & { listenCandidates?: ListenCandidate[]; clientCalls?: ClientCall[] },
  map: NodeSyscallMap,
  knowledge: KnowledgeBase,
  opts: DeriveOptions,
): NodeRules {
  const at = (u: { at: { file: string; line: number; column: number } }, reason: string): Source => ({
    kind: 'nodejs',
    artifact: opts.base ? `${opts.base}/${u.at.file}` : u.at.file,
    line: u.at.line,
    column: u.at.column,
    reason,
  });
  const groups = new Map(knowledge.syscallGroups.map((g) => [g.id, g]));
  const layerOf = new Map<string, SyscallLayer>();
  const rules = new Map<string, { layer: SyscallLayer; sources: Source[]; sites: number }>();
  const add = (name: string, layer: SyscallLayer, source: Source): void => {
    const existing = rules.get(name);
    if (existing) {
      existing.sites++;
      if (existing.sources.length < MAX_SITES + 1) existing.sources.push(source);
      return;
    }
    rules.set(name, { layer, sources: [source], sites: 1 });
    layerOf.set(name, layer);
  };

  // The map's entries list what each API adds beyond its floor groups (the measured Node.js floor).
  const floors: [string, SyscallLayer][] = [
    ['runc-bootstrap', 'container-runtime'],
    ...map.floorGroups.map((g): [string, SyscallLayer] => [g, 'language-runtime']),
  ];
  for (const [id, layer] of floors) {
    const g = groups.get(id);
    for (const s of g?.syscalls ?? [])
      if (!rules.has(s))
        add(
          s,
          layer,
          kb(`syscall-group:${id}`, `${id}: the ${layer === 'container-runtime' ? 'container runtime' : 'Node.js runtime'} floor`),
        );
  }

  const unknown = new Set<string>();
  const servingNeeds = new Set<string>();
  const startupNeeds = new Set<string>();
  const apis = [...analysis.apis].sort((a, b) =>
    a.at.file < b.at.file ? -1 : a.at.file > b.at.file ? 1 : a.at.line - b.at.line || a.at.column - b.at.column,
  );
  for (const use of apis) {
    const hit = syscallsFor(map, use.api);
    if (!hit) {
      unknown.add(use.api);
      continue;
    }
    for (const s of hit.syscalls) {
      add(s, 'application', at(use, `${use.api}${hit.entry !== use.api ? ` (as ${hit.entry})` : ''} needs ${s}`));
      (use.phase === 'startup' ? startupNeeds : servingNeeds).add(s);
    }
  }

  // A spawned program runs under the same filter: the measured start-to-exit set of common
  // programs joins the application layer, at the first call that spawns.
  const spawner = apis.find((u) => SPAWNING.test(u.api));
  if (spawner) {
    for (const s of groups.get('spawned-program')?.syscalls ?? []) {
      if (!rules.has(s))
        add(
          s,
          'application',
          at(spawner, `${spawner.api} starts a program, which needs ${s} (spawned-program: what common programs call from exec to exit)`),
        );
    }
  }

  // Code the analysis could not see may use any module: every module's superset is assumed.
  const widened: string[] = [];
  const wideners = analysis.uncertainties.filter((u) => WIDENING.has(u.kind));
  if (wideners.length > 0) {
    const first = wideners[0]!;
    const why = at(first, `${first.kind}: ${first.message} — ${first.assumption}`);
    for (const [id, entry] of map.entries) {
      if (!id.endsWith('.*')) continue;
      for (const s of entry.syscalls) if (!rules.has(s)) add(s, 'application', { ...why, reason: `${why.reason} (assumed: ${id})` });
    }
    widened.push(...wideners.map((u) => `${u.at.file}:${u.at.line}:${u.at.column}: ${u.kind}: ${u.message} — ${u.assumption}`));
  }

  // A native addon is machine code calling libc, not Node's APIs: each one adds the measured set of
  // its package, else everything the runtime's default profile allows (nothing narrower is known).
  // A file that is not ELF is refused by dlopen, so it never runs: reported, nothing added.
  const addonSets = nativeAddonSyscalls();
  for (const addon of analysis.nativeAddons) {
    const where = `${addon.at.file}:${addon.at.line}:${addon.at.column}`;
    const what = `${addon.file ? `native addon ${addon.file}` : 'a native addon'} of ${addon.package}`;
    if (addon.elf === false) {
      widened.push(`${where}: ${what} is not an ELF object: dlopen refuses it, so it runs no code (nothing added; ${addon.how})`);
      continue;
    }
    const known = addonSets.get(packageName(addon.package));
    const set = known?.syscalls ?? UNKNOWN_ADDON_SYSCALLS.syscalls;
    const reason = known
      ? `${what}: the measured set of ${known.package}'s native library`
      : `${what}: native code nothing is known of may make any call the runtime's default profile allows`;
    for (const s of set) if (!rules.has(s)) add(s, 'application', at(addon, `${reason} needs ${s}`));
    widened.push(`${where}: ${reason} (${addon.how})`);
  }

  const syscalls = [...rules.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([name, r]) => ({
      layer: r.layer,
      rule: {
        name,
        sources:
          r.sites > r.sources.length ? [...r.sources, kb('nodejs:call-sites', `${r.sites} call sites in all need ${name}`)] : r.sources,
      },
    }));

  // Processes the code spawns with a literal command.
  const processes = new RuleSet<ProcessRule>((p) => [p.path]);
  for (const use of apis) {
    const cmd = use.literals?.command;
    if (!cmd || !use.api.startsWith('child_process.')) continue;
    const argv0 = use.api.endsWith('.exec') || use.api.endsWith('.execSync') ? (cmd.trim().split(/\s+/)[0] ?? cmd) : cmd;
    processes.add({
      path: argv0,
      purpose: 'spawned',
      ...(use.literals?.args ? { args: use.literals.args } : {}),
      sources: [at(use, `${use.api}(${JSON.stringify(cmd)})`)],
    });
  }

  // Ports the code listens on, when literal (or an environment variable's literal default).
  const listen = new RuleSet<PortRule>((p) => [p.port, p.protocol]);
  for (const use of apis) {
    const port = use.literals?.port;
    if (port === undefined || !/#(listen|bind)$/.test(use.api) || port <= 0) continue;
    listen.add({ port, protocol: use.api.startsWith('dgram.') ? 'udp' : 'tcp', sources: [at(use, `${use.api}(${port})`)] });
  }
  for (const c of analysis.listenCandidates ?? []) {
    if (c.port === undefined || c.port <= 0) continue;
    listen.add({ port: c.port, protocol: 'tcp', sources: [at(c, `.listen(${c.env ? `process.env.${c.env} || ` : ''}${c.port})`)] });
  }

  // Peers, written directories, and hosts the code reads from outside (code-intent.ts). Code the
  // analysis could not see, and native code nothing is known of, may connect anywhere.
  const intent = deriveCodeIntent(analysis, at);
  const unnamedHosts = [...intent.unnamedHosts];
  for (const u of wideners.slice(0, 3)) unnamedHosts.push(at(u, `${u.kind}: code the analysis could not see may connect anywhere`));
  for (const a of analysis.nativeAddons)
    if (a.elf !== false && !addonSets.has(packageName(a.package)))
      unnamedHosts.push(at(a, `${a.file ? `native addon ${a.file}` : 'a native addon'} of ${a.package} may connect anywhere`));

  // Only one-shot setup calls can leave with the startup phase: a server created at startup still
  // accepts, reads and writes while serving, so those stay whatever phase created it.
  const startupOnly = uniqueSorted(
    [...startupNeeds].filter((s) => SETUP_ONLY.has(s) && !servingNeeds.has(s) && layerOf.get(s) === 'application'),
  );
  return {
    syscalls,
    startupOnly,
    processes: processes.values(),
    listen: listen.values(),
    egress: intent.egress,
    writes: intent.writes,
    unnamedHosts,
    envHosts: intent.envHosts,
    widened,
    unknownApis: uniqueSorted(unknown),
  };
}

export type { ApiUse };

/** `better-sqlite3@12.11.1` → `better-sqlite3`, `@scope/x@1.0.0` → `@scope/x`. */
function packageName(id: string): string {
  const at = id.lastIndexOf('@');
  return at > 0 ? id.slice(0, at) : id;
}
