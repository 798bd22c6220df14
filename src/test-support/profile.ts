// Test helper: profile targets through the same path as the CLI, in process.
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadOptions } from '../pipeline/targets.js';
import { profileTargets as profile } from '../pipeline/profile.js';
import type { Charter, Edge } from '../model/charter.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
/** Real-world inputs vendored with their sources (test/corpus/SOURCES.md). */
export const corpusRoot = resolve(repoRoot, 'test/corpus');

export async function profileTargets(targets: string[], opts: LoadOptions = {}, name = 'test'): Promise<Charter> {
  return profile(targets, { ...opts, name, generator: 'charter test' });
}

/** `from → to:port/proto` for container-to-container edges, sorted. */
export function containerEdges(ch: Charter): string[] {
  return ch.graph.edges
    .filter((e: Edge) => e.to.kind === 'container')
    .map((e) => `${e.from} → ${e.to.kind === 'container' ? e.to.name : ''}:${e.port ?? '*'}/${e.protocol}`)
    .sort();
}
