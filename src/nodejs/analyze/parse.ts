/**
 * The one module that touches the JavaScript parser (oxc-parser), so it can be replaced in one
 * place. oxc gives an ESTree-shaped AST whose `start`/`end` are UTF-16 offsets into the source
 * string (the same units as `String#slice`), which `LineIndex` turns into 1-based line/column.
 */
import { parseSync, visitorKeys as oxcVisitorKeys } from 'oxc-parser';
import { errorMessage } from '../../model/errors.js';

/**
 * Fields of oxc's visitor keys that its JavaScript AST (`lang: 'js'`, what `parseJs` asks for)
 * never carries: type syntax, and decorators on parameters (both TypeScript only; oxc leaves the
 * fields out rather than setting them to null). Walkers skip them: every node visit would
 * otherwise look up absent properties (about 6% of a cold analysis). parse.test.ts checks that
 * no node of a JavaScript AST has any of them.
 */
const TS_ONLY_KEYS: ReadonlySet<string> = new Set(['typeAnnotation', 'typeParameters', 'returnType', 'typeArguments', 'superTypeArguments', 'implements']);
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

export type ParseOutcome =
  | { ok: true; program: AstNode; hasModuleSyntax: boolean }
  | { ok: false; message: string; offset: number };

/**
 * Parse `source`; on errors, retry once as CommonJS (top-level `return` is legal there and
 * `unambiguous` rejects it) before giving up with the first error's message and offset.
 */
export function parseJs(filename: string, source: string, kind: SourceKind): ParseOutcome {
  if (tooDeepForParser(source)) return { ok: false, message: 'nested or chained too deeply for the parser', offset: 0 };
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

/**
 * The parser recurses natively and a deep enough input overflows its stack, which kills the whole
 * process (a segfault, not an exception): 12,000 nested `[`, 8,000 chained `if(x)`, 100,000
 * chained `+x` do it. This linear pre-scan bounds what reaches the parser: bracket depth, and the
 * number of opening brackets and of operators between two statement boundaries (`;`, `{`,
 * `}`), skipping strings and comments. Above the bound the file is scanned as text instead.
 * Real code stays far below (deepest seen in bundles: a few hundred).
 */
export const MAX_NESTING_PROXY = 3000;

export function tooDeepForParser(source: string, limit = MAX_NESTING_PROXY): boolean {
  const opLimit = limit * 2;
  let depth = 0;
  let run = 0;
  let ops = 0;
  const n = source.length;
  for (let i = 0; i < n; i++) {
    const c = source.charCodeAt(i);
    switch (c) {
      case 34: // "
      case 39: // '
      case 96: {
        // ` (template contents are skipped whole, ${…} included: approximate, and cheap)
        for (i++; i < n; i++) {
          const d = source.charCodeAt(i);
          if (d === 92) i++;
          else if (d === c || (c !== 96 && d === 10)) break;
        }
        break;
      }
      case 47: {
        // '/': comments are skipped; a regex or a division counts as an operator.
        const next = source.charCodeAt(i + 1);
        if (next === 47) {
          while (i < n && source.charCodeAt(i) !== 10) i++;
        } else if (next === 42) {
          const end = source.indexOf('*/', i + 2);
          i = end < 0 ? n : end + 1;
        } else if (++ops > opLimit) return true;
        break;
      }
      case 40: // (
      case 91: // [
        if (++depth > limit || ++run > limit) return true;
        break;
      case 123: // {
        if (++depth > limit) return true;
        run = 0;
        ops = 0;
        break;
      case 41: // )
      case 93: // ]
        depth--;
        break;
      case 125: // }
        depth--;
        run = 0;
        ops = 0;
        break;
      case 59: // ;
        run = 0;
        ops = 0;
        break;
      case 33: // !
      case 43: // +
      case 45: // -
      case 61: // =
      case 63: // ?
      case 126: // ~
      case 124: // |
      case 38: // &
      case 60: // <
      case 62: // >
      case 42: // *
      case 37: // %
        if (++ops > opLimit) return true;
        break;
      default:
    }
  }
  return false;
}
