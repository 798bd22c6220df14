/**
 * The Node.js API → Linux syscall map: for each API id (see src/nodejs/types.ts), the x86_64
 * syscalls the API makes beyond the runtime floor (the file's `floorGroups`: `node-floor`, the
 * measured floor of a Node.js program; node18-floor for Node.js 18), with a cited source. One data file per Node.js major; scripts/node-syscalls/generate.mjs checks
 * every entry it has a snippet for against `strace -f` of the real runtime.
 *
 * The JSON is imported (not read from disk) so that `tsc` emits it beside the compiled module.
 */
import { z } from 'zod';
import node18File from './node18.json' with { type: 'json' };
import node20File from './node20.json' with { type: 'json' };

/** One entry of the API → syscall map. */
export interface ApiSyscalls {
  api: string;
  /** x86_64 names (libseccomp names). */
  syscalls: string[];
  /** Where the set comes from: libuv/Node source files, man pages, and the strace check that confirms it. */
  source: string;
}

const SyscallName = z.string().regex(/^[a-z0-9_]+$/);

export const ApiSyscallsSchema = z
  .object({
    api: z.string().regex(/^[a-z_][a-z0-9_/]*\.(\*|[A-Za-z_$][\w$.#]*)$/),
    syscalls: z.array(SyscallName),
    source: z.string().regex(/^https:\/\/[^/\s]+\.[^/\s]+\//, 'source must start with an https URL'),
  })
  .strict();

export const NodeSyscallFileSchema = z
  .object({
    version: z.string(),
    /** The Node.js major the file describes. */
    node: z.string().regex(/^\d+$/),
    libuv: z.string(),
    /** The syscall groups every entry is counted beyond (entries never repeat their names). */
    floorGroups: z.array(z.string()).min(1),
    /** The runtime, libc and tracing conditions the entries were checked with. */
    measuredWith: z.string(),
    entries: z.array(ApiSyscallsSchema),
  })
  .strict();
export type NodeSyscallFile = z.infer<typeof NodeSyscallFileSchema>;

export interface NodeSyscallMap {
  version: string;
  /** The Node.js major of the data file that answered (may differ from the one asked for). */
  node: string;
  /**
   * The syscall groups (src/knowledge/syscall-groups.json) the entries are counted beyond: a
   * profile for a Node.js app is runc-bootstrap ∪ these groups ∪ the entries of the APIs it uses.
   */
  floorGroups: string[];
  entries: Map<string, ApiSyscalls>;
}

/** Raised when a shipped map file is invalid: a build defect, not a user error. */
export class NodeSyscallMapError extends Error {
  override readonly name: string = 'NodeSyscallMapError';
  constructor(readonly problems: readonly string[]) {
    super(`Node.js syscall map is invalid:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * The shipped files by Node.js major: 18 as Debian bookworm packages it (system libuv 1.44, whose
 * event loop waits with epoll_wait; its floor is node18-floor), 20 as the official build.
 */
const FILES: ReadonlyMap<number, unknown> = new Map<number, unknown>([
  [18, node18File],
  [20, node20File],
]);
const DEFAULT_MAJOR = 20;

/**
 * Validates a map file: schema, unique ids, sorted duplicate-free syscall lists. Collects every
 * problem before throwing.
 */
export function parseNodeSyscallMap(raw: unknown): NodeSyscallMap {
  const parsed = NodeSyscallFileSchema.safeParse(raw);
  if (!parsed.success) throw new NodeSyscallMapError(parsed.error.issues.map((i) => `/${i.path.join('/')}: ${i.message}`));
  const problems: string[] = [];
  const entries = new Map<string, ApiSyscalls>();
  for (const e of parsed.data.entries) {
    if (entries.has(e.api)) problems.push(`${e.api}: duplicate entry`);
    const sorted = [...new Set(e.syscalls)].sort();
    if (sorted.join(',') !== e.syscalls.join(',')) problems.push(`${e.api}: syscalls must be sorted and unique`);
    entries.set(e.api, { api: e.api, syscalls: sorted, source: e.source });
  }
  if (problems.length > 0) throw new NodeSyscallMapError(problems);
  return { version: parsed.data.version, node: parsed.data.node, floorGroups: [...parsed.data.floorGroups], entries };
}

const cache = new Map<number, NodeSyscallMap>();

/**
 * The map for a Node.js major: its own file when one ships, else the closest older one (else the
 * oldest), so that `map.node` tells which major answered. Validated once per process.
 *
 * @example loadNodeSyscallMap(20).entries.get('fs.watch')?.syscalls // ['getdents64', 'inotify_add_watch', 'inotify_init1', 'inotify_rm_watch']
 */
export function loadNodeSyscallMap(nodeMajor: number = DEFAULT_MAJOR): NodeSyscallMap {
  // A major that is not a number (NaN from a version string that did not parse) gets the default,
  // not the oldest file.
  if (!Number.isFinite(nodeMajor)) nodeMajor = DEFAULT_MAJOR;
  const majors = [...FILES.keys()].sort((a, b) => a - b);
  const older = majors.filter((m) => m <= nodeMajor);
  const major = older.length > 0 ? (older[older.length - 1] ?? DEFAULT_MAJOR) : (majors[0] ?? DEFAULT_MAJOR);
  let map = cache.get(major);
  if (map === undefined) {
    map = parseNodeSyscallMap(FILES.get(major));
    cache.set(major, map);
  }
  return map;
}

/**
 * The ids asked for an API id, most specific first: `<module>.<export>` then `<module>.*`.
 * `node:` is dropped and `fs.promises.x` is normalised to `fs/promises.x`, as the API-id contract
 * says. Returns [] for something that is not an API id.
 */
export function candidateApiIds(apiId: string): string[] {
  let id = apiId.trim().replace(/^node:/, '');
  if (id.startsWith('fs.promises.')) id = `fs/promises.${id.slice('fs.promises.'.length)}`;
  else if (id === 'fs.promises') id = 'fs/promises.*';
  const dot = id.indexOf('.');
  if (dot <= 0 || dot === id.length - 1) return [];
  const wildcard = `${id.slice(0, dot)}.*`;
  return id === wildcard ? [wildcard] : [id, wildcard];
}

/**
 * The syscalls an API id adds beyond the runtime floor (`map.floorGroups`), and the id whose entry answered
 * (`fs.readFile`, or `fs.*` for an export the map does not list). Undefined for a module the map
 * does not know: the caller must treat that as unknown, not as "nothing".
 */
export function syscallsFor(map: NodeSyscallMap, apiId: string): { syscalls: string[]; entry: string } | undefined {
  for (const id of candidateApiIds(apiId)) {
    const hit = map.entries.get(id);
    if (hit !== undefined) return { syscalls: [...hit.syscalls], entry: id };
  }
  return undefined;
}

/**
 * x86_64 names that aarch64 does not have, with what the same libc call uses there. aarch64 uses
 * the generic syscall table, which has only the *at, *2/*4 and p* forms. An empty list means there
 * is no syscall (arch_prctl; time and friends come from the vDSO).
 */
const AARCH64: Readonly<Record<string, readonly string[]>> = {
  access: ['faccessat'],
  alarm: ['setitimer'],
  arch_prctl: [],
  chmod: ['fchmodat'],
  chown: ['fchownat'],
  creat: ['openat'],
  dup2: ['dup3'],
  epoll_create: ['epoll_create1'],
  epoll_wait: ['epoll_pwait'],
  eventfd: ['eventfd2'],
  fork: ['clone'],
  futimesat: ['utimensat'],
  getdents: ['getdents64'],
  getpgrp: ['getpgid'],
  inotify_init: ['inotify_init1'],
  ioperm: [],
  iopl: [],
  lchown: ['fchownat'],
  link: ['linkat'],
  lstat: ['newfstatat'],
  mkdir: ['mkdirat'],
  mknod: ['mknodat'],
  modify_ldt: [],
  open: ['openat'],
  pause: ['ppoll'],
  pipe: ['pipe2'],
  poll: ['ppoll'],
  readlink: ['readlinkat'],
  rename: ['renameat2'],
  rmdir: ['unlinkat'],
  select: ['pselect6'],
  signalfd: ['signalfd4'],
  stat: ['newfstatat'],
  symlink: ['symlinkat'],
  sysfs: [],
  time: ['clock_gettime'],
  unlink: ['unlinkat'],
  uselib: [],
  ustat: ['statfs'],
  utime: ['utimensat'],
  utimes: ['utimensat'],
  vfork: ['clone'],
};

/** The aarch64 syscalls for one x86_64 name: the name itself when aarch64 has it too. */
export function aarch64Name(x86Name: string): string[] {
  // hasOwn: a name such as `constructor` must not find Object.prototype members.
  const mapped = Object.hasOwn(AARCH64, x86Name) ? AARCH64[x86Name] : undefined;
  return mapped === undefined ? [x86Name] : [...mapped];
}

/** A list of x86_64 names translated to aarch64: sorted, without duplicates. */
export function aarch64Names(x86Names: readonly string[]): string[] {
  return [...new Set(x86Names.flatMap((n) => aarch64Name(n)))].sort();
}
