/**
 * How a function uses one of its parameters (`haslisteners(process, 'x')` counts as the member
 * calls the function makes on it), or undefined when the parameter is passed on, stored,
 * reassigned or shadowed (see paramUses in api-uses.ts).
 */
import type { UseMode } from './facts.js';
import { type AstNode, astNode as node, astNodes as nodes, forEachChild } from './parse.js';
import { patternNames } from './patterns.js';
import { keyName, str } from './refs.js';

export interface ParamUse {
  path: string[];
  mode: UseMode;
}

const TEST_OPERATORS: ReadonlySet<string> = new Set(['typeof', '!', 'void', '===', '!==', '==', '!=', 'instanceof', 'in']);

/** See `paramUses` in api-uses.ts: the uses of the parameter `name` in a function body. */
export function paramUsesIn(body: AstNode, name: string): ParamUse[] | undefined {
  const out: ParamUse[] = [];
  let ok = true;
  let budget = 20_000;
  const visit = (n: AstNode, parent: AstNode | undefined, key: string): void => {
    if (!ok || budget-- <= 0) {
      ok = false;
      return;
    }
    switch (n.type) {
      case 'Identifier': {
        const id = str(n['name']);
        if (id === 'arguments') ok = false;
        if (id !== name || !parent) return;
        // A property name or an object key is not the variable.
        if (
          (parent.type === 'MemberExpression' && key === 'property' && parent['computed'] !== true) ||
          (parent.type === 'Property' && key === 'key' && parent['computed'] !== true)
        )
          return;
        if (parent.type === 'Property' && parent['shorthand'] === true) return void (ok = false);
        const use = useOf(n, parent, key);
        if (use === undefined) ok = false;
        else if (use !== null) out.push(use);
        return;
      }
      case 'VariableDeclarator':
      case 'FunctionDeclaration':
      case 'FunctionExpression':
      case 'ArrowFunctionExpression':
      case 'CatchClause':
      case 'ClassDeclaration':
        // A declaration of the same name shadows the parameter somewhere: not followed.
        if (declares(n, name)) return void (ok = false);
        break;
      case 'AssignmentExpression':
      case 'UpdateExpression': {
        const target = node(n['left']) ?? node(n['argument']);
        if (target?.type === 'Identifier' && target['name'] === name) return void (ok = false);
        break;
      }
      default:
    }
    forEachChild(n, (c, k) => visit(c, n, k));
  };
  // Parents are needed for member chains: keep them while walking.
  const parents = new Map<AstNode, { parent: AstNode; key: string }>();
  const useOf = (ref: AstNode, parent: AstNode, key: string): ParamUse | null | undefined => {
    if (parent.type === 'UnaryExpression' && TEST_OPERATORS.has(String(parent['operator']))) return null;
    if (parent.type === 'BinaryExpression' && TEST_OPERATORS.has(String(parent['operator']))) return null;
    if ((parent.type === 'IfStatement' || parent.type === 'ConditionalExpression' || parent.type === 'WhileStatement') && key === 'test')
      return null;
    if (parent.type === 'CallExpression' && key === 'callee') return { path: [], mode: 'call' };
    if (parent.type !== 'MemberExpression' || key !== 'object') return undefined;
    const prop = node(parent['property']);
    const m = prop ? keyName(prop, parent['computed'] === true) : undefined;
    if (m === undefined) return { path: [], mode: 'computed' };
    const up = parents.get(parent);
    if (!up) return { path: [m], mode: 'escape' };
    if (up.parent.type === 'CallExpression' && up.key === 'callee') return { path: [m], mode: 'call' };
    if (up.parent.type === 'UnaryExpression' && TEST_OPERATORS.has(String(up.parent['operator']))) return null;
    if (up.parent.type === 'BinaryExpression' && TEST_OPERATORS.has(String(up.parent['operator']))) return null;
    if (up.parent.type === 'MemberExpression' && up.key === 'object') {
      const p2 = node(up.parent['property']);
      const m2 = p2 ? keyName(p2, up.parent['computed'] === true) : undefined;
      const up2 = parents.get(up.parent);
      if (m2 !== undefined && up2?.parent.type === 'CallExpression' && up2.key === 'callee') return { path: [m, m2], mode: 'call' };
      return { path: [m], mode: 'escape' };
    }
    return { path: [m], mode: 'escape' };
  };
  const index = (n: AstNode): void =>
    forEachChild(n, (c, key) => {
      parents.set(c, { parent: n, key });
      index(c);
    });
  try {
    index(body);
  } catch {
    return undefined; // too deep to walk
  }
  visit(body, undefined, 'body');
  return ok ? out : undefined;
}

function declares(n: AstNode, name: string): boolean {
  if (n.type === 'VariableDeclarator') {
    const id = node(n['id']);
    return id !== undefined && patternNames(id).includes(name);
  }
  if (n.type === 'CatchClause') {
    const p = node(n['param']);
    return p !== undefined && patternNames(p).includes(name);
  }
  const id = node(n['id']);
  if (id?.type === 'Identifier' && id['name'] === name) return true;
  return nodes(n['params']).some((p) => patternNames(p).includes(name));
}
