/**
 * npm packages installed on disk: the `package.json` at the root of each package directory under
 * a `node_modules` folder (local, global `/usr/lib/node_modules`, nested), and Debian's packaged
 * Node.js libraries under `/usr/share/nodejs` and `/usr/lib/nodejs` (dpkg-owned, still reported
 * as npm components with their path, as other scanners do).
 *
 * Only package roots count: `node_modules/<name>/package.json` or
 * `node_modules/@scope/<name>/package.json`. A `package.json` deeper inside a package
 * (`lib/package.json` with only `"type": "module"`, test fixtures of the npm CLI) is not one.
 */
import { buildPurl } from '../purl.js';
import type { Component } from '../../model/components.js';
import { cleanLicense, own, ownString, parseJson, plausibleVersion, quote, textOf, MAX_LICENSES, type Diagnostic } from './common.js';
import type { AnalyzerOutput } from '../../model/analyzer.js';
import { isRecord } from '../../util/records.js';

/** Roots Debian installs packaged Node.js modules into (no `node_modules` segment there). */
const DEBIAN_NODE_ROOTS = ['/usr/share/nodejs/', '/usr/lib/nodejs/'];
/** A directory segment naming tests or fixtures: manifests below one are test data, not installs. */
const TEST_SEGMENTS = new Set(['test', 'tests', '__tests__', 'fixtures', '__fixtures__', 'test-fixtures', 'testdata', 'spec']);

/** `@scope/name` or `name`: npm's rules (lower-case for new packages, url-safe, no leading `.`/`_`), leniently. */
const NPM_NAME = /^(?:@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/i;

export function validNpmName(name: string): boolean {
  return name.length <= 214 && NPM_NAME.test(name);
}

/** The package-directory part (`name` or `@scope/name`) after a root, when `rest` is `<dir>/package.json`. */
function packageDirOf(rest: string): string | undefined {
  const parts = rest.split('/');
  if (parts.length === 2 && parts[1] === 'package.json' && !(parts[0] as string).startsWith('@')) return parts[0];
  if (parts.length === 3 && parts[2] === 'package.json' && (parts[0] as string).startsWith('@')) return `${parts[0]}/${parts[1]}`;
  return undefined;
}

/** True for a package root manifest this analyzer reads; cheap string work only. */
export function isInstalledManifest(path: string): boolean {
  if (!path.endsWith('/package.json')) return false;
  const nm = path.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    if (packageDirOf(path.slice(nm + '/node_modules/'.length)) === undefined) return false;
    // Test data of a package (`node_modules/npm/test/fixtures/node_modules/x/package.json`).
    const first = path.indexOf('/node_modules/');
    const inner = path.slice(first + 1, nm).split('/');
    return !inner.some((s) => TEST_SEGMENTS.has(s));
  }
  for (const root of DEBIAN_NODE_ROOTS) {
    if (path.startsWith(root)) return packageDirOf(path.slice(root.length)) !== undefined;
  }
  return false;
}

/** `pkg:npm/%40scope/name@1.0.0`: purl-spec's npm type (namespace is the scope, names lower-cased). */
export function npmPurl(name: string, version: string): string {
  const lower = name.toLowerCase();
  const slash = lower.startsWith('@') ? lower.indexOf('/') : -1;
  return slash > 0
    ? buildPurl({ type: 'npm', namespace: lower.slice(0, slash), name: lower.slice(slash + 1), version })
    : buildPurl({ type: 'npm', name: lower, version });
}

/**
 * Licenses of a manifest: `license` as a string (SPDX expression or free text), the legacy
 * `license: {type}` object, and the legacy `licenses: [{type} | string]` array.
 */
/** The component of one npm package version, from a package.json or a lockfile entry. */
export function npmComponent(name: string, version: string, manifest: Record<string, unknown>, layer: string, path: string): Component {
  const licenses = npmLicenses(manifest);
  return { ecosystem: 'npm', name, version, purl: npmPurl(name, version), ...(licenses.length > 0 ? { licenses } : {}), layer, path };
}

export function npmLicenses(pkg: Record<string, unknown>): string[] {
  const out: string[] = [];
  const add = (v: unknown): void => {
    if (out.length >= MAX_LICENSES) return;
    const raw = typeof v === 'string' ? v : isRecord(v) ? ownString(v, 'type') : undefined;
    const l = raw === undefined ? undefined : cleanLicense(raw);
    if (l !== undefined && !out.includes(l)) out.push(l);
  };
  const license = own(pkg, 'license');
  if (Array.isArray(license)) license.slice(0, MAX_LICENSES).forEach(add);
  else add(license);
  const licenses = own(pkg, 'licenses');
  if (Array.isArray(licenses)) licenses.slice(0, MAX_LICENSES).forEach(add);
  else if (licenses !== undefined) add(licenses);
  return out;
}

/** Lifecycle scripts npm runs when installing the package. */
const INSTALL_SCRIPTS = ['preinstall', 'install', 'postinstall'] as const;

/**
 * Install-time scripts by name. A package with `binding.gyp` (`gypfile: true`) and no
 * install/preinstall script gets an implicit `install: node-gyp rebuild`, so it counts too.
 */
export function installScriptsOf(pkg: Record<string, unknown>): string[] {
  const scripts = own(pkg, 'scripts');
  const out: string[] = [];
  if (isRecord(scripts)) {
    for (const s of INSTALL_SCRIPTS) {
      const v = own(scripts, s);
      if (typeof v === 'string' && v.trim() !== '') out.push(s);
    }
  }
  if (own(pkg, 'gypfile') === true && !out.includes('install') && !out.includes('preinstall')) out.push('install');
  return out.sort();
}

export function analyzePackageJson(path: string, content: Uint8Array, layer: string): AnalyzerOutput {
  const parsed = parseJson(path, textOf(content), 'npm-invalid-json');
  if (!parsed.ok) return { diagnostics: [parsed.diagnostic] };
  const pkg = parsed.value;
  const diagnostics: Diagnostic[] = [];
  if (!isRecord(pkg))
    return { diagnostics: [{ code: 'npm-not-an-object', severity: 'warning', message: `${path}: package.json is not a JSON object` }] };
  const name = own(pkg, 'name');
  const version = own(pkg, 'version');
  if (name === undefined && version === undefined) return {};
  if (typeof name !== 'string' || typeof version !== 'string') {
    return {
      diagnostics: [
        {
          code: 'npm-missing-name-version',
          severity: 'info',
          message: `${path}: "name" and "version" must both be strings (got ${quote(name)}, ${quote(version)})`,
        },
      ],
    };
  }
  if (!validNpmName(name)) {
    return {
      diagnostics: [{ code: 'npm-invalid-name', severity: 'warning', message: `${path}: ${quote(name)} is not a valid npm package name` }],
    };
  }
  if (!plausibleVersion(version)) {
    return {
      diagnostics: [{ code: 'npm-invalid-version', severity: 'warning', message: `${path}: ${quote(version)} is not a valid version` }],
    };
  }
  const installScripts = installScriptsOf(pkg);
  const c: Component = { ...npmComponent(name, version, pkg, layer, path), ...(installScripts.length > 0 ? { installScripts } : {}) };
  return { components: [c], ...(diagnostics.length > 0 ? { diagnostics } : {}) };
}
