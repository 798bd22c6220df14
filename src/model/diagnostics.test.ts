import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DIAGNOSTIC_CODES, isDiagnosticCode } from './diagnostics.js';

const src = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' ? [] : sources(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') && p !== path.join(src, 'model', 'diagnostics.ts') ? [p] : [];
  });
}

/** Codes the compiler checks where they are built from a template, not written out whole. */
const BUILT = new Set(['compose/unknown-config', 'compose/unknown-secret']);

describe('diagnostic code catalogue', () => {
  it('lists each code once', () => {
    expect(DIAGNOSTIC_CODES.length).toBe(new Set(DIAGNOSTIC_CODES).size);
  });

  it('lists no code that nothing reports (a code built from a prefix counts by its suffix)', () => {
    const text = sources(src)
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = DIAGNOSTIC_CODES.filter((code) => {
      if (BUILT.has(code) || text.includes(`'${code}'`)) return false;
      // `compose/${problem.code}`, `nodejs/${uncertainty.kind}`, `kubernetes/yaml-${p.kind}`: the suffix is the literal in code.
      const suffix = /^(compose|nodejs|kubernetes)\/(?:yaml-)?(.+)$/.exec(code)?.[2];
      return suffix === undefined || !text.includes(`'${suffix}'`);
    });
    expect(unused).toEqual([]);
  });

  it('recognises listed codes and plug-in internal errors, and nothing else', () => {
    expect(isDiagnosticCode('compose/network-shared')).toBe(true);
    expect(isDiagnosticCode('dpkg/internal')).toBe(true);
    expect(isDiagnosticCode('compose/check-internal')).toBe(true);
    expect(isDiagnosticCode('compose/network-sharde')).toBe(false);
    expect(isDiagnosticCode('')).toBe(false);
  });
});
