/**
 * Uses of built-in APIs (or, symbolically, of other modules' exports) at calls, `new` and computed
 * member reads: what the callee evaluates to, with the call's literal arguments; `require`/`import`
 * calls become dependencies; `.listen(…)` calls on any object become listen candidates; a built-in
 * handed to a function of the module counts as what the function does with that parameter.
 */
import type { ArgLit } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes } from './parse.js';
import { type ParamUse, paramUsesIn } from './param-uses.js';
import { keyName, memberPath, staticString, str } from './refs.js';
import type { Scope } from './scope.js';
import { argLiterals } from './arg-literals.js';
import { scanComputedSpecifier, scanDynamicCode } from './dynamic-code-sites.js';
import { escape, escapeRef } from './escapes.js';
import { callChain, calleeName, isFunctionCtor } from './evaluate.js';
import type { ExtractionContext } from './extract-context.js';
import { scanCompiledReexport } from './module-exports.js';

/** Where a call is located: at the method name of `a.b(…)`, else at the callee. */
function callAt(n: AstNode): number {
  const callee = node(n['callee']);
  if (callee?.type === 'MemberExpression') return node(callee['property'])?.start ?? n.start;
  return callee?.start ?? n.start;
}

/** The function node a callee names, when it is a function declared or const-bound in this module. */
function localFunction(callee: AstNode, scope: Scope): AstNode | undefined {
  if (callee.type !== 'Identifier') return undefined;
  const b = scope.lookup(str(callee['name']) ?? '');
  if (!b) return undefined;
  if (b.kind === 'fn' && b.decl && !b.multi && b.assigns === 0) return b.decl;
  const init = b.kind === 'const' && b.init?.path?.length === 0 ? b.init.node : undefined;
  return init && (init.type === 'FunctionExpression' || init.type === 'ArrowFunctionExpression') ? init : undefined;
}

/**
 * How a function uses its i-th parameter: member calls and reads (`p.listenerCount(t)`),
 * calls of it, tests (`typeof p.x`, `p === null`) that use nothing. Undefined when the parameter
 * is not a plain name, is reassigned or shadowed, `arguments` is read, or the value goes
 * anywhere else (passed on, stored, returned): then the argument escapes as before.
 */
function paramUses(ctx: ExtractionContext, fn: AstNode, i: number): ParamUse[] | undefined {
  let byIndex = ctx.paramMemo.get(fn);
  if (!byIndex) ctx.paramMemo.set(fn, (byIndex = new Map()));
  if (byIndex.has(i)) return byIndex.get(i);
  byIndex.set(i, undefined); // recursion guard
  const param = nodes(fn['params'])[i];
  const body = node(fn['body']);
  const name = param?.type === 'Identifier' ? str(param['name']) : undefined;
  const out = name && body ? paramUsesIn(body, name) : undefined;
  byIndex.set(i, out);
  return out;
}

export function scanCall(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  const callee = node(n['callee']);
  if (!callee) return;
  const args = nodes(n['arguments']);
  const at = callAt(n);
  const top = ctx.fnDepth === 0;
  const name = calleeName(callee);

  // CommonJS re-export shapes emitted by compilers.
  if (scanCompiledReexport(ctx, n, scope, name)) return;

  const through = ctx.values.passthroughArg(n, scope);
  if (through) {
    ctx.noEscape.add(through);
    return;
  }
  // `X.call.call(f, t, a)`, `X.apply.call(f, t, args)`: a call of `f` (not of X).
  if (callChain(callee)) {
    const target = args[0];
    if (target)
      for (const r of ctx.values.eval(target, scope))
        if (r.k === 'builtin' || r.k === 'import' || (r.k === 'instance' && r.path.length === 1)) ctx.use(r, 'call', at);
    for (const a of args.slice(1)) escape(ctx, a.type === 'SpreadElement' ? node(a['argument']) : a, scope);
    return;
  }

  const refs = ctx.values.eval(callee, scope);
  let args0: ArgLit[] | undefined;
  // `f.call(thisArg, a, b)` passes a, b; `f.apply(thisArg, array)` passes nothing readable.
  const skip = name === 'call' ? 1 : name === 'apply' ? -1 : 0;
  const lits = (): ArgLit[] | undefined => (skip < 0 ? undefined : (args0 ??= argLiterals(ctx.values, n, scope, skip)));
  for (const r of refs) {
    if (r.k === 'require') {
      const via = r.via ?? 'require';
      const spec = staticString(args[0]);
      if (spec !== undefined) {
        ctx.dep(spec, via, via === 'import', n.start);
        ctx.specLiterals.add(args[0]!);
      } else if (args[0]) scanComputedSpecifier(ctx, via, n, args[0], scope);
      continue;
    }
    if (r.k === 'builtin' && r.mod === 'global' && r.path.length === 1 && (r.path[0] === 'eval' || r.path[0] === 'Function')) {
      scanDynamicCode(ctx, r.path[0], n, scope);
      continue;
    }
    if (r.k === 'builtin' || r.k === 'import' || (r.k === 'instance' && r.path.length === 1)) {
      ctx.use(r, 'call', at, lits());
    }
  }
  if (name === 'listen' && callee.type === 'MemberExpression') ctx.listens.push({ at: ctx.pos(at), top, args: lits() ?? [] });
  let fn: AstNode | null | undefined = null;
  args.forEach((a, i) => {
    if (a.type === 'SpreadElement') return escape(ctx, node(a['argument']), scope);
    // A built-in handed to a function of this module: what the function does with that
    // parameter, instead of the whole module (`eehaslisteners(process, 'x')`). Only worked
    // out for arguments that are built-ins: the walk of the function body is not free.
    const refs = ctx.values.eval(a, scope).filter((r) => r.k === 'builtin');
    if (refs.length === 0) return escape(ctx, a, scope);
    if (fn === null) fn = localFunction(callee, scope);
    const uses = fn ? paramUses(ctx, fn, i) : undefined;
    if (!uses) return escape(ctx, a, scope);
    for (const r of refs) for (const u of uses) for (const t of memberPath([r], u.path)) ctx.use(t, u.mode, a.start);
    for (const r of ctx.values.eval(a, scope)) if (r.k === 'import' || r.k === 'require') escapeRef(ctx, r, a);
  });
}

export function scanNew(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  const callee = node(n['callee']);
  if (!callee) return;
  for (const r of ctx.values.eval(callee, scope)) {
    if (isFunctionCtor(r)) {
      scanDynamicCode(ctx, 'Function', n, scope);
      continue;
    }
    if ((r.k === 'builtin' && r.path.length > 0) || r.k === 'import') ctx.use(r, 'new', callee.start, argLiterals(ctx.values, n, scope));
  }
  for (const a of nodes(n['arguments'])) escape(ctx, a.type === 'SpreadElement' ? node(a['argument']) : a, scope);
}

export function scanMember(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  if (n['computed'] !== true) return;
  const prop = node(n['property']);
  if (!prop || keyName(prop, true) !== undefined) return;
  const obj = node(n['object']);
  if (!obj) return;
  for (const r of ctx.values.eval(obj, scope)) {
    if (r.k === 'builtin' || r.k === 'import') ctx.use(r, 'computed', n.start);
  }
}
