import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError, UserError } from '../model/errors.js';
import { readInputFile, readInputText } from './read-input.js';

const dir = mkdtempSync(path.join(tmpdir(), 'charter-read-input-'));
const fifo = path.join(dir, 'pipe.json');
const socket = path.join(dir, 'sock.json');
let server: Server;

beforeAll(async () => {
  execFileSync('mkfifo', [fifo]);
  writeFileSync(path.join(dir, 'ok.json'), '\ufeff{"a":1}');
  server = createServer();
  await new Promise<void>((done) => server.listen(socket, done));
});
afterAll(async () => {
  await new Promise<void>((done) => server.close(() => done()));
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<UserError> {
  const err: unknown = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(UserError);
  return err as UserError;
}

const opts = { maxBytes: 1000, what: 'profile' };

describe('readInputFile', () => {
  it('reads a regular file, through a symbolic link too, and drops a byte-order mark from text', async () => {
    const file = path.join(dir, 'ok.json');
    symlinkSync(file, path.join(dir, 'link.json'));
    expect(await readInputText(file, opts)).toBe('{"a":1}');
    expect(await readInputText(path.join(dir, 'link.json'), opts)).toBe('{"a":1}');
    expect((await readInputFile(file, { ...opts, maxBytes: 10 })).length).toBe(10);
  });

  it.each([
    ['a named pipe with no writer', () => fifo, /named pipe \(FIFO\), not a regular file/],
    ['a socket', () => socket, /a socket, not a regular file/],
    ['a directory', () => dir, /a directory, not a regular file/],
    ['a character device that never ends', () => '/dev/zero', /a character device, not a regular file/],
    ['a missing file', () => path.join(dir, 'missing.json'), /no such file or directory/],
    ['a path through a file', () => path.join(dir, 'ok.json', 'x'), /not a directory/],
  ])('refuses %s at once, naming the file', async (_what, file, message) => {
    const started = Date.now();
    const err = await failure(readInputFile(file(), opts));
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err.file).toBe(file());
    expect(err.message).toMatch(message);
    expect(err.message).toMatch(/^cannot read profile: /);
  });

  it('refuses a file over the limit by its size, naming it', async () => {
    const big = path.join(dir, 'big.json');
    writeFileSync(big, Buffer.alloc(1001, 0x20));
    const err = await failure(readInputFile(big, opts));
    expect(err).toBeInstanceOf(InputError);
    expect(err.file).toBe(big);
    expect(err.message).toBe('profile is 1001 bytes, over the limit of 1000 bytes');
    expect((await readInputFile(big, { ...opts, maxBytes: 1001 })).length).toBe(1001);
  });

  it('reads at most limit + 1 bytes of a file whose size lies (procfs reports 0)', async () => {
    const err = await failure(readInputFile('/proc/self/status', { maxBytes: 16, what: 'policy' }));
    expect(err.message).toMatch(/is more than 16 bytes, over the limit of 16 bytes/);
    expect((await readInputText('/proc/self/status', { maxBytes: 1 << 20, what: 'policy' })).startsWith('Name:')).toBe(true);
  });

  it('refuses a FIFO reached through a symbolic link', async () => {
    const link = path.join(dir, 'to-pipe.json');
    symlinkSync(fifo, link);
    expect((await failure(readInputFile(link, opts))).message).toMatch(/named pipe/);
  });
});
