/**
 * Knowledge-base enrichment: roles recognised from the image, packages and executables, and what
 * follows from them and from the declared intent — data directories, capabilities, and the three
 * syscall layers. Every derived rule names the knowledge entry and the intent that triggered it.
 */
import { posix } from 'node:path';
import type { ContainerCharter, NamedRule, Role, RoleEvidence, Source, SyscallLayer } from '../model/charter.js';
import type { ImageFile, ImageFileIndex } from '../model/fragments.js';
import type { SyscallGroupDef } from '../model/charter.js';
import type { KnowledgeBase, RoleEntry, SyscallGroup } from '../knowledge/schema.js';
import { matchRoles, type RoleMatch } from '../knowledge/index.js';
import type { ContainerDraft } from './assemble.js';
import { runsAsRoot } from './assemble.js';
import { RuleSet, sortSources } from '../util/rule-set.js';
import { compareStrings, uniqueSorted } from '../util/sort.js';
import { multiCallFiles } from './multi-call.js';
import { realPath } from './resolve-exec.js';

/** Groups a code analysis supersedes: it knows what the code does with files, sockets and threads. */
const GENERIC_WHEN_ANALYSED = new Set([
  'libc-floor',
  'node-runtime',
  'node-floor',
  'network-server',
  'network-client',
  'dns',
  'file-write',
  'file-metadata',
  'threads',
  'timers',
]);

const SHELL_NAMES = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh', 'busybox']);

const kbSource = (kb: string, reason: string): Source => ({ kind: 'knowledge', artifact: 'charter-knowledge', kb, reason });

/** Ports below this need CAP_NET_BIND_SERVICE (Linux `ip_unprivileged_port_start` default). */
const PRIVILEGED_PORT_LIMIT = 1024;

export interface DerivedRoles {
  entries: RoleEntry[];
  /** Recognised by a name alone (evidence `name`): listed, but they grant nothing beyond syscalls. */
  weak: Set<string>;
  /** What recognised each role (by id). */
  evidence: Map<string, RoleEvidence>;
}

const basename = (p: string): string => posix.basename(p);
const dirname = (p: string): string => posix.dirname(p);

/** Strongest first: a role keeps the best evidence any of its matches has. */
const EVIDENCE_RANK: readonly RoleEvidence[] = ['package', 'image-file', 'declared', 'name'];
const stronger = (a: RoleEvidence, b: RoleEvidence): RoleEvidence => (EVIDENCE_RANK.indexOf(a) <= EVIDENCE_RANK.indexOf(b) ? a : b);

/** Per image (file index) and role id: the role's program found in it, or null. */
const roleFiles = new WeakMap<ImageFileIndex, Map<string, ImageFile | null>>();

/**
 * A program of the role that is a real file of the image (not a link, not a multi-call binary):
 * the image bears out a role its name suggests. Undefined when the image holds none.
 */
function roleFileInImage(files: ImageFileIndex, role: RoleEntry, multiCall: ReadonlyMap<string, string>): ImageFile | undefined {
  // Per image and role: the containers of a 5,000-container application often share one image.
  let perRole = roleFiles.get(files);
  if (!perRole) roleFiles.set(files, (perRole = new Map()));
  if (perRole.has(role.id)) return perRole.get(role.id) ?? undefined;
  const names = new Set(role.match.executables);
  let found: ImageFile | null = null;
  for (const f of names.size > 0 ? files.values() : []) {
    if (f.linkTarget !== undefined || f.sha256 === undefined || !names.has(basename(f.path))) continue;
    if (f.executable === 'none' && (f.mode & 0o111) === 0) continue;
    if (!multiCall.has(f.sha256)) {
      found = f;
      break;
    }
  }
  perRole.set(role.id, found);
  return found ?? undefined;
}

export function deriveRoles(draft: ContainerDraft, kb: KnowledgeBase): DerivedRoles {
  const c = draft.charter;
  const files = draft.files;
  const multiCall = files ? multiCallFiles(files) : new Map<string, string>();
  // An executable name is evidence when it is the real file's name in the image (`postgres`); an
  // alias of another file (`httpd` → busybox) or a multi-call binary's copy (a hard-linked
  // `/bin/httpd` with busybox's bytes) is the multi-call binary, whatever it is called; a bare
  // name from a Dockerfile without the image is a name only.
  const realNames = c.processes.filter((p) => p.sha256 !== undefined).map((p) => multiCall.get(p.sha256 as string) ?? basename(p.path));
  const bareNames = files ? [] : c.processes.map((p) => basename(p.path));
  const matches = matchRoles(kb, {
    ...(c.identity.image !== undefined ? { imageRef: c.identity.image } : {}),
    packages: draft.packages.map((p) => p.name),
    executables: [...realNames, ...bareNames],
  });
  // "Debian + MySQL + thin config" is a database: the base image of a Dockerfile says what it is.
  const bases = draft.fragments
    .filter((f) => f.declared.kind === 'dockerfile' && f.image)
    .map((f) => f.image as NonNullable<typeof f.image>);
  type Match = RoleMatch & { base?: { ref: string; source: Source } };
  const baseMatches: Match[] = bases.flatMap((b) => matchRoles(kb, { imageRef: b.ref }).map((m) => ({ ...m, base: b })));
  const roles = new Map<string, { entry: RoleEntry; sources: Source[]; evidence: RoleEvidence }>();
  const all: Match[] = [...matches, ...baseMatches];
  for (const m of all) {
    const sources: Source[] = [];
    let evidence: RoleEvidence;
    if (m.via === 'package') evidence = 'package';
    else if (m.via === 'executable') evidence = realNames.includes(m.value) ? 'image-file' : 'name';
    else if (!files) evidence = 'declared';
    else {
      // The image was read: its name is a claim the image must bear out with the role's own program.
      const file = roleFileInImage(files, m.role, multiCall);
      evidence = file ? 'image-file' : 'name';
      if (file)
        sources.push({
          kind: 'image',
          artifact: c.identity.image ?? c.name,
          path: file.path,
          layer: file.layer,
          reason: `${file.path} is ${m.role.name}'s program, a file of the image`,
        });
    }
    const unconfirmed =
      evidence === 'name' && m.via !== 'executable' ? ' (by name only: the image holds none of its packages or programs)' : '';
    if (m.base) {
      sources.push({ ...m.base.source, reason: `built FROM ${m.base.ref}, which is ${m.role.name}${unconfirmed}` });
    } else if (m.via === 'image' && c.identity.image) {
      sources.push(
        ...c.identity.sources
          .filter((s) => s.kind !== 'dockerfile')
          .slice(0, 1)
          .map((s) => ({ ...s, reason: `image ${c.identity.image} is ${m.role.name}${unconfirmed}` })),
      );
    } else if (m.via === 'package') {
      sources.push(
        ...draft.packages.filter((p) => p.name === m.value).map((p) => ({ ...p.source, reason: `package ${p.name} installed` })),
      );
    } else {
      const named = evidence === 'name' ? ', recognised by name only' : '';
      sources.push(
        ...c.processes
          .filter((p) => (p.sha256 !== undefined ? (multiCall.get(p.sha256) ?? basename(p.path)) : basename(p.path)) === m.value)
          .flatMap((p) => p.sources.slice(0, 2))
          .map((s) => ({ ...s, reason: `${s.reason} (runs ${m.value}${named})` })),
      );
    }
    sources.push(kbSource(`role:${m.role.id}`, `${m.role.name}: ${m.role.source}`));
    const prev = roles.get(m.role.id);
    roles.set(m.role.id, {
      entry: m.role,
      sources: [...(prev?.sources ?? []), ...sources],
      evidence: prev ? stronger(prev.evidence, evidence) : evidence,
    });
  }
  c.roles = [...roles.values()]
    .sort((a, b) => (a.entry.id < b.entry.id ? -1 : 1))
    .map(({ entry, sources, evidence }): Role => ({
      id: entry.id,
      name: entry.name,
      category: entry.category,
      suspicious: entry.suspicious,
      evidence,
      sources: sortSources(sources),
    }));
  return {
    entries: [...roles.values()].map((r) => r.entry),
    weak: new Set([...roles.values()].filter((r) => r.evidence === 'name').map((r) => r.entry.id)),
    evidence: new Map([...roles.values()].map((r) => [r.entry.id, r.evidence])),
  };
}

/** Non-suspicious roles shape the profile; suspicious ones (shells, network tools) are only reported. */
export function applyRoles(draft: ContainerDraft, derived: DerivedRoles): void {
  const c = draft.charter;
  const active = derived.entries.filter((r) => !r.suspicious && !derived.weak.has(r.id));
  // Without an image, a role named by an image reference is the best evidence there is; explain says so on every rule it adds.
  const roleSrc = (r: RoleEntry, what: string): Source =>
    kbSource(
      `role:${r.id}`,
      `${r.name} ${what} (${r.source})${derived.evidence.get(r.id) === 'declared' ? '; role recognised from an image name only, no image read to confirm it' : ''}`,
    );

  // The component's own ports, only where nothing declares ports: declarations are more precise.
  if (c.network.listen.length === 0) {
    const listen = new RuleSet<ContainerCharter['network']['listen'][number]>((p) => [p.port, p.protocol]);
    for (const r of active)
      for (const p of r.listen)
        listen.add({ port: p.port, protocol: p.protocol, sources: [roleSrc(r, `listens on ${p.port}/${p.protocol}`)] });
    c.network.listen = listen.values();
  }

  const writable = new RuleSet<ContainerCharter['filesystem']['writable'][number]>((w) => [w.path]);
  writable.addAll(c.filesystem.writable);
  for (const r of active) for (const d of r.dataDirs) writable.add({ path: d, kind: 'data-dir', sources: [roleSrc(r, `writes ${d}`)] });
  c.filesystem.writable = writable.values();

  // A role's capabilities are needed only to start as root and drop to its own user.
  const caps = new RuleSet<NamedRule>((n) => n.name);
  caps.addAll(c.capabilities);
  if (runsAsRoot(c)) {
    for (const r of active)
      for (const cap of r.capabilities)
        if (!draft.dropped.has(cap)) caps.add({ name: cap, sources: [roleSrc(r, `needs ${cap} when started as root`)] });
  }
  c.capabilities = caps.values();

  // Helper processes the component runs: their files when the image is known, else their names.
  if (!draft.files) {
    for (const r of active) {
      if (r.category === 'language-runtime' || r.category === 'init') continue;
      // Without the image it is not known whether the entrypoint script is there: its helpers stay.
      for (const name of [...r.processes, ...r.entrypointHelpers]) {
        if (c.processes.some((p) => p.path === name || p.path.endsWith(`/${name}`))) continue;
        c.processes.push({ path: name, purpose: 'role', sources: [roleSrc(r, `runs ${name}`)] });
      }
    }
    c.processes.sort((a, b) => compareStrings(a.path, b.path));
  }
  if (draft.files) {
    const files = draft.files;
    const multiCall = multiCallFiles(files);
    for (const r of active) {
      const script = r.processes.some((name) => name.includes('entrypoint') && roleProgram(files, name) !== undefined);
      for (const name of script ? [...r.processes, ...r.entrypointHelpers] : r.processes) {
        const found = roleProgram(files, name);
        if (!found) continue;
        const src = roleSrc(r, `runs ${name}`);
        const multi = found.file.sha256 !== undefined && multiCall.has(found.file.sha256);
        const existing = c.processes.find((p) => p.path === found.path);
        if (existing) {
          // A multi-call file already allowed as another applet: the role's applet joins it, with the role's reason.
          if (multi && existing.applets && !existing.applets.includes(name)) {
            existing.applets = uniqueSorted([...existing.applets, name]);
            if (found.via) existing.invokedAs = uniqueSorted([...(existing.invokedAs ?? []), found.via]);
            existing.sources = sortSources([...existing.sources, src]);
          }
          continue;
        }
        const rule: ContainerCharter['processes'][number] = { path: found.path, purpose: 'role', sources: [src] };
        if (found.via) rule.invokedAs = [found.via];
        if (found.file.sha256) rule.sha256 = found.file.sha256;
        if (multi) rule.applets = [name];
        c.processes.push(rule);
      }
    }
    c.processes.sort((a, b) => compareStrings(a.path, b.path));
  }
}

/** Per image: each basename's first executable regular file and first symlink, in the image's order. */
const programsByName = new WeakMap<ImageFileIndex, Map<string, { file?: ImageFile; link?: string }>>();

/**
 * Where a program named by a role is looked for first: the directories of the default PATH. A role
 * runs its programs by name, so `/usr/bin/redis-server` is the one meant, not the init script
 * `/etc/init.d/redis-server` of the same name.
 */
const PATH_DIRS: ReadonlySet<string> = new Set(['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin']);
/** Directories whose files are never the program a role runs by name (init scripts, documentation, examples). */
const NOT_PROGRAM_DIRS = /^\/(?:etc|usr\/share|usr\/local\/share)\//;

/**
 * A role's helper program in the image: a regular executable file of that name, else a symbolic
 * link of that name to one (`/bin/find` → busybox, `via` the link), in a PATH directory first,
 * else anywhere but /etc and /usr/share (`/usr/lib/postgresql/15/bin/postgres`, `/docker-entrypoint.sh`).
 * Undefined when the image has neither.
 */
function roleProgram(files: ImageFileIndex, name: string): { path: string; file: ImageFile; via?: string } | undefined {
  let byName = programsByName.get(files);
  if (!byName) {
    byName = new Map();
    const onPath = new Map<string, { file?: ImageFile; link?: string }>();
    for (const f of files.values()) {
      if (NOT_PROGRAM_DIRS.test(f.path)) continue;
      const base = basename(f.path);
      const into = PATH_DIRS.has(dirname(f.path)) ? onPath : byName;
      const entry = into.get(base) ?? {};
      if (f.linkTarget !== undefined) entry.link ??= f.path;
      else if (f.executable !== 'none') entry.file ??= f;
      into.set(base, entry);
    }
    // A name found in a PATH directory (file or link) wins over any file of that name elsewhere.
    for (const [base, entry] of onPath) if (entry.file !== undefined || entry.link !== undefined) byName.set(base, entry);
    programsByName.set(files, byName);
  }
  const entry = byName.get(name);
  if (entry?.file) return { path: entry.file.path, file: entry.file };
  if (entry?.link === undefined) return undefined;
  const real = realPath(files, entry.link);
  const file = real !== undefined ? files.get(real) : undefined;
  if (!file || real === undefined || file.linkTarget !== undefined || file.executable === 'none') return undefined;
  return { path: real, file, via: entry.link };
}

/** Capabilities that follow from declared ports: binding below 1024 needs CAP_NET_BIND_SERVICE. */
export function deriveCapabilities(draft: ContainerDraft): void {
  const c = draft.charter;
  const low = c.network.listen.filter((p) => p.port > 0 && p.port < PRIVILEGED_PORT_LIMIT && p.protocol !== 'sctp');
  if (low.length === 0 || draft.dropped.has('CAP_NET_BIND_SERVICE')) return;
  const caps = new RuleSet<NamedRule>((n) => n.name);
  caps.addAll(c.capabilities);
  caps.add({
    name: 'CAP_NET_BIND_SERVICE',
    sources: sortSources([
      ...low.flatMap((p) => p.sources),
      kbSource('capability:net-bind-service', `binding ports below ${PRIVILEGED_PORT_LIMIT} needs CAP_NET_BIND_SERVICE`),
    ]),
  });
  c.capabilities = caps.values();
}

interface GroupNeed {
  group: string;
  because: Source[];
}

/** Which syscall groups the container's intent needs, each with the intent that needs it. */
function neededGroups(draft: ContainerDraft, roles: readonly RoleEntry[]): GroupNeed[] {
  const c = draft.charter;
  const needs: GroupNeed[] = [];
  const add = (group: string, because: Source[]): void => {
    if (because.length > 0) needs.push({ group, because });
  };
  add('runc-bootstrap', [kbSource('runtime:runc', 'the container runtime execs the first process after installing the filter')]);
  add('libc-floor', [kbSource('runtime:libc', 'every process needs these to start, run and exit')]);
  const roleIds = new Set(roles.filter((r) => !r.suspicious).map((r) => r.id));
  const isNode = roleIds.has('node') || c.processes.some((p) => /\/node(js)?$/.test(p.path));
  if (isNode)
    add(
      'node-runtime',
      c.processes
        .filter((p) => /\/node(js)?$/.test(p.path))
        .flatMap((p) => p.sources)
        .slice(0, 3)
        .concat(roleIds.has('node') ? [kbSource('role:node', 'Node.js runtime')] : []),
    );
  add(
    'network-server',
    c.network.listen.flatMap((p) => p.sources),
  );
  add('network-client', [...c.network.egress.flatMap((e) => e.sources)]);
  add(
    'dns',
    c.network.egress.filter((e) => e.peer.kind === 'dns' || e.peer.kind === 'container').flatMap((e) => e.sources),
  );
  add(
    'file-write',
    c.filesystem.writable.filter((w) => !w.readOnly).flatMap((w) => w.sources),
  );
  // Shells and multi-call binaries (a rule with `applets`) fork for every command they run, and a process started by
  // another (a launcher's child, a script's command) means fork + exec. Health checks and probes are
  // started by the container runtime, not forked by the workload: they alone need no fork.
  const forking = c.processes.filter(
    (p) => p.applets !== undefined || [p.path, ...(p.invokedAs ?? [])].some((x) => SHELL_NAMES.has(basename(x))),
  );
  const spawned = c.processes.filter((p) => p.parent !== undefined || p.purpose === 'spawned');
  add('process', forking.length > 0 || spawned.length > 0 ? [...forking, ...spawned].flatMap((p) => p.sources).slice(0, 4) : []);
  add(
    'privilege-drop',
    c.capabilities.filter((cap) => ['CAP_SETUID', 'CAP_SETGID', 'CAP_CHOWN'].includes(cap.name)).flatMap((cap) => cap.sources),
  );
  for (const r of roles) {
    if (r.suspicious) continue;
    for (const g of r.syscallGroups) add(g, c.roles.find((x) => x.id === r.id)?.sources ?? [kbSource(`role:${r.id}`, r.name)]);
  }
  return needs;
}

/**
 * The container's syscalls: a code analysis's exact rules one by one, placed in the lowest layer that
 * needs them, and a reference to each knowledge-base group the intent needs (defined once per charter
 * by `syscallGroupDefs`). `containerSyscalls` (syscalls.ts) expands both into one rule per syscall.
 */
export function deriveSyscalls(draft: ContainerDraft, roles: readonly RoleEntry[], kb: KnowledgeBase): void {
  const c = draft.charter;
  const groups = new Map<string, SyscallGroup>(kb.syscallGroups.map((g) => [g.id, g]));
  const layers: Record<SyscallLayer, RuleSet<NamedRule>> = {
    'container-runtime': new RuleSet<NamedRule>((n) => n.name),
    'language-runtime': new RuleSet<NamedRule>((n) => n.name),
    application: new RuleSet<NamedRule>((n) => n.name),
  };
  const placed = new Map<string, SyscallLayer>();
  // A Node.js analysis knows the runtime's and the application's syscalls exactly: it replaces the
  // generic groups of those layers; groups for other programs in the container (shells, launchers) stay.
  const exact = draft.fragments.flatMap((f) => f.syscalls ?? []);
  const analysed = exact.length > 0;
  for (const { layer, rule } of exact) {
    placed.set(rule.name, placed.get(rule.name) ?? layer);
    layers[placed.get(rule.name) as SyscallLayer].add(rule);
  }
  const refs = new Map<string, Source[]>();
  for (const n of neededGroups(draft, roles)) {
    const def = groups.get(n.group);
    if (!def || (analysed && GENERIC_WHEN_ANALYSED.has(def.id))) continue;
    // The floor layers need no further reason; application groups name up to two declarations that need them.
    const why = def.layer === 'application' ? n.because.slice(0, 2).map((s) => ({ ...s, reason: `${def.id}: ${s.reason}` })) : [];
    refs.set(def.id, [...(refs.get(def.id) ?? []), ...why]);
  }
  c.syscalls = {
    groups: [...refs.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([group, sources]) => ({ group, sources: sortSources(sources) })),
    'container-runtime': layers['container-runtime'].values(),
    'language-runtime': layers['language-runtime'].values(),
    application: layers.application.values(),
  };
}

/** The charter-level definitions of the groups its containers reference, sorted by id. */
export function syscallGroupDefs(containers: readonly ContainerCharter[], kb: KnowledgeBase): SyscallGroupDef[] {
  const used = new Set(containers.flatMap((c) => (c.syscalls.groups ?? []).map((r) => r.group)));
  return kb.syscallGroups
    .filter((g) => used.has(g.id))
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((g) => ({
      id: g.id,
      layer: g.layer,
      syscalls: [...new Set(g.syscalls)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0)),
      // The group's full description lives in the knowledge base; the profile carries its first sentence.
      sources: [kbSource(`syscall-group:${g.id}`, firstSentence(g.description))],
    }));
}

function firstSentence(text: string): string {
  const m = /^(.+?[.:;])(\s|$)/.exec(text);
  const first = (m?.[1] ?? text).replace(/[.:;]$/, '');
  return first.length > 120 ? `${first.slice(0, 117)}...` : first;
}
