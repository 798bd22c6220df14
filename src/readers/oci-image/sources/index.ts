/**
 * Image transports: `oci:DIR`, `oci-archive:PATH`, `docker-archive:PATH`, `podman:NAME`. Each
 * becomes a {@link BlobSource}; nothing is extracted to disk (podman's image is saved to one
 * temporary archive, read in place and deleted).
 */
import { UserError } from '../../../model/errors.js';
import { ArchiveSource, DirectorySource, type BlobSource } from './blob-source.js';
import { checkImageReference } from './image-reference.js';
import { checkArchiveFile, checkLayoutDirectory } from './local-path.js';
import { savePodmanImage } from './podman.js';

export type { BlobSource } from './blob-source.js';
export { normaliseMember, READ_CHUNK } from './blob-source.js';
export { RangeHasher, type FileRange } from './hasher.js';
export { podmanEnv, REPO_CONTAINERS_CONF } from './podman.js';
export * from './tar.js';

export const TRANSPORTS = ['oci', 'oci-archive', 'docker-archive', 'podman'] as const;
export type Transport = (typeof TRANSPORTS)[number];

export interface ImageSpec {
  transport: Transport;
  /** Path or image name after the prefix. */
  target: string;
}

export function parseImageSpec(spec: string): ImageSpec {
  const colon = spec.indexOf(':');
  const transport = colon > 0 ? spec.slice(0, colon) : '';
  const target = spec.slice(colon + 1);
  const known = TRANSPORTS.find((t) => t === transport);
  if (!known || target === '') {
    throw new UserError(`image spec ${JSON.stringify(spec)} must be one of ${TRANSPORTS.map((t) => `${t}:…`).join(', ')}`);
  }
  return { transport: known, target };
}

export interface OpenedImage {
  spec: ImageSpec;
  source: BlobSource;
  /** Layout of the files: OCI layout (index.json + blobs) or docker-archive (manifest.json). */
  layout: 'oci' | 'docker';
  close(): Promise<void>;
}

export interface OpenLimits {
  maxPaxHeaderBytes: number;
  maxEntries: number;
}

export async function openImage(spec: ImageSpec, display: string, limits: OpenLimits): Promise<OpenedImage> {
  const none = (): Promise<void> => Promise.resolve();
  switch (spec.transport) {
    case 'oci':
      await checkLayoutDirectory(spec.target, display);
      return { spec, source: new DirectorySource(spec.target, display), layout: 'oci', close: none };
    case 'oci-archive':
      await checkArchiveFile(spec.target, display);
      return { spec, source: await ArchiveSource.open(spec.target, display, limits), layout: 'oci', close: none };
    case 'docker-archive': {
      await checkArchiveFile(spec.target, display);
      const source = await ArchiveSource.open(spec.target, display, limits);
      // Docker 25+ writes OCI-in-docker-archive: both files exist; manifest.json carries RepoTags.
      return { spec, source, layout: 'docker', close: none };
    }
    case 'podman': {
      checkImageReference(spec.target, display);
      const saved = await savePodmanImage(spec.target);
      try {
        const source = await ArchiveSource.open(saved.archive, display, limits);
        return { spec, source, layout: 'oci', close: saved.cleanup };
      } catch (err) {
        await saved.cleanup();
        throw err;
      }
    }
  }
}
