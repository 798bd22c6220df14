/**
 * Helpers shared by the emitters: container selection, file-safe names, stable ordering, shell
 * quoting and the one place the `yaml` package is used for output.
 */
import { Document, parseAllDocuments } from 'yaml';
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import { UserError } from '../model/errors.js';
import type { EmitOptions } from './types.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { compareStrings } from '../util/sort.js';

/** Code-point order: unlike `localeCompare`, the same on every machine and locale. */

export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareStrings);
}

/** A stable total order on plain JSON values, for sorting arrays of objects. */
export function compareJson(a: unknown, b: unknown): number {
  return compareStrings(canonicalJson(a), canonicalJson(b));
}

/** JSON with object keys sorted, so equal values always give equal text. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => compareStrings(a, b));
    return Object.fromEntries(entries);
  });
}

/**
 * A container name usable as a file name and inside volume names: Marathon ids (`/shop/web`) and
 * odd characters become `-`.
 */
export function fileSafeName(name: string): string {
  const safe = name
    .replace(/[^A-Za-z0-9_.-]+/g, '-')
    .replace(/^[-.]+/, '')
    .replace(/-+$/, '');
  return safe === '' ? 'container' : safe;
}

/**
 * The containers to emit, in name order. An unknown `--container` is a user error; two containers
 * whose file-safe names collide would overwrite each other's files, so that is one too.
 */
export function selectContainers(charter: Charter, opts: EmitOptions): ContainerCharter[] {
  const all = [...charter.containers].sort((a, b) => compareStrings(a.name, b.name));
  const bySafe = new Map<string, string>();
  for (const c of all) {
    const safe = fileSafeName(c.name);
    const other = bySafe.get(safe);
    if (other !== undefined && other !== c.name) {
      throw new UserError(`containers "${other}" and "${c.name}" would both be written as "${safe}"; rename one`);
    }
    bySafe.set(safe, c.name);
  }
  if (opts.container === undefined) return all;
  const found = all.filter((c) => c.name === opts.container);
  if (found.length === 0) {
    const names = all.map((c) => c.name).join(', ') || '(none)';
    throw new UserError(`no container "${opts.container}" in profile ${charter.metadata.name}; containers: ${names}`);
  }
  return found;
}

export function defaultSeccompPath(container: string): string {
  return `${fileSafeName(container)}.seccomp.json`;
}

export function warning(code: DiagnosticCode, file: string, message: string): Diagnostic {
  return { code, severity: 'warning', message, file };
}

/** What an emitter chose to leave out on purpose, for the user to know (not a defect of the output). */
export function info(code: DiagnosticCode, file: string, message: string): Diagnostic {
  return { code, severity: 'info', message, file };
}

export function sortDiagnostics(diags: Diagnostic[]): Diagnostic[] {
  return [...diags].sort((a, b) => compareStrings(canonicalJson(a), canonicalJson(b)));
}

/** POSIX shell quoting: bare when only safe characters, else single quotes. */
export function shellQuote(arg: string): string {
  if (/^[A-Za-z0-9_\-=.,:/@%+]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export interface ParsedUser {
  uid?: number;
  gid?: number;
  /** True when the user is known not to be root (a non-zero uid, or a name other than `root`). */
  nonRoot: boolean;
  /** True when the user is a name only, so a runtime cannot check its uid without the image. */
  named: boolean;
}

/** `USER` forms: `name`, `uid`, `name:group`, `uid:gid`. */
export function parseUser(spec: string): ParsedUser {
  const [userPart = '', groupPart] = spec.split(':', 2);
  const gid = groupPart !== undefined && /^\d+$/.test(groupPart) ? Number(groupPart) : undefined;
  const withGid = gid !== undefined ? { gid } : {};
  if (/^\d+$/.test(userPart)) {
    const uid = Number(userPart);
    return { uid, ...withGid, nonRoot: uid !== 0, named: false };
  }
  return { ...withGid, nonRoot: userPart !== 'root' && userPart !== '', named: true };
}

/**
 * YAML for Kubernetes objects: no line folding, so long values never wrap differently between
 * versions; `comment` goes above the document.
 */
export function yamlDocument(value: unknown, comment?: string): string {
  const doc = new Document(value);
  if (comment !== undefined && comment !== '')
    doc.commentBefore = comment
      .split('\n')
      .map((l) => ` ${l}`)
      .join('\n');
  return doc.toString({ lineWidth: 0, minContentWidth: 0 });
}

/** Multi-document YAML stream. */
export function yamlStream(docs: string[]): string {
  return docs.map((d, i) => (i === 0 ? d : `---\n${d}`)).join('');
}

/** Parses a YAML stream back to plain values (tests read emitted YAML through here). */
export function parseYamlStream(text: string): unknown[] {
  return parseAllDocuments(text).map((d) => d.toJS() as unknown);
}

/**
 * Whether an emitter closes a container's egress to its declared list. Only a `complete` intent is
 * enforced (or any intent under `strict`): an `unknown` one lists the calls the artifacts name, not
 * all the calls the application makes. A profile written before `egressIntent` existed cannot say
 * its list is complete, so it counts as unknown too, unless it says the container uses no network
 * at all (`network.none`, enforced as no network everywhere).
 */
export function egressEnforced(c: ContainerCharter, opts: EmitOptions): boolean {
  const state = c.network.egressIntent?.state;
  return opts.strict === true || state === 'complete' || (state === undefined && c.network.none);
}

/** Why a container's egress stays open, for the diagnostic that says so. */
export function openEgressReason(c: ContainerCharter): string {
  const intent = c.network.egressIntent;
  if (intent === undefined) return 'the profile does not record whether its egress list is complete (no egressIntent)';
  const why = intent.sources[0]?.reason;
  return `its egress intent is unknown${why !== undefined ? ` (${why})` : ''}`;
}
