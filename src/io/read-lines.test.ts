import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readLineBatches, type InputLine } from './read-lines.js';

const dir = mkdtempSync(join(tmpdir(), 'charter-lines-'));

async function lines(content: string | Buffer, max: number): Promise<InputLine[]> {
  const f = join(dir, `f${Math.random()}`);
  writeFileSync(f, content);
  const out: InputLine[] = [];
  for await (const batch of readLineBatches(f, max)) out.push(...batch);
  return out;
}

describe('readLines', () => {
  it('splits on LF and CRLF, keeps a last line without a newline, numbers from 1', async () => {
    expect(await lines('a\r\nb\n\nc', 10)).toEqual([
      { line: 1, text: 'a' },
      { line: 2, text: 'b' },
      { line: 3, text: '' },
      { line: 4, text: 'c' },
    ]);
  });
  it('reports over-long lines by length without holding them, at any position, and goes on', async () => {
    const long = 'x'.repeat(3_000_000); // spans three reads
    expect(await lines(`ok\n${long}\nnext\n${long}`, 1000)).toEqual([
      { line: 1, text: 'ok' },
      { line: 2, tooLong: 3_000_000 },
      { line: 3, text: 'next' },
      { line: 4, tooLong: 3_000_000 },
    ]);
  });
  it('decodes a multi-byte character split across two reads', async () => {
    const pad = 'a'.repeat((1 << 20) - 1);
    const got = await lines(Buffer.concat([Buffer.from(pad), Buffer.from('é\nz')]), 2 << 20);
    expect(got).toEqual([
      { line: 1, text: `${pad}é` },
      { line: 2, text: 'z' },
    ]);
  });
});
