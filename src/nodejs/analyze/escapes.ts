/**
 * Values that go where the analyzer does not follow them (an argument, a property, a return value,
 * a store into a binding whose value is not known): a built-in module or another module's export
 * that escapes counts as used as a whole; the `require` function that escapes loads unseen names.
 */
import type { Ref } from './facts.js';
import { type AstNode, astNode as node } from './parse.js';
import { patternFollowable } from './patterns.js';
import { str } from './refs.js';
import type { Scope } from './scope.js';
import { bindingUnknown } from './evaluate.js';
import type { ExtractionContext } from './extract-context.js';

/** A value reaches a place the analyzer does not follow (argument, property, return, store). */
export function escape(ctx: ExtractionContext, n: AstNode | undefined, scope: Scope): void {
  if (!n || ctx.noEscape.has(n)) return;
  if (
    n.type === 'Literal' ||
    n.type === 'FunctionExpression' ||
    n.type === 'ArrowFunctionExpression' ||
    n.type === 'ObjectExpression' ||
    n.type === 'ArrayExpression'
  )
    return;
  for (const r of ctx.values.eval(n, scope)) escapeRef(ctx, r, n);
}

export function escapeRef(ctx: ExtractionContext, r: Ref, n: AstNode): void {
  if (r.k === 'require') {
    ctx.uncertain(
      'dynamic-require',
      n.start,
      'the require function is passed on, so modules may be loaded by names the analyzer cannot see',
      'any built-in module may be loaded: every module used as a whole',
    );
  } else if (r.k === 'builtin' || r.k === 'import') {
    ctx.use(r, 'escape', n.start);
  }
}

/** `let x = fs` where x is reassigned, or a destructuring that takes the whole (rest, array pattern). */
export function scanDeclarator(ctx: ExtractionContext, n: AstNode, scope: Scope): void {
  const id = node(n['id']);
  const init = node(n['init']);
  if (!id || !init) return;
  if (id.type === 'Identifier') {
    const name = str(id['name']);
    const b = name ? scope.lookup(name) : undefined;
    if (b && bindingUnknown(b)) escape(ctx, init, scope);
    return;
  }
  // Destructuring: paths are followed unless a rest element or an array pattern takes the whole.
  if (!patternFollowable(id)) escape(ctx, init, scope);
}
