/**
 * Streams one layer blob through (optional) gunzip and the tar walker, recording what the layer
 * adds, removes (whiteouts) and what the file analyzers (src/inventory/registry.ts) find in the
 * files they ask for. Nothing is written to disk and no body is buffered except the files an
 * analyzer asked for (each bounded by its `maxBytes`); bodies are hashed only for executables.
 *
 * The result depends on the layer's bytes and the limits only, never on the layers below
 * (hardlinks to lower files are kept as references and resolved when layers are stacked), so it
 * can be cached per layer digest.
 */
import { createHash, type Hash } from 'node:crypto';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { InputError } from '../../model/errors.js';
import type { LayerAnalysis, LayerDiagnostic, LayerFileAnalysis } from './cache/layer-analysis.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { ImageFile } from '../../model/fragments.js';
import { TarFormatError, TarWalker, type RangeHasher, type BlobSource, type BodySink, type TarHeader } from './sources/index.js';
import type { ImageLimits } from './types.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { errorMessage } from '../../model/errors.js';

/**
 * Version of what {@link scanLayer} records, part of every layer cache key: bump it whenever a
 * layer's analysis changes (new facts, different classification), so old cache entries are unused.
 */
export const LAYER_ANALYZER_VERSION = 'oci-image-layer/2';

/** st_mode type bits, so one `mode` field tells files, directories and links apart. */
export const S_IFREG = 0o100000;
export const S_IFDIR = 0o040000;
export const S_IFLNK = 0o120000;
export const S_IFMT = 0o170000;

export const isDir = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFDIR;
export const isSymlink = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFLNK;
export const isRegular = (f: ImageFile): boolean => (f.mode & S_IFMT) === S_IFREG;

export interface LayerPlan {
  /** Digest shown in messages and sources. */
  digest: string;
  member: string;
  mediaType: string;
  /** Expected sha256 of the member's bytes, when known. */
  expectDigest?: string;
  /** Expected sha256 of the uncompressed tar (checked when it costs nothing extra or nothing else checks). */
  expectDiffId?: string;
}

export interface ScanContext {
  display: string;
  limits: ImageLimits;
  /** Running totals over all layers (the limits hold for the whole image). */
  totals: { bytes: number; entries: number };
  progress(bytes: number): void;
  /** Hashes large blobs on another thread; absent: hash inline. */
  hasher?: RangeHasher;
  /** File analyzers asked about every regular file (their `type@version` is in the cache key). */
  analyzers: readonly FileAnalyzer[];
}

/** Below this, starting the hashing thread costs more than it saves. */
const OFFLOAD_HASH_BYTES = 8 << 20;

const HEAD = 256;

export type EntryPath = { ok: true; path: string; absolute: boolean } | { ok: false };

/** `./usr/bin/x` → `/usr/bin/x`; names with `..` components are refused. */
export function entryPath(name: string): EntryPath {
  const parts = name.split('/');
  const out: string[] = [];
  for (const p of parts) {
    if (p === '' || p === '.') continue;
    if (p === '..') return { ok: false };
    out.push(p);
  }
  return { ok: true, path: `/${out.join('/')}`, absolute: name.startsWith('/') };
}

function shebang(head: Buffer): { interpreter: string; args: string[] } | undefined {
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const line = head.toString('utf8', 2, end).trim();
  const words = line.split(/\s+/).filter((w) => w !== '');
  const interpreter = words[0];
  if (!interpreter) return undefined;
  return { interpreter, args: words.slice(1) };
}

const isElf = (b: Buffer): boolean => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
const isScript = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x23 && b[1] === 0x21;

function tooBig(layer: string, path: string, size: number, limit: number, what: string): InputError {
  return new InputError(`layer ${layer}: ${what} ${path} is ${size} bytes, over the limit of ${limit}`, path);
}

/**
 * Body sink of a regular file: keeps the first bytes to classify it (ELF, `#!`), hashes it when
 * it is executable, collects it when a file analyzer asked for it.
 */
class FileSink implements BodySink {
  private head: Buffer | undefined;
  private headFill = 0;
  private hash: Hash | undefined;
  /** The whole body, for the analyzers that asked (its size is known and bounded: one allocation, no concat). */
  private body: Buffer | undefined;
  private bodyFill = 0;
  private decided = false;

  constructor(
    private readonly file: ImageFile,
    private readonly layer: string,
    private readonly limits: ImageLimits,
    private readonly collect: boolean,
    private readonly onCollected: (bytes: Buffer) => void,
    private readonly onShebang: (args: string[]) => void,
  ) {
    this.head = Buffer.allocUnsafe(Math.min(HEAD, file.size));
    if (collect) this.body = Buffer.allocUnsafe(file.size);
    if (file.mode & 0o111) {
      if (file.size > limits.maxFileBytes) throw tooBig(layer, file.path, file.size, limits.maxFileBytes, 'executable');
      this.hash = createHash('sha256');
    }
  }

  data(chunk: Buffer): void {
    if (this.body) this.bodyFill += chunk.copy(this.body, this.bodyFill);
    if (this.decided) {
      this.hash?.update(chunk);
      return;
    }
    const head = this.head as Buffer;
    const take = Math.min(head.length - this.headFill, chunk.length);
    chunk.copy(head, this.headFill, 0, take);
    this.headFill += take;
    const hashing = this.hash !== undefined;
    if (this.headFill < head.length) {
      this.hash?.update(chunk);
      return;
    }
    this.decide();
    // A hash started by `decide` was seeded with the whole head, including this chunk's first bytes.
    if (hashing) this.hash?.update(chunk);
    else this.hash?.update(chunk.subarray(take));
  }

  private decide(): void {
    this.decided = true;
    const head = (this.head as Buffer).subarray(0, this.headFill);
    if (isElf(head)) this.file.executable = 'elf';
    else if (isScript(head)) {
      this.file.executable = 'script';
      const sb = shebang(head);
      if (sb) {
        this.file.interpreter = sb.interpreter;
        if (sb.args.length > 0) this.onShebang(sb.args);
      }
    }
    if (!this.hash && this.file.executable !== 'none') {
      if (this.file.size > this.limits.maxFileBytes) {
        throw tooBig(this.layer, this.file.path, this.file.size, this.limits.maxFileBytes, 'executable');
      }
      this.hash = createHash('sha256').update(head);
    }
    this.head = undefined;
  }

  end(): void {
    if (!this.decided) this.decide();
    if (this.hash) this.file.sha256 = this.hash.digest('hex');
    if (this.body) this.onCollected(this.bodyFill === this.body.length ? this.body : this.body.subarray(0, this.bodyFill));
  }
}

/** A sink for an empty file still has to classify it (as nothing). */
function emptyScan(file: ImageFile): void {
  if (file.mode & 0o111) file.sha256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
}

/** A hardlink whose target is not a regular file before it: an empty regular file, as tar would leave. */
export function hardlinkPlaceholder(file: ImageFile): ImageFile {
  return { ...file, mode: file.mode | S_IFREG };
}

const MAX_ANALYZER_DIAGNOSTICS = 100;


/**
 * Runs the file analyzers over one layer's files: which ones want a file (`required`, asked once
 * per regular file), and what they find in its body (read once however many want it). One
 * analyzer failing on one file is a diagnostic; the scan goes on.
 */
class LayerAnalyzers {
  /** Results per path; a later entry for the same path replaces them, as tar does the file. */
  readonly results = new Map<string, LayerFileAnalysis[]>();
  private readonly broken = new Set<string>();
  /** Diagnostics told per analyzer: a hostile layer must not turn into millions of messages. */
  private readonly told = new Map<string, number>();

  constructor(
    private readonly analyzers: readonly FileAnalyzer[],
    private readonly layer: string,
    private readonly maxBytes: number,
    private readonly diag: (code: DiagnosticCode, severity: LayerDiagnostic['severity'], message: string) => void,
  ) {}

  /** The analyzers that will read this file; those that want it but cannot have it are told why. */
  wanting(path: string, size: number, mode: number): FileAnalyzer[] {
    let out: FileAnalyzer[] | undefined;
    for (const a of this.analyzers) {
      let wants: boolean;
      try {
        wants = a.required(path, { size, mode });
      } catch (err) {
        this.fail(a, 'required', path, err);
        continue;
      }
      if (!wants) continue;
      const limit = Math.min(a.maxBytes, this.maxBytes);
      if (size > limit) {
        this.diag('image-analyzer-file-too-large', 'warning', `${path} is ${size} bytes, over the ${limit}-byte limit of the ${a.type} analyzer; it was not analysed`);
        continue;
      }
      (out ??= []).push(a);
    }
    return out ?? [];
  }

  analyze(path: string, body: Uint8Array, analyzers: readonly FileAnalyzer[]): void {
    const records: LayerFileAnalysis[] = [];
    for (const a of analyzers) {
      let out;
      try {
        out = a.analyze(path, body, this.layer);
      } catch (err) {
        this.fail(a, 'analyze', path, err);
        continue;
      }
      for (const d of out.diagnostics ?? []) {
        const told = (this.told.get(a.type) ?? 0) + 1;
        this.told.set(a.type, told);
        if (told > MAX_ANALYZER_DIAGNOSTICS) continue;
        // Messages name the file once, whether or not the analyzer already did.
        this.diag(d.code, d.severity, d.message.startsWith(path) ? d.message : `${path}: ${d.message}`);
        if (told === MAX_ANALYZER_DIAGNOSTICS) {
          this.diag('image-analyzer-diagnostics-capped', 'info', `the ${a.type} analyzer's further diagnostics in this layer are not shown`);
        }
      }
      const r: LayerFileAnalysis = { path, analyzer: a.type };
      if (out.components && out.components.length > 0) {
        // Provenance is the plumbing's to give: this layer, this file, whatever the analyzer said.
        r.components = out.components.map((c) => ({ ...c, layer: this.layer, path: c.path ?? path }));
      }
      if (out.findings && out.findings.length > 0) r.findings = out.findings;
      if (out.os) r.os = out.os;
      if (r.components || r.findings || r.os) records.push(r);
    }
    if (records.length > 0) this.results.set(path, records);
  }

  /** A later entry replaced the file: what was found in the earlier one no longer holds. */
  replaced(path: string): void {
    this.results.delete(path);
  }

  private fail(a: FileAnalyzer, phase: 'required' | 'analyze', path: string, err: unknown): void {
    // `required` runs on every file: its failure is told once per analyzer and layer.
    if (phase === 'required') {
      if (this.broken.has(a.type)) return;
      this.broken.add(a.type);
    }
    this.diag('image-analyzer-failed', 'warning', `the ${a.type} analyzer's ${phase} failed on ${path}: ${errorMessage(err)}`);
  }
}

/** Read one layer blob and record what it changes; the blob's digest (and diff_id) are verified. */
export async function scanLayer(source: BlobSource, plan: LayerPlan, ctx: ScanContext): Promise<LayerAnalysis> {
  const { limits } = ctx;
  const added = new Map<string, ImageFile>();
  // Hardlinks to files of lower layers: path → target, resolved when layers are stacked.
  const lowerLinks = new Map<string, string>();
  const whiteouts: string[] = [];
  const opaque: string[] = [];
  const shebangArgs = new Map<string, string[]>();
  const diagnostics: LayerDiagnostic[] = [];
  let entries = 0;
  let bytes = 0;
  const diag = (code: DiagnosticCode, severity: LayerDiagnostic['severity'], message: string): void => {
    diagnostics.push({ code, severity, message: `layer ${plan.digest}: ${message}` });
  };
  const analyzers = new LayerAnalyzers(ctx.analyzers, plan.digest, limits.maxPackageDbBytes, diag);
  const add = (path: string, file: ImageFile): void => {
    lowerLinks.delete(path);
    analyzers.replaced(path);
    added.set(path, file);
  };

  if (/zstd/.test(plan.mediaType)) {
    throw new InputError(`layer ${plan.digest}: zstd layers not supported (${plan.mediaType})`, ctx.display);
  }
  const size = await source.size(plan.member);
  if (size === undefined) throw new InputError(`layer ${plan.digest}: blob ${plan.member} is missing`, ctx.display);
  const magic = await source.head(plan.member, 4);
  const gzip = magic[0] === 0x1f && magic[1] === 0x8b;
  if (magic[0] === 0x28 && magic[1] === 0xb5 && magic[2] === 0x2f && magic[3] === 0xfd) {
    throw new InputError(`layer ${plan.digest}: zstd layers not supported`, ctx.display);
  }

  const onEntry = (h: TarHeader): BodySink | undefined => {
    entries++;
    if (++ctx.totals.entries > limits.maxEntries) {
      throw new InputError(`layer ${plan.digest}: more than ${limits.maxEntries} entries (at ${h.name})`, h.name);
    }
    const ep = entryPath(h.name);
    if (!ep.ok) {
      diag('image-entry-escapes', 'error', `entry ${JSON.stringify(h.name)} has a .. component and was ignored`);
      return undefined;
    }
    if (ep.absolute) diag('image-entry-absolute', 'warning', `entry ${JSON.stringify(h.name)} is absolute; read as ${ep.path}`);
    const path = ep.path;
    if (path === '/') return undefined;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (base.startsWith('.wh.')) {
      const dir = path.slice(0, slash) || '/';
      if (base === '.wh..wh..opq') opaque.push(dir);
      else whiteouts.push(`${dir === '/' ? '' : dir}/${base.slice(4)}`);
      return undefined;
    }
    const file: ImageFile = {
      path,
      mode: h.mode,
      size: 0,
      executable: 'none',
      setuid: (h.mode & 0o4000) !== 0,
      setgid: (h.mode & 0o2000) !== 0,
      layer: plan.digest,
    };
    switch (h.type) {
      case 'directory':
        file.mode |= S_IFDIR;
        add(path, file);
        return undefined;
      case 'symlink':
        file.mode |= S_IFLNK;
        file.linkTarget = h.linkName;
        add(path, file);
        return undefined;
      case 'hardlink': {
        const target = entryPath(h.linkName);
        if (!target.ok) {
          diag('image-hardlink-escapes', 'error', `hardlink ${path} → ${JSON.stringify(h.linkName)} leaves the image and was ignored`);
          return undefined;
        }
        // A target not in this layer is looked up when the layers are stacked; until then the
        // link is an empty placeholder (what it stays when the target is missing there too).
        const viaLower = lowerLinks.get(target.path);
        const t = viaLower === undefined ? added.get(target.path) : undefined;
        const below = viaLower ?? (t ? undefined : target.path);
        if (below !== undefined) {
          add(path, hardlinkPlaceholder(file));
          lowerLinks.set(path, below);
          return undefined;
        }
        if (!t || !isRegular(t)) {
          diag('image-hardlink-missing', 'warning', `hardlink ${path} → ${target.path}: no such regular file before it`);
          add(path, hardlinkPlaceholder(file));
          return undefined;
        }
        // A hardlink shares its target's inode: same content, same mode.
        add(path, { ...t, path, layer: plan.digest });
        return undefined;
      }
      case 'file': {
        file.mode |= S_IFREG;
        file.size = h.size;
        add(path, file);
        const wanting = analyzers.wanting(path, h.size, file.mode);
        if (h.size === 0) {
          emptyScan(file);
          if (wanting.length > 0) analyzers.analyze(path, Buffer.alloc(0), wanting);
          return undefined;
        }
        return new FileSink(
          file,
          plan.digest,
          limits,
          wanting.length > 0,
          (body) => analyzers.analyze(path, body, wanting),
          (args) => shebangArgs.set(path, args),
        );
      }
      default:
        // Devices, FIFOs: recorded so they show up in the index, never hashed.
        add(path, file);
        return undefined;
    }
  };

  const walker = new TarWalker({ entry: onEntry }, { maxMetaBytes: limits.maxPaxHeaderBytes });
  const range = ctx.hasher && size >= OFFLOAD_HASH_BYTES ? await source.locate(plan.member) : undefined;
  const offloaded = range && ctx.hasher ? ctx.hasher.hash(range) : undefined;
  // Settled later; until then a rejection must not count as unhandled.
  offloaded?.catch(() => undefined);
  const rawHash = offloaded ? undefined : createHash('sha256');
  const tarHash = gzip && plan.expectDigest === undefined && plan.expectDiffId ? createHash('sha256') : undefined;
  const push = (chunk: Buffer): void => {
    bytes += chunk.length;
    ctx.totals.bytes += chunk.length;
    if (ctx.totals.bytes > limits.maxTotalBytes) {
      throw new InputError(
        `layer ${plan.digest}: uncompressed size exceeds the limit of ${limits.maxTotalBytes} bytes (at entry ${walker.currentName ?? 'header'})`,
        walker.currentName ?? ctx.display,
      );
    }
    tarHash?.update(chunk);
    walker.push(chunk);
  };

  // pipeline() may report its own AbortError when the walk throws; the walk's error is the news.
  let walkError: unknown;
  const sinkAll = async (input: AsyncIterable<Buffer>): Promise<void> => {
    try {
      for await (const chunk of input) push(chunk);
    } catch (err) {
      walkError = err;
      throw err;
    }
  };

  try {
    const raw = source.stream(plan.member);
    // A second 'data' listener sees the same chunks the pipeline does: no extra stage per chunk.
    raw.on('data', (chunk: Buffer) => {
      rawHash?.update(chunk);
      ctx.progress(chunk.length);
    });
    if (gzip) {
      // A deep read buffer lets inflate (on the thread pool) run ahead of the walk on this thread.
      // (Transform options pass through zlib's constructor; its typings omit them.)
      const gunzip = createGunzip(Object.assign({ chunkSize: 1 << 20 }, { highWaterMark: 8 << 20 }));
      await pipeline(raw, gunzip, sinkAll);
    } else await pipeline(raw, sinkAll);
    walker.finish();
  } catch (caught) {
    const err = walkError ?? caught;
    if (err instanceof InputError) throw err;
    if (err instanceof TarFormatError) {
      throw new InputError(`layer ${plan.digest}: ${err.message}`, ctx.display, undefined, undefined, { cause: err });
    }
    const code = (err as NodeJS.ErrnoException).code ?? '';
    if (code.startsWith('Z_') || code === 'ERR_ZLIB') {
      throw new InputError(`layer ${plan.digest}: gzip data is corrupt: ${(err as Error).message}`, ctx.display, undefined, undefined, {
        cause: err,
      });
    }
    throw err;
  }

  const got = rawHash ? `sha256:${rawHash.digest('hex')}` : await (offloaded as Promise<string>);
  if (plan.expectDigest && got !== plan.expectDigest) {
    throw new InputError(`layer ${plan.digest}: blob sha256 is ${got}, not the digest ${plan.expectDigest}`, ctx.display);
  }
  if (plan.expectDiffId) {
    const diff = gzip ? (tarHash ? `sha256:${tarHash.digest('hex')}` : undefined) : got;
    if (diff !== undefined && diff !== plan.expectDiffId) {
      throw new InputError(`layer ${plan.digest}: uncompressed sha256 is ${diff}, not the diff_id ${plan.expectDiffId}`, ctx.display);
    }
  }
  return {
    layer: plan.digest,
    diffId: plan.expectDiffId ?? '',
    files: [...added.values()],
    whiteouts,
    opaque,
    lowerLinks: [...lowerLinks],
    analyses: [...analyzers.results.values()].flat(),
    shebangArgs: [...shebangArgs],
    diagnostics,
    entries,
    bytes,
  };
}
