/**
 * Adapter: a local podman image becomes a temporary oci-archive. The archive is written into a
 * private temporary directory and removed by `cleanup()`, also when reading fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolError } from '../../../model/errors.js';

/** The repository's podman configuration (runc, no default ulimits), relative to this module. */
export const REPO_CONTAINERS_CONF = fileURLToPath(new URL('../../../../config/containers.conf', import.meta.url));

/** Environment for podman: CONTAINERS_CONF defaults to the repository's config, unless already set. */
export function podmanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env['CONTAINERS_CONF'] ? { ...env } : { ...env, CONTAINERS_CONF: REPO_CONTAINERS_CONF };
}

export interface SavedImage {
  archive: string;
  cleanup(): Promise<void>;
}

export async function savePodmanImage(name: string): Promise<SavedImage> {
  if (name === '' || name.startsWith('-')) throw new ToolError(`invalid image name ${JSON.stringify(name)}`, 'podman');
  const dir = await mkdtemp(path.join(tmpdir(), 'charter-image-'));
  const archive = path.join(dir, 'image.tar');
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'podman',
        ['save', '--quiet', '--format', 'oci-archive', '-o', archive, name],
        { env: podmanEnv(), maxBuffer: 16 << 20 },
        (err, _stdout, stderr) => {
          if (err) reject(new ToolError(`podman save ${name} failed: ${String(stderr).trim() || err.message}`, 'podman', String(stderr), { cause: err }));
          else resolve();
        },
      );
    });
  } catch (err) {
    await cleanup();
    throw err;
  }
  return { archive, cleanup };
}
