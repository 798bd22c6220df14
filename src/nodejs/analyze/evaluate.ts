/**
 * What an expression stands for: the set of references (facts.ts `Ref`) it may evaluate to, from
 * the scopes the declarations pass built (declarations.ts). Evaluation records no facts; it is
 * memoised per node and bounded in depth.
 *
 * A binding's value is known when it is a `const`, or a `let`/`var` that is never reassigned (or
 * assigned exactly once and declared without initialiser); anything else is "unknown".
 */
import type { Ref } from './facts.js';
import { builtinApiId, builtinName, className } from './ids.js';
import { CHAINABLE_METHODS, FACTORY_BY_API, GLOBAL_FUNCTIONS, PASSTHROUGH_CALLEE } from './objects.js';
import { type AstNode, astNode as node, astNodes as nodes } from './parse.js';
import { constantCode, isImportShim } from './dynamic-code.js';
import { keyName, memberPath, staticString, str, union } from './refs.js';
import type { Binding, Scope } from './scope.js';

/** Nested evaluations (an expression whose value depends on another's, and so on). */
const MAX_EVAL_DEPTH = 60;

/** A binding whose value the analyzer does not follow (reassigned, re-declared, a parameter). */
export function bindingUnknown(b: Binding): boolean {
  if (b.fixed) return false;
  if (b.kind === 'param' || b.kind === 'fn' || b.kind === 'class' || b.kind === 'catch') return true;
  if (b.multi) return true;
  if (b.init) return b.assigns > 0;
  return b.assigns !== 1 || !b.sole;
}

/** The expression a const-like identifier was initialised or assigned with (dynamic-code.ts `ConstOf`). */
export function constSources(id: AstNode, s: Scope): { node: AstNode; scope: Scope }[] {
  const name = str(id['name']);
  const b = name ? s.lookup(name) : undefined;
  if (!b || b.fixed || bindingUnknown(b)) return [];
  const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
  return src && src.path?.length === 0 ? [{ node: src.node, scope: src.scope }] : [];
}

export const isFunctionCtor = (r: Ref): boolean =>
  r.k === 'builtin' && r.mod === 'global' && r.path.length === 1 && r.path[0] === 'Function';

/** The name a callee is called by: `f(…)` → `f`, `a.b(…)` → `b`. */
export function calleeName(callee: AstNode): string | undefined {
  if (callee.type === 'Identifier') return str(callee['name']);
  if (callee.type === 'MemberExpression' && callee['computed'] !== true) {
    const p = node(callee['property']);
    return p ? str(p['name']) : undefined;
  }
  return undefined;
}

/** `X.m1.m2` with both of call/apply/bind: [m1, m2]. */
export function callChain(callee: AstNode): [string, string] | undefined {
  const CALLISH = /^(call|apply|bind)$/;
  if (callee.type !== 'MemberExpression' || callee['computed'] === true) return undefined;
  const obj = node(callee['object']);
  if (obj?.type !== 'MemberExpression' || obj['computed'] === true) return undefined;
  const m2 = str(node(callee['property'])?.['name']);
  const m1 = str(node(obj['property'])?.['name']);
  return m1 && m2 && CALLISH.test(m1) && CALLISH.test(m2) ? [m1, m2] : undefined;
}

/** `new Function(…)` / `Function(…)` with constant text that only imports its argument. */
function importShim(n: AstNode, scope: Scope): boolean {
  const code = constantCode('Function', nodes(n['arguments']), scope, constSources);
  return code !== undefined && isImportShim(code);
}

export class ValueEvaluator {
  private readonly memo = new Map<AstNode, Ref[]>();
  private depth = 0;

  /** `requireVisible`: false in an ES module and in `new Function` code (no module-local `require`). */
  constructor(
    private readonly builtins: ReadonlySet<string>,
    private readonly requireVisible: boolean,
  ) {}

  eval(n: AstNode, scope: Scope): Ref[] {
    const cached = this.memo.get(n);
    if (cached) return cached;
    if (this.depth > MAX_EVAL_DEPTH) return [];
    this.depth++;
    let v: Ref[];
    try {
      v = this.evalUncached(n, scope);
    } finally {
      this.depth--;
    }
    this.memo.set(n, v);
    return v;
  }

  bindingValue(b: Binding): Ref[] {
    if (b.fixed) return b.fixed;
    if (b.value) return b.value;
    if (b.busy) return [];
    b.busy = true;
    let v: Ref[] = [];
    if (!bindingUnknown(b)) {
      const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
      if (src && src.path) v = memberPath(this.eval(src.node, src.scope), src.path);
    }
    b.busy = false;
    b.value = v;
    return v;
  }

  globalRef(name: string): Ref[] {
    switch (name) {
      case 'require':
        return this.requireVisible ? [{ k: 'require' }] : [];
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

  moduleRef(spec: string, via: 'require' | 'import'): Ref[] {
    const b = builtinName(spec, this.builtins);
    return b ? [{ k: 'builtin', mod: b, path: [] }] : [{ k: 'import', spec, via, path: [] }];
  }

  /** A call that returns (a view of) its first argument: promisify, interop shims, `.bind`. */
  passthroughArg(n: AstNode, scope: Scope): AstNode | undefined {
    const callee = node(n['callee']);
    if (!callee) return undefined;
    const name = calleeName(callee);
    const args = nodes(n['arguments']);
    // `X.call.bind(f)` ("uncurry this"), `X.bind.apply(f, a)`, `X.bind.call(f, t)`: a function
    // that calls `f`, whatever X is (`Function.bind.apply(Parent, a)` is not the Function constructor).
    const chain = callChain(callee);
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
          if (isFunctionCtor(r) && importShim(n, scope)) out.push({ k: 'require', via: 'import' });
          if (r.k === 'builtin' && r.path.length > 0 && r.mod !== 'global') {
            out.push({ k: 'instance', cls: className(r.mod, r.path, this.builtins), path: [] });
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
      } else if (isFunctionCtor(r) && importShim(n, scope)) {
        out = union(out, [{ k: 'require', via: 'import' }]);
      } else if (r.k === 'builtin' && r.path.length > 0) {
        const id = builtinApiId(r.mod, r.path, this.builtins);
        if (id === 'module.createRequire' || id === 'module.createRequireFromPath') out = union(out, [{ k: 'require' }]);
        const cls = FACTORY_BY_API.get(id);
        if (cls) out = union(out, [{ k: 'instance', cls, path: [] }]);
      } else if (r.k === 'instance' && r.path.length === 1 && CHAINABLE_METHODS.has(r.path[0]!)) {
        out = union(out, [{ k: 'instance', cls: r.cls, path: [] }]);
      }
    }
    return out;
  }
}
