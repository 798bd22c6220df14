/**
 * Where a container runs node, from what declares its launch (pure: commands and image config in,
 * entry points out): the scripts a Dockerfile's commands run, the app directory and entry of an
 * image's command, and the Node.js major an image ships.
 */
import { posix } from 'node:path';
import type { ImageFacts } from '../model/image.js';

/** Scripts a Dockerfile beside the app runs with node (CMD/ENTRYPOINT/HEALTHCHECK): `node server.js` → server.js. */
export function entriesFromCommands(argvs: readonly string[][], workingDir: string | undefined): string[] {
  const out: string[] = [];
  for (const argv of argvs) {
    const words = argv.length === 3 && argv[1] === '-c' ? (argv[2] ?? '').split(/\s+/) : argv;
    for (const w of words) {
      if (!/\.(c|m)?js$/.test(w)) continue;
      const rel = w.startsWith('/') && workingDir ? posix.relative(workingDir, w) : w.replace(/^\.\//, '');
      if (!rel.startsWith('..')) out.push(rel);
    }
  }
  return [...new Set(out)];
}

/** Where an image runs Node.js: the app directory in the image and the entry script relative to it. */
export interface ImageNodeEntry {
  /** Absolute directory in the image whose files are analysed (WorkingDir, else the script's directory). */
  root: string;
  /** Entry scripts relative to `root`; empty: package.json decides. */
  entry: string[];
  /** The node command as written (`node`, `/usr/local/bin/node`). */
  command: string;
}

const NODE_BINARY = /^(node|nodejs)$/;
/** node options followed by a value (so the value is not taken for the script). */
const NODE_VALUE_OPTIONS = new Set([
  '-r',
  '--require',
  '--import',
  '--loader',
  '--experimental-loader',
  '--env-file',
  '--title',
  '--conditions',
  '-C',
]);
/** node options after which no script file follows (code given inline). */
const NODE_INLINE_OPTIONS = new Set(['-e', '--eval', '-p', '--print']);

/**
 * Where the image's command runs node, if it does: Entrypoint + Cmd (Docker's rules), also behind
 * a wrapper (`docker-entrypoint.sh node app.js`) or `sh -c "node app.js"`. Pure: config only.
 */
export function imageNodeEntry(config: ImageFacts['config']): ImageNodeEntry | undefined {
  let argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length >= 3 && /(^|\/)(ba|da)?sh$/.test(argv[0] ?? '') && argv[1] === '-c')
    argv = (argv[2] ?? '').split(/\s+/).filter((w) => w !== '');
  const at = argv.findIndex((w) => NODE_BINARY.test(posix.basename(w)));
  if (at < 0) return undefined;
  let script: string | undefined;
  for (let i = at + 1; i < argv.length; i++) {
    const w = argv[i] as string;
    if (NODE_INLINE_OPTIONS.has(w)) break;
    if (NODE_VALUE_OPTIONS.has(w)) {
      i++;
      continue;
    }
    if (w.startsWith('-')) continue;
    script = w;
    break;
  }
  const workdir = config.WorkingDir ? posix.resolve('/', config.WorkingDir) : undefined;
  const command = argv[at] as string;
  if (script === undefined) return workdir ? { root: workdir, entry: [], command } : undefined;
  const abs = posix.resolve(workdir ?? '/', script);
  let root = workdir ?? posix.dirname(abs);
  // A script outside the working directory: its own directory is the app.
  if (posix.relative(root, abs).startsWith('..')) root = posix.dirname(abs);
  return { root, entry: [posix.relative(root, abs)], command };
}

/**
 * The Node.js major the image ships: a node binary's own version first (what an official build
 * says about itself), else the OS package `nodejs` (Debian's /usr/bin/node is a launcher with no
 * version of its own). Undefined when unknown or when the image holds several majors.
 */
export function imageNodeMajor(facts: Pick<ImageFacts, 'components'>, nodePath?: string): number | undefined {
  const majorOf = (v: string): number | undefined => {
    const m = /^v?(?:\d+:)?(\d+)\./.exec(v);
    return m ? Number(m[1]) : undefined;
  };
  const pick = (versions: string[]): number | undefined => {
    const majors = new Set(versions.map(majorOf));
    return majors.size === 1 ? [...majors][0] : undefined;
  };
  const runtimes = facts.components.filter((c) => c.ecosystem === 'node-runtime' && c.name === 'node');
  // The binary the command runs, when it knows its own version; else every runtime file (a launcher's libnode).
  const own = runtimes.filter((c) => nodePath !== undefined && c.path === nodePath);
  const binaries = (own.length > 0 ? own : runtimes).map((c) => c.version);
  if (binaries.length > 0) return pick(binaries);
  const packages = facts.components.filter((c) => c.name === 'nodejs' && c.ecosystem !== 'npm').map((c) => c.version);
  return packages.length > 0 ? pick(packages) : undefined;
}
