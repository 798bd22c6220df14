/**
 * The read-only file system the analyzer sees: paths are posix, relative to the application root
 * ('' is the root), never leave it. Implementations: `diskAppFs` (a directory, edge module) and
 * `memoryAppFs` (tests; later an image's merged layers).
 */

export interface AppFsStat {
  kind: 'file' | 'dir' | 'other';
  size: number;
}

export type RealpathResult = { ok: true; path: string } | { ok: false; reason: 'missing' | 'loop' | 'outside' };

export interface AppFs {
  /** Contents of a file (symlinks followed within the root), undefined when absent or unreadable. */
  readFile(rel: string): Promise<Uint8Array | undefined>;
  /** Kind and size after following symlinks within the root; undefined when absent, looping or outside. */
  stat(rel: string): Promise<AppFsStat | undefined>;
  /** Names in a directory, undefined when it is not one. */
  readdir(rel: string): Promise<string[] | undefined>;
  /** The canonical path (every symlink resolved), bounded: loops and escapes are reported, not followed. */
  realpath(rel: string): Promise<RealpathResult>;
}

/** Posix join of a root-relative base and a relative path; undefined when it climbs above the root. */
export function joinRel(base: string, rel: string): string | undefined {
  const parts = base === '' ? [] : base.split('/');
  for (const seg of rel.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') {
      if (parts.length === 0) return undefined;
      parts.pop();
    } else parts.push(seg);
  }
  return parts.join('/');
}

export function dirnameRel(rel: string): string {
  const i = rel.lastIndexOf('/');
  return i < 0 ? '' : rel.slice(0, i);
}

/**
 * An in-memory AppFs: files by relative path; directories are implied by the files under them;
 * `links` maps a path to a symlink target (relative to the link's directory, or root-absolute
 * when it starts with '/').
 */
export function memoryAppFs(files: Record<string, string | Uint8Array>, links: Record<string, string> = {}): AppFs {
  const enc = new TextEncoder();
  const data = new Map<string, Uint8Array>();
  const dirs = new Map<string, Set<string>>([['', new Set()]]);
  const addEntry = (path: string): void => {
    let child = path;
    for (let dir = dirnameRel(path); ; dir = dirnameRel(dir)) {
      const set = dirs.get(dir) ?? new Set<string>();
      set.add(child.slice(dir === '' ? 0 : dir.length + 1));
      dirs.set(dir, set);
      if (dir === '') break;
      child = dir;
    }
  };
  for (const [path, content] of Object.entries(files)) {
    const p = joinRel('', path);
    if (p === undefined || p === '') continue;
    data.set(p, typeof content === 'string' ? enc.encode(content) : content);
    addEntry(p);
  }
  const linkMap = new Map<string, string>();
  for (const [path, target] of Object.entries(links)) {
    const p = joinRel('', path);
    if (p === undefined || p === '') continue;
    linkMap.set(p, target);
    addEntry(p);
  }

  const realpath = (rel: string): Promise<RealpathResult> => {
    const todo = rel.split('/').filter((s) => s !== '' && s !== '.');
    const done: string[] = [];
    let hops = 0;
    while (todo.length > 0) {
      const seg = todo.shift()!;
      if (seg === '..') {
        if (done.length === 0) return Promise.resolve({ ok: false, reason: 'outside' });
        done.pop();
        continue;
      }
      const cur = [...done, seg].join('/');
      const target = linkMap.get(cur);
      if (target !== undefined) {
        if (++hops > 40) return Promise.resolve({ ok: false, reason: 'loop' });
        const tparts = target.split('/').filter((s) => s !== '' && s !== '.');
        if (target.startsWith('/')) done.length = 0;
        todo.unshift(...tparts);
        continue;
      }
      if (!data.has(cur) && !dirs.has(cur)) return Promise.resolve({ ok: false, reason: 'missing' });
      done.push(seg);
    }
    return Promise.resolve({ ok: true, path: done.join('/') });
  };

  return {
    realpath,
    async readFile(rel) {
      const r = await realpath(rel);
      return r.ok ? data.get(r.path) : undefined;
    },
    async stat(rel) {
      const r = await realpath(rel);
      if (!r.ok) return undefined;
      const f = data.get(r.path);
      if (f) return { kind: 'file', size: f.byteLength };
      return dirs.has(r.path) ? { kind: 'dir', size: 0 } : undefined;
    },
    async readdir(rel) {
      const r = await realpath(rel);
      const set = r.ok ? dirs.get(r.path) : undefined;
      return set ? [...set].sort() : undefined;
    },
  };
}
