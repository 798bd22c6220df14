/**
 * The state of one module's fact extraction (extract.ts), shared by the modules that each record
 * one kind of fact: where a position is, whether the walk is inside a function (the phase), the
 * scopes of the declarations pass, the evaluator, and the facts recorded so far.
 */
import {
  type ArgLit,
  type DepFact,
  type ExportFacts,
  type ModuleFacts,
  type Pos,
  type Ref,
  type UncertaintyFact,
  type UseFact,
  type UseMode,
  emptyExports,
} from './facts.js';
import { builtinName } from './ids.js';
import { type AstNode, LineIndex } from './parse.js';
import type { ParamUse } from './param-uses.js';
import { union } from './refs.js';
import type { Scope } from './scope.js';
import { ValueEvaluator } from './evaluate.js';

export interface ExtractOptions {
  builtins: ReadonlySet<string>;
}

/** Code built from literals at a call site, analysed in place (see dynamic-code-sites.ts). */
export interface NestedCode {
  /** Every fact of the nested code is located at the call site that builds it. */
  anchor: Pos;
  /** `new Function` code runs when the function is called, in the global scope (no `require`). */
  fnDepth: number;
  noRequire: boolean;
  nesting: number;
}

/** Runs a whole extraction on nested code (extract.ts supplies it, so no module imports it back). */
export type ExtractNested = (source: string, program: AstNode, nested: NestedCode) => ModuleFacts;

export class ExtractionContext {
  private readonly lines: LineIndex;
  /** The scope each scope-making node opens (filled by the declarations pass). */
  readonly scopes = new WeakMap<AstNode, Scope>();
  readonly values: ValueEvaluator;
  /** Functions entered: a use at depth 0 runs when the module loads (phase `startup`). */
  fnDepth: number;
  /** Strings inside an error, a log line or a warning are text for people, never code or names. */
  messageDepth = 0;
  /** Object literals whose values are exports, not escaping values. */
  readonly exportObjects = new WeakSet<AstNode>();
  /** Expressions already accounted for (exported, passed through): not reported as escaping. */
  readonly noEscape = new WeakSet<AstNode>();
  /** String literals that are require/import specifiers (not data: not built-in names or roots). */
  readonly specLiterals = new WeakSet<AstNode>();
  readonly paramMemo = new Map<AstNode, Map<number, ParamUse[] | undefined>>();

  readonly codeRoots: NonNullable<ModuleFacts['codeRoots']> = [];
  readonly builtinNames = new Set<string>();
  readonly deps: DepFact[] = [];
  readonly uses: UseFact[] = [];
  readonly uncertainties: UncertaintyFact[] = [];
  readonly listens: ModuleFacts['listens'] = [];
  readonly exports: ExportFacts = emptyExports();
  whole: Ref[] | undefined;
  private readonly named = new Map<string, Ref[]>();

  constructor(
    readonly source: string,
    readonly esm: boolean,
    readonly opts: ExtractOptions,
    readonly nested: NestedCode | undefined,
    readonly extractNested: ExtractNested,
  ) {
    this.lines = new LineIndex(nested ? '' : source);
    this.fnDepth = nested?.fnDepth ?? 0;
    this.values = new ValueEvaluator(opts.builtins, !(esm || nested?.noRequire));
  }

  pos(offset: number): Pos {
    return this.nested ? this.nested.anchor : this.lines.position(offset);
  }

  snippet(n: AstNode): string {
    const s = this.source.slice(n.start, Math.min(n.end, n.start + 80)).replace(/\s+/g, ' ');
    return n.end - n.start > 80 ? `${s}…` : s;
  }

  scopeOf(n: AstNode, fallback: Scope): Scope {
    return this.scopes.get(n) ?? fallback;
  }

  inMessage(f: () => void): void {
    this.messageDepth++;
    try {
      f();
    } finally {
      this.messageDepth--;
    }
  }

  use(ref: Ref, mode: UseMode, at: number, args?: ArgLit[]): void {
    const u: UseFact = { ref, mode, at: this.pos(at), top: this.fnDepth === 0 };
    if (args) u.args = args;
    this.uses.push(u);
  }

  uncertain(kind: UncertaintyFact['kind'], at: number, message: string, assumption: string): void {
    this.uncertainties.push({ kind, at: this.pos(at), message, assumption });
  }

  dep(spec: string, via: 'require' | 'import', dynamic: boolean, at: number): void {
    if (builtinName(spec, this.opts.builtins)) return;
    this.deps.push({ spec, via, dynamic, top: this.fnDepth === 0, at: this.pos(at) });
  }

  addNamed(name: string, refs: Ref[]): void {
    const prev = this.named.get(name);
    this.named.set(name, prev ? union(prev, refs) : refs);
  }

  /** The facts recorded, once the walk is done. */
  facts(): ModuleFacts {
    if (this.whole) this.exports.whole = this.whole;
    this.exports.named = [...this.named.entries()].filter(([, v]) => v.length > 0);
    const facts: ModuleFacts = {
      esm: this.esm,
      deps: this.deps,
      uses: this.uses,
      exports: this.exports,
      uncertainties: this.uncertainties,
      listens: this.listens,
    };
    if (this.codeRoots.length > 0) facts.codeRoots = this.codeRoots;
    if (this.builtinNames.size > 0) facts.builtinNames = [...this.builtinNames].sort();
    return facts;
  }
}
