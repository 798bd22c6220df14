// Test helper: a layer cache that counts the hits of another, to show a warm read decompressed nothing.
import type { LayerAnalysis, LayerCache, LayerCacheKey } from '../readers/oci-image/cache/layer-cache.js';

export class CountingLayerCache implements LayerCache {
  hits = 0;
  readonly #inner: LayerCache;

  constructor(inner: LayerCache) {
    this.#inner = inner;
  }

  async get(key: LayerCacheKey): Promise<LayerAnalysis | undefined> {
    const v = await this.#inner.get(key);
    if (v) this.hits++;
    return v;
  }

  put(key: LayerCacheKey, value: LayerAnalysis): Promise<void> {
    return this.#inner.put(key, value);
  }
}
