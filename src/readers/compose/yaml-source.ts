/**
 * The compose reader's only contact with the `yaml` package: parse one file into plain values
 * plus a way to find where any JSON pointer sits in the text (1-based line and column).
 */
import { LineCounter, isAlias, isMap, isPair, isScalar, isSeq, type Node, type Pair } from 'yaml';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { MAX_YAML_DOCUMENTS, composeYaml } from '../common/yaml.js';

export interface Position {
  line: number;
  column: number;
}

export interface YamlProblem {
  severity: 'error' | 'warning';
  code:
    | 'yaml-syntax'
    | 'yaml-warning'
    | 'yaml-aliases'
    | 'yaml-too-deep'
    | 'yaml-control-character'
    | 'yaml-invalid-utf8'
    | 'yaml-too-many-documents';
  message: string;
  line?: number;
  column?: number;
}

export interface YamlDocument {
  value: unknown;
  /**
   * Position of the deepest node on the path that exists in the text. With `key`, a path that
   * ends in a mapping key points at the key (`web:`) rather than at its value.
   */
  locate(path: readonly (string | number)[], key?: boolean): Position | undefined;
}

export interface ParsedYaml {
  /** Documents that parsed cleanly (documents with syntax errors are reported and dropped). */
  documents: YamlDocument[];
  problems: YamlProblem[];
}

/**
 * Aliases are expanded when converting to plain values; this cap keeps a "billion laughs" file
 * from growing without bound (the `yaml` package throws once it is exceeded).
 */
export const MAX_ALIAS_COUNT = 100;

/** `invalidUtf8`: see ReaderInput. Refused documents (shared/yaml.ts) are problems `yaml-<reason>`. */
export function parseYaml(text: string, invalidUtf8: readonly InvalidUtf8[] = []): ParsedYaml {
  const lineCounter = new LineCounter();
  const problems: YamlProblem[] = [];
  const documents: YamlDocument[] = [];
  // Merge keys (`<<: *defaults`) are common in compose files; Compose itself supports them.
  const stream = composeYaml(text, { merge: true, uniqueKeys: true }, lineCounter, invalidUtf8);
  const at = (offset: number): Position => {
    const p = lineCounter.linePos(offset);
    return { line: p.line, column: p.col };
  };
  if (stream.truncatedAt !== undefined) {
    const message = `the file has more than ${MAX_YAML_DOCUMENTS} YAML documents; the rest are not read`;
    problems.push({ severity: 'error', code: 'yaml-too-many-documents', message, ...at(stream.truncatedAt) });
  }
  for (const { doc, refused } of stream.documents) {
    if (refused) {
      problems.push({
        severity: 'error',
        code: `yaml-${refused.code}`,
        message: `document not read: ${refused.message}`,
        ...at(refused.offset),
      });
      continue;
    }
    for (const e of doc.errors) {
      problems.push({ severity: 'error', code: 'yaml-syntax', message: firstLine(e.message), ...at(e.pos[0]) });
    }
    for (const w of doc.warnings) {
      problems.push({ severity: 'warning', code: 'yaml-warning', message: firstLine(w.message), ...at(w.pos[0]) });
    }
    if (doc.errors.length > 0) continue;
    let value: unknown;
    try {
      value = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
    } catch (err) {
      const start = doc.contents?.range?.[0] ?? 0;
      problems.push({
        severity: 'error',
        code: 'yaml-aliases',
        message: `document not read: ${err instanceof Error ? firstLine(err.message) : String(err)}`,
        ...at(start),
      });
      continue;
    }
    const root = doc.contents;
    // Key lookups in big mappings must not be linear per lookup: index each mapping once.
    const keyIndex = new WeakMap<object, Map<string, Pair>>();
    const childOf = (node: unknown, seg: string | number, wantKey: boolean): unknown => {
      if (isAlias(node)) return undefined;
      if (isMap(node)) {
        let index = keyIndex.get(node);
        if (index === undefined) {
          index = new Map();
          for (const item of node.items) {
            if (!isPair(item)) continue;
            const key = String(isScalar(item.key) ? item.key.value : item.key);
            if (!index.has(key)) index.set(key, item);
          }
          keyIndex.set(node, index);
        }
        const pair = index.get(String(seg));
        if (pair === undefined) return undefined;
        return wantKey ? pair.key : (pair.value ?? pair.key);
      }
      if (isSeq(node) && typeof seg === 'number') return node.items[seg];
      return undefined;
    };
    documents.push({
      value,
      locate(path, key = false) {
        let node: unknown = root;
        let best: Position | undefined = rangeStart(node, at);
        for (const [i, seg] of path.entries()) {
          const child = childOf(node, seg, key && i === path.length - 1);
          if (child === undefined) break;
          node = child;
          best = rangeStart(node, at) ?? best;
        }
        return best;
      },
    });
  }
  return { documents, problems };
}

function rangeStart(node: unknown, at: (o: number) => Position): Position | undefined {
  if (node && typeof node === 'object' && 'range' in node) {
    const range = (node as Node).range;
    if (range) return at(range[0]);
  }
  return undefined;
}

function firstLine(s: string): string {
  const nl = s.indexOf('\n');
  return nl === -1 ? s : s.slice(0, nl);
}
