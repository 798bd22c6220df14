/**
 * `falco-rules`: one Falco rules file for the application. Per container: lists of the executables
 * its charter allows, a macro that selects the container, and up to three rules that alert on what
 * the charter does not allow: a process not in it, an outbound connection to an undeclared port
 * (only where egress is enforced), a write outside its writable paths (only under a read-only root).
 *
 * Falco pastes list items into conditions as text (it quotes only items with a space), so every
 * value this emitter writes into a list or a condition passes `falcoValue`: bare when it is made of
 * path characters, double-quoted when it holds spaces or a few other inert characters, and left
 * out with a warning otherwise. A profile can therefore never inject condition syntax.
 */
import { Document, isMap, isSeq } from 'yaml';
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { loadAttackPatterns } from '../knowledge/attack-patterns.js';
import { compareStrings } from '../util/sort.js';
import type { EmitOptions, EmitResult } from './types.js';
import { compareJson, info, selectContainers, sortDiagnostics, warning } from './internal.js';
import {
  commentText,
  egressFacts,
  execAllowance,
  namespaceOf,
  podContainerName,
  podLabels,
  provenance,
  sayEgressLimits,
} from './enforcer-facts.js';

const FILE = 'falco-rules.yaml';

/**
 * Falco engine 0.26.0 (Falco 0.36, 2023): `proc.exepath`, `pmatch`, rule `exceptions` and the
 * container and Kubernetes fields used here are all older than that.
 */
export const FALCO_REQUIRED_ENGINE_VERSION = '0.26.0';

/** Falco's `proc.name` is the kernel's `comm`: the first 15 bytes of the executed file's name. */
const COMM_LENGTH = 15;

/** Characters Falco's condition parser reads as one bare value. */
const BARE = /^[A-Za-z0-9_./-]+$/;
/** Words of the condition language: never bare, or a name like `not` would change the condition. */
const KEYWORDS =
  /^(and|or|not|in|intersects|pmatch|exists|contains|icontains|bcontains|startswith|bstartswith|endswith|glob|iglob|regex|val)$/i;
/** Characters that are inert inside a double-quoted Falco string. */
const QUOTABLE = /^[A-Za-z0-9_./+@:%~ -]+$/;

/**
 * A value as Falco condition text (also what a list item becomes once Falco pastes it), or
 * undefined when it holds a character that could end a string or a list (quotes, backslashes,
 * commas, parentheses, control characters): such a value is left out, never escaped by guesswork.
 */
export function falcoValue(v: string): string | undefined {
  if (v === '' || v.length > 4096) return undefined;
  if (BARE.test(v) && !KEYWORDS.test(v)) return v;
  if (QUOTABLE.test(v) && v.trim() === v) return `"${v}"`;
  return undefined;
}

/** Identifiers of lists and macros: Falco splits conditions on these, so only `[a-z0-9_]`. */
function identifier(s: string): string {
  const v = s
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
  return v === '' ? 'x' : v;
}

/** Text for rule names, descriptions and outputs: `%` starts an output field, so it (and anything odd) goes. */
function display(s: string): string {
  const v = s.replace(/[^A-Za-z0-9_./:@-]+/g, '-').slice(0, 200);
  return v === '' ? 'unnamed' : v;
}

function mitreTags(patternIds: readonly string[]): string[] {
  const patterns = loadAttackPatterns().patterns;
  const ids = patternIds.flatMap((id) => patterns.find((p) => p.id === id)?.mitre.map((m) => m.id) ?? []);
  return [...new Set(ids)].sort(compareStrings);
}

const EXEC_PATTERNS = ['shell-in-service', 'dropped-binary'];
const NETWORK_PATTERNS = ['network-tool', 'internal-scan'];
const WRITE_PATTERNS = ['binary-directory-write', 'dropped-binary'];

/** Fields every alert carries, for triage and for `charter` to match an alert back to its container. */
const CONTEXT_OUTPUT =
  'container_id=%container.id container_name=%container.name image=%container.image.repository k8s_ns=%k8s.ns.name k8s_pod=%k8s.pod.name';

interface Item {
  value: Record<string, unknown>;
  comment?: string;
}

/** The shared macros, prefixed so they never collide with Falco's own ruleset when both are loaded. */
function sharedItems(): Item[] {
  return [
    { value: { required_engine_version: FALCO_REQUIRED_ENGINE_VERSION } },
    {
      value: { macro: 'charter_spawned_process', condition: 'evt.type in (execve, execveat) and evt.dir = <' },
      comment: 'a successful exec (the exit event carries the new program)',
    },
    {
      value: {
        macro: 'charter_open_write',
        condition: 'evt.type in (open, openat, openat2) and evt.is_open_write = true and fd.typechar = f and fd.num >= 0',
      },
      comment: 'a regular file opened for writing',
    },
    {
      value: {
        macro: 'charter_outbound',
        condition:
          'evt.type = connect and evt.dir = < and (fd.typechar = 4 or fd.typechar = 6) and fd.ip != "0.0.0.0" and not fd.snet in ("127.0.0.0/8", "::1/128") and (evt.rawres >= 0 or evt.res = EINPROGRESS)',
      },
      comment: 'an IPv4 or IPv6 connection to another host, made or in progress',
    },
  ];
}

/** The forms a runtime may report an image repository in: as written, and Docker Hub's long forms. */
function repositoryForms(image: string): string[] {
  let rest = image.trim();
  const at = rest.indexOf('@');
  if (at >= 0) rest = rest.slice(0, at);
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) rest = rest.slice(0, colon);
  if (rest === '') return [];
  const parts = rest.split('/');
  const first = parts[0] ?? '';
  const hasRegistry = parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return [rest];
  return [...new Set([rest, `docker.io/${parts.length === 1 ? `library/${rest}` : rest}`])];
}

interface Ctx {
  warnings: Diagnostic[];
  used: Set<string>;
}

function uniqueId(base: string, used: Set<string>): string {
  let id = base;
  for (let i = 2; used.has(id); i++) id = `${base}_${i}`;
  used.add(id);
  return id;
}

function containerItems(c: ContainerCharter, charter: Charter, opts: EmitOptions, ctx: Ctx): Item[] {
  const app = display(charter.metadata.name);
  const name = display(c.name);
  const say = (code: DiagnosticCode, message: string, severity: 'warning' | 'info' = 'warning'): void => {
    ctx.warnings.push((severity === 'warning' ? warning : info)(code, FILE, `container ${c.name}: ${message}`));
  };
  /** Values that pass `falcoValue`; the rest are reported once each. */
  const values = (raw: readonly string[], what: string): string[] => {
    const out: string[] = [];
    for (const r of raw) {
      const v = falcoValue(r);
      if (v === undefined)
        say('emit.enforcer.unsafe-value', `${what} ${JSON.stringify(r)} holds characters Falco conditions cannot carry safely; left out`);
      else out.push(v);
    }
    return [...new Set(out)].sort(compareStrings);
  };

  // Selection: the Kubernetes identity where there is one (namespace, container name, pod labels),
  // else the image repository. Both are what Falco's container plugin reports for this container.
  const prefix = uniqueId(`charter_${identifier(charter.metadata.name)}_${identifier(c.name)}`, ctx.used);
  const clauses: string[] = [];
  let selectedBy: string;
  if (c.identity.workloads.length > 0) {
    const ns = namespaceOf(c);
    const nsValue = ns !== undefined ? values([ns], 'namespace')[0] : undefined;
    if (nsValue !== undefined) clauses.push(`k8s.ns.name = ${nsValue}`);
    const podName = podContainerName(c);
    const cn = podName !== undefined ? values([podName], 'container name')[0] : undefined;
    if (cn !== undefined) clauses.push(`container.name = ${cn}`);
    else {
      say(
        'emit.enforcer.container-name-unknown',
        'the profile does not say its name in the pod spec: selected by namespace and pod labels only, so its rules also see the other containers of its pods',
      );
    }
    for (const [k, v] of Object.entries(podLabels(c) ?? {})) {
      const value = falcoValue(v);
      if (/^[A-Za-z0-9_./-]+$/.test(k) && value !== undefined) clauses.push(`k8s.pod.label[${k}] = ${value}`);
      else
        say(
          'emit.enforcer.unsafe-value',
          `pod label ${JSON.stringify(k)} cannot be written in a Falco condition; not used to select the container`,
        );
    }
    selectedBy = 'its namespace, container name and pod labels';
  } else {
    const repos = values(c.identity.image !== undefined ? repositoryForms(c.identity.image) : [], 'image repository');
    if (repos.length > 0) clauses.push(`container.image.repository in (${repos.join(', ')})`);
    selectedBy = 'its image repository';
  }
  if (clauses.length === 0) {
    say(
      'emit.enforcer.no-selector',
      'the profile names neither a Kubernetes workload nor an image for it: no Falco condition can select the container; no rules written',
    );
    return [];
  }
  const macro = `${prefix}_container`;
  const items: Item[] = [
    {
      value: { macro, condition: `container.id != host and ${clauses.join(' and ')}` },
      comment: `container ${commentText(c.name)} of ${commentText(charter.metadata.name)}, selected by ${selectedBy} (${provenance(c.identity.sources)})`,
    },
  ];
  const tags = (kind: string, patterns: readonly string[]): string[] => ['charter', 'container', kind, ...mitreTags(patterns)];

  // Processes.
  const exec = execAllowance(c);
  if (c.processes.length === 0) {
    say('emit.enforcer.no-processes', 'the profile lists no process for it (no image or command was read); no process rule', 'info');
  } else {
    const allowed: string[] = [];
    const paths = values(
      exec.paths.map((p) => p.path),
      'executable path',
    );
    if (paths.length > 0) {
      const list = `${prefix}_executables`;
      items.push({
        value: { list, items: paths },
        comment: [
          'executables its charter allows, by path',
          ...exec.paths.map((p) => `${commentText(p.path)}: ${commentText(p.from)}`),
        ].join('\n'),
      });
      allowed.push(`proc.exepath in (${list})`);
    }
    exec.multiCall.forEach((m, i) => {
      const mPaths = values(m.paths, 'multi-call binary path');
      const applets = values(
        m.applets.map((a) => a.slice(0, COMM_LENGTH)),
        'applet name',
      );
      if (mPaths.length === 0 || applets.length === 0) return;
      const pathList = `${prefix}_multicall_${i + 1}_paths`;
      const appletList = `${prefix}_multicall_${i + 1}_applets`;
      items.push(
        { value: { list: pathList, items: mPaths }, comment: `a multi-call binary (${commentText(m.from)})` },
        { value: { list: appletList, items: applets }, comment: 'the only applets it may run as (proc.name, at most 15 characters)' },
      );
      allowed.push(`(proc.exepath in (${pathList}) and proc.name in (${appletList}))`);
    });
    const names = values(
      exec.bareNames.map((n) => n.path.slice(0, COMM_LENGTH)),
      'process name',
    );
    if (names.length > 0) {
      const list = `${prefix}_process_names`;
      items.push({
        value: { list, items: names },
        comment: [
          'processes known by name only (no image was read): matched by proc.name, at most 15 characters',
          ...exec.bareNames.map((p) => `${commentText(p.path)}: ${commentText(p.from)}`),
        ].join('\n'),
      });
      allowed.push(`proc.name in (${list})`);
      say(
        'emit.enforcer.bare-names',
        `${exec.bareNames.length} process(es) are known by name only (no image was read): matched by proc.name, which any file of that name satisfies; read the image for paths`,
        'info',
      );
    }
    const condition = `charter_spawned_process and ${macro}${allowed.length > 0 ? ` and not (${allowed.join(' or ')})` : ''}`;
    items.push({
      value: {
        rule: `Charter ${app}/${name}: process not in charter`,
        desc: `A process the charter of container ${name} (application ${app}) does not allow was started in it.`,
        condition,
        output: `Process not in the charter of ${app}/${name} (exepath=%proc.exepath name=%proc.name cmdline=%proc.cmdline parent=%proc.pname user=%user.name ${CONTEXT_OUTPUT})`,
        priority: 'ERROR',
        exceptions: [{ name: 'allowed_programs', fields: ['proc.exepath', 'proc.pname'], comps: ['=', '='] }],
        tags: tags('process', EXEC_PATTERNS),
      },
      comment: 'add values to the exception to allow a program by path and parent path without editing the condition',
    });
  }

  // Outbound connections.
  const egress = egressFacts(c, charter, opts);
  if (sayEgressLimits(egress, say, { open: 'no outbound-connection rule', strictly: 'alert on the declared egress', kind: 'rule' })) {
    const allowed: string[] = [];
    const comments: string[] = ['outbound connections its charter allows'];
    for (const proto of ['tcp', 'udp', 'sctp'] as const) {
      const ports = egress.ports.filter((p) => p.protocol === proto);
      if (ports.length === 0) continue;
      const list = `${prefix}_${proto}_ports`;
      items.push({
        value: { list, items: ports.map((p) => p.port) },
        comment: ports.map((p) => `${p.port}/${proto}: ${commentText(p.from)}`).join('\n'),
      });
      allowed.push(`(fd.l4proto = ${proto} and fd.sport in (${list}))`);
    }
    const cidrs = values(
      egress.cidrs.map((x) => x.cidr),
      'address range',
    );
    if (cidrs.length > 0) {
      const list = `${prefix}_networks`;
      items.push({
        value: { list, items: cidrs },
        comment: egress.cidrs.map((x) => `${commentText(x.cidr)}: ${commentText(x.from)}`).join('\n'),
      });
      allowed.push(`fd.snet in (${list})`);
    }
    if (allowed.length === 0) comments.push('none: every outbound connection alerts');
    items.push({
      value: {
        rule: `Charter ${app}/${name}: outbound connection not in charter`,
        desc: `Container ${name} (application ${app}) connected to a port or address its charter does not declare.`,
        condition: `charter_outbound and ${macro}${allowed.length > 0 ? ` and not (${allowed.join(' or ')})` : ''}`,
        output: `Outbound connection not in the charter of ${app}/${name} (connection=%fd.name proto=%fd.l4proto exepath=%proc.exepath cmdline=%proc.cmdline ${CONTEXT_OUTPUT})`,
        priority: 'WARNING',
        exceptions: [{ name: 'allowed_destinations', fields: ['fd.sip', 'fd.sport'], comps: ['=', '='] }],
        tags: tags('network', NETWORK_PATTERNS),
      },
      comment: comments.join('\n'),
    });
  }

  // Writes.
  if (!c.filesystem.readOnlyRoot.value) {
    say('emit.enforcer.writable-root', 'its root filesystem is writable by the charter: no write rule', 'info');
  } else {
    const writable = c.filesystem.writable
      .filter((w) => w.readOnly !== true)
      .sort((a, b) => compareStrings(a.path, b.path) || compareJson(a, b));
    const paths = values(
      writable.map((w) => w.path),
      'writable path',
    );
    const list = `${prefix}_writable`;
    if (paths.length > 0) {
      items.push({
        value: { list, items: paths },
        comment: [
          'paths its charter makes writable',
          ...writable.map((w) => `${commentText(w.path)} (${w.kind}): ${commentText(provenance(w.sources))}`),
        ].join('\n'),
      });
    }
    items.push({
      value: {
        rule: `Charter ${app}/${name}: write outside writable paths`,
        desc: `Container ${name} (application ${app}) opened a file for writing outside the paths its charter makes writable.`,
        condition: `charter_open_write and ${macro}${paths.length > 0 ? ` and not fd.name pmatch (${list})` : ''}`,
        output: `Write outside the writable paths of ${app}/${name} (file=%fd.name exepath=%proc.exepath cmdline=%proc.cmdline ${CONTEXT_OUTPUT})`,
        priority: 'WARNING',
        exceptions: [{ name: 'runtime_files', fields: 'fd.name', comps: 'pmatch', values: ['/dev', '/proc'] }],
        tags: tags('filesystem', WRITE_PATTERNS),
      },
      comment: `read-only root (${commentText(provenance(c.filesystem.readOnlyRoot.sources))}); files under /dev and /proc belong to the runtime and the kernel`,
    });
  }
  return items;
}

function render(items: Item[], header: string): string {
  const doc = new Document(items.map((i) => i.value));
  doc.commentBefore = header
    .split('\n')
    .map((l) => ` ${l}`)
    .join('\n');
  if (isSeq(doc.contents)) {
    doc.contents.items.forEach((node, i) => {
      const comment = items[i]?.comment;
      if (comment !== undefined && isMap(node)) {
        node.commentBefore = comment
          .split('\n')
          .map((l) => ` ${commentText(l)}`)
          .join('\n');
      }
    });
  }
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

export function emitFalcoRules(charter: Charter, opts: EmitOptions): EmitResult {
  const ctx: Ctx = { warnings: [], used: new Set() };
  const items = [...sharedItems(), ...selectContainers(charter, opts).flatMap((c) => containerItems(c, charter, opts, ctx))];
  const header = [
    `Falco rules compiled from the charter of ${commentText(charter.metadata.name)} by ${commentText(charter.metadata.generator)}.`,
    "Load beside Falco's own rules: falco -r falco_rules.yaml -r THIS_FILE. Each rule alerts on what the charter does not allow.",
  ].join('\n');
  const seen = new Set<string>();
  const warnings = ctx.warnings.filter((w) => {
    const k = `${w.code}\n${w.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
  return { files: [{ name: FILE, content: render(items, header) }], warnings: sortDiagnostics(warnings) };
}
