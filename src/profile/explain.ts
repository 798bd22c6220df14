/**
 * "Why is this allowed?": finds the rules of a charter that match a query and returns them with
 * their sources. Queries: `syscall:bind`, `cap:NET_BIND_SERVICE`, `port:8080[/tcp]`,
 * `exec:/bin/sh`, `egress:db[:5432]`, `ingress:web`, `path:/data`, `role:postgres`, `privilege:hostNetwork`,
 * or a bare word matched against everything.
 */
import type { Charter, ContainerCharter, Source } from '../model/charter.js';
import { SYSCALL_LAYERS } from '../model/charter.js';
import { containerSyscalls } from './syscalls.js';
import { peerText } from './diff.js';
import { prefixedCapability } from '../util/capabilities.js';

export interface Explanation {
  container: string;
  kind: string;
  subject: string;
  sources: Source[];
}

export interface ExplainResult {
  query: string;
  matches: Explanation[];
}

/** The query kinds `explain` answers (`kind:value`). */
export const EXPLAIN_KINDS = [
  'syscall',
  'cap',
  'capability',
  'port',
  'listen',
  'exec',
  'process',
  'egress',
  'ingress',
  'path',
  'writable',
  'role',
  'privilege',
  'user',
  'image',
] as const;

/** The names an `exec:` query may give for a process rule (kept beside the answer, not in it). */
const programNames = new WeakMap<Explanation, { paths: string[]; applets?: string[] }>();

function execNames(p: ContainerCharter['processes'][number]): { paths: string[]; applets?: string[] } {
  return { paths: [p.path, ...(p.invokedAs ?? [])], ...(p.applets ? { applets: p.applets } : {}) };
}

/**
 * Does `exec:value` name this rule? A path it is run by, or a bare name: the basename of such a
 * path, or one of a multi-call file's applets. `exec:nc` and `exec:/bin/nc` find nothing when
 * busybox is allowed as `httpd` only, whatever links to it the image has.
 */
function execMatches(e: Explanation, value: string): boolean {
  const names = programNames.get(e);
  if (!names) return e.subject.split(' ')[0] === value || e.subject.split(' ')[0]?.endsWith(`/${value}`) === true;
  if (value.includes('/')) return names.paths.includes(value);
  return names.applets?.includes(value) === true || names.paths.some((p) => p.endsWith(`/${value}`));
}

function rulesOf(charter: Charter, c: ContainerCharter): Explanation[] {
  const out: Explanation[] = [];
  const push = (kind: string, subject: string, sources: Source[]): void => {
    out.push({ container: c.name, kind, subject, sources });
  };
  if (c.identity.image) push('image', c.identity.image, c.identity.sources);
  if (c.user) push('user', c.user.name, c.user.sources);
  // The evidence is part of the answer: a role known by a name alone (or, with no image read, an image name) says so.
  for (const r of c.roles) push('role', r.evidence ? `${r.id} (evidence: ${r.evidence})` : r.id, r.sources);
  for (const p of c.processes) {
    const applets = p.applets ? ` applets:${p.applets.join(',')}` : '';
    push('exec', `${p.sha256 ? `${p.path} sha256:${p.sha256}` : p.path}${applets}`, p.sources);
    programNames.set(out.at(-1) as Explanation, execNames(p));
  }
  for (const p of c.network.listen) push('listen', `${p.port}/${p.protocol}`, p.sources);
  for (const e of c.network.egress)
    push('egress', `${peerText(e.peer)}${e.port !== undefined ? `:${e.port}` : ''}/${e.protocol}`, e.sources);
  for (const e of c.network.ingress)
    push('ingress', `${peerText(e.peer)}${e.port !== undefined ? `:${e.port}` : ''}/${e.protocol}`, e.sources);
  for (const w of c.filesystem.writable) push('writable', `${w.path}${w.readOnly ? ' (read-only mount)' : ''} [${w.kind}]`, w.sources);
  push('read-only-root', String(c.filesystem.readOnlyRoot.value), c.filesystem.readOnlyRoot.sources);
  for (const cap of c.capabilities) push('capability', cap.name, cap.sources);
  const syscalls = containerSyscalls(charter, c);
  for (const layer of SYSCALL_LAYERS) {
    for (const s of syscalls[layer]) push('syscall', `${s.name} (${layer})`, s.sources);
  }
  for (const [name, flag] of Object.entries(c.privileges)) if (flag) push('privilege', `${name}=${flag.value}`, flag.sources);
  return out;
}

/**
 * Why `query` cannot be answered, or undefined when it can: a known kind needs a value, and ports
 * are numbers (with an optional protocol). Free text without a known kind is a substring search.
 */
export function queryProblem(query: string): string | undefined {
  if (query.trim() === '')
    return 'empty query: give e.g. syscall:bind, exec:/bin/sh, egress:db:5432, cap:NET_BIND_SERVICE, port:8080, path:/data';
  const colon = query.indexOf(':');
  const prefix = colon > 0 ? query.slice(0, colon).toLowerCase() : '';
  if (!(EXPLAIN_KINDS as readonly string[]).includes(prefix)) return undefined;
  const value = query.slice(colon + 1);
  if (value.trim() === '') return `${prefix}: needs a value after the colon`;
  if (prefix === 'port' || prefix === 'listen') {
    const m = /^(\d{1,5})(?:\/(tcp|udp|sctp))?$/.exec(value);
    if (!m || Number(m[1]) < 1 || Number(m[1]) > 65535) return `${prefix}: expected a port number 1-65535, optionally /tcp, /udp or /sctp`;
  }
  return undefined;
}

function matcher(query: string): (e: Explanation) => boolean {
  const colon = query.indexOf(':');
  const prefix = colon > 0 ? query.slice(0, colon).toLowerCase() : '';
  if (!(EXPLAIN_KINDS as readonly string[]).includes(prefix)) {
    const q = query.toLowerCase();
    return (e) => e.subject.toLowerCase().includes(q);
  }
  const value = query.slice(colon + 1);
  switch (prefix) {
    case 'syscall':
      return (e) => e.kind === 'syscall' && e.subject.split(' ')[0] === value;
    case 'cap':
    case 'capability':
      return (e) => e.kind === 'capability' && e.subject === prefixedCapability(value);
    case 'port':
    case 'listen': {
      const [port, proto] = value.split('/');
      return (e) => e.kind === 'listen' && e.subject.split('/')[0] === port && (proto === undefined || e.subject.endsWith(`/${proto}`));
    }
    case 'exec':
    case 'process':
      return (e) => e.kind === 'exec' && execMatches(e, value);
    case 'egress':
    case 'ingress':
      return (e) => e.kind === prefix && (e.subject.startsWith(`${value}:`) || e.subject.startsWith(`${value}/`) || e.subject === value);
    case 'path':
    case 'writable':
      return (e) => e.kind === 'writable' && (e.subject.split(' ')[0] === value || value.startsWith(`${e.subject.split(' ')[0]}/`));
    default:
      return (e) => e.kind === prefix && e.subject.toLowerCase().includes(value.toLowerCase());
  }
}

export function explain(charter: Charter, query: string | undefined, container?: string): ExplainResult {
  const containers = charter.containers.filter((c) => container === undefined || c.name === container);
  const match = query === undefined ? undefined : matcher(query);
  const matches = containers.flatMap((c) => {
    const all = rulesOf(charter, c);
    return match ? all.filter(match) : all;
  });
  return { query: query ?? '', matches };
}

/** `explain` for one container of the charter: a caller can write the answer container by container. */
export function explainContainer(charter: Charter, container: ContainerCharter, query: string | undefined): ExplainResult {
  const all = rulesOf(charter, container);
  return { query: query ?? '', matches: query === undefined ? all : all.filter(matcher(query)) };
}

export function formatSource(s: Source): string {
  const where: string[] = [s.artifact];
  if (s.line !== undefined) where[0] = `${s.artifact}:${s.line}${s.column !== undefined ? `:${s.column}` : ''}`;
  if (s.document !== undefined && s.document > 0) where.push(`document ${s.document}`);
  if (s.pointer) where.push(s.pointer);
  if (s.layer) where.push(`layer ${s.layer.slice(0, 19)}`);
  if (s.path) where.push(s.path);
  if (s.kb) where.push(`[${s.kb}]`);
  if (s.kind === 'learned') where[0] = `learned at run time${s.seen ? ` (${s.seen.count}× from ${s.seen.first} to ${s.seen.last})` : ''}`;
  return `${where.join(' ')} — ${s.reason}`;
}
