/**
 * A worker thread that turns file text into facts (parse + extract), so files are parsed on every
 * core while the main thread resolves and reads. Only text goes in and only facts come out: the
 * AST never crosses threads. See facts-pool.ts.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { moduleFacts } from './module-facts.js';
import type { SourceKind } from './parse.js';

export interface FactsJob {
  id: number;
  file: string;
  text: string;
  kind: SourceKind;
  tooLarge?: string;
}

const builtins = new Set<string>((workerData as { builtins: string[] }).builtins);

parentPort?.on('message', (job: FactsJob) => {
  try {
    const facts = moduleFacts(job.file, job.text, job.kind, job.tooLarge === undefined ? { builtins } : { builtins, tooLarge: job.tooLarge });
    parentPort!.postMessage({ id: job.id, facts });
  } catch (err) {
    parentPort!.postMessage({ id: job.id, error: err instanceof Error ? err.message : String(err) });
  }
});
