// The one walker on hostile trees generated at test time: many files, deep chains, symlink loops,
// FIFOs, a slow clock. Nothing may block, every bound says where it stopped.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { deepChain, hostileExtras, manyFiles, mkfifo, symlinkLoops } from '../test-support/hostile-trees.js';
import { MAX_WALK_DEPTH, WALK_LIMITS } from './limits.js';
import { walkTree } from './walk.js';

const made: string[] = [];
function tree(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'charter-walk-'));
  made.push(dir);
  return dir;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

describe('walkTree', () => {
  it('lists 20,000 files, sorted; over maxEntries it stops with a warning naming the root', async () => {
    const root = tree();
    manyFiles(root, 20_000);
    writeFileSync(path.join(root, 'Dockerfile'), 'FROM alpine\n');
    const all = await walkTree(root);
    expect(all.files).toHaveLength(20_001);
    expect(all.diagnostics).toEqual([]);
    const rels = all.files.map((f) => f.rel);
    expect(rels).toEqual([...rels].sort());

    const capped = await walkTree(root, { limits: { maxEntries: 5_000 } });
    expect(capped.files.length).toBeLessThanOrEqual(5_000);
    expect(capped.diagnostics).toEqual([expect.objectContaining({ code: 'walk/too-many-files', severity: 'warning', file: '.' })]);
  }, 120_000);

  it('a 1,000-deep chain: no stack overflow, files above the depth limit found, one warning naming the first pruned directory', async () => {
    const root = tree();
    const deepest = deepChain(root, 1000);
    writeFileSync(path.join(deepest, 'Dockerfile'), 'FROM alpine\n');
    writeFileSync(path.join(root, 'd', 'd', 'Dockerfile'), 'FROM alpine\n');
    const r = await walkTree(root);
    expect(r.files.map((f) => f.rel)).toEqual(['d/d/Dockerfile']);
    const pruned = `${Array.from({ length: MAX_WALK_DEPTH + 1 }, () => 'd').join('/')}`;
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'walk/too-deep', severity: 'warning', message: expect.stringContaining(`(first: ${pruned})`) }),
    ]);
  }, 60_000);

  it('does not follow symlinks: loops end, a link to a file outside is not listed', async () => {
    const root = tree();
    symlinkLoops(path.join(root, 'loops'));
    writeFileSync(path.join(root, 'loops', 'real.yaml'), 'a: 1\n');
    symlinkSync(root, path.join(root, 'root-again'));
    const r = await walkTree(root);
    expect(r.files.map((f) => f.rel)).toEqual(['loops/real.yaml']);
    expect(r.diagnostics).toEqual([]);
  });

  it('refuses FIFOs, sockets and devices from their directory entry, without opening them (an info naming each)', async () => {
    const root = tree();
    mkfifo(path.join(root, 'Dockerfile'));
    writeFileSync(path.join(root, 'compose.yaml'), 'services: {}\n');
    const r = await walkTree(root);
    expect(r.files.map((f) => f.rel)).toEqual(['compose.yaml']);
    expect(r.diagnostics).toEqual([{ code: 'walk/not-regular', severity: 'info', message: 'a FIFO; not read', file: 'Dockerfile' }]);
  });

  it('skips VCS directories always; dependency and hidden directories only when asked, after the source tree, marked', async () => {
    const root = tree();
    hostileExtras(root);
    mkdirSync(path.join(root, '.git', 'objects'), { recursive: true });
    writeFileSync(path.join(root, '.git', 'config'), '[core]\n');
    writeFileSync(path.join(root, 'app.yaml'), 'a: 1\n');
    const source = await walkTree(root);
    expect(source.files.map((f) => f.rel)).toEqual(['app.yaml']);
    const all = await walkTree(root, { dependencies: true });
    expect(all.files.map((f) => [f.rel, f.dependency])).toEqual([
      ['.hidden/Dockerfile', true],
      ['.hidden/pod.yaml', true],
      ['app.yaml', false],
      ['node_modules/dep/Dockerfile', true],
      ['node_modules/dep/package.json', true],
      ['node_modules/dep/pod.yaml', true],
    ]);
  });

  it('an unreadable directory is a warning naming it; the rest is still listed', async () => {
    const root = tree();
    mkdirSync(path.join(root, 'locked'));
    writeFileSync(path.join(root, 'locked', 'x.yaml'), 'a: 1\n');
    writeFileSync(path.join(root, 'ok.yaml'), 'a: 1\n');
    // A directory replaced by a file between listing and reading is what root can still not read.
    const r = await walkTree(root, {
      now: (() => {
        let calls = 0;
        return () => {
          // On the second directory taken (locked), swap it for a file.
          if (++calls === 3) {
            rmSync(path.join(root, 'locked'), { recursive: true });
            writeFileSync(path.join(root, 'locked'), 'not a dir');
          }
          return 0;
        };
      })(),
    });
    expect(r.files.map((f) => f.rel)).toEqual(['ok.yaml']);
    expect(r.diagnostics).toEqual([expect.objectContaining({ code: 'walk/unreadable', severity: 'warning', file: 'locked' })]);
  });

  it('is bounded in time: past maxWalkMs it stops with a warning saying what was not listed', async () => {
    const root = tree();
    for (const d of ['a', 'b', 'c', 'd']) {
      mkdirSync(path.join(root, d));
      writeFileSync(path.join(root, d, 'f.yaml'), 'a: 1\n');
    }
    let t = 0;
    const r = await walkTree(root, { now: () => (t += 1000), limits: { maxWalkMs: 2500 } });
    expect(r.files.map((f) => f.rel)).toEqual(['a/f.yaml']);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'walk/timeout',
        severity: 'warning',
        message: expect.stringContaining('b and what was still to list'),
      }),
    ]);
  });

  it('has one set of named limits', () => {
    expect(WALK_LIMITS).toEqual({
      maxEntries: 500_000,
      maxDepth: 100,
      maxFileBytes: 128 * 1024 ** 2,
      maxManifestBytes: 16 * 1024 ** 2,
      maxWalkMs: 60_000,
    });
  });
});
