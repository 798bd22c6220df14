/** References (facts.ts `Ref`): sets of them, member reads on them, static names of AST nodes. */
import type { Ref } from './facts.js';
import { FUNCTION_PASSTHROUGH_MEMBERS, GLOBAL_FUNCTIONS } from './objects.js';
import { type AstNode, astNodes as nodes } from './parse.js';

/** References a value may stand for, at most (beyond, the rest are dropped). */
export const MAX_UNION = 8;

export const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

/** Static string of a literal or expression-free template (`'fs'`, `` `fs` ``). */
export function staticString(n: AstNode | undefined): string | undefined {
  if (!n) return undefined;
  if (n.type === 'Literal') return str(n['value']);
  if (n.type === 'TemplateLiteral' && nodes(n['expressions']).length === 0) {
    const q = nodes(n['quasis'])[0];
    const cooked = q ? (q['value'] as { cooked?: unknown } | undefined)?.cooked : undefined;
    return str(cooked);
  }
  return undefined;
}

/** Name of a non-computed (or literal-keyed) member / property key. */
export function keyName(n: AstNode, computed: boolean): string | undefined {
  if (!computed && n.type === 'Identifier') return str(n['name']);
  if (n.type === 'Literal' && (typeof n['value'] === 'string' || typeof n['value'] === 'number')) return String(n['value']);
  return staticString(n);
}

export function union(a: Ref[], b: Ref[]): Ref[] {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = [...a];
  for (const r of b) {
    if (out.length >= MAX_UNION) break;
    if (!out.some((o) => sameRef(o, r))) out.push(r);
  }
  return out;
}

export function sameRef(a: Ref, b: Ref): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** The reference a member read of `r` yields (undefined when not followed). */
export function memberRef(r: Ref, name: string): Ref | undefined {
  switch (r.k) {
    case 'builtin':
      if (r.path.length > 0 && FUNCTION_PASSTHROUGH_MEMBERS.has(name)) return r;
      // `Function.prototype…`, `eval.call`: members of these say nothing about the system.
      if (r.mod === 'global' && r.path.length > 0 && (r.path[0] === 'Function' || r.path[0] === 'eval')) return undefined;
      if (r.mod === 'global' && r.path.length === 0) {
        if (name === 'process') return { k: 'builtin', mod: 'process', path: [] };
        return GLOBAL_FUNCTIONS.has(name) ? { k: 'builtin', mod: 'global', path: [name] } : undefined;
      }
      if (r.path.length === 0 && name === 'default') return r;
      if (r.path.length >= 4) return undefined;
      return { k: 'builtin', mod: r.mod, path: [...r.path, name] };
    case 'import':
      if (r.path.length > 0 && FUNCTION_PASSTHROUGH_MEMBERS.has(name)) return r;
      if (r.path.length >= 6) return undefined;
      return { ...r, path: [...r.path, name] };
    case 'instance':
      if (r.path.length === 0) return { ...r, path: [name] };
      if (r.path.length === 1 && FUNCTION_PASSTHROUGH_MEMBERS.has(name)) return r;
      return undefined;
    default:
      return undefined;
  }
}

/** The references `refs.a.b…` denotes, following `path` member by member. */
export function memberPath(refs: Ref[], path: readonly string[]): Ref[] {
  let cur = refs;
  for (const name of path) {
    const next: Ref[] = [];
    for (const r of cur) {
      const m = memberRef(r, name);
      if (m) next.push(m);
    }
    cur = next;
    if (cur.length === 0) break;
  }
  return cur;
}
