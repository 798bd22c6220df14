/**
 * A Node.js application's syscall set: the analysis of its code on any AppFs (a directory, an
 * image's files) and the rules derived from it. No I/O of its own: the files and the package
 * cache are given.
 */
import { builtinModules } from 'node:module';
import type { SyscallLayer } from '../model/charter.js';
import { analyzeNodeApp, type AnalyzeInput, type NodeAppAnalysis } from './analyze/index.js';
import type { PackageCache } from './analyze/package-cache.js';
import { loadNodeSyscallMap } from '../knowledge/node-syscalls/index.js';
import { loadKnowledge } from '../knowledge/index.js';
import { deriveNodeRules, type NodeRules } from './derive.js';

export interface NodeSyscallSet {
  layers: Record<SyscallLayer, string[]>;
  all: string[];
  /** The tighter serving-phase set: without syscalls only startup code needs. */
  serving: string[];
  analysis: NodeAppAnalysis;
  rules: NodeRules;
}

/** Analyse an app and derive its rules; `base` prefixes source file names. */
export async function syscallSetOf(
  input: AnalyzeInput,
  base: string,
  cache: PackageCache,
  map = loadNodeSyscallMap(),
): Promise<NodeSyscallSet> {
  const analysis = await analyzeNodeApp(input, { cache, builtinModules });
  const rules = deriveNodeRules(analysis, map, loadKnowledge(), { base });
  const layers: Record<SyscallLayer, string[]> = { 'container-runtime': [], 'language-runtime': [], application: [] };
  for (const s of rules.syscalls) layers[s.layer].push(s.rule.name);
  const all = rules.syscalls.map((s) => s.rule.name).sort();
  const startup = new Set(rules.startupOnly);
  return { layers, all, serving: all.filter((s) => !startup.has(s)), analysis, rules };
}
