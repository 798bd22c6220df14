import { describe, expect, it } from 'vitest';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { memoryAppFs } from '../../nodejs/analyze/app-fs.js';
import { diskAppFs } from '../../nodejs/analyze/disk-app-fs.js';
import { MemoryPackageCache } from '../../nodejs/analyze/package-cache.js';
import { nodeAppReader } from './index.js';

const api = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/api');

describe('node-app reader', () => {
  it.each([
    ['package.json', true],
    ['api/package.json', true],
    ['package-lock.json', false],
    ['api/package.json.bak', false],
  ])('recognises %s: %s', (path, want) => {
    expect(nodeAppReader.named(path)).toBe(want);
    expect(nodeAppReader.matches(path, '{}')).toBe(want);
  });

  it('reads an app directory given as an AppFs: ports, processes and syscalls with their call sites', async () => {
    const r = await nodeAppReader.read({
      path: 'api/package.json',
      root: api,
      fs: diskAppFs(api),
      cache: new MemoryPackageCache(),
      origin: { kind: 'directory', buildContext: 'api', entry: ['server.js'] },
    });
    const f = r.containers[0];
    expect(f?.key).toEqual({ name: 'api', buildContext: 'api' });
    expect(f?.declared).toMatchObject({ kind: 'nodejs', artifact: 'api/package.json' });
    expect(f?.listen.map((l) => l.port)).toEqual([3000]);
    expect(f?.processes.map((p) => p.path)).toEqual(['/usr/bin/convert']);
    const sources = (f?.syscalls ?? []).flatMap((s) => s.rule.sources).filter((s) => s.kind === 'nodejs');
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s.artifact).toBe('api/server.js');
    expect(r.set.analysis.entryPoints.map((e) => e.file)).toEqual(['server.js']);
  });

  it('reads the same app from memory (an image pass hands over files, not paths)', async () => {
    const r = await nodeAppReader.read({
      path: 'package.json',
      root: 'app',
      fs: memoryAppFs({ 'package.json': '{"name":"x","main":"a.js"}', 'a.js': 'require("node:net").connect(5432, "db");\n' }),
      cache: new MemoryPackageCache(),
      origin: { kind: 'directory', buildContext: '.', entry: [] },
    });
    expect(r.containers[0]?.key).toEqual({ name: 'app', buildContext: '.' });
    expect(r.containers[0]?.egress.map((e) => e.port)).toEqual([5432]);
  });

  it('a broken package.json is a diagnostic of the analysis, not a crash', async () => {
    const r = await nodeAppReader.read({
      path: 'package.json',
      root: 'app',
      fs: memoryAppFs({ 'package.json': '{ not json' }),
      cache: new MemoryPackageCache(),
      origin: { kind: 'directory', buildContext: '.', entry: [] },
    });
    expect(r.containers).toHaveLength(1);
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });
});
