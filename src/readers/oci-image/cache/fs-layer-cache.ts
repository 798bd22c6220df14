/**
 * The layer cache on disk: one compact JSON file per key under `<dir>/layers/`. This is an edge
 * module (it touches the file system and the environment); the reader gets a cache injected.
 *
 * - Writes are atomic: a uniquely named temporary file in the same directory, then `rename`, so
 *   concurrent writers of the same key never leave a torn file (the last rename wins; both wrote
 *   the same analysis).
 * - Reads are validated: JSON parse + zod schema + the entry's own key must equal the key asked
 *   for. Anything else is a miss, and the next read of that layer rewrites the file.
 * - File names are a hash of the key, so no part of an image's data becomes a path.
 */
import { createHash, randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, rename, unlink, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';
import { LayerCacheEntrySchema, decodeLayerAnalysis, encodeLayerAnalysis, entryMatches } from './layer-analysis.js';
import { keyId, type LayerAnalysis, type LayerCache, type LayerCacheKey } from './layer-cache.js';

/** `$CHARTER_CACHE_DIR`, else `$XDG_CACHE_HOME/charter`, else `~/.cache/charter`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env, home: string = homedir()): string {
  if (env['CHARTER_CACHE_DIR']) return path.resolve(env['CHARTER_CACHE_DIR']);
  if (env['XDG_CACHE_HOME']) return path.resolve(env['XDG_CACHE_HOME'], 'charter');
  return path.join(home, '.cache', 'charter');
}

/**
 * Largest cache entry read or written. The columnar encoding takes about 70 bytes a file, so a
 * layer at the image's entry limit (a million) fits; anything bigger is a miss, never read whole.
 */
export const MAX_CACHE_ENTRY_BYTES = 256 * 1024 ** 2;

/**
 * A cache file's text: a regular file of at most {@link MAX_CACHE_ENTRY_BYTES}. Opened
 * non-blocking and checked on the descriptor, so a FIFO or device planted in the cache directory
 * is refused without a read that could block or never end.
 */
async function readEntry(file: string): Promise<string> {
  const fh = await open(file, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new Error(`layer cache entry ${file} is not a regular file`);
    if (st.size > MAX_CACHE_ENTRY_BYTES) throw new Error(`layer cache entry ${file} is ${st.size} bytes, over ${MAX_CACHE_ENTRY_BYTES}`);
    const buf = Buffer.alloc(st.size);
    const { bytesRead } = await fh.read(buf, 0, st.size, 0);
    return buf.toString('utf8', 0, bytesRead);
  } finally {
    await fh.close();
  }
}

export interface FsLayerCacheOptions {
  /** Told about entries that were unreadable or could not be written (the read goes on regardless). */
  onError?: (op: 'get' | 'put', err: unknown) => void;
}

export class FsLayerCache implements LayerCache {
  readonly layersDir: string;

  constructor(
    readonly dir: string,
    private readonly opts: FsLayerCacheOptions = {},
  ) {
    this.layersDir = path.join(dir, 'layers');
  }

  /** Where the entry for `key` lives. */
  fileFor(key: LayerCacheKey): string {
    return path.join(this.layersDir, `${createHash('sha256').update(keyId(key)).digest('hex')}.json`);
  }

  async get(key: LayerCacheKey): Promise<LayerAnalysis | undefined> {
    let text: string;
    try {
      text = await readEntry(this.fileFor(key));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') this.opts.onError?.('get', err);
      return undefined;
    }
    try {
      const parsed = LayerCacheEntrySchema.safeParse(JSON.parse(text));
      if (!parsed.success) throw new Error(`layer cache entry ${this.fileFor(key)} does not match the schema`, { cause: parsed.error });
      if (!entryMatches(parsed.data, key)) throw new Error(`layer cache entry ${this.fileFor(key)} holds another key`);
      return decodeLayerAnalysis(parsed.data);
    } catch (err) {
      this.opts.onError?.('get', err);
      return undefined;
    }
  }

  async put(key: LayerCacheKey, value: LayerAnalysis): Promise<void> {
    const entry = encodeLayerAnalysis(key, value);
    if (!entry) return;
    const file = this.fileFor(key);
    const tmp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      const text = JSON.stringify(entry);
      // An entry too large to be read back would only take space.
      if (Buffer.byteLength(text) > MAX_CACHE_ENTRY_BYTES) return;
      await mkdir(this.layersDir, { recursive: true });
      await writeFile(tmp, text);
      await rename(tmp, file);
    } catch (err) {
      this.opts.onError?.('put', err);
      await unlink(tmp).catch(() => undefined);
    }
  }
}

/** The cache a command uses unless told otherwise. */
export function defaultLayerCache(env: NodeJS.ProcessEnv = process.env): FsLayerCache {
  return new FsLayerCache(defaultCacheDir(env));
}
