/**
 * The edge of image targets: an image spec (`oci:DIR`, `oci-archive:PATH`, `docker-archive:PATH`,
 * `podman:NAME`) is opened here, once, and handed to the image reader and, when the image's
 * command runs node, to the `node-app` reader (a second pass over the same opened layers for the
 * app's files). Readers never open paths themselves.
 *
 * @example
 *   const { image, containers } = await readImage('oci-archive:api.tar');
 */
import { defaultCacheDir } from '../readers/oci-image/cache/fs-layer-cache.js';
import { openImage, parseImageSpec, type OpenedImage } from '../readers/oci-image/sources/index.js';
import { memoryAppFs } from '../nodejs/analyze/app-fs.js';
import { FsPackageCache } from '../nodejs/analyze/fs-package-cache.js';
import type { PackageCache } from '../nodejs/analyze/package-cache.js';
import { imageNodeEntry } from '../nodejs/launch.js';
import { nodeAppReader, type NodeAppResult } from '../readers/node-app/index.js';
import { collectImageAppFiles, type AppFiles, type AppFilesOptions } from '../readers/oci-image/app-files.js';
import {
  DEFAULT_LIMITS,
  readOpenedImage,
  type ImageLimits,
  type ImageReadResult,
  type ReadImageOptions,
} from '../readers/oci-image/index.js';
import type { ImageFacts } from '../model/image.js';

export const IMAGE_TRANSPORTS = ['oci-archive:', 'docker-archive:', 'oci:', 'podman:'] as const;

export function isImageSpec(target: string): boolean {
  return IMAGE_TRANSPORTS.some((t) => target.startsWith(t));
}

/** Opens the image named by `spec`, runs `use` on it and closes it (also when `use` fails). */
export async function withImage<T>(
  spec: string,
  limits: Partial<ImageLimits> | undefined,
  use: (opened: OpenedImage) => Promise<T>,
): Promise<T> {
  const opened = await openImage(parseImageSpec(spec), spec, { ...DEFAULT_LIMITS, ...limits });
  try {
    return await use(opened);
  } finally {
    await opened.close();
  }
}

/** Reads the image named by `spec` (see {@link readOpenedImage}). */
export function readImage(spec: string, opts: ReadImageOptions = {}): Promise<ImageReadResult> {
  return withImage(spec, opts.limits, (opened) => readOpenedImage(opened, spec, opts));
}

/** The files under `root` in the image named by `spec` that Node.js may load (see {@link collectImageAppFiles}). */
export function readImageAppFiles(spec: string, root: string, opts: AppFilesOptions = {}): Promise<AppFiles> {
  return withImage(spec, opts.limits, (opened) => collectImageAppFiles(opened, spec, root, opts));
}

export interface ImageNodeOptions extends AppFilesOptions {
  /** Per-package analysis cache (default: the file-system cache under the cache dir). */
  cache?: PackageCache;
}

/**
 * The Node.js app an opened image runs, through the `node-app` reader: undefined when the image's
 * command does not run node.
 */
export async function readOpenedImageNodeApp(
  opened: OpenedImage,
  spec: string,
  facts: ImageFacts,
  opts: ImageNodeOptions = {},
): Promise<NodeAppResult | undefined> {
  const where = imageNodeEntry(facts.config);
  if (!where) return undefined;
  const collected = await collectImageAppFiles(opened, spec, where.root, {
    ...opts,
    extraPaths: [...where.entry, ...(opts.extraPaths ?? [])],
  });
  const root = `${facts.ref}:${where.root}`;
  return nodeAppReader.read({
    path: root,
    root,
    fs: memoryAppFs(collected.files, collected.links),
    cache: opts.cache ?? new FsPackageCache(defaultCacheDir()),
    origin: {
      kind: 'image',
      spec,
      facts,
      where,
      missing: collected.missing,
      ...(collected.truncated !== undefined ? { truncated: collected.truncated } : {}),
    },
  });
}

/** {@link readOpenedImageNodeApp} on the image named by `spec`. */
export function readImageNodeApp(spec: string, facts: ImageFacts, opts: ImageNodeOptions = {}): Promise<NodeAppResult | undefined> {
  return withImage(spec, opts.limits, (opened) => readOpenedImageNodeApp(opened, spec, facts, opts));
}
