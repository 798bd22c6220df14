/**
 * The image's merged file tree: layers applied in order with OCI whiteouts, and path resolution
 * that follows symlinks inside the image root only (`..` at the root stays at the root, absolute
 * link targets are relative to the image root), the way the kernel resolves them in a container.
 */
import type { LayerAnalysis, LayerDiagnostic } from './cache/layer-analysis.js';
import type { ImageFile } from '../../model/fragments.js';
import { isDir, isRegular, isSymlink } from './layers.js';

/**
 * Apply one layer to the tree below it: hardlinks to lower files take their target's facts, then
 * the layer's whiteouts remove lower paths, then its entries are set (later entries win).
 * Returns the problems only stacking can find (a hardlink whose target is not below).
 */
export function applyLayer(tree: Map<string, ImageFile>, layer: LayerAnalysis): LayerDiagnostic[] {
  const problems: LayerDiagnostic[] = [];
  const added = new Map<string, ImageFile>();
  for (const f of layer.files) added.set(f.path, f);
  for (const [path, target] of layer.lowerLinks) {
    const t = tree.get(target);
    if (t && isRegular(t)) {
      // A hardlink shares its target's inode: same content, same mode.
      added.set(path, { ...t, path, layer: layer.layer });
    } else {
      problems.push({
        code: 'image-hardlink-missing',
        severity: 'warning',
        message: `layer ${layer.layer}: hardlink ${path} → ${target}: no such regular file before it`,
      });
    }
  }
  const removed = new Set(layer.whiteouts);
  const opaque = new Set(layer.opaque);
  // A non-directory that replaces a lower directory hides everything below it.
  for (const [path, f] of added) {
    const lower = tree.get(path);
    if (lower && isDir(lower) && !isDir(f)) removed.add(path);
  }
  if (removed.size > 0 || opaque.size > 0) {
    for (const path of tree.keys()) {
      if (removed.has(path)) {
        tree.delete(path);
        continue;
      }
      for (let i = path.lastIndexOf('/'); i > 0; i = path.lastIndexOf('/', i - 1)) {
        const dir = path.slice(0, i);
        if (removed.has(dir) || opaque.has(dir)) {
          tree.delete(path);
          break;
        }
      }
      // Opaque root: everything below `/` from lower layers goes.
      if (opaque.has('/')) tree.delete(path);
    }
  }
  for (const [path, f] of added) tree.set(path, f);
  return problems;
}

export interface Resolved {
  /** Absolute real path (all symlinks followed). */
  path: string;
  file?: ImageFile;
  /** Symlinks followed on the way. */
  via: string[];
  /** A `..` climbed above the root and was clamped there. */
  clamped: boolean;
  loop: boolean;
}

const MAX_LINKS = 40;

export class ImageTree {
  private dirs: Set<string> | undefined;

  constructor(readonly files: ReadonlyMap<string, ImageFile>) {}

  /** Directories implied by deeper paths (layers may omit directory entries). */
  isDirectory(path: string): boolean {
    if (path === '/') return true;
    const f = this.files.get(path);
    if (f) return isDir(f);
    if (!this.dirs) {
      this.dirs = new Set();
      for (const p of this.files.keys()) {
        for (let i = p.lastIndexOf('/'); i > 0; i = p.lastIndexOf('/', i - 1)) {
          const d = p.slice(0, i);
          if (this.dirs.has(d)) break;
          this.dirs.add(d);
        }
      }
    }
    return this.dirs.has(path);
  }

  /** Resolve `path` (absolute, or relative to `cwd`) following every symlink. */
  resolve(path: string, cwd = '/'): Resolved {
    const start = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
    const queue = start.split('/').filter((p) => p !== '' && p !== '.');
    const current: string[] = [];
    const via: string[] = [];
    let clamped = false;
    let hops = 0;
    while (queue.length > 0) {
      const comp = queue.shift() as string;
      if (comp === '.' || comp === '') continue;
      if (comp === '..') {
        if (current.length === 0) clamped = true;
        else current.pop();
        continue;
      }
      const candidate = `/${[...current, comp].join('/')}`;
      const f = this.files.get(candidate);
      if (f && isSymlink(f) && f.linkTarget !== undefined) {
        if (++hops > MAX_LINKS) return { path: candidate, via, clamped, loop: true };
        via.push(candidate);
        const target = f.linkTarget.split('/').filter((p) => p !== '' && p !== '.');
        if (f.linkTarget.startsWith('/')) current.length = 0;
        queue.unshift(...target);
        continue;
      }
      current.push(comp);
    }
    const real = `/${current.join('/')}`;
    const file = this.files.get(real);
    return { path: real, ...(file ? { file } : {}), via, clamped, loop: false };
  }

  /** Symlinks whose relative target climbs above the image root (resolved clamped, never outside). */
  escapingSymlinks(): string[] {
    const out: string[] = [];
    for (const [path, f] of this.files) {
      if (!isSymlink(f) || f.linkTarget === undefined || f.linkTarget.startsWith('/')) continue;
      let depth = path.split('/').length - 2; // directory depth of the link itself
      for (const p of f.linkTarget.split('/')) {
        if (p === '..') depth--;
        else if (p !== '' && p !== '.') depth++;
        if (depth < 0) {
          out.push(path);
          break;
        }
      }
    }
    return out.sort();
  }

  /** An executable regular file at `path` after resolution. */
  executable(path: string, cwd?: string): Resolved | undefined {
    const r = this.resolve(path, cwd);
    return r.file && isRegular(r.file) ? r : undefined;
  }
}

export const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/** `command` as the runtime would find it: with a slash it is a path, else it is looked up in PATH. */
export function lookupCommand(tree: ImageTree, command: string, pathVar: string, cwd: string): Resolved | undefined {
  if (command.includes('/')) return tree.executable(command, cwd);
  let fallback: Resolved | undefined;
  for (const dir of pathVar.split(':')) {
    if (dir === '') continue;
    const r = tree.executable(`${dir}/${command}`, cwd);
    if (!r?.file) continue;
    if (r.file.mode & 0o111) return r;
    fallback ??= r;
  }
  return fallback;
}
