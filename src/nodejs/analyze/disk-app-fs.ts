/**
 * Edge adapter: an application directory on disk as an AppFs. Symlinks are resolved by hand, one
 * component at a time, so that a link pointing outside the root is reported (`outside`) instead
 * of followed, and a loop is reported (`loop`) after 40 hops (the kernel's own limit, MAXSYMLINKS)
 * instead of hanging or throwing ELOOP from deep inside a read.
 *
 * The system calls are synchronous behind the asynchronous interface. Resolution is a chain of
 * dependent look-ups (probe `x`, `x.js`, …, then each node_modules up the tree), mostly misses
 * and small files the page cache holds: a call takes microseconds, while a round trip through
 * libuv's thread pool costs far more and leaves the thread idle in between (a third of a cold
 * analysis of a 450-package app was spent waiting so). Parsing blocks the thread much longer
 * than any of these calls, so nothing is lost in responsiveness.
 */
import { lstatSync, readFileSync, readdirSync, readlinkSync } from 'node:fs';
import path from 'node:path';
import type { AppFs, AppFsStat, RealpathResult } from './app-fs.js';

const MAX_HOPS = 40;

interface Entry extends AppFsStat {
  link: boolean;
}

export function diskAppFs(root: string): AppFs {
  const absRoot = path.resolve(root);
  const realpaths = new Map<string, RealpathResult>();
  // lstat of each path looked at, so `stat` after `realpath` (the resolver's pattern) costs nothing.
  const entries = new Map<string, Entry | undefined>();
  const toAbs = (rel: string): string => (rel === '' ? absRoot : path.join(absRoot, ...rel.split('/')));

  const lstat = (rel: string): Entry | undefined => {
    if (entries.has(rel)) return entries.get(rel);
    let e: Entry | undefined;
    try {
      // No exception is built for the common miss (probing `x.js`, `x.json`, …).
      const st = lstatSync(toAbs(rel), { throwIfNoEntry: false });
      if (st) e = { link: st.isSymbolicLink(), kind: st.isFile() ? 'file' : st.isDirectory() ? 'dir' : 'other', size: st.size };
    } catch {
      e = undefined;
    }
    entries.set(rel, e);
    return e;
  };

  /** Walk `todo` from the real directory `start`, following links (slow path, links only). */
  const walk = (start: string[], todo: string[], startHops: number): RealpathResult => {
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
      const st = lstat(cur);
      if (!st) return { ok: false, reason: 'missing' };
      if (!st.link) {
        done.push(seg);
        continue;
      }
      if (++hops > MAX_HOPS) return { ok: false, reason: 'loop' };
      let target: string;
      try {
        target = readlinkSync(toAbs(cur));
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
  const resolveUncached = (rel: string): RealpathResult => {
    const clean = rel.split('/').filter((s) => s !== '' && s !== '.');
    if (clean.length === 0) return { ok: true, path: '' };
    if (clean.includes('..')) return walk([], clean, 0);
    const base = clean.pop()!;
    const parent = realpathOf(clean.join('/'));
    if (!parent.ok) return parent;
    const cur = parent.path === '' ? base : `${parent.path}/${base}`;
    const st = lstat(cur);
    if (!st) return { ok: false, reason: 'missing' };
    if (!st.link) return { ok: true, path: cur };
    return walk(parent.path === '' ? [] : parent.path.split('/'), [base], 0);
  };

  const realpathOf = (rel: string): RealpathResult => {
    let r = realpaths.get(rel);
    if (!r) {
      r = resolveUncached(rel);
      realpaths.set(rel, r);
    }
    return r;
  };

  return {
    realpath: async (rel) => realpathOf(rel),
    async readFile(rel) {
      const r = realpathOf(rel);
      if (!r.ok) return undefined;
      try {
        return readFileSync(toAbs(r.path));
      } catch {
        return undefined;
      }
    },
    async stat(rel) {
      const r = realpathOf(rel);
      if (!r.ok) return undefined;
      const st = lstat(r.path);
      return st ? { kind: st.kind, size: st.size } : undefined;
    },
    async readdir(rel) {
      const r = realpathOf(rel);
      if (!r.ok) return undefined;
      try {
        return readdirSync(toAbs(r.path)).sort();
      } catch {
        return undefined;
      }
    },
  };
}
