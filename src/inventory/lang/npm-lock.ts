/**
 * npm lockfiles as a second source of npm components, for application directories that were not
 * installed (no `node_modules`): `package-lock.json` and `npm-shrinkwrap.json`, lockfileVersion 1
 * (the nested `dependencies` tree) and 2/3 (the flat `packages` map, preferred when present).
 *
 * Skipped: the root package (`""`), workspace sources (keys outside `node_modules/`), links
 * (`link: true`), and entries whose version is not a registry version (`file:`, git URLs).
 * Dev dependencies are kept and flagged `dev: true`.
 */
import type { AnalyzerOutput } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { own, ownString, parseJson, plausibleVersion, POISON_KEYS, textOf, type Diagnostic } from './common.js';
import { npmComponent, validNpmName } from './npm-package.js';
import { isRecord } from '../../util/records.js';

/** A component read from a lockfile: `dev` marks a devDependency (not installed in production). */
export type LockComponent = Component & { dev?: boolean };

const LOCKFILES = ['package-lock.json', 'npm-shrinkwrap.json'];
/** Bound on lockfile v1 nesting: real trees are a few dozen deep; deeper input is hostile. */
const MAX_DEPTH = 256;
/** Bound on entries read from one lockfile. */
const MAX_ENTRIES = 200_000;

/** A lockfile of an application, not one shipped inside an installed package or npm's hidden lockfile. */
export function isNpmLockfile(path: string): boolean {
  const slash = path.lastIndexOf('/');
  const base = path.slice(slash + 1);
  return LOCKFILES.includes(base) && !path.includes('/node_modules/');
}

/** Versions that name a registry release; `file:`, `link:`, git and tarball URLs do not. */
function registryVersion(v: string): boolean {
  return plausibleVersion(v) && /^\d/.test(v) && !v.includes(':') && !v.includes('/');
}

/** `node_modules/a/node_modules/@s/b` → `@s/b`. */
function nameFromKey(key: string): string | undefined {
  const i = key.lastIndexOf('node_modules/');
  if (i < 0) return undefined;
  return key.slice(i + 'node_modules/'.length);
}

interface Collected {
  components: Map<string, LockComponent>;
  diagnostics: Diagnostic[];
  skipped: number;
}

function add(out: Collected, path: string, layer: string, name: string, version: string, entry: Record<string, unknown>): void {
  if (POISON_KEYS.has(name) || !validNpmName(name) || !registryVersion(version)) {
    out.skipped++;
    return;
  }
  const dev = own(entry, 'dev') === true || own(entry, 'devOptional') === true;
  const key = `${name}@${version}`;
  const prev = out.components.get(key);
  // One component per name@version; it is a dev dependency only if every occurrence is.
  if (prev) {
    if (prev.dev && !dev) delete prev.dev;
    return;
  }
  const c: LockComponent = { ...npmComponent(name, version, entry, layer, path), ...(dev ? { dev: true } : {}) };
  out.components.set(key, c);
}

function fromPackages(out: Collected, path: string, layer: string, packages: Record<string, unknown>): void {
  let n = 0;
  for (const [key, entry] of Object.entries(packages)) {
    if (++n > MAX_ENTRIES) {
      out.diagnostics.push({
        code: 'npm-lock-too-many',
        severity: 'warning',
        message: `${path}: more than ${MAX_ENTRIES} entries; the rest were skipped`,
      });
      return;
    }
    if (key === '' || !isRecord(entry)) continue;
    if (!key.startsWith('node_modules/') && !key.includes('/node_modules/')) continue; // workspace source
    if (own(entry, 'link') === true) continue;
    const name = ownString(entry, 'name') ?? nameFromKey(key);
    const version = ownString(entry, 'version');
    if (name === undefined || version === undefined) {
      out.skipped++;
      continue;
    }
    add(out, path, layer, name, version, entry);
  }
}

/** lockfileVersion 1: `dependencies: {name: {version, dev, dependencies: {...}}}`, walked without recursion. */
function fromDependencies(out: Collected, path: string, layer: string, deps: Record<string, unknown>): void {
  const stack: [Record<string, unknown>, number][] = [[deps, 0]];
  let n = 0;
  let deep = false;
  while (stack.length > 0) {
    const [level, depth] = stack.pop() as [Record<string, unknown>, number];
    for (const [name, entry] of Object.entries(level)) {
      if (++n > MAX_ENTRIES) {
        out.diagnostics.push({
          code: 'npm-lock-too-many',
          severity: 'warning',
          message: `${path}: more than ${MAX_ENTRIES} entries; the rest were skipped`,
        });
        return;
      }
      if (!isRecord(entry)) continue;
      const version = ownString(entry, 'version');
      // v1 aliases: `"version": "npm:real-name@1.2.3"`.
      const alias = version ? /^npm:((?:@[^/@]+\/)?[^@]+)@(.+)$/.exec(version) : null;
      if (version !== undefined) {
        if (alias) add(out, path, layer, alias[1] as string, alias[2] as string, entry);
        else add(out, path, layer, name, version, entry);
      }
      const nested = own(entry, 'dependencies');
      if (isRecord(nested)) {
        if (depth + 1 >= MAX_DEPTH) deep = true;
        else stack.push([nested, depth + 1]);
      }
    }
  }
  if (deep)
    out.diagnostics.push({
      code: 'npm-lock-too-deep',
      severity: 'warning',
      message: `${path}: dependency tree nested deeper than ${MAX_DEPTH}; deeper levels were skipped`,
    });
}

export function analyzeNpmLock(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  const parsed = parseJson(path, textOf(content), 'npm-lock-invalid-json');
  if (!parsed.ok) return { diagnostics: [parsed.diagnostic] };
  const lock = parsed.value;
  if (!isRecord(lock))
    return { diagnostics: [{ code: 'npm-lock-not-an-object', severity: 'warning', message: `${path}: lockfile is not a JSON object` }] };
  const out: Collected = { components: new Map(), diagnostics: [], skipped: 0 };
  const packages = own(lock, 'packages');
  const dependencies = own(lock, 'dependencies');
  if (isRecord(packages)) fromPackages(out, path, layer, packages);
  else if (isRecord(dependencies)) fromDependencies(out, path, layer, dependencies);
  else if (packages !== undefined || dependencies !== undefined) {
    out.diagnostics.push({
      code: 'npm-lock-bad-shape',
      severity: 'warning',
      message: `${path}: "packages"/"dependencies" is not an object`,
    });
  }
  if (out.skipped > 0) {
    out.diagnostics.push({
      code: 'npm-lock-skipped',
      severity: 'info',
      message: `${path}: ${out.skipped} entr${out.skipped === 1 ? 'y' : 'ies'} without a registry name and version were skipped`,
    });
  }
  const components = [...out.components.values()];
  return { ...(components.length > 0 ? { components } : {}), ...(out.diagnostics.length > 0 ? { diagnostics: out.diagnostics } : {}) };
}
