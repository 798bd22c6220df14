// Architecture rules, checked on the source: no import cycles, and the pure core (model, merge,
// graph, emitters, text readers, knowledge) never touches the file system, processes or the clock.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../src/test-support/profile.js';

const src = join(repoRoot, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'fixtures' || e.name === 'test-support' ? [] : sourceFiles(p);
    return e.name.endsWith('.ts') && !e.name.endsWith('.test.ts') ? [p] : [];
  });
}

const files = sourceFiles(src);
const imports = new Map<string, { local: string[]; external: string[] }>();
for (const f of files) {
  const text = readFileSync(f, 'utf8');
  const specs = [...text.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+['"]([^'"]+)['"]/gms)].map((m) => m[1] as string);
  imports.set(f, {
    local: specs.filter((s) => s.startsWith('.')).map((s) => resolve(dirname(f), s.replace(/\.js$/, '.ts'))),
    external: specs.filter((s) => !s.startsWith('.')),
  });
}

/** Folders whose modules must stay pure: data in, data out. */
const PURE = ['profile', 'graph', 'emit', 'knowledge', 'util', 'readers/dockerfile', 'readers/kubernetes', 'readers/compose', 'readers/marathon'];
const IO_MODULES = ['node:fs', 'node:fs/promises', 'node:child_process', 'node:net', 'node:http', 'node:worker_threads', 'fs', 'child_process'];

describe('architecture', () => {
  it('has no import cycles', () => {
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (f: string): void => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'visiting') {
        cycles.push([...stack.slice(stack.indexOf(f)), f].map((x) => relative(src, x)).join(' → '));
        return;
      }
      state.set(f, 'visiting');
      stack.push(f);
      for (const d of imports.get(f)?.local ?? []) if (imports.has(d)) visit(d);
      stack.pop();
      state.set(f, 'done');
    };
    for (const f of files) visit(f);
    expect(cycles).toEqual([]);
  });

  it('keeps the core pure: no file system, processes or network in model, readers of text, graph, emitters', () => {
    const offenders: string[] = [];
    for (const [f, { external }] of imports) {
      const rel = relative(src, f).split('\\').join('/');
      if (!PURE.some((p) => rel.startsWith(`${p}/`))) continue;
      for (const e of external) if (IO_MODULES.includes(e)) offenders.push(`${rel} imports ${e}`);
      const text = readFileSync(f, 'utf8');
      if (/\bprocess\.(env|cwd|exit|argv|stdout|stderr)\b/.test(text)) offenders.push(`${rel} uses process`);
      if (/\bDate\.now\(\)|new Date\(\)/.test(text)) offenders.push(`${rel} reads the clock`);
    }
    expect(offenders).toEqual([]);
  });

  it('uses each third-party parser through one module', () => {
    const users = (pkg: string): string[] =>
      [...imports.entries()].filter(([, i]) => i.external.some((e) => e === pkg || e.startsWith(`${pkg}/`))).map(([f]) => relative(src, f));
    expect(users('dockerfile-ast')).toEqual(['readers/dockerfile/parse.ts']);
  });
});
