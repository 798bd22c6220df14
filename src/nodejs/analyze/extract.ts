/**
 * Facts of one module from its AST (see facts.ts). Two passes over the tree:
 * 1. declare: build lexical scopes (function scopes for `var`, block scopes for `let`/`const`/
 *    classes, imports at the top) and record every assignment to a plain identifier;
 * 2. scan: at each call, `new`, computed member access and escaping position, evaluate the
 *    expression to a set of references (lazily, memoised) and record uses, dependencies,
 *    exports and uncertainties.
 * A binding's value is known when it is a `const`, or a `let`/`var` that is never reassigned (or
 * assigned exactly once and declared without initialiser); anything else is "unknown", and a
 * built-in flowing into it is recorded as escaping.
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
import { builtinApiId, builtinName, className } from './ids.js';
import { CHAINABLE_METHODS, FACTORY_BY_API, GLOBAL_FUNCTIONS, PASSTHROUGH_CALLEE } from './objects.js';
import { type AstNode, LineIndex, astNode as node, astNodes as nodes, forEachChild, parseJs } from './parse.js';
import { type OriginContext, classifyOrigin, codeRootIn, constantCode, isImportShim } from './dynamic-code.js';
import { type ParamUse, paramUsesIn } from './param-uses.js';
import { patternFollowable, patternNames, returnedExpressions } from './patterns.js';
import { keyName, memberPath, staticString, str, union } from './refs.js';
import { type Binding, type BindingKind, Scope } from './scope.js';

export interface ExtractOptions {
  builtins: ReadonlySet<string>;
}

/** Code built from literals at a call site, analysed in place (see dynamic-code.ts). */
interface NestedCode {
  /** Every fact of the nested code is located at the call site that builds it. */
  anchor: Pos;
  /** `new Function` code runs when the function is called, in the global scope (no `require`). */
  fnDepth: number;
  noRequire: boolean;
  nesting: number;
}

/** Code-building sites nested inside each other (code that builds code that builds code). */
const MAX_NESTED_CODE = 3;
/** Roots named by strings kept per file: the first few are enough to say why. */
const MAX_CODE_ROOTS = 5;

const MAX_EVAL_DEPTH = 60;
const MAX_LITERAL_DEPTH = 8;

export function extractFacts(source: string, program: AstNode, esm: boolean, opts: ExtractOptions): ModuleFacts {
  return new Extractor(source, esm, opts).run(program);
}

class Extractor {
  private readonly lines: LineIndex;
  private readonly scopes = new WeakMap<AstNode, Scope>();
  private readonly pending: { name: string; right: AstNode | undefined; scope: Scope }[] = [];
  private readonly memo = new Map<AstNode, Ref[]>();
  private readonly exportObjects = new WeakSet<AstNode>();
  private readonly noEscape = new WeakSet<AstNode>();
  private evalDepth = 0;
  private fnDepth: number;
  /** String literals that are require/import specifiers (not data: not built-in names or roots). */
  private readonly specLiterals = new WeakSet<AstNode>();
  private readonly codeRoots: NonNullable<ModuleFacts['codeRoots']> = [];
  private readonly builtinNames = new Set<string>();

  private readonly deps: DepFact[] = [];
  private readonly uses: UseFact[] = [];
  private readonly uncertainties: UncertaintyFact[] = [];
  private readonly listens: ModuleFacts['listens'] = [];
  private readonly exports: ExportFacts = emptyExports();
  private whole: Ref[] | undefined;
  private readonly named = new Map<string, Ref[]>();

  constructor(
    private readonly source: string,
    private readonly esm: boolean,
    private readonly opts: ExtractOptions,
    private readonly nested?: NestedCode,
  ) {
    this.lines = new LineIndex(nested ? '' : source);
    this.fnDepth = nested?.fnDepth ?? 0;
  }

  run(program: AstNode): ModuleFacts {
    const top = new Scope(null, true);
    this.scopes.set(program, top);
    for (const child of nodes(program['body'])) this.declare(child, top);
    for (const p of this.pending) {
      const b = p.scope.lookup(p.name);
      if (!b) continue;
      b.assigns++;
      b.sole = b.assigns === 1 && p.right ? { node: p.right, scope: p.scope } : undefined;
    }
    for (const child of nodes(program['body'])) this.scan(child, top);
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

  private pos(offset: number): Pos {
    return this.nested ? this.nested.anchor : this.lines.position(offset);
  }

  private snippet(n: AstNode): string {
    const s = this.source.slice(n.start, Math.min(n.end, n.start + 80)).replace(/\s+/g, ' ');
    return n.end - n.start > 80 ? `${s}…` : s;
  }

  // ---------------------------------------------------------------- pass 1: declarations

  private children(n: AstNode, visit: (c: AstNode) => void): void {
    forEachChild(n, visit);
  }

  private declare(n: AstNode, scope: Scope): void {
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
        this.children(n, (c) => this.declare(c, scope));
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
          if (id) this.children(id, (c) => this.declare(c, scope));
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
        this.children(n, (c) => this.declare(c, s));
        return;
      }
      case 'CatchClause': {
        const s = new Scope(scope, false);
        this.scopes.set(n, s);
        const param = node(n['param']);
        if (param) this.declarePattern(param, s, 'catch', undefined);
        this.children(n, (c) => this.declare(c, s));
        return;
      }
      case 'ImportDeclaration': {
        if (n['importKind'] === 'type') return;
        const spec = staticString(node(n['source']));
        if (spec === undefined) return;
        const b = builtinName(spec, this.opts.builtins);
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
        this.children(n, (c) => this.declare(c, scope));
        return;
      }
      case 'UpdateExpression': {
        const arg = node(n['argument']);
        const name = arg?.type === 'Identifier' ? str(arg['name']) : undefined;
        if (name) this.pending.push({ name, right: undefined, scope });
        return;
      }
      default:
        this.children(n, (c) => this.declare(c, scope));
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
      this.children(p, (c) => this.declare(c, s));
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

  // ---------------------------------------------------------------- evaluation

  private bindingValue(b: Binding): Ref[] {
    if (b.fixed) return b.fixed;
    if (b.value) return b.value;
    if (b.busy) return [];
    b.busy = true;
    let v: Ref[] = [];
    if (!this.bindingUnknown(b)) {
      const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
      if (src && src.path) v = memberPath(this.eval(src.node, src.scope), src.path);
    }
    b.busy = false;
    b.value = v;
    return v;
  }

  /** A binding whose value the analyzer does not follow (reassigned, re-declared, a parameter). */
  private bindingUnknown(b: Binding): boolean {
    if (b.fixed) return false;
    if (b.kind === 'param' || b.kind === 'fn' || b.kind === 'class' || b.kind === 'catch') return true;
    if (b.multi) return true;
    if (b.init) return b.assigns > 0;
    return b.assigns !== 1 || !b.sole;
  }

  private globalRef(name: string): Ref[] {
    switch (name) {
      case 'require':
        return this.esm || this.nested?.noRequire ? [] : [{ k: 'require' }];
      case 'process':
        return [{ k: 'builtin', mod: 'process', path: [] }];
      case 'global':
      case 'globalThis':
        return [{ k: 'builtin', mod: 'global', path: [] }];
      case 'crypto':
        return [{ k: 'builtin', mod: 'crypto', path: ['webcrypto'] }];
      default:
        return GLOBAL_FUNCTIONS.has(name) ? [{ k: 'builtin', mod: 'global', path: [name] }] : [];
    }
  }

  private scopeOf(n: AstNode, fallback: Scope): Scope {
    return this.scopes.get(n) ?? fallback;
  }

  eval(n: AstNode, scope: Scope): Ref[] {
    const cached = this.memo.get(n);
    if (cached) return cached;
    if (this.evalDepth > MAX_EVAL_DEPTH) return [];
    this.evalDepth++;
    let v: Ref[];
    try {
      v = this.evalUncached(n, scope);
    } finally {
      this.evalDepth--;
    }
    this.memo.set(n, v);
    return v;
  }

  private evalUncached(n: AstNode, scope: Scope): Ref[] {
    switch (n.type) {
      case 'Identifier': {
        const name = str(n['name']);
        if (!name) return [];
        const b = scope.lookup(name);
        return b ? this.bindingValue(b) : this.globalRef(name);
      }
      case 'MemberExpression': {
        const obj = node(n['object']);
        const prop = node(n['property']);
        if (!obj || !prop) return [];
        const name = keyName(prop, n['computed'] === true);
        if (name === undefined) return [];
        return memberPath(this.eval(obj, scope), [name]);
      }
      case 'CallExpression':
        return this.evalCall(n, scope);
      case 'NewExpression': {
        const callee = node(n['callee']);
        if (!callee) return [];
        const out: Ref[] = [];
        for (const r of this.eval(callee, scope)) {
          if (isFunctionCtor(r) && this.importShim(n, scope)) out.push({ k: 'require', via: 'import' });
          if (r.k === 'builtin' && r.path.length > 0 && r.mod !== 'global') {
            out.push({ k: 'instance', cls: className(r.mod, r.path, this.opts.builtins), path: [] });
          }
        }
        return out;
      }
      case 'AwaitExpression':
      case 'ChainExpression':
      case 'ParenthesizedExpression': {
        const inner = node(n['argument']) ?? node(n['expression']);
        return inner ? this.eval(inner, scope) : [];
      }
      case 'LogicalExpression':
      case 'ConditionalExpression': {
        // `a && b` is `a` only when `a` is falsy, and no module, function or object is.
        if (n['operator'] === '&&') {
          const right = node(n['right']);
          return right ? this.eval(right, scope) : [];
        }
        const a = node(n['consequent']) ?? node(n['left']);
        const b = node(n['alternate']) ?? node(n['right']);
        return union(a ? this.eval(a, scope) : [], b ? this.eval(b, scope) : []);
      }
      case 'SequenceExpression': {
        const list = nodes(n['expressions']);
        const last = list[list.length - 1];
        return last ? this.eval(last, scope) : [];
      }
      case 'AssignmentExpression': {
        const right = node(n['right']);
        return right && n['operator'] === '=' ? this.eval(right, scope) : [];
      }
      case 'ImportExpression': {
        const spec = staticString(node(n['source']));
        return spec === undefined ? [] : this.moduleRef(spec, 'import');
      }
      default:
        return [];
    }
  }

  private moduleRef(spec: string, via: 'require' | 'import'): Ref[] {
    const b = builtinName(spec, this.opts.builtins);
    return b ? [{ k: 'builtin', mod: b, path: [] }] : [{ k: 'import', spec, via, path: [] }];
  }

  private calleeName(callee: AstNode): string | undefined {
    if (callee.type === 'Identifier') return str(callee['name']);
    if (callee.type === 'MemberExpression' && callee['computed'] !== true) {
      const p = node(callee['property']);
      return p ? str(p['name']) : undefined;
    }
    return undefined;
  }

  /** A call that returns (a view of) its first argument: promisify, interop shims, `.bind`. */
  private passthroughArg(n: AstNode, scope: Scope): AstNode | undefined {
    const callee = node(n['callee']);
    if (!callee) return undefined;
    const name = this.calleeName(callee);
    const args = nodes(n['arguments']);
    // `X.call.bind(f)` ("uncurry this"), `X.bind.apply(f, a)`, `X.bind.call(f, t)`: a function
    // that calls `f`, whatever X is (`Function.bind.apply(Parent, a)` is not the Function constructor).
    const chain = this.callChain(callee);
    if (chain && (chain[0] === 'bind' || chain[1] === 'bind')) return args[0];
    if (name === 'bind' && callee.type === 'MemberExpression') {
      // Function.prototype.bind, unless the object is one whose own `bind` method is called
      // (`dgram.Socket#bind`, `socket.bind(port)`).
      const obj = node(callee['object']);
      if (obj && !this.eval(obj, scope).some((r) => r.k === 'instance' && r.path.length === 0)) return obj;
    }
    if (name && PASSTHROUGH_CALLEE.test(name)) return args[0];
    for (const r of this.eval(callee, scope)) {
      if (r.k === 'builtin' && r.mod === 'util' && r.path.length === 1 && r.path[0] === 'promisify') return args[0];
    }
    return undefined;
  }

  /** The function node a callee names, when it is a function declared or const-bound in this module. */
  private localFunction(callee: AstNode, scope: Scope): AstNode | undefined {
    if (callee.type !== 'Identifier') return undefined;
    const b = scope.lookup(str(callee['name']) ?? '');
    if (!b) return undefined;
    if (b.kind === 'fn' && b.decl && !b.multi && b.assigns === 0) return b.decl;
    const init = b.kind === 'const' && b.init?.path?.length === 0 ? b.init.node : undefined;
    return init && (init.type === 'FunctionExpression' || init.type === 'ArrowFunctionExpression') ? init : undefined;
  }

  private readonly paramMemo = new Map<AstNode, Map<number, ParamUse[] | undefined>>();

  /**
   * How a function uses its i-th parameter: member calls and reads (`p.listenerCount(t)`),
   * calls of it, tests (`typeof p.x`, `p === null`) that use nothing. Undefined when the parameter
   * is not a plain name, is reassigned or shadowed, `arguments` is read, or the value goes
   * anywhere else (passed on, stored, returned): then the argument escapes as before.
   */
  private paramUses(fn: AstNode, i: number): ParamUse[] | undefined {
    let byIndex = this.paramMemo.get(fn);
    if (!byIndex) this.paramMemo.set(fn, (byIndex = new Map()));
    if (byIndex.has(i)) return byIndex.get(i);
    byIndex.set(i, undefined); // recursion guard
    const param = nodes(fn['params'])[i];
    const body = node(fn['body']);
    const name = param?.type === 'Identifier' ? str(param['name']) : undefined;
    const out = name && body ? paramUsesIn(body, name) : undefined;
    byIndex.set(i, out);
    return out;
  }

  /** `X.m1.m2` with both of call/apply/bind: [m1, m2]. */
  private callChain(callee: AstNode): [string, string] | undefined {
    const CALLISH = /^(call|apply|bind)$/;
    if (callee.type !== 'MemberExpression' || callee['computed'] === true) return undefined;
    const obj = node(callee['object']);
    if (obj?.type !== 'MemberExpression' || obj['computed'] === true) return undefined;
    const m2 = str(node(callee['property'])?.['name']);
    const m1 = str(node(obj['property'])?.['name']);
    return m1 && m2 && CALLISH.test(m1) && CALLISH.test(m2) ? [m1, m2] : undefined;
  }

  private evalCall(n: AstNode, scope: Scope): Ref[] {
    const callee = node(n['callee']);
    if (!callee) return [];
    const args = nodes(n['arguments']);
    const through = this.passthroughArg(n, scope);
    if (through) return this.eval(through, scope);
    const refs = this.eval(callee, scope);
    let out: Ref[] = [];
    for (const r of refs) {
      if (r.k === 'require') {
        const spec = staticString(args[0]);
        if (spec !== undefined) out = union(out, this.moduleRef(spec, r.via ?? 'require'));
      } else if (isFunctionCtor(r) && this.importShim(n, scope)) {
        out = union(out, [{ k: 'require', via: 'import' }]);
      } else if (r.k === 'builtin' && r.path.length > 0) {
        const id = builtinApiId(r.mod, r.path, this.opts.builtins);
        if (id === 'module.createRequire' || id === 'module.createRequireFromPath') out = union(out, [{ k: 'require' }]);
        const cls = FACTORY_BY_API.get(id);
        if (cls) out = union(out, [{ k: 'instance', cls, path: [] }]);
      } else if (r.k === 'instance' && r.path.length === 1 && CHAINABLE_METHODS.has(r.path[0]!)) {
        out = union(out, [{ k: 'instance', cls: r.cls, path: [] }]);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- literals

  private literal(n: AstNode | undefined, scope: Scope, depth = 0): ArgLit {
    if (!n || depth > MAX_LITERAL_DEPTH) return null;
    switch (n.type) {
      case 'Literal': {
        const v = n['value'];
        if (typeof v === 'string') return { s: v };
        if (typeof v === 'number') return { n: v };
        return null;
      }
      case 'TemplateLiteral': {
        const s = staticString(n);
        return s === undefined ? null : { s };
      }
      case 'Identifier': {
        const name = str(n['name']);
        const b = name ? scope.lookup(name) : undefined;
        if (!b || this.bindingUnknown(b) || b.fixed) return null;
        const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
        if (!src || !src.path || src.path.length > 0) return null;
        return this.literal(src.node, src.scope, depth + 1);
      }
      case 'MemberExpression': {
        const env = this.envName(n, scope);
        return env ? { env } : null;
      }
      case 'LogicalExpression': {
        const op = n['operator'];
        if (op !== '||' && op !== '??') return null;
        const left = this.literal(node(n['left']), scope, depth + 1);
        const right = this.literal(node(n['right']), scope, depth + 1);
        if (left && 'env' in left && right && ('s' in right || 'n' in right))
          return { env: left.env, dflt: 's' in right ? right.s : right.n };
        return left && !('env' in left) ? left : null;
      }
      case 'CallExpression': {
        const callee = node(n['callee']);
        const name = callee?.type === 'Identifier' ? str(callee['name']) : undefined;
        if (name !== 'Number' && name !== 'parseInt' && name !== 'String' && name !== 'parseFloat') return null;
        const inner = this.literal(nodes(n['arguments'])[0], scope, depth + 1);
        return name === 'String' ? inner : toNumber(inner);
      }
      case 'UnaryExpression':
        return n['operator'] === '+' ? toNumber(this.literal(node(n['argument']), scope, depth + 1)) : null;
      case 'ArrayExpression': {
        const out: string[] = [];
        for (const el of n['elements'] as unknown[]) {
          const s = staticString(node(el));
          if (s === undefined) return null;
          out.push(s);
        }
        return { arr: out };
      }
      case 'ObjectExpression': {
        const pairs: [string, ArgLit][] = [];
        for (const p of nodes(n['properties'])) {
          if (p.type !== 'Property') continue;
          const key = node(p['key']);
          const name = key ? keyName(key, p['computed'] === true) : undefined;
          if (!name) continue;
          const v = this.literal(node(p['value']), scope, depth + 1);
          if (v && !('obj' in v)) pairs.push([name, v]);
        }
        return pairs.length > 0 ? { obj: pairs } : null;
      }
      default:
        return null;
    }
  }

  /** `process.env.PORT` / `process.env['PORT']` → `PORT`. */
  private envName(n: AstNode, scope: Scope): string | undefined {
    const obj = node(n['object']);
    const prop = node(n['property']);
    if (!obj || !prop) return undefined;
    const name = keyName(prop, n['computed'] === true);
    if (!name) return undefined;
    const refs = this.eval(obj, scope);
    return refs.some((r) => r.k === 'builtin' && r.mod === 'process' && r.path.length === 1 && r.path[0] === 'env') ? name : undefined;
  }

  private argLits(n: AstNode, scope: Scope, skip = 0): ArgLit[] | undefined {
    const out = nodes(n['arguments'])
      .slice(skip, skip + 3)
      .map((a) => this.literal(a, scope));
    while (out.length > 0 && out[out.length - 1] === null) out.pop();
    return out.length > 0 ? out : undefined;
  }

  // ---------------------------------------------------------------- pass 2: scan

  private use(ref: Ref, mode: UseMode, at: number, args?: ArgLit[]): void {
    const u: UseFact = { ref, mode, at: this.pos(at), top: this.fnDepth === 0 };
    if (args) u.args = args;
    this.uses.push(u);
  }

  private uncertain(kind: UncertaintyFact['kind'], at: number, message: string, assumption: string): void {
    this.uncertainties.push({ kind, at: this.pos(at), message, assumption });
  }

  /** A value reaches a place the analyzer does not follow (argument, property, return, store). */
  private escape(n: AstNode | undefined, scope: Scope): void {
    if (!n || this.noEscape.has(n)) return;
    if (
      n.type === 'Literal' ||
      n.type === 'FunctionExpression' ||
      n.type === 'ArrowFunctionExpression' ||
      n.type === 'ObjectExpression' ||
      n.type === 'ArrayExpression'
    )
      return;
    for (const r of this.eval(n, scope)) this.escapeRef(r, n);
  }

  private escapeRef(r: Ref, n: AstNode): void {
    if (r.k === 'require') {
      this.uncertain(
        'dynamic-require',
        n.start,
        'the require function is passed on, so modules may be loaded by names the analyzer cannot see',
        'any built-in module may be loaded: every module used as a whole',
      );
    } else if (r.k === 'builtin' || r.k === 'import') {
      this.use(r, 'escape', n.start);
    }
  }

  private scan(n: AstNode, scope: Scope): void {
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const s = this.scopeOf(n, scope);
        // A function passed to a message sink is code again, not a message.
        const message = this.messageDepth;
        this.messageDepth = 0;
        this.fnDepth++;
        for (const p of nodes(n['params'])) this.scan(p, s);
        const body = node(n['body']);
        if (body) {
          if (body.type !== 'BlockStatement') this.escape(body, s);
          this.scan(body, s);
        }
        this.fnDepth--;
        this.messageDepth = message;
        return;
      }
      case 'PropertyDefinition':
      case 'AccessorProperty': {
        // Instance field initialisers run at construction time, not when the class is defined.
        const isStatic = n['static'] === true;
        if (!isStatic) this.fnDepth++;
        this.children(n, (c) => this.scan(c, scope));
        if (!isStatic) this.fnDepth--;
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'SwitchStatement':
      case 'CatchClause': {
        const s = this.scopeOf(n, scope);
        this.children(n, (c) => this.scan(c, s));
        return;
      }
      case 'CallExpression':
        this.scanCall(n, scope);
        this.scanCallParts(n, scope);
        return;
      case 'NewExpression':
        this.scanNew(n, scope);
        this.scanCallParts(n, scope);
        return;
      case 'MemberExpression':
        this.scanMember(n, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'AssignmentExpression':
        this.scanAssign(n, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'VariableDeclarator':
        this.scanDeclarator(n, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'ThrowStatement':
        this.escape(node(n['argument']), scope);
        this.inMessage(() => this.children(n, (c) => this.scan(c, scope)));
        return;
      case 'ReturnStatement':
      case 'YieldExpression':
      case 'SpreadElement':
        this.escape(node(n['argument']), scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'ObjectExpression':
        if (!this.exportObjects.has(n)) {
          for (const p of nodes(n['properties'])) {
            if (p.type === 'Property' && p['kind'] === 'init' && p['method'] !== true) this.escape(node(p['value']), scope);
          }
        }
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'ArrayExpression':
        for (const el of nodes(n['elements'])) if (el.type !== 'SpreadElement') this.escape(el, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'ImportDeclaration': {
        if (n['importKind'] === 'type') return;
        const spec = staticString(node(n['source']));
        if (spec !== undefined) this.dep(spec, 'import', false, n.start);
        return;
      }
      case 'ExportNamedDeclaration':
        this.scanExportNamed(n, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      case 'ExportAllDeclaration': {
        const spec = staticString(node(n['source']));
        if (spec === undefined || n['exportKind'] === 'type') return;
        this.dep(spec, 'import', false, n.start);
        const ref = this.moduleRef(spec, 'import');
        const exported = node(n['exported']);
        const name = exported ? keyName(exported, false) : undefined;
        if (name) this.addNamed(name, ref);
        else this.exports.stars.push(...ref);
        return;
      }
      case 'ExportDefaultDeclaration': {
        const decl = node(n['declaration']);
        if (decl && !decl.type.endsWith('Declaration')) {
          this.addNamed('default', this.eval(decl, scope));
          this.noEscape.add(decl);
        }
        this.children(n, (c) => this.scan(c, scope));
        return;
      }
      case 'ImportExpression': {
        const src = node(n['source']);
        const spec = staticString(src);
        if (spec !== undefined) {
          this.dep(spec, 'import', true, n.start);
          if (src) this.specLiterals.add(src);
        } else if (src) this.computedSpecifier('import', n, src, scope);
        this.children(n, (c) => this.scan(c, scope));
        return;
      }
      case 'Literal':
        if (typeof n['value'] === 'string' && !this.specLiterals.has(n)) this.noteString(n['value'], n.start);
        return;
      case 'TemplateElement': {
        const cooked = (n['value'] as { cooked?: unknown } | undefined)?.cooked;
        if (typeof cooked === 'string') this.noteString(cooked, n.start);
        return;
      }
      default:
        this.children(n, (c) => this.scan(c, scope));
    }
  }

  private dep(spec: string, via: 'require' | 'import', dynamic: boolean, at: number): void {
    if (builtinName(spec, this.opts.builtins)) return;
    this.deps.push({ spec, via, dynamic, top: this.fnDepth === 0, at: this.pos(at) });
  }

  private addNamed(name: string, refs: Ref[]): void {
    const prev = this.named.get(name);
    this.named.set(name, prev ? union(prev, refs) : refs);
  }

  private isUnshadowed(n: AstNode | undefined, name: string, scope: Scope): boolean {
    return n?.type === 'Identifier' && n['name'] === name && !scope.lookup(name);
  }

  /** `module.exports` with `module` the CommonJS global. */
  private isModuleExports(n: AstNode | undefined, scope: Scope): boolean {
    if (n?.type !== 'MemberExpression' || n['computed'] === true) return false;
    const prop = node(n['property']);
    return this.isUnshadowed(node(n['object']), 'module', scope) && prop?.type === 'Identifier' && prop['name'] === 'exports';
  }

  private isExportsObject(n: AstNode | undefined, scope: Scope): boolean {
    return this.isUnshadowed(n, 'exports', scope) || this.isModuleExports(n, scope);
  }

  private callAt(n: AstNode): number {
    const callee = node(n['callee']);
    if (callee?.type === 'MemberExpression') return node(callee['property'])?.start ?? n.start;
    return callee?.start ?? n.start;
  }

  private scanCall(n: AstNode, scope: Scope): void {
    const callee = node(n['callee']);
    if (!callee) return;
    const args = nodes(n['arguments']);
    const at = this.callAt(n);
    const top = this.fnDepth === 0;
    const name = this.calleeName(callee);

    // CommonJS re-export shapes emitted by compilers.
    if (name === '__exportStar' && args.length >= 2 && this.isExportsObject(args[1], scope)) {
      if (args[0]) this.exports.stars.push(...this.eval(args[0], scope));
      return;
    }
    if (
      name === 'defineProperty' &&
      callee.type === 'MemberExpression' &&
      this.isUnshadowed(node(callee['object']), 'Object', scope) &&
      this.isExportsObject(args[0], scope)
    ) {
      const key = staticString(args[1]);
      const desc = args[2];
      if (key !== undefined && desc?.type === 'ObjectExpression') {
        this.exportObjects.add(desc);
        for (const p of nodes(desc['properties'])) {
          const k = node(p['key']);
          const kn = k ? keyName(k, p['computed'] === true) : undefined;
          const v = node(p['value']);
          if (!v) continue;
          if (kn === 'value') this.addNamed(key, this.eval(v, scope));
          else if (kn === 'get' && (v.type === 'FunctionExpression' || v.type === 'ArrowFunctionExpression')) {
            const ret = this.getterReturn(v);
            if (ret) {
              this.addNamed(key, this.eval(ret.node, this.scopeOf(v, scope)));
              this.noEscape.add(ret.node);
            }
          }
        }
      }
      return;
    }

    const through = this.passthroughArg(n, scope);
    if (through) {
      this.noEscape.add(through);
      return;
    }
    // `X.call.call(f, t, a)`, `X.apply.call(f, t, args)`: a call of `f` (not of X).
    if (this.callChain(callee)) {
      const target = args[0];
      if (target)
        for (const r of this.eval(target, scope))
          if (r.k === 'builtin' || r.k === 'import' || (r.k === 'instance' && r.path.length === 1)) this.use(r, 'call', at);
      for (const a of args.slice(1)) this.escape(a.type === 'SpreadElement' ? node(a['argument']) : a, scope);
      return;
    }

    const refs = this.eval(callee, scope);
    let args0: ArgLit[] | undefined;
    // `f.call(thisArg, a, b)` passes a, b; `f.apply(thisArg, array)` passes nothing readable.
    const skip = name === 'call' ? 1 : name === 'apply' ? -1 : 0;
    const lits = (): ArgLit[] | undefined => (skip < 0 ? undefined : (args0 ??= this.argLits(n, scope, skip)));
    for (const r of refs) {
      if (r.k === 'require') {
        const via = r.via ?? 'require';
        const spec = staticString(args[0]);
        if (spec !== undefined) {
          this.dep(spec, via, via === 'import', n.start);
          this.specLiterals.add(args[0]!);
        } else if (args[0]) this.computedSpecifier(via, n, args[0], scope);
        continue;
      }
      if (r.k === 'builtin' && r.mod === 'global' && r.path.length === 1 && (r.path[0] === 'eval' || r.path[0] === 'Function')) {
        this.dynamicCode(r.path[0], n, scope);
        continue;
      }
      if (r.k === 'builtin' || r.k === 'import' || (r.k === 'instance' && r.path.length === 1)) {
        this.use(r, 'call', at, lits());
      }
    }
    if (name === 'listen' && callee.type === 'MemberExpression') this.listens.push({ at: this.pos(at), top, args: lits() ?? [] });
    let fn: AstNode | null | undefined = null;
    args.forEach((a, i) => {
      if (a.type === 'SpreadElement') return this.escape(node(a['argument']), scope);
      // A built-in handed to a function of this module: what the function does with that
      // parameter, instead of the whole module (`eehaslisteners(process, 'x')`). Only worked
      // out for arguments that are built-ins: the walk of the function body is not free.
      const refs = this.eval(a, scope).filter((r) => r.k === 'builtin');
      if (refs.length === 0) return this.escape(a, scope);
      if (fn === null) fn = this.localFunction(callee, scope);
      const uses = fn ? this.paramUses(fn, i) : undefined;
      if (!uses) return this.escape(a, scope);
      for (const r of refs) for (const u of uses) for (const t of memberPath([r], u.path)) this.use(t, u.mode, a.start);
      for (const r of this.eval(a, scope)) if (r.k === 'import' || r.k === 'require') this.escapeRef(r, a);
    });
  }

  // ---------------------------------------------------------------- code built at run time

  private readonly originCtx: OriginContext<Scope> = {
    refs: (n, s) => this.eval(n, s),
    constOf: (id, s) => {
      const name = str(id['name']);
      const b = name ? s.lookup(name) : undefined;
      if (!b || b.fixed || this.bindingUnknown(b)) return [];
      const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
      return src && src.path?.length === 0 ? [{ node: src.node, scope: src.scope }] : [];
    },
    returnsOf: (id, s) => {
      const name = str(id['name']);
      const decl = name ? s.lookup(name)?.decl : undefined;
      const body = decl ? node(decl['body']) : undefined;
      return decl && body ? returnedExpressions(body).map((r) => ({ node: r, scope: this.scopeOf(decl, s) })) : [];
    },
    isGlobal: (name, s) => !s.lookup(name),
  };

  /** Strings inside an error, a log line or a warning are text for people, never code or names. */
  private messageDepth = 0;

  private inMessage(f: () => void): void {
    this.messageDepth++;
    try {
      f();
    } finally {
      this.messageDepth--;
    }
  }

  /** The callee, then the arguments: inside a message sink (`new Error(…)`, `console.warn(…)`) as messages. */
  private scanCallParts(n: AstNode, scope: Scope): void {
    const callee = node(n['callee']);
    if (callee) this.scan(callee, scope);
    const args = (): void => {
      for (const a of nodes(n['arguments'])) this.scan(a, scope);
    };
    if (callee && this.isMessageSink(callee)) this.inMessage(args);
    else args();
  }

  private isMessageSink(callee: AstNode): boolean {
    if (callee.type === 'Identifier') {
      const name = str(callee['name']) ?? '';
      return /(?:Error|Exception)$/.test(name) || MESSAGE_FUNCTIONS.has(name);
    }
    if (callee.type !== 'MemberExpression' || callee['computed'] === true) return false;
    const prop = node(callee['property']);
    const name = prop ? (str(prop['name']) ?? '') : '';
    const obj = node(callee['object']);
    if (obj?.type === 'Identifier' && obj['name'] === 'console') return true;
    return /(?:Error|Exception)$/.test(name) || MESSAGE_METHODS.has(name);
  }

  /** A string of the program: a built-in module's name, or an API root in code (dynamic-code.ts). */
  private noteString(text: string, at: number): void {
    if (this.messageDepth > 0) return;
    const mod = text.length <= 40 ? builtinName(text, this.opts.builtins) : undefined;
    if (mod) this.builtinNames.add(mod);
    const root = codeRootIn(text);
    if (root === undefined || this.codeRoots.filter((r) => r.scope === root.scope).length >= MAX_CODE_ROOTS) return;
    this.codeRoots.push({ ...root, at: this.pos(at) });
  }

  /** `new Function(…)` / `Function(…)` with constant text that only imports its argument. */
  private importShim(n: AstNode, scope: Scope): boolean {
    const code = constantCode('Function', nodes(n['arguments']), scope, this.originCtx.constOf);
    return code !== undefined && isImportShim(code);
  }

  /**
   * eval / Function: constant code is analysed in place (its facts located at this call);
   * otherwise the site is reported with where its text comes from, for the link step to decide.
   */
  private dynamicCode(what: 'eval' | 'Function', n: AstNode, scope: Scope): void {
    const callee = node(n['callee']);
    const direct = what === 'eval' && n.type === 'CallExpression' && callee?.type === 'Identifier' && callee['name'] === 'eval';
    // `Function.call(t, a, body)` / `Function.apply(t, [a, body])`: the code is after `this`.
    const via = callee?.type === 'MemberExpression' && callee['computed'] !== true ? str(node(callee['property'])?.['name']) : undefined;
    let args = nodes(n['arguments']);
    if (via === 'call') args = args.slice(1);
    else if (via === 'apply') args = args[1]?.type === 'ArrayExpression' ? nodes(args[1]['elements']) : args.slice(1);
    const code = constantCode(what, what === 'eval' ? args.slice(0, 1) : args, scope, this.originCtx.constOf);
    if (code && what === 'Function' && isImportShim(code)) return; // an importer: its calls are followed
    if (code && (this.nested?.nesting ?? 0) < MAX_NESTED_CODE && this.inlineCode(what, code.source, n, direct)) return;
    const from = classifyOrigin(what === 'eval' ? args.slice(0, 1) : args, scope, this.originCtx, false);
    const u: UncertaintyFact =
      what === 'eval'
        ? {
            kind: 'eval',
            at: this.pos(n.start),
            message: `eval of code built at run time: ${this.snippet(n)}`,
            assumption: 'the evaluated code may call any API: the whole runtime assumed',
          }
        : {
            kind: 'new-function',
            at: this.pos(n.start),
            message: `Function constructor: ${this.snippet(n)}`,
            assumption: 'the constructed function may call any API: the whole runtime assumed',
          };
    u.origin = from.origin;
    if (direct) u.direct = true;
    if (from.origin === 'external') u.message += ` (its text comes from ${from.why})`;
    this.uncertainties.push(u);
  }

  /** Analyses constant code built at `n` as part of this module; false when it does not parse. */
  private inlineCode(what: 'eval' | 'Function', source: string, n: AstNode, direct: boolean): boolean {
    const parsed = parseJs('<dynamic code>', source, 'commonjs');
    if (!parsed.ok) return false;
    const inner = new Extractor(source, false, this.opts, {
      anchor: this.pos(n.start),
      fnDepth: what === 'Function' ? this.fnDepth + 1 : this.fnDepth,
      noRequire: !direct,
      nesting: (this.nested?.nesting ?? 0) + 1,
    }).run(parsed.program);
    this.deps.push(...inner.deps);
    this.uses.push(...inner.uses);
    this.listens.push(...inner.listens);
    for (const u of inner.uncertainties) this.uncertainties.push({ ...u, message: `in code built from literals (${what}): ${u.message}` });
    for (const b of inner.builtinNames ?? []) this.builtinNames.add(b);
    return true;
  }

  /** `require(x)` / `import(x)` with a computed name: reported with where the name comes from. */
  private computedSpecifier(via: 'require' | 'import', n: AstNode, arg: AstNode, scope: Scope): void {
    const from = classifyOrigin([arg], scope, this.originCtx, true);
    const u: UncertaintyFact = {
      kind: via === 'require' ? 'dynamic-require' : 'dynamic-import',
      at: this.pos(n.start),
      message: `${via === 'require' ? 'require' : 'import()'} of a computed name: ${this.snippet(n)}`,
      assumption: 'any module may be loaded: every built-in module used as a whole',
      origin: from.origin,
    };
    if (from.origin === 'external') u.message += ` (the name comes from ${from.why})`;
    else if (from.dir !== undefined) u.dir = from.dir;
    this.uncertainties.push(u);
  }

  private getterReturn(fn: AstNode): { node: AstNode } | undefined {
    const body = node(fn['body']);
    if (!body) return undefined;
    if (body.type !== 'BlockStatement') return { node: body };
    const stmts = nodes(body['body']);
    const ret = stmts.length === 1 && stmts[0]!.type === 'ReturnStatement' ? node(stmts[0]!['argument']) : undefined;
    return ret ? { node: ret } : undefined;
  }

  private scanNew(n: AstNode, scope: Scope): void {
    const callee = node(n['callee']);
    if (!callee) return;
    for (const r of this.eval(callee, scope)) {
      if (isFunctionCtor(r)) {
        this.dynamicCode('Function', n, scope);
        continue;
      }
      if ((r.k === 'builtin' && r.path.length > 0) || r.k === 'import') this.use(r, 'new', callee.start, this.argLits(n, scope));
    }
    for (const a of nodes(n['arguments'])) this.escape(a.type === 'SpreadElement' ? node(a['argument']) : a, scope);
  }

  private scanMember(n: AstNode, scope: Scope): void {
    if (n['computed'] !== true) return;
    const prop = node(n['property']);
    if (!prop || keyName(prop, true) !== undefined) return;
    const obj = node(n['object']);
    if (!obj) return;
    for (const r of this.eval(obj, scope)) {
      if (r.k === 'builtin' || r.k === 'import') this.use(r, 'computed', n.start);
    }
  }

  private scanAssign(n: AstNode, scope: Scope): void {
    if (n['operator'] !== '=') return;
    const left = node(n['left']);
    const right = node(n['right']);
    if (!left || !right) return;
    if (this.isModuleExports(left, scope)) {
      this.whole = union(this.whole ?? [], this.eval(right, scope));
      if (right.type === 'ObjectExpression') this.exportObject(right, scope);
      this.noEscape.add(right);
      return;
    }
    if (left.type === 'MemberExpression' && this.isExportsObject(node(left['object']), scope)) {
      const prop = node(left['property']);
      const key = prop ? keyName(prop, left['computed'] === true) : undefined;
      if (key !== undefined) {
        this.addNamed(key, this.eval(right, scope));
        this.noEscape.add(right);
        return;
      }
    }
    if (left.type === 'Identifier') {
      const name = str(left['name']);
      const b = name ? scope.lookup(name) : undefined;
      if (b && !this.bindingUnknown(b)) return;
      if (!b && (name === 'exports' || name === 'module')) return;
    }
    this.escape(right, scope);
  }

  private exportObject(obj: AstNode, scope: Scope): void {
    this.exportObjects.add(obj);
    for (const p of nodes(obj['properties'])) {
      if (p.type === 'SpreadElement') {
        const arg = node(p['argument']);
        if (arg) {
          this.exports.stars.push(...this.eval(arg, scope));
          this.noEscape.add(arg);
        }
        continue;
      }
      const key = node(p['key']);
      const name = key ? keyName(key, p['computed'] === true) : undefined;
      const value = node(p['value']);
      if (name === undefined || !value || p['kind'] !== 'init') continue;
      this.addNamed(name, this.eval(value, scope));
    }
  }

  private scanDeclarator(n: AstNode, scope: Scope): void {
    const id = node(n['id']);
    const init = node(n['init']);
    if (!id || !init) return;
    if (id.type === 'Identifier') {
      const name = str(id['name']);
      const b = name ? scope.lookup(name) : undefined;
      if (b && this.bindingUnknown(b)) this.escape(init, scope);
      return;
    }
    // Destructuring: paths are followed unless a rest element or an array pattern takes the whole.
    if (!patternFollowable(id)) this.escape(init, scope);
  }

  private scanExportNamed(n: AstNode, scope: Scope): void {
    if (n['exportKind'] === 'type') return;
    const sourceNode = node(n['source']);
    const source = staticString(sourceNode);
    if (sourceNode) this.specLiterals.add(sourceNode);
    const decl = node(n['declaration']);
    if (decl?.type === 'VariableDeclaration') {
      for (const d of nodes(decl['declarations'])) {
        const id = node(d['id']);
        if (!id) continue;
        for (const name of patternNames(id)) {
          const b = scope.lookup(name);
          if (b) this.addNamed(name, this.bindingValue(b));
        }
      }
    }
    if (source !== undefined) this.dep(source, 'import', false, n.start);
    for (const s of nodes(n['specifiers'])) {
      const local = node(s['local']);
      const exported = node(s['exported']);
      const lname = local ? keyName(local, false) : undefined;
      const ename = exported ? keyName(exported, false) : lname;
      if (!lname || !ename) continue;
      if (source !== undefined) {
        const b = builtinName(source, this.opts.builtins);
        const path = b && lname === 'default' ? [] : [lname];
        this.addNamed(ename, [b ? { k: 'builtin', mod: b, path } : { k: 'import', spec: source, via: 'import', path }]);
      } else {
        const b = scope.lookup(lname);
        this.addNamed(ename, b ? this.bindingValue(b) : this.globalRef(lname));
      }
    }
  }
}

/** Functions whose string arguments are messages for people (errors, logs, deprecations). */
const MESSAGE_FUNCTIONS: ReadonlySet<string> = new Set([
  'deprecate',
  'warn',
  'debug',
  'log',
  'emitWarning',
  'assert',
  'invariant',
  'createError',
]);
const MESSAGE_METHODS: ReadonlySet<string> = new Set([
  'warn',
  'error',
  'log',
  'info',
  'debug',
  'trace',
  'emitWarning',
  'deprecate',
  'fail',
  'assert',
  'throw',
]);

const isFunctionCtor = (r: Ref): boolean => r.k === 'builtin' && r.mod === 'global' && r.path.length === 1 && r.path[0] === 'Function';

function toNumber(v: ArgLit): ArgLit {
  if (!v) return null;
  if ('n' in v) return v;
  if ('s' in v) {
    const num = Number(v.s);
    return v.s.trim() !== '' && Number.isFinite(num) ? { n: num } : null;
  }
  if ('env' in v) {
    if (v.dflt === undefined) return v;
    const num = Number(v.dflt);
    return Number.isFinite(num) ? { env: v.env, dflt: num } : { env: v.env };
  }
  return null;
}
