/**
 * A charter from a running container's image alone, for `charter agent --derive`: the image read
 * through podman by its id (the exact image the container runs), through the same pipeline as
 * `charter profile podman:IMAGE`. An image that cannot be read or gives errors is refused, so the
 * agent keeps that container in monitor mode and says why.
 */
import type { Charter } from '../model/charter.js';
import { GENERATOR } from '../version.js';
import { profileTargets } from './profile.js';

export async function deriveCharterFromImage(image: string, name: string): Promise<Charter> {
  const charter = await profileTargets([`podman:${image}`], { name, generator: GENERATOR });
  const errors = charter.diagnostics.filter((d) => d.severity === 'error');
  if (errors.length > 0) throw new Error(errors.map((d) => d.message).join('; '));
  return charter;
}
