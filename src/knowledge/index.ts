/**
 * The knowledge base: roles (what a known component legitimately does), the image catalogue
 * (peers a known application image connects to on its own) and syscall groups. The data lives in
 * the JSON files beside this module, each entry with a cited source; this module validates it and
 * answers "which entries apply to this image / package / executable".
 *
 * The JSON files are imported (not read from disk) so that `tsc` emits them next to the compiled
 * module and the same code works from `src/` under vitest and from `dist/`.
 */
import { parseImageRef } from '../util/image-ref.js';
import rolesFile from './roles.json' with { type: 'json' };
import imagesFile from './images.json' with { type: 'json' };
import syscallGroupsFile from './syscall-groups.json' with { type: 'json' };
import {
  ImagesFileSchema,
  RolesFileSchema,
  SyscallGroupsFileSchema,
  type ImageCatalogueEntry,
  type KnowledgeBase,
  type RoleEntry,
} from './schema.js';

export type { ImageCatalogueEntry, KnowledgeBase, RoleEntry, SyscallGroup } from './schema.js';

/**
 * System calls no group may ever contain: they are how a process leaves its container or takes the
 * kernel over (mounts, namespaces, modules, tracing other processes, BPF, keyrings, clocks, swap,
 * reboot). A profile that needs one of them is not something the knowledge base may grant.
 */
export const FORBIDDEN_SYSCALLS: readonly string[] = [
  'acct',
  'add_key',
  'bpf',
  'clock_adjtime',
  'clock_settime',
  'delete_module',
  'finit_module',
  'fsconfig',
  'fsmount',
  'fsopen',
  'fspick',
  'init_module',
  'kexec_file_load',
  'kexec_load',
  'keyctl',
  'lookup_dcookie',
  'mount',
  'mount_setattr',
  'move_mount',
  'name_to_handle_at',
  'open_by_handle_at',
  'open_tree',
  'perf_event_open',
  'pivot_root',
  'process_vm_readv',
  'process_vm_writev',
  'ptrace',
  'quotactl',
  'reboot',
  'request_key',
  'setns',
  'settimeofday',
  'swapoff',
  'swapon',
  'syslog',
  'umount2',
  'unshare',
  'userfaultfd',
];

/** The raw contents of the three data files, before validation. */
export interface KnowledgeFiles {
  roles: unknown;
  images: unknown;
  syscallGroups: unknown;
}

/** Raised when the shipped data files are inconsistent: a build defect, not a user error. */
export class KnowledgeError extends Error {
  override readonly name: string = 'KnowledgeError';
  constructor(readonly problems: readonly string[]) {
    super(`knowledge base is invalid:\n  ${problems.join('\n  ')}`);
  }
}

/**
 * Validates the three files and their cross-references, collecting every problem before throwing:
 * schema errors, duplicate ids, unknown syscall groups, non-https sources, forbidden syscalls.
 */
export function parseKnowledge(files: KnowledgeFiles): KnowledgeBase {
  const problems: string[] = [];
  const parsed = {
    roles: RolesFileSchema.safeParse(files.roles),
    images: ImagesFileSchema.safeParse(files.images),
    syscallGroups: SyscallGroupsFileSchema.safeParse(files.syscallGroups),
  };
  for (const [file, result] of Object.entries(parsed)) {
    if (result.success) continue;
    for (const issue of result.error.issues) problems.push(`${file}: /${issue.path.join('/')}: ${issue.message}`);
  }
  if (!parsed.roles.success || !parsed.images.success || !parsed.syscallGroups.success) throw new KnowledgeError(problems);

  const kb: KnowledgeBase = {
    version: [parsed.roles.data.version, parsed.images.data.version, parsed.syscallGroups.data.version].join('.'),
    roles: parsed.roles.data.roles,
    images: parsed.images.data.images,
    syscallGroups: parsed.syscallGroups.data.syscallGroups,
  };
  problems.push(...checkKnowledge(kb));
  if (problems.length > 0) throw new KnowledgeError(problems);
  return kb;
}

/** Cross-reference checks on an already schema-valid knowledge base; returns the problems found. */
export function checkKnowledge(kb: KnowledgeBase): string[] {
  const problems: string[] = [];
  const duplicates = (kind: string, ids: readonly string[]): void => {
    const seen = new Set<string>();
    for (const id of ids) {
      if (seen.has(id)) problems.push(`${kind} id ${id} is not unique`);
      seen.add(id);
    }
  };
  duplicates(
    'role',
    kb.roles.map((r) => r.id),
  );
  duplicates(
    'image',
    kb.images.map((i) => i.id),
  );
  duplicates(
    'syscall group',
    kb.syscallGroups.map((g) => g.id),
  );

  const groupIds = new Set(kb.syscallGroups.map((g) => g.id));
  const forbidden = new Set(FORBIDDEN_SYSCALLS);
  const https = (what: string, source: string): void => {
    if (!/^https:\/\/[^/\s]+\.[^/\s]+\//.test(source)) problems.push(`${what}: source ${source} is not an https URL`);
  };
  for (const r of kb.roles) {
    https(`role ${r.id}`, r.source);
    for (const g of r.syscallGroups) if (!groupIds.has(g)) problems.push(`role ${r.id}: unknown syscall group ${g}`);
    if (r.match.images.length + r.match.packages.length + r.match.executables.length === 0) problems.push(`role ${r.id}: matches nothing`);
  }
  for (const i of kb.images) https(`image ${i.id}`, i.source);
  for (const g of kb.syscallGroups) {
    https(`syscall group ${g.id}`, g.source);
    for (const s of g.syscalls) if (forbidden.has(s)) problems.push(`syscall group ${g.id}: ${s} is forbidden in every group`);
  }
  return problems;
}

let loaded: KnowledgeBase | undefined;

/** The shipped knowledge base, validated once per process. */
export function loadKnowledge(): KnowledgeBase {
  loaded ??= parseKnowledge({ roles: rolesFile, images: imagesFile, syscallGroups: syscallGroupsFile });
  return loaded;
}

/**
 * The repository path of an image reference, the form catalogue names are written in:
 * registry host (a first component with '.' or ':' or equal to `localhost`), `library/`, tag and
 * digest are removed, and the result is lower-cased.
 *
 * @example normaliseImageRef('docker.io/library/postgres:15-alpine') // 'postgres'
 * @example normaliseImageRef('registry.istio.io/release/examples-bookinfo-ratings-v1:1.20.3') // 'release/examples-bookinfo-ratings-v1'
 */
export function normaliseImageRef(ref: string): string {
  return parseImageRef(ref).repository;
}

/** Image names of a role or catalogue entry, normalised once per entry: a 5,000-container profile asks for each of them per container. */
const normalisedImages = new WeakMap<RoleEntry | ImageCatalogueEntry, string[]>();

function entryImages(entry: RoleEntry | ImageCatalogueEntry): string[] {
  let names = normalisedImages.get(entry);
  if (!names) {
    names = entry.match.images.map(normaliseImageRef).filter((n) => n !== '');
    normalisedImages.set(entry, names);
  }
  return names;
}

/** True when the normalised repository path is the (normalised) catalogue name or ends with `/name`. */
function imageMatches(path: string, n: string): boolean {
  return path === n || path.endsWith(`/${n}`);
}

export interface RoleQuery {
  imageRef?: string;
  packages?: readonly string[];
  executables?: readonly string[];
}

export interface RoleMatch {
  role: RoleEntry;
  via: 'image' | 'package' | 'executable';
  /** The image path, package name or executable basename that matched. */
  value: string;
}

/**
 * Every role the query matches, once per (role, via, value), in knowledge-base order and then
 * image, package, executable. Executables may be given as paths; their basename is compared.
 */
export function matchRoles(kb: KnowledgeBase, query: RoleQuery): RoleMatch[] {
  const path = query.imageRef !== undefined ? normaliseImageRef(query.imageRef) : '';
  const packages = new Set(query.packages ?? []);
  const executables = new Set((query.executables ?? []).map((e) => e.slice(e.lastIndexOf('/') + 1)));
  const out: RoleMatch[] = [];
  for (const role of kb.roles) {
    if (path !== '' && entryImages(role).some((name) => imageMatches(path, name))) out.push({ role, via: 'image', value: path });
    for (const p of role.match.packages) if (packages.has(p)) out.push({ role, via: 'package', value: p });
    for (const e of role.match.executables) if (executables.has(e)) out.push({ role, via: 'executable', value: e });
  }
  return out;
}

/** Catalogue entries for an image reference (usually zero or one). */
export function matchImageCatalogue(kb: KnowledgeBase, imageRef: string): ImageCatalogueEntry[] {
  const path = normaliseImageRef(imageRef);
  if (path === '') return [];
  return kb.images.filter((entry) => entryImages(entry).some((name) => imageMatches(path, name)));
}
