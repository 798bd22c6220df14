/**
 * `charter scan`: one target in, one ScanResult out.
 *
 * - Images (`oci-archive:`, `docker-archive:`, `oci:`, `podman:`): components, OS and analyzer
 *   findings (secrets …) from the layer-streaming reader, plus the image checks.
 * - Directories and manifest files: hygiene checks of every Dockerfile, compose and Kubernetes
 *   file, plus the file analyzers over the tree (installed node_modules, lockfiles …).
 * - Then, for every target: vulnerabilities from the local OSV database (a missing or empty one
 *   is a warning, not an error) and unsafe components (malicious, deprecated, install scripts).
 *
 * Results are sorted, so the same inputs give the same bytes in every format.
 *
 * @example
 *   const result = await scanTarget('oci-archive:app.tar', { offline: true });
 *   const verdict = evaluatePolicy(DEFAULT_POLICY, result.findings, { now: new Date() });
 */
import { lstat } from 'node:fs/promises';
import path from 'node:path';
import { defaultCacheDir } from '../readers/oci-image/cache/fs-layer-cache.js';
import type { LayerCache } from '../readers/oci-image/cache/layer-cache.js';
import { UserError, errorMessage } from '../model/errors.js';
import { checkImage } from '../hygiene/checks/image.js';
import type { Finding } from '../model/findings.js';
import type { FileAnalyzer } from '../model/analyzer.js';
import { preferInstalled } from '../inventory/lang/index.js';
import { FILE_ANALYZERS } from '../inventory/registry.js';
import type { Component, OsRelease } from '../model/components.js';
import { IMAGE_TRANSPORTS, isImageSpec, readImage } from '../pipeline/image.js';
import type { Diagnostic } from '../model/charter.js';
import { defaultVulnDbPath } from '../store/vulns/paths.js';
import { deprecatedFindings, installScriptFindings, maliciousFindings, reclassifyMalicious } from '../hygiene/unsafe/checks.js';
import { lookupDeprecations, resolveNpmRegistry } from '../hygiene/unsafe/npm-registry.js';
import { scanDirectory } from './directory.js';
import { compareComponents, compareDiagnostics, sortFindings } from './sort.js';
import type { ScanResult, ScannedImage } from '../model/scan-result.js';
import { matchVulnerabilities } from './vulns.js';

export type { ScanResult, ScannedImage } from '../model/scan-result.js';
export { SCAN_SCHEMA } from '../model/scan-result.js';

export interface ScanOptions {
  /** The OSV database (default: `$CHARTER_DATA_DIR/vulns.db`, see src/store/vulns/paths.ts). */
  dbPath?: string;
  /** No network: npm deprecations come from the cache only. */
  offline?: boolean;
  /** Read every image layer, ignoring the per-layer cache. */
  noCache?: boolean;
  /** The per-layer cache to use (default: the file-system cache under the cache dir). */
  layerCache?: LayerCache;
  /** Cache root (default `$CHARTER_CACHE_DIR` …); npm look-ups are cached under `npm-deprecations/`. */
  cacheDir?: string;
  /** npm registry for deprecation look-ups; default: npm's configured registry. */
  npmRegistry?: string;
  fetchImpl?: typeof fetch;
  onProgress?: (label: string, done: number, total: number) => void;
  /** File analyzers (default: the registry's table). */
  analyzers?: readonly FileAnalyzer[];
}

interface Collected {
  image?: ScannedImage;
  os?: OsRelease;
  /** FindingLocation.artifact of inventory-based findings. */
  artifact: string;
  components: Component[];
  findings: Finding[];
  diagnostics: Diagnostic[];
}

async function collectImage(target: string, opts: ScanOptions): Promise<Collected> {
  const res = await readImage(target, {
    ...(opts.onProgress ? { onProgress: (d: number, t: number) => opts.onProgress?.(target, d, t) } : {}),
    ...(opts.noCache ? { cache: false as const } : opts.layerCache ? { cache: opts.layerCache } : {}),
    ...(opts.analyzers ? { analyzers: opts.analyzers } : {}),
  });
  const img = res.image;
  const artifact = img.ref;
  // Analyzers name the file inside the image as the artifact; the image is the artifact here.
  const analyzerFindings = img.findings.map((f) => ({ ...f, locations: f.locations.map((l) => ({ ...l, artifact })) }));
  return {
    image: {
      ref: img.ref,
      digest: img.digest,
      configDigest: img.configDigest,
      os: img.platformOs,
      architecture: img.architecture,
      layers: img.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size })),
    },
    ...(img.os ? { os: img.os } : {}),
    artifact,
    // An installed node_modules wins over the lockfile next to it (the same rule as directories).
    components: preferInstalled(img.components),
    findings: [...analyzerFindings, ...checkImage(img)],
    diagnostics: res.diagnostics,
  };
}

async function collectDirectory(target: string, opts: ScanOptions): Promise<Collected> {
  const abs = path.resolve(target);
  await lstat(abs).catch((err: unknown) => {
    throw new UserError(`cannot read target: ${errorMessage(err)}`, target, undefined, undefined, { cause: err });
  });
  const r = await scanDirectory(abs, opts.analyzers ?? FILE_ANALYZERS);
  return { artifact: target, components: r.components, findings: r.findings, diagnostics: r.diagnostics };
}

/** Unsafe components: malicious versions (data file), deprecations (registry, cached), install scripts. */
async function unsafeFindings(
  components: readonly Component[],
  artifact: string,
  opts: ScanOptions,
): Promise<{ findings: Finding[]; diagnostics: Diagnostic[] }> {
  const npm = components.filter((c) => c.ecosystem === 'npm');
  const findings = [...maliciousFindings(npm, artifact), ...installScriptFindings(npm, artifact)];
  if (npm.length === 0) return { findings, diagnostics: [] };
  const registry = opts.offline ? undefined : (opts.npmRegistry ?? (await resolveNpmRegistry()));
  const lookup = await lookupDeprecations(npm, {
    offline: opts.offline ?? false,
    cacheDir: path.join(opts.cacheDir ?? defaultCacheDir(), 'npm-deprecations'),
    ...(registry ? { registry } : {}),
    ...(opts.fetchImpl ? { fetchImpl: opts.fetchImpl } : {}),
  });
  findings.push(...deprecatedFindings(npm, lookup.deprecated, artifact));
  return { findings, diagnostics: lookup.diagnostics.map((d) => ({ ...d, file: d.file || artifact })) };
}

/** Scans one target; throws UserError for a target that cannot be read at all. */
export async function scanTarget(target: string, opts: ScanOptions = {}): Promise<ScanResult> {
  if (/^[a-z-]+:/.test(target) && !isImageSpec(target) && !/^[a-zA-Z]:[\\/]/.test(target)) {
    throw new UserError(`unknown target transport; expected a directory, a file or one of ${IMAGE_TRANSPORTS.join(' ')}`, target);
  }
  const c = isImageSpec(target) ? await collectImage(target, opts) : await collectDirectory(target, opts);
  const vulns = await matchVulnerabilities(opts.dbPath ?? defaultVulnDbPath(), c.components, c.artifact);
  const unsafe = await unsafeFindings(c.components, c.artifact, opts);
  const findings = sortFindings(reclassifyMalicious([...c.findings, ...vulns.findings, ...unsafe.findings]));
  return {
    target,
    ...(c.image ? { image: c.image } : {}),
    ...(c.os ? { os: c.os } : {}),
    components: [...c.components].sort(compareComponents),
    findings,
    diagnostics: [...c.diagnostics, ...vulns.diagnostics, ...unsafe.diagnostics].sort(compareDiagnostics),
  };
}
