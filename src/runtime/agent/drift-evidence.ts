/**
 * What the container's writable layer says of an executed file, at the agent's edge: whether it
 * was written after the container started, and, for a written file at a path the charter allows
 * with the image's sha256, the sha256 it has now — so the engine reports the change with both.
 *
 * The sensor knows a file's origin from the overlay inode when the exec succeeds; an exec the guard
 * refused comes from user space with a path alone. The overlay's upper directory holds exactly
 * what the container created or changed, so one lstat answers it.
 */
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, openSync, readSync, constants } from 'node:fs';
import { posix } from 'node:path';
import type { RuntimeEvent } from '../../model/events.js';

/** A written file larger than this is not hashed (a program rarely is; reading it would stall the agent). */
export const MAX_HASHED_BYTES = 512 * 1024 * 1024;

/** The path of `path` (absolute, as the container sees it) inside `upperDir`, or undefined when it would leave it. */
export function inUpperDir(upperDir: string, path: string): string | undefined {
  const rel = posix.normalize(path);
  if (!rel.startsWith('/') || rel.includes('\0')) return undefined;
  const full = posix.join(upperDir, rel);
  return full.startsWith(`${posix.normalize(upperDir)}/`) ? full : undefined;
}

/** sha256 of a regular file, read without following a final symlink; undefined when it cannot be read or is too big. */
export function sha256Of(file: string, maxBytes = MAX_HASHED_BYTES): string | undefined {
  let fd: number | undefined;
  try {
    fd = openSync(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const st = fstatSync(fd);
    if (!st.isFile() || st.size > maxBytes) return undefined;
    const h = createHash('sha256');
    const buf = Buffer.allocUnsafe(1 << 20);
    let n: number;
    while ((n = readSync(fd, buf, 0, buf.length, null)) > 0) h.update(buf.subarray(0, n));
    return h.digest('hex');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Sets an exec event's origin to `written` when its file is in the container's writable layer and
 * the sensor did not say (a refused exec), and its sha256 when the file was written and the charter
 * allows that path with a sha256 (`hashed(path)`). Returns the event, changed in place.
 */
export function addDriftEvidence(e: RuntimeEvent, upperDir: string | undefined, hashed: (path: string) => boolean): RuntimeEvent {
  if (e.kind !== 'exec' || upperDir === undefined) return e;
  const path = e.process.path;
  // Most execs are of image files the sensor named so: nothing to look up (this runs for every exec).
  if (path === undefined || e.process.origin === 'image' || e.process.origin === 'memory') return e;
  const file = inUpperDir(upperDir, path);
  if (file === undefined) return e;
  if (e.process.origin === undefined || e.process.origin === 'unknown') {
    try {
      if (!lstatSync(file).isFile()) return e;
    } catch {
      return e;
    }
    e.process.origin = 'written';
  }
  if (e.process.origin === 'written' && e.process.sha256 === undefined && hashed(path)) {
    const sha = sha256Of(file);
    if (sha !== undefined) e.process.sha256 = sha;
  }
  return e;
}
