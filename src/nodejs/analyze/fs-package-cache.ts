/**
 * The package cache on disk (edge module): one JSON file per key under
 * `<cache dir>/node-packages/`, named by a hash of the key; atomic writes (temporary file, then
 * rename); reads validated (JSON, schema, the entry's own key) so anything else is a miss.
 * Reads are synchronous, as in diskAppFs: the analysis waits for each entry before it goes on
 * with that package, so a thread-pool round trip is only idle time (a third of a warm analysis).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, rename, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ModuleFacts } from './facts.js';
import { type PackageCache, PackageCacheEntrySchema, type PackageFacts } from './package-cache.js';

export class FsPackageCache implements PackageCache {
  readonly dir: string;

  /** `cacheDir` is Charter's cache directory (`defaultCacheDir()` of src/readers/oci-image/cache/fs-layer-cache.ts). */
  constructor(
    cacheDir: string,
    private readonly onError?: (op: 'get' | 'put', err: unknown) => void,
  ) {
    this.dir = path.join(cacheDir, 'node-packages');
  }

  fileFor(key: string): string {
    return path.join(this.dir, `${createHash('sha256').update(key).digest('hex')}.json`);
  }

  async get(key: string): Promise<PackageFacts | undefined> {
    let text: string;
    try {
      text = readFileSync(this.fileFor(key), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.onError?.('get', err);
      return undefined;
    }
    try {
      const parsed = PackageCacheEntrySchema.safeParse(JSON.parse(text));
      if (!parsed.success || parsed.data.key !== key) return undefined;
      // The schema's output is structurally the facts type; optional fields are dropped when absent.
      return { files: parsed.data.files as Record<string, ModuleFacts> };
    } catch (err) {
      this.onError?.('get', err);
      return undefined;
    }
  }

  async put(key: string, value: PackageFacts): Promise<void> {
    const file = this.fileFor(key);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(this.dir, { recursive: true });
      await writeFile(tmp, JSON.stringify({ key, files: value.files }));
      await rename(tmp, file);
    } catch (err) {
      this.onError?.('put', err);
      await unlink(tmp).catch(() => undefined);
    }
  }
}
