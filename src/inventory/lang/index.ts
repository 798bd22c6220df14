/** The language analyzers: npm packages and lockfiles, Python distributions, the Node.js runtime. */
import type { FileAnalyzer } from '../../model/analyzer.js';
import { nodeBinaryAnalyzer } from './node-binary.js';
import { npmAnalyzer } from './npm.js';
import { pythonAnalyzer } from './python.js';

export const LANG_ANALYZERS: readonly FileAnalyzer[] = [npmAnalyzer, pythonAnalyzer, nodeBinaryAnalyzer];

export { nodeBinaryAnalyzer, npmAnalyzer, pythonAnalyzer };
export { preferInstalled } from './npm.js';
export type { LockComponent } from './npm-lock.js';
export { npmPurl } from './npm-package.js';
export { normalizePypiName, pypiPurl } from './python.js';
export { findNodeVersions } from './node-binary.js';
