import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { visitorKeys as oxcVisitorKeys } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { type AstNode, LineIndex, parseJs, tooDeepForParser, visitorKeys } from './parse.js';

/** Every JavaScript construct with a child key (classes, decorators, patterns in every position, modules). */
const SYNTAX = `import d, { a as b } from 'm'; import * as ns from 'n'; export * from 'o'; export * as p from 'q'; export { b as c };
export default class extends d {}
const K = @dec class extends d {};
export const [e1, { e2, ...e3 }] = [];
label: for (let i = 0, j; i < 1; i++) { if (i) continue label; else break label; }
for (const k in ns) {} for await (const [l = 1, ...m] of ns) {} while (0) {} do {} while (0);
switch (e1) { case 1: default: }
try { throw new Error(\`t\${e1}\`); } catch ({ message }) {} finally {}
function* g(x, [y] = [], { z } = {}, ...rest) { yield* x; return x ? y : z; }
async function h() { await import('r', { with: { type: 'json' } }); }
const arrow = async ({ u }, v = 1) => u?.v?.(v) ?? function () { return new.target; };
@dec class C extends (d) { @dec static #priv = 1; @dec accessor acc = 2; @dec method() { super.method(); } static { this.#priv; } get [e1]() { return #priv in this; } }
const o = { __proto__: null, ...e3, k() {}, get g() { return 1; }, set s(v) {}, [e2]: tag\`x\${1}\` };
({ a: o.x, b: [o.y] } = o); [o.z, ...o.w] = [1]; o.n++; delete o.n; void typeof o, (o, 1);
debugger; if (o) ; import.meta.url;
`;

function walkAst(n: unknown, visit: (node: AstNode) => void): void {
  if (Array.isArray(n)) for (const c of n) walkAst(c, visit);
  else if (n !== null && typeof n === 'object') {
    if (typeof (n as AstNode).type === 'string') visit(n as AstNode);
    for (const v of Object.values(n)) walkAst(v, visit);
  }
}

describe('parseJs', () => {
  it('converts UTF-16 offsets to 1-based lines and columns (CRLF, CR, astral characters)', () => {
    const src = "a\r\nb\rc\n😀x";
    const idx = new LineIndex(src);
    expect(idx.position(0)).toEqual({ line: 1, column: 1 });
    expect(idx.position(src.indexOf('b'))).toEqual({ line: 2, column: 1 });
    expect(idx.position(src.indexOf('c'))).toEqual({ line: 3, column: 1 });
    expect(idx.position(src.indexOf('x'))).toEqual({ line: 4, column: 3 });
  });

  it('accepts top-level return (CommonJS) and reports syntax errors with an offset', () => {
    expect(parseJs('a.js', 'return 1', 'unambiguous').ok).toBe(true);
    const bad = parseJs('a.js', 'let x = (;', 'unambiguous');
    expect(bad.ok).toBe(false);
    if (!bad.ok) expect(bad.offset).toBe(9);
  });

  // Each of these, parsed, overflows the parser's native stack and kills the process.
  it.each([
    ['nested arrays', '['.repeat(20000) + ']'.repeat(20000)],
    ['chained ifs', 'if(x)'.repeat(9000) + ';'],
    ['chained ternaries', 'a?b:'.repeat(13000) + 'c'],
    ['chained arrows', '()=>'.repeat(13000) + '1'],
    ['chained additions', 'x' + '+x'.repeat(100000)],
  ])('refuses %s before they reach the parser', (_name, src) => {
    expect(tooDeepForParser(src)).toBe(true);
    expect(parseJs('a.js', src, 'unambiguous').ok).toBe(false);
  });

  it('lets ordinary large inputs through (data tables, strings with operators, comments)', () => {
    expect(tooDeepForParser(`module.exports = [${Array.from({ length: 50000 }, (_, i) => i).join(',')}];`)).toBe(false);
    expect(tooDeepForParser(`var s = "${'+/='.repeat(50000)}"; // ${'('.repeat(9000)}\n/* ${'['.repeat(9000)} */`)).toBe(false);
    expect(tooDeepForParser('function f(){return 1}'.repeat(100000))).toBe(false);
  });

  // The walkers skip the keys visitorKeys leaves out: a JavaScript AST must never have them.
  it('keeps every child key a JavaScript AST has (syntax sample and the fixture apps)', () => {
    const sources: [string, string, 'module' | 'unambiguous'][] = [['syntax.mjs', SYNTAX, 'module']];
    const fixtures = path.join(import.meta.dirname, 'fixtures');
    for (const f of readdirSync(fixtures, { recursive: true, encoding: 'utf8' })) {
      if (/\.[cm]?js$/.test(f)) sources.push([f, readFileSync(path.join(fixtures, f), 'utf8'), 'unambiguous']);
    }
    const dropped: string[] = [];
    const seen = new Set<string>();
    for (const [name, text, kind] of sources) {
      const r = parseJs(name, text, kind);
      if (name === 'syntax.mjs') expect(r.ok).toBe(true);
      if (!r.ok) continue;
      walkAst(r.program, (n) => {
        seen.add(n.type);
        const ours = visitorKeys[n.type] ?? [];
        for (const k of oxcVisitorKeys[n.type] ?? []) if (k in n && !ours.includes(k)) dropped.push(`${n.type}.${k} in ${name}`);
      });
    }
    expect(dropped).toEqual([]);
    // The sample reaches every type whose keys are cut.
    const cut = Object.keys(visitorKeys).filter((t) => !t.startsWith('TS') && !t.startsWith('JSX') && visitorKeys[t]!.length < (oxcVisitorKeys[t]?.length ?? 0));
    expect(cut.filter((t) => !seen.has(t))).toEqual([]);
  });
});
