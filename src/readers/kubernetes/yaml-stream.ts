/**
 * The one place this reader touches the `yaml` package: a multi-document stream becomes plain
 * values plus a locator that maps a path inside a document back to a 1-based line and column.
 * Each document stands alone, so one broken document never hides the others.
 */
import { LineCounter, isNode, parseAllDocuments } from 'yaml';
import { errorMessage } from '../../model/errors.js';

/** A path inside one document: map keys and sequence indices, as in a JSON pointer. */
export type NodePath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export interface StreamProblem {
  /** `syntax`: the YAML is malformed; `aliases`: alias expansion went past the limit; `warning`: parsed, but the parser complained. */
  kind: 'syntax' | 'aliases' | 'warning';
  message: string;
  position?: Position;
}

export interface StreamDocument {
  /** 0-based index of the document in the stream. */
  index: number;
  /** The document as plain data; `undefined` when it could not be read (see `problems`). */
  value: unknown;
  /** True for a document with no content (a trailing `---`, a comment-only document). */
  empty: boolean;
  problems: StreamProblem[];
  /** Position of the deepest node that exists along `path` (the document start when none does). */
  locate(path: NodePath): Position | undefined;
}

/**
 * Alias expansions allowed per document. Real manifests use a handful of anchors; a "billion
 * laughs" document needs thousands, and is refused instead of expanded.
 */
export const MAX_ALIAS_COUNT = 100;

export function parseYamlStream(text: string): StreamDocument[] {
  const out: StreamDocument[] = [];
  for (const chunk of splitAtDocumentMarkers(text)) {
    for (const doc of parseChunk(chunk.text, chunk.firstLine)) out.push({ ...doc, index: out.length });
  }
  return out;
}

/**
 * Cuts the stream at `---` lines before parsing. YAML forbids a document marker at column 0
 * inside any scalar, so the cut never changes the meaning of a valid stream; it does stop one
 * unclosed quote or bracket from swallowing every document after it.
 */
function splitAtDocumentMarkers(text: string): { text: string; firstLine: number }[] {
  const chunks: { text: string; firstLine: number }[] = [];
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let firstLine = 1;
  for (const match of text.matchAll(marker)) {
    const chunk = text.slice(start, match.index);
    // Comments and directives before a marker belong to the document it opens.
    if (!HAS_CONTENT.test(chunk)) continue;
    chunks.push({ text: chunk, firstLine });
    firstLine += countLines(chunk);
    start = match.index;
  }
  chunks.push({ text: text.slice(start), firstLine });
  return chunks;
}

/** A line that is not blank, a comment or a directive. */
const HAS_CONTENT = /^(?![ \t]*(?:#|%|\r?$))/m;

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function parseChunk(text: string, firstLine: number): Omit<StreamDocument, 'index'>[] {
  const lineCounter = new LineCounter();
  // merge: Kubernetes' YAML decoder honours `<<` merge keys (YAML 1.1), so we do too.
  const docs = parseAllDocuments(text, { lineCounter, merge: true, prettyErrors: false });
  // parseAllDocuments returns an EmptyStream (an empty array) for a chunk with no documents.
  const list = Array.isArray(docs) ? docs : [];
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + firstLine - 1, column: col };
  };

  return list.map((doc): Omit<StreamDocument, 'index'> => {
    const problems: StreamProblem[] = [];
    for (const err of doc.errors) {
      problems.push({ kind: 'syntax', message: firstLineOf(err.message), position: position(err.pos[0]) });
    }
    const locate = (path: NodePath): Position | undefined => {
      for (let depth = path.length; depth >= 0; depth--) {
        const node: unknown = depth === 0 ? doc.contents : doc.getIn(path.slice(0, depth), true);
        if (isNode(node) && node.range) return position(node.range[0]);
      }
      return undefined;
    };
    const empty = doc.contents === null;
    if (problems.length > 0 || empty) return { value: undefined, empty, problems, locate };

    for (const warning of doc.warnings) {
      problems.push({ kind: 'warning', message: firstLineOf(warning.message), position: position(warning.pos[0]) });
    }
    try {
      const value: unknown = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
      return { value, empty, problems, locate };
    } catch (err) {
      // toJS throws a ReferenceError when alias expansion exceeds maxAliasCount, and may throw on
      // other pathological input; either way this document is unreadable and the rest are not.
      const message = errorMessage(err);
      const start = doc.contents?.range?.[0];
      problems.push({
        kind: /alias/i.test(message) ? 'aliases' : 'syntax',
        message: firstLineOf(message),
        ...(start !== undefined ? { position: position(start) } : {}),
      });
      return { value: undefined, empty, problems, locate };
    }
  });
}

function firstLineOf(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
