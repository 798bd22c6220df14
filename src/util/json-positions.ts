/**
 * A strict JSON (RFC 8259) parser that remembers where every value starts, so a JSON pointer can
 * be turned into a 1-based line and column, and a syntax error names its exact position (the
 * built-in `JSON.parse` reports neither reliably). Nesting depth is bounded so hostile input
 * cannot exhaust the stack.
 */

export interface Position {
  line: number;
  column: number;
}

export type JsonNode = Position &
  (
    | { type: 'object'; entries: Map<string, { key: Position; value: JsonNode }>; value: Record<string, unknown> }
    | { type: 'array'; items: JsonNode[]; value: unknown[] }
    | { type: 'string'; value: string }
    | { type: 'number'; value: number }
    | { type: 'boolean'; value: boolean }
    | { type: 'null'; value: null }
  );

export type JsonParse =
  { ok: true; root: JsonNode; duplicates: (Position & { key: string })[] } | { ok: false; error: Position & { message: string } };

export const MAX_DEPTH = 256;

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: Position,
  ) {
    super(message);
  }
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

export function parseJson(text: string): JsonParse {
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  let lineStart = 0;
  const duplicates: (Position & { key: string })[] = [];

  const here = (): Position => ({ line, column: pos - lineStart + 1 });
  const fail = (message: string): never => {
    throw new JsonSyntaxError(message, here());
  };
  const describe = (): string => (pos >= text.length ? 'end of input' : `character ${JSON.stringify(text.charAt(pos))}`);

  const skip = (): void => {
    for (; pos < text.length; pos++) {
      const c = text.charCodeAt(pos);
      if (c === 0x0a) {
        line++;
        lineStart = pos + 1;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        return;
      }
    }
  };

  const string = (): string => {
    // pos is at the opening quote; an unterminated string is reported there, where it starts.
    const open = here();
    pos++;
    let out = '';
    let chunk = pos;
    for (;;) {
      if (pos >= text.length) throw new JsonSyntaxError('unterminated string', open);
      const c = text.charCodeAt(pos);
      if (c === 0x22) {
        out += text.slice(chunk, pos);
        pos++;
        return out;
      }
      if (c < 0x20) fail('control character in string (escape it)');
      if (c === 0x5c) {
        out += text.slice(chunk, pos);
        const e = text.charAt(pos + 1);
        if (e === 'u') {
          const hex = text.slice(pos + 2, pos + 6);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('invalid \\u escape');
          out += String.fromCharCode(parseInt(hex, 16));
          pos += 6;
        } else {
          const v = ESCAPES[e];
          if (v === undefined) fail(`invalid escape "\\${e}"`);
          out += v;
          pos += 2;
        }
        chunk = pos;
        continue;
      }
      pos++;
    }
  };

  const value = (depth: number): JsonNode => {
    if (depth > MAX_DEPTH) fail(`nesting deeper than ${MAX_DEPTH} levels`);
    skip();
    const at = here();
    const c = text.charAt(pos);
    if (c === '{') {
      pos++;
      const entries = new Map<string, { key: Position; value: JsonNode }>();
      const obj: Record<string, unknown> = {};
      skip();
      if (text.charAt(pos) === '}') {
        pos++;
        return { type: 'object', entries, value: obj, ...at };
      }
      for (;;) {
        skip();
        if (text.charAt(pos) !== '"') fail(`expected a property name in double quotes, found ${describe()}`);
        const keyAt = here();
        const key = string();
        skip();
        if (text.charAt(pos) !== ':') fail(`expected ":" after property name, found ${describe()}`);
        pos++;
        const v = value(depth + 1);
        if (entries.has(key)) duplicates.push({ key, ...keyAt });
        entries.set(key, { key: keyAt, value: v });
        // defineProperty: a "__proto__" key must stay data, never become the prototype.
        Object.defineProperty(obj, key, { value: v.value, enumerable: true, writable: true, configurable: true });
        skip();
        const d = text.charAt(pos);
        if (d === ',') {
          pos++;
          continue;
        }
        if (d === '}') {
          pos++;
          return { type: 'object', entries, value: obj, ...at };
        }
        fail(`expected "," or "}" in object, found ${describe()}`);
      }
    }
    if (c === '[') {
      pos++;
      const items: JsonNode[] = [];
      skip();
      if (text.charAt(pos) === ']') {
        pos++;
        return { type: 'array', items, value: [], ...at };
      }
      for (;;) {
        items.push(value(depth + 1));
        skip();
        const d = text.charAt(pos);
        if (d === ',') {
          pos++;
          continue;
        }
        if (d === ']') {
          pos++;
          return { type: 'array', items, value: items.map((i) => i.value), ...at };
        }
        fail(`expected "," or "]" in array, found ${describe()}`);
      }
    }
    if (c === '"') return { type: 'string', value: string(), ...at };
    if (c === '-' || (c >= '0' && c <= '9')) {
      NUMBER.lastIndex = pos;
      const m = NUMBER.exec(text);
      if (!m) fail('invalid number');
      pos += m?.[0].length ?? 0;
      return { type: 'number', value: Number(m?.[0]), ...at };
    }
    for (const [word, v] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (text.startsWith(word, pos)) {
        pos += word.length;
        return v === null ? { type: 'null', value: null, ...at } : { type: 'boolean', value: v, ...at };
      }
    }
    return fail(`unexpected ${describe()}`);
  };

  try {
    const root = value(0);
    skip();
    if (pos < text.length) fail(`unexpected ${describe()} after the JSON value`);
    return { ok: true, root, duplicates };
  } catch (err) {
    if (err instanceof JsonSyntaxError) return { ok: false, error: { message: err.message, ...err.at } };
    throw err;
  }
}

/**
 * Where a path points. Walks as deep as the text goes, so a path into a missing field still
 * lands on its nearest existing ancestor. With `key`, an object member points at its key.
 */
export function locate(root: JsonNode, path: readonly (string | number)[], key = false): Position {
  let node = root;
  let best: Position = { line: root.line, column: root.column };
  for (const [i, seg] of path.entries()) {
    if (node.type === 'object') {
      const entry = node.entries.get(String(seg));
      if (entry === undefined) break;
      best = key && i === path.length - 1 ? entry.key : entry.value;
      node = entry.value;
    } else if (node.type === 'array' && typeof seg === 'number') {
      const item = node.items[seg];
      if (item === undefined) break;
      best = item;
      node = item;
    } else {
      break;
    }
  }
  return { line: best.line, column: best.column };
}
