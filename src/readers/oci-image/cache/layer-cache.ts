/**
 * Per-layer analysis cache, as Trivy keeps one: a layer analysed once (for one analyzer version
 * and one set of limits) is never decompressed again, whichever image it appears in.
 *
 * Trust: the key's layer digest is the one the manifest names, and the manifest itself is
 * verified against its digest before any layer is looked up. An entry is stored only after the
 * layer's blob digest (and diff_id) were verified, so a hit stands for "this exact blob was read
 * and checked before". The blob is not read again on a hit, so a blob corrupted in a later
 * archive under the same digest is not noticed; reading with `cache: false` checks everything.
 */
import type { LayerAnalysis, LayerCacheKey } from './layer-analysis.js';

export type { LayerAnalysis, LayerCacheKey } from './layer-analysis.js';

export interface LayerCache {
  /** The analysis stored under `key`, or undefined (absent, unreadable, corrupt, another version). */
  get(key: LayerCacheKey): Promise<LayerAnalysis | undefined>;
  /** Store an analysis; best effort: a cache that cannot write never fails a read. */
  put(key: LayerCacheKey, value: LayerAnalysis): Promise<void>;
}

/** One string per key, for maps and file names. */
export const keyId = (key: LayerCacheKey): string => `${key.layer}|${key.analyzer}|${key.limits}`;

/** An in-memory cache (tests, one process reading many images). Values are copied in and out. */
export class MemoryLayerCache implements LayerCache {
  readonly entries = new Map<string, LayerAnalysis>();
  gets = 0;
  hits = 0;
  puts = 0;

  get(key: LayerCacheKey): Promise<LayerAnalysis | undefined> {
    this.gets++;
    const v = this.entries.get(keyId(key));
    if (v) this.hits++;
    return Promise.resolve(v ? structuredClone(v) : undefined);
  }

  put(key: LayerCacheKey, value: LayerAnalysis): Promise<void> {
    this.puts++;
    this.entries.set(keyId(key), structuredClone(value));
    return Promise.resolve();
  }
}
