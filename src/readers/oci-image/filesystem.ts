/**
 * The image's merged file tree: layers applied in order with OCI whiteouts, and path resolution
 * that follows symlinks inside the image root only (`..` at the root stays at the root, absolute
 * link targets are relative to the image root), the way the kernel resolves them in a container.
 */
import type { LayerAnalysis, LayerDiagnostic } from './cache/layer-analysis.js';
import type { ImageFile } from '../../model/fragments.js';
import { isDir, isRegular, isSymlink } from './file-mode.js';
import { MAX_ARG_STRLEN, MAX_SYMLINK_HOPS, PATH_MAX, pathBytes } from './linux-limits.js';

/** A file in the stack, with the position of the layer that set it (0 = the lowest). */
interface Stacked {
  file: ImageFile;
  at: number;
}

/**
 * The layers of an image stacked in order, with OCI whiteouts. A whiteout is not applied by
 * walking the tree (one walk per whiteout layer made hundreds of such layers over a large tree
 * take minutes): it is recorded with its layer's position, and a file is alive unless its path or
 * an ancestor was whited out (an ancestor made opaque) by a layer above the file's own. Lookups
 * check that on the way (a few map lookups per path component); {@link files} drops the dead once.
 */
export class LayerStack {
  private readonly stacked = new Map<string, Stacked>();
  /** Path → position of the last layer that removed it and everything below it. */
  private readonly removed = new Map<string, number>();
  /** Directory → position of the last layer that hid everything below it (`.wh..wh..opq`). */
  private readonly opaque = new Map<string, number>();
  private layers = 0;

  private alive(path: string, s: Stacked): boolean {
    if (this.removed.size === 0 && this.opaque.size === 0) return true;
    if ((this.removed.get(path) ?? -1) > s.at) return false;
    for (let i = path.lastIndexOf('/'); i >= 0; i = i === 0 ? -1 : path.lastIndexOf('/', i - 1)) {
      const dir = i === 0 ? '/' : path.slice(0, i);
      if ((this.removed.get(dir) ?? -1) > s.at || (this.opaque.get(dir) ?? -1) > s.at) return false;
    }
    return true;
  }

  /** The file at `path` in the layers stacked so far. */
  get(path: string): ImageFile | undefined {
    const s = this.stacked.get(path);
    return s && this.alive(path, s) ? s.file : undefined;
  }

  /**
   * Apply one layer: hardlinks to lower files take their target's facts, then the layer's
   * whiteouts remove lower paths, then its entries are set (later entries win). Returns the
   * problems only stacking can find (a hardlink whose target is not below).
   */
  apply(layer: LayerAnalysis): LayerDiagnostic[] {
    const at = this.layers++;
    const problems: LayerDiagnostic[] = [];
    const added = new Map<string, ImageFile>();
    for (const f of layer.files) added.set(f.path, f);
    for (const [path, target] of layer.lowerLinks) {
      const t = this.get(target);
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
    // A non-directory that replaces a lower directory hides everything below it.
    for (const [path, f] of added) {
      const lower = this.get(path);
      if (lower && isDir(lower) && !isDir(f)) this.removed.set(path, at);
    }
    for (const path of layer.whiteouts) this.removed.set(path, at);
    for (const dir of layer.opaque) this.opaque.set(dir, at);
    for (const [path, file] of added) this.stacked.set(path, { file, at });
    return problems;
  }

  /** The image's files after all layers, in no particular order. */
  files(): Map<string, ImageFile> {
    const out = new Map<string, ImageFile>();
    for (const [path, s] of this.stacked) if (this.alive(path, s)) out.set(path, s.file);
    return out;
  }
}

export interface Resolved {
  /** Absolute real path (all symlinks followed). */
  path: string;
  file?: ImageFile;
  /** Symlinks followed on the way. */
  via: string[];
  /** A `..` climbed above the root and was clamped there. */
  clamped: boolean;
  /** More than {@link MAX_SYMLINK_HOPS} symlinks on the way (ELOOP): nothing was found. */
  loop: boolean;
  /** The path, a link target or the path built while following links exceeds PATH_MAX (ENAMETOOLONG): nothing was found. */
  tooLong: boolean;
}

/** Path components, in order (`.` and empty components dropped). */
const components = (p: string): string[] => p.split('/').filter((c) => c !== '' && c !== '.');

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

  /**
   * Resolve `path` (absolute, or relative to `cwd`) following every symlink, as the kernel does:
   * iteratively (the components still to walk are a stack, so no target length reaches the call
   * stack), at most {@link MAX_SYMLINK_HOPS} links, and no path, link target or walked path over
   * {@link PATH_MAX} bytes. Beyond either bound the result has no file and says why.
   */
  resolve(path: string, cwd = '/'): Resolved {
    const start = path.startsWith('/') ? path : `${cwd.replace(/\/$/, '')}/${path}`;
    const via: string[] = [];
    let clamped = false;
    const stop = (at: string, why: 'loop' | 'tooLong'): Resolved => ({
      path: at,
      via,
      clamped,
      loop: why === 'loop',
      tooLong: why === 'tooLong',
    });
    if (pathBytes(start) > PATH_MAX) return stop(start, 'tooLong');
    // Components still to walk, the next one last.
    const pending = components(start).reverse();
    const current: string[] = [];
    let currentBytes = 0;
    let hops = 0;
    for (let comp = pending.pop(); comp !== undefined; comp = pending.pop()) {
      if (comp === '..') {
        if (current.length === 0) clamped = true;
        else currentBytes -= pathBytes(current.pop() as string) + 1;
        continue;
      }
      const candidate = `/${[...current, comp].join('/')}`;
      const f = this.files.get(candidate);
      if (f && isSymlink(f) && f.linkTarget !== undefined) {
        if (++hops > MAX_SYMLINK_HOPS) return stop(candidate, 'loop');
        if (pathBytes(f.linkTarget) > PATH_MAX) return stop(candidate, 'tooLong');
        via.push(candidate);
        if (f.linkTarget.startsWith('/')) {
          current.length = 0;
          currentBytes = 0;
        }
        const target = components(f.linkTarget);
        for (let i = target.length - 1; i >= 0; i--) pending.push(target[i] as string);
        continue;
      }
      current.push(comp);
      currentBytes += pathBytes(comp) + 1;
      if (currentBytes > PATH_MAX) return stop(candidate, 'tooLong');
    }
    const real = `/${current.join('/')}`;
    const file = this.files.get(real);
    return { path: real, ...(file ? { file } : {}), via, clamped, loop: false, tooLong: false };
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
  // A `PATH=…` longer than MAX_ARG_STRLEN cannot reach a process (execve fails with E2BIG), so
  // no more of it is searched; each directory is looked up once.
  const dirs = new Set(pathVar.slice(0, MAX_ARG_STRLEN).split(':'));
  for (const dir of dirs) {
    if (dir === '') continue;
    const r = tree.executable(`${dir}/${command}`, cwd);
    if (!r?.file) continue;
    if (r.file.mode & 0o111) return r;
    fallback ??= r;
  }
  return fallback;
}
