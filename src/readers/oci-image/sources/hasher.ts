/**
 * sha256 of a byte range of a file, computed on a worker thread, so verifying a large blob's
 * digest runs on a second core while the main thread walks the same bytes. The worker reads the
 * file itself (from the page cache): no bytes are copied between threads.
 */
import { Worker } from 'node:worker_threads';

// Plain CommonJS, evaluated by the worker: kept inline so it runs from source and from dist alike.
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const crypto = require('node:crypto');
const buf = Buffer.allocUnsafe(4 << 20);
parentPort.on('message', ({ id, file, start, length }) => {
  let fd;
  try {
    fd = fs.openSync(file, 'r');
    const h = crypto.createHash('sha256');
    let pos = start;
    let left = length;
    while (left > 0) {
      const n = fs.readSync(fd, buf, 0, Math.min(buf.length, left), pos);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      pos += n;
      left -= n;
    }
    parentPort.postMessage({ id, digest: left === 0 ? h.digest('hex') : undefined, missing: left });
  } catch (err) {
    parentPort.postMessage({ id, error: String((err && err.message) || err) });
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
});
`;

interface Reply {
  id: number;
  digest?: string;
  missing?: number;
  error?: string;
}

export interface FileRange {
  file: string;
  start: number;
  length: number;
}

export class RangeHasher {
  private worker: Worker | undefined;
  private next = 0;
  private pending = new Map<number, { resolve: (d: string) => void; reject: (e: Error) => void }>();

  private start(): Worker {
    if (this.worker) return this.worker;
    const w = new Worker(WORKER_SOURCE, { eval: true });
    w.on('message', (r: Reply) => {
      const p = this.pending.get(r.id);
      if (!p) return;
      this.pending.delete(r.id);
      if (r.digest) p.resolve(`sha256:${r.digest}`);
      else p.reject(new Error(r.error ?? `file ended ${r.missing ?? '?'} bytes early`));
    });
    w.on('error', (err) => {
      for (const p of this.pending.values()) p.reject(err);
      this.pending.clear();
    });
    this.worker = w;
    return w;
  }

  /** `sha256:<hex>` of the range. */
  hash(range: FileRange): Promise<string> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.start().postMessage({ id, ...range });
    });
  }

  async close(): Promise<void> {
    const w = this.worker;
    this.worker = undefined;
    if (w) await w.terminate();
  }
}
