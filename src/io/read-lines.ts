/**
 * A user-named stream read line by line in constant memory: an event file of any size, or standard
 * input (`-`, a pipe from another engine's exporter). A line longer than the limit is reported as
 * too long and skipped without being held; the rest of the stream goes on.
 */
import { StringDecoder } from 'node:string_decoder';
import type { Readable } from 'node:stream';
import { openInputFile } from './read-input.js';

export type InputLine = { line: number; text: string } | { line: number; tooLong: number };

/** Bytes read at a time: large enough that a million short lines cost a few hundred reads. */
const CHUNK = 1 << 20;

async function* chunksOf(path: string, what: string): AsyncGenerator<Buffer> {
  if (path === '-') {
    for await (const chunk of process.stdin as Readable) yield chunk as Buffer;
    return;
  }
  const { handle } = await openInputFile(path, what);
  try {
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, CHUNK, null);
      if (bytesRead === 0) return;
      yield Buffer.from(buf.subarray(0, bytesRead));
    }
  } finally {
    await handle.close();
  }
}

/**
 * The lines of `path` (`-` for standard input), numbered from 1, without their `\n` (or `\r\n`),
 * a batch per read (an await per line would cost a third of judging it). A line of more than
 * `maxLine` characters is given as `{ tooLong }` with its length.
 */
export async function* readLineBatches(path: string, maxLine: number, what = 'event stream'): AsyncGenerator<InputLine[]> {
  const decoder = new StringDecoder('utf8');
  let carry = '';
  let dropping = 0; // characters of an over-long line seen so far (0: not dropping)
  let line = 0;
  const finish = (text: string): InputLine => {
    line++;
    if (dropping > 0) {
      const n = dropping + text.length;
      dropping = 0;
      return { line, tooLong: n };
    }
    return { line, text: text.endsWith('\r') ? text.slice(0, -1) : text };
  };
  for await (const chunk of chunksOf(path, what)) {
    const text = carry + decoder.write(chunk);
    const batch: InputLine[] = [];
    let start = 0;
    for (;;) {
      const nl = text.indexOf('\n', start);
      if (nl < 0) break;
      const piece = text.slice(start, nl);
      if (dropping === 0 && piece.length > maxLine) {
        line++;
        batch.push({ line, tooLong: piece.length });
      } else batch.push(finish(piece));
      start = nl + 1;
    }
    if (batch.length > 0) yield batch;
    carry = text.slice(start);
    if (carry.length > maxLine) {
      dropping += carry.length;
      carry = '';
    }
  }
  const rest = carry + decoder.end();
  if (rest !== '' || dropping > 0) {
    if (dropping === 0 && rest.length > maxLine) {
      line++;
      yield [{ line, tooLong: rest.length }];
    } else yield [finish(rest)];
  }
}
