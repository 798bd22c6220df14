/**
 * Resolves a command as written (`node`, `./start.sh`, `/bin/sh`) to the file the kernel would
 * execute in the image: PATH lookup, symlinks followed inside the image root (never out of it), and
 * the interpreter of a `#!` script. Pure: works on the image's file index.
 */
import { posix } from 'node:path';
import type { ImageFile, ImageFileIndex } from '../readers/types.js';

const DEFAULT_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const MAX_LINK_HOPS = 40;

export interface ResolvedExec {
  /** Real path after symlinks. */
  path: string;
  file: ImageFile;
  /** For scripts: the interpreter, itself resolved. */
  interpreter?: ResolvedExec;
  /** Path as looked up before symlinks (e.g. /bin/sh when it links to busybox). */
  requested: string;
}

/** Follows symlinks in every component of `path`; undefined when missing, looping or escaping. */
export function realPath(files: ImageFileIndex, path: string): string | undefined {
  let hops = 0;
  let parts = posix.normalize(path).split('/').filter(Boolean);
  let resolved = '';
  while (parts.length > 0) {
    const part = parts.shift() as string;
    const candidate = `${resolved}/${part}`;
    const f = files.get(candidate);
    if (f?.linkTarget !== undefined) {
      if (++hops > MAX_LINK_HOPS) return undefined;
      const target = f.linkTarget;
      // Absolute targets restart at the image root; `..` above it stays at the root, like chroot.
      const base = target.startsWith('/') ? '' : resolved;
      const joined = posix.normalize(`${base}/${target}`);
      parts = [...joined.split('/').filter(Boolean), ...parts];
      resolved = '';
      continue;
    }
    resolved = candidate;
  }
  const out = resolved || '/';
  return files.has(out) ? out : undefined;
}

function pathDirs(env: ReadonlyMap<string, string>): string[] {
  return (env.get('PATH') ?? DEFAULT_PATH).split(':').filter((d) => d.startsWith('/'));
}

export function resolveExec(
  files: ImageFileIndex,
  command: string,
  env: ReadonlyMap<string, string>,
  workingDir = '/',
  depth = 0,
): ResolvedExec | undefined {
  if (!command || depth > 4) return undefined;
  const candidates = command.includes('/')
    ? [command.startsWith('/') ? command : posix.join(workingDir, command)]
    : pathDirs(env).map((d) => posix.join(d, command));
  for (const requested of candidates) {
    const path = realPath(files, requested);
    if (!path) continue;
    const file = files.get(path);
    if (!file || file.linkTarget !== undefined || file.executable === 'none' && (file.mode & 0o111) === 0) continue;
    const out: ResolvedExec = { path, file, requested: posix.normalize(requested) };
    if (file.executable === 'script' && file.interpreter) {
      const interp = resolveExec(files, file.interpreter, env, '/', depth + 1);
      if (interp) out.interpreter = interp;
    }
    return out;
  }
  return undefined;
}

/** First command word of a `sh -c` script, when it is a plain word (no expansions). */
export function firstCommandOfScript(script: string): string | undefined {
  const m = /^\s*(?:exec\s+)?([A-Za-z0-9_./+-]+)/.exec(script);
  const word = m?.[1];
  if (!word || /^[A-Z_][A-Z0-9_]*=/.test(script.trim())) return undefined;
  return word;
}
