/**
 * Edge adapter: an application directory on disk as an AppFs. Symlinks are resolved by hand, one
 * component at a time, so that a link pointing outside the root is reported (`outside`) instead
 * of followed, and a loop is reported (`loop`) after 40 hops (the kernel's own limit, MAXSYMLINKS)
 * instead of hanging or throwing ELOOP from deep inside a read.
 */
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import type { AppFs, RealpathResult } from './app-fs.js';

const MAX_HOPS = 40;

export function diskAppFs(root: string): AppFs {
  const absRoot = path.resolve(root);
  const cache = new Map<string, Promise<RealpathResult>>();
  const toAbs = (rel: string): string => (rel === '' ? absRoot : path.join(absRoot, ...rel.split('/')));

  /** Walk `todo` from the real directory `start`, following links (slow path, links only). */
  const walk = async (start: string[], todo: string[], startHops: number): Promise<RealpathResult> => {
    const done = [...start];
    let hops = startHops;
    while (todo.length > 0) {
      const seg = todo.shift()!;
      if (seg === '..') {
        if (done.length === 0) return { ok: false, reason: 'outside' };
        done.pop();
        continue;
      }
      const cur = [...done, seg].join('/');
      let st;
      try {
        st = await lstat(toAbs(cur));
      } catch {
        return { ok: false, reason: 'missing' };
      }
      if (!st.isSymbolicLink()) {
        done.push(seg);
        continue;
      }
      if (++hops > MAX_HOPS) return { ok: false, reason: 'loop' };
      let target: string;
      try {
        target = await readlink(toAbs(cur));
      } catch {
        return { ok: false, reason: 'missing' };
      }
      if (path.isAbsolute(target)) {
        // An absolute link is followed only when it lands inside the root.
        const relTarget = path.relative(absRoot, target);
        if (relTarget.startsWith('..') || path.isAbsolute(relTarget)) return { ok: false, reason: 'outside' };
        done.length = 0;
        todo.unshift(...relTarget.split(path.sep).filter((s) => s !== ''));
      } else {
        todo.unshift(...target.split('/').filter((s) => s !== '' && s !== '.'));
      }
    }
    return { ok: true, path: done.join('/') };
  };

  /** Fast path: the parent's cached real path plus one lstat; links go to `walk`. */
  const resolveUncached = async (rel: string): Promise<RealpathResult> => {
    const clean = rel.split('/').filter((s) => s !== '' && s !== '.');
    if (clean.length === 0) return { ok: true, path: '' };
    if (clean.includes('..')) return walk([], clean, 0);
    const base = clean.pop()!;
    const parent = await realpath(clean.join('/'));
    if (!parent.ok) return parent;
    const cur = parent.path === '' ? base : `${parent.path}/${base}`;
    let st;
    try {
      st = await lstat(toAbs(cur));
    } catch {
      return { ok: false, reason: 'missing' };
    }
    if (!st.isSymbolicLink()) return { ok: true, path: cur };
    return walk(parent.path === '' ? [] : parent.path.split('/'), [base], 0);
  };

  const realpath = (rel: string): Promise<RealpathResult> => {
    let p = cache.get(rel);
    if (!p) {
      p = resolveUncached(rel);
      cache.set(rel, p);
    }
    return p;
  };

  return {
    realpath,
    async readFile(rel) {
      const r = await realpath(rel);
      if (!r.ok) return undefined;
      try {
        return await readFile(toAbs(r.path));
      } catch {
        return undefined;
      }
    },
    async stat(rel) {
      const r = await realpath(rel);
      if (!r.ok) return undefined;
      try {
        const st = await lstat(toAbs(r.path));
        return { kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', size: st.size };
      } catch {
        return undefined;
      }
    },
    async readdir(rel) {
      const r = await realpath(rel);
      if (!r.ok) return undefined;
      try {
        return (await readdir(toAbs(r.path))).sort();
      } catch {
        return undefined;
      }
    },
  };
}
