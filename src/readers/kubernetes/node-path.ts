/** Walking and naming paths inside a parsed manifest. */
import { isRecord } from '../../util/records.js';
import type { NodePath } from './yaml-stream.js';

/** The value at `path` inside `value`, or undefined where the path leaves the tree. */
export function getPath(value: unknown, path: NodePath): unknown {
  let node = value;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isRecord(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/** A path as a user writes it: `spec.ports[0].port`. */
export function pathLabel(path: NodePath): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? s : `.${s}`)).join('') || 'value';
}
