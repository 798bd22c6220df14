/**
 * Per-package analysis cache: the facts of a package's files (see facts.ts) depend only on the
 * files' text, so a file analysed once need not be parsed again. An entry's key is
 * `name@version` + the analyzer's version (which includes the built-in module list the facts
 * were computed with); inside it, facts are stored by a digest of each file's path, parse mode
 * and bytes, so two installed copies of one version share what is identical and nothing else (a
 * modified copy cannot borrow the facts of the original). Only files under node_modules with a
 * named, versioned package.json are cached; the application's own files are always parsed.
 */
import { z } from 'zod';
import type { ModuleFacts } from './facts.js';

export interface PackageFacts {
  /** Facts by `<sha256 of the file's path, parse mode and bytes>:<path inside the package>`. */
  files: Record<string, ModuleFacts>;
}

export interface PackageCache {
  /** The facts stored under `key`, or undefined (absent, unreadable, corrupt). */
  get(key: string): Promise<PackageFacts | undefined>;
  /** Store facts; best effort: a cache that cannot write never fails an analysis. */
  put(key: string, value: PackageFacts): Promise<void>;
}

/** In memory (tests, one process analysing many apps). Values are copied in and out. */
export class MemoryPackageCache implements PackageCache {
  readonly entries = new Map<string, PackageFacts>();
  gets = 0;
  hits = 0;
  puts = 0;

  get(key: string): Promise<PackageFacts | undefined> {
    this.gets++;
    const v = this.entries.get(key);
    if (v) this.hits++;
    return Promise.resolve(v ? structuredClone(v) : undefined);
  }

  put(key: string, value: PackageFacts): Promise<void> {
    this.puts++;
    this.entries.set(key, structuredClone(value));
    return Promise.resolve();
  }
}

const Pos = z.object({ line: z.number(), column: z.number() });
const Ref = z.union([
  z.object({ k: z.literal('builtin'), mod: z.string(), path: z.array(z.string()) }),
  z.object({ k: z.literal('import'), spec: z.string(), via: z.enum(['require', 'import']), path: z.array(z.string()) }),
  z.object({ k: z.literal('instance'), cls: z.string(), path: z.array(z.string()) }),
  z.object({ k: z.literal('require'), via: z.literal('import').optional() }),
]);
const ArgLitBase = z.union([
  z.null(),
  z.object({ s: z.string() }),
  z.object({ n: z.number() }),
  z.object({ arr: z.array(z.string()) }),
  z.object({ env: z.string(), dflt: z.union([z.string(), z.number()]).optional() }),
  z.object({ rel: z.string() }),
  z.object({ urlHost: z.string() }),
]);
const ArgLit = z.union([ArgLitBase, z.object({ obj: z.array(z.tuple([z.string(), ArgLitBase])) })]);
const Facts = z.object({
  esm: z.boolean(),
  deps: z.array(z.object({ spec: z.string(), via: z.enum(['require', 'import']), dynamic: z.boolean(), top: z.boolean(), at: Pos })),
  uses: z.array(
    z.object({
      ref: Ref,
      mode: z.enum(['call', 'new', 'escape', 'computed', 'whole']),
      at: Pos,
      top: z.boolean(),
      args: z.array(ArgLit).optional(),
    }),
  ),
  exports: z.object({ whole: z.array(Ref).optional(), named: z.array(z.tuple([z.string(), z.array(Ref)])), stars: z.array(Ref) }),
  uncertainties: z.array(
    z.object({
      kind: z.enum(['dynamic-require', 'dynamic-import', 'eval', 'new-function', 'unparsed', 'too-large']),
      at: Pos,
      message: z.string(),
      assumption: z.string(),
      origin: z.enum(['strings', 'external']).optional(),
      dir: z.string().optional(),
      direct: z.boolean().optional(),
      addon: z.boolean().optional(),
    }),
  ),
  listens: z.array(z.object({ at: Pos, top: z.boolean(), args: z.array(ArgLit) })),
  codeRoots: z.array(z.object({ text: z.string(), scope: z.enum(['global', 'module']), at: Pos })).optional(),
  builtinNames: z.array(z.string()).optional(),
});

/** The stored form: the key inside, so a file holding another key is a miss. */
export const PackageCacheEntrySchema = z.object({
  key: z.string(),
  files: z.record(z.string(), Facts),
});
