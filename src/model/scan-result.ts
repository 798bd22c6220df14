/** What `charter scan` produces: one shape for every output format and for the policy gate. */
import type { Finding } from './findings.js';
import type { Component, OsRelease } from './components.js';
import type { Diagnostic } from './charter.js';

export const SCAN_SCHEMA = 'charter-scan/v1';

export interface ScannedImage {
  ref: string;
  digest: string;
  configDigest: string;
  os: string;
  architecture: string;
  layers: { digest: string; diffId: string; size: number }[];
}

export interface ScanResult {
  /** The target as given (`oci-archive:app.tar`, `./deploy`, `Dockerfile`). */
  target: string;
  image?: ScannedImage;
  os?: OsRelease;
  /** Sorted by ecosystem, name, version, path. */
  components: Component[];
  /** Sorted by kind, severity (worst first), id, component, location. */
  findings: Finding[];
  /** Problems and things not checked (no vulnerability database, offline registry look-ups …). */
  diagnostics: Diagnostic[];
}
