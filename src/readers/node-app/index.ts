/**
 * The Node.js application reader (`node-app`): recognised by its `package.json`, it analyses the
 * application's code for the exact syscalls, processes, ports and peers it can reach, and gives one
 * container fragment with a source (file:line) on every rule. The files come through an AppFs
 * opened at the edge (a directory on disk, or the files an image's layers hold after whiteouts);
 * the reader opens nothing itself. User-facing description: ./README.md.
 *
 * @example
 *   const result = await nodeAppReader.read({
 *     path: 'api/package.json', fs: diskAppFs('/src/shop/api'), root: '/src/shop/api', cache,
 *     origin: { kind: 'directory', buildContext: 'api', entry: ['server.js'] },
 *   });
 *   result.containers[0]?.listen; // [{ port: 3000, … }]
 */
import { posix } from 'node:path';
import type { AppFs } from '../../nodejs/analyze/app-fs.js';
import type { PackageCache } from '../../nodejs/analyze/package-cache.js';
import { imageNodeMajor, type ImageNodeEntry } from '../../nodejs/launch.js';
import { syscallSetOf, type NodeSyscallSet } from '../../nodejs/syscall-set.js';
import { loadNodeSyscallMap } from '../../knowledge/node-syscalls/index.js';
import type { Diagnostic } from '../../model/charter.js';
import { imageBasename } from '../../util/image-ref.js';
import { DEFAULT_PATH, ImageTree, lookupCommand } from '../oci-image/filesystem.js';
import type { ImageFacts } from '../../model/image.js';
import { emptyFragment, type AppReader, type ContainerFragment, type ReaderResult } from '../../model/fragments.js';

/** An app in a directory target: built into a container by the Dockerfile beside it (or the target itself). */
export interface DirectoryOrigin {
  kind: 'directory';
  /** The directory relative to the target (`.` for the target), as the Dockerfile reader names its build context. */
  buildContext: string;
  /** Entry scripts from the Dockerfile's commands; empty: package.json decides. */
  entry: string[];
  /** The Dockerfile's WORKDIR, where the app's files are in the container (default `/`). */
  workingDir?: string;
}

/** The app an image's command runs. */
export interface ImageOrigin {
  kind: 'image';
  /** The image as the user named it (`oci-archive:app.tar`), for diagnostics. */
  spec: string;
  facts: ImageFacts;
  where: ImageNodeEntry;
  /** What the edge could not hand over: a limit that stopped collection, files not read. */
  truncated?: string;
  missing: readonly string[];
}

export interface NodeAppInput {
  /** How the application is named in the profile (its package.json, or `ref:/app`). */
  path: string;
  /** The application's files, relative to its root. */
  fs: AppFs;
  /** The root as shown in the analysis (a directory, or `ref:/app`). */
  root: string;
  cache: PackageCache;
  origin: DirectoryOrigin | ImageOrigin;
}

export type NodeAppResult = ReaderResult & { set: NodeSyscallSet };

function uncertainties(set: NodeSyscallSet, shown: (file: string) => string): Diagnostic[] {
  return set.analysis.uncertainties.map((u) => ({
    code: `nodejs/${u.kind}`,
    severity: u.kind === 'unparsed' || u.kind === 'missing-module' ? 'warning' : 'info',
    message: `${u.message} (assumed: ${u.assumption})`,
    file: shown(u.at.file),
    line: u.at.line,
    column: u.at.column,
  }));
}

/**
 * The rules the code gives the container. `appDir`: where the app's files are in the container
 * (the image's app directory, or the Dockerfile's WORKDIR that `COPY . .` fills; `/` by default),
 * so the directories it writes become absolute paths a volume can be mounted at.
 */
function withRules(f: ContainerFragment, set: NodeSyscallSet, appDir: string, artifact: string): ContainerFragment {
  f.processes = set.rules.processes;
  f.listen = set.rules.listen;
  f.egress = set.rules.egress;
  f.writable = set.rules.writes.map((w) => ({
    path: posix.resolve(appDir, w.dir),
    kind: 'data-dir' as const,
    sources: w.sources.map((s) => ({
      ...s,
      reason: `${s.reason} (relative paths taken from ${appDir}, the app's directory in the container)`,
    })),
  }));
  // The code's egress is complete when every peer it names is literal or a client's default and
  // it reads no host from anywhere else; one host it does not name makes it unknown.
  // Hosts read from variables are bound later, by the profile, to what the deployment sets them to.
  const fromEnv = set.rules.envHosts.map((h) => ({
    state: 'unknown' as const,
    source: h.source,
    env: { name: h.env, ...(h.whenUnset ? { whenUnset: h.whenUnset } : {}) },
  }));
  f.egressIntent =
    set.rules.unnamedHosts.length > 0
      ? [...set.rules.unnamedHosts.map((source) => ({ state: 'unknown' as const, source })), ...fromEnv]
      : [
          {
            state: 'complete' as const,
            source: {
              kind: 'nodejs',
              artifact,
              reason:
                fromEnv.length === 0
                  ? `the analysed code names every peer it connects to (${set.rules.egress.length} outside the container): literal hosts and client defaults, no host read at run time`
                  : `the analysed code names every peer it connects to (${set.rules.egress.length} outside the container) or reads it from ${[...new Set(fromEnv.map((e) => e.env.name))].join(', ')}`,
            },
          },
          ...fromEnv,
        ];
  return f;
}

const entryFiles = (set: NodeSyscallSet): string => set.analysis.entryPoints.map((e) => e.file).join(', ') || 'no entry point';

async function readDirectoryApp(input: NodeAppInput, origin: DirectoryOrigin): Promise<NodeAppResult> {
  const rel = origin.buildContext;
  const base = rel === '.' ? '' : rel;
  const set = await syscallSetOf(
    { root: input.root, ...(origin.entry.length > 0 ? { entry: origin.entry } : {}), fs: input.fs },
    base,
    input.cache,
  );
  const f = withRules(
    emptyFragment(
      { name: base === '' ? 'app' : posix.basename(base), buildContext: rel },
      { kind: 'nodejs', artifact: input.path, reason: `Node.js application (${entryFiles(set)})` },
    ),
    set,
    posix.resolve('/', origin.workingDir ?? '/'),
    input.path,
  );
  f.syscalls = set.rules.syscalls;
  const diagnostics = uncertainties(set, (file) => (base ? `${base}/${file}` : file));
  return { containers: [f], services: [], networkPolicies: [], diagnostics, set };
}

/**
 * The app inside an image: keyed by the image, so it attaches to the image's container; source
 * files are named by their image path (`/app/server.js`).
 */
async function readImageApp(input: NodeAppInput, origin: ImageOrigin): Promise<NodeAppResult> {
  const { facts, where, spec } = origin;
  const base = where.root === '/' ? '' : where.root;
  // The node the command runs, found as the runtime would (PATH, symlinks inside the image).
  const pathVar = (facts.config.Env ?? []).find((e) => e.startsWith('PATH='))?.slice(5) ?? DEFAULT_PATH;
  const nodePath = lookupCommand(new ImageTree(facts.files), where.command, pathVar, facts.config.WorkingDir ?? '/')?.path;
  const major = imageNodeMajor(facts, nodePath);
  const map = loadNodeSyscallMap(major);
  const set = await syscallSetOf(
    { root: input.root, ...(where.entry.length > 0 ? { entry: where.entry } : {}), fs: input.fs },
    base,
    input.cache,
    map,
  );
  const f = withRules(
    emptyFragment(
      { name: imageBasename(facts.ref) || facts.ref, image: facts.ref },
      { kind: 'nodejs', artifact: input.path, reason: `Node.js application in the image (${entryFiles(set)})` },
    ),
    set,
    where.root,
    input.path,
  );
  // Exact syscalls replace the generic runtime groups, so they are given only when the floor was
  // measured on the Node.js major the image runs: another major (Debian's 18 uses syscalls the
  // measured 20 does not) would be refused what it needs, and the generic groups stay instead.
  const measured = major !== undefined && String(major) === map.node;
  if (measured) f.syscalls = set.rules.syscalls;
  const diagnostics = uncertainties(set, (file) => (base ? `${base}/${file}` : file));
  if (!measured) {
    diagnostics.push({
      code: 'nodejs/image-node-version-unmeasured',
      severity: 'info',
      message: `the image's Node.js ${major === undefined ? 'version is unknown' : `major is ${major}`}; the syscall map was measured on ${map.node}, so the generic Node.js syscall groups are kept (processes, ports and peers from the code still apply)`,
      file: spec,
    });
  }
  if (origin.truncated)
    diagnostics.push({
      code: 'nodejs/image-files-truncated',
      severity: 'warning',
      message: `${origin.truncated}; the analysis may miss code`,
      file: spec,
    });
  for (const path of origin.missing) {
    diagnostics.push({
      code: 'nodejs/image-file-unread',
      severity: 'warning',
      message: `${path} (a hardlink within its layer) was not read; the analysis may miss it`,
      file: spec,
    });
  }
  return { containers: [f], services: [], networkPolicies: [], diagnostics, set };
}

export const nodeAppReader = {
  type: 'node-app',
  version: '1',
  input: 'app',
  kind: 'nodejs',
  named(path: string): boolean {
    return path === 'package.json' || path.endsWith('/package.json');
  },
  matches(path: string, _head: string): boolean {
    // Any package.json: a broken one is still an app, and its analysis says what is wrong.
    return nodeAppReader.named(path);
  },
  read(input: NodeAppInput): Promise<NodeAppResult> {
    return input.origin.kind === 'directory' ? readDirectoryApp(input, input.origin) : readImageApp(input, input.origin);
  },
} as const satisfies AppReader<NodeAppInput, NodeAppResult>;
