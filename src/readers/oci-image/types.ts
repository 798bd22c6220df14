/** Public types of the image reader. */
import type { LayerCache } from './cache/layer-cache.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { ReaderResult } from '../../model/fragments.js';
import type { ImageFacts } from '../../model/image.js';

export interface ImageLimits {
  /** Total uncompressed bytes of all layer tars (and total size of the layer blobs, checked before reading). */
  maxTotalBytes: number;
  /** Uncompressed bytes of one layer tar (and size of one layer blob): a gzip bomb in one layer stops here. */
  maxLayerBytes: number;
  /** Largest single file that is hashed (executables, package databases). */
  maxFileBytes: number;
  /** Tar entries over all layers. */
  maxEntries: number;
  /** Characters of all the paths and link targets kept for the image (its file index in memory). */
  maxPathChars: number;
  /** Largest pax extended header or GNU long name. */
  maxPaxHeaderBytes: number;
  /** Largest JSON document (index, manifest, config). */
  maxJsonBytes: number;
  /**
   * Largest file kept in memory for a file analyzer (package databases, manifests …); each
   * analyzer's own `maxBytes` applies too. (Named for its first use, kept for cache-key stability.)
   */
  maxPackageDbBytes: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  // Far above real images (the largest common ones unpack to a few GiB), yet bounded: 16 GiB of
  // inflate and hashing is about a minute of CPU, the longest a hostile image can make a read take.
  maxTotalBytes: 16 * 1024 ** 3,
  // Half the image: one layer alone cannot use the whole budget before the others are seen.
  maxLayerBytes: 8 * 1024 ** 3,
  maxFileBytes: 1024 ** 3,
  maxEntries: 1_000_000,
  // A million entries of PATH_MAX names would be 4 GB of strings; real images average well under
  // 100 characters a path, so 1M of them fit in a quarter of this.
  maxPathChars: 256 * 1024 ** 2,
  maxPaxHeaderBytes: 1024 ** 2,
  maxJsonBytes: 16 * 1024 ** 2,
  // Official Node.js executables (~100 MB) are read whole by the node-binary analyzer.
  maxPackageDbBytes: 128 * 1024 ** 2,
};

export type ImageReadResult = ReaderResult & { image: ImageFacts };

export interface ReadImageOptions {
  /** Progress in bytes of layer blobs read, out of the total of all layer blobs. */
  onProgress?: (done: number, total: number) => void;
  limits?: Partial<ImageLimits>;
  /**
   * Per-layer analysis cache. Default: the file-system cache (`$CHARTER_CACHE_DIR`, else
   * `$XDG_CACHE_HOME/charter`, else `~/.cache/charter`); `false`: read every layer.
   */
  cache?: LayerCache | false;
  /**
   * File analyzers run over every layer. Default: the registry's table (src/inventory/registry.ts);
   * `[]` lists no components or findings (and is cached under its own key).
   */
  analyzers?: readonly FileAnalyzer[];
}
