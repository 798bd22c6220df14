/**
 * Adapter: a local podman image becomes a temporary oci-archive. The archive is written into a
 * private temporary directory and removed by `cleanup()`, also when reading fails.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { ToolError, UserError } from '../../../model/errors.js';
import { checkImageReference } from './image-reference.js';

/** The repository's podman configuration (runc, no default ulimits), relative to this module. */
export const REPO_CONTAINERS_CONF = fileURLToPath(new URL('../../../../config/containers.conf', import.meta.url));

/** Environment for podman: CONTAINERS_CONF defaults to the repository's config, unless already set. */
export function podmanEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  return env['CONTAINERS_CONF'] ? { ...env } : { ...env, CONTAINERS_CONF: REPO_CONTAINERS_CONF };
}

/**
 * Longest a `podman save` may take. Saving copies the whole image (minutes for many GB); a podman
 * stuck on a storage lock would otherwise hold the command forever.
 */
export const PODMAN_SAVE_TIMEOUT_MS = 30 * 60_000;

export interface SavedImage {
  archive: string;
  cleanup(): Promise<void>;
}

/**
 * What a failed `podman save` means: an image that is not there, or no podman at all, is the
 * user's to fix (UserError); anything else is podman's failure (ToolError).
 */
export function podmanSaveError(name: string, err: Error & { code?: string | number | null; killed?: boolean }, stderr: string): Error {
  const said = stderr.trim();
  if (err.killed) {
    return new ToolError(
      `podman save ${name} did not finish within ${PODMAN_SAVE_TIMEOUT_MS / 60_000} minutes and was stopped`,
      'podman',
      stderr,
      { cause: err },
    );
  }
  if (err.code === 'ENOENT') {
    return new UserError(
      `podman:${name} needs podman, which was not found on PATH (an image saved with \`podman save\` or \`docker save\` is read with docker-archive:FILE)`,
      `podman:${name}`,
      undefined,
      undefined,
      { cause: err },
    );
  }
  if (/image not known|no such image|not found/i.test(said)) {
    return new UserError(`no local podman image named ${name}`, `podman:${name}`, undefined, undefined, { cause: err });
  }
  return new ToolError(`podman save ${name} failed: ${said || err.message}`, 'podman', stderr, { cause: err });
}

export async function savePodmanImage(name: string): Promise<SavedImage> {
  checkImageReference(name, `podman:${name}`);
  const dir = await mkdtemp(path.join(tmpdir(), 'charter-image-'));
  const archive = path.join(dir, 'image.tar');
  const cleanup = (): Promise<void> => rm(dir, { recursive: true, force: true });
  try {
    await new Promise<void>((resolve, reject) => {
      execFile(
        'podman',
        // `--` ends podman's options: the name is only ever an argument (it was checked above too).
        ['save', '--quiet', '--format', 'oci-archive', '-o', archive, '--', name],
        { env: podmanEnv(), maxBuffer: 16 << 20, timeout: PODMAN_SAVE_TIMEOUT_MS },
        (err, _stdout, stderr) => {
          if (err) reject(podmanSaveError(name, err, String(stderr)));
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
