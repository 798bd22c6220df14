/**
 * `npm` analyzer: installed packages (`package.json` of each package root under `node_modules`,
 * and Debian's `/usr/share/nodejs`), plus lockfiles (`package-lock.json`, `npm-shrinkwrap.json`,
 * Yarn 1 `yarn.lock`) as a second source. Installed packages win over lockfile entries of the same
 * application: {@link preferInstalled} drops lockfile components where an install is present.
 */
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { isRegularOrUnknown } from './common.js';
import { analyzeNpmLock, isNpmLockfile } from './npm-lock.js';
import { analyzePackageJson, isInstalledManifest } from './npm-package.js';
import { analyzeYarnLock, isYarnLock } from './yarn-lock.js';

export const npmAnalyzer = {
  type: 'npm',
  version: '1',
  // Lockfiles of large monorepos reach tens of MiB; package.json files are small.
  maxBytes: 64 * 1024 * 1024,
  required: (path, info) => isRegularOrUnknown(info.mode) && (isInstalledManifest(path) || isNpmLockfile(path) || isYarnLock(path)),
  analyze(path, content, layer) {
    if (isInstalledManifest(path)) return analyzePackageJson(path, content, layer);
    if (isYarnLock(path)) return analyzeYarnLock(path, content, layer);
    return analyzeNpmLock(path, content, layer);
  },
} satisfies FileAnalyzer;

const LOCK_BASENAMES = ['package-lock.json', 'npm-shrinkwrap.json', 'yarn.lock'];

/**
 * Installed packages are the truth; a lockfile only says what would be installed. For each
 * lockfile, its components are dropped when the same directory has a `node_modules` install among
 * `components` (any npm component whose path is under `<dir>/node_modules/`).
 */
export function preferInstalled(components: readonly Component[]): Component[] {
  const installedRoots = new Set<string>();
  for (const c of components) {
    if (c.ecosystem !== 'npm' || !c.path) continue;
    const i = c.path.indexOf('/node_modules/');
    if (i >= 0) installedRoots.add(c.path.slice(0, i));
  }
  return components.filter((c) => {
    if (c.ecosystem !== 'npm' || !c.path) return true;
    const slash = c.path.lastIndexOf('/');
    if (!LOCK_BASENAMES.includes(c.path.slice(slash + 1))) return true;
    return !installedRoots.has(c.path.slice(0, slash));
  });
}
