/**
 * File analyzers look at files inside image layers (and application directories) while a layer is
 * streamed, Trivy-style: `required` is a cheap test on the path and size so only the files an
 * analyzer needs are ever read, and `analyze` is a pure function of the bytes. Results are kept
 * per layer, so they are cached by (layer digest, analyzer versions).
 */
import type { Component, OsRelease } from './components.js';
import type { DiagnosticCode } from './diagnostics.js';
import type { Finding } from './findings.js';

export interface FileInfo {
  size: number;
  mode: number;
}

export interface AnalyzerOutput {
  components?: Component[];
  findings?: Finding[];
  os?: OsRelease;
  /** Problems with this file (bad syntax …), never fatal. */
  diagnostics?: { code: DiagnosticCode; severity: 'error' | 'warning' | 'info'; message: string }[];
}

export interface FileAnalyzer {
  /** Stable id: `dpkg`, `apk`, `npm`, `python`, `rpm`, `node-binary`, `os-release`, `secrets`, … */
  readonly type: string;
  /** Bumped when output changes: part of the layer cache key. */
  readonly version: string;
  /** Largest file this analyzer reads; bigger ones are skipped with a diagnostic. */
  readonly maxBytes: number;
  required(path: string, info: FileInfo): boolean;
  /** `path` is absolute inside the image, `layer` the digest of the layer holding it. */
  analyze(path: string, content: Uint8Array, layer: string): AnalyzerOutput;
}
