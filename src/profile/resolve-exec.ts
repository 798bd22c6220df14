/**
 * Resolves a command as written (`node`, `./start.sh`, `/bin/sh`) to the file the kernel would
 * execute in the image: PATH lookup, symlinks followed inside the image root (never out of it), and
 * the interpreter of a `#!` script. Pure: works on the image's file index.
 */
import { posix } from 'node:path';
import type { ImageFile, ImageFileIndex } from '../model/fragments.js';

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
    if (!file || file.linkTarget !== undefined || (file.executable === 'none' && (file.mode & 0o111) === 0)) continue;
    const out: ResolvedExec = { path, file, requested: posix.normalize(requested) };
    if (file.executable === 'script' && file.interpreter) {
      const interp = resolveExec(files, file.interpreter, env, '/', depth + 1);
      if (interp) out.interpreter = interp;
    }
    return out;
  }
  return undefined;
}

const SHELL_KEYWORDS = new Set([
  'if',
  'then',
  'else',
  'elif',
  'fi',
  'for',
  'while',
  'until',
  'do',
  'done',
  'case',
  'esac',
  'in',
  '!',
  '{',
  '}',
  'exec',
  'time',
  'nohup',
]);
/** Shell builtins: they run inside the shell, no exec happens. */
const SHELL_BUILTINS = new Set([
  'cd',
  'export',
  'set',
  'unset',
  'test',
  '[',
  '[[',
  'echo',
  'printf',
  'true',
  'false',
  'exit',
  'source',
  '.',
  'trap',
  'wait',
  'read',
  'shift',
  'eval',
  'return',
  'local',
  'ulimit',
  'umask',
  ':',
]);

/**
 * Programs a shell script execs: the first word of every simple command, past assignments,
 * keywords and builtins. Words with expansions (`$X`, backquotes) are skipped: they cannot be known.
 */
export function programsOfScript(script: string): string[] {
  const out: string[] = [];
  for (const segment of script.split(/&&|\|\||[;|&\n()]/)) {
    const words = segment
      .trim()
      .split(/\s+/)
      .map((w) => w.replace(/^['"]|['"]$/g, ''));
    for (const w of words) {
      if (!w || /^[A-Za-z_][A-Za-z0-9_]*=/.test(w) || SHELL_KEYWORDS.has(w)) continue;
      if (SHELL_BUILTINS.has(w) || /[$`*?<>]/.test(w) || !/^[A-Za-z0-9_./+-]+$/.test(w)) break;
      out.push(w);
      break;
    }
  }
  return [...new Set(out)];
}
