/** Public types of the image reader. */
import type { LayerCache } from './cache/layer-cache.js';
import type { Finding } from '../../model/findings.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { Component, Ecosystem, OsRelease } from '../../model/components.js';
import type { ImageFileIndex, ReaderResult } from '../../model/fragments.js';

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
  /**
   * Largest file kept in memory for a file analyzer (package databases, manifests …); each
   * analyzer's own `maxBytes` applies too. (Named for its first use, kept for cache-key stability.)
   */
  maxPackageDbBytes: number;
}

export const DEFAULT_LIMITS: ImageLimits = {
  maxTotalBytes: 16 * 1024 ** 3,
  maxFileBytes: 1024 ** 3,
  maxEntries: 1_000_000,
  maxPaxHeaderBytes: 1024 ** 2,
  maxJsonBytes: 16 * 1024 ** 2,
  // Official Node.js executables (~100 MB) are read whole by the node-binary analyzer.
  maxPackageDbBytes: 128 * 1024 ** 2,
};

export interface ImageLayer {
  /** Digest of the blob as stored (compressed, for compressed layers). */
  digest: string;
  /** Digest of the uncompressed tar (config `rootfs.diff_ids`). */
  diffId: string;
  size: number;
  mediaType: string;
}

export type PackageEcosystem = Ecosystem;

/** A component in the shape the profile's package list uses (derived from `ImageFacts.components`). */
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
  /** Config `os` (`linux`, `windows`): the platform; the distribution is `os` below. */
  platformOs: string;
  architecture: string;
  config: ImageRunConfig;
  /** `created_by` of each history entry, oldest first. */
  history: string[];
  layers: ImageLayer[];
  files: ImageFileIndex;
  /** One per component, for the profile's role detection. */
  packages: ImagePackage[];
  /** Installed packages and runtimes in the final file system, sorted, one per purl and declaring file. */
  components: Component[];
  /** What file analyzers found in any layer (history: a file deleted later is still in the image). */
  findings: Finding[];
  /** From the final /etc/os-release or /usr/lib/os-release. */
  os?: OsRelease;
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
  /**
   * File analyzers run over every layer. Default: the registry's table (src/inventory/registry.ts);
   * `[]` lists no components or findings (and is cached under its own key).
   */
  analyzers?: readonly FileAnalyzer[];
}
