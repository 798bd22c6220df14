// One pipeline: `charter profile` (loadTargets) and `charter scan` (scanDirectory) find exactly the
// same manifests, through the reader registry only, on real trees with hostile additions (a hidden
// directory, node_modules, symlink loops, FIFOs) and on a tree of 20,000 files; unreadable files are
// diagnostics naming them while the other files are still read.
import { chmodSync, cpSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { FILE_ANALYZERS } from '../inventory/registry.js';
import { scanDirectory } from '../scan/directory.js';
import { corpusRoot, repoRoot } from '../test-support/profile.js';
import { POD_YAML, hostileExtras, manyFiles, mkfifo } from '../test-support/hostile-trees.js';
import type { Diagnostic } from '../model/charter.js';
import { recogniseFiles } from './recognise.js';
import { loadTargets } from './targets.js';
import { walkTree } from './walk.js';

const made: string[] = [];
function copyWithHostileExtras(src: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'charter-pipeline-'));
  made.push(dir);
  const root = path.join(dir, 'target');
  cpSync(src, root, { recursive: true });
  hostileExtras(root);
  return root;
}
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

const HOSTILE = /(^|\/)(\.hidden|node_modules|loops|pipe)\//;

async function bothFind(root: string): Promise<{ profile: string[]; scan: string[] }> {
  const loaded = await loadTargets([root]);
  const scanned = await scanDirectory(root, FILE_ANALYZERS);
  return { profile: [...loaded.manifests].sort(), scan: [...scanned.manifests].sort() };
}

describe('profile and scan see the same manifests', () => {
  it.each([
    ['examples/shop', path.join(repoRoot, 'examples/shop')],
    ['test/corpus', corpusRoot],
  ])(
    '%s, with a hidden dir, node_modules, symlink loops and FIFOs added',
    async (_name, src) => {
      const root = copyWithHostileExtras(src);
      const { profile, scan } = await bothFind(root);
      expect(profile.length).toBeGreaterThan(3);
      expect(scan).toEqual(profile);
      expect(profile.filter((m) => HOSTILE.test(m))).toEqual([]);
    },
    120_000,
  );

  it('examples/shop: the manifests are the ones its README names', async () => {
    const { profile } = await bothFind(copyWithHostileExtras(path.join(repoRoot, 'examples/shop')));
    expect(profile).toEqual(['api/Dockerfile', 'api/package.json', 'compose.yaml', 'k8s/shop.yaml', 'web/Dockerfile', 'worker/Dockerfile']);
  }, 60_000);

  it('20,000 files: both finish in bounded time and find the manifests among them', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'charter-pipeline-'));
    made.push(dir);
    manyFiles(dir, 20_000);
    writeFileSync(path.join(dir, 'd7', 'pod.yaml'), POD_YAML);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\n');
    const started = Date.now();
    const { profile, scan } = await bothFind(dir);
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(profile).toEqual(['Dockerfile', 'd7/pod.yaml']);
    expect(scan).toEqual(profile);
  }, 180_000);

  it('a file swapped for a FIFO after the walk is a diagnostic with its path (not a hang); the other files are still read', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'charter-pipeline-'));
    made.push(dir);
    writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\nUSER 1000\n');
    writeFileSync(path.join(dir, 'pod.yaml'), POD_YAML);
    writeFileSync(path.join(dir, 'compose.yaml'), 'services:\n  web:\n    image: web:1\n');
    const walk = await walkTree(dir);
    rmSync(path.join(dir, 'pod.yaml'));
    mkfifo(path.join(dir, 'pod.yaml'));
    const diagnostics: Diagnostic[] = [];
    const found = await recogniseFiles(walk.files, diagnostics);
    expect(found.map((m) => `${m.file.rel}:${m.reader.type}`)).toEqual(['Dockerfile:dockerfile', 'compose.yaml:compose']);
    expect(diagnostics).toEqual([
      {
        code: 'walk/unreadable',
        severity: 'warning',
        message: 'cannot read file: a named pipe (FIFO), not a regular file',
        file: 'pod.yaml',
      },
    ]);
  }, 10_000);

  it('a FIFO named as the target is refused by both commands, without blocking', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'charter-pipeline-'));
    made.push(dir);
    const fifo = path.join(dir, 'Dockerfile');
    mkfifo(fifo);
    await expect(scanDirectory(fifo, FILE_ANALYZERS)).rejects.toThrow(/not a regular file/);
    const loaded = await loadTargets([fifo]);
    expect(loaded.diagnostics).toEqual([
      expect.objectContaining({ code: 'target/error', severity: 'error', message: 'not a regular file', file: 'Dockerfile' }),
    ]);
  }, 10_000);

  it.skipIf(process.getuid?.() === 0)(
    'an unreadable manifest is a diagnostic with its path in both commands; the other files are still read',
    async () => {
      const dir = mkdtempSync(path.join(tmpdir(), 'charter-pipeline-'));
      made.push(dir);
      writeFileSync(path.join(dir, 'Dockerfile'), 'FROM alpine\nUSER 1000\n');
      writeFileSync(path.join(dir, 'pod.yaml'), POD_YAML);
      chmodSync(path.join(dir, 'pod.yaml'), 0);
      const loaded = await loadTargets([dir]);
      expect(loaded.inputs.map((i) => i.artifact)).toEqual(['Dockerfile']);
      expect(loaded.diagnostics).toContainEqual(expect.objectContaining({ code: 'walk/unreadable', file: 'pod.yaml' }));
      const scanned = await scanDirectory(dir, FILE_ANALYZERS);
      expect(scanned.manifests).toEqual(['Dockerfile']);
      // Named once, though the secrets analyzer wants the file too.
      expect(scanned.diagnostics.filter((d) => d.code === 'walk/unreadable')).toEqual([
        expect.objectContaining({ file: 'pod.yaml', message: expect.stringMatching(/^cannot read file: permission denied/) }),
      ]);
    },
  );
});
