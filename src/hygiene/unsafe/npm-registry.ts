/**
 * Edge adapter: which npm package versions are deprecated, from the npm registry's package
 * documents (`versions[v].deprecated`, present in both the full and the abbreviated
 * "corgi" metadata). Results are cached on disk per `name@version`, so a scan works offline with
 * what an earlier online scan learnt; what could not be checked is reported, never guessed.
 *
 * The registry is npm's own configured registry (a mirror or a private registry works the same).
 */
import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Diagnostic } from '../../model/charter.js';
import { compareStrings } from '../../util/sort.js';

export interface PackageVersion {
  name: string;
  version: string;
}

export interface DeprecationOptions {
  /** No network: answer from the cache only. */
  offline: boolean;
  /** Directory for cached answers (`<cache dir>/npm-deprecations`). */
  cacheDir: string;
  /** Registry base URL; when absent, nothing is fetched (reported as not checked). */
  registry?: string;
  fetchImpl?: typeof fetch;
  /** Per package document. */
  timeoutMs?: number;
  concurrency?: number;
  /** Largest package document read (some are tens of MB in full form). */
  maxBytes?: number;
  now?: () => number;
  /** How long "not deprecated" is trusted online; a deprecation is kept for good. */
  ttlMs?: number;
}

export interface DeprecationResult {
  /** `name@version` → deprecation message. */
  deprecated: Map<string, string>;
  /** `name@version`s neither in the cache nor fetched. */
  notChecked: string[];
  /** Answered from the cache / fetched. */
  fromCache: number;
  fetched: number;
  diagnostics: Diagnostic[];
}

const CacheEntrySchema = z.strictObject({
  key: z.string(),
  deprecated: z.string().nullable(),
  fetchedAt: z.number(),
});
type CacheEntry = z.infer<typeof CacheEntrySchema>;

const PackageDocSchema = z.looseObject({
  versions: z.record(z.string(), z.looseObject({ deprecated: z.union([z.string(), z.boolean()]).optional() })).optional(),
});

const DAY = 24 * 60 * 60 * 1000;

function keyOf(p: PackageVersion): string {
  return `${p.name}@${p.version}`;
}

function entryFile(dir: string, key: string): string {
  // File names are hashes: nothing from an image becomes a path.
  return path.join(dir, `${createHash('sha256').update(key).digest('hex').slice(0, 40)}.json`);
}

async function readEntry(dir: string, key: string): Promise<CacheEntry | undefined> {
  try {
    const parsed = CacheEntrySchema.safeParse(JSON.parse(await readFile(entryFile(dir, key), 'utf8')));
    return parsed.success && parsed.data.key === key ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

async function writeEntry(dir: string, entry: CacheEntry): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
    const file = entryFile(dir, entry.key);
    const tmp = `${file}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(tmp, JSON.stringify(entry));
    await rename(tmp, file);
  } catch {
    // A cache that cannot be written only costs a later look-up.
  }
}

/** `@scope/name` is requested as `@scope%2fname`, as the registry API wants. */
export function packageUrl(registry: string, name: string): string {
  const base = registry.endsWith('/') ? registry : `${registry}/`;
  return `${base}${name.startsWith('@') ? `@${encodeURIComponent(name.slice(1))}` : encodeURIComponent(name)}`;
}

async function readBounded(res: Response, maxBytes: number): Promise<string> {
  const declared = Number(res.headers.get('content-length') ?? '0');
  if (declared > maxBytes) throw new Error(`package document of ${declared} bytes exceeds ${maxBytes}`);
  const reader = res.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > maxBytes) {
      await reader.cancel();
      throw new Error(`package document exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** One package document → deprecation per requested version (null: not deprecated). */
async function fetchDeprecations(
  name: string,
  versions: string[],
  opts: Required<Pick<DeprecationOptions, 'timeoutMs' | 'maxBytes'>> & { registry: string; fetchImpl: typeof fetch },
): Promise<Map<string, string | null>> {
  const res = await opts.fetchImpl(packageUrl(opts.registry, name), {
    headers: { accept: 'application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8' },
    signal: AbortSignal.timeout(opts.timeoutMs),
    redirect: 'follow',
  });
  if (res.status === 404) {
    // Not on this registry (private or unpublished): nothing says it is deprecated.
    await res.body?.cancel();
    return new Map(versions.map((v) => [v, null]));
  }
  if (!res.ok) {
    await res.body?.cancel();
    throw new Error(`HTTP ${res.status}`);
  }
  const text = await readBounded(res, opts.maxBytes);
  const parsed = PackageDocSchema.safeParse(JSON.parse(text));
  if (!parsed.success) throw new Error('not an npm package document');
  const out = new Map<string, string | null>();
  for (const v of versions) {
    const d = parsed.data.versions?.[v]?.deprecated;
    // `deprecated: false` or "" are how un-deprecation is sometimes recorded.
    out.set(v, typeof d === 'string' && d.trim() !== '' ? d : d === true ? 'deprecated' : null);
  }
  return out;
}

/**
 * Looks up the deprecation status of npm package versions: cache first (any age when offline,
 * `ttlMs` online for "not deprecated"), then the registry, a few documents at a time.
 */
export async function lookupDeprecations(packages: readonly PackageVersion[], opts: DeprecationOptions): Promise<DeprecationResult> {
  const now = opts.now ?? Date.now;
  const ttl = opts.ttlMs ?? 7 * DAY;
  const deprecated = new Map<string, string>();
  const keys = [...new Map(packages.map((p) => [keyOf(p), p])).values()].sort((a, b) => compareStrings(keyOf(a), keyOf(b)));
  const toFetch = new Map<string, string[]>();
  let fromCache = 0;
  for (const p of keys) {
    const hit = await readEntry(opts.cacheDir, keyOf(p));
    const fresh = hit && (hit.deprecated !== null || opts.offline || now() - hit.fetchedAt < ttl);
    if (hit && fresh) {
      fromCache++;
      if (hit.deprecated !== null) deprecated.set(hit.key, hit.deprecated);
      continue;
    }
    toFetch.set(p.name, [...(toFetch.get(p.name) ?? []), p.version]);
  }
  const diagnostics: Diagnostic[] = [];
  const notChecked: string[] = [];
  const failures = new Map<string, string>();
  let fetched = 0;
  const names = [...toFetch.keys()];
  if (names.length > 0 && (opts.offline || !opts.registry)) {
    for (const n of names) for (const v of toFetch.get(n) ?? []) notChecked.push(`${n}@${v}`);
    failures.set(opts.offline ? 'offline' : 'no npm registry configured', names[0] ?? '');
  } else if (names.length > 0 && opts.registry) {
    const registry = opts.registry;
    const fetchImpl = opts.fetchImpl ?? fetch;
    const limits = { timeoutMs: opts.timeoutMs ?? 10_000, maxBytes: opts.maxBytes ?? 64 * 1024 * 1024, registry, fetchImpl };
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < names.length) {
        const name = names[next++] as string;
        const versions = toFetch.get(name) ?? [];
        try {
          const result = await fetchDeprecations(name, versions, limits);
          fetched += versions.length;
          for (const [v, d] of result) {
            const key = `${name}@${v}`;
            if (d !== null) deprecated.set(key, d);
            await writeEntry(opts.cacheDir, { key, deprecated: d, fetchedAt: now() });
          }
        } catch (err) {
          const reason =
            err instanceof Error ? (err.name === 'TimeoutError' ? `timed out after ${limits.timeoutMs} ms` : err.message) : String(err);
          failures.set(reason, name);
          // A stale cached answer beats none.
          for (const v of versions) {
            const stale = await readEntry(opts.cacheDir, `${name}@${v}`);
            if (stale) {
              fromCache++;
              if (stale.deprecated !== null) deprecated.set(stale.key, stale.deprecated);
            } else {
              notChecked.push(`${name}@${v}`);
            }
          }
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(opts.concurrency ?? 8, names.length) }, worker));
  }
  notChecked.sort(compareStrings);
  if (notChecked.length > 0) {
    const shown = notChecked.slice(0, 10).join(', ');
    diagnostics.push({
      code: 'unsafe/deprecation-not-checked',
      severity: 'warning',
      message: `${notChecked.length} npm package version(s) not checked for deprecation (${[...failures.keys()].join('; ')}): ${shown}${notChecked.length > 10 ? ', …' : ''}`,
      file: '',
    });
  }
  const sorted = new Map([...deprecated].sort((a, b) => compareStrings(a[0], b[0])));
  return { deprecated: sorted, notChecked, fromCache, fetched, diagnostics };
}

/**
 * The registry npm itself would use: `$CHARTER_NPM_REGISTRY`, `$npm_config_registry` (set by npm
 * for scripts), else `npm config get registry` (5 s at most). Undefined when none answers.
 */
export async function resolveNpmRegistry(env: NodeJS.ProcessEnv = process.env): Promise<string | undefined> {
  const fromEnv = env['CHARTER_NPM_REGISTRY'] || env['npm_config_registry'] || env['NPM_CONFIG_REGISTRY'];
  if (fromEnv) return fromEnv;
  return new Promise((resolve) => {
    execFile('npm', ['config', 'get', 'registry'], { timeout: 5_000, env }, (err, stdout) => {
      const url = String(stdout ?? '').trim();
      resolve(!err && /^https?:\/\//.test(url) ? url : undefined);
    });
  });
}
