/**
 * The one table of readers. Adding an artifact type is adding a folder under src/readers and a
 * line here; a meta-test (registry.test.ts) walks the table and checks each reader's folder.
 * Recognition is the readers' own: `named` (the file name) then `matches` (name and first bytes);
 * `charter profile` and `charter scan` recognise files through this table only.
 */
import type { ReaderCommon } from '../model/fragments.js';
import { dockerfileReader } from './dockerfile/index.js';
import { kubernetesReader } from './kubernetes/index.js';
import { composeReader } from './compose/index.js';
import { marathonReader } from './marathon/index.js';
import { nodeAppReader } from './node-app/index.js';

function table<T extends ReaderCommon>(readers: readonly T[]): readonly T[] {
  const seen = new Set<string>();
  for (const r of readers) {
    if (seen.has(r.type)) throw new Error(`duplicate reader type ${r.type}`);
    seen.add(r.type);
  }
  return readers;
}

/** Order matters only for files two readers claim: the first match wins (compose before kubernetes). */
export const FILE_READERS = table([dockerfileReader, composeReader, kubernetesReader, marathonReader, nodeAppReader]);

export type RegisteredReader = (typeof FILE_READERS)[number];

/** True when some reader may want a file of this name (so its first bytes are worth reading). */
export function anyReaderNamed(path: string): boolean {
  return FILE_READERS.some((r) => r.named(path));
}

export function readerFor(path: string, head: string): RegisteredReader | undefined {
  return FILE_READERS.find((r) => r.matches(path, head));
}
