/**
 * The one place this reader touches the `yaml` package: a multi-document stream becomes plain
 * values plus a locator that maps a path inside a document back to a 1-based line and column.
 * Each document stands alone, so one broken document never hides the others.
 */
import { LineCounter, isNode } from 'yaml';
import { errorMessage } from '../../model/errors.js';
import { invalidUtf8In } from '../common/text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { MAX_YAML_DOCUMENTS, composeYaml, type Refusal } from '../common/yaml.js';

/** A path inside one document: map keys and sequence indices, as in a JSON pointer. */
export type NodePath = readonly (string | number)[];

export interface Position {
  line: number;
  column: number;
}

export interface StreamProblem {
  /**
   * `syntax`: the YAML is malformed; `aliases`: alias expansion went past the limit; `too-deep`,
   * `control-character`, `invalid-utf8`: refused before parsing (shared/yaml.ts);
   * `too-many-documents`: the stream was cut; `warning`: parsed, but the parser complained.
   * Each kind is its own diagnostic code, `kubernetes/yaml-<kind>`.
   */
  kind: 'syntax' | 'aliases' | 'warning' | 'too-many-documents' | Refusal['code'];
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

/**
 * The documents of a stream, at most MAX_YAML_DOCUMENTS (one more, with a `too-many-documents`
 * problem and no value, says where the stream was cut). `invalidUtf8`: see ReaderInput.
 */
export function parseYamlStream(text: string, invalidUtf8: readonly InvalidUtf8[] = []): StreamDocument[] {
  const out: StreamDocument[] = [];
  for (const chunk of splitAtDocumentMarkers(text)) {
    const start = chunk.offset;
    const end = start + chunk.text.length;
    const first = invalidUtf8In(invalidUtf8, start, end);
    // The chunk's parse needs only its first bad sequence (that refuses its document) and, to find
    // the others' documents, those after it within the chunk, moved to chunk offsets.
    const badBytes =
      first === undefined
        ? []
        : [first, ...invalidUtf8.filter((b) => b.offset > first.offset && b.offset < end)].map((b) => ({ ...b, offset: b.offset - start }));
    const { docs, truncatedAt } = parseChunk(chunk.text, chunk.firstLine, badBytes, MAX_YAML_DOCUMENTS - out.length);
    for (const doc of docs) out.push({ ...doc, index: out.length });
    if (truncatedAt !== undefined) {
      const position = truncatedAt;
      out.push({
        index: out.length,
        value: undefined,
        empty: false,
        problems: [
          {
            kind: 'too-many-documents',
            message: `the stream has more than ${MAX_YAML_DOCUMENTS} documents; this one and the rest are not read`,
            position,
          },
        ],
        locate: () => position,
      });
      break;
    }
  }
  return out;
}

/**
 * Cuts the stream at `---` lines before parsing. YAML forbids a document marker at column 0
 * inside any scalar, so the cut never changes the meaning of a valid stream; it does stop one
 * unclosed quote or bracket from swallowing every document after it.
 */
function* splitAtDocumentMarkers(text: string): Generator<{ text: string; firstLine: number; offset: number }> {
  const marker = /^---(?=[ \t\r\n]|$)/gm;
  let start = 0;
  let firstLine = 1;
  for (const match of text.matchAll(marker)) {
    const chunk = text.slice(start, match.index);
    // Comments and directives before a marker belong to the document it opens.
    if (!HAS_CONTENT.test(chunk)) continue;
    yield { text: chunk, firstLine, offset: start };
    firstLine += countLines(chunk);
    start = match.index;
  }
  yield { text: text.slice(start), firstLine, offset: start };
}

/** A line that is not blank, a comment or a directive. */
const HAS_CONTENT = /^(?![ \t]*(?:#|%|\r?$))/m;

function countLines(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function parseChunk(
  text: string,
  firstLine: number,
  invalidUtf8: readonly InvalidUtf8[],
  maxDocuments: number,
): { docs: Omit<StreamDocument, 'index'>[]; truncatedAt?: Position } {
  const lineCounter = new LineCounter();
  // merge: Kubernetes' YAML decoder honours `<<` merge keys (YAML 1.1), so we do too.
  const stream = composeYaml(text, { merge: true }, lineCounter, invalidUtf8, maxDocuments);
  const position = (offset: number): Position => {
    const { line, col } = lineCounter.linePos(offset);
    return { line: line + firstLine - 1, column: col };
  };

  const docs = stream.documents.map(({ doc, refused }): Omit<StreamDocument, 'index'> => {
    const problems: StreamProblem[] = [];
    if (refused) problems.push({ kind: refused.code, message: refused.message, position: position(refused.offset) });
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
    const empty = doc.contents === null && refused === undefined;
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
  return stream.truncatedAt === undefined ? { docs } : { docs, truncatedAt: position(stream.truncatedAt) };
}

function firstLineOf(message: string): string {
  return message.split('\n', 1)[0] ?? message;
}
