// Architecture rules, checked on the source: the folder layering of config/layers.js (the table the
// lint config reads too; docs/ARCHITECTURE.md explains it), no import cycles between files or between
// folders, and the pure core (model, profile and its graph, emitters and writers, text readers,
// knowledge) never touches the file system, processes or the clock.
import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { repoRoot } from '../src/test-support/profile.js';
import { LAYERS, unitOf } from '../config/layers.js';

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
const PURE = [
  'model',
  'profile',
  'emit',
  'output',
  'knowledge',
  'util',
  'readers/dockerfile',
  'readers/kubernetes',
  'readers/compose',
  'readers/marathon',
  'runtime/events',
  'runtime/sources',
  'runtime/engine',
  'runtime/replay.ts',
  'runtime/learn.ts',
  'runtime/address-book.ts',
  'runtime/agent/types.ts',
  'runtime/agent/metrics.ts',
  'runtime/agent/response.ts',
  'runtime/agent/response-policy.ts',
];

const rel = (f: string): string => relative(src, f).split('\\').join('/');

/** Unit-to-unit imports (`readers` → `model`), each with one file-level example. */
function unitEdges(): Map<string, { from: string; to: string; example: string }> {
  const edges = new Map<string, { from: string; to: string; example: string }>();
  for (const [f, { local }] of imports) {
    const from = unitOf(rel(f));
    for (const d of local) {
      const to = unitOf(rel(d));
      if (!from || !to || from.unit === to.unit) continue;
      const key = `${from.unit} → ${to.unit}`;
      if (!edges.has(key)) edges.set(key, { from: from.unit, to: to.unit, example: `${rel(f)} → ${rel(d)}` });
    }
  }
  return edges;
}
const IO_MODULES = [
  'node:fs',
  'node:fs/promises',
  'node:child_process',
  'node:net',
  'node:http',
  'node:worker_threads',
  'fs',
  'child_process',
];

describe('architecture', () => {
  it('puts every source file in a unit of the layering table', () => {
    expect(files.map(rel).filter((f) => unitOf(f) === undefined)).toEqual([]);
    const units = LAYERS.flatMap((l) => l.units);
    expect(units.length).toBe(new Set(units).size);
  });

  it('imports only down the layers (model ← util ← knowledge ← analyzers ← readers ← analysis ← profile ← output ← pipeline ← cli)', () => {
    const upward: string[] = [];
    for (const [f, { local }] of imports) {
      const from = unitOf(rel(f));
      for (const d of local) {
        const to = unitOf(rel(d));
        if (from && to && to.rank > from.rank) upward.push(`${rel(f)} (${from.layer}) imports ${rel(d)} (${to.layer})`);
      }
    }
    expect(upward).toEqual([]);
  });

  it('has no cycles between units (folders), even without a file cycle', () => {
    const edges = unitEdges();
    const next = new Map<string, string[]>();
    for (const e of edges.values()) next.set(e.from, [...(next.get(e.from) ?? []), e.to]);
    const cycles: string[] = [];
    const state = new Map<string, 'visiting' | 'done'>();
    const stack: string[] = [];
    const visit = (u: string): void => {
      if (state.get(u) === 'done') return;
      if (state.get(u) === 'visiting') {
        const loop = [...stack.slice(stack.indexOf(u)), u];
        cycles.push(loop.map((x, i) => (i === 0 ? x : `${x} (${edges.get(`${loop[i - 1]} → ${x}`)?.example ?? ''})`)).join(' → '));
        return;
      }
      state.set(u, 'visiting');
      stack.push(u);
      for (const v of next.get(u) ?? []) visit(v);
      stack.pop();
      state.set(u, 'done');
    };
    for (const u of next.keys()) visit(u);
    expect(cycles).toEqual([]);
  });

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
      if (!PURE.some((p) => rel === p || rel.startsWith(`${p}/`))) continue;
      for (const e of external) if (IO_MODULES.includes(e)) offenders.push(`${rel} imports ${e}`);
      const text = readFileSync(f, 'utf8');
      // The global `process`, not a field named so (`event.process.argv`).
      if (/(?<![.\w])process\.(env|cwd|exit|argv|stdout|stderr)\b/.test(text)) offenders.push(`${rel} uses process`);
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
