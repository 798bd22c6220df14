/**
 * Which files of an image are multi-call binaries (knowledge/multi-call.ts), and which applet a
 * command runs of one. Evidence is content, not the name a command uses: a file is multi-call when
 * its bytes (sha256) are those of a file in the same image installed under a multi-call binary's
 * own name (`/bin/busybox`). Symbolic links, hard links and copies of it (`/bin/sh`, `/bin/httpd`,
 * `/bin/nc`) all share that sha256, so each is recognised whatever it is called.
 *
 * Limit: a copy of busybox renamed in an image that holds no file under its own name is not
 * recognised (that would need its contents read, not only hashed).
 */
import type { ImageFileIndex } from '../model/fragments.js';
import { isMultiCallName } from '../knowledge/multi-call.js';

const basename = (p: string): string => p.slice(p.lastIndexOf('/') + 1);

/** Per image (its file index, shared by every container that runs it): sha256 → the multi-call binary's name. */
const cache = new WeakMap<ImageFileIndex, ReadonlyMap<string, string>>();

export function multiCallFiles(files: ImageFileIndex): ReadonlyMap<string, string> {
  let found = cache.get(files);
  if (found) return found;
  const out = new Map<string, string>();
  for (const f of files.values()) {
    if (f.linkTarget !== undefined || f.sha256 === undefined) continue;
    if (f.executable === 'none' && (f.mode & 0o111) === 0) continue;
    const name = basename(f.path);
    if (isMultiCallName(name) && !out.has(f.sha256)) out.set(f.sha256, name);
  }
  found = out;
  cache.set(files, found);
  return found;
}

/**
 * The applet a command runs of a multi-call binary: the basename of the path it was run by, or, run
 * under the binary's own name (`busybox httpd -f`), its first argument. Undefined when run under its
 * own name with no applet (it prints its usage).
 */
export function appletOf(requested: string, args: readonly string[] | undefined, binary: string): string | undefined {
  const name = basename(requested);
  if (name !== binary) return name;
  const first = args?.[0];
  const prog = first !== undefined ? /^--coreutils-prog=(.+)$/.exec(first)?.[1] : undefined;
  if (prog !== undefined) return prog;
  return first !== undefined && first !== '' && !first.startsWith('-') && !first.includes('/') ? first : undefined;
}
