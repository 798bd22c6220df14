/** Lexical scopes and the bindings declared in them (declarations.ts builds them in the first pass of extract.ts). */
import type { Ref } from './facts.js';
import type { AstNode } from './parse.js';

export type BindingKind = 'const' | 'let' | 'var' | 'param' | 'fn' | 'class' | 'import' | 'catch';

export interface Binding {
  kind: BindingKind;
  fixed?: Ref[];
  init?: { node: AstNode; scope: Scope; path: string[] | null };
  /** Declared more than once with an initialiser (`var x = a; var x = b`). */
  multi: boolean;
  assigns: number;
  sole?: { node: AstNode; scope: Scope } | undefined;
  /** A function declaration's node (what it returns is followed when classifying strings). */
  decl?: AstNode;
  value?: Ref[];
  busy: boolean;
}

export class Scope {
  readonly vars = new Map<string, Binding>();
  constructor(
    readonly parent: Scope | null,
    readonly fn: boolean,
  ) {}

  lookup(name: string): Binding | undefined {
    for (let s: Scope | null = this; s; s = s.parent) {
      const b = s.vars.get(name);
      if (b) return b;
    }
    return undefined;
  }

  fnScope(): Scope {
    let s: Scope = this;
    while (!s.fn && s.parent) s = s.parent;
    return s;
  }

  declare(name: string, b: Binding): void {
    const prev = this.vars.get(name);
    if (prev) {
      if (b.init || b.fixed) prev.multi = prev.init !== undefined || prev.fixed !== undefined || prev.multi;
      if (!prev.init && b.init) prev.init = b.init;
      return;
    }
    this.vars.set(name, b);
  }
}
