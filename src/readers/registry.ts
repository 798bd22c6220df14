/**
 * The one table of file readers. Adding an artifact type is adding a folder under src/readers and
 * a line here; a meta-test (registry.test.ts) walks the table and checks each reader's folder.
 */
import type { FileReader } from '../model/fragments.js';
import { dockerfileReader } from './dockerfile/index.js';
import { kubernetesReader } from './kubernetes/index.js';
import { composeReader } from './compose/index.js';
import { marathonReader } from './marathon/index.js';

function table(readers: readonly FileReader[]): readonly FileReader[] {
  const seen = new Set<string>();
  for (const r of readers) {
    if (seen.has(r.type)) throw new Error(`duplicate reader type ${r.type}`);
    seen.add(r.type);
  }
  return readers;
}

/** Order matters only for files two readers claim: the first match wins (compose before kubernetes). */
export const FILE_READERS = table([dockerfileReader, composeReader, kubernetesReader, marathonReader]);

export function readerFor(path: string, head: string): FileReader | undefined {
  return FILE_READERS.find((r) => r.matches(path, head));
}
