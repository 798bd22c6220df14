/**
 * Assembly: one correlated group of fragments → one container charter (before knowledge-base
 * enrichment and the service graph). Declared rules are merged with their sources; commands are
 * resolved to the image's files so every process rule carries the exact sha256.
 */
import type {
  ContainerCharter,
  Diagnostic,
  NamedRule,
  ProcessRule,
  Source,
  WritablePath,
  PortRule,
  PeerRule,
  Flag,
} from '../model/charter.js';
import { emptyContainer } from '../model/charter.js';
import type { ContainerFragment, EnvVar, ImageFileIndex } from '../model/fragments.js';
import type { ContainerGroup } from './correlate.js';
import { RuleSet, sortSources } from '../util/rule-set.js';
import { programsOfScript, resolveExec, type ResolvedExec } from './resolve-exec.js';
import type { KnowledgeBase } from '../knowledge/schema.js';
import { compareStrings, uniqueSorted } from '../util/sort.js';
import { prefixedCapability } from '../util/capabilities.js';
import { appletOf, multiCallFiles } from './multi-call.js';

/** What the later stages need besides the charter itself. */
export interface ContainerDraft {
  charter: ContainerCharter;
  fragments: ContainerFragment[];
  env: EnvVar[];
  dependsOn: ContainerFragment['dependsOn'];
  labels: Record<string, string>;
  scopes: string[];
  packages: ContainerFragment['packages'];
  files?: ImageFileIndex;
  /** Capabilities some artifact explicitly drops (wins over knowledge-base additions). */
  dropped: Set<string>;
}

const PURPOSE_RANK: readonly ProcessRule['purpose'][] = ['entrypoint', 'spawned', 'interpreter', 'healthcheck', 'probe', 'role'];
const SHELLS = new Set(['sh', 'bash', 'dash', 'ash', 'zsh', 'ksh']);

function isRootUser(user: string | undefined): boolean {
  if (user === undefined || user === '') return true;
  const name = user.split(':')[0] ?? '';
  return name === '0' || name === 'root';
}

export function runsAsRoot(c: ContainerCharter): boolean {
  return isRootUser(c.user?.name);
}

/** Precedence of a value declared in several places: the deployment manifest wins over the image, the image over the Dockerfile. */
function pick<T extends { name: string; source: Source }>(candidates: (T | undefined)[]): { name: string; sources: Source[] } | undefined {
  const present = candidates.filter((c): c is T => c !== undefined);
  const first = present[0];
  if (!first) return undefined;
  return { name: first.name, sources: sortSources(present.filter((c) => c.name === first.name).map((c) => c.source)) };
}

function mergeFlag(flags: (Flag | undefined)[]): Flag | undefined {
  const present = flags.filter((f): f is Flag => f !== undefined);
  if (present.length === 0) return undefined;
  // A privilege granted anywhere is granted: the union of declared intent.
  const value = present.some((f) => f.value);
  return { value, sources: sortSources(present.filter((f) => f.value === value).flatMap((f) => f.sources)) };
}

export function assemble(group: ContainerGroup, diagnostics: Diagnostic[], kb: KnowledgeBase): ContainerDraft {
  const c = emptyContainer(group.name);
  const fragments = [...group.deployment, ...group.images.map((i) => i.fragment), ...group.dockerfiles];
  const ordered = fragments; // precedence order: deployment, image, Dockerfile
  const files = group.images[0]?.files;

  // Identity.
  const imageFrag = group.images[0]?.fragment;
  const imageRef = group.deployment.find((f) => f.image)?.image ?? imageFrag?.image;
  if (imageRef) c.identity.image = imageRef.ref;
  const imageName = imageFrag?.image?.ref ?? imageRef?.ref ?? group.name;
  if (imageFrag?.image?.digest) c.identity.digest = imageFrag.image.digest;
  c.identity.sources = sortSources(fragments.map((f) => f.declared));
  c.identity.aliases = uniqueSorted(fragments.map((f) => f.key.name).filter((n) => n !== group.name));
  const workloads = new Map<string, { kind: string; name: string; namespace?: string }>();
  for (const f of fragments) if (f.key.workload) workloads.set(JSON.stringify(f.key.workload), f.key.workload);
  c.identity.workloads = [...workloads.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, w]) => w);
  const podLabels = commonPodLabels(fragments);
  if (podLabels !== undefined) c.identity.labels = podLabels;

  const user = pick(ordered.map((f) => f.user));
  if (user) c.user = user;
  const wd = pick(ordered.map((f) => f.workingDir));
  if (wd) c.workingDir = wd;

  const env = new Map<string, string>();
  for (const f of [...ordered].reverse()) for (const e of f.env) if (e.value !== undefined) env.set(e.name, e.value);

  // Processes: what the artifacts name, resolved to the image's files. One rule per executable
  // file; the first declaration (deployment, then image, then Dockerfile) gives its purpose.
  const processes = new RuleSet<ProcessRule>(
    (p) => [p.path, p.sha256 ?? ''],
    (a, b) => {
      if (b.invokedAs) a.invokedAs = uniqueSorted([...(a.invokedAs ?? []), ...b.invokedAs]);
      if (b.applets) a.applets = uniqueSorted([...(a.applets ?? []), ...b.applets]);
      // The most central purpose wins: the workload itself before its health check or helpers.
      if (PURPOSE_RANK.indexOf(b.purpose) < PURPOSE_RANK.indexOf(a.purpose)) {
        a.purpose = b.purpose;
        if (b.parent) a.parent = b.parent;
        else delete a.parent;
      }
    },
  );
  const multiCall = files ? multiCallFiles(files) : new Map<string, string>();
  const wrappers = new Map(kb.roles.filter((r) => r.wraps).map((r) => [r.id, r.wraps?.skipPositional ?? 0]));
  const addResolved = (command: string, purpose: ProcessRule['purpose'], source: Source, args?: string[], parent?: string): string => {
    const resolved = files ? resolveExec(files, command, env, c.workingDir?.name ?? '/') : undefined;
    if (files && !resolved) {
      diagnostics.push({
        code: 'profile/exec-not-found',
        severity: 'warning',
        message: `${group.name}: ${command} (${purpose}) is not an executable file in the image`,
        file: source.artifact,
        ...(source.line !== undefined ? { line: source.line } : {}),
      });
    }
    return addProcess(processes, command, purpose, source, resolved, args, parent, c.user?.name, imageName, multiCall);
  };
  /** An argv and what it execs in turn: a shell's script, a launcher's (tini, gosu) command. */
  const addArgv = (argv: readonly string[], purpose: ProcessRule['purpose'], source: Source, parent?: string, depth = 0): void => {
    const [argv0, ...rest] = argv;
    if (!argv0 || depth > 3) return;
    const path = addResolved(argv0, purpose, source, rest.length > 0 ? rest : undefined, parent);
    const base = argv0.slice(argv0.lastIndexOf('/') + 1);
    const dashC = rest.indexOf('-c');
    if (SHELLS.has(base) && dashC >= 0 && rest[dashC + 1] !== undefined) {
      programsOfScript(rest[dashC + 1] as string).forEach((prog, n) => {
        addResolved(
          prog,
          n === 0 ? purpose : 'spawned',
          { ...source, reason: `${source.reason} (the shell runs ${prog})` },
          undefined,
          path,
        );
      });
      return;
    }
    const skip = wrappers.get(base);
    if (skip !== undefined) {
      let k = 0;
      while (k < rest.length && (rest[k] as string).startsWith('-') && rest[k] !== '--') k++;
      if (rest[k] === '--') k++;
      k += skip;
      const child = rest.slice(k);
      if (child.length > 0) addArgv(child, purpose, { ...source, reason: `${source.reason} (${base} execs ${child[0]})` }, path, depth + 1);
    }
  };
  // A manifest that overrides the launch command replaces what the image or Dockerfile would run.
  const overrides = group.deployment.flatMap((f) => f.commands.filter((cmd) => cmd.purpose === 'entrypoint' && cmd.replaces));
  const full = overrides.find((cmd) => cmd.replaces === 'entrypoint+cmd');
  const argsOnly = overrides.find((cmd) => cmd.replaces === 'cmd');
  const overridden = full !== undefined || argsOnly !== undefined;
  const launchedBy = new Set(['entrypoint', 'spawned', 'interpreter']);
  if (!full && argsOnly) {
    const base = imageFrag?.launch ?? group.dockerfiles.find((d) => d.launch)?.launch;
    const argv = [...(base?.entrypoint ?? []), ...argsOnly.argv];
    addArgv(
      argv,
      'entrypoint',
      base && base.entrypoint.length > 0
        ? { ...argsOnly.source, reason: `${argsOnly.source.reason}; ENTRYPOINT ${base.entrypoint.join(' ')} from ${base.source.artifact}` }
        : argsOnly.source,
    );
  }
  for (const f of ordered) {
    const isDeployment = group.deployment.includes(f);
    for (const p of f.processes) {
      if (overridden && !isDeployment && launchedBy.has(p.purpose)) continue;
      // An image's process is already resolved: the path it was run by names the applet of a multi-call file.
      for (const s of p.sources) addResolved(p.invokedAs?.[0] ?? p.path, p.purpose, s, p.args, p.parent);
    }
    for (const cmd of f.commands) {
      if (overridden && cmd.purpose === 'entrypoint' && (!isDeployment || cmd.replaces === 'cmd')) continue;
      const argv0 = cmd.argv[0] ?? '';
      const wrapped = cmd.shell && !(SHELLS.has(argv0.slice(argv0.lastIndexOf('/') + 1)) && cmd.argv.includes('-c'));
      // Compose and Marathon give a shell command as its words; it runs under /bin/sh -c.
      addArgv(wrapped ? ['/bin/sh', '-c', cmd.argv.join(' ')] : cmd.argv, cmd.purpose, cmd.source);
    }
  }
  c.processes = processes.values();

  const listen = new RuleSet<PortRule>((p) => [p.port, p.protocol]);
  const ingress = new RuleSet<PeerRule>((p) => [p.peer, p.port ?? -1, p.protocol]);
  const egress = new RuleSet<PeerRule>((p) => [p.peer, p.port ?? -1, p.protocol]);
  const writable = new RuleSet<WritablePath>((w) => [w.path]);
  const caps = new RuleSet<NamedRule>((r) => r.name);
  const dropped = new Set<string>();
  for (const f of ordered) {
    listen.addAll(f.listen);
    ingress.addAll(f.ingress);
    egress.addAll(f.egress);
    for (const w of f.writable) writable.add(w);
    for (const cap of f.capabilities) {
      const name = prefixedCapability(cap.name);
      if (name !== 'ALL') caps.add({ name, sources: cap.sources });
    }
    for (const cap of f.dropCapabilities) dropped.add(prefixedCapability(cap.name));
  }
  c.network.listen = listen.values();
  c.network.ingress = ingress.values();
  c.network.egress = egress.values();
  // Two entries for one path (e.g. a volume that is read-only in one manifest): writable wins only if every declaration agrees.
  c.filesystem.writable = writable.values();
  c.capabilities = caps.values();

  const ro = mergeFlag(ordered.map((f) => f.readOnlyRoot).filter((f) => f?.value === true));
  if (ro) c.filesystem.readOnlyRoot = { value: true, sources: sortSources([...c.filesystem.readOnlyRoot.sources, ...ro.sources]) };

  const priv = c.privileges;
  const privileged = mergeFlag(ordered.map((f) => f.privileges.privileged));
  if (privileged) priv.privileged = privileged;
  const hostNetwork = mergeFlag(ordered.map((f) => f.privileges.hostNetwork));
  if (hostNetwork) priv.hostNetwork = hostNetwork;
  const hostPID = mergeFlag(ordered.map((f) => f.privileges.hostPID));
  if (hostPID) priv.hostPID = hostPID;
  const hostIPC = mergeFlag(ordered.map((f) => f.privileges.hostIPC));
  if (hostIPC) priv.hostIPC = hostIPC;
  const ape = mergeFlag(ordered.map((f) => f.privileges.allowPrivilegeEscalation));
  if (ape) priv.allowPrivilegeEscalation = ape;
  if (privileged?.value) {
    // A privileged container can remount anything: a read-only root would be a false promise.
    c.filesystem.readOnlyRoot = { value: false, sources: privileged.sources };
  }

  const labels: Record<string, string> = {};
  for (const f of group.deployment) Object.assign(labels, f.labels);

  const draft: ContainerDraft = {
    charter: c,
    fragments,
    env: fragments.flatMap((f) => f.env),
    dependsOn: fragments.flatMap((f) => f.dependsOn),
    labels,
    scopes: uniqueSorted(group.deployment.map((f) => f.key.scope ?? 'default')),
    packages: fragments.flatMap((f) => f.packages),
    dropped,
  };
  if (files) draft.files = files;
  return draft;
}

function addProcess(
  set: RuleSet<ProcessRule>,
  command: string,
  purpose: ProcessRule['purpose'],
  source: Source,
  resolved: ResolvedExec | undefined,
  args: string[] | undefined,
  parent: string | undefined,
  user: string | undefined,
  imageName: string,
  multiCall: ReadonlyMap<string, string>,
): string {
  const rule: ProcessRule = {
    path: resolved?.path ?? command,
    purpose,
    sources: [
      resolved
        ? {
            ...source,
            reason: `${source.reason}${resolved.requested !== resolved.path ? ` (${resolved.requested} → ${resolved.path})` : ''}`,
          }
        : source,
    ],
  };
  if (resolved && resolved.requested !== resolved.path) rule.invokedAs = [resolved.requested];
  if (resolved?.file.sha256) rule.sha256 = resolved.file.sha256;
  const binary = resolved?.file.sha256 !== undefined ? multiCall.get(resolved.file.sha256) : undefined;
  if (resolved && binary !== undefined) {
    // One file, many programs: the rule allows only the applet this command runs.
    const applet = appletOf(resolved.requested, args, binary);
    rule.applets = applet !== undefined ? [applet] : [];
  }
  if (args && args.length > 0) rule.args = args;
  if (parent) rule.parent = parent;
  if (user) rule.user = user;
  set.add(rule);
  if (resolved?.interpreter) {
    const i = resolved.interpreter;
    const irule: ProcessRule = {
      path: i.path,
      purpose: 'interpreter',
      parent: rule.path,
      sources: [
        {
          kind: 'image',
          artifact: imageName,
          path: resolved.path,
          layer: resolved.file.layer,
          reason: `interpreter on the #! line of ${resolved.path}`,
        },
      ],
    };
    if (i.requested !== i.path) irule.invokedAs = [i.requested];
    if (i.file.sha256) irule.sha256 = i.file.sha256;
    const ibinary = i.file.sha256 !== undefined ? multiCall.get(i.file.sha256) : undefined;
    if (ibinary !== undefined) {
      const applet = appletOf(i.requested, undefined, ibinary);
      irule.applets = applet !== undefined ? [applet] : [];
    }
    if (user) irule.user = user;
    set.add(irule);
  }
  return rule.path;
}

/**
 * The labels every pod of the container carries: those its Kubernetes fragments agree on (a label
 * one workload's pods lack, or carry with another value, selects only some of them). Undefined when
 * no fragment is a pod, or they share none.
 */
function commonPodLabels(fragments: readonly ContainerFragment[]): Record<string, string> | undefined {
  const pods = fragments.filter((f) => f.declared.kind === 'kubernetes' && Object.keys(f.labels).length > 0);
  if (pods.length === 0) return undefined;
  const common = new Map(Object.entries(pods[0]!.labels));
  for (const f of pods.slice(1)) for (const [k, v] of common) if (f.labels[k] !== v) common.delete(k);
  if (common.size === 0) return undefined;
  return Object.fromEntries([...common].sort(([a], [b]) => compareStrings(a, b)));
}
