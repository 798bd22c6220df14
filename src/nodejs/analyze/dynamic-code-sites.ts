/**
 * The sites of a module that build code or module names at run time (`eval`, `new Function`,
 * `require(x)`, `import(x)`), and the strings that may feed them (built-in names, API roots in
 * code). Constant code is analysed in place; any other site is reported with where its text comes
 * from (dynamic-code.ts judges that), for the link step to decide.
 */
import type { UncertaintyFact } from './facts.js';
import { builtinName } from './ids.js';
import { type AstNode, astNode as node, astNodes as nodes, parseJs } from './parse.js';
import { type OriginContext, classifyOrigin, codeRootIn, constantCode, isImportShim } from './dynamic-code.js';
import { returnedExpressions } from './patterns.js';
import { keyName, staticString, str } from './refs.js';
import { isRecord } from '../../util/records.js';
import type { Scope } from './scope.js';
import { constSources } from './evaluate.js';
import type { ExtractionContext } from './extract-context.js';

/** Code-building sites nested inside each other (code that builds code that builds code). */
const MAX_NESTED_CODE = 3;
/** Roots named by strings kept per file: the first few are enough to say why. */
const MAX_CODE_ROOTS = 5;

/** Scope look-ups for dynamic-code.ts's `classifyOrigin`. */
function originContext(ctx: ExtractionContext): OriginContext<Scope> {
  return {
    refs: (n, s) => ctx.values.eval(n, s),
    constOf: constSources,
    returnsOf: (id, s) => {
      const name = str(id['name']);
      const decl = name ? s.lookup(name)?.decl : undefined;
      const body = decl ? node(decl['body']) : undefined;
      return decl && body ? returnedExpressions(body).map((r) => ({ node: r, scope: ctx.scopeOf(decl, s) })) : [];
    },
    isGlobal: (name, s) => !s.lookup(name),
  };
}

/** A string of the program: a built-in module's name, or an API root in code (dynamic-code.ts). */
export function noteString(ctx: ExtractionContext, text: string, at: number): void {
  if (ctx.messageDepth > 0) return;
  const mod = text.length <= 40 ? builtinName(text, ctx.opts.builtins) : undefined;
  if (mod) ctx.builtinNames.add(mod);
  const root = codeRootIn(text);
  if (root === undefined || ctx.codeRoots.filter((r) => r.scope === root.scope).length >= MAX_CODE_ROOTS) return;
  ctx.codeRoots.push({ ...root, at: ctx.pos(at) });
}

/**
 * eval / Function: constant code is analysed in place (its facts located at this call);
 * otherwise the site is reported with where its text comes from, for the link step to decide.
 */
export function scanDynamicCode(ctx: ExtractionContext, what: 'eval' | 'Function', n: AstNode, scope: Scope): void {
  const callee = node(n['callee']);
  const direct = what === 'eval' && n.type === 'CallExpression' && callee?.type === 'Identifier' && callee['name'] === 'eval';
  // `Function.call(t, a, body)` / `Function.apply(t, [a, body])`: the code is after `this`.
  const via = callee?.type === 'MemberExpression' && callee['computed'] !== true ? str(node(callee['property'])?.['name']) : undefined;
  let args = nodes(n['arguments']);
  if (via === 'call') args = args.slice(1);
  else if (via === 'apply') args = args[1]?.type === 'ArrayExpression' ? nodes(args[1]['elements']) : args.slice(1);
  const code = constantCode(what, what === 'eval' ? args.slice(0, 1) : args, scope, constSources);
  if (code && what === 'Function' && isImportShim(code)) return; // an importer: its calls are followed
  if (code && (ctx.nested?.nesting ?? 0) < MAX_NESTED_CODE && inlineCode(ctx, what, code.source, n, direct)) return;
  const from = classifyOrigin(what === 'eval' ? args.slice(0, 1) : args, scope, originContext(ctx), false);
  const u: UncertaintyFact =
    what === 'eval'
      ? {
          kind: 'eval',
          at: ctx.pos(n.start),
          message: `eval of code built at run time: ${ctx.snippet(n)}`,
          assumption: 'the evaluated code may call any API: the whole runtime assumed',
        }
      : {
          kind: 'new-function',
          at: ctx.pos(n.start),
          message: `Function constructor: ${ctx.snippet(n)}`,
          assumption: 'the constructed function may call any API: the whole runtime assumed',
        };
  u.origin = from.origin;
  if (direct) u.direct = true;
  if (from.origin === 'external') u.message += ` (its text comes from ${from.why})`;
  ctx.uncertainties.push(u);
}

/** Analyses constant code built at `n` as part of this module; false when it does not parse. */
function inlineCode(ctx: ExtractionContext, what: 'eval' | 'Function', source: string, n: AstNode, direct: boolean): boolean {
  const parsed = parseJs('<dynamic code>', source, 'commonjs');
  if (!parsed.ok) return false;
  const inner = ctx.extractNested(source, parsed.program, {
    anchor: ctx.pos(n.start),
    fnDepth: what === 'Function' ? ctx.fnDepth + 1 : ctx.fnDepth,
    noRequire: !direct,
    nesting: (ctx.nested?.nesting ?? 0) + 1,
  });
  ctx.deps.push(...inner.deps);
  ctx.uses.push(...inner.uses);
  ctx.listens.push(...inner.listens);
  for (const u of inner.uncertainties) ctx.uncertainties.push({ ...u, message: `in code built from literals (${what}): ${u.message}` });
  for (const b of inner.builtinNames ?? []) ctx.builtinNames.add(b);
  return true;
}

/** `require(x)` / `import(x)` with a computed name: reported with where the name comes from. */
export function scanComputedSpecifier(ctx: ExtractionContext, via: 'require' | 'import', n: AstNode, arg: AstNode, scope: Scope): void {
  const from = classifyOrigin([arg], scope, originContext(ctx), true);
  const u: UncertaintyFact = {
    kind: via === 'require' ? 'dynamic-require' : 'dynamic-import',
    at: ctx.pos(n.start),
    message: `${via === 'require' ? 'require' : 'import()'} of a computed name: ${ctx.snippet(n)}`,
    assumption: 'any module may be loaded: every built-in module used as a whole',
    origin: from.origin,
  };
  if (from.origin === 'external') u.message += ` (the name comes from ${from.why})`;
  else if (from.dir !== undefined) u.dir = from.dir;
  if (via === 'require' && endsInNodeSuffix(arg)) u.addon = true;
  ctx.uncertainties.push(u);
}

/** A name built to end in `.node`: `x + '.node'`, `` `${x}.node` ``, `x.replace(re, '.node')` with `re` anchored at the end. */
function endsInNodeSuffix(arg: AstNode): boolean {
  if (arg.type === 'BinaryExpression' && arg['operator'] === '+') return staticString(node(arg['right']))?.endsWith('.node') === true;
  if (arg.type === 'TemplateLiteral') {
    const quasis = nodes(arg['quasis']);
    const last = quasis[quasis.length - 1];
    const value = last?.['value'];
    return isRecord(value) && typeof value['cooked'] === 'string' && value['cooked'].endsWith('.node');
  }
  if (arg.type !== 'CallExpression') return false;
  const callee = node(arg['callee']);
  if (callee?.type !== 'MemberExpression' || keyName(node(callee['property']) ?? arg, false) !== 'replace') return false;
  const [pattern, replacement] = nodes(arg['arguments']);
  const regex = pattern?.type === 'Literal' ? pattern['regex'] : undefined;
  const re = isRecord(regex) ? regex['pattern'] : undefined;
  return typeof re === 'string' && re.endsWith('$') && staticString(replacement) === '.node';
}
