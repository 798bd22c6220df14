// The pipeline's one file opener: bounded, never through a symlink, never blocking on a FIFO.
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../model/errors.js';
import { mkfifo } from '../test-support/hostile-trees.js';
import { readHead, readRegularFile } from './read-file.js';

let dir = '';
beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-read-'));
  writeFileSync(path.join(dir, 'ok.yaml'), 'a: 1\n');
  writeFileSync(path.join(dir, 'big.yaml'), 'x'.repeat(1000));
  symlinkSync('ok.yaml', path.join(dir, 'link.yaml'));
  mkfifo(path.join(dir, 'fifo.yaml'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('readRegularFile / readHead', () => {
  it('reads a regular file whole, or its head', async () => {
    expect((await readRegularFile(path.join(dir, 'ok.yaml'), 'ok.yaml', 100)).toString()).toBe('a: 1\n');
    expect(await readHead(path.join(dir, 'big.yaml'), 'big.yaml', 10)).toBe('x'.repeat(10));
  });

  it('refuses a file over the limit, naming it, without reading it', async () => {
    const err = await readRegularFile(path.join(dir, 'big.yaml'), 'big.yaml', 999).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).describe()).toBe('big.yaml: file is 1000 bytes, over the limit of 999 bytes');
  });

  it('refuses a FIFO without blocking (a file swapped for one after the walk)', async () => {
    for (const read of [
      () => readRegularFile(path.join(dir, 'fifo.yaml'), 'fifo.yaml', 100),
      () => readHead(path.join(dir, 'fifo.yaml'), 'fifo.yaml', 10),
    ]) {
      const err = await read().catch((e: unknown) => e);
      expect(err).toBeInstanceOf(InputError);
      expect((err as InputError).describe()).toBe('fifo.yaml: cannot read file: a named pipe (FIFO), not a regular file');
    }
  }, 5_000);

  it('does not follow a symlink', async () => {
    const err = await readRegularFile(path.join(dir, 'link.yaml'), 'link.yaml', 100).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).file).toBe('link.yaml');
  });

  it('a missing file is a UserError naming it', async () => {
    await expect(readRegularFile(path.join(dir, 'nope'), 'nope', 100)).rejects.toThrow(/cannot read file: no such file or directory/);
  });
});
