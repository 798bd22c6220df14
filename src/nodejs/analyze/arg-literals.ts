/**
 * The literal arguments of a call site (commands, ports, hosts, paths, open flags), as far as the
 * program text says them: literals, consts, `process.env.X || dflt`, `Number(…)`, arrays of strings
 * and objects of those. api-literals.ts later names them per API.
 */
import type { ArgLit } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes } from './parse.js';
import { keyName, staticString, str } from './refs.js';
import type { Scope } from './scope.js';
import { type ValueEvaluator, bindingUnknown } from './evaluate.js';

/** Nesting followed inside one argument (consts of consts, `a || b`, object values). */
const MAX_LITERAL_DEPTH = 8;
/** Arguments kept per call: every API whose literals matter takes them in the first three. */
const MAX_LITERAL_ARGS = 3;

/** The first arguments of a call (after `skip`), trailing unknowns dropped; undefined when none is known. */
export function argLiterals(values: ValueEvaluator, n: AstNode, scope: Scope, skip = 0): ArgLit[] | undefined {
  const out = nodes(n['arguments'])
    .slice(skip, skip + MAX_LITERAL_ARGS)
    .map((a) => literal(values, a, scope));
  while (out.length > 0 && out[out.length - 1] === null) out.pop();
  return out.length > 0 ? out : undefined;
}

function literal(values: ValueEvaluator, n: AstNode | undefined, scope: Scope, depth = 0): ArgLit {
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
      if (!b || bindingUnknown(b) || b.fixed) return null;
      const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
      if (!src || !src.path || src.path.length > 0) return null;
      return literal(values, src.node, src.scope, depth + 1);
    }
    case 'MemberExpression': {
      const env = envName(values, n, scope);
      return env ? { env } : null;
    }
    case 'LogicalExpression': {
      const op = n['operator'];
      if (op !== '||' && op !== '??') return null;
      const left = literal(values, node(n['left']), scope, depth + 1);
      const right = literal(values, node(n['right']), scope, depth + 1);
      if (left && 'env' in left && right && ('s' in right || 'n' in right))
        return { env: left.env, dflt: 's' in right ? right.s : right.n };
      return left && !('env' in left) ? left : null;
    }
    case 'CallExpression': {
      const callee = node(n['callee']);
      const name = callee?.type === 'Identifier' ? str(callee['name']) : undefined;
      if (name !== 'Number' && name !== 'parseInt' && name !== 'String' && name !== 'parseFloat') return null;
      const inner = literal(values, nodes(n['arguments'])[0], scope, depth + 1);
      return name === 'String' ? inner : toNumber(inner);
    }
    case 'UnaryExpression':
      return n['operator'] === '+' ? toNumber(literal(values, node(n['argument']), scope, depth + 1)) : null;
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
        const v = literal(values, node(p['value']), scope, depth + 1);
        if (v && !('obj' in v)) pairs.push([name, v]);
      }
      return pairs.length > 0 ? { obj: pairs } : null;
    }
    default:
      return null;
  }
}

/** `process.env.PORT` / `process.env['PORT']` → `PORT`. */
function envName(values: ValueEvaluator, n: AstNode, scope: Scope): string | undefined {
  const obj = node(n['object']);
  const prop = node(n['property']);
  if (!obj || !prop) return undefined;
  const name = keyName(prop, n['computed'] === true);
  if (!name) return undefined;
  const refs = values.eval(obj, scope);
  return refs.some((r) => r.k === 'builtin' && r.mod === 'process' && r.path.length === 1 && r.path[0] === 'env') ? name : undefined;
}

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
