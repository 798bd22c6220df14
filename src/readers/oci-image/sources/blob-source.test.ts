/** The outer-archive index is bounded in headers and header bytes, however the archive is padded. */
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InputError } from '../../../model/errors.js';
import { ArchiveSource, MAX_ARCHIVE_META_BYTES } from './blob-source.js';

/** A ustar header block with a valid checksum. */
function block(name: string, size: number, flag: string): Buffer {
  const b = Buffer.alloc(512);
  b.write(name, 0, 100, 'utf8');
  b.write('0000644\0', 100, 'latin1');
  b.write(`${size.toString(8).padStart(11, '0')}\0`, 124, 'latin1');
  b.write(flag, 156, 'latin1');
  b.write('ustar\0' + '00', 257, 'latin1');
  b.fill(0x20, 148, 156);
  let sum = 0;
  for (const x of b) sum += x;
  b.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 'latin1');
  return b;
}

const LIMITS = { maxPaxHeaderBytes: 1 << 20, maxEntries: 100 };
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-blob-source-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function openError(file: string): Promise<InputError> {
  const err: unknown = await ArchiveSource.open(file, 'x.tar', LIMITS).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(InputError);
  return err as InputError;
}

describe('ArchiveSource.open', () => {
  it('counts headers, not names: one name repeated past the member limit is refused', async () => {
    const file = path.join(dir, 'repeated.tar');
    await writeFile(file, Buffer.concat(Array.from({ length: 101 }, () => block('same', 0, '0'))));
    expect((await openError(file)).message).toMatch(/archive has more than 100 members/);
  });

  it('empty extended headers by the thousand are refused', async () => {
    const file = path.join(dir, 'pax-padding.tar');
    await writeFile(file, Buffer.concat(Array.from({ length: 301 }, () => block('PaxHeader', 0, 'x'))));
    expect((await openError(file)).message).toMatch(/archive has more than 300 extended headers/);
  });

  it('extended headers over MAX_ARCHIVE_META_BYTES in all are refused (each under its own limit)', async () => {
    // A sparse file: 1 MiB pax bodies of zeros (padding, valid) are holes on disk.
    const file = path.join(dir, 'pax-bytes.tar');
    const fh = await open(file, 'w');
    const body = 1 << 20;
    const count = MAX_ARCHIVE_META_BYTES / body + 1;
    for (let i = 0; i < count; i++) await fh.write(block('PaxHeader', body, 'x'), 0, 512, i * (512 + body));
    await fh.truncate(count * (512 + body));
    await fh.close();
    expect((await openError(file)).message).toMatch(new RegExp(`archive headers exceed ${MAX_ARCHIVE_META_BYTES} bytes in all`));
  });
});
