/**
 * The YAML readers' (Kubernetes, compose) one way into the `yaml` package's parser, with the
 * limits hostile input needs: documents are parsed to a syntax tree first, and a document that
 * nests too deep, holds characters YAML forbids or bytes that were not UTF-8 is refused (an
 * error on it, its content dropped) before the recursive composer ever sees it. The other
 * documents of the stream are read as usual.
 */
import {
  Composer,
  isMap,
  isScalar,
  type LineCounter,
  Parser,
  visit,
  YAMLParseError,
  type CST,
  type Document,
  type DocumentOptions,
  type ParseOptions,
  type SchemaOptions,
} from 'yaml';
import { describeCharacter, describeInvalidUtf8, findYamlForbidden, invalidUtf8In } from './text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';

/**
 * Deepest nesting of collections (block or flow) in one document. The `yaml` composer recurses
 * once per level and runs out of stack near 400 flow levels; real manifests (CRD schemas
 * included) stay well under 64.
 */
export const MAX_YAML_DEPTH = 128;

/**
 * Documents read from one stream. Helm renders a few hundred; each document costs memory and
 * time (about 0.1 ms and a few KiB even when empty), so a stream of a million `---` lines is cut.
 */
export const MAX_YAML_DOCUMENTS = 10_000;

export type YamlOptions = ParseOptions & DocumentOptions & SchemaOptions;

/** Why a document was refused before composing: each becomes its own diagnostic code. */
export interface Refusal {
  code: 'too-deep' | 'control-character' | 'invalid-utf8';
  message: string;
  /** Offset in the text of what is refused (the first bad character, the too-deep collection). */
  offset: number;
}

export interface ComposedDocument {
  /** The document; when refused, it has no content (`contents` is null). */
  doc: Document.Parsed;
  refused?: Refusal;
}

export interface ComposedStream {
  documents: ComposedDocument[];
  /** Set when the stream held more than `maxDocuments`: the offset where the first one left out starts. */
  truncatedAt?: number;
}

/**
 * Parses a stream like `parseAllDocuments`, but refuses, document by document, what the composer
 * must not see. Offsets are relative to `text`; `lineCounter` receives its line starts.
 */
export function composeYaml(
  text: string,
  options: YamlOptions,
  lineCounter: LineCounter,
  invalidUtf8: readonly InvalidUtf8[] = [],
  maxDocuments = MAX_YAML_DOCUMENTS,
): ComposedStream {
  const tokens: CST.Token[] = [];
  let documentCount = 0;
  let truncatedAt: number | undefined;
  for (const token of new Parser(lineCounter.addNewLine).parse(text)) {
    if (token.type === 'document' && ++documentCount > maxDocuments) {
      truncatedAt = token.offset;
      break;
    }
    tokens.push(token);
  }

  // Each document answers for the text from its own start to the next document's start, so a
  // bad character in a comment between documents is reported on the document that follows.
  const docTokens = tokens.filter((t): t is CST.Document => t.type === 'document');
  const refusals: (Refusal | undefined)[] = docTokens.map((token, i) => {
    const from = i === 0 ? 0 : token.offset;
    const to = docTokens[i + 1]?.offset ?? truncatedAt ?? text.length;
    const refusal = refusalOf(token, text, from, to, invalidUtf8);
    if (refusal !== undefined) {
      // The document keeps its place in the stream (its index, its `---`) but loses its content.
      delete token.value;
      token.end = [];
    }
    return refusal;
  });

  // The composer yields documents in the order of their tokens, one per document token. Its own
  // duplicate-key check compares each key with every earlier one (a ConfigMap of 100,000 keys
  // would take minutes), so keys are checked here instead, in one pass per map.
  const checkKeys = options.uniqueKeys !== false;
  const composer = new Composer({ ...options, uniqueKeys: false });
  const docs: Document.Parsed[] = [];
  for (const token of tokens) docs.push(...(composer.next(token) as Iterable<Document.Parsed>));
  docs.push(...(composer.end() as Iterable<Document.Parsed>));
  if (checkKeys) for (const doc of docs) reportDuplicateKeys(doc);
  const documents = docs.map((doc, i): ComposedDocument => {
    const refused = refusals[i];
    return refused === undefined ? { doc } : { doc, refused };
  });
  return truncatedAt === undefined ? { documents } : { documents, truncatedAt };
}

/** The composer's DUPLICATE_KEY error (scalar keys of equal value), found with a set per map. */
function reportDuplicateKeys(doc: Document.Parsed): void {
  visit(doc, {
    Map(_, map) {
      if (!isMap(map)) return;
      const seen = new Set<unknown>();
      for (const pair of map.items) {
        const key = pair.key;
        if (!isScalar(key)) continue;
        if (seen.has(key.value)) {
          const start = key.range?.[0] ?? 0;
          doc.errors.push(new YAMLParseError([start, start + 1], 'DUPLICATE_KEY', 'Map keys must be unique'));
        } else seen.add(key.value);
      }
    },
  });
}

function refusalOf(token: CST.Document, text: string, from: number, to: number, invalidUtf8: readonly InvalidUtf8[]): Refusal | undefined {
  const bad = invalidUtf8In(invalidUtf8, from, to);
  if (bad !== undefined) return { code: 'invalid-utf8', message: describeInvalidUtf8(bad), offset: bad.offset };
  const forbidden = findYamlForbidden(text, from, to);
  if (forbidden !== -1) {
    const char = describeCharacter(text.charAt(forbidden));
    return {
      code: 'control-character',
      message: `control character ${char} is not allowed in YAML (escape it in a double-quoted string)`,
      offset: forbidden,
    };
  }
  const deep = tooDeepAt(token);
  if (deep !== undefined) return { code: 'too-deep', message: `nesting deeper than ${MAX_YAML_DEPTH} levels`, offset: deep };
  return undefined;
}

/** Offset of the first collection nested deeper than MAX_YAML_DEPTH, found without recursion. */
function tooDeepAt(document: CST.Document): number | undefined {
  const stack: { token: CST.Token; depth: number }[] = [];
  if (document.value) stack.push({ token: document.value, depth: 0 });
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const { token, depth } = next;
    if (token.type !== 'block-map' && token.type !== 'block-seq' && token.type !== 'flow-collection') continue;
    if (depth + 1 > MAX_YAML_DEPTH) return token.offset;
    for (const item of token.items) {
      if ('key' in item && item.key) stack.push({ token: item.key, depth: depth + 1 });
      if (item.value) stack.push({ token: item.value, depth: depth + 1 });
    }
  }
  return undefined;
}
