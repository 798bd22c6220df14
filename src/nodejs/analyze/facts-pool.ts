/**
 * Facts of files computed on worker threads (facts-worker.ts), for analyses big enough to gain
 * from more than one core: parsing is most of a cold analysis, and each file is independent.
 * Jobs go to the least busy worker; facts come back as plain data (structured clone), in the
 * same shape `moduleFacts` returns on the main thread, so results do not depend on the pool.
 */
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { ModuleFacts } from './facts.js';
import type { FactsJob } from './facts-worker.js';

interface Pending {
  resolve: (f: ModuleFacts) => void;
  reject: (e: Error) => void;
  worker: number;
}

export class FactsPool {
  private readonly workers: Worker[];
  private readonly load: number[];
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  private constructor(script: string, size: number, builtins: readonly string[]) {
    this.workers = Array.from({ length: size }, () => new Worker(script, { workerData: { builtins: [...builtins] } }));
    this.load = this.workers.map(() => 0);
    this.workers.forEach((w, i) => {
      w.on('message', (m: { id: number; facts?: ModuleFacts; error?: string }) => {
        const p = this.pending.get(m.id);
        if (!p) return;
        this.pending.delete(m.id);
        this.load[i]!--;
        if (m.facts) p.resolve(m.facts);
        else p.reject(new Error(m.error ?? 'facts worker failed'));
      });
      w.on('error', (e) => this.failAll(i, e));
    });
  }

  /**
   * A pool of `size` workers, or undefined when the compiled worker script is not beside this
   * module (running from TypeScript sources) or one thread is all there is.
   */
  static open(size: number, builtins: readonly string[]): FactsPool | undefined {
    if (size < 1) return undefined;
    const script = fileURLToPath(new URL('./facts-worker.js', import.meta.url));
    if (!existsSync(script)) return undefined;
    return new FactsPool(script, size, builtins);
  }

  get size(): number {
    return this.workers.length;
  }

  factsOf(job: Omit<FactsJob, 'id'>): Promise<ModuleFacts> {
    const id = this.nextId++;
    let worker = 0;
    for (let i = 1; i < this.load.length; i++) if (this.load[i]! < this.load[worker]!) worker = i;
    this.load[worker]!++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, worker });
      this.workers[worker]!.postMessage({ ...job, id });
    });
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(worker: number, e: Error): void {
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.pending.delete(id);
      p.reject(e);
    }
  }
}
