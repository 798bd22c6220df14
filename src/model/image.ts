/**
 * What the image reader tells about an image (src/readers/oci-image): its config, layers, files,
 * packages and findings. In the model because the Node.js analysis, the profile and the scan all
 * read it, and none of them may import a reader.
 */
import type { Finding } from './findings.js';
import type { Component, Ecosystem, OsRelease } from './components.js';
import type { ImageFileIndex } from './fragments.js';

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
