/**
 * What a module exports (facts.ts `ExportFacts`): `module.exports = …`, `exports.x = …`, object
 * literals of exports, ES `export` declarations, and the CommonJS re-export shapes compilers emit
 * (`__exportStar`, `Object.defineProperty(exports, 'x', { get })`). Exported values are linked
 * across modules later (index.ts), so they do not escape here.
 */
import { builtinName } from './ids.js';
import { type AstNode, astNode as node, astNodes as nodes } from './parse.js';
import { patternNames } from './patterns.js';
import { keyName, staticString, str, union } from './refs.js';
import type { Scope } from './scope.js';
import { bindingUnknown } from './evaluate.js';
import { escape } from './escapes.js';
import type { ExtractionContext } from './extract-context.js';

function isUnshadowed(n: AstNode | undefined, name: string, scope: Scope): boolean {
  return n?.type === 'Identifier' && n['name'] === name && !scope.lookup(name);
}

/** `module.exports` with `module` the CommonJS global. */
function isModuleExports(n: AstNode | undefined, scope: Scope): boolean {
  if (n?.type !== 'MemberExpression' || n['computed'] === true) return false;
  const prop = node(n['property']);
  return isUnshadowed(node(n['object']), 'module', scope) && prop?.type === 'Identifier' && prop['name'] === 'exports';
}

function isExportsObject(n: AstNode | undefined, scope: Scope): boolean {
  return isUnshadowed(n, 'exports', scope) || isModuleExports(n, scope);
}

/** `x = v`: an export when x is `module.exports` or `exports.name`, else v escapes unless x is followed. */
export function scanAssign(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  if (n['operator'] !== '=') return;
  const left = node(n['left']);
  const right = node(n['right']);
  if (!left || !right) return;
  if (isModuleExports(left, scope)) {
    ctx.whole = union(ctx.whole ?? [], ctx.values.eval(right, scope));
    if (right.type === 'ObjectExpression') exportObject(ctx, right, scope);
    ctx.noEscape.add(right);
    return;
  }
  if (left.type === 'MemberExpression' && isExportsObject(node(left['object']), scope)) {
    const prop = node(left['property']);
    const key = prop ? keyName(prop, left['computed'] === true) : undefined;
    if (key !== undefined) {
      ctx.addNamed(key, ctx.values.eval(right, scope));
      ctx.noEscape.add(right);
      return;
    }
  }
  if (left.type === 'Identifier') {
    const name = str(left['name']);
    const b = name ? scope.lookup(name) : undefined;
    if (b && !bindingUnknown(b)) return;
    if (!b && (name === 'exports' || name === 'module')) return;
  }
  escape(ctx, right, scope);
}

function exportObject(ctx: ExtractionContext, obj: AstNode, scope: Scope): void {
  ctx.exportObjects.add(obj);
  for (const p of nodes(obj['properties'])) {
    if (p.type === 'SpreadElement') {
      const arg = node(p['argument']);
      if (arg) {
        ctx.exports.stars.push(...ctx.values.eval(arg, scope));
        ctx.noEscape.add(arg);
      }
      continue;
    }
    const key = node(p['key']);
    const name = key ? keyName(key, p['computed'] === true) : undefined;
    const value = node(p['value']);
    if (name === undefined || !value || p['kind'] !== 'init') continue;
    ctx.addNamed(name, ctx.values.eval(value, scope));
  }
}

/**
 * CommonJS re-export shapes emitted by compilers: `__exportStar(m, exports)` and
 * `Object.defineProperty(exports, 'x', { value | get })`. True when the call is one of them.
 */
export function scanCompiledReexport(ctx: ExtractionContext, n: AstNode, scope: Scope, name: string | undefined): boolean {
  const callee = node(n['callee']);
  if (!callee) return false;
  const args = nodes(n['arguments']);
  if (name === '__exportStar' && args.length >= 2 && isExportsObject(args[1], scope)) {
    if (args[0]) ctx.exports.stars.push(...ctx.values.eval(args[0], scope));
    return true;
  }
  if (
    name === 'defineProperty' &&
    callee.type === 'MemberExpression' &&
    isUnshadowed(node(callee['object']), 'Object', scope) &&
    isExportsObject(args[0], scope)
  ) {
    const key = staticString(args[1]);
    const desc = args[2];
    if (key !== undefined && desc?.type === 'ObjectExpression') {
      ctx.exportObjects.add(desc);
      for (const p of nodes(desc['properties'])) {
        const k = node(p['key']);
        const kn = k ? keyName(k, p['computed'] === true) : undefined;
        const v = node(p['value']);
        if (!v) continue;
        if (kn === 'value') ctx.addNamed(key, ctx.values.eval(v, scope));
        else if (kn === 'get' && (v.type === 'FunctionExpression' || v.type === 'ArrowFunctionExpression')) {
          const ret = getterReturn(v);
          if (ret) {
            ctx.addNamed(key, ctx.values.eval(ret.node, ctx.scopeOf(v, scope)));
            ctx.noEscape.add(ret.node);
          }
        }
      }
    }
    return true;
  }
  return false;
}

function getterReturn(fn: AstNode): { node: AstNode } | undefined {
  const body = node(fn['body']);
  if (!body) return undefined;
  if (body.type !== 'BlockStatement') return { node: body };
  const stmts = nodes(body['body']);
  const ret = stmts.length === 1 && stmts[0]!.type === 'ReturnStatement' ? node(stmts[0]!['argument']) : undefined;
  return ret ? { node: ret } : undefined;
}

export function scanExportNamed(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  if (n['exportKind'] === 'type') return;
  const sourceNode = node(n['source']);
  const source = staticString(sourceNode);
  if (sourceNode) ctx.specLiterals.add(sourceNode);
  const decl = node(n['declaration']);
  if (decl?.type === 'VariableDeclaration') {
    for (const d of nodes(decl['declarations'])) {
      const id = node(d['id']);
      if (!id) continue;
      for (const name of patternNames(id)) {
        const b = scope.lookup(name);
        if (b) ctx.addNamed(name, ctx.values.bindingValue(b));
      }
    }
  }
  if (source !== undefined) ctx.dep(source, 'import', false, n.start);
  for (const s of nodes(n['specifiers'])) {
    const local = node(s['local']);
    const exported = node(s['exported']);
    const lname = local ? keyName(local, false) : undefined;
    const ename = exported ? keyName(exported, false) : lname;
    if (!lname || !ename) continue;
    if (source !== undefined) {
      const b = builtinName(source, ctx.opts.builtins);
      const path = b && lname === 'default' ? [] : [lname];
      ctx.addNamed(ename, [b ? { k: 'builtin', mod: b, path } : { k: 'import', spec: source, via: 'import', path }]);
    } else {
      const b = scope.lookup(lname);
      ctx.addNamed(ename, b ? ctx.values.bindingValue(b) : ctx.values.globalRef(lname));
    }
  }
}

/** `export * from 'm'` / `export * as ns from 'm'`. */
export function scanExportAll(ctx: ExtractionContext, n: AstNode): void {
  const spec = staticString(node(n['source']));
  if (spec === undefined || n['exportKind'] === 'type') return;
  ctx.dep(spec, 'import', false, n.start);
  const ref = ctx.values.moduleRef(spec, 'import');
  const exported = node(n['exported']);
  const name = exported ? keyName(exported, false) : undefined;
  if (name) ctx.addNamed(name, ref);
  else ctx.exports.stars.push(...ref);
}

/** `export default <expression>`. */
export function scanExportDefault(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  const decl = node(n['declaration']);
  if (decl && !decl.type.endsWith('Declaration')) {
    ctx.addNamed('default', ctx.values.eval(decl, scope));
    ctx.noEscape.add(decl);
  }
}
