/**
 * `charter profile` as one library call: targets → the pipeline (src/pipeline/targets.ts) → a
 * charter/v1 profile. The CLI only renders it.
 */
import { basename, resolve } from 'node:path';
import { loadKnowledge } from '../knowledge/index.js';
import { buildCharter } from '../profile/build.js';
import type { Charter } from '../model/charter.js';
import { loadTargets, type LoadOptions } from './targets.js';

export interface ProfileOptions extends LoadOptions {
  /** Application name (default: the first target's name). */
  name?: string;
  /** Who made the profile (`metadata.generator`). */
  generator: string;
}

/** The application's name from its first target: `shop` for `./examples/shop`, `app` for `oci-archive:app.tar`. */
export function defaultProfileName(first: string): string {
  return basename(resolve(first.replace(/^[a-z-]+:/, ''))).replace(/\.(tar|json|ya?ml)$/, '');
}

/** Reads every target and builds the profile; unreadable targets are error diagnostics in it. */
export async function profileTargets(targets: readonly string[], opts: ProfileOptions): Promise<Charter> {
  const { name, generator, ...load } = opts;
  const { manifests: _manifests, ...loaded } = await loadTargets(targets, load);
  const first = targets[0] ?? opts.files?.[0] ?? 'app';
  return buildCharter({ name: name ?? defaultProfileName(first), generator, ...loaded }, loadKnowledge());
}
