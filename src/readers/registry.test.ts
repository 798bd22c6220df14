// The meta-test: every reader in the one table has the same shape (README, fixtures, tests), and
// no file is claimed by a reader that cannot read it.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FILE_READERS, readerFor } from './registry.js';

const here = dirname(fileURLToPath(import.meta.url));

describe('reader registry', () => {
  it.each(FILE_READERS.map((r) => [r.type, r] as const))('%s has README, fixtures, tests and a version', (type, reader) => {
    const dir = join(here, type);
    expect(existsSync(join(dir, 'README.md')), `${type}/README.md`).toBe(true);
    expect(existsSync(join(dir, 'index.test.ts')), `${type}/index.test.ts`).toBe(true);
    expect(readdirSync(join(dir, 'fixtures')).length, `${type}/fixtures`).toBeGreaterThan(0);
    expect(reader.version).toMatch(/^\d+$/);
  });

  it.each([
    ['Dockerfile', 'FROM alpine', 'dockerfile'],
    ['svc/Containerfile', 'FROM alpine', 'dockerfile'],
    ['compose.yaml', 'services:\n  a:\n    image: x', 'compose'],
    ['docker-compose.prod.yml', 'services:\n  a:\n    image: x', 'compose'],
    ['k8s/app.yaml', 'apiVersion: v1\nkind: Pod\n', 'kubernetes'],
    ['marathon/app.json', '{"id": "/x", "container": {"docker": {"image": "x"}}}', 'marathon'],
    ['package.json', '{"name": "x", "version": "1.0.0"}', 'node-app'],
    ['api/package.json', 'not json', 'node-app'],
    ['package-lock.json', '{"name": "x", "lockfileVersion": 3}', undefined],
    ['tsconfig.json', '{"compilerOptions": {}}', undefined],
    ['README.md', '# hello', undefined],
    ['values.yaml', 'replicaCount: 1\nimage: x', undefined],
  ])('%s is read by %s', (path, head, type) => {
    expect(readerFor(path, head)?.type).toBe(type);
  });

  // `named` lets the pipeline skip opening files: it must never say no to a file `matches` takes.
  it.each(FILE_READERS.map((r) => [r.type, r] as const))('%s: matches implies named, on its own fixtures', (type, reader) => {
    const dir = join(here, type, 'fixtures');
    const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    let matched = 0;
    for (const e of files) {
      const rel = relative(dir, join(e.parentPath, e.name)).split(sep).join('/');
      const head = readFileSync(join(e.parentPath, e.name), 'utf8').slice(0, 4096);
      if (!reader.matches(rel, head)) continue;
      matched++;
      expect(reader.named(rel), rel).toBe(true);
    }
    expect(matched, `${type}: no fixture is recognised by its own reader`).toBeGreaterThan(0);
  });
});
