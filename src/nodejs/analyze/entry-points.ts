/**
 * Where the application starts: the given entry (from the image's CMD/ENTRYPOINT), else the root
 * package.json's `main`, each `bin`, and the script of `scripts.start` (`node [flags] x.js`,
 * with `-r`/`--require`/`--import` preloads), else the conventional index.js, server.js, app.js,
 * main.js.
 */
import { joinRel } from './app-fs.js';
import type { Resolver } from './resolve.js';

export interface EntryCandidate {
  /** Path relative to the root as written (not yet resolved). */
  path: string;
  why: string;
}

const CONVENTIONAL = ['index.js', 'server.js', 'app.js', 'main.js', 'index.mjs', 'server.mjs', 'app.mjs'];
const NODE_COMMANDS = new Set(['node', 'nodejs', 'nodemon']);
const PRELOAD_FLAGS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader']);
const FLAGS_WITH_VALUE = new Set([
  ...PRELOAD_FLAGS,
  '--title',
  '--env-file',
  '--inspect-port',
  '--watch-path',
  '-C',
  '--conditions',
  '--stack-size',
]);

/** Scripts a shell command line runs with node: `PORT=1 node -r dotenv/config server.js && …`. */
export function nodeScriptsOf(command: string): { script?: string; preloads: string[] }[] {
  const out: { script?: string; preloads: string[] }[] = [];
  for (const part of command.split(/&&|\|\||;|\|/)) {
    const tokens =
      part
        .trim()
        .match(/"[^"]*"|'[^']*'|\S+/g)
        ?.map((t) => t.replace(/^(["'])(.*)\1$/, '$2')) ?? [];
    let i = 0;
    while (i < tokens.length && !NODE_COMMANDS.has(tokens[i]!.split('/').pop()!)) i++;
    if (i >= tokens.length) continue;
    const preloads: string[] = [];
    let script: string | undefined;
    for (i++; i < tokens.length; i++) {
      const t = tokens[i]!;
      if (t === '-e' || t === '--eval' || t === '-p' || t === '--print') break;
      if (t.startsWith('-')) {
        const eq = t.indexOf('=');
        const flag = eq > 0 ? t.slice(0, eq) : t;
        const value = eq > 0 ? t.slice(eq + 1) : FLAGS_WITH_VALUE.has(flag) ? tokens[++i] : undefined;
        if (PRELOAD_FLAGS.has(flag) && value) preloads.push(value);
        continue;
      }
      script = t;
      break;
    }
    out.push(script === undefined ? { preloads } : { script, preloads });
  }
  return out;
}

function preloadPath(p: string): string {
  // `-r dotenv/config` names a package; `-r ./setup.js` a file.
  return p.startsWith('./') || p.startsWith('../') || p.startsWith('/') ? p : `node_modules/${p}`;
}

export async function entryCandidates(entry: readonly string[] | undefined, resolver: Resolver): Promise<EntryCandidate[]> {
  if (entry && entry.length > 0) return entry.map((e) => ({ path: e, why: 'given entry point' }));
  const out: EntryCandidate[] = [];
  const pj = await resolver.packageJson('');
  if (pj?.main) out.push({ path: pj.main, why: 'package.json main' });
  if (typeof pj?.bin === 'string') out.push({ path: pj.bin, why: 'package.json bin' });
  else if (pj?.bin && typeof pj.bin === 'object' && !Array.isArray(pj.bin)) {
    for (const [name, p] of Object.entries(pj.bin as Record<string, unknown>)) {
      if (typeof p === 'string') out.push({ path: p, why: `package.json bin ${name}` });
    }
  }
  const start = pj?.scripts?.['start'];
  if (typeof start === 'string') {
    for (const cmd of nodeScriptsOf(start)) {
      for (const p of cmd.preloads) out.push({ path: preloadPath(p), why: 'package.json scripts.start preload' });
      if (cmd.script) out.push({ path: cmd.script, why: 'package.json scripts.start' });
    }
  }
  if (out.length > 0) return out;
  for (const name of CONVENTIONAL) {
    if ((await resolver.kind(name)) === 'file') out.push({ path: name, why: 'conventional entry file name' });
  }
  return out;
}

/** The entry's file, resolved like `node <path>` resolves its script (extension probing, dirs). */
export async function resolveEntry(path: string, resolver: Resolver): Promise<string | undefined> {
  const rel = joinRel('', path.replace(/^\/+/, ''));
  if (rel === undefined) return undefined;
  return resolver.loadFileOrDir(rel);
}
