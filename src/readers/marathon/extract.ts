/**
 * Marathon app / group JSON → container fragments and service declarations. Pure: never opens
 * anything; positions come from our own JSON parser so every rule points at its line.
 */
import type { Diagnostic, Protocol, Source, WritablePath } from '../../model/charter.js';
import { toPointer } from '../../util/json-pointer.js';
import { splitShellWords } from '../../util/shell-words.js';
import { addCapability, addListen, addWritable, engineSocketNote, lookup, serviceDeclPorts } from '../common/fragment.js';
import { validateFields } from '../common/validate-fields.js';
import { isHostPath, parseVolumeSpec } from '../common/volumes.js';
import { emptyFragment, emptyResult } from '../../model/fragments.js';
import type { ContainerFragment, ReaderInput, ReaderResult, ServiceDecl } from '../../model/fragments.js';
import { locate, parseJson, type JsonNode } from '../../util/json-positions.js';
import { AppSchema, GroupSchema, type MarathonApp } from './schema.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { bareCapability } from '../../util/capabilities.js';
import { describeInvalidUtf8, tooLargeDiagnostic } from '../common/text.js';
import { positionAt } from '../../util/text-position.js';

type Path = (string | number)[];
type Severity = Diagnostic['severity'];

export const MAX_MARATHON_BYTES = 16 * 1024 * 1024;
/**
 * Dependencies kept per app, after a dependency on a group is expanded to the apps under it. A
 * few dozen is a lot; without a cap, N apps depending on "/" would hold N² entries.
 */
export const MAX_DEPENDENCIES_PER_APP = 1000;
/** Dependencies kept for the whole file: the same N² concern across apps (each costs a source record). */
export const MAX_DEPENDENCIES_PER_FILE = 100_000;
/** Docker bind-mounts the Mesos sandbox here; relative container paths live under it. */
const SANDBOX = '/mnt/mesos/sandbox';

/** Marathon's `PathId.canonicalPath`: relative ids are resolved against a base; `.`/`..` apply. */
export function canonicalId(id: string, base: string): string {
  const segs = [...(id.startsWith('/') ? [] : base.split('/')), ...id.split('/')].filter((s) => s !== '');
  const out: string[] = [];
  for (const s of segs) {
    if (s === '.') continue;
    if (s === '..') out.pop();
    else out.push(s);
  }
  return '/' + out.join('/');
}

/** First index in sorted `ids` whose value is not below `prefix`. */
function lowerBound(ids: readonly string[], prefix: string): number {
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((ids[mid] as string) < prefix) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function parentId(id: string): string {
  const i = id.lastIndexOf('/');
  return i <= 0 ? '/' : id.slice(0, i);
}

interface Ctx {
  path: string;
  root: JsonNode;
  diagnostics: Diagnostic[];
  /** Dependencies kept so far in the file (MAX_DEPENDENCIES_PER_FILE). */
  dependencies: number;
}

interface Dep {
  id: string;
  at: Path;
  via?: string;
}

interface AppEntry {
  raw: unknown;
  at: Path;
  group: string;
  groupDeps: Dep[];
}

export function extractMarathon(input: ReaderInput): ReaderResult {
  const result = emptyResult();
  const file = input.path;
  if (input.text.length > MAX_MARATHON_BYTES) {
    result.diagnostics.push(tooLargeDiagnostic(input, 'marathon/too-large', 'Marathon file', MAX_MARATHON_BYTES));
    return result;
  }
  const badByte = input.invalidUtf8?.[0];
  if (badByte !== undefined) {
    // RFC 8259 §8.1: JSON between systems is UTF-8; a file that is not is refused, not guessed at.
    const message = `Marathon file not read: ${describeInvalidUtf8(badByte)}`;
    result.diagnostics.push({ code: 'marathon/invalid-utf8', severity: 'error', message, file, ...positionAt(input.text, badByte.offset) });
    return result;
  }
  const parsed = parseJson(input.text);
  if (!parsed.ok) {
    const { message, line, column } = parsed.error;
    result.diagnostics.push({ code: 'marathon/json-syntax', severity: 'error', message, file, line, column });
    return result;
  }
  const ctx: Ctx = { path: file, root: parsed.root, diagnostics: result.diagnostics, dependencies: 0 };
  for (const d of parsed.duplicates) {
    result.diagnostics.push({
      code: 'marathon/duplicate-key',
      severity: 'warning',
      message: `duplicate key "${d.key}": the last one is used`,
      file,
      line: d.line,
      column: d.column,
    });
  }

  // First collect every app with its group, so dependencies on groups can be expanded.
  const apps: AppEntry[] = [];
  const value = parsed.root.value;
  if (Array.isArray(value)) {
    for (const [i, raw] of value.entries()) apps.push({ raw, at: [i], group: '/', groupDeps: [] });
  } else if (value !== null && typeof value === 'object') {
    if ('containers' in value) {
      diag(ctx, 'marathon/pod', 'info', 'Marathon pods are not read; only apps and groups', []);
      return result;
    }
    if ('apps' in value || 'groups' in value) walkGroup(ctx, value, [], '/', [], apps, true);
    else apps.push({ raw: value, at: [], group: '/', groupDeps: [] });
  } else {
    diag(ctx, 'marathon/not-an-object', 'error', 'a Marathon definition is an app, an array of apps or a group', []);
    return result;
  }

  const read: { app: MarathonApp; entry: AppEntry; id: string }[] = [];
  for (const entry of apps) {
    const checked = validateFields(AppSchema, entry.raw);
    for (const issue of checked.issues) {
      const at = [...entry.at, ...issue.path];
      diag(
        ctx,
        'marathon/schema',
        issue.path[0] === 'id' || issue.path.length === 0 ? 'error' : 'warning',
        `${label(at)}: ${issue.message}`,
        at,
      );
    }
    const app = checked.data;
    if (app === undefined) continue;
    read.push({ app, entry, id: canonicalId(app.id, entry.group) });
  }
  const appIds = new Set(read.map((r) => r.id));
  const sortedIds = [...appIds].sort();
  // A dependency on a group means every app under it: found by binary search, at most one more than the cap.
  const expand = (target: string): string[] => {
    if (appIds.has(target)) return [target];
    const prefix = target === '/' ? '/' : target + '/';
    const under: string[] = [];
    for (let i = lowerBound(sortedIds, prefix); i < sortedIds.length && under.length <= MAX_DEPENDENCIES_PER_APP; i++) {
      const candidate = sortedIds[i] as string;
      if (!candidate.startsWith(prefix)) break;
      under.push(candidate);
    }
    return under.length > 0 ? under : [target];
  };

  for (const { app, entry, id } of read) {
    const f = readApp(ctx, app, entry, id, expand);
    result.containers.push(f);
    result.services.push(...serviceDecls(ctx, f, id, entry.at), ...vipDecls(ctx, app, id, entry.at));
  }
  return result;
}

function walkGroup(ctx: Ctx, raw: unknown, at: Path, parent: string, inherited: Dep[], apps: AppEntry[], top: boolean): void {
  const checked = validateFields(GroupSchema, raw);
  for (const issue of checked.issues) {
    const p = [...at, ...issue.path];
    diag(ctx, 'marathon/schema', 'warning', `${label(p)}: ${issue.message}`, p);
  }
  const g = checked.data;
  if (g === undefined) return;
  if (g.id === undefined && !top)
    diag(ctx, 'marathon/schema', 'warning', `${label(at)}: group without an id; its apps are placed in the parent group`, at);
  const id = canonicalId(g.id ?? '', parent);
  // Group dependencies hold for every app in the group, nested groups included.
  const deps = [
    ...inherited,
    ...(g.dependencies ?? []).map((d, i) => ({ id: canonicalId(d, parentId(id)), at: [...at, 'dependencies', i], via: id })),
  ];
  for (const [i, app] of (g.apps ?? []).entries()) apps.push({ raw: app, at: [...at, 'apps', i], group: id, groupDeps: deps });
  for (const [i, sub] of (g.groups ?? []).entries()) walkGroup(ctx, sub, [...at, 'groups', i], id, deps, apps, false);
}

function readApp(ctx: Ctx, app: MarathonApp, entry: AppEntry, id: string, expand: (t: string) => string[]): ContainerFragment {
  const base = entry.at;
  const who = `Marathon app ${id}`;
  const scope = parentId(id);
  const docker = app.container?.docker;
  const key: ContainerFragment['key'] = { name: id, scope };
  if (docker?.image !== undefined) key.image = docker.image;
  const f = emptyFragment(key, source(ctx, base, `${who} is declared here`));
  if (docker?.image !== undefined) {
    f.image = { ref: docker.image, source: source(ctx, [...base, 'container', 'docker', 'image'], `${who} runs image ${docker.image}`) };
  }

  // Commands: `cmd` runs through `/bin/sh -c`; `args` are handed to the image's entrypoint.
  if (typeof app.cmd === 'string') {
    const at: Path = [...base, 'cmd'];
    const r = splitShellWords(app.cmd, 'shell');
    if (!r.ok) diag(ctx, 'marathon/bad-command', 'warning', `${label(at)}: ${r.error}`, at);
    else if (r.words.length > 0)
      f.commands.push({
        argv: r.words,
        shell: true,
        purpose: 'entrypoint',
        source: source(ctx, at, `${who} runs this command through /bin/sh -c`),
        replaces: 'entrypoint+cmd',
      });
  }
  if (Array.isArray(app.args) && app.args.length > 0) {
    if (typeof app.cmd === 'string')
      diag(ctx, 'marathon/cmd-and-args', 'warning', `${who} sets both cmd and args; Marathon accepts only one`, [...base, 'args'], true);
    f.commands.push({
      argv: [...app.args],
      shell: false,
      purpose: 'entrypoint',
      source: source(ctx, [...base, 'args'], `${who} passes these arguments (after the image's ENTRYPOINT, if any)`),
      replaces: 'cmd',
    });
  }

  readNetwork(ctx, app, base, f, who);
  const portList = readPorts(ctx, app, base, f, who);
  readHealthChecks(ctx, app, base, f, who, portList);
  readMounts(ctx, app, base, f, who);
  readDockerParameters(ctx, app, base, f, who);

  if (app.user !== undefined && app.user !== null && f.user === undefined) {
    f.user = { name: app.user, source: source(ctx, [...base, 'user'], `${who} runs as user ${app.user}`) };
  }
  if (docker?.privileged !== undefined) {
    f.privileges.privileged = {
      value: docker.privileged,
      sources: [source(ctx, [...base, 'container', 'docker', 'privileged'], `${who} sets privileged: ${docker.privileged}`)],
    };
  }

  for (const [name, v] of Object.entries(app.env ?? {})) {
    const at: Path = [...base, 'env', name];
    if (typeof v === 'string') {
      f.env.push({ name, value: v, source: source(ctx, at, `${who} sets ${name}`) });
    } else if (v !== null && typeof v === 'object' && typeof (v as { secret?: unknown }).secret === 'string') {
      const ref = (v as { secret: string }).secret;
      const secretSource = app.secrets?.[ref]?.source;
      const from = secretSource !== undefined ? ` ${secretSource}` : ` "${ref}"`;
      f.env.push({ name, source: source(ctx, at, `${who} sets ${name} from secret${from} (value not in the file)`) });
    } else {
      diag(ctx, 'marathon/schema', 'warning', `${label(at)}: an env value is a string or {"secret": name}`, at);
    }
  }

  const seen = new Set<string>();
  let considered = 0;
  let capped = false;
  const addDep = (target: string, at: Path, reason: string): void => {
    if (capped) return;
    if (++considered > MAX_DEPENDENCIES_PER_APP) {
      capped = true;
      diag(
        ctx,
        'marathon/too-many-dependencies',
        'warning',
        `${who}: more than ${MAX_DEPENDENCIES_PER_APP} dependencies (its own and its groups'); the rest are ignored`,
        at,
      );
      return;
    }
    for (const name of expand(target)) {
      if (name === id || seen.has(name)) continue;
      if (seen.size >= MAX_DEPENDENCIES_PER_APP) {
        capped = true;
        diag(
          ctx,
          'marathon/too-many-dependencies',
          'warning',
          `${who}: dependencies expand to more than ${MAX_DEPENDENCIES_PER_APP} apps; the rest are ignored`,
          at,
        );
        return;
      }
      if (ctx.dependencies >= MAX_DEPENDENCIES_PER_FILE) {
        capped = true;
        if (ctx.dependencies++ === MAX_DEPENDENCIES_PER_FILE) {
          diag(
            ctx,
            'marathon/too-many-dependencies',
            'warning',
            `the file's apps have more than ${MAX_DEPENDENCIES_PER_FILE} dependencies in all; from ${who} on, the rest are ignored`,
            at,
          );
        }
        return;
      }
      ctx.dependencies++;
      seen.add(name);
      f.dependsOn.push({ name, source: source(ctx, at, name === target ? reason : `${reason} (app ${name} of group ${target})`) });
    }
  };
  for (const [i, d] of (app.dependencies ?? []).entries()) {
    const target = canonicalId(d, scope);
    addDep(target, [...base, 'dependencies', i], `${who} depends on ${target}`);
  }
  for (const d of entry.groupDeps) addDep(d.id, d.at, `group ${d.via ?? ''} of ${who} depends on ${d.id}`);

  for (const [k, v] of Object.entries(app.labels ?? {})) {
    if (typeof v === 'string') f.labels[k] = v;
  }
  return f;
}

function readNetwork(ctx: Ctx, app: MarathonApp, base: Path, f: ContainerFragment, who: string): void {
  const docker = app.container?.docker;
  const modes = (app.networks ?? []).map((n) => n.mode ?? 'host');
  const host = (at: Path, reason: string): void => {
    f.privileges.hostNetwork = { value: true, sources: [source(ctx, at, reason)] };
  };
  if (docker?.network !== undefined) {
    const mode = docker.network.toUpperCase();
    if (mode === 'HOST') host([...base, 'container', 'docker', 'network'], `${who} uses the host's network (network: HOST)`);
    return;
  }
  const hostIndex = modes.indexOf('host');
  if (hostIndex !== -1) {
    host([...base, 'networks', hostIndex], `${who} uses the host's network (networks mode: host)`);
    return;
  }
  if (modes.length > 0 || (app.ipAddress !== undefined && app.ipAddress !== null)) return;
  // Marathon's default networking is host mode: without a network, the task shares the agent's.
  host(base, `${who} declares no network, so Marathon runs it in the host's network namespace (the default)`);
}

interface PortSlot {
  port: number;
  protocol: Protocol;
}

/** Reads listen ports; returns them in port-index order (for health checks' `portIndex`). */
function readPorts(ctx: Ctx, app: MarathonApp, base: Path, f: ContainerFragment, who: string): PortSlot[] {
  const slots: PortSlot[] = [];
  const listen = (port: number, protocols: string | undefined, at: Path, reason: string, name?: string, published?: string): void => {
    for (const protocol of parseProtocols(ctx, protocols, at)) {
      slots.push({ port, protocol });
      if (port === 0) continue;
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        diag(ctx, 'marathon/bad-port', 'warning', `${label(at)}: ${port} is not a port number`, at);
        continue;
      }
      addListen(f, port, protocol, source(ctx, at, `${reason} ${port}/${protocol}`), name);
      // A port on the agent's own address is reachable from outside the application: an entry point.
      if (published !== undefined) addEntryPoint(f, port, protocol, source(ctx, at, `${who}: port ${port}/${protocol} ${published}`));
    }
  };
  const hostMode = f.privileges.hostNetwork?.value === true;
  // marathon-lb serves the service ports of apps in a HAPROXY_GROUP (the `external` group faces outside).
  const group = app.labels?.['HAPROXY_GROUP'];
  const balanced = typeof group === 'string' && group !== '' ? `is served by marathon-lb (HAPROXY_GROUP ${group})` : undefined;
  const bridge =
    (app.container?.docker?.network ?? '').toUpperCase() === 'BRIDGE' || (app.networks ?? []).some((n) => n.mode === 'container/bridge');
  const dynamic = (at: Path): void => {
    diag(
      ctx,
      'marathon/dynamic-port',
      'info',
      `${who}: port 0 means Marathon picks a port at launch ($PORTn); it is not known statically`,
      at,
    );
  };

  const containerMappings = app.container?.portMappings;
  const dockerMappings = app.container?.docker?.portMappings;
  const mappings = containerMappings ?? dockerMappings;
  const mapBase: Path = containerMappings ? [...base, 'container', 'portMappings'] : [...base, 'container', 'docker', 'portMappings'];
  if (mappings && mappings.length > 0) {
    for (const [i, m] of mappings.entries()) {
      const at: Path = [...mapBase, i];
      // In bridge mode containerPort 0 means "same as the (dynamic) host port".
      const port = m.containerPort ?? 0;
      if (port === 0) dynamic(at);
      // In bridge mode every mapping takes a host port (0: one Marathon picks); otherwise only those that name one.
      const published =
        m.hostPort !== undefined
          ? `is published on the agent's host port ${m.hostPort === 0 ? '(picked at launch)' : m.hostPort}`
          : bridge
            ? 'is published on a host port of the agent (bridge networking)'
            : balanced;
      listen(port, m.protocol, at, `${who} maps container port`, m.name, published);
    }
    if (app.portDefinitions && app.portDefinitions.length > 0) {
      diag(
        ctx,
        'marathon/port-definitions-ignored',
        'info',
        `${who}: portDefinitions are ignored when port mappings are set`,
        [...base, 'portDefinitions'],
        true,
      );
    }
  } else if (app.portDefinitions) {
    for (const [i, d] of app.portDefinitions.entries()) {
      const at: Path = [...base, 'portDefinitions', i];
      if (d.port === 0) dynamic(at);
      listen(
        d.port,
        d.protocol,
        at,
        `${who} defines port`,
        d.name,
        hostMode ? "is a port of the agent's own address (host networking)" : balanced,
      );
    }
  } else if (app.ports) {
    for (const [i, p] of app.ports.entries()) {
      const at: Path = [...base, 'ports', i];
      if (p === 0) dynamic(at);
      listen(
        p,
        undefined,
        at,
        `${who} defines port`,
        undefined,
        hostMode ? "is a port of the agent's own address (host networking)" : balanced,
      );
    }
  } else if (f.privileges.hostNetwork?.value === true) {
    // Marathon's default for a host-networked app is one dynamic port ($PORT0).
    slots.push({ port: 0, protocol: 'tcp' });
  }
  for (const [i, p] of (app.ipAddress?.discovery?.ports ?? []).entries()) {
    listen(p.number, p.protocol, [...base, 'ipAddress', 'discovery', 'ports', i], `${who} announces discovery port`, p.name);
  }
  if (hostMode && app.requirePorts !== true && f.listen.length > 0 && !(mappings && mappings.length > 0)) {
    diag(
      ctx,
      'marathon/service-ports',
      'info',
      `${who}: without requirePorts the task may be given other host ports ($PORTn); the declared ports are service ports`,
      [...base, app.portDefinitions ? 'portDefinitions' : 'ports'],
      true,
    );
  }
  return slots;
}

function addEntryPoint(f: ContainerFragment, port: number, protocol: Protocol, src: Source): void {
  const existing = lookup(f.ingress, `${port}/${protocol}`, (r) => `${r.port ?? ''}/${r.protocol}`);
  if (existing) existing.sources.push(src);
  else f.ingress.push({ peer: { kind: 'any' }, port, protocol, sources: [src] });
}

function parseProtocols(ctx: Ctx, value: string | undefined, at: Path): Protocol[] {
  if (value === undefined) return ['tcp'];
  const out: Protocol[] = [];
  for (const p of value.toLowerCase().split(',')) {
    const t = p.trim();
    if (t === 'tcp' || t === 'udp' || t === 'sctp') out.push(t);
    else diag(ctx, 'marathon/bad-port', 'warning', `${label(at)}: unknown protocol "${t}"`, at);
  }
  return out;
}

function readHealthChecks(ctx: Ctx, app: MarathonApp, base: Path, f: ContainerFragment, who: string, ports: PortSlot[]): void {
  for (const [i, hc] of (app.healthChecks ?? []).entries()) {
    const at: Path = [...base, 'healthChecks', i];
    const protocol = (hc.protocol ?? 'HTTP').toUpperCase();
    if (protocol === 'COMMAND') {
      const value = hc.command?.value;
      if (value === undefined) {
        diag(ctx, 'marathon/schema', 'warning', `${label(at)}: a COMMAND health check needs command.value`, at);
        continue;
      }
      const r = splitShellWords(value, 'shell');
      if (!r.ok)
        diag(ctx, 'marathon/bad-command', 'warning', `${label([...at, 'command', 'value'])}: ${r.error}`, [...at, 'command', 'value']);
      else if (r.words.length > 0)
        f.commands.push({
          argv: r.words,
          shell: true,
          purpose: 'healthcheck',
          source: source(ctx, [...at, 'command', 'value'], `${who} health check runs this through /bin/sh -c`),
        });
      continue;
    }
    // HTTP(S)/TCP checks probe a port the app listens on.
    const what = `${protocol}${hc.path !== undefined ? ' ' + hc.path : ''}`;
    if (hc.port !== undefined) {
      const src = source(ctx, [...at, 'port'], `${who} is health-checked (${what}) on port ${hc.port}`);
      const existing = lookup(f.listen, `${hc.port}/tcp`, (l) => `${l.port}/${l.protocol}`);
      if (existing) existing.sources.push(src);
      else if (hc.port > 0 && hc.port <= 65535) f.listen.push({ port: hc.port, protocol: 'tcp', sources: [src] });
      continue;
    }
    const index = hc.portIndex ?? 0;
    const slot = ports[index];
    if (slot === undefined) {
      diag(ctx, 'marathon/bad-health-check', 'warning', `${label(at)}: portIndex ${index} names no port of the app`, at);
      continue;
    }
    const existing = lookup(f.listen, `${slot.port}/${slot.protocol}`, (l) => `${l.port}/${l.protocol}`);
    existing?.sources.push(source(ctx, at, `${who} is health-checked (${what}) on port index ${index}`));
  }
}

function readMounts(ctx: Ctx, app: MarathonApp, base: Path, f: ContainerFragment, who: string): void {
  for (const [i, v] of (app.container?.volumes ?? []).entries()) {
    const at: Path = [...base, 'container', 'volumes', i];
    const readOnly = (v.mode ?? 'RW').toUpperCase() === 'RO';
    const path = v.containerPath.startsWith('/') ? v.containerPath : `${SANDBOX}/${v.containerPath}`;
    const mode = readOnly ? 'read-only' : 'writable';
    let w: Omit<WritablePath, 'sources'>;
    let reason: string;
    if (v.secret !== undefined) {
      w = { path, kind: 'tmpfs', readOnly: true };
      reason = `${who} receives secret "${v.secret}" at ${path}`;
    } else if (v.hostPath !== undefined) {
      w = { path, kind: 'bind', hostPath: v.hostPath, ...(readOnly ? { readOnly } : {}) };
      reason = `${who} mounts host path ${v.hostPath}${engineSocketNote(v.hostPath)} ${mode} at ${path}`;
    } else {
      const what = v.persistent !== undefined ? 'a persistent local volume' : v.external !== undefined ? 'an external volume' : 'a volume';
      w = { path, kind: 'volume', ...(readOnly ? { readOnly } : {}) };
      reason = `${who} mounts ${what} ${mode} at ${path}`;
    }
    addWritable(f, w, source(ctx, at, reason));
  }
}

/** `container.docker.parameters` are `docker run` long options; map the ones that widen access. */
function readDockerParameters(ctx: Ctx, app: MarathonApp, base: Path, f: ContainerFragment, who: string): void {
  for (const [i, { key, value }] of (app.container?.docker?.parameters ?? []).entries()) {
    const at: Path = [...base, 'container', 'docker', 'parameters', i];
    const src = (reason: string): Source => source(ctx, at, `${who}: docker parameter ${key}=${value} ${reason}`);
    const isTrue = value === '' || value.toLowerCase() === 'true';
    switch (key) {
      case 'cap-add':
      case 'cap-drop': {
        const list = key === 'cap-add' ? f.capabilities : f.dropCapabilities;
        addCapability(list, bareCapability(value), src(key === 'cap-add' ? 'adds a capability' : 'drops a capability'));
        break;
      }
      case 'user':
      case 'u':
        f.user = { name: value, source: src('sets the container user') };
        break;
      case 'read-only':
        f.readOnlyRoot = { value: isTrue, sources: [src('sets the root filesystem read-only flag')] };
        break;
      case 'privileged':
        f.privileges.privileged = { value: isTrue, sources: [src('sets privileged')] };
        break;
      case 'pid':
      case 'ipc':
        if (value === 'host')
          f.privileges[key === 'pid' ? 'hostPID' : 'hostIPC'] = {
            value: true,
            sources: [src(`shares the host's ${key.toUpperCase()} namespace`)],
          };
        break;
      case 'net':
      case 'network':
        if (value === 'host') f.privileges.hostNetwork = { value: true, sources: [src("shares the host's network")] };
        break;
      case 'security-opt':
        if (/^no-new-privileges(?:[:=]true)?$/.test(value))
          f.privileges.allowPrivilegeEscalation = { value: false, sources: [src('sets no-new-privileges')] };
        else if (/^(seccomp|apparmor)[:=]unconfined$/.test(value))
          diag(ctx, 'marathon/unconfined', 'warning', `${who} runs without a ${value.split(/[:=]/)[0]} profile`, at);
        break;
      case 'volume':
      case 'v': {
        const r = parseVolumeSpec(value);
        if (!r.ok) diag(ctx, 'marathon/bad-volume', 'warning', `${label(at)}: ${r.error}`, at);
        else if (r.source !== undefined && isHostPath(r.source))
          addWritable(
            f,
            { path: r.target, kind: 'bind', hostPath: r.source, ...(r.readOnly ? { readOnly: true } : {}) },
            src('mounts a host path'),
          );
        else addWritable(f, { path: r.target, kind: 'volume', ...(r.readOnly ? { readOnly: true } : {}) }, src('mounts a volume'));
        break;
      }
      case 'tmpfs':
        addWritable(f, { path: value.split(':', 1)[0] ?? value, kind: 'tmpfs' }, src('mounts a tmpfs'));
        break;
      case 'env':
      case 'e': {
        const eq = value.indexOf('=');
        if (eq === -1) f.env.push({ name: value, source: src('passes a variable from the agent (value unknown)') });
        else f.env.push({ name: value.slice(0, eq), value: value.slice(eq + 1), source: src('sets a variable') });
        break;
      }
      case 'workdir':
      case 'w':
        f.workingDir = { name: value, source: src('sets the working directory') };
        break;
      case 'label':
      case 'l': {
        const eq = value.indexOf('=');
        f.labels[eq === -1 ? value : value.slice(0, eq)] = eq === -1 ? '' : value.slice(eq + 1);
        break;
      }
      default:
        break;
    }
  }
}

function serviceDecls(ctx: Ctx, f: ContainerFragment, id: string, at: Path): ServiceDecl[] {
  const ports = serviceDeclPorts(f);
  const segs = id.split('/').filter((s) => s !== '');
  // Mesos-DNS names an app by its path reversed: /product/service/myapp → myapp-service-product.
  const dns = [...segs].reverse().join('-');
  const names = [id, segs.at(-1) ?? id, `${dns}.marathon.mesos`];
  const scope = parentId(id);
  const out: ServiceDecl[] = [];
  for (const name of names) {
    if (out.some((s) => s.name === name)) continue;
    out.push({ name, scope, targets: [id], ports, source: source(ctx, [...at, 'id'], `Marathon app ${id} is reachable as ${name}`) });
  }
  return out;
}

/** The DNS zone of DC/OS named VIPs (Minuteman / dcos-l4lb). */
const VIP_ZONE = 'marathon.l4lb.thisdcos.directory';

/**
 * Named VIPs: a port's label `VIP_<n>: "/name:port"` makes `name.marathon.l4lb.thisdcos.directory:port`
 * lead to that port of the app's tasks (DC/OS "Load Balancing and Virtual IPs"; the slashes of a
 * name are dropped). An address `ip:port` names no host and is left alone.
 */
function vipDecls(ctx: Ctx, app: MarathonApp, id: string, base: Path): ServiceDecl[] {
  const containerMappings = app.container?.portMappings;
  const mappings = containerMappings ?? app.container?.docker?.portMappings ?? undefined;
  const mapBase: Path = containerMappings ? [...base, 'container', 'portMappings'] : [...base, 'container', 'docker', 'portMappings'];
  const ports: { port: number; protocol?: string; labels?: Record<string, string>; at: Path }[] =
    mappings && mappings.length > 0
      ? mappings.map((m, i) => ({
          port: m.containerPort ?? 0,
          ...(m.protocol ? { protocol: m.protocol } : {}),
          ...(m.labels ? { labels: m.labels } : {}),
          at: [...mapBase, i],
        }))
      : (app.portDefinitions ?? []).map((d, i) => ({
          port: d.port,
          ...(d.protocol ? { protocol: d.protocol } : {}),
          ...(d.labels ? { labels: d.labels } : {}),
          at: [...base, 'portDefinitions', i],
        }));
  const out: ServiceDecl[] = [];
  for (const p of ports) {
    for (const [key, value] of Object.entries(p.labels ?? {})) {
      if (!/^VIP_\d+$/.test(key)) continue;
      const m = /^\/?([A-Za-z0-9][A-Za-z0-9/_.-]*):(\d{1,5})$/.exec(value.trim());
      if (!m?.[1] || !m[2] || /^\d+(\.\d+){3}$/.test(m[1])) continue;
      const vipPort = Number(m[2]);
      const name = `${m[1].replace(/\//g, '').toLowerCase()}.${VIP_ZONE}`;
      const protocol = (p.protocol ?? 'tcp').split(',')[0]?.trim().toLowerCase();
      out.push({
        name,
        targets: [id],
        ports: [{ port: vipPort, targetPort: p.port === 0 ? vipPort : p.port, protocol: protocol === 'udp' ? 'udp' : 'tcp' }],
        source: source(ctx, [...p.at, 'labels', key], `Marathon app ${id} is reachable as ${name}:${vipPort} (named VIP ${value})`),
      });
    }
  }
  return out;
}

function label(path: readonly (string | number)[]): string {
  return path.length === 0
    ? '(root)'
    : path
        .map((s) => (typeof s === 'number' ? `[${s}]` : `.${s}`))
        .join('')
        .replace(/^\./, '');
}

function source(ctx: Ctx, path: Path, reason: string, key = false): Source {
  const pos = locate(ctx.root, path, key);
  return { kind: 'marathon', artifact: ctx.path, pointer: toPointer(path), line: pos.line, column: pos.column, reason };
}

function diag(ctx: Ctx, code: DiagnosticCode, severity: Severity, message: string, path: Path, key = false): void {
  const pos = locate(ctx.root, path, key);
  ctx.diagnostics.push({ code, severity, message, file: ctx.path, line: pos.line, column: pos.column });
}
