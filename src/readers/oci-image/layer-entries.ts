/**
 * What one layer's tar entries change in the image: the files, directories and links it adds or
 * replaces, the paths it removes (whiteouts), and the hardlinks to files of lower layers. Fed one
 * tar header at a time by the walker; bodies go to the sink it returns.
 */
import type { LayerAnalysis, LayerDiagnostic } from './cache/layer-analysis.js';
import { InputError } from '../../model/errors.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { BodySink, TarHeader } from './sources/index.js';
import type { ImageFile } from '../../model/fragments.js';
import type { DiagnosticCode } from '../../model/diagnostics.js';
import { S_IFDIR, S_IFLNK, S_IFREG, hardlinkPlaceholder, isRegular } from './file-mode.js';
import { CAPPED_CODE, DiagnosticCap, cappedMessage } from './diagnostic-cap.js';
import { FileSink, emptyScan } from './file-sink.js';
import { LayerAnalyzers } from './layer-analyzers.js';
import { PATH_MAX, pathBytes } from './linux-limits.js';
import type { ImageLimits } from './types.js';

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

/** Names in messages are cut short: a hostile name may be megabytes long. */
const SHOWN_NAME_CHARS = 200;

/** A member name for a message: quoted, and cut to {@link SHOWN_NAME_CHARS} characters. */
export function shownName(name: string): string {
  return name.length <= SHOWN_NAME_CHARS ? JSON.stringify(name) : `${JSON.stringify(name.slice(0, SHOWN_NAME_CHARS))}…`;
}

/** Characters a file keeps in memory: its path and link target. */
const fileChars = (f: ImageFile): number => f.path.length + (f.linkTarget?.length ?? 0);

/**
 * Characters of the paths and link targets a layer's analysis keeps: what `maxPathChars` bounds.
 * The same sum whether the analysis was just read or comes from the cache.
 */
export function layerPathChars(a: Pick<LayerAnalysis, 'files' | 'whiteouts' | 'opaque' | 'lowerLinks'>): number {
  let n = 0;
  for (const f of a.files) n += fileChars(f);
  for (const w of a.whiteouts) n += w.length;
  for (const o of a.opaque) n += o.length;
  for (const [, target] of a.lowerLinks) n += target.length;
  return n;
}

export interface LayerEntriesContext {
  /** The layer's digest: every file's `layer`, and the prefix of every message. */
  layer: string;
  /** What the user named (`oci-archive:img.tar`), for messages. */
  display: string;
  limits: ImageLimits;
  /** Entries and path characters over all layers so far (the limits hold for the whole image). */
  totals: { entries: number; pathChars: number };
  analyzers: readonly FileAnalyzer[];
}

/** The facts of one layer, gathered entry by entry; {@link LayerEntries.result} hands them over. */
export class LayerEntries {
  private readonly added = new Map<string, ImageFile>();
  /** Hardlinks to files of lower layers: path → target, resolved when layers are stacked. */
  private readonly lowerLinks = new Map<string, string>();
  private readonly whiteouts: string[] = [];
  private readonly opaque: string[] = [];
  private readonly shebangArgs = new Map<string, string[]>();
  private readonly diagnostics = new DiagnosticCap<LayerDiagnostic>((code, dropped) => ({
    code: CAPPED_CODE,
    severity: 'info',
    message: `layer ${this.ctx.layer}: ${cappedMessage(code, dropped)}`,
  }));
  private readonly analyzers: LayerAnalyzers;
  private entries = 0;

  constructor(private readonly ctx: LayerEntriesContext) {
    this.analyzers = new LayerAnalyzers(ctx.analyzers, ctx.layer, ctx.limits.maxPackageDbBytes, this.diag);
  }

  private readonly diag = (code: DiagnosticCode, severity: LayerDiagnostic['severity'], message: string): void => {
    this.diagnostics.add({ code, severity, message: `layer ${this.ctx.layer}: ${message}` });
  };

  /** The walker's entry handler: records the entry, returns a sink when its body is wanted. */
  readonly entry = (h: TarHeader): BodySink | undefined => {
    const path = this.admit(h);
    if (path === undefined) return undefined;
    const slash = path.lastIndexOf('/');
    const base = path.slice(slash + 1);
    if (base.startsWith('.wh.')) {
      this.whiteout(path.slice(0, slash) || '/', base);
      return undefined;
    }
    const file: ImageFile = {
      path,
      mode: h.mode,
      size: 0,
      executable: 'none',
      setuid: (h.mode & 0o4000) !== 0,
      setgid: (h.mode & 0o2000) !== 0,
      layer: this.ctx.layer,
    };
    switch (h.type) {
      case 'directory':
        file.mode |= S_IFDIR;
        this.add(path, file);
        return undefined;
      case 'symlink':
        file.mode |= S_IFLNK;
        file.linkTarget = h.linkName;
        this.add(path, file);
        return undefined;
      case 'hardlink':
        this.hardlink(file, h.linkName);
        return undefined;
      case 'file':
        return this.regular(file, h.size);
      default:
        // Devices, FIFOs: recorded so they show up in the index, never hashed.
        this.add(path, file);
        return undefined;
    }
  };

  /** The entry's path in the image, or undefined (with a diagnostic) when it is not one. Counts the entry. */
  private admit(h: TarHeader): string | undefined {
    const { limits, totals } = this.ctx;
    this.entries++;
    if (++totals.entries > limits.maxEntries) {
      throw new InputError(`layer ${this.ctx.layer}: more than ${limits.maxEntries} entries (at ${h.name})`, h.name);
    }
    if (pathBytes(h.name) > PATH_MAX) {
      this.diag(
        'image-path-too-long',
        'error',
        `entry ${shownName(h.name)} is ${pathBytes(h.name)} bytes long, over Linux's PATH_MAX of ${PATH_MAX}, and was ignored`,
      );
      return undefined;
    }
    if ((h.type === 'symlink' || h.type === 'hardlink') && pathBytes(h.linkName) > PATH_MAX) {
      this.diag(
        'image-link-target-too-long',
        'error',
        `${h.type} ${shownName(h.name)} → a target of ${pathBytes(h.linkName)} bytes, over Linux's PATH_MAX of ${PATH_MAX}; the link was ignored`,
      );
      return undefined;
    }
    const ep = entryPath(h.name);
    if (!ep.ok) {
      this.diag('image-entry-escapes', 'error', `entry ${JSON.stringify(h.name)} has a .. component and was ignored`);
      return undefined;
    }
    if (ep.absolute) this.diag('image-entry-absolute', 'warning', `entry ${JSON.stringify(h.name)} is absolute; read as ${ep.path}`);
    return ep.path === '/' ? undefined : ep.path;
  }

  /** `.wh.<name>` removes a lower path; `.wh..wh..opq` hides everything below its directory. */
  private whiteout(dir: string, base: string): void {
    if (base === '.wh..wh..opq') {
      this.keep(dir.length);
      this.opaque.push(dir);
    } else {
      const removed = `${dir === '/' ? '' : dir}/${base.slice(4)}`;
      this.keep(removed.length);
      this.whiteouts.push(removed);
    }
  }

  /**
   * Count characters kept for the image (or freed, when negative), in step with
   * {@link layerPathChars}; beyond `maxPathChars` the image is refused before memory runs out.
   */
  private keep(chars: number): void {
    const { limits, totals } = this.ctx;
    totals.pathChars += chars;
    if (totals.pathChars > limits.maxPathChars) {
      throw new InputError(
        `layer ${this.ctx.layer}: the image's paths and link targets exceed ${limits.maxPathChars} characters`,
        this.ctx.display,
      );
    }
  }

  private add(path: string, file: ImageFile): void {
    const link = this.lowerLinks.get(path);
    const replaced = this.added.get(path);
    this.keep(fileChars(file) - (replaced ? fileChars(replaced) : 0) - (link?.length ?? 0));
    this.lowerLinks.delete(path);
    this.analyzers.replaced(path);
    this.added.set(path, file);
  }

  private hardlink(file: ImageFile, linkName: string): void {
    const { path } = file;
    const target = entryPath(linkName);
    if (!target.ok) {
      this.diag('image-hardlink-escapes', 'error', `hardlink ${path} → ${JSON.stringify(linkName)} leaves the image and was ignored`);
      return;
    }
    // A target not in this layer is looked up when the layers are stacked; until then the
    // link is an empty placeholder (what it stays when the target is missing there too).
    const viaLower = this.lowerLinks.get(target.path);
    const t = viaLower === undefined ? this.added.get(target.path) : undefined;
    const below = viaLower ?? (t ? undefined : target.path);
    if (below !== undefined) {
      this.add(path, hardlinkPlaceholder(file));
      this.keep(below.length);
      this.lowerLinks.set(path, below);
      return;
    }
    if (!t || !isRegular(t)) {
      this.diag('image-hardlink-missing', 'warning', `hardlink ${path} → ${target.path}: no such regular file before it`);
      this.add(path, hardlinkPlaceholder(file));
      return;
    }
    // A hardlink shares its target's inode: same content, same mode.
    this.add(path, { ...t, path, layer: this.ctx.layer });
  }

  /** A regular file: classified, hashed when executable, read by the analyzers that want it. */
  private regular(file: ImageFile, size: number): BodySink | undefined {
    const { path } = file;
    file.mode |= S_IFREG;
    file.size = size;
    this.add(path, file);
    const wanting = this.analyzers.wanting(path, size, file.mode);
    if (size === 0) {
      emptyScan(file);
      if (wanting.length > 0) this.analyzers.analyze(path, Buffer.alloc(0), wanting);
      return undefined;
    }
    return new FileSink(
      file,
      this.ctx.layer,
      this.ctx.limits,
      wanting.length > 0,
      (body) => this.analyzers.analyze(path, body, wanting),
      (args) => this.shebangArgs.set(path, args),
    );
  }

  /** The layer's analysis, once every entry was seen and the layer's bytes were verified. */
  result(diffId: string, bytes: number): LayerAnalysis {
    return {
      layer: this.ctx.layer,
      diffId,
      files: [...this.added.values()],
      whiteouts: this.whiteouts,
      opaque: this.opaque,
      lowerLinks: [...this.lowerLinks],
      analyses: [...this.analyzers.results.values()].flat(),
      shebangArgs: [...this.shebangArgs],
      diagnostics: this.diagnostics.result(),
      entries: this.entries,
      bytes,
    };
  }
}
