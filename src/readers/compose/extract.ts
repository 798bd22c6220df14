/**
 * Compose file → container fragments and service declarations. Pure: takes the text and the
 * display path, never opens the files the compose file names (env_file, secrets, build contexts).
 */
import { posix } from 'node:path';
import type { Diagnostic, Protocol, Source } from '../../model/charter.js';
import { toPointer } from '../../util/json-pointer.js';
import { splitShellWords } from '../../util/shell-words.js';
import { addCapability, addListen, addWritable, engineSocketNote, lookup, serviceDeclPorts } from '../common/fragment.js';
import { validateFields } from '../common/validate-fields.js';
import { isHostPath, parseVolumeSpec } from '../common/volumes.js';
import { emptyFragment, emptyResult } from '../../model/fragments.js';
import type { ContainerFragment, ReaderInput, ReaderResult, ServiceDecl } from '../../model/fragments.js';
import { interpolate } from './interpolate.js';
import { parseExpose, parsePortSpec } from './ports.js';
import { ComposeFileSchema, ServiceSchema } from './schema.js';
import type { ComposeFile, ComposeService } from './schema.js';
import { parseYaml, type YamlDocument } from './yaml-source.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { bareCapability } from '../../util/capabilities.js';
import { tooLargeDiagnostic } from '../common/text.js';

type Path = (string | number)[];
type Severity = Diagnostic['severity'];
type Command = ContainerFragment['commands'][number];

/** Compose files are hand-written and small; beyond this the input is refused as hostile. */
export const MAX_COMPOSE_BYTES = 10 * 1024 * 1024;

interface Ctx {
  path: string;
  /** Directory of the compose file relative to the target root ('.' at the root). */
  dir: string;
  project: string;
  doc: YamlDocument;
  top: ComposeFile;
  diagnostics: Diagnostic[];
}

export function extractCompose(input: ReaderInput): ReaderResult {
  const result = emptyResult();
  const file = input.path;
  if (input.text.length > MAX_COMPOSE_BYTES) {
    result.diagnostics.push(tooLargeDiagnostic(input, 'compose/too-large', 'compose file', MAX_COMPOSE_BYTES));
    return result;
  }
  const parsed = parseYaml(input.text, input.invalidUtf8);
  for (const p of parsed.problems) {
    result.diagnostics.push({
      code: `compose/${p.code}`,
      severity: p.severity,
      message: p.message,
      file,
      ...(p.line !== undefined ? { line: p.line } : {}),
      ...(p.column !== undefined ? { column: p.column } : {}),
    });
  }
  const [doc, ...extra] = parsed.documents;
  if (doc === undefined) return result;
  if (extra.length > 0) {
    result.diagnostics.push({
      code: 'compose/multiple-documents',
      severity: 'warning',
      message: 'compose file has more than one YAML document; only the first is read',
      file,
      ...(extra[0]?.locate([]) ?? { line: 1, column: 1 }),
    });
  }
  const dir = posix.dirname(normalisePath(file));
  const ctx: Ctx = { path: file, dir, project: dir, doc, top: {}, diagnostics: result.diagnostics };

  if (doc.value === null || typeof doc.value !== 'object' || Array.isArray(doc.value)) {
    diag(ctx, 'compose/not-a-mapping', 'error', 'compose file is not a YAML mapping', []);
    return result;
  }
  const top = validateFields(ComposeFileSchema, doc.value);
  for (const issue of top.issues) diag(ctx, 'compose/schema', 'warning', `${label(issue.path)}: ${issue.message}`, issue.path);
  ctx.top = top.data ?? {};
  if (ctx.top.name !== undefined) ctx.project = text(ctx, ctx.top.name, ['name']);
  if (ctx.top.include !== undefined) {
    diag(ctx, 'compose/include', 'info', 'included compose files are not followed; read them as separate artifacts', ['include']);
  }
  const services = ctx.top.services;
  if (services === undefined) {
    if ('services' in doc.value) return result;
    diag(ctx, 'compose/no-services', 'warning', 'compose file declares no services', []);
    return result;
  }
  const names = new Set(Object.keys(services));
  for (const [name, raw] of Object.entries(services)) {
    const { fragment, decls } = readService(ctx, name, raw ?? {}, names);
    if (fragment) result.containers.push(fragment);
    result.services.push(...decls);
  }
  return result;
}

function readService(
  ctx: Ctx,
  name: string,
  raw: unknown,
  known: ReadonlySet<string>,
): { fragment?: ContainerFragment; decls: ServiceDecl[] } {
  const base: Path = ['services', name];
  const checked = validateFields(ServiceSchema, raw);
  for (const issue of checked.issues) {
    const at = [...base, ...issue.path];
    diag(ctx, 'compose/schema', 'warning', `${label(at)}: ${issue.message}`, at);
  }
  const svc = checked.data;
  if (svc === undefined) return { decls: [] };
  const who = `compose service "${name}"`;

  const key: ContainerFragment['key'] = { name, scope: ctx.project };
  const image = svc.image !== undefined ? text(ctx, svc.image, [...base, 'image']) : undefined;
  if (image !== undefined) key.image = image;
  const buildContext = readBuild(ctx, svc, base);
  if (buildContext !== undefined) {
    key.buildContext = buildContext;
    const file = typeof svc.build === 'object' ? svc.build.dockerfile : undefined;
    if (typeof file === 'string' && file !== '' && !posix.isAbsolute(file))
      key.dockerfile = posix.normalize(posix.join(buildContext, file));
  }
  if (image === undefined && svc.build === undefined) {
    diag(ctx, 'compose/no-image', 'warning', `${who} has neither image nor build`, base, true);
  }

  const declared = source(ctx, base, `${who} is declared here`, true);
  const f = emptyFragment(key, declared);
  if (image !== undefined) f.image = { ref: image, source: source(ctx, [...base, 'image'], `${who} runs image ${image}`) };

  readPorts(ctx, svc, base, f, who);
  readNetworking(ctx, svc, base, f, who, known);
  readEnvironment(ctx, svc, base, f, who);
  readPrivileges(ctx, svc, base, f, who);
  readCommands(ctx, svc, base, f, who);
  readMounts(ctx, svc, base, f, who);
  readLabels(svc, f);
  if (svc.extends !== undefined) {
    diag(ctx, 'compose/extends', 'info', `${who}: "extends" is not followed; fields it would inherit are not read`, [...base, 'extends']);
  }

  // Every name another container can use to reach this one on the compose network.
  const ports = serviceDeclPorts(f);
  const decls: ServiceDecl[] = [{ name, scope: ctx.project, targets: [name], ports, source: declared }];
  const aliases = new Map<string, Path>();
  if (svc.container_name !== undefined) aliases.set(svc.container_name, [...base, 'container_name']);
  if (svc.networks !== undefined && !Array.isArray(svc.networks)) {
    for (const [net, cfg] of Object.entries(svc.networks)) {
      for (const [i, alias] of (cfg?.aliases ?? []).entries()) aliases.set(alias, [...base, 'networks', net, 'aliases', i]);
    }
  }
  for (const [alias, at] of aliases) {
    if (alias === name) continue;
    decls.push({
      name: alias,
      scope: ctx.project,
      targets: [name],
      ports,
      source: source(ctx, at, `${who} is also reachable as "${alias}"`),
    });
  }
  return { fragment: f, decls };
}

function readBuild(ctx: Ctx, svc: ComposeService, base: Path): string | undefined {
  const build = svc.build;
  if (build === undefined) return undefined;
  const at: Path = typeof build === 'string' ? [...base, 'build'] : [...base, 'build', 'context'];
  const raw = typeof build === 'string' ? build : (build.context ?? '.');
  const ctxPath = text(ctx, raw, at);
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(ctxPath) || ctxPath.startsWith('git@')) {
    diag(ctx, 'compose/remote-build', 'info', `build context ${ctxPath} is remote and not read`, at);
    return undefined;
  }
  if (posix.isAbsolute(normalisePath(ctxPath))) {
    diag(ctx, 'compose/absolute-build', 'info', `build context ${ctxPath} is an absolute host path, outside the target`, at);
    return normalisePath(ctxPath);
  }
  return resolveRelative(ctx, ctxPath);
}

function readPorts(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string): void {
  for (const [i, spec] of (svc.ports ?? []).entries()) {
    const at: Path = [...base, 'ports', i];
    if (typeof spec === 'object') {
      const target = typeof spec.target === 'number' ? spec.target : text(ctx, spec.target, [...at, 'target']);
      const proto = (spec.protocol ?? 'tcp').toLowerCase();
      const r = parsePortSpec(`${target}/${proto}`);
      if (!r.ok) {
        diag(ctx, 'compose/bad-port', 'warning', `${label(at)}: ${r.error}`, at);
        continue;
      }
      for (const port of r.ports) {
        addListen(f, port, r.protocol, source(ctx, at, `${who} publishes container port ${port}/${r.protocol}`), spec.name);
        const host = spec.published !== undefined ? `host port ${String(spec.published)}` : 'a host port the engine picks';
        addEntryPoint(f, port, r.protocol, source(ctx, at, `${who} publishes container port ${port}/${r.protocol} on ${host}`));
      }
      continue;
    }
    const s = typeof spec === 'number' ? spec : text(ctx, spec, at);
    const r = parsePortSpec(s);
    if (!r.ok) {
      diag(ctx, 'compose/bad-port', 'warning', `${label(at)}: ${r.error}`, at);
      continue;
    }
    for (const port of r.ports) {
      const how =
        r.published !== undefined
          ? `publishes container port ${port}/${r.protocol} (host ${r.published})`
          : `publishes container port ${port}/${r.protocol}`;
      addListen(f, port, r.protocol, source(ctx, at, `${who} ${how}`));
      const host = r.published !== undefined ? `host port ${r.published}` : 'a host port the engine picks';
      addEntryPoint(f, port, r.protocol, source(ctx, at, `${who} publishes container port ${port}/${r.protocol} on ${host}`));
    }
  }
  for (const [i, spec] of (svc.expose ?? []).entries()) {
    const at: Path = [...base, 'expose', i];
    const r = parseExpose(typeof spec === 'number' ? spec : text(ctx, spec, at));
    if (!r.ok) {
      diag(ctx, 'compose/bad-port', 'warning', `${label(at)}: ${r.error}`, at);
      continue;
    }
    for (const port of r.ports) addListen(f, port, r.protocol, source(ctx, at, `${who} exposes port ${port}/${r.protocol}`));
  }
}

/**
 * A published port is reachable from outside the application (through the host's address; a port
 * without a host side is published on one the engine picks): an ingress rule from any peer.
 * `expose` only opens a port to the project's own network, and is not one.
 */
function addEntryPoint(f: ContainerFragment, port: number, protocol: Protocol, src: Source): void {
  const existing = lookup(f.ingress, `${port}/${protocol}`, (r) => `${r.port ?? ''}/${r.protocol}`);
  if (existing) existing.sources.push(src);
  else f.ingress.push({ peer: { kind: 'any' }, port, protocol, sources: [src] });
}

function readNetworking(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string, known: ReadonlySet<string>): void {
  const dep = (name: string, at: Path, reason: string, alias?: string, atKey = false): void => {
    if (!known.has(name))
      diag(ctx, 'compose/unknown-service', 'warning', `${label(at)}: no service named "${name}" in this file`, at, atKey);
    const src = source(ctx, at, reason, atKey);
    const existing = lookup(f.dependsOn, `${name}:${alias ?? ''}`, (d) => `${d.name}:${d.alias ?? ''}`);
    if (existing) return;
    f.dependsOn.push({ name, ...(alias !== undefined ? { alias } : {}), source: src });
  };

  const dependsOn = svc.depends_on;
  if (Array.isArray(dependsOn)) {
    for (const [i, name] of dependsOn.entries()) dep(name, [...base, 'depends_on', i], `${who} depends on "${name}"`);
  } else if (dependsOn !== undefined) {
    for (const [name, cfg] of Object.entries(dependsOn)) {
      const cond = cfg?.condition !== undefined ? ` (${cfg.condition})` : '';
      dep(name, [...base, 'depends_on', name], `${who} depends on "${name}"${cond}`, undefined, true);
    }
  }
  for (const [i, link] of (svc.links ?? []).entries()) {
    const [target = '', alias] = link.split(':', 2);
    const at: Path = [...base, 'links', i];
    dep(
      target,
      at,
      alias !== undefined ? `${who} links to "${target}" as "${alias}"` : `${who} links to "${target}"`,
      alias !== undefined && alias !== target ? alias : undefined,
    );
  }
  if (svc.external_links !== undefined) {
    diag(ctx, 'compose/external-links', 'info', `${who}: external_links name containers outside this file and are not followed`, [
      ...base,
      'external_links',
    ]);
  }

  const declaredNets = new Set(['default', ...Object.keys(ctx.top.networks ?? {})]);
  const nets =
    svc.networks === undefined
      ? []
      : Array.isArray(svc.networks)
        ? svc.networks.map((n, i) => [n, i] as const)
        : Object.keys(svc.networks).map((n) => [n, n] as const);
  for (const [net, seg] of nets) {
    if (!declaredNets.has(net)) {
      const at: Path = [...base, 'networks', seg];
      diag(ctx, 'compose/unknown-network', 'warning', `${label(at)}: network "${net}" is not declared under top-level networks`, at);
    }
  }

  if (svc.network_mode !== undefined) {
    const at: Path = [...base, 'network_mode'];
    const mode = text(ctx, svc.network_mode, at);
    if (mode === 'host') {
      f.privileges.hostNetwork = {
        value: true,
        sources: [source(ctx, at, `${who} shares the host's network namespace (network_mode: host)`)],
      };
    } else if (mode === 'none') {
      diag(ctx, 'compose/network-none', 'info', `${who} has no network (network_mode: none)`, at);
    } else if (mode.startsWith('service:')) {
      const other = mode.slice('service:'.length);
      dep(other, at, `${who} joins the network namespace of service "${other}"`);
      diag(
        ctx,
        'compose/network-shared',
        'info',
        `${who} shares the network namespace of service "${other}"; its ports and peers are that service's`,
        at,
      );
    } else if (mode.startsWith('container:')) {
      diag(
        ctx,
        'compose/network-shared',
        'info',
        `${who} shares the network namespace of container "${mode.slice('container:'.length)}", outside this file`,
        at,
      );
    }
  }
}

function readEnvironment(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string): void {
  const envIndex = new Map<string, number>();
  const add = (name: string, value: string | undefined, at: Path): void => {
    const src = source(ctx, at, value === undefined ? `${who} sets ${name} (value not known statically)` : `${who} sets ${name}`);
    const existing = envIndex.get(name);
    const entry = { name, ...(value !== undefined ? { value } : {}), source: src };
    // Compose keeps the last definition of a repeated name.
    if (existing !== undefined) f.env[existing] = entry;
    else envIndex.set(name, f.env.push(entry) - 1);
  };
  const value = (raw: string, at: Path): string | undefined => {
    const r = interpolate(raw);
    if (r.error !== undefined) diag(ctx, 'compose/interpolation', 'warning', `${label(at)}: ${r.error}`, at);
    return r.complete ? r.text : undefined;
  };
  const env = svc.environment;
  if (Array.isArray(env)) {
    for (const [i, item] of env.entries()) {
      const at: Path = [...base, 'environment', i];
      const eq = item.indexOf('=');
      // `- NAME` without "=" takes the value from the shell running compose: unknown here.
      if (eq === -1) add(item, undefined, at);
      else add(item.slice(0, eq), value(item.slice(eq + 1), at), at);
    }
  } else if (env !== undefined) {
    for (const [name, v] of Object.entries(env)) {
      const at: Path = [...base, 'environment', name];
      add(name, v === null ? undefined : value(String(v), at), at);
    }
  }
  const envFile = svc.env_file;
  const files = envFile === undefined ? [] : typeof envFile === 'string' ? [envFile] : envFile;
  for (const [i, ef] of files.entries()) {
    const p = typeof ef === 'string' ? ef : ef.path;
    const at: Path = typeof envFile === 'string' ? [...base, 'env_file'] : [...base, 'env_file', i];
    diag(ctx, 'compose/env-file', 'info', `${who}: env_file ${p} is not read; the variables it sets are unknown`, at);
    // Its variables may name peers: the profile takes the container's egress intent as unknown.
    f.env.push({
      name: '*',
      source: source(ctx, at, `${who} takes every variable of env_file ${p}, which is not read: names and values unknown`),
    });
  }
}

function readPrivileges(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string): void {
  for (const [field, list, verb] of [
    ['cap_add', f.capabilities, 'adds'],
    ['cap_drop', f.dropCapabilities, 'drops'],
  ] as const) {
    for (const [i, cap] of (svc[field] ?? []).entries()) {
      const name = bareCapability(cap);
      addCapability(list, name, source(ctx, [...base, field, i], `${who} ${verb} capability ${name}`));
    }
  }
  const privileged = svc.privileged === undefined ? undefined : flag(ctx, svc.privileged, [...base, 'privileged']);
  if (privileged !== undefined) {
    f.privileges.privileged = {
      value: privileged,
      sources: [source(ctx, [...base, 'privileged'], `${who} sets privileged: ${privileged}`)],
    };
  }
  const readOnly = svc.read_only === undefined ? undefined : flag(ctx, svc.read_only, [...base, 'read_only']);
  if (readOnly !== undefined) {
    f.readOnlyRoot = { value: readOnly, sources: [source(ctx, [...base, 'read_only'], `${who} sets read_only: ${readOnly}`)] };
  }
  if (svc.user !== undefined) {
    const at: Path = [...base, 'user'];
    const name = typeof svc.user === 'number' ? String(svc.user) : text(ctx, svc.user, at);
    f.user = { name, source: source(ctx, at, `${who} runs as user ${name}`) };
  }
  if (svc.working_dir !== undefined) {
    const at: Path = [...base, 'working_dir'];
    const name = text(ctx, svc.working_dir, at);
    f.workingDir = { name, source: source(ctx, at, `${who} works in ${name}`) };
  }
  for (const [field, flag] of [
    ['pid', 'hostPID'],
    ['ipc', 'hostIPC'],
  ] as const) {
    const v = svc[field];
    if (v === undefined || v === null) continue;
    const at: Path = [...base, field];
    if (text(ctx, v, at) === 'host') {
      f.privileges[flag] = {
        value: true,
        sources: [source(ctx, at, `${who} shares the host's ${field.toUpperCase()} namespace (${field}: host)`)],
      };
    }
  }
  for (const [i, opt] of (svc.security_opt ?? []).entries()) {
    const at: Path = [...base, 'security_opt', i];
    const m = /^([a-z-]+)(?:[:=](.*))?$/.exec(opt.trim());
    const kind = m?.[1];
    const arg = m?.[2];
    if (kind === 'no-new-privileges') {
      if (arg === undefined || arg.toLowerCase() === 'true') {
        f.privileges.allowPrivilegeEscalation = { value: false, sources: [source(ctx, at, `${who} sets no-new-privileges`)] };
      }
    } else if ((kind === 'seccomp' || kind === 'apparmor') && arg === 'unconfined') {
      diag(ctx, 'compose/unconfined', 'warning', `${who} runs without a ${kind} profile (${opt})`, at);
    } else if (kind === 'label' && arg === 'disable') {
      diag(ctx, 'compose/unconfined', 'warning', `${who} disables SELinux labelling (${opt})`, at);
    } else if (kind === 'seccomp' || kind === 'apparmor' || kind === 'label') {
      diag(ctx, 'compose/security-opt', 'info', `${who}: ${opt} names a profile outside this file; not read`, at);
    }
  }
}

function readCommands(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string): void {
  const ep = svc.entrypoint === undefined ? undefined : argvOf(ctx, svc.entrypoint, [...base, 'entrypoint']);
  const cmd = svc.command === undefined ? undefined : argvOf(ctx, svc.command, [...base, 'command']);
  const push = (c: Command): void => {
    if (c.argv.length > 0) f.commands.push(c);
  };
  if (ep !== undefined && ep.length > 0) {
    // An explicit entrypoint also discards the image's CMD, so only this file's command follows it.
    const argv = [...ep, ...(cmd ?? [])];
    const tail = cmd !== undefined && cmd.length > 0 ? ' followed by its command' : '';
    push({
      argv,
      shell: false,
      purpose: 'entrypoint',
      source: source(ctx, [...base, 'entrypoint'], `${who} runs its entrypoint${tail} (replaces the image's ENTRYPOINT and CMD)`),
      replaces: 'entrypoint+cmd',
    });
  } else if (ep !== undefined) {
    // `entrypoint: ""` / `[]` clears the image's entrypoint: the command is the whole argv.
    if (cmd !== undefined)
      push({
        argv: cmd,
        shell: false,
        purpose: 'entrypoint',
        source: source(ctx, [...base, 'command'], `${who} runs this command with the image's ENTRYPOINT cleared`),
        replaces: 'entrypoint+cmd',
      });
  } else if (cmd !== undefined) {
    push({
      argv: cmd,
      shell: false,
      purpose: 'entrypoint',
      source: source(
        ctx,
        [...base, 'command'],
        `${who} command replaces the image's CMD (the image's ENTRYPOINT, if any, still runs first)`,
      ),
      replaces: 'cmd',
    });
  }

  const hc = svc.healthcheck;
  if (hc === undefined || hc.test === undefined) return;
  if (hc.disable !== undefined && flag(ctx, hc.disable, [...base, 'healthcheck', 'disable']) === true) return;
  const at: Path = [...base, 'healthcheck', 'test'];
  const test = hc.test;
  const shellCmd = (script: string, p: Path): void => {
    const r = splitShellWords(text(ctx, script, p), 'shell');
    if (!r.ok) {
      diag(ctx, 'compose/bad-command', 'warning', `${label(p)}: ${r.error}`, p);
      return;
    }
    push({
      argv: r.words,
      shell: true,
      purpose: 'healthcheck',
      source: source(ctx, p, `${who} health check runs this through /bin/sh -c`),
    });
  };
  if (typeof test === 'string') return shellCmd(test, at);
  const [kind, ...rest] = test;
  if (kind === 'NONE') return;
  if (kind === 'CMD') {
    push({
      argv: rest.map((a, i) => text(ctx, a, [...at, i + 1])),
      shell: false,
      purpose: 'healthcheck',
      source: source(ctx, at, `${who} health check runs this command`),
    });
  } else if (kind === 'CMD-SHELL') {
    shellCmd(rest.join(' '), [...at, 1]);
  } else if (kind !== undefined) {
    diag(ctx, 'compose/bad-healthcheck', 'warning', `${label(at)}: a list test starts with CMD, CMD-SHELL or NONE, not "${kind}"`, at);
  }
}

function argvOf(ctx: Ctx, value: string | (string | number)[] | null, at: Path): string[] | undefined {
  if (value === null) return [];
  if (Array.isArray(value)) return value.map((a, i) => (typeof a === 'number' ? String(a) : text(ctx, a, [...at, i])));
  // Compose splits a string command itself (no shell involved).
  const r = splitShellWords(text(ctx, value, at), 'exec');
  if (!r.ok) {
    diag(ctx, 'compose/bad-command', 'warning', `${label(at)}: ${r.error}`, at);
    return undefined;
  }
  return r.words;
}

function readMounts(ctx: Ctx, svc: ComposeService, base: Path, f: ContainerFragment, who: string): void {
  const topVolumes = new Set(Object.keys(ctx.top.volumes ?? {}));
  for (const [i, v] of (svc.volumes ?? []).entries()) {
    const at: Path = [...base, 'volumes', i];
    if (typeof v === 'string') {
      const r = parseVolumeSpec(text(ctx, v, at));
      if (!r.ok) {
        diag(ctx, 'compose/bad-volume', 'warning', `${label(at)}: ${r.error}`, at);
        continue;
      }
      mount(ctx, f, r.kind, r.source, r.target, r.readOnly, at, who, topVolumes);
      continue;
    }
    const target = text(ctx, v.target, [...at, 'target']);
    const ro = v.read_only !== undefined && flag(ctx, v.read_only, [...at, 'read_only']) === true;
    const src = v.source === undefined ? undefined : text(ctx, v.source, [...at, 'source']);
    if (v.type === 'tmpfs') {
      addWritable(f, { path: target, kind: 'tmpfs' }, source(ctx, at, `${who} mounts a tmpfs at ${target}`));
    } else if (v.type === 'bind' || v.type === 'npipe') {
      mount(ctx, f, 'bind', src, target, ro, at, who, topVolumes);
    } else {
      mount(ctx, f, 'volume', src, target, ro, at, who, topVolumes);
    }
  }
  const tmpfs = svc.tmpfs === undefined ? [] : typeof svc.tmpfs === 'string' ? [svc.tmpfs] : svc.tmpfs;
  for (const [i, t] of tmpfs.entries()) {
    const at: Path = typeof svc.tmpfs === 'string' ? [...base, 'tmpfs'] : [...base, 'tmpfs', i];
    const target = text(ctx, t, at).split(':', 1)[0] ?? '';
    addWritable(f, { path: target, kind: 'tmpfs' }, source(ctx, at, `${who} mounts a tmpfs at ${target}`));
  }
  for (const [field, defaultDir] of [
    ['secrets', '/run/secrets/'],
    ['configs', '/'],
  ] as const) {
    const declared = ctx.top[field] ?? {};
    for (const [i, ref] of (svc[field] ?? []).entries()) {
      const at: Path = [...base, field, i];
      const name = typeof ref === 'string' ? ref : ref.source;
      const target =
        typeof ref === 'string' || ref.target === undefined
          ? defaultDir + name
          : ref.target.startsWith('/')
            ? ref.target
            : defaultDir + ref.target;
      if (!(name in declared)) {
        diag(
          ctx,
          `compose/unknown-${field === 'secrets' ? 'secret' : 'config'}`,
          'warning',
          `${label(at)}: "${name}" is not declared under top-level ${field}`,
          at,
        );
      }
      const file = declared[name]?.file;
      const what = field === 'secrets' ? 'secret' : 'config';
      if (file !== undefined) {
        const hostPath = resolveHostPath(ctx, file);
        addWritable(
          f,
          { path: target, kind: 'bind', hostPath, readOnly: true },
          source(ctx, at, `${who} receives ${what} "${name}" (from ${file}) read-only at ${target}`),
        );
      } else {
        addWritable(
          f,
          { path: target, kind: 'tmpfs', readOnly: true },
          source(ctx, at, `${who} receives ${what} "${name}" read-only at ${target}`),
        );
      }
    }
  }
}

function mount(
  ctx: Ctx,
  f: ContainerFragment,
  kind: 'bind' | 'volume',
  src: string | undefined,
  target: string,
  readOnly: boolean,
  at: Path,
  who: string,
  topVolumes: ReadonlySet<string>,
): void {
  const mode = readOnly ? 'read-only' : 'writable';
  if (kind === 'bind' && src !== undefined && isHostPath(src)) {
    const hostPath = resolveHostPath(ctx, src);
    addWritable(
      f,
      { path: target, kind: 'bind', hostPath, ...(readOnly ? { readOnly } : {}) },
      source(ctx, at, `${who} mounts host path ${hostPath}${engineSocketNote(hostPath)} ${mode} at ${target}`),
    );
    return;
  }
  if (src !== undefined && src !== '' && !topVolumes.has(src)) {
    diag(ctx, 'compose/undeclared-volume', 'warning', `${label(at)}: volume "${src}" is not declared under top-level volumes`, at);
  }
  const what = src === undefined || src === '' ? 'an anonymous volume' : `volume "${src}"`;
  addWritable(
    f,
    { path: target, kind: 'volume', ...(readOnly ? { readOnly } : {}) },
    source(ctx, at, `${who} mounts ${what} ${mode} at ${target}`),
  );
}

function readLabels(svc: ComposeService, f: ContainerFragment): void {
  const labels = svc.labels;
  if (Array.isArray(labels)) {
    for (const l of labels) {
      const eq = l.indexOf('=');
      if (eq === -1) f.labels[l] = '';
      else f.labels[l.slice(0, eq)] = l.slice(eq + 1);
    }
  } else if (labels !== undefined) {
    for (const [k, v] of Object.entries(labels)) f.labels[k] = v === null ? '' : String(v);
  }
}

// ---------------------------------------------------------------------------------------------

/** Interpolate a string field; when a variable has no default, keep the text as written. */
function text(ctx: Ctx, raw: string, at: Path): string {
  if (!raw.includes('$')) return raw;
  const r = interpolate(raw);
  if (r.error !== undefined) {
    diag(ctx, 'compose/interpolation', 'warning', `${label(at)}: ${r.error}`, at);
    return raw;
  }
  if (!r.complete) {
    diag(
      ctx,
      'compose/unresolved-variable',
      'info',
      `${label(at)}: depends on ${r.missing.map((m) => '$' + m).join(', ')}, unknown without the environment; kept as written`,
      at,
    );
    return raw;
  }
  return r.text;
}

/** A boolean field, possibly written as an interpolated string. */
function flag(ctx: Ctx, v: boolean | string, at: Path): boolean | undefined {
  if (typeof v === 'boolean') return v;
  const s = text(ctx, v, at).toLowerCase();
  if (s === 'true') return true;
  if (s === 'false') return false;
  diag(ctx, 'compose/schema', 'warning', `${label(at)}: expected a boolean, not "${v}"`, at);
  return undefined;
}

function normalisePath(p: string): string {
  return posix.normalize(p.replace(/\\/g, '/'));
}

/** A path written relative to the compose file, as a path relative to the target root. */
function resolveRelative(ctx: Ctx, p: string): string {
  const joined = posix.normalize(posix.join(ctx.dir, p.replace(/\\/g, '/')));
  return joined.length > 1 && joined.endsWith('/') ? joined.slice(0, -1) : joined;
}

function resolveHostPath(ctx: Ctx, p: string): string {
  if (p.startsWith('.') || !isHostPath(p)) return resolveRelative(ctx, p);
  return p;
}

function label(path: readonly (string | number)[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || '(root)';
}

function source(ctx: Ctx, path: Path, reason: string, key = false): Source {
  const pos = ctx.doc.locate(path, key);
  return {
    kind: 'compose',
    artifact: ctx.path,
    pointer: toPointer(path),
    ...(pos ? { line: pos.line, column: pos.column } : {}),
    reason,
  };
}

function diag(ctx: Ctx, code: DiagnosticCode, severity: Severity, message: string, path: Path, key = false): void {
  const pos = ctx.doc.locate(path, key);
  ctx.diagnostics.push({
    code,
    severity,
    message,
    file: ctx.path,
    ...(pos ? { line: pos.line, column: pos.column } : {}),
  });
}
