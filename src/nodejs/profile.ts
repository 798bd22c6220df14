/**
 * The edge of Node.js intent: analyse an application directory on disk and derive its syscall
 * set and profile rules. `charter profile` calls `nodeFragment` for every Node.js application it
 * finds; `charter node` prints the report.
 */
import { builtinModules } from 'node:module';
import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { ContainerFragment } from '../readers/types.js';
import { emptyFragment } from '../readers/types.js';
import type { SyscallLayer } from '../profile/model.js';
import { analyzeNodeApp, type NodeAppAnalysis } from './analyze/index.js';
import { diskAppFs } from './analyze/disk-app-fs.js';
import { FsPackageCache } from './analyze/fs-package-cache.js';
import { loadNodeSyscallMap } from '../knowledge/node-syscalls/index.js';
import { loadKnowledge } from '../knowledge/index.js';
import { deriveNodeRules, type NodeRules } from './derive.js';
import { defaultCacheDir } from '../cache/fs-layer-cache.js';

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
  const analysis = await analyzeNodeApp(
    { root: appDir, ...(opts.entry && opts.entry.length > 0 ? { entry: opts.entry } : {}), fs: diskAppFs(appDir) },
    { cache: new FsPackageCache(join(defaultCacheDir(), 'node-packages')), builtinModules },
  );
  const rules = deriveNodeRules(analysis, loadNodeSyscallMap(), loadKnowledge(), { base: opts.base ?? '' });
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
