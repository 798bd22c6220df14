/**
 * A second, cold pass over an image's layers that keeps the *contents* of an application's
 * source files (so code analysis can read them), without extracting anything. It reuses the
 * layer walker (`scanLayer`, digests verified as in {@link readImage}) with one collecting file
 * analyzer, and stacks the layers with the same whiteout rules (`LayerStack`), so a file a later
 * layer deletes or replaces is never handed out. The layer cache is not used: it holds facts,
 * not contents.
 */
import { InputError } from '../../model/errors.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import { RangeHasher, type OpenedImage } from './sources/index.js';
import { LayerStack } from './filesystem.js';
import { isRegular, isSymlink, scanLayer } from './layers.js';
import { loadDockerArchive, loadOciLayout } from './manifest.js';
import { DEFAULT_LIMITS, type ImageLimits } from './types.js';

export interface AppFilesOptions {
  /** Bytes of file contents kept at most (over it: collection stops, `truncated` says why). */
  maxBytes?: number;
  /** Files kept at most. */
  maxFiles?: number;
  /** Extra root-relative paths kept whatever their extension (an entry script without `.js`). */
  extraPaths?: readonly string[];
  limits?: Partial<ImageLimits>;
}

export interface AppFiles {
  /** Contents by path relative to `root`, as `memoryAppFs` takes them. */
  files: Record<string, Uint8Array>;
  /** Symlinks under `root`: relative path → target as stored in the image. */
  links: Record<string, string>;
  /** Set when a limit stopped collection: the analysis may miss files. */
  truncated?: string;
  /** Regular files the pass could not hand out (same-layer hardlinks): named so nothing is silently lost. */
  missing: string[];
}

export const APP_FILES_DEFAULTS = { maxBytes: 256 * 1024 * 1024, maxFiles: 100_000 } as const;

/** What Node.js loads as code or data: modules, JSON (package.json included) and native addons. */
const APP_FILE = /\.(js|mjs|cjs|json|node)$/;

/** `/app/` for `/app`, `/` for `/`: the prefix every collected path starts with. */
function dirPrefix(root: string): string {
  const r = `/${root
    .split('/')
    .filter((p) => p !== '' && p !== '.')
    .join('/')}`;
  return r === '/' ? '/' : `${r}/`;
}

/**
 * Collect the regular files under `root` (absolute, in the image) that Node.js may load, and the
 * symlinks under it, from an image opened at the edge (`spec`: its name, for messages), after all
 * whiteouts. The caller closes the image.
 */
export async function collectImageAppFiles(opened: OpenedImage, spec: string, root: string, opts: AppFilesOptions = {}): Promise<AppFiles> {
  if (root.split('/').includes('..')) throw new InputError(`app root ${root} has a .. component`, spec);
  const maxBytes = opts.maxBytes ?? APP_FILES_DEFAULTS.maxBytes;
  const maxFiles = opts.maxFiles ?? APP_FILES_DEFAULTS.maxFiles;
  const prefix = dirPrefix(root);
  const extra = new Set((opts.extraPaths ?? []).map((p) => `${prefix}${p.replace(/^\.?\//, '')}`));
  const limits: ImageLimits = { ...DEFAULT_LIMITS, ...opts.limits, maxPackageDbBytes: maxBytes };
  const wanted = (path: string): boolean => path.startsWith(prefix) && (APP_FILE.test(path) || extra.has(path));

  // Contents by layer and path: the stacked tree says which layer's copy of a path survives.
  const bodies = new Map<string, Uint8Array>();
  const bodyKey = (layer: string, path: string): string => `${layer}\0${path}`;
  let bytes = 0;
  let count = 0;
  let truncated: string | undefined;
  const collector: FileAnalyzer = {
    type: 'app-files',
    version: '1',
    maxBytes,
    required(path, info) {
      if (truncated !== undefined || !wanted(path)) return false;
      // Counted when asked for, so memory stays bounded even for copies later layers replace.
      if (count + 1 > maxFiles) truncated = `more than ${maxFiles} application files under ${root}`;
      else if (bytes + info.size > maxBytes) truncated = `application files under ${root} exceed ${maxBytes} bytes`;
      if (truncated !== undefined) return false;
      count++;
      bytes += info.size;
      return true;
    },
    analyze(path, content, layer) {
      bodies.set(bodyKey(layer, path), content);
      return {};
    },
  };

  const hasher = new RangeHasher();
  try {
    const loaded = opened.layout === 'oci' ? await loadOciLayout(opened.source, limits) : await loadDockerArchive(opened.source, limits);
    const stack = new LayerStack();
    const totals = { bytes: 0, entries: 0, pathChars: 0 };
    for (const layer of loaded.layers) {
      const analysis = await scanLayer(opened.source, layer, {
        display: spec,
        limits,
        totals,
        hasher,
        progress: () => undefined,
        analyzers: [collector],
      });
      // A hardlink to a lower file shares its contents (same inode).
      for (const [path, target] of analysis.lowerLinks) {
        const t = stack.get(target);
        const body = t ? bodies.get(bodyKey(t.layer, target)) : undefined;
        if (body && wanted(path)) bodies.set(bodyKey(layer.digest, path), body);
      }
      stack.apply(analysis);
    }
    const out: AppFiles = { files: {}, links: {}, missing: [] };
    for (const [path, f] of [...stack.files()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
      if (!path.startsWith(prefix)) continue;
      const rel = path.slice(prefix.length);
      if (isSymlink(f) && f.linkTarget !== undefined) {
        out.links[rel] = f.linkTarget;
        continue;
      }
      if (!isRegular(f) || !wanted(path)) continue;
      const body = bodies.get(bodyKey(f.layer, path));
      if (body) out.files[rel] = body;
      else if (f.size === 0) out.files[rel] = new Uint8Array(0);
      else if (truncated === undefined) out.missing.push(path);
    }
    if (truncated !== undefined) out.truncated = truncated;
    return out;
  } finally {
    await hasher.close();
  }
}
