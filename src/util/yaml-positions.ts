/**
 * Where a problem is in a YAML (or JSON) document: the line and column of the node a schema
 * complained about, so a user-authored file's error reads `file:line:column: message`. For files
 * parsed with the `yaml` package and checked with zod (whose issue paths these take).
 */
import { isMap, isPair, isScalar, type Document, type LineCounter } from 'yaml';

export interface YamlPosition {
  readonly line: number;
  readonly column: number;
}

type Path = readonly PropertyKey[];

function rangeStart(node: unknown): number | undefined {
  const range = (node as { range?: readonly number[] } | null | undefined)?.range;
  return Array.isArray(range) ? range[0] : undefined;
}

/** The deepest node on `path` that exists (a missing field points at its parent; an empty document at 1:1). */
export function positionNear(doc: Document, lc: LineCounter, path: Path): YamlPosition {
  for (let n = path.length; n >= 0; n--) {
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n) as unknown[], true);
    const start = rangeStart(node);
    if (start !== undefined) {
      const p = lc.linePos(start);
      return { line: p.line, column: p.col };
    }
  }
  return { line: 1, column: 1 };
}

/** Where `key` is written in the map at `path` (an unknown key is reported at the key, not its value). */
export function keyPosition(doc: Document, lc: LineCounter, path: Path, key: string): YamlPosition {
  const map = path.length === 0 ? doc.contents : doc.getIn(path as unknown[], true);
  if (isMap(map)) {
    const pair = map.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === key);
    const start = rangeStart(pair?.key);
    if (start !== undefined) {
      const p = lc.linePos(start);
      return { line: p.line, column: p.col };
    }
  }
  return positionNear(doc, lc, path);
}
