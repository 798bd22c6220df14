/**
 * The one set of limits for walking a directory target, shared by `charter profile` and
 * `charter scan` (both walk with src/pipeline/walk.ts). Every limit is a named constant with the
 * reason for its value; a walk that reaches one stops or skips with a diagnostic naming the path.
 */

/**
 * Directory entries looked at, over the whole walk (files, directories, links and others). Large
 * enough for an application with its installed node_modules; bounds memory (one small record per
 * regular file) and the time spent listing a tree that is not an application.
 */
export const MAX_WALK_ENTRIES = 500_000;

/**
 * Directory levels below the target. Real trees (nested node_modules included) stay well below;
 * deeper ones are generated or hostile, and path lengths near the OS limit make every call fail.
 */
export const MAX_WALK_DEPTH = 100;

/**
 * Largest file read whole for a file analyzer. Official Node.js executables (~100 MB) are read by
 * the node-binary analyzer; the same bound as the image reader's per-file limit.
 */
export const MAX_FILE_BYTES = 128 * 1024 * 1024;

/** Manifests larger than this are not hand-written intent; parsing them would only cost memory. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

/** Bytes of a file the readers' `matches` sees: enough for `apiVersion`/`kind`/`services` near the top. */
export const HEAD_BYTES = 4096;

/**
 * Wall-clock time a walk may take (listing only, not reading). A tree on a slow or hung network
 * file system must not stall a run: the walk stops and says what it did not list.
 */
export const MAX_WALK_MS = 60_000;

export interface WalkLimits {
  maxEntries: number;
  maxDepth: number;
  maxFileBytes: number;
  maxManifestBytes: number;
  maxWalkMs: number;
}

export const WALK_LIMITS: WalkLimits = {
  maxEntries: MAX_WALK_ENTRIES,
  maxDepth: MAX_WALK_DEPTH,
  maxFileBytes: MAX_FILE_BYTES,
  maxManifestBytes: MAX_MANIFEST_BYTES,
  maxWalkMs: MAX_WALK_MS,
};

/** Version-control data: history, not the tree. Never walked. */
export const VCS_DIRS: ReadonlySet<string> = new Set(['.git', '.hg', '.svn']);

/**
 * Installed dependencies and build output: never deployment intent, so never searched for
 * manifests. They are walked only when file analyzers ask for them (`charter scan` inventories
 * `node_modules/**\/package.json`). Hidden directories (`.cache`, `.venv` …) are treated the same.
 */
export const DEPENDENCY_DIRS: ReadonlySet<string> = new Set(['node_modules', 'vendor', '__pycache__', '.venv', 'dist', 'build', 'target']);

export function isDependencyDir(name: string): boolean {
  return DEPENDENCY_DIRS.has(name) || name.startsWith('.');
}
