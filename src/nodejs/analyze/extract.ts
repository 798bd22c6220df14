/**
 * Facts of one module from its AST (see facts.ts). Two passes over the tree:
 * 1. declare (declarations.ts): build lexical scopes and record every assignment to a plain
 *    identifier;
 * 2. scan (here): walk the tree, keeping track of the phase (inside a function or not) and of
 *    message text, and at each call, `new`, computed member access, assignment, export and
 *    escaping position hand the node to the module that records that kind of fact. Values are
 *    evaluated lazily and memoised (evaluate.ts).
 * The modules, one per kind of fact, are listed in README.md ("The facts of one parsed file").
 */
import type { ModuleFacts } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes, forEachChild } from './parse.js';
import { staticString } from './refs.js';
import type { Scope } from './scope.js';
import { scanCall, scanMember, scanNew } from './api-uses.js';
import { declareScopes } from './declarations.js';
import { noteString, scanComputedSpecifier } from './dynamic-code-sites.js';
import { escape, scanDeclarator } from './escapes.js';
import { type ExtractOptions, type NestedCode, ExtractionContext } from './extract-context.js';
import { isMessageSink } from './message-sinks.js';
import { scanAssign, scanExportAll, scanExportDefault, scanExportNamed } from './module-exports.js';

export type { ExtractOptions } from './extract-context.js';

export function extractFacts(source: string, program: AstNode, esm: boolean, opts: ExtractOptions): ModuleFacts {
  return extract(source, program, esm, opts, undefined);
}

function extract(source: string, program: AstNode, esm: boolean, opts: ExtractOptions, nested: NestedCode | undefined): ModuleFacts {
  // Code built from literals is CommonJS text analysed with the same options.
  const ctx = new ExtractionContext(source, esm, opts, nested, (s, p, n) => extract(s, p, false, opts, n));
  const top = declareScopes(program, ctx.scopes, opts.builtins);
  const walker = new ScanWalker(ctx);
  for (const child of nodes(program['body'])) walker.scan(child, top);
  return ctx.facts();
}

/** Pass 2: the walk that hands each node to the module recording its kind of fact. */
class ScanWalker {
  constructor(private readonly ctx: ExtractionContext) {}

  scan(n: AstNode, scope: Scope): void {
    switch (n.type) {
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression': {
        const s = this.ctx.scopeOf(n, scope);
        // A function passed to a message sink is code again, not a message.
        const message = this.ctx.messageDepth;
        this.ctx.messageDepth = 0;
        this.ctx.fnDepth++;
        for (const p of nodes(n['params'])) this.scan(p, s);
        const body = node(n['body']);
        if (body) {
          if (body.type !== 'BlockStatement') escape(this.ctx, body, s);
          this.scan(body, s);
        }
        this.ctx.fnDepth--;
        this.ctx.messageDepth = message;
        return;
      }
      case 'PropertyDefinition':
      case 'AccessorProperty': {
        // Instance field initialisers run at construction time, not when the class is defined.
        const isStatic = n['static'] === true;
        if (!isStatic) this.ctx.fnDepth++;
        forEachChild(n, (c) => this.scan(c, scope));
        if (!isStatic) this.ctx.fnDepth--;
        return;
      }
      case 'BlockStatement':
      case 'StaticBlock':
      case 'ForStatement':
      case 'ForInStatement':
      case 'ForOfStatement':
      case 'SwitchStatement':
      case 'CatchClause': {
        const s = this.ctx.scopeOf(n, scope);
        forEachChild(n, (c) => this.scan(c, s));
        return;
      }
      case 'CallExpression':
        scanCall(this.ctx, n, scope);
        this.scanCallParts(n, scope);
        return;
      case 'NewExpression':
        scanNew(this.ctx, n, scope);
        this.scanCallParts(n, scope);
        return;
      case 'MemberExpression':
        scanMember(this.ctx, n, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'AssignmentExpression':
        scanAssign(this.ctx, n, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'VariableDeclarator':
        scanDeclarator(this.ctx, n, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ThrowStatement':
        escape(this.ctx, node(n['argument']), scope);
        this.ctx.inMessage(() => forEachChild(n, (c) => this.scan(c, scope)));
        return;
      case 'ReturnStatement':
      case 'YieldExpression':
      case 'SpreadElement':
        escape(this.ctx, node(n['argument']), scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ObjectExpression':
        if (!this.ctx.exportObjects.has(n)) {
          for (const p of nodes(n['properties'])) {
            if (p.type === 'Property' && p['kind'] === 'init' && p['method'] !== true) escape(this.ctx, node(p['value']), scope);
          }
        }
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ArrayExpression':
        for (const el of nodes(n['elements'])) if (el.type !== 'SpreadElement') escape(this.ctx, el, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ImportDeclaration': {
        if (n['importKind'] === 'type') return;
        const spec = staticString(node(n['source']));
        if (spec !== undefined) this.ctx.dep(spec, 'import', false, n.start);
        return;
      }
      case 'ExportNamedDeclaration':
        scanExportNamed(this.ctx, n, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ExportAllDeclaration':
        scanExportAll(this.ctx, n);
        return;
      case 'ExportDefaultDeclaration':
        scanExportDefault(this.ctx, n, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      case 'ImportExpression': {
        const src = node(n['source']);
        const spec = staticString(src);
        if (spec !== undefined) {
          this.ctx.dep(spec, 'import', true, n.start);
          if (src) this.ctx.specLiterals.add(src);
        } else if (src) scanComputedSpecifier(this.ctx, 'import', n, src, scope);
        forEachChild(n, (c) => this.scan(c, scope));
        return;
      }
      case 'Literal':
        if (typeof n['value'] === 'string' && !this.ctx.specLiterals.has(n)) noteString(this.ctx, n['value'], n.start);
        return;
      case 'TemplateElement': {
        const cooked = (n['value'] as { cooked?: unknown } | undefined)?.cooked;
        if (typeof cooked === 'string') noteString(this.ctx, cooked, n.start);
        return;
      }
      default:
        forEachChild(n, (c) => this.scan(c, scope));
    }
  }

  /** The callee, then the arguments: inside a message sink (`new Error(…)`, `console.warn(…)`) as messages. */
  private scanCallParts(n: AstNode, scope: Scope): void {
    const callee = node(n['callee']);
    if (callee) this.scan(callee, scope);
    const args = (): void => {
      for (const a of nodes(n['arguments'])) this.scan(a, scope);
    };
    if (callee && isMessageSink(callee)) this.ctx.inMessage(args);
    else args();
  }
}
