/** The analysis' input, options, limits and result types (index.ts runs it). */
import type { ArgLit } from './facts.js';
import type { Location, NodeAnalysis } from '../types.js';
import type { AppFs } from './app-fs.js';
import type { PackageCache } from './package-cache.js';

/** Goes into cache keys: bump when facts would change for the same file. */
export const ANALYZER_VERSION = 'node-analyze/15';

export interface AnalyzeLimits {
  /** Files up to this size are parsed (minified bundles of several MB included). */
  maxParseBytes: number;
  /** Larger files up to this size are only scanned as text; beyond it, nothing is read. */
  maxScanBytes: number;
  /** Modules analysed at most (a bound on hostile dependency trees). */
  maxFiles: number;
  /** Installed packages listed at most (for unreached packages). */
  maxPackages: number;
}

export const DEFAULT_LIMITS: AnalyzeLimits = {
  maxParseBytes: 20 * 1024 * 1024,
  maxScanBytes: 64 * 1024 * 1024,
  maxFiles: 50_000,
  maxPackages: 20_000,
};

export interface AnalyzeInput {
  /** Shown in the result (the app's directory or the image path it came from). */
  root: string;
  /** Entry files relative to the root (from the image's CMD/ENTRYPOINT); else package.json decides. */
  entry?: string[];
  fs: AppFs;
}

export interface AnalyzeOptions {
  cache?: PackageCache;
  limits?: Partial<AnalyzeLimits>;
  /** Built-in module names of the Node.js that runs the app (default: this process's). */
  builtinModules?: readonly string[];
}

/** A `.listen(…)` call on an object the analyzer could not type (`app.listen(3000)`): a likely port. */
export interface ListenCandidate {
  at: Location;
  port?: number;
  host?: string;
  /** The environment variable the port is read from, when written `process.env.X || 3000`. */
  env?: string;
  phase: 'startup' | 'serving';
}

/**
 * A call that opens a known client (knowledge/node-syscalls/network-clients.json): a database,
 * metrics or HTTP client, or a database file. Its arguments as far as they are literal; a path
 * relative to the calling module (`path.join(__dirname, 'x')`) is already relative to the root.
 */
export interface ClientCall {
  package: string;
  /** The export called (`Pool`, `createConnection`; `''` for the module itself). */
  call: string;
  at: Location;
  args: ArgLit[];
}

export interface NodeAppAnalysis extends NodeAnalysis {
  listenCandidates: ListenCandidate[];
  clientCalls: ClientCall[];
  stats: { modules: number; parsed: number; fromCache: number; bytesRead: number };
}
