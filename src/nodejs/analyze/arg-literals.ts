/**
 * The literal arguments of a call site (commands, ports, hosts, paths, open flags), as far as the
 * program text says them: literals, consts, `process.env.X || dflt`, `Number(…)`, arrays of strings
 * and objects of those. api-literals.ts later names them per API.
 */
import { posix } from 'node:path';
import type { ArgLit } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes } from './parse.js';
import { keyName, staticString, str } from './refs.js';
import type { Scope } from './scope.js';
import { type ValueEvaluator, bindingUnknown } from './evaluate.js';

/** Nesting followed inside one argument (consts of consts, `a || b`, object values). */
const MAX_LITERAL_DEPTH = 8;
/** Arguments kept per call: every API whose literals matter takes them in the first three. */
const MAX_LITERAL_ARGS = 3;

/** The first arguments of a call (after `skip`), null where one is not readable; undefined when the call has none. */
export function argLiterals(values: ValueEvaluator, n: AstNode, scope: Scope, skip = 0): ArgLit[] | undefined {
  const out = nodes(n['arguments'])
    .slice(skip, skip + MAX_LITERAL_ARGS)
    .map((a) => literal(values, a, scope));
  // Unreadable arguments stay (as null): a call with an argument the analysis cannot read is not a
  // call without arguments (`new StatsD(cfg)` is not `new StatsD()`, which takes the defaults).
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
      if (s !== undefined) return { s };
      return templateUrlHost(n);
    }
    case 'Identifier': {
      const name = str(n['name']);
      const b = name ? scope.lookup(name) : undefined;
      // The module's own directory: paths built on it are relative to the file, resolved when linked.
      if (name === '__dirname' && !b) return { rel: '.' };
      if (!b || bindingUnknown(b) || b.fixed) return null;
      const src = b.init ?? (b.sole ? { ...b.sole, path: [] as string[] } : undefined);
      if (!src || !src.path || src.path.length > 0) return null;
      return literal(values, src.node, src.scope, depth + 1);
    }
    case 'MemberExpression': {
      const env = envName(values, n, scope);
      if (env) return { env };
      return constProperty(values, n, scope, depth);
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
      const joined = callee ? pathJoin(values, callee, nodes(n['arguments']), scope, depth) : null;
      if (joined) return joined;
      // `normalizePort(process.env.PORT || '3000')` (express-generator's bin/www): a port helper
      // hands its argument back, as a number when it is one.
      if (name !== undefined && /port/i.test(name) && nodes(n['arguments']).length === 1)
        return literal(values, nodes(n['arguments'])[0], scope, depth + 1);
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
        // A spread or a nested object: its keys are not read, so say a key is there unread
        // (a client's host may hide in it: `{ ...config }`, `{ socket: { host } }`).
        if (p.type !== 'Property') {
          pairs.push(['...', null]);
          continue;
        }
        const key = node(p['key']);
        const name = key ? keyName(key, p['computed'] === true) : undefined;
        if (!name) {
          pairs.push(['...', null]);
          continue;
        }
        const v = literal(values, node(p['value']), scope, depth + 1);
        pairs.push([name, v && 'obj' in v ? null : v]);
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

/** `config.port` where `config` is a const object literal: that property's literal. */
function constProperty(values: ValueEvaluator, n: AstNode, scope: Scope, depth: number): ArgLit {
  const obj = node(n['object']);
  const prop = node(n['property']);
  if (obj?.type !== 'Identifier' || !prop) return null;
  const key = keyName(prop, n['computed'] === true);
  const name = str(obj['name']);
  const b = name ? scope.lookup(name) : undefined;
  if (!key || !b || b.kind !== 'const' || b.init?.path?.length !== 0 || b.init.node.type !== 'ObjectExpression') return null;
  for (const p of nodes(b.init.node['properties'])) {
    const k = node(p['key']);
    if (p.type === 'Property' && k && keyName(k, p['computed'] === true) === key)
      return literal(values, node(p['value']), b.init.scope, depth + 1);
  }
  return null;
}

/**
 * `path.join(__dirname, 'data', 'app.db')`, `path.resolve('data')`: a path from literal parts, as
 * `{ rel }` when it starts at the module's directory, else as the string (relative to the working
 * directory, or absolute). Null when a part is not literal.
 */
function pathJoin(values: ValueEvaluator, callee: AstNode, args: AstNode[], scope: Scope, depth: number): ArgLit {
  const fn = values.eval(callee, scope).find((r) => r.k === 'builtin' && r.mod === 'path' && r.path.length === 1);
  const op = fn && fn.k === 'builtin' ? fn.path[0] : undefined;
  if ((op !== 'join' && op !== 'resolve') || args.length === 0) return null;
  let rel = false;
  let out = '';
  for (const [i, a] of args.entries()) {
    const v = literal(values, a, scope, depth + 1);
    if (v && 'rel' in v && i === 0) {
      rel = true;
      out = v.rel;
    } else if (v && 's' in v) {
      if (op === 'resolve' && v.s.startsWith('/')) {
        rel = false;
        out = v.s;
      } else out = out === '' ? v.s : posix.join(out, v.s);
    } else return null;
  }
  const norm = posix.normalize(out);
  return rel ? { rel: norm } : { s: norm };
}

/**
 * `http://127.0.0.1:${port}/x`: a template whose first literal part holds the scheme and the whole
 * host (ended by `:`, `/`, `?` or `#` before the first substitution) names its host.
 */
function templateUrlHost(n: AstNode): ArgLit {
  const q = nodes(n['quasis'])[0];
  const cooked = q ? str((q['value'] as { cooked?: unknown } | undefined)?.cooked) : undefined;
  const m = cooked === undefined ? null : /^[a-z][a-z0-9+.-]*:\/\/(\[[0-9a-f:.]+\]|[a-z0-9.-]+)[:/?#]/i.exec(cooked);
  return m ? { urlHost: m[1]!.replace(/^\[|\]$/g, '') } : null;
}
