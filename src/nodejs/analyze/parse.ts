/**
 * The one module that touches the JavaScript parser (oxc-parser), so it can be replaced in one
 * place. oxc gives an ESTree-shaped AST whose `start`/`end` are UTF-16 offsets into the source
 * string (the same units as `String#slice`), which `LineIndex` turns into 1-based line/column.
 */
import { parseSync, visitorKeys as oxcVisitorKeys } from 'oxc-parser';
import { measureNesting } from './nesting.js';
import { parseInChild } from './parse-child.js';
import { errorMessage } from '../../model/errors.js';

/**
 * Fields of oxc's visitor keys that its JavaScript AST (`lang: 'js'`, what `parseJs` asks for)
 * never carries: type syntax, and decorators on parameters (both TypeScript only; oxc leaves the
 * fields out rather than setting them to null). Walkers skip them: every node visit would
 * otherwise look up absent properties (about 6% of a cold analysis). parse.test.ts checks that
 * no node of a JavaScript AST has any of them.
 */
const TS_ONLY_KEYS: ReadonlySet<string> = new Set([
  'typeAnnotation',
  'typeParameters',
  'returnType',
  'typeArguments',
  'superTypeArguments',
  'implements',
]);
const TS_ONLY_DECORATED: ReadonlySet<string> = new Set(['Identifier', 'ArrayPattern', 'ObjectPattern', 'AssignmentPattern', 'RestElement']);

/** Child keys per node type, in source order (JavaScript ASTs: see TS_ONLY_KEYS). */
export const visitorKeys: Readonly<Record<string, readonly string[]>> = Object.fromEntries(
  Object.entries(oxcVisitorKeys).map(([type, keys]) => [
    type,
    keys.filter((k) => !TS_ONLY_KEYS.has(k) && !(k === 'decorators' && TS_ONLY_DECORATED.has(type))),
  ]),
);

/** An ESTree node as oxc returns it; fields are read defensively (the AST is foreign data). */
export interface AstNode {
  type: string;
  start: number;
  end: number;
  [key: string]: unknown;
}

/** A field of a node read as a node (the AST is foreign data: anything else is undefined). */
export const astNode = (v: unknown): AstNode | undefined =>
  v !== null && typeof v === 'object' && typeof (v as { type?: unknown }).type === 'string' ? (v as AstNode) : undefined;

/** A field of a node read as a list of nodes. */
export const astNodes = (v: unknown): AstNode[] => (Array.isArray(v) ? v.map(astNode).filter((n): n is AstNode => n !== undefined) : []);

/** Calls `visit` for each child node of `n`, in source order, with the field it sits in. */
export function forEachChild(n: AstNode, visit: (child: AstNode, key: string) => void): void {
  const keys = visitorKeys[n.type];
  if (!keys) return;
  for (const key of keys) {
    const v = n[key];
    if (Array.isArray(v)) {
      for (const c of v) {
        const cn = astNode(c);
        if (cn) visit(cn, key);
      }
    } else {
      const cn = astNode(v);
      if (cn) visit(cn, key);
    }
  }
}

export type SourceKind = 'module' | 'commonjs' | 'unambiguous';

export type ParseOutcome = { ok: true; program: AstNode; hasModuleSyntax: boolean } | { ok: false; message: string; offset: number };

/**
 * The parser recurses natively, and input nested deeply enough overflows its stack, which kills
 * the whole process (a segmentation fault, not an exception). Measured with oxc-parser 0.159 on
 * an 8 MiB stack (Linux's default for a main thread), the shallowest crash is at a nesting of
 * 6,625 as nesting.ts measures it (a chain of labels; `class{m(){return` nested 1,875 times
 * measures 11,251, 29,000 unary operators 29,001). Text measured at most this deep is parsed in
 * this process: 16 times below the shallowest crash, for the measure's undercount (at most a
 * factor of two) and a stack down to 1 MiB (below which Node itself does not run). Deeper text,
 * and text the tokenizer could not classify, is parsed in a child process (parse-child.ts),
 * whose crash is reported as this file not parsing. Real code stays far below (see
 * parse.test.ts).
 */
export const MAX_IN_PROCESS_NESTING = 400;

/**
 * Parse `source`; on errors, retry once as CommonJS (top-level `return` is legal there and
 * `unambiguous` rejects it) before giving up with the first error's message and offset.
 */
export function parseJs(filename: string, source: string, kind: SourceKind): ParseOutcome {
  const nesting = measureNesting(source);
  if (nesting.uncertain || nesting.depth > MAX_IN_PROCESS_NESTING) {
    const r = parseInChild(filename, source, kind, nesting);
    return r.ok ? { ok: true, program: r.program as AstNode, hasModuleSyntax: r.hasModuleSyntax } : r;
  }
  const first = tryParse(filename, source, kind);
  if (first.ok || kind === 'commonjs' || kind === 'module') return first;
  const second = tryParse(filename, source, 'commonjs');
  return second.ok ? second : first;
}

function tryParse(filename: string, source: string, kind: SourceKind): ParseOutcome {
  try {
    // `lang: 'js'` whatever the name says: the analyzer reads JavaScript (.js/.mjs/.cjs).
    const result = parseSync(filename, source, { sourceType: kind, lang: 'js', preserveParens: false });
    const errors = result.errors.filter((e) => e.severity === 'Error');
    if (errors.length > 0) {
      const e = errors[0]!;
      return { ok: false, message: e.message, offset: e.labels[0]?.start ?? 0 };
    }
    return { ok: true, program: result.program as unknown as AstNode, hasModuleSyntax: result.module.hasModuleSyntax };
  } catch (err) {
    return { ok: false, message: errorMessage(err), offset: 0 };
  }
}

/** Offsets → 1-based line and column (column counted in UTF-16 units, as editors mostly do). */
export class LineIndex {
  private readonly starts: number[] = [0];

  constructor(source: string) {
    for (let i = 0; i < source.length; i++) {
      const c = source.charCodeAt(i);
      if (c === 10) this.starts.push(i + 1);
      else if (c === 13 && source.charCodeAt(i + 1) !== 10) this.starts.push(i + 1);
    }
  }

  position(offset: number): { line: number; column: number } {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return { line: lo + 1, column: offset - this.starts[lo]! + 1 };
  }
}
