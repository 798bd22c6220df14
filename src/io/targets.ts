/**
 * The I/O edge of `charter profile`: turns target arguments (directories, manifest files, image
 * specs) into reader results. Each target is read on its own; a target that fails becomes an
 * error diagnostic and the others still complete.
 */
import { createHash } from 'node:crypto';
import { lstat, open, readdir, readFile } from 'node:fs/promises';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { entriesFromCommands, nodeFragment, nodeImageFragment } from '../nodejs/profile.js';
import type { Diagnostic, Input } from '../profile/model.js';
import { readerInput, type ReaderResult } from '../readers/types.js';
import { readerFor } from '../readers/registry.js';
import { readImage, type ImageFacts } from '../readers/oci-image/index.js';
import type { ImageInput } from '../profile/build.js';
import { errorMessage, UserError } from '../errors.js';

/** Directories that hold dependencies or VCS data, never deployment intent. */
const SKIP_DIRS = new Set(['node_modules', '.git', '.hg', '.svn', 'vendor', '__pycache__', '.venv', 'dist', 'build', 'target']);
const MAX_FILES = 20_000;
/** Manifests larger than this are not hand-written intent; reading them would only cost memory. */
export const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;
const HEAD_BYTES = 4096;

export const IMAGE_TRANSPORTS = ['oci-archive:', 'docker-archive:', 'oci:', 'podman:'] as const;

export interface LoadedTargets {
  inputs: Input[];
  results: ReaderResult[];
  images: ImageInput[];
  diagnostics: Diagnostic[];
}

export interface LoadOptions {
  /** Explicit manifest files (`-f`). */
  files?: string[];
  onProgress?: (label: string, done: number, total: number) => void;
  /** Read every image layer, ignoring the per-layer cache. */
  noCache?: boolean;
}

export function isImageSpec(target: string): boolean {
  return IMAGE_TRANSPORTS.some((t) => target.startsWith(t));
}

function sha256(text: string): string {
  return `sha256:${createHash('sha256').update(text).digest('hex')}`;
}

async function readHead(path: string): Promise<string> {
  const fh = await open(path, 'r');
  try {
    const buf = Buffer.alloc(HEAD_BYTES);
    const { bytesRead } = await fh.read(buf, 0, HEAD_BYTES, 0);
    return buf.subarray(0, bytesRead).toString('utf8');
  } finally {
    await fh.close();
  }
}

/** Files below `root`, sorted, without following symlinks (a link can point anywhere). */
async function walk(root: string, diagnostics: Diagnostic[]): Promise<string[]> {
  const out: string[] = [];
  const stack = [root];
  while (stack.length > 0) {
    const dir = stack.pop() as string;
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch (err) {
      diagnostics.push({ code: 'target/unreadable', severity: 'error', message: errorMessage(err), file: dir });
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) stack.push(join(dir, e.name));
      } else if (e.isFile()) {
        out.push(join(dir, e.name));
        if (out.length > MAX_FILES) {
          diagnostics.push({ code: 'target/too-many-files', severity: 'warning', message: `more than ${MAX_FILES} files; the rest were not read`, file: root });
          return out.sort();
        }
      }
    }
  }
  return out.sort();
}

/** How a file is named in the profile: relative to its target directory, or to the working directory when below it. */
function display(root: string, file: string, prefix = ''): string {
  const rel = relative(root, file);
  // Outside the working directory a relative name (`../../x`) says less than the path itself.
  const shown = rel === '' ? basename(file) : rel.startsWith('..') ? file : rel;
  return `${prefix}${shown.split(sep).join('/')}`;
}

async function readManifest(path: string, shown: string, explicit: boolean, out: LoadedTargets): Promise<void> {
  const info = await lstat(path);
  if (!info.isFile()) throw new UserError('not a regular file', shown);
  const head = await readHead(path);
  const reader = readerFor(shown, head);
  if (!reader) {
    if (explicit) throw new UserError('no reader recognises this file (expected a Dockerfile, Kubernetes, compose or Marathon manifest)', shown);
    return;
  }
  if (info.size > MAX_MANIFEST_BYTES) {
    out.diagnostics.push({ code: 'target/too-large', severity: 'error', message: `${info.size} bytes is over the ${MAX_MANIFEST_BYTES}-byte limit for a manifest`, file: shown });
    return;
  }
  // Bytes, not a string: the reader reports invalid UTF-8 where it is instead of reading U+FFFD.
  const input = readerInput(shown, await readFile(path));
  out.inputs.push({ artifact: shown, kind: reader.type, digest: sha256(input.text) });
  try {
    out.results.push(reader.read(input));
  } catch (err) {
    // A reader must not throw on bad input; if one does, the rest of the run goes on.
    out.diagnostics.push({ code: `${reader.type}/internal`, severity: 'error', message: errorMessage(err), file: shown });
  }
}

/**
 * Node.js applications in a directory target: a package.json beside a Dockerfile (an app that is
 * built into a container), or at the target's root. Each is analysed for its exact syscalls.
 */
async function readNodeApps(root: string, files: readonly string[], prefix: string, results: readonly ReaderResult[], out: LoadedTargets, opts: LoadOptions): Promise<void> {
  const dockerfiles = results.flatMap((r) => r.containers).filter((c) => c.declared.kind === 'dockerfile');
  const appDirs = files
    .filter((f) => basename(f) === 'package.json')
    .map((f) => dirname(f))
    .filter((dir) => dir === root || files.some((f) => dirname(f) === dir && /^(Dockerfile|Containerfile)$/.test(basename(f))));
  for (const dir of appDirs) {
    const r = relative(root, dir).split(sep).join('/');
    // The same name the Dockerfile reader gives this directory as its build context.
    const rel = r === '' ? (prefix ? prefix.slice(0, -1) : '.') : `${prefix}${r}`;
    const df = dockerfiles.find((d) => d.key.buildContext === rel);
    const entry = df ? entriesFromCommands(df.commands.map((c) => c.argv), df.workingDir?.name) : [];
    opts.onProgress?.(`analysing Node.js app ${rel}`, 0, 1);
    try {
      const { fragment, set } = await nodeFragment(dir, rel, entry);
      const pkg = await readFile(join(dir, 'package.json'), 'utf8');
      out.inputs.push({ artifact: rel === '.' ? 'package.json' : `${rel}/package.json`, kind: 'nodejs', digest: sha256(pkg) });
      const diagnostics: Diagnostic[] = set.analysis.uncertainties.map((u) => ({
        code: `nodejs/${u.kind}`,
        severity: u.kind === 'unparsed' || u.kind === 'missing-module' ? 'warning' : 'info',
        message: `${u.message} (assumed: ${u.assumption})`,
        file: rel === '.' ? u.at.file : `${rel}/${u.at.file}`,
        line: u.at.line,
        column: u.at.column,
      }));
      out.results.push({ containers: [fragment], services: [], networkPolicies: [], diagnostics });
    } catch (err) {
      out.diagnostics.push({ code: 'nodejs/error', severity: 'error', message: errorMessage(err), file: rel });
    }
  }
}

/**
 * The Node.js app inside an image whose command runs node: its code is read from the layers
 * (a second pass) and analysed like an app directory. Its fragment is keyed by the image, so it
 * attaches to the image's container. A failure is a diagnostic; the image target still counts.
 */
async function readImageNodeApp(target: string, facts: ImageFacts, out: LoadedTargets, opts: LoadOptions): Promise<void> {
  try {
    opts.onProgress?.(`analysing Node.js app in ${facts.ref}`, 0, 1);
    const node = await nodeImageFragment(target, facts);
    if (node) out.results.push({ containers: [node.fragment], services: [], networkPolicies: [], diagnostics: node.diagnostics });
  } catch (err) {
    out.diagnostics.push({ code: 'nodejs/error', severity: 'error', message: errorMessage(err), file: target });
  }
}

export async function loadTargets(targets: readonly string[], opts: LoadOptions = {}): Promise<LoadedTargets> {
  const out: LoadedTargets = { inputs: [], results: [], images: [], diagnostics: [] };
  const cwd = process.cwd();
  let done = 0;
  const all = [...targets, ...(opts.files ?? []).map((f) => `file:${f}`)];
  // Several directories: each file is named with its directory's name in front, so names stay distinct.
  const dirTargets = targets.filter((t) => !isImageSpec(t));
  const multi = dirTargets.length > 1;
  for (const target of all) {
    try {
      if (isImageSpec(target)) {
        const res = await readImage(target, {
          onProgress: (d, t) => opts.onProgress?.(target, d, t),
          ...(opts.noCache ? { cache: false as const } : {}),
        });
        out.inputs.push({ artifact: res.image.ref, kind: 'image', digest: res.image.digest });
        const fragment = res.containers[0];
        if (fragment) out.images.push({ fragment, files: res.image.files });
        out.results.push({ ...res, containers: [] });
        await readImageNodeApp(target, res.image, out, opts);
      } else if (target.startsWith('file:')) {
        const path = resolve(target.slice(5));
        await readManifest(path, display(cwd, path), true, out);
      } else {
        const path = resolve(target);
        const info = await lstat(path).catch((err: unknown) => {
          throw new UserError(`cannot read target: ${errorMessage(err)}`, target, undefined, undefined, { cause: err });
        });
        if (info.isDirectory()) {
          const files = await walk(path, out.diagnostics);
          const prefix = multi ? `${basename(path)}/` : '';
          const before = out.results.length;
          for (const f of files) await readManifest(f, display(path, f, prefix), false, out);
          await readNodeApps(path, files, prefix, out.results.slice(before), out, opts);
        } else {
          await readManifest(path, basename(path), true, out);
        }
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
