/** What reading one layer needs: where its blob is, what it must hash to, and the image-wide context. */
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { RangeHasher } from './sources/index.js';
import type { ImageLimits } from './types.js';

export interface LayerPlan {
  /** Digest shown in messages and sources. */
  digest: string;
  member: string;
  mediaType: string;
  /** Expected sha256 of the member's bytes, when known. */
  expectDigest?: string;
  /** Expected sha256 of the uncompressed tar (the config's diff_id), always checked. */
  expectDiffId?: string;
  /** Where the diff_id comes from (config member, index in `/rootfs/diff_ids`), for messages. */
  diffIdAt?: { member: string; index: number };
}

/** What all layers read so far add up to; the image's limits hold for these sums. */
export interface ImageTotals {
  /** Uncompressed tar bytes. */
  bytes: number;
  entries: number;
  /** Characters of the paths and link targets kept (see {@link layerPathChars}). */
  pathChars: number;
}

export interface ScanContext {
  display: string;
  limits: ImageLimits;
  /** Running totals over all layers (the limits hold for the whole image). */
  totals: ImageTotals;
  progress(bytes: number): void;
  /** Hashes large blobs on another thread; absent: hash inline. */
  hasher?: RangeHasher;
  /** File analyzers asked about every regular file (their `type@version` is in the cache key). */
  analyzers: readonly FileAnalyzer[];
}
