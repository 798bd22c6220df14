/** Public types of the image reader. */
import type { LayerCache } from '../../cache/layer-cache.js';
import type { ImageFileIndex, ReaderResult } from '../types.js';

export interface ImageLimits {
  /** Total uncompressed bytes of all layer tars. */
  maxTotalBytes: number;
  /** Largest single file that is hashed (executables, package databases). */
  maxFileBytes: number;
  /** Tar entries over all layers. */
  maxEntries: number;
  /** Largest pax extended header or GNU long name. */
  maxPaxHeaderBytes: number;
  /** Largest JSON document (index, manifest, config). */
  maxJsonBytes: number;
  /** Largest package database file kept in memory for parsing. */
  maxPackageDbBytes: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxTotalBytes: 16 * 1024 ** 3,
  maxFileBytes: 1024 ** 3,
  maxEntries: 1_000_000,
  maxPaxHeaderBytes: 1024 ** 2,
  maxJsonBytes: 16 * 1024 ** 2,
  maxPackageDbBytes: 64 * 1024 ** 2,
};

export interface ImageLayer {
  /** Digest of the blob as stored (compressed, for compressed layers). */
  digest: string;
  /** Digest of the uncompressed tar (config `rootfs.diff_ids`). */
  diffId: string;
  size: number;
  mediaType: string;
}

export type PackageEcosystem = 'deb' | 'apk' | 'npm';

export interface ImagePackage {
  ecosystem: PackageEcosystem;
  name: string;
  version: string;
  /** Digest of the layer that holds the database file. */
  layer: string;
  /** Absolute path of the database file in the image. */
  path: string;
}

export interface ImageRunConfig {
  Entrypoint?: string[];
  Cmd?: string[];
  User?: string;
  ExposedPorts?: string[];
  Env?: string[];
  Volumes?: string[];
  WorkingDir?: string;
  Labels?: Record<string, string>;
  StopSignal?: string;
  Healthcheck?: { Test?: string[]; Interval?: number; Timeout?: number; Retries?: number; StartPeriod?: number };
}

export interface ImageFacts {
  ref: string;
  /** Manifest digest; for docker-archive (which has no manifest) the config digest, i.e. the image ID. */
  digest: string;
  configDigest: string;
  os: string;
  architecture: string;
  config: ImageRunConfig;
  /** `created_by` of each history entry, oldest first. */
  history: string[];
  layers: ImageLayer[];
  files: ImageFileIndex;
  packages: ImagePackage[];
}

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
}
