/**
 * Pass 1 of a module's extraction: lexical scopes (function scopes for `var`, block scopes for
 * `let`/`const`/classes, imports at the top), every binding with its initialiser, and every
 * assignment to a plain identifier (counted, and the sole one kept, for evaluate.ts to judge
 * whether the binding's value is known).
 */
import type { Ref } from './facts.js';
import { builtinName } from './ids.js';
import { type AstNode, astNode as node, astNodes as nodes, forEachChild } from './parse.js';
import { patternNames } from './patterns.js';
import { keyName, staticString, str } from './refs.js';
import { type Binding, type BindingKind, Scope } from './scope.js';

/** Declares every binding of `program`; records the scope each scope-making node opens in `scopes`. */
export function declareScopes(program: AstNode, scopes: WeakMap<AstNode, Scope>, builtins: ReadonlySet<string>): Scope {
  const top = new Scope(null, true);
  scopes.set(program, top);
  const pass = new DeclarationPass(scopes, builtins);
  for (const child of nodes(program['body'])) pass.declare(child, top);
  for (const p of pass.pending) {
    const b = p.scope.lookup(p.name);
    if (!b) continue;
    b.assigns++;
    b.sole = b.assigns === 1 && p.right ? { node: p.right, scope: p.scope } : undefined;
  }
  return top;
}

class DeclarationPass {
  /** Assignments, resolved to their bindings once every declaration is known (hoisting). */
  readonly pending: { name: string; right: AstNode | undefined; scope: Scope }[] = [];

  constructor(
    private readonly scopes: WeakMap<AstNode, Scope>,
    private readonly builtins: ReadonlySet<string>,
  ) {}

  declare(n: AstNode, scope: Scope): void {
    switch (n.type) {
      case 'FunctionDeclaration': {
        const id = node(n['id']);
        const name = id ? str(id['name']) : undefined;
        // Sloppy-mode function declarations are visible in the whole enclosing function.
        if (name) scope.fnScope().declare(name, { kind: 'fn', decl: n, multi: false, assigns: 0, busy: false });
        this.declareFunction(n, scope);
        return;
      }
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
        this.declareFunction(n, scope);
        return;
      case 'ClassDeclaration': {
        const id = node(n['id']);
        const name = id ? str(id['name']) : undefined;
        if (name) scope.declare(name, { kind: 'class', multi: false, assigns: 0, busy: false });
        forEachChild(n, (c) => this.declare(c, scope));
        return;
      }
      case 'VariableDeclaration': {
        const kind = str(n['kind']);
        const bk: BindingKind = kind === 'const' || kind === 'using' || kind === 'await using' ? 'const' : kind === 'let' ? 'let' : 'var';
        const target = bk === 'var' ? scope.fnScope() : scope;
        for (const d of nodes(n['declarations'])) {
          const id = node(d['id']);
          const init = node(d['init']);
          if (id) this.declarePattern(id, target, bk, init ? { node: init, scope, path: [] } : undefined);
          if (id) forEachChild(id, (c) => this.declare(c, scope));
          if (init) this.declare(init, scope);
        }
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'SwitchStatement': {
        const s = new Scope(scope, n.type === 'StaticBlock');
        this.scopes.set(n, s);
        forEachChild(n, (c) => this.declare(c, s));
        return;
      }
      case 'CatchClause': {
        const s = new Scope(scope, false);
        this.scopes.set(n, s);
        const param = node(n['param']);
        if (param) this.declarePattern(param, s, 'catch', undefined);
        forEachChild(n, (c) => this.declare(c, s));
        return;
      }
      case 'ImportDeclaration': {
        if (n['importKind'] === 'type') return;
        const spec = staticString(node(n['source']));
        if (spec === undefined) return;
        const b = builtinName(spec, this.builtins);
        for (const s of nodes(n['specifiers'])) {
          const local = node(s['local']);
          const name = local ? str(local['name']) : undefined;
          if (!name) continue;
          let path: string[] = [];
          if (s.type === 'ImportDefaultSpecifier') path = b ? [] : ['default'];
          else if (s.type === 'ImportSpecifier') {
            const imported = node(s['imported']);
            const iname = imported ? keyName(imported, false) : undefined;
            if (!iname) continue;
            path = b && iname === 'default' ? [] : [iname];
          }
          const ref: Ref = b ? { k: 'builtin', mod: b, path } : { k: 'import', spec, via: 'import', path };
          scope.declare(name, { kind: 'import', fixed: [ref], multi: false, assigns: 0, busy: false });
        }
        return;
      }
      case 'AssignmentExpression': {
        const left = node(n['left']);
        if (left?.type === 'Identifier') {
          const name = str(left['name']);
          if (name) this.pending.push({ name, right: n['operator'] === '=' ? node(n['right']) : undefined, scope });
        } else if (left && left.type !== 'MemberExpression') {
          for (const name of patternNames(left)) this.pending.push({ name, right: undefined, scope });
        }
        forEachChild(n, (c) => this.declare(c, scope));
        return;
      }
      case 'UpdateExpression': {
        const arg = node(n['argument']);
        const name = arg?.type === 'Identifier' ? str(arg['name']) : undefined;
        if (name) this.pending.push({ name, right: undefined, scope });
        return;
      }
      default:
        forEachChild(n, (c) => this.declare(c, scope));
    }
  }

  private declareFunction(n: AstNode, parent: Scope): void {
    const s = new Scope(parent, true);
    this.scopes.set(n, s);
    if (n.type === 'FunctionExpression') {
      const id = node(n['id']);
      const name = id ? str(id['name']) : undefined;
      if (name) s.declare(name, { kind: 'fn', multi: false, assigns: 0, busy: false });
    }
    for (const p of nodes(n['params'])) {
      this.declarePattern(p, s, 'param', undefined);
      forEachChild(p, (c) => this.declare(c, s));
    }
    const body = node(n['body']);
    if (body) this.declare(body, s);
  }

  private declarePattern(p: AstNode, scope: Scope, kind: BindingKind, init: Binding['init']): void {
    switch (p.type) {
      case 'Identifier': {
        const name = str(p['name']);
        if (name) scope.declare(name, { kind, ...(init ? { init } : {}), multi: false, assigns: 0, busy: false });
        return;
      }
      case 'ObjectPattern':
        for (const prop of nodes(p['properties'])) {
          if (prop.type === 'RestElement') {
            const arg = node(prop['argument']);
            if (arg) this.declarePattern(arg, scope, kind, init ? { ...init, path: null } : undefined);
            continue;
          }
          const key = node(prop['key']);
          const value = node(prop['value']);
          const name = key ? keyName(key, prop['computed'] === true) : undefined;
          const path = init?.path && name !== undefined ? [...init.path, name] : null;
          if (value) this.declarePattern(value, scope, kind, init ? { ...init, path } : undefined);
        }
        return;
      case 'ArrayPattern':
        for (const el of nodes(p['elements'])) this.declarePattern(el, scope, kind, init ? { ...init, path: null } : undefined);
        return;
      case 'AssignmentPattern': {
        const left = node(p['left']);
        if (left) this.declarePattern(left, scope, kind, init);
        return;
      }
      case 'RestElement': {
        const arg = node(p['argument']);
        if (arg) this.declarePattern(arg, scope, kind, init ? { ...init, path: null } : undefined);
        return;
      }
      default:
    }
  }
}
