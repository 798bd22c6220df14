/**
 * The container image reader: reads an image opened at the edge (an OCI layout directory, an
 * oci-archive or docker-archive tarball, or a local podman image, as a {@link OpenedImage} blob
 * source; src/pipeline/image.ts opens them) without extracting it, and returns the image's facts
 * plus one ContainerFragment with provenance (layer digest + path) on every rule.
 *
 * @example
 *   const { image, containers } = await readImage('oci-archive:api.tar'); // src/pipeline/image.ts
 *   console.log(image.ref, containers[0]?.processes[0]?.path);
 */
import { createHash } from 'node:crypto';
import { defaultLayerCache } from './cache/fs-layer-cache.js';
import type { LayerAnalysis, LayerCache, LayerCacheKey } from './cache/layer-cache.js';
import { InputError } from '../../model/errors.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import { FILE_ANALYZERS, analyzerKey } from '../../inventory/registry.js';
import { RangeHasher, type OpenedImage } from './sources/index.js';
import type { Diagnostic } from '../../model/charter.js';
import { emptyResult } from '../../model/fragments.js';
import { compareStrings } from '../../util/sort.js';
import { CAPPED_CODE, DiagnosticCap, cappedMessage } from './diagnostic-cap.js';
import { ImageTree, LayerStack } from './filesystem.js';
import { buildFragment } from './fragment.js';
import { stackInventory, type LayerAnalyses } from './inventory.js';
import { LAYER_ANALYZER_VERSION, layerPathChars, scanLayer, type ImageTotals } from './layers.js';
import { loadDockerArchive, loadOciLayout } from './manifest.js';
import type { ImageConfig } from './schema.js';
import { DEFAULT_LIMITS, type ImageLimits, type ImageReadResult, type ReadImageOptions } from './types.js';
import { type ImageFacts, type ImagePackage, type ImageRunConfig } from '../../model/image.js';

export type * from './types.js';
export { DEFAULT_LIMITS } from './types.js';
export { LAYER_ANALYZER_VERSION } from './layers.js';

/** Bumped whenever the output changes (cache keys). */
export const OCI_IMAGE_READER_VERSION = '1';

function runConfig(c: ImageConfig['config']): ImageRunConfig {
  const out: ImageRunConfig = {};
  if (!c) return out;
  if (c.Entrypoint) out.Entrypoint = c.Entrypoint;
  if (c.Cmd) out.Cmd = c.Cmd;
  if (c.User) out.User = c.User;
  if (c.ExposedPorts) out.ExposedPorts = Object.keys(c.ExposedPorts).sort(compareStrings);
  if (c.Env) out.Env = c.Env;
  if (c.Volumes) out.Volumes = Object.keys(c.Volumes).sort(compareStrings);
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Healthcheck) {
    const h = c.Healthcheck;
    out.Healthcheck = {
      ...(h.Test ? { Test: h.Test } : {}),
      ...(h.Interval != null ? { Interval: h.Interval } : {}),
      ...(h.Timeout != null ? { Timeout: h.Timeout } : {}),
      ...(h.Retries != null ? { Retries: h.Retries } : {}),
      ...(h.StartPeriod != null ? { StartPeriod: h.StartPeriod } : {}),
    };
  }
  return out;
}

/** Layers read at once: two keeps both cores busy (inflate on the pool, the walk on this thread). */
const LAYER_CONCURRENCY = 2;

/** Short hash of the limits, part of each layer cache key (limits change what a layer yields). */
export function limitsHash(limits: ImageLimits): string {
  const keys = Object.keys(limits).sort(compareStrings) as (keyof ImageLimits)[];
  const canonical = JSON.stringify(keys.map((k) => [k, limits[k]]));
  return createHash('sha256').update(canonical).digest('hex').slice(0, 16);
}

/**
 * The `analyzer` part of a layer cache key: the layer scan's version plus every file analyzer's
 * `type@version`, since what a layer yields depends on the analyzers run over it.
 */
export function layerCacheAnalyzer(analyzers: readonly FileAnalyzer[] = FILE_ANALYZERS): string {
  return `${LAYER_ANALYZER_VERSION}+${analyzerKey(analyzers)}`;
}

/** A cache that fails to read is a miss: the cache may speed a read up, never break it. */
async function cachedAnalysis(cache: LayerCache, key: LayerCacheKey, diffId: string): Promise<LayerAnalysis | undefined> {
  try {
    const hit = await cache.get(key);
    // Same blob read under another config's diff_id claim: read it again, so the claim is checked.
    return hit && hit.layer === key.layer && hit.diffId === diffId ? hit : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Read an image opened at the edge; `spec` is how the user named it (`oci:DIR`,
 * `oci-archive:PATH`, `docker-archive:PATH`, `podman:NAME`), for messages. The caller closes it.
 *
 * Layers found in the cache (`opts.cache`, by default the file-system cache of
 * {@link defaultLayerCache}; `false` for none) are not read at all; the others are read, verified
 * and stored. Results are the same either way.
 */
export async function readOpenedImage(opened: OpenedImage, spec: string, opts: ReadImageOptions = {}): Promise<ImageReadResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const cache = opts.cache === false ? undefined : (opts.cache ?? defaultLayerCache());
  const cacheLimits = limitsHash(limits);
  const analyzers = opts.analyzers ?? FILE_ANALYZERS;
  const cacheAnalyzer = layerCacheAnalyzer(analyzers);
  const parsed = opened.spec;
  const hasher = new RangeHasher();
  try {
    const source = opened.source;
    const loaded = opened.layout === 'oci' ? await loadOciLayout(source, limits) : await loadDockerArchive(source, limits);
    const ref = loaded.ref ?? (parsed.transport === 'podman' ? parsed.target : spec);
    const diagnostics: Diagnostic[] = [];
    const stack = new LayerStack();
    const shebangArgs = new Map<string, string[]>();
    const layerAnalyses: LayerAnalyses[] = [];
    const stores: Promise<void>[] = [];
    const totals: ImageTotals = { bytes: 0, entries: 0, pathChars: 0 };
    const total = loaded.layers.reduce((n, l) => n + l.size, 0);
    // The layer blobs together may not be larger than what the image may unpack to.
    if (total > limits.maxTotalBytes) {
      throw new InputError(`${spec}: the layer blobs total ${total} bytes, over the limit of ${limits.maxTotalBytes}`, spec);
    }
    let done = 0;
    opts.onProgress?.(0, total);
    const progress = (n: number): void => {
      done += n;
      opts.onProgress?.(done, total);
    };
    const analyse = async (layer: (typeof loaded.layers)[number]): Promise<LayerAnalysis> => {
      const key: LayerCacheKey = { layer: layer.digest, analyzer: cacheAnalyzer, limits: cacheLimits };
      const hit = cache ? await cachedAnalysis(cache, key, layer.diffId) : undefined;
      if (hit) {
        // The limits hold over all layers, cached or not.
        totals.entries += hit.entries;
        totals.bytes += hit.bytes;
        totals.pathChars += layerPathChars(hit);
        if (totals.pathChars > limits.maxPathChars) {
          throw new InputError(`layer ${layer.digest}: the image's paths and link targets exceed ${limits.maxPathChars} characters`, spec);
        }
        if (totals.entries > limits.maxEntries) {
          throw new InputError(`layer ${layer.digest}: more than ${limits.maxEntries} entries`, spec);
        }
        if (totals.bytes > limits.maxTotalBytes) {
          throw new InputError(`layer ${layer.digest}: uncompressed size exceeds the limit of ${limits.maxTotalBytes} bytes`, spec);
        }
        progress(layer.size);
        return hit;
      }
      const analysis = await scanLayer(source, layer, { display: spec, limits, totals, hasher, progress, analyzers });
      // Written while other layers are read; a failed write only costs a later re-read.
      if (cache) stores.push(cache.put(key, analysis).catch(() => undefined));
      return analysis;
    };

    // A layer's analysis does not depend on the layers below, so layers are read a few at a time
    // (inflate runs on the thread pool) and stacked in order as they finish.
    const running: Promise<LayerAnalysis>[] = [];
    const launch = (i: number): void => {
      const layer = loaded.layers[i];
      if (!layer) return;
      const p = analyse(layer);
      // Awaited in order below; until then a rejection must not count as unhandled.
      p.catch(() => undefined);
      running[i] = p;
    };
    for (let i = 0; i < LAYER_CONCURRENCY; i++) launch(i);
    try {
      for (let i = 0; i < loaded.layers.length; i++) {
        const analysis = await (running[i] as Promise<LayerAnalysis>);
        launch(i + LAYER_CONCURRENCY);
        for (const d of analysis.diagnostics) diagnostics.push({ ...d, file: spec });
        for (const d of stack.apply(analysis)) diagnostics.push({ ...d, file: spec });
        for (const [k, v] of analysis.shebangArgs) shebangArgs.set(k, v);
        layerAnalyses.push({ layer: analysis.layer, analyses: analysis.analyses });
      }
    } catch (err) {
      // Let layers still being read settle before their source and hasher are closed.
      await Promise.allSettled(running);
      throw err;
    }
    await Promise.all(stores);

    const files = new Map([...stack.files().entries()].sort((a, b) => compareStrings(a[0], b[0])));
    const imageTree = new ImageTree(files);
    const inventory = stackInventory(layerAnalyses, imageTree);
    const packages: ImagePackage[] = inventory.components.map((c) => ({
      ecosystem: c.ecosystem,
      name: c.name,
      version: c.version,
      layer: c.layer ?? '',
      path: c.path ?? '',
    }));
    packages.sort((a, b) => compareStrings(a.ecosystem, b.ecosystem) || compareStrings(a.name, b.name) || compareStrings(a.path, b.path));
    for (const link of imageTree.escapingSymlinks()) {
      diagnostics.push({
        code: 'image-symlink-escapes',
        severity: 'warning',
        message: `symlink ${link} → ${files.get(link)?.linkTarget ?? ''} climbs above the image root; it is resolved inside the image only`,
        file: spec,
      });
    }

    const facts: ImageFacts = {
      ref,
      digest: loaded.digest,
      configDigest: loaded.configDigest,
      platformOs: loaded.config.os,
      architecture: loaded.config.architecture,
      config: runConfig(loaded.config.config),
      history: (loaded.config.history ?? []).map((h) => h.created_by ?? ''),
      layers: loaded.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType })),
      files,
      packages,
      components: inventory.components,
      findings: inventory.findings,
      ...(inventory.os ? { os: inventory.os } : {}),
    };
    const fragment = buildFragment({ facts, tree: imageTree, shebangArgs, diagnostics, display: spec });
    fragment.files = files;
    const result = emptyResult();
    result.containers.push(fragment);
    // One image, however hostile, tells each problem a hundred times at most (and how many more).
    const capped = new DiagnosticCap<Diagnostic>((code, dropped) => ({
      code: CAPPED_CODE,
      severity: 'info',
      message: cappedMessage(code, dropped),
      file: spec,
    }));
    for (const d of diagnostics) capped.add(d);
    result.diagnostics = capped.result();
    return { ...result, image: facts };
  } finally {
    await hasher.close();
  }
}
