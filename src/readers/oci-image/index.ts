/**
 * The container image reader: reads an image from an OCI layout directory, an oci-archive or
 * docker-archive tarball, or a local podman image, without extracting it, and returns the image's
 * facts plus one ContainerFragment with provenance (layer digest + path) on every rule.
 *
 * @example
 *   const { image, containers } = await readImage('oci-archive:api.tar');
 *   console.log(image.ref, containers[0]?.processes[0]?.path);
 */
import { RangeHasher, parseImageSpec, openImage } from '../../io/image-sources/index.js';
import type { Diagnostic } from '../../profile/model.js';
import { emptyResult, type ImageFile } from '../types.js';
import { compareStrings } from '../../util/sort.js';
import { ImageTree, applyLayer } from './filesystem.js';
import { buildFragment } from './fragment.js';
import { scanLayer } from './layers.js';
import { loadDockerArchive, loadOciLayout } from './manifest.js';
import { parseApkInstalled, parseDpkgStatus } from './packages.js';
import type { ImageConfig } from './schema.js';
import { DEFAULT_LIMITS, type ImageFacts, type ImagePackage, type ImageReadResult, type ImageRunConfig, type ReadImageOptions } from './types.js';

export type * from './types.js';
export { DEFAULT_LIMITS } from './types.js';

/** Bumped whenever the output changes (cache keys). */
export const OCI_IMAGE_READER_VERSION = '1';

function runConfig(c: ImageConfig['config']): ImageRunConfig {
  const out: ImageRunConfig = {};
  if (!c) return out;
  if (c.Entrypoint) out.Entrypoint = c.Entrypoint;
  if (c.Cmd) out.Cmd = c.Cmd;
  if (c.User) out.User = c.User;
  if (c.ExposedPorts) out.ExposedPorts = Object.keys(c.ExposedPorts).sort(compareStrings);
  if (c.Env) out.Env = c.Env;
  if (c.Volumes) out.Volumes = Object.keys(c.Volumes).sort(compareStrings);
  if (c.WorkingDir) out.WorkingDir = c.WorkingDir;
  if (c.Labels) out.Labels = c.Labels;
  if (c.StopSignal) out.StopSignal = c.StopSignal;
  if (c.Healthcheck) {
    const h = c.Healthcheck;
    out.Healthcheck = {
      ...(h.Test ? { Test: h.Test } : {}),
      ...(h.Interval != null ? { Interval: h.Interval } : {}),
      ...(h.Timeout != null ? { Timeout: h.Timeout } : {}),
      ...(h.Retries != null ? { Retries: h.Retries } : {}),
      ...(h.StartPeriod != null ? { StartPeriod: h.StartPeriod } : {}),
    };
  }
  return out;
}

/** Read an image named by `spec` (`oci:DIR`, `oci-archive:PATH`, `docker-archive:PATH`, `podman:NAME`). */
export async function readImage(spec: string, opts: ReadImageOptions = {}): Promise<ImageReadResult> {
  const limits = { ...DEFAULT_LIMITS, ...opts.limits };
  const parsed = parseImageSpec(spec);
  const opened = await openImage(parsed, spec, limits);
  const hasher = new RangeHasher();
  try {
    const source = opened.source;
    const loaded = opened.layout === 'oci' ? await loadOciLayout(source, limits) : await loadDockerArchive(source, limits);
    const ref = loaded.ref ?? (parsed.transport === 'podman' ? parsed.target : spec);
    const diagnostics: Diagnostic[] = [];
    const tree = new Map<string, ImageFile>();
    const shebangArgs = new Map<string, string[]>();
    const dbFiles = new Map<string, Buffer>();
    const npm = new Map<string, { name: string; version: string }>();
    const totals = { bytes: 0, entries: 0 };
    const total = loaded.layers.reduce((n, l) => n + l.size, 0);
    let done = 0;
    opts.onProgress?.(0, total);
    for (const layer of loaded.layers) {
      const scan = await scanLayer(source, layer, {
        display: spec,
        limits,
        diagnostics,
        totals,
        lower: (p) => tree.get(p),
        hasher,
        progress: (n) => {
          done += n;
          opts.onProgress?.(done, total);
        },
      });
      applyLayer(tree, scan);
      for (const [k, v] of scan.shebangArgs) shebangArgs.set(k, v);
      for (const [k, v] of scan.dbFiles) dbFiles.set(k, v);
      for (const [k, v] of scan.npm) npm.set(k, v);
    }

    // Package databases as they are in the final tree (a later layer may replace or delete them).
    const packages: ImagePackage[] = [];
    const current = (path: string): ImageFile | undefined => tree.get(path);
    for (const [path, bytes] of dbFiles) {
      const f = current(path);
      if (!f) continue;
      const text = bytes.toString('utf8');
      const ecosystem = path.startsWith('/lib/apk/') ? 'apk' : 'deb';
      const list = ecosystem === 'apk' ? parseApkInstalled(text) : parseDpkgStatus(text);
      for (const p of list) packages.push({ ecosystem, ...p, layer: f.layer, path });
    }
    for (const [path, p] of npm) {
      const f = current(path);
      if (f) packages.push({ ecosystem: 'npm', ...p, layer: f.layer, path });
    }
    packages.sort((a, b) => compareStrings(a.ecosystem, b.ecosystem) || compareStrings(a.name, b.name) || compareStrings(a.path, b.path));

    const files = new Map([...tree.entries()].sort((a, b) => compareStrings(a[0], b[0])));
    const imageTree = new ImageTree(files);
    for (const link of imageTree.escapingSymlinks()) {
      diagnostics.push({
        code: 'image-symlink-escapes',
        severity: 'warning',
        message: `symlink ${link} → ${files.get(link)?.linkTarget ?? ''} climbs above the image root; it is resolved inside the image only`,
        file: spec,
      });
    }

    const facts: ImageFacts = {
      ref,
      digest: loaded.digest,
      configDigest: loaded.configDigest,
      os: loaded.config.os,
      architecture: loaded.config.architecture,
      config: runConfig(loaded.config.config),
      history: (loaded.config.history ?? []).map((h) => h.created_by ?? ''),
      layers: loaded.layers.map((l) => ({ digest: l.digest, diffId: l.diffId, size: l.size, mediaType: l.mediaType })),
      files,
      packages,
    };
    const fragment = buildFragment({ facts, tree: imageTree, shebangArgs, diagnostics, display: spec });
    fragment.files = files;
    const result = emptyResult();
    result.containers.push(fragment);
    result.diagnostics.push(...diagnostics);
    return { ...result, image: facts };
  } finally {
    await hasher.close();
    await opened.close();
  }
}
