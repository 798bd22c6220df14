/**
 * The pipeline of `charter profile`: target arguments (directories, manifest files, image specs)
 * → walk (src/pipeline/walk.ts) → recognise with the reader registry → read → reader results.
 * Everything that opens a file or an image is here, at the edge; readers get text or opened
 * inputs. Each target is read on its own; a target that fails becomes an error diagnostic and the
 * others still complete.
 */
import { createHash } from 'node:crypto';
import { lstat } from 'node:fs/promises';
import { basename, relative, resolve, sep } from 'node:path';
import { defaultCacheDir } from '../readers/oci-image/cache/fs-layer-cache.js';
import { errorMessage, UserError } from '../model/errors.js';
import { diskAppFs } from '../nodejs/analyze/disk-app-fs.js';
import { FsPackageCache } from '../nodejs/analyze/fs-package-cache.js';
import type { PackageCache } from '../nodejs/analyze/package-cache.js';
import { entriesFromCommands } from '../nodejs/launch.js';
import type { ImageInput } from '../profile/build.js';
import type { Diagnostic, Input } from '../model/charter.js';
import { nodeAppReader } from '../readers/node-app/index.js';
import { readOpenedImage } from '../readers/oci-image/index.js';
import type { RegisteredReader } from '../readers/registry.js';
import type { ReaderInput, ReaderResult } from '../model/fragments.js';
import { readerInput } from '../readers/common/text.js';
import { IMAGE_TRANSPORTS, isImageSpec, readOpenedImageNodeApp, withImage } from './image.js';
import { WALK_LIMITS, type WalkLimits } from './limits.js';
import { readRegularFile } from './read-file.js';
import { recogniseFile, recogniseFiles, unreadable, type Recognised } from './recognise.js';
import { walkTree } from './walk.js';

export { IMAGE_TRANSPORTS, isImageSpec } from './image.js';

export interface LoadedTargets {
  inputs: Input[];
  results: ReaderResult[];
  images: ImageInput[];
  diagnostics: Diagnostic[];
  /** Every file a reader recognised, as named in the profile (read or not). */
  manifests: string[];
}

export interface LoadOptions {
  /** Explicit manifest files (`-f`). */
  files?: string[];
  onProgress?: (label: string, done: number, total: number) => void;
  /** Read every image layer, ignoring the per-layer cache. */
  noCache?: boolean;
  /** Walk limits (default: src/pipeline/limits.ts); tests lower them. */
  limits?: Partial<WalkLimits>;
  /**
   * Images the user says are built from a Dockerfile (`--image-for DOCKERFILE=IMAGE`): the image is
   * read like a target (once, also when it is a target too) and profiled as that Dockerfile's container.
   */
  imageFor?: readonly ImagePairing[];
}

export interface ImagePairing {
  /** The Dockerfile's path, as the profile names it or as the user typed it. */
  dockerfile: string;
  /** An image target (`oci-archive:PATH`, …). */
  image: string;
}

/**
 * `DOCKERFILE=IMAGE`, as `--image-for` takes it, e.g. `web/Dockerfile=oci-archive:web.tar`: split at
 * the `=` before the image's transport, so a Dockerfile path may hold `=` and the image may not need to.
 */
export function parseImagePairing(value: string): ImagePairing {
  const at = Math.max(...IMAGE_TRANSPORTS.map((t) => value.indexOf(`=${t}`)));
  const dockerfile = at > 0 ? value.slice(0, at) : '';
  const image = at > 0 ? value.slice(at + 1) : '';
  if (dockerfile === '' || !isImageSpec(image))
    throw new UserError(
      `--image-for ${JSON.stringify(value)}: expected DOCKERFILE=IMAGE, the image as ${IMAGE_TRANSPORTS.map((t) => `${t}…`).join(', ')}`,
    );
  return { dockerfile, image };
}

function sha256(bytes: string | Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** How a file is named in the profile: relative to its target directory, or to the working directory when below it. */
function display(root: string, file: string, prefix = ''): string {
  const rel = relative(root, file);
  // Outside the working directory a relative name (`../../x`) says less than the path itself.
  const shown = rel === '' ? basename(file) : rel.startsWith('..') ? file : rel;
  return `${prefix}${shown.split(sep).join('/')}`;
}

interface Run {
  out: LoadedTargets;
  opts: LoadOptions;
  limits: WalkLimits;
  packageCache: PackageCache;
}

/** Reads one recognised text manifest of `size` bytes into the run; problems become diagnostics naming `shown`. */
async function readTextManifest(abs: string, shown: string, size: number, reader: RegisteredReader, run: Run): Promise<void> {
  const { out } = run;
  out.manifests.push(shown);
  if (reader.input !== 'text') return;
  const max = run.limits.maxManifestBytes;
  if (size > max) {
    out.diagnostics.push({
      code: 'target/too-large',
      severity: 'error',
      message: `${size} bytes is over the ${max}-byte limit for a manifest`,
      file: shown,
    });
    return;
  }
  let input: ReaderInput;
  try {
    // Bytes, not a string: the reader reports invalid UTF-8 where it is instead of reading U+FFFD.
    input = readerInput(shown, await readRegularFile(abs, shown, max));
  } catch (err) {
    out.diagnostics.push({ ...unreadable(err, shown), severity: 'error' });
    return;
  }
  out.inputs.push({ artifact: shown, kind: reader.type, digest: sha256(input.text) });
  try {
    out.results.push(reader.read(input));
  } catch (err) {
    // A reader must not throw on bad input; if one does, the rest of the run goes on.
    out.diagnostics.push({ code: `${reader.type}/internal`, severity: 'error', message: errorMessage(err), file: shown });
  }
}

/** The directory a recognised file is in, relative to the target (`''` at its root). */
const dirOf = (rel: string): string => (rel.includes('/') ? rel.slice(0, rel.lastIndexOf('/')) : '');
const BUILD_FILE = /^(Dockerfile|Containerfile)$/;

/**
 * Node.js applications of a directory target, through the `node-app` reader: a package.json beside
 * a Dockerfile (an app that is built into a container), or at the target's root. The app's files
 * are given to the reader as an AppFs on its directory; entry points come from the Dockerfile.
 */
async function readNodeApps(
  root: string,
  prefix: string,
  manifests: readonly Recognised[],
  results: readonly ReaderResult[],
  run: Run,
): Promise<void> {
  const { out, opts } = run;
  const dockerfiles = results.flatMap((r) => r.containers).filter((c) => c.declared.kind === 'dockerfile');
  const built = new Set(
    manifests.filter((m) => m.reader.type === 'dockerfile' && BUILD_FILE.test(basename(m.file.rel))).map((m) => dirOf(m.file.rel)),
  );
  for (const m of manifests) {
    if (m.reader.type !== nodeAppReader.type) continue;
    const dir = dirOf(m.file.rel);
    if (dir !== '' && !built.has(dir)) continue;
    // The same name the Dockerfile reader gives this directory as its build context.
    const rel = dir === '' ? (prefix ? prefix.slice(0, -1) : '.') : `${prefix}${dir}`;
    const shown = rel === '.' ? 'package.json' : `${rel}/package.json`;
    const df = dockerfiles.find((d) => d.key.buildContext === rel);
    const entry = df
      ? entriesFromCommands(
          df.commands.map((c) => c.argv),
          df.workingDir?.name,
        )
      : [];
    opts.onProgress?.(`analysing Node.js app ${rel}`, 0, 1);
    try {
      const pkg = await readRegularFile(m.file.abs, shown, run.limits.maxManifestBytes);
      const abs = resolve(root, dir);
      const res = await nodeAppReader.read({
        path: shown,
        root: abs,
        fs: diskAppFs(abs),
        cache: run.packageCache,
        origin: { kind: 'directory', buildContext: rel, entry, ...(df?.workingDir ? { workingDir: df.workingDir.name } : {}) },
      });
      out.inputs.push({ artifact: shown, kind: nodeAppReader.kind, digest: sha256(pkg.toString('utf8')) });
      const { set: _set, ...result } = res;
      out.results.push(result);
    } catch (err) {
      out.diagnostics.push({ code: 'nodejs/error', severity: 'error', message: errorMessage(err), file: rel });
    }
  }
}

async function readDirectory(target: string, path: string, prefix: string, run: Run): Promise<void> {
  const { out } = run;
  const walk = await walkTree(path, { limits: run.limits });
  const shownOf = (rel: string): string => (rel === '.' ? target : `${prefix}${rel}`);
  const diagnostics: Diagnostic[] = [...walk.diagnostics];
  const manifests = await recogniseFiles(walk.files, diagnostics);
  for (const d of diagnostics) out.diagnostics.push({ ...d, file: shownOf(d.file) });
  const before = out.results.length;
  for (const m of manifests) await readTextManifest(m.file.abs, display(path, m.file.abs, prefix), m.file.size, m.reader, run);
  await readNodeApps(path, prefix, manifests, out.results.slice(before), run);
}

/** A file named by the user: it must be a regular file that a reader recognises. */
async function readNamedFile(path: string, shown: string, run: Run): Promise<void> {
  const info = await lstat(path);
  if (!info.isFile()) throw new UserError('not a regular file', shown);
  const reader = await recogniseFile(path, shown, basename(path));
  if (!reader)
    throw new UserError(
      'no reader recognises this file (expected a Dockerfile, Kubernetes, compose or Marathon manifest, or a package.json)',
      shown,
    );
  if (reader.input === 'text') return readTextManifest(path, shown, info.size, reader, run);
  // A package.json named on its own: the app in its directory.
  run.out.manifests.push(shown);
  const dir = resolve(path, '..');
  const res = await nodeAppReader.read({
    path: shown,
    root: dir,
    fs: diskAppFs(dir),
    cache: run.packageCache,
    origin: { kind: 'directory', buildContext: '.', entry: [] },
  });
  const pkg = await readRegularFile(path, shown, run.limits.maxManifestBytes);
  run.out.inputs.push({ artifact: shown, kind: nodeAppReader.kind, digest: sha256(pkg.toString('utf8')) });
  const { set: _set, ...result } = res;
  run.out.results.push(result);
}

/**
 * An image target: opened once; the image reader reads it, then, when its command runs node, the
 * `node-app` reader gets the app's files from a second pass over the same layers. A Node.js
 * failure is a diagnostic; the image target still counts.
 */
async function readImageTarget(target: string, run: Run): Promise<void> {
  const { out, opts } = run;
  await withImage(target, undefined, async (opened) => {
    const res = await readOpenedImage(opened, target, {
      onProgress: (d, t) => opts.onProgress?.(target, d, t),
      ...(opts.noCache ? { cache: false as const } : {}),
    });
    out.inputs.push({ artifact: res.image.ref, kind: 'image', digest: res.image.digest });
    const fragment = res.containers[0];
    const builtFrom = opts.imageFor?.find((p) => p.image === target)?.dockerfile;
    if (fragment)
      out.images.push({ fragment, files: res.image.files, history: res.image.history, ...(builtFrom !== undefined ? { builtFrom } : {}) });
    out.results.push({ ...res, containers: [] });
    try {
      opts.onProgress?.(`analysing Node.js app in ${res.image.ref}`, 0, 1);
      const node = await readOpenedImageNodeApp(opened, target, res.image, { cache: run.packageCache });
      if (node) {
        const { set: _set, ...result } = node;
        out.results.push(result);
      }
    } catch (err) {
      out.diagnostics.push({ code: 'nodejs/error', severity: 'error', message: errorMessage(err), file: target });
    }
  });
}

export async function loadTargets(targets: readonly string[], opts: LoadOptions = {}): Promise<LoadedTargets> {
  const out: LoadedTargets = { inputs: [], results: [], images: [], diagnostics: [], manifests: [] };
  const run: Run = { out, opts, limits: { ...WALK_LIMITS, ...opts.limits }, packageCache: new FsPackageCache(defaultCacheDir()) };
  const cwd = process.cwd();
  let done = 0;
  const paired = (opts.imageFor ?? []).map((p) => p.image).filter((i, n, list) => !targets.includes(i) && list.indexOf(i) === n);
  const all = [...targets, ...paired, ...(opts.files ?? []).map((f) => `file:${f}`)];
  // Several directories: each file is named with its directory's name in front, so names stay distinct.
  const dirTargets = targets.filter((t) => !isImageSpec(t));
  const multi = dirTargets.length > 1;
  for (const target of all) {
    try {
      if (isImageSpec(target)) {
        await readImageTarget(target, run);
      } else if (target.startsWith('file:')) {
        const path = resolve(target.slice(5));
        await readNamedFile(path, display(cwd, path), run);
      } else {
        const path = resolve(target);
        const info = await lstat(path).catch((err: unknown) => {
          throw new UserError(`cannot read target: ${errorMessage(err)}`, target, undefined, undefined, { cause: err });
        });
        if (info.isDirectory()) await readDirectory(target, path, multi ? `${basename(path)}/` : '', run);
        else await readNamedFile(path, basename(path), run);
      }
    } catch (err) {
      const d: Diagnostic =
        err instanceof UserError
          ? { ...err.toDiagnostic('target/error'), file: err.file ?? target }
          : { code: 'target/error', severity: 'error', message: errorMessage(err), file: target };
      out.diagnostics.push(d);
    }
    opts.onProgress?.('targets', ++done, all.length);
  }
  return out;
}
