/**
 * The edge of Node.js intent: analyse an application directory on disk and derive its syscall
 * set and profile rules. `charter profile` calls `nodeFragment` for every Node.js application it
 * finds; `charter node` prints the report.
 */
import { builtinModules } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerFragment } from '../model/fragments.js';
import { emptyFragment } from '../model/fragments.js';
import type { SyscallLayer } from '../model/charter.js';
import { analyzeNodeApp, type AnalyzeInput, type NodeAppAnalysis } from './analyze/index.js';
import { diskAppFs } from './analyze/disk-app-fs.js';
import { memoryAppFs } from './analyze/app-fs.js';
import type { Diagnostic } from '../model/charter.js';
import type { ImageFacts } from '../readers/oci-image/types.js';
import { readImageAppFiles, type AppFilesOptions } from '../readers/oci-image/app-files.js';
import { imageBasename } from '../util/image-ref.js';
import { DEFAULT_PATH, ImageTree, lookupCommand } from '../readers/oci-image/filesystem.js';
import { FsPackageCache } from './analyze/fs-package-cache.js';
import { loadNodeSyscallMap } from '../knowledge/node-syscalls/index.js';
import { loadKnowledge } from '../knowledge/index.js';
import { deriveNodeRules, type NodeRules } from './derive.js';
import { defaultCacheDir } from '../readers/oci-image/cache/fs-layer-cache.js';

export interface NodeSyscallSet {
  layers: Record<SyscallLayer, string[]>;
  all: string[];
  /** The tighter serving-phase set: without syscalls only startup code needs. */
  serving: string[];
  analysis: NodeAppAnalysis;
  rules: NodeRules;
}

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

export async function nodeSyscallSet(appDir: string, opts: { entry?: string[]; base?: string } = {}): Promise<NodeSyscallSet> {
  return syscallSetOf({ root: appDir, ...(opts.entry && opts.entry.length > 0 ? { entry: opts.entry } : {}), fs: diskAppFs(appDir) }, opts.base ?? '');
}

/** Analyse an app on any AppFs (a directory, an image's files) and derive its rules; `base` prefixes source file names. */
async function syscallSetOf(input: AnalyzeInput, base: string, map = loadNodeSyscallMap()): Promise<NodeSyscallSet> {
  const analysis = await analyzeNodeApp(input, { cache: new FsPackageCache(defaultCacheDir()), builtinModules });
  const rules = deriveNodeRules(analysis, map, loadKnowledge(), { base });
  const layers: Record<SyscallLayer, string[]> = { 'container-runtime': [], 'language-runtime': [], application: [] };
  for (const s of rules.syscalls) layers[s.layer].push(s.rule.name);
  const all = rules.syscalls.map((s) => s.rule.name).sort();
  const startup = new Set(rules.startupOnly);
  return { layers, all, serving: all.filter((s) => !startup.has(s)), analysis, rules };
}

/** True when a directory holds a Node.js application (a package.json that is not a dependency's). */
export async function isNodeApp(dir: string): Promise<boolean> {
  try {
    const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as Record<string, unknown>;
    return typeof pkg === 'object' && pkg !== null;
  } catch {
    return false;
  }
}

/** A profile fragment for the Node.js app in `dir` (shown as `rel`): syscalls, spawned processes, ports, peers. */
export async function nodeFragment(dir: string, rel: string, entry: string[]): Promise<{ fragment: ContainerFragment; set: NodeSyscallSet }> {
  const base = rel === '.' ? '' : rel;
  const set = await nodeSyscallSet(dir, { entry, base });
  const name = base === '' ? 'app' : posix.basename(base);
  const f = emptyFragment(
    { name, buildContext: rel },
    { kind: 'nodejs', artifact: base ? `${base}/package.json` : 'package.json', reason: `Node.js application (${set.analysis.entryPoints.map((e) => e.file).join(', ') || 'no entry point'})` },
  );
  f.processes = set.rules.processes;
  f.listen = set.rules.listen;
  f.egress = set.rules.egress;
  f.syscalls = set.rules.syscalls;
  return { fragment: f, set };
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
const NODE_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--title', '--conditions', '-C']);
/** node options after which no script file follows (code given inline). */
const NODE_INLINE_OPTIONS = new Set(['-e', '--eval', '-p', '--print']);

/**
 * Where the image's command runs node, if it does: Entrypoint + Cmd (Docker's rules), also behind
 * a wrapper (`docker-entrypoint.sh node app.js`) or `sh -c "node app.js"`. Pure: config only.
 */
export function imageNodeEntry(config: ImageFacts['config']): ImageNodeEntry | undefined {
  let argv = [...(config.Entrypoint ?? []), ...(config.Cmd ?? [])];
  if (argv.length >= 3 && /(^|\/)(ba|da)?sh$/.test(argv[0] ?? '') && argv[1] === '-c') argv = (argv[2] ?? '').split(/\s+/).filter((w) => w !== '');
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

export interface ImageNodeResult {
  fragment: ContainerFragment;
  set: NodeSyscallSet;
  diagnostics: Diagnostic[];
}

/**
 * A profile fragment for the Node.js app inside an image (`spec` as read, `facts` from `readImage`):
 * undefined when the image's command does not run node. Keyed like the image's own fragment, so
 * it attaches to the image's container; source files are named by their image path (`/app/server.js`).
 */
export async function nodeImageFragment(spec: string, facts: ImageFacts, opts: AppFilesOptions = {}): Promise<ImageNodeResult | undefined> {
  const where = imageNodeEntry(facts.config);
  if (!where) return undefined;
  const collected = await readImageAppFiles(spec, where.root, { ...opts, extraPaths: [...where.entry, ...(opts.extraPaths ?? [])] });
  const base = where.root === '/' ? '' : where.root;
  // The node the command runs, found as the runtime would (PATH, symlinks inside the image).
  const pathVar = (facts.config.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  const nodePath = lookupCommand(new ImageTree(facts.files), where.command, pathVar, facts.config.WorkingDir ?? '/')?.path;
  const major = imageNodeMajor(facts, nodePath);
  const map = loadNodeSyscallMap(major);
  const set = await syscallSetOf(
    { root: `${facts.ref}:${where.root}`, ...(where.entry.length > 0 ? { entry: where.entry } : {}), fs: memoryAppFs(collected.files, collected.links) },
    base,
    map,
  );
  const name = imageBasename(facts.ref) || facts.ref;
  const f = emptyFragment(
    { name, image: facts.ref },
    { kind: 'nodejs', artifact: `${facts.ref}:${where.root}`, reason: `Node.js application in the image (${set.analysis.entryPoints.map((e) => e.file).join(', ') || 'no entry point'})` },
  );
  f.processes = set.rules.processes;
  f.listen = set.rules.listen;
  f.egress = set.rules.egress;
  // Exact syscalls replace the generic runtime groups, so they are given only when the floor was
  // measured on the Node.js major the image runs: another major (Debian's 18 uses syscalls the
  // measured 20 does not) would be refused what it needs, and the generic groups stay instead.
  const measured = major !== undefined && String(major) === map.node;
  if (measured) f.syscalls = set.rules.syscalls;
  const shown = (file: string): string => (base ? `${base}/${file}` : file);
  const diagnostics: Diagnostic[] = set.analysis.uncertainties.map((u) => ({
    code: `nodejs/${u.kind}`,
    severity: u.kind === 'unparsed' || u.kind === 'missing-module' ? 'warning' : 'info',
    message: `${u.message} (assumed: ${u.assumption})`,
    file: shown(u.at.file),
    line: u.at.line,
    column: u.at.column,
  }));
  if (!measured) {
    diagnostics.push({
      code: 'nodejs/image-node-version-unmeasured',
      severity: 'info',
      message: `the image's Node.js ${major === undefined ? 'version is unknown' : `major is ${major}`}; the syscall map was measured on ${map.node}, so the generic Node.js syscall groups are kept (processes, ports and peers from the code still apply)`,
      file: spec,
    });
  }
  if (collected.truncated) diagnostics.push({ code: 'nodejs/image-files-truncated', severity: 'warning', message: `${collected.truncated}; the analysis may miss code`, file: spec });
  for (const path of collected.missing) {
    diagnostics.push({ code: 'nodejs/image-file-unread', severity: 'warning', message: `${path} (a hardlink within its layer) was not read; the analysis may miss it`, file: spec });
  }
  return { fragment: f, set, diagnostics };
}
