/**
 * Code and module names built at run time (`eval`, `new Function`, `require(x)`, `import(x)`): what
 * can still be said of them from the program text.
 *
 * - `constantCode`: every piece is a literal, so the code can be analysed like a file (and the
 *   common `new Function('m', 'return import(m)')` shim recognised as an importer).
 * - `classifyOrigin`: where the pieces come from. Code or a module name assembled from the
 *   program's own values is `strings`; one that reads a file, the network, the command line or
 *   the environment (or, for a module name, is a path) is `external`. A literal directory prefix
 *   (`'./locale/' + name`) bounds a computed specifier to that directory.
 * - `codeRootIn`: whether a string literal names an API root in code position (`process.kill(`,
 *   `require(`, `import(`, `globalThis[`). Code generated from strings can only reach the system
 *   through such a root written in some string of the program: code built by `new Function` runs
 *   in the global scope, where a module's own `require`/`module` are not visible.
 *
 * Pure functions over oxc's ESTree nodes; the extractor supplies scope look-ups as callbacks.
 */
import type { Ref } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes, forEachChild } from './parse.js';

/** Resolves an identifier to the expression(s) it was initialised or assigned with (const-like only). */
export type ConstOf<S> = (id: AstNode, scope: S) => { node: AstNode; scope: S }[];

/** The string an expression always evaluates to: literals, expression-free templates, `+` of those. */
export function staticConcat<S>(n: AstNode | undefined, scope: S, constOf: ConstOf<S>, depth = 0): string | undefined {
  if (!n || depth > 16) return undefined;
  switch (n.type) {
    case 'Literal':
      return typeof n['value'] === 'string' ? n['value'] : undefined;
    case 'TemplateLiteral': {
      const quasis = nodes(n['quasis']);
      const exprs = nodes(n['expressions']);
      let out = '';
      for (let i = 0; i < quasis.length; i++) {
        const cooked = (quasis[i]!['value'] as { cooked?: unknown } | undefined)?.cooked;
        if (typeof cooked !== 'string') return undefined;
        out += cooked;
        if (i < exprs.length) {
          const e = staticConcat(exprs[i], scope, constOf, depth + 1);
          if (e === undefined) return undefined;
          out += e;
        }
      }
      return out;
    }
    case 'BinaryExpression': {
      if (n['operator'] !== '+') return undefined;
      const a = staticConcat(node(n['left']), scope, constOf, depth + 1);
      if (a === undefined) return undefined;
      const b = staticConcat(node(n['right']), scope, constOf, depth + 1);
      return b === undefined ? undefined : a + b;
    }
    case 'Identifier': {
      const defs = constOf(n, scope);
      return defs.length === 1 ? staticConcat(defs[0]!.node, defs[0]!.scope, constOf, depth + 1) : undefined;
    }
    default:
      return undefined;
  }
}

/**
 * The source of code whose every piece is constant: for `Function(p1, …, body)` a function
 * expression with those parameters, for `eval(code)` the code itself.
 */
export function constantCode<S>(
  kind: 'eval' | 'Function',
  args: AstNode[],
  scope: S,
  constOf: ConstOf<S>,
): { source: string; params: string[] } | undefined {
  const texts: string[] = [];
  for (const a of args) {
    if (a.type === 'SpreadElement') return undefined;
    const s = staticConcat(a, scope, constOf);
    if (s === undefined) return undefined;
    texts.push(s);
  }
  if (kind === 'eval') return texts[0] === undefined ? undefined : { source: texts[0], params: [] };
  const body = texts.length > 0 ? texts[texts.length - 1]! : '';
  const params = texts.slice(0, -1).flatMap((p) =>
    p
      .split(',')
      .map((x) => x.trim())
      .filter((x) => x !== ''),
  );
  return { source: `(function anonymous(${params.join(',')}\n) {\n${body}\n})`, params };
}

/** `return import(<first parameter>)`: the constructed function only imports what it is given. */
export function isImportShim(code: { source: string; params: string[] }): boolean {
  const p = code.params[0];
  if (p === undefined || !/^[A-Za-z_$][\w$]*$/.test(p)) return false;
  const m = /\{\n([\s\S]*)\n\}\)$/.exec(code.source);
  const body = (m?.[1] ?? '').replace(/^\s*(['"])use strict\1;?/, '').trim();
  return new RegExp(`^return\\s+import\\s*\\(\\s*${p.replace(/\$/g, '\\$')}\\s*\\)\\s*;?$`).test(body);
}

// ---------------------------------------------------------------- roots named in strings

/**
 * An API root in code position, reachable from the global scope (where `new Function` code and
 * indirect eval run). `process.env`/`process.argv`/… only read in-memory data, so only members
 * that act count; the global object counts when indexed or when it names a root.
 */
const GLOBAL_ROOT_IN_CODE =
  /(?<![\w$.])(?:process\s*(?:\[|\.(?!(?:env|argv|argv0|execArgv|platform|arch|version|versions|release|features|config|pid|ppid|title|execPath|exitCode|nextTick|hrtime|uptime|emitWarning|memoryUsage|cpuUsage|stdout|stderr|on|once|off|emit|listeners|removeListener)\b)[A-Za-z_$])|import\s*\(|(?:globalThis|global|self|window)\s*(?:\[|\.(?:process|require|module|fetch|WebSocket|EventSource)\b)|fetch\s*\(|(?:WebSocket|EventSource)\s*\()/;
/** Roots only a module's own scope has (direct eval): its `require` and `module`. */
const MODULE_ROOT_IN_CODE = /(?<![\w$.])(?:require\s*[.([]|module\s*[.[])/;
/** A string that is exactly a root's name: `globalThis['process']`, `Reflect.get(global, 'fetch')`. */
const GLOBAL_ROOT_NAMES: ReadonlySet<string> = new Set(['process', 'fetch', 'WebSocket', 'EventSource', 'mainModule', 'binding', 'dlopen']);
const MODULE_ROOT_NAMES: ReadonlySet<string> = new Set(['require', 'module']);
/** Cheap pre-test: the words any root contains. */
const ROOT_WORDS = /process|require|module|import|global|self|window|fetch|WebSocket|EventSource|mainModule|binding|dlopen/;

export interface CodeRoot {
  /** The string around the root, shortened. */
  text: string;
  /** `global`: reachable from any code; `module`: only from code evaluated inside a module (direct eval). */
  scope: 'global' | 'module';
}

/** The root a string literal names, or undefined. */
export function codeRootIn(text: string): CodeRoot | undefined {
  if (!ROOT_WORDS.test(text)) return undefined;
  if (GLOBAL_ROOT_NAMES.has(text)) return { text, scope: 'global' };
  if (MODULE_ROOT_NAMES.has(text)) return { text, scope: 'module' };
  const g = GLOBAL_ROOT_IN_CODE.exec(text);
  const m = g ? null : MODULE_ROOT_IN_CODE.exec(text);
  const hit = g ?? m;
  if (!hit) return undefined;
  const from = Math.max(0, hit.index - 20);
  return { text: text.slice(from, hit.index + 40).replace(/\s+/g, ' '), scope: g ? 'global' : 'module' };
}

// ---------------------------------------------------------------- origin

export interface OriginContext<S> {
  refs: (n: AstNode, scope: S) => Ref[];
  constOf: ConstOf<S>;
  /** The expressions a local function declaration returns. */
  returnsOf: (id: AstNode, scope: S) => { node: AstNode; scope: S }[];
  /** The name is not declared in the program (a global such as `__dirname`). */
  isGlobal: (name: string, scope: S) => boolean;
}

/** Modules whose calls bring data in from outside the program. */
const INPUT_MODULES: ReadonlySet<string> = new Set([
  'fs',
  'fs/promises',
  'net',
  'tls',
  'http',
  'https',
  'http2',
  'dgram',
  'child_process',
  'readline',
  'readline/promises',
  'worker_threads',
  'inspector',
]);
/** Modules whose calls make paths (a computed specifier built with them names a file). */
const PATH_MODULES: ReadonlySet<string> = new Set(['path', 'path/posix', 'path/win32', 'url', 'os', 'module']);
const INPUT_PROCESS_MEMBERS: ReadonlySet<string> = new Set(['argv', 'env', 'stdin', 'cwd', 'execArgv', 'mainModule']);

export type Origin = { origin: 'strings'; dir?: string } | { origin: 'external'; why: string };

/** A literal relative directory the specifier starts with (`'./locale/' + name` → `./locale`). */
function literalDirPrefix<S>(n: AstNode, scope: S, ctx: OriginContext<S>): string | undefined {
  let left: AstNode | undefined = n;
  let guard = 0;
  while (left && guard++ < 32) {
    if (left.type === 'BinaryExpression' && left['operator'] === '+') left = node(left['left']);
    else if (left.type === 'TemplateLiteral') {
      const q = nodes(left['quasis'])[0];
      const cooked = (q?.['value'] as { cooked?: unknown } | undefined)?.cooked;
      return typeof cooked === 'string' ? dirOf(cooked) : undefined;
    } else break;
  }
  const s = left ? staticConcat(left, scope, ctx.constOf) : undefined;
  return s === undefined ? undefined : dirOf(s);
}

/** A package name (`ioredis`, `@keyv/redis`): a bare specifier, not a path, slash or not. */
const PACKAGE_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;
/** A package's subdirectory (`caniuse-lite/data/regions/`): bounded like a relative directory. */
const PACKAGE_SUBDIR = /^((?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*)\/(.*\/)?[^/]*$/i;

function dirOf(prefix: string): string | undefined {
  const sub = PACKAGE_SUBDIR.exec(prefix);
  if (sub && !prefix.startsWith('.')) {
    const rest = (sub[2] ?? '').replace(/\/$/, '');
    return rest.split('/').includes('..') ? undefined : rest === '' ? sub[1] : `${sub[1]}/${rest}`;
  }
  if (!/^\.\.?\//.test(prefix)) return undefined;
  const dir = prefix.slice(0, prefix.lastIndexOf('/'));
  // `'../' + x` could name anything above; only a directory below a named one bounds the search.
  const parts = dir.split('/');
  return parts.includes('..') && parts.every((p) => p === '.' || p === '..') ? undefined : dir;
}

/**
 * Where the value of `args` comes from (see the module comment). `specifier`: a module name, for
 * which path-making calls and strings with a slash count as external too.
 */
export function classifyOrigin<S>(args: AstNode[], scope: S, ctx: OriginContext<S>, specifier: boolean): Origin {
  if (specifier && args[0]) {
    const dir = literalDirPrefix(args[0], scope, ctx);
    if (dir !== undefined) return { origin: 'strings', dir };
  }
  const queue: { node: AstNode; scope: S; depth: number }[] = args.map((a) => ({ node: a, scope, depth: 0 }));
  const seen = new Set<AstNode>();
  let budget = 4000;
  while (queue.length > 0 && budget-- > 0) {
    const { node: n, scope: s, depth } = queue.shift()!;
    if (seen.has(n)) continue;
    seen.add(n);
    switch (n.type) {
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'FunctionDeclaration':
      case 'ClassExpression':
        continue;
      case 'MetaProperty':
        if (specifier) return { origin: 'external', why: 'import.meta (a path)' };
        continue;
      case 'Literal':
        if (specifier && typeof n['value'] === 'string' && /[\\/]/.test(n['value']) && !PACKAGE_NAME.test(n['value']))
          return { origin: 'external', why: `a path (${JSON.stringify(n['value'])})` };
        continue;
      case 'TemplateElement': {
        const cooked = (n['value'] as { cooked?: unknown } | undefined)?.cooked;
        if (specifier && typeof cooked === 'string' && /[\\/]/.test(cooked))
          return { origin: 'external', why: `a path (${JSON.stringify(cooked)})` };
        continue;
      }
      case 'Identifier': {
        const name = n['name'];
        if (typeof name !== 'string') continue;
        if ((name === '__dirname' || name === '__filename') && ctx.isGlobal(name, s))
          return { origin: 'external', why: `${name} (a path)` };
        if (depth < 4) for (const d of ctx.constOf(n, s)) queue.push({ ...d, depth: depth + 1 });
        continue;
      }
      case 'MemberExpression': {
        for (const r of ctx.refs(n, s)) {
          if (r.k === 'builtin' && r.mod === 'process' && r.path.length >= 1 && INPUT_PROCESS_MEMBERS.has(r.path[0]!))
            return { origin: 'external', why: `process.${r.path[0]}` };
        }
        // A property name is not a variable: only the object (and a computed key) are followed.
        const obj = node(n['object']);
        if (obj) queue.push({ node: obj, scope: s, depth });
        const prop = node(n['property']);
        if (prop && n['computed'] === true) queue.push({ node: prop, scope: s, depth });
        continue;
      }
      case 'Property': {
        const v = node(n['value']);
        if (v) queue.push({ node: v, scope: s, depth });
        continue;
      }
      case 'CallExpression':
      case 'NewExpression': {
        const callee = node(n['callee']);
        if (callee) {
          for (const r of ctx.refs(callee, s)) {
            if (r.k !== 'builtin') continue;
            if (INPUT_MODULES.has(r.mod)) return { origin: 'external', why: `${r.mod}.${r.path.join('.')} (input)` };
            if (r.mod === 'global' && r.path[0] === 'fetch') return { origin: 'external', why: 'fetch (input)' };
            if (r.mod === 'process' && INPUT_PROCESS_MEMBERS.has(r.path[0] ?? ''))
              return { origin: 'external', why: `process.${r.path[0]}` };
            if (specifier && PATH_MODULES.has(r.mod)) return { origin: 'external', why: `${r.mod}.${r.path.join('.')} (a path)` };
          }
          if (callee.type === 'Identifier' && depth < 4) for (const d of ctx.returnsOf(callee, s)) queue.push({ ...d, depth: depth + 1 });
        }
        break;
      }
      default:
    }
    forEachChild(n, (c) => queue.push({ node: c, scope: s, depth }));
  }
  if (budget <= 0) return { origin: 'external', why: 'too large to follow' };
  return { origin: 'strings' };
}
