/**
 * The one directory walker of `charter profile` and `charter scan`. It lists regular files below a
 * root with one set of limits (src/pipeline/limits.ts) and never opens anything:
 *
 * - symlinks are not followed (a link can point anywhere on the machine, or at itself);
 * - FIFOs, sockets and devices are refused from their directory entry (an info diagnostic);
 * - version-control directories are never walked; dependency, build and hidden directories are
 *   walked last and only when asked (`dependencies: true`, for the file analyzers), and what is
 *   found there is marked so it is never taken for a manifest;
 * - the number of entries, the depth and the wall-clock time are bounded: reaching a bound stops
 *   (or prunes) the walk with a warning naming where.
 *
 * So both commands see the same source files, in the same (sorted) order.
 */
import type { Dirent } from 'node:fs';
import { lstat, opendir } from 'node:fs/promises';
import path from 'node:path';
import { errorMessage } from '../model/errors.js';
import type { Diagnostic } from '../model/charter.js';
import { VCS_DIRS, WALK_LIMITS, isDependencyDir, type WalkLimits } from './limits.js';

export interface WalkedFile {
  /** Absolute path, for opening. */
  abs: string;
  /** `/`-separated, relative to the root. */
  rel: string;
  size: number;
  mode: number;
  /** Below a dependency, build or hidden directory: for file analyzers only, never a manifest. */
  dependency: boolean;
}

export interface WalkOptions {
  /** Also walk dependency, build and hidden directories (after everything else). */
  dependencies?: boolean;
  limits?: Partial<WalkLimits>;
  /** Milliseconds clock, injected by tests. */
  now?: () => number;
}

export interface Walk {
  files: WalkedFile[];
  diagnostics: Diagnostic[];
}

interface Pending {
  dir: string;
  depth: number;
  dependency: boolean;
}

function kindOf(e: Dirent): string | undefined {
  if (e.isFIFO()) return 'a FIFO';
  if (e.isSocket()) return 'a socket';
  if (e.isBlockDevice() || e.isCharacterDevice()) return 'a device';
  return undefined;
}

/**
 * A directory's entries, at most `max`: streamed, so a directory of millions of entries costs no
 * more than the limit allows (the rest are never listed).
 */
async function list(dir: string, max: number): Promise<Dirent[]> {
  const out: Dirent[] = [];
  // Leaving the loop early closes the directory handle.
  for await (const e of await opendir(dir, { bufferSize: 256 })) {
    out.push(e);
    if (out.length >= max) break;
  }
  return out;
}

const byName = (a: Dirent, b: Dirent): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Lists the regular files below `root`, sorted by relative path. */
export async function walkTree(root: string, opts: WalkOptions = {}): Promise<Walk> {
  const limits = { ...WALK_LIMITS, ...opts.limits };
  const now = opts.now ?? Date.now;
  const started = now();
  const files: WalkedFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const relOf = (abs: string): string => path.relative(root, abs).split(path.sep).join('/') || '.';
  // Depth first through the source tree; dependency trees wait until it is done.
  const stack: Pending[] = [{ dir: root, depth: 0, dependency: false }];
  const deferred: Pending[] = [];
  const tooDeep: string[] = [];
  let entries = 0;

  walk: while (stack.length > 0 || deferred.length > 0) {
    const next = stack.pop() ?? (deferred.shift() as Pending);
    if (now() - started > limits.maxWalkMs) {
      diagnostics.push({
        code: 'walk/timeout',
        severity: 'warning',
        message: `listing took over ${limits.maxWalkMs} ms; ${relOf(next.dir)} and what was still to list were not read`,
        file: relOf(root),
      });
      break;
    }
    let listed: Dirent[];
    try {
      listed = await list(next.dir, limits.maxEntries - entries + 1);
    } catch (err) {
      diagnostics.push({
        code: 'walk/unreadable',
        severity: 'warning',
        message: `directory not read: ${errorMessage(err)}`,
        file: relOf(next.dir),
      });
      continue;
    }
    // Reverse order on the stack, so directories are taken in name order.
    listed.sort(byName);
    const regular: string[] = [];
    const subdirs: Pending[] = [];
    for (const e of listed) {
      if (++entries > limits.maxEntries) {
        diagnostics.push({
          code: 'walk/too-many-files',
          severity: 'warning',
          message: `more than ${limits.maxEntries} entries; the rest were not read`,
          file: relOf(root),
        });
        await addFiles(regular, next.dependency);
        break walk;
      }
      const abs = path.join(next.dir, e.name);
      if (e.isDirectory()) {
        if (VCS_DIRS.has(e.name)) continue;
        if (next.depth + 1 > limits.maxDepth) {
          tooDeep.push(relOf(abs));
          continue;
        }
        const dependency = next.dependency || isDependencyDir(e.name);
        const pending = { dir: abs, depth: next.depth + 1, dependency };
        if (dependency && !next.dependency) {
          if (opts.dependencies) deferred.push(pending);
        } else subdirs.push(pending);
      } else if (e.isFile()) {
        regular.push(abs);
      } else {
        const kind = kindOf(e);
        if (kind) diagnostics.push({ code: 'walk/not-regular', severity: 'info', message: `${kind}; not read`, file: relOf(abs) });
        // Symlinks: not followed, silently (they are common and say nothing about intent).
      }
    }
    await addFiles(regular, next.dependency);
    for (const d of subdirs.reverse()) stack.push(d);
  }

  if (tooDeep.length > 0) {
    diagnostics.push({
      code: 'walk/too-deep',
      severity: 'warning',
      message: `${tooDeep.length} director${tooDeep.length === 1 ? 'y is' : 'ies are'} more than ${limits.maxDepth} levels deep; not read (first: ${tooDeep[0] ?? ''})`,
      file: relOf(root),
    });
  }
  files.sort((a, b) => (a.rel < b.rel ? -1 : a.rel > b.rel ? 1 : 0));
  return { files, diagnostics };

  /** Size and mode of a directory's files, looked up together (lstat: a link is never followed). */
  async function addFiles(paths: readonly string[], dependency: boolean): Promise<void> {
    const infos = await Promise.all(paths.map((p) => lstat(p).catch(() => undefined)));
    paths.forEach((abs, i) => {
      const info = infos[i];
      // Gone, or replaced by something else since it was listed: not a file of this walk.
      if (!info?.isFile()) return;
      files.push({ abs, rel: relOf(abs), size: info.size, mode: info.mode, dependency });
    });
  }
}
