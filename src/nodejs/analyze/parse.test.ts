import { readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { parseSync, visitorKeys as oxcVisitorKeys } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { type AstNode, LineIndex, MAX_IN_PROCESS_NESTING, parseJs, visitorKeys } from './parse.js';
import { measureNesting } from './nesting.js';

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
    const src = 'a\r\nb\rc\n😀x';
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

  // Each of these, parsed in this process, overflows the parser's native stack and kills the
  // process (sizes: about twice the shallowest crash measured with oxc-parser 0.159, 8 MiB stack).
  it.each([
    ['nested arrays', '['.repeat(20000) + ']'.repeat(20000)],
    ['chained ifs', 'if(x)'.repeat(14000) + ';'],
    ['chained ternaries', 'a?b:'.repeat(17000) + 'c'],
    ['chained arrows', '()=>'.repeat(17000) + '1'],
    ['nested arrow bodies', '()=>{'.repeat(6000) + '}'.repeat(6000)],
    ['nested classes', 'x=' + 'class{m(){return '.repeat(4000) + '1' + '}}'.repeat(4000)],
    ['chained additions', 'x' + '+x'.repeat(140000)],
    ['member chain', 'x' + '.a'.repeat(360000)],
    ['call chain', 'f' + '()'.repeat(360000)],
    ['nesting inside a template substitution', 'x=' + '`${'.repeat(9000) + 'x' + '}`'.repeat(9000)],
    ['nesting after a regular expression with a quote', 'x=/"/; y=' + '('.repeat(12000) + 'x' + ')'.repeat(12000)],
    ['nesting after a regular expression with a backtick', 'x=/`/; y=' + '('.repeat(12000) + 'x' + ')'.repeat(12000)],
    ['negations', 'x=' + '!'.repeat(60000) + 'x'],
    ['unary minus', 'x=' + '- '.repeat(60000) + 'x'],
    ['typeof', 'x=' + 'typeof '.repeat(60000) + 'x'],
    ['void', 'x=' + 'void '.repeat(60000) + 'x'],
    ['await', 'async()=>{' + 'await '.repeat(120000) + 'x}'],
  ])(
    'contains the parser crash on %s and reports where the nesting is',
    (_name, src) => {
      const r = parseJs('a.js', `\n\n${src}`, 'unambiguous');
      expect(r.ok).toBe(false);
      if (r.ok) return;
      expect(r.message).toMatch(/^nested \d+ deep, more than the parser survives: it crashed/);
      expect(new LineIndex(`\n\n${src}`).position(r.offset).line).toBe(3);
    },
    30_000,
  );

  it('parses deep but survivable text in a separate process, with the same tree as in this one', () => {
    const src = `/re/g; x = 10n; y = ${'('.repeat(1000)}a${')'.repeat(1000)} + \`\${${'['.repeat(500)}${']'.repeat(500)}}\`;`;
    expect(measureNesting(src).depth).toBeGreaterThan(MAX_IN_PROCESS_NESTING);
    const r = parseJs('a.js', src, 'unambiguous');
    expect(r.ok).toBe(true);
    const direct = parseSync('a.js', src, { sourceType: 'unambiguous', lang: 'js', preserveParens: false });
    if (r.ok) expect(r.program).toEqual(direct.program);
  });

  it('reports syntax errors from the separate process like those of this one', () => {
    const src = `x = ${'('.repeat(1000)}a${')'.repeat(999)};`;
    const r = parseJs('a.js', src, 'unambiguous');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.message).not.toMatch(/nested/);
  });

  it('keeps real code in this process (the fixture apps and an ordinary large module)', () => {
    expect(measureNesting(`module.exports = [${Array.from({ length: 50000 }, (_, i) => i).join(',')}];`).depth).toBeLessThan(10);
    const fn = 'function f(a){if(a){return a+1}else{return [a,{b:a}]}}\n';
    // Declarations and methods without `;` between them (minified code, class bodies) do not add up.
    expect(measureNesting(fn.repeat(20000)).depth).toBeLessThan(20);
    expect(measureNesting(`class A { ${'m(a){return a}'.repeat(5000)} }`).depth).toBeLessThan(10);
  });

  it.each([
    ['a regular expression with a quote', '/"/; (((a)))', 6],
    ['a regular expression with a class holding a slash', 'x = /[/"]/; (((a)))', 6],
    ['a regular expression after a statement head', 'if (a) /"/.test(b); (((a)))', 6],
    ['a division after a call', 'f(a) / 2 / "((((((("; (((a)))', 6],
    ['a template substitution', '`${ `${ (a) }` }`', 8],
    ['a line comment ended by U+2028', '// c\u2028(((a)))', 6],
    ['a string continued over CRLF', '"a\\\r\n" + (((a)))', 7],
    ['a hashbang', '#!/usr/bin/env node `\n(((a)))', 6],
    ['else after a statement', 'if (a) b; else if (a) b; else if (a) b; else (a)', 11],
    // `(((a)))` alone measures 6: nothing before it was skipped or miscounted.
  ])('measures nesting exactly where it matters: %s', (_name, src, depth) => {
    expect(measureNesting(src)).toMatchObject({ depth, uncertain: false });
  });

  it.each([
    ['a slash after a block', '{} /"/; (((a)))'],
    ['a slash after ++', 'a\n++/"/.lastIndex'],
    ['a slash after a contextual keyword', 'for (a of /"/g) ;'],
    ['an escaped keyword', '\\u0069f (a) /"/'],
    ['an HTML-like comment', 'x = 1\n--> "\n(((a)))'],
  ])('gives up on what only the grammar decides: %s', (_name, src) => {
    expect(measureNesting(src).uncertain).toBe(true);
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
    const cut = Object.keys(visitorKeys).filter(
      (t) => !t.startsWith('TS') && !t.startsWith('JSX') && visitorKeys[t]!.length < (oxcVisitorKeys[t]?.length ?? 0),
    );
    expect(cut.filter((t) => !seen.has(t))).toEqual([]);
  });
});
