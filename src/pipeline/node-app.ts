/**
 * The edge of Node.js intent for `charter node`: analyse an application directory on disk and
 * derive its syscall set. (`charter profile` analyses apps through the `node-app` reader,
 * src/readers/node-app; where a Dockerfile or an image runs node is in ./launch.ts.)
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { API_VERSION, emptyContainer, type Charter } from '../model/charter.js';
import { diskAppFs } from '../nodejs/analyze/disk-app-fs.js';
import { FsPackageCache } from '../nodejs/analyze/fs-package-cache.js';
import { syscallSetOf, type NodeSyscallSet } from '../nodejs/syscall-set.js';
import { defaultCacheDir } from '../readers/oci-image/cache/fs-layer-cache.js';
import { GENERATOR } from '../version.js';

/** The syscall set of the app in `appDir` (`charter node`); `base` prefixes source file names. */
export async function nodeSyscallSet(appDir: string, opts: { entry?: string[]; base?: string } = {}): Promise<NodeSyscallSet> {
  const input = { root: appDir, ...(opts.entry && opts.entry.length > 0 ? { entry: opts.entry } : {}), fs: diskAppFs(appDir) };
  return syscallSetOf(input, opts.base ?? '', new FsPackageCache(defaultCacheDir()));
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

/**
 * A one-container profile holding an app's exact syscalls (`charter node --seccomp`): with
 * `serving`, without the syscalls only startup code needs.
 */
export function nodeAppCharter(set: NodeSyscallSet, opts: { serving?: boolean } = {}): Charter {
  const c = emptyContainer('app');
  const startup = new Set(opts.serving ? set.rules.startupOnly : []);
  for (const { layer, rule } of set.rules.syscalls) if (!startup.has(rule.name)) c.syscalls[layer].push(rule);
  return {
    apiVersion: API_VERSION,
    kind: 'Charter',
    metadata: { name: 'app', generator: GENERATOR },
    inputs: [],
    containers: [c],
    graph: { edges: [] },
    diagnostics: [],
  };
}
