/**
 * What analysing one image layer yields, independent of the layers below it, and its compact
 * on-disk encoding. A layer's analysis is a pure function of the layer's bytes, the analyzer
 * version and the limits, so it can be cached by (layer digest, analyzer version, limits hash).
 *
 * The encoding is columnar JSON: the Debian base layer of a Node.js image has ~9,400 entries,
 * mostly non-executable, so per-file objects would repeat every key 9,400 times. Paths, modes and
 * sizes are three arrays; the rare facts (hashes, link targets, executable kind, interpreter) are
 * sparse `[index, value]` pairs. Facts derivable from others (`setuid`/`setgid` from `mode`,
 * `layer` from the entry's key) are not stored. Decoding validates with zod: a cache file is
 * foreign input like any other.
 */
import { z } from 'zod';
import type { Finding } from '../../../model/findings.js';
import type { Component, OsRelease } from '../../../model/components.js';
import type { ImageFile } from '../../../model/fragments.js';
import { ComponentSchema, FindingSchema, OsReleaseSchema, asComponent, asFinding, asOsRelease } from './analyzer-output-schema.js';
import { isDiagnosticCode, type DiagnosticCode } from '../../../model/diagnostics.js';

/** What one file analyzer found in one file of the layer (kept only when it found something). */
export interface LayerFileAnalysis {
  /** Absolute path of the file in the image. */
  path: string;
  /** The analyzer's `type`. */
  analyzer: string;
  components?: Component[];
  findings?: Finding[];
  os?: OsRelease;
}

export interface LayerDiagnostic {
  code: DiagnosticCode;
  severity: 'error' | 'warning' | 'info';
  message: string;
}

export interface LayerAnalysis {
  /** The layer's blob digest (compressed, for compressed layers); every file's `layer`. */
  layer: string;
  /** sha256 of the uncompressed tar, as verified when the layer was read. */
  diffId: string;
  /** Files, directories and links this layer adds or replaces (after its own later duplicates). */
  files: ImageFile[];
  /** Paths removed by `.wh.<name>` entries. */
  whiteouts: string[];
  /** Directories made opaque by `.wh..wh..opq`. */
  opaque: string[];
  /**
   * Hardlinks to a file of a lower layer: [path, target path]. `files` holds an empty placeholder
   * for each; stacking the layers replaces it with the target's facts when the target exists.
   */
  lowerLinks: [string, string][];
  /**
   * File analyzers' results for this layer's files, in entry order. Whether a result still holds
   * in the image (its file not deleted or replaced by a later layer) is decided when stacking.
   */
  analyses: LayerFileAnalysis[];
  /** Arguments after the interpreter on `#!` lines (`/usr/bin/env node` → `['node']`). */
  shebangArgs: [string, string[]][];
  /** Problems found in the layer (their `file` is the image spec, added by the reader). */
  diagnostics: LayerDiagnostic[];
  /** Tar entries and uncompressed bytes, so limits over all layers hold for cached layers too. */
  entries: number;
  bytes: number;
}

export const LAYER_CACHE_FORMAT = 'charter-layer-cache/2';

const MAX_MODE = 0o177777;
const str = z.string();
const count = z.number().int().nonnegative();
const HEX64 = /^[0-9a-f]{64}$/;

const isUint = (x: unknown): x is number => typeof x === 'number' && Number.isSafeInteger(x) && x >= 0;
const isString = (x: unknown): x is string => typeof x === 'string';

/**
 * A column of thousands of values is checked by one plain loop inside the schema: per-element
 * schemas cost more than the rest of a warm read (tens of milliseconds before the JIT warms up).
 */
const column = <T>(what: string, ok: (x: unknown) => x is T) =>
  z.custom<T[]>((v) => Array.isArray(v) && v.every(ok), { message: `expected an array of ${what}` });
const pairs = <T>(what: string, ok: (x: unknown) => x is T) =>
  column<[number, T]>(`[index, ${what}] pairs`, (x): x is [number, T] => Array.isArray(x) && x.length === 2 && isUint(x[0]) && ok(x[1]));

export const LayerCacheEntrySchema = z
  .object({
    format: z.literal(LAYER_CACHE_FORMAT),
    key: z.object({ layer: str, analyzer: str, limits: str }),
    diffId: str,
    entries: count,
    bytes: count,
    paths: column('strings', isString),
    modes: column('modes', (x): x is number => isUint(x) && x <= MAX_MODE),
    sizes: column('sizes', isUint),
    sha256: pairs('sha256 hex', (x): x is string => typeof x === 'string' && HEX64.test(x)),
    links: pairs('strings', isString),
    exec: pairs('executable kinds', (x): x is 'elf' | 'script' => x === 'elf' || x === 'script'),
    interp: pairs('strings', isString),
    whiteouts: z.array(str),
    opaque: z.array(str),
    lowerLinks: z.array(z.tuple([str, str])),
    analyses: z.array(
      z.strictObject({
        path: str,
        analyzer: str,
        components: z.array(ComponentSchema).optional(),
        findings: z.array(FindingSchema).optional(),
        os: OsReleaseSchema.optional(),
      }),
    ),
    shebang: z.array(z.tuple([str, z.array(str)])),
    diagnostics: z.array(z.object({ code: str.refine(isDiagnosticCode), severity: z.enum(['error', 'warning', 'info']), message: str })),
  })
  .refine((e) => e.modes.length === e.paths.length && e.sizes.length === e.paths.length, 'column lengths differ')
  .refine((e) => [e.sha256, e.links, e.exec, e.interp].every((col) => col.every(([i]) => i < e.paths.length)), 'sparse index out of range');

export type LayerCacheEntry = z.infer<typeof LayerCacheEntrySchema>;

export interface LayerCacheKey {
  /** Layer blob digest as named by the (digest-verified) manifest. */
  layer: string;
  /** Version of the analysis: a new version never reads an older one's entries. */
  analyzer: string;
  /** Hash of the limits the analysis ran under (limits change what is recorded). */
  limits: string;
}

/**
 * The encoding relies on invariants of the analysis (every file belongs to the analysed layer,
 * set-id flags follow the mode); an analysis that breaks them is not encodable and is not cached.
 */
export function encodeLayerAnalysis(key: LayerCacheKey, a: LayerAnalysis): LayerCacheEntry | undefined {
  const n = a.files.length;
  const e: LayerCacheEntry = {
    format: LAYER_CACHE_FORMAT,
    key: { layer: key.layer, analyzer: key.analyzer, limits: key.limits },
    diffId: a.diffId,
    entries: a.entries,
    bytes: a.bytes,
    paths: new Array<string>(n),
    modes: new Array<number>(n),
    sizes: new Array<number>(n),
    sha256: [],
    links: [],
    exec: [],
    interp: [],
    whiteouts: a.whiteouts,
    opaque: a.opaque,
    lowerLinks: a.lowerLinks,
    analyses: a.analyses,
    shebang: a.shebangArgs,
    diagnostics: a.diagnostics,
  };
  if (a.layer !== key.layer) return undefined;
  for (let i = 0; i < n; i++) {
    const f = a.files[i] as ImageFile;
    if (f.layer !== a.layer || f.setuid !== ((f.mode & 0o4000) !== 0) || f.setgid !== ((f.mode & 0o2000) !== 0)) return undefined;
    e.paths[i] = f.path;
    e.modes[i] = f.mode;
    e.sizes[i] = f.size;
    if (f.sha256 !== undefined) e.sha256.push([i, f.sha256]);
    if (f.linkTarget !== undefined) e.links.push([i, f.linkTarget]);
    if (f.executable !== 'none') e.exec.push([i, f.executable]);
    if (f.interpreter !== undefined) e.interp.push([i, f.interpreter]);
  }
  return e;
}

export function decodeLayerAnalysis(e: LayerCacheEntry): LayerAnalysis {
  const layer = e.key.layer;
  const files: ImageFile[] = e.paths.map((path, i) => {
    const mode = e.modes[i] as number;
    return {
      path,
      mode,
      size: e.sizes[i] as number,
      executable: 'none',
      setuid: (mode & 0o4000) !== 0,
      setgid: (mode & 0o2000) !== 0,
      layer,
    };
  });
  for (const [i, v] of e.sha256) (files[i] as ImageFile).sha256 = v;
  for (const [i, v] of e.links) (files[i] as ImageFile).linkTarget = v;
  for (const [i, v] of e.exec) (files[i] as ImageFile).executable = v;
  for (const [i, v] of e.interp) (files[i] as ImageFile).interpreter = v;
  return {
    layer,
    diffId: e.diffId,
    files,
    whiteouts: e.whiteouts,
    opaque: e.opaque,
    lowerLinks: e.lowerLinks,
    analyses: e.analyses.map((r) => ({
      path: r.path,
      analyzer: r.analyzer,
      ...(r.components ? { components: r.components.map(asComponent) } : {}),
      ...(r.findings ? { findings: r.findings.map(asFinding) } : {}),
      ...(r.os ? { os: asOsRelease(r.os) } : {}),
    })),
    shebangArgs: e.shebang,
    diagnostics: e.diagnostics,
    entries: e.entries,
    bytes: e.bytes,
  };
}

/** Whether a decoded entry is the one asked for (a renamed or copied file is not). */
export function entryMatches(e: LayerCacheEntry, key: LayerCacheKey): boolean {
  return e.key.layer === key.layer && e.key.analyzer === key.analyzer && e.key.limits === key.limits;
}
