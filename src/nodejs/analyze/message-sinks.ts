/**
 * Calls whose string arguments are messages for people (`new Error(…)`, `console.warn(…)`,
 * `util.deprecate(…)`): their strings are never code or module names (dynamic-code-sites.ts).
 */
import { type AstNode, astNode as node } from './parse.js';
import { str } from './refs.js';

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

export function isMessageSink(callee: AstNode): boolean {
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
