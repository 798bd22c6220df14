/**
 * Streams one layer blob through (optional) gunzip and the tar walker, recording what the layer
 * adds, removes (whiteouts) and what the file analyzers (src/inventory/registry.ts) find in the
 * files they ask for. Nothing is written to disk and no body is buffered except the files an
 * analyzer asked for (each bounded by its `maxBytes`); bodies are hashed only for executables.
 *
 * The result depends on the layer's bytes and the limits only, never on the layers below
 * (hardlinks to lower files are kept as references and resolved when layers are stacked), so it
 * can be cached per layer digest.
 *
 * The parts: layer-stream.ts (bytes: compression, limits, digests), layer-entries.ts (tar entries
 * → files, whiteouts, links), file-sink.ts (one file's body), layer-analyzers.ts (file analyzers).
 */
import type { LayerAnalysis } from './cache/layer-analysis.js';
import { TarWalker, type BlobSource } from './sources/index.js';
import { LayerEntries } from './layer-entries.js';
import type { LayerPlan, ScanContext } from './layer-plan.js';
import { openLayerBlob, streamLayer } from './layer-stream.js';

export { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG, hardlinkPlaceholder, isDir, isRegular, isSymlink } from './file-mode.js';
export { entryPath, layerPathChars, shownName, type EntryPath } from './layer-entries.js';
export type { ImageTotals, LayerPlan, ScanContext } from './layer-plan.js';

/**
 * Version of what {@link scanLayer} records, part of every layer cache key: bump it whenever a
 * layer's analysis changes (new facts, different classification), so old cache entries are unused.
 */
export const LAYER_ANALYZER_VERSION = 'oci-image-layer/3';

/** Read one layer blob and record what it changes; the blob's digest (and diff_id) are verified. */
export async function scanLayer(source: BlobSource, plan: LayerPlan, ctx: ScanContext): Promise<LayerAnalysis> {
  const entries = new LayerEntries({
    layer: plan.digest,
    display: ctx.display,
    limits: ctx.limits,
    totals: ctx.totals,
    analyzers: ctx.analyzers,
  });
  const blob = await openLayerBlob(source, plan, ctx);
  const walker = new TarWalker({ entry: entries.entry }, { maxMetaBytes: ctx.limits.maxPaxHeaderBytes });
  const bytes = await streamLayer(source, plan, ctx, blob, walker);
  return entries.result(plan.expectDiffId ?? '', bytes);
}
