/** Shapes of AST nodes: the names a binding pattern declares, what a function body returns. */
import { type AstNode, astNode as node, astNodes as nodes, forEachChild } from './parse.js';
import { keyName, str } from './refs.js';

/** Every identifier a pattern binds. */
export function patternNames(p: AstNode): string[] {
  switch (p.type) {
    case 'Identifier': {
      const name = str(p['name']);
      return name ? [name] : [];
    }
    case 'ObjectPattern':
      return nodes(p['properties']).flatMap((prop) => {
        const v = prop.type === 'RestElement' ? node(prop['argument']) : node(prop['value']);
        return v ? patternNames(v) : [];
      });
    case 'ArrayPattern':
      return nodes(p['elements']).flatMap(patternNames);
    case 'AssignmentPattern': {
      const left = node(p['left']);
      return left ? patternNames(left) : [];
    }
    case 'RestElement': {
      const arg = node(p['argument']);
      return arg ? patternNames(arg) : [];
    }
    default:
      return [];
  }
}

/** An object pattern whose every binding has a static member path (no rest, no arrays). */
export function patternFollowable(p: AstNode): boolean {
  switch (p.type) {
    case 'Identifier':
      return true;
    case 'AssignmentPattern': {
      const left = node(p['left']);
      return left ? patternFollowable(left) : true;
    }
    case 'ObjectPattern':
      return nodes(p['properties']).every((prop) => {
        if (prop.type === 'RestElement') return false;
        const key = node(prop['key']);
        if (!key || keyName(key, prop['computed'] === true) === undefined) return false;
        const v = node(prop['value']);
        return v ? patternFollowable(v) : true;
      });
    default:
      return false;
  }
}

/** The expressions a function body returns (not those of functions nested in it). */
export function returnedExpressions(body: AstNode): AstNode[] {
  if (body.type !== 'BlockStatement') return [body];
  const out: AstNode[] = [];
  const walk = (n: AstNode): void => {
    if (
      n.type === 'FunctionDeclaration' ||
      n.type === 'FunctionExpression' ||
      n.type === 'ArrowFunctionExpression' ||
      n.type === 'ClassDeclaration' ||
      n.type === 'ClassExpression'
    )
      return;
    if (n.type === 'ReturnStatement') {
      const a = node(n['argument']);
      if (a) out.push(a);
      return;
    }
    forEachChild(n, walk);
  };
  walk(body);
  return out;
}
