import fc from 'fast-check';
import { parseSync } from 'oxc-parser';
import { describe, expect, it } from 'vitest';
import { measureNesting } from './nesting.js';

/** Expression wrappers: each nests its argument one or more syntax levels deeper. */
const EXPRESSIONS: readonly ((x: string) => string)[] = [
  (x) => `(${x})`,
  (x) => `[${x}]`,
  (x) => `{a:${x}}`,
  (x) => `!${x}`,
  (x) => `- ${x}`,
  (x) => `typeof ${x}`,
  (x) => `void ${x}`,
  (x) => `new ${x}`,
  (x) => `\`t\${${x}}\``,
  (x) => `()=>${x}`,
  (x) => `()=>{return ${x}}`,
  (x) => `function(){return ${x}}`,
  (x) => `class{m(){return ${x}}}`,
  (x) => `a?b:${x}`,
  (x) => `a?${x}:b`,
  (x) => `a+${x}`,
  (x) => `${x}+a`,
  (x) => `a=${x}`,
  (x) => `${x}.a`,
  (x) => `${x}()`,
  (x) => `${x}[0]`,
  (x) => `f(a,${x})`,
  (x) => `a**${x}`,
  (x) => `/"/.x+${x}`,
  (x) => `"'\`("+${x}`,
];
/** Statement wrappers around a statement. */
const STATEMENTS: readonly ((s: string) => string)[] = [
  (s) => `if(a)${s}`,
  (s) => `if(a);else ${s}`,
  (s) => `if(a)b;else ${s}`,
  (s) => `while(a)${s}`,
  (s) => `{${s}}`,
  (s) => `l:${s}`,
  (s) => `function f(){${s}}`,
  (s) => `x=/"/;${s}`,
  (s) => `/* ( */${s}`,
  (s) => `// "\n${s}`,
];

function astDepth(n: unknown): number {
  if (Array.isArray(n)) return Math.max(0, ...n.map(astDepth));
  if (n === null || typeof n !== 'object') return 0;
  let deepest = 0;
  for (const v of Object.values(n)) deepest = Math.max(deepest, astDepth(v));
  return ('type' in n ? 1 : 0) + deepest;
}

describe('measureNesting', () => {
  // The measure must bound the syntax tree's depth (within the documented factor of two) for any
  // mix of constructs, whatever strings, comments and regular expressions sit between them.
  it('bounds the depth of the syntax tree for generated mixes of constructs', () => {
    const program = fc
      .tuple(
        fc.array(fc.nat(EXPRESSIONS.length - 1), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(STATEMENTS.length - 1), { maxLength: 20 }),
      )
      .map(([exprs, stmts]) => {
        let e = 'x';
        for (const i of exprs) e = EXPRESSIONS[i]!(e);
        let s = `y=${e};`;
        for (const i of stmts) s = STATEMENTS[i]!(s);
        return s;
      });
    fc.assert(
      fc.property(program, (src) => {
        const parsed = parseSync('a.js', src, { sourceType: 'script', lang: 'js', preserveParens: false });
        fc.pre(parsed.errors.length === 0); // some mixes are not JavaScript (`a+()=>x`)
        const m = measureNesting(src);
        expect(m.uncertain).toBe(false);
        // The tree counts Program and ExpressionStatement/VariableDeclarator-like levels too.
        expect(2 * m.depth + 3).toBeGreaterThanOrEqual(astDepth(parsed.program));
      }),
      { numRuns: 300, seed: 8 },
    );
  });
});
