/**
 * From a transport's files to one image: index.json → manifest → config (OCI layout), or
 * manifest.json → config (docker-archive). Every blob read here is checked against its digest.
 */
import { createHash } from 'node:crypto';
import { InputError } from '../../model/errors.js';
import type { BlobSource } from './sources/index.js';
import { parseJsonMember } from './json.js';
import type { LayerPlan } from './layers.js';
import {
  DIGEST,
  DockerManifestSchema,
  ImageConfigSchema,
  IndexSchema,
  ManifestSchema,
  type Descriptor,
  type ImageConfig,
} from './schema.js';
import type { ImageLimits } from './types.js';

export interface LoadedImage {
  /** Reference named inside the image (index annotation or RepoTags), if any. */
  ref?: string;
  digest: string;
  configDigest: string;
  config: ImageConfig;
  layers: (LayerPlan & { diffId: string; size: number })[];
}

const REF_NAME = 'org.opencontainers.image.ref.name';

/**
 * Most layers an image may have. Runtimes stack layers with overlayfs, which mounts at most a
 * few hundred lower directories (Docker's overlay2 stops at 128), so no image that runs has more;
 * the bound also caps the per-layer costs (a file open, a cache lookup, a stacking step each).
 */
export const MAX_IMAGE_LAYERS = 500;

/** Nested image indexes followed from index.json (a multi-platform index inside an index …). */
export const MAX_INDEX_DEPTH = 4;

function checkLayerCount(count: number, member: string, pointer: string, display: string): void {
  if (count > MAX_IMAGE_LAYERS) {
    throw new InputError(`${display}: ${member} lists ${count} layers at ${pointer}, over the limit of ${MAX_IMAGE_LAYERS}`, member);
  }
}
const INDEX_TYPES = new Set(['application/vnd.oci.image.index.v1+json', 'application/vnd.docker.distribution.manifest.list.v2+json']);

const sha256 = (b: Buffer): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const blobPath = (digest: string): string => `blobs/sha256/${digest.slice('sha256:'.length)}`;

async function readBlob(source: BlobSource, d: Descriptor, limits: ImageLimits): Promise<{ bytes: Buffer; member: string }> {
  const member = blobPath(d.digest);
  const bytes = await source.read(member, limits.maxJsonBytes);
  const got = sha256(bytes);
  if (got !== d.digest) throw new InputError(`${source.display}: blob ${member} has sha256 ${got}, not its digest`, member);
  if (bytes.length !== d.size) {
    throw new InputError(`${source.display}: blob ${member} is ${bytes.length} bytes, the descriptor says ${d.size}`, member);
  }
  return { bytes, member };
}

/** Prefer linux/amd64 in a multi-platform index, else the first entry. */
function pick(manifests: Descriptor[]): Descriptor {
  const first = manifests[0] as Descriptor;
  return manifests.find((m) => m.platform?.os === 'linux' && m.platform.architecture === 'amd64') ?? first;
}

/**
 * The config's `rootfs.diff_ids`, one per layer. The config's digest (the image ID) commits to
 * them, so a count that does not match the layers is refused like any other integrity failure
 * (each layer's own diff_id is checked while the layer is read, see scanLayer).
 */
function diffIds(config: ImageConfig, layerCount: number, member: string, display: string): string[] {
  const ids = config.rootfs.diff_ids;
  if (ids.length !== layerCount) {
    throw new InputError(
      `${display}: ${member} lists ${ids.length} diff_ids at /rootfs/diff_ids for ${layerCount} layers: the config does not describe these layers`,
      member,
    );
  }
  return ids;
}

export async function loadOciLayout(source: BlobSource, limits: ImageLimits): Promise<LoadedImage> {
  const index = parseJsonMember(await source.read('index.json', limits.maxJsonBytes), 'index.json', source.display, IndexSchema);
  let chosen = pick(index.manifests);
  const ref = chosen.annotations?.[REF_NAME];
  // A nested index (multi-platform image): descend, at most a few levels, never twice into one.
  const seen = new Set<string>();
  for (let depth = 0; INDEX_TYPES.has(chosen.mediaType ?? ''); depth++) {
    if (seen.has(chosen.digest))
      throw new InputError(`${source.display}: image index ${blobPath(chosen.digest)} refers back to itself`, 'index.json');
    seen.add(chosen.digest);
    if (depth >= MAX_INDEX_DEPTH)
      throw new InputError(
        `${source.display}: image indexes nested more than ${MAX_INDEX_DEPTH} deep (at ${blobPath(chosen.digest)})`,
        'index.json',
      );
    const { bytes, member } = await readBlob(source, chosen, limits);
    chosen = pick(parseJsonMember(bytes, member, source.display, IndexSchema).manifests);
  }
  const { bytes: mBytes, member: mMember } = await readBlob(source, chosen, limits);
  const manifest = parseJsonMember(mBytes, mMember, source.display, ManifestSchema);
  checkLayerCount(manifest.layers.length, mMember, '/layers', source.display);
  for (const [i, l] of manifest.layers.entries()) {
    // Checked before any layer is read: a blob of another size cannot have the digest either.
    const actual = await source.size(blobPath(l.digest));
    if (actual !== undefined && actual !== l.size) {
      throw new InputError(
        `${source.display}: ${mMember} /layers/${i}/size says ${l.size} bytes, but blob ${blobPath(l.digest)} is ${actual}`,
        mMember,
      );
    }
  }
  const { bytes: cBytes, member: cMember } = await readBlob(source, manifest.config, limits);
  const config = parseJsonMember(cBytes, cMember, source.display, ImageConfigSchema);
  const ids = diffIds(config, manifest.layers.length, cMember, source.display);
  return {
    ...(ref ? { ref } : {}),
    digest: chosen.digest,
    configDigest: manifest.config.digest,
    config,
    layers: manifest.layers.map((l, i) => ({
      digest: l.digest,
      member: blobPath(l.digest),
      mediaType: l.mediaType ?? 'application/vnd.oci.image.layer.v1.tar',
      expectDigest: l.digest,
      diffId: ids[i] as string,
      expectDiffId: ids[i] as string,
      diffIdAt: { member: cMember, index: i },
      size: l.size,
    })),
  };
}

/** `blobs/sha256/<hex>` or `<hex>.json` / `<hex>.tar` / `<hex>/layer.tar`: the digest a docker-archive name carries. */
function digestInName(name: string): string | undefined {
  const m = /(?:^|\/)([0-9a-f]{64})(?:\.json|\.tar)?$/.exec(name);
  const d = m ? `sha256:${m[1]}` : undefined;
  return d && DIGEST.test(d) ? d : undefined;
}

export async function loadDockerArchive(source: BlobSource, limits: ImageLimits): Promise<LoadedImage> {
  const list = parseJsonMember(
    await source.read('manifest.json', limits.maxJsonBytes),
    'manifest.json',
    source.display,
    DockerManifestSchema,
  );
  const entry = list[0] as (typeof list)[number];
  checkLayerCount(entry.Layers.length, 'manifest.json', '/0/Layers', source.display);
  const cBytes = await source.read(entry.Config, limits.maxJsonBytes);
  const configDigest = sha256(cBytes);
  const named = digestInName(entry.Config);
  if (named && named !== configDigest) {
    throw new InputError(`${source.display}: config ${entry.Config} has sha256 ${configDigest}, not the digest in its name`, entry.Config);
  }
  const config = parseJsonMember(cBytes, entry.Config, source.display, ImageConfigSchema);
  const ids = diffIds(config, entry.Layers.length, entry.Config, source.display);
  const layers: LoadedImage['layers'] = [];
  for (const [i, member] of entry.Layers.entries()) {
    const diffId = ids[i] as string;
    const size = await source.size(member);
    if (size === undefined) throw new InputError(`${source.display}: layer ${member} is missing`, 'manifest.json');
    // OCI-in-docker-archive names blobs by digest; legacy `<id>/layer.tar` names are not digests.
    const expect = member.startsWith('blobs/') ? digestInName(member) : undefined;
    layers.push({
      digest: expect ?? diffId,
      member,
      mediaType: 'application/vnd.docker.image.rootfs.diff.tar',
      ...(expect ? { expectDigest: expect } : {}),
      diffId,
      expectDiffId: diffId,
      diffIdAt: { member: entry.Config, index: i },
      size,
    });
  }
  const ref = entry.RepoTags?.[0];
  return { ...(ref ? { ref } : {}), digest: configDigest, configDigest, config, layers };
}
