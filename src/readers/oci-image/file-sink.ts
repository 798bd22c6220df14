/**
 * The body of a regular file in a layer: what kind of file it is (ELF, `#!` script), its sha256
 * when it is executable, and its bytes when a file analyzer asked for them. Nothing else of a
 * body is kept.
 */
import { createHash, type Hash } from 'node:crypto';
import { InputError } from '../../model/errors.js';
import type { BodySink } from './sources/index.js';
import type { ImageFile } from '../../model/fragments.js';
import type { ImageLimits } from './types.js';

/** Bytes kept from the start of a body to classify it: a `#!` line longer than this is cut. */
const HEAD = 256;

/** sha256 of no bytes: the hash of an empty executable, without hashing. */
const EMPTY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';

function shebang(head: Buffer): { interpreter: string; args: string[] } | undefined {
  let end = head.indexOf(0x0a);
  if (end < 0) end = head.length;
  const line = head.toString('utf8', 2, end).trim();
  const words = line.split(/\s+/).filter((w) => w !== '');
  const interpreter = words[0];
  if (!interpreter) return undefined;
  return { interpreter, args: words.slice(1) };
}

const isElf = (b: Buffer): boolean => b.length >= 4 && b[0] === 0x7f && b[1] === 0x45 && b[2] === 0x4c && b[3] === 0x46;
const isScript = (b: Buffer): boolean => b.length >= 2 && b[0] === 0x23 && b[1] === 0x21;

export function tooBig(layer: string, path: string, size: number, limit: number, what: string): InputError {
  return new InputError(`layer ${layer}: ${what} ${path} is ${size} bytes, over the limit of ${limit}`, path);
}

/**
 * Body sink of a regular file: keeps the first bytes to classify it (ELF, `#!`), hashes it when
 * it is executable, collects it when a file analyzer asked for it.
 */
export class FileSink implements BodySink {
  private head: Buffer | undefined;
  private headFill = 0;
  private hash: Hash | undefined;
  /** The whole body, for the analyzers that asked (its size is known and bounded: one allocation, no concat). */
  private body: Buffer | undefined;
  private bodyFill = 0;
  private decided = false;

  constructor(
    private readonly file: ImageFile,
    private readonly layer: string,
    private readonly limits: ImageLimits,
    private readonly collect: boolean,
    private readonly onCollected: (bytes: Buffer) => void,
    private readonly onShebang: (args: string[]) => void,
  ) {
    this.head = Buffer.allocUnsafe(Math.min(HEAD, file.size));
    if (collect) this.body = Buffer.allocUnsafe(file.size);
    if (file.mode & 0o111) {
      if (file.size > limits.maxFileBytes) throw tooBig(layer, file.path, file.size, limits.maxFileBytes, 'executable');
      this.hash = createHash('sha256');
    }
  }

  data(chunk: Buffer): void {
    if (this.body) this.bodyFill += chunk.copy(this.body, this.bodyFill);
    if (this.decided) {
      this.hash?.update(chunk);
      return;
    }
    const head = this.head as Buffer;
    const take = Math.min(head.length - this.headFill, chunk.length);
    chunk.copy(head, this.headFill, 0, take);
    this.headFill += take;
    const hashing = this.hash !== undefined;
    if (this.headFill < head.length) {
      this.hash?.update(chunk);
      return;
    }
    this.decide();
    // A hash started by `decide` was seeded with the whole head, including this chunk's first bytes.
    if (hashing) this.hash?.update(chunk);
    else this.hash?.update(chunk.subarray(take));
  }

  private decide(): void {
    this.decided = true;
    const head = (this.head as Buffer).subarray(0, this.headFill);
    if (isElf(head)) this.file.executable = 'elf';
    else if (isScript(head)) {
      this.file.executable = 'script';
      const sb = shebang(head);
      if (sb) {
        this.file.interpreter = sb.interpreter;
        if (sb.args.length > 0) this.onShebang(sb.args);
      }
    }
    if (!this.hash && this.file.executable !== 'none') {
      if (this.file.size > this.limits.maxFileBytes) {
        throw tooBig(this.layer, this.file.path, this.file.size, this.limits.maxFileBytes, 'executable');
      }
      this.hash = createHash('sha256').update(head);
    }
    this.head = undefined;
  }

  end(): void {
    if (!this.decided) this.decide();
    if (this.hash) this.file.sha256 = this.hash.digest('hex');
    if (this.body) this.onCollected(this.bodyFill === this.body.length ? this.body : this.body.subarray(0, this.bodyFill));
  }
}

/** A sink for an empty file still has to classify it (as nothing). */
export function emptyScan(file: ImageFile): void {
  if (file.mode & 0o111) file.sha256 = EMPTY_SHA256;
}
