/**
 * Version ordering per package ecosystem, for deciding whether an installed version falls in an
 * OSV `affected` range. One scheme per ecosystem, all listed in one table.
 *
 * @example
 * compareVersions('Debian:12', '1.2.3-1~deb12u1', '1.2.3-1') // -1
 * schemeFor('Alpine:v3.19')?.isValid('1.2.4_git20230717-r5') // true
 */
import { alpineScheme } from './alpine.js';
import { debianScheme } from './debian.js';
import { npmScheme } from './npm.js';
import { pypiScheme } from './pypi.js';
import { MAX_VERSION_LENGTH, VersionError, type VersionScheme } from './scheme.js';

export { MAX_VERSION_LENGTH, VersionError };
export type { VersionScheme } from './scheme.js';
export { compareDebianVersions, parseDebianVersion } from './debian.js';
export type { DebianVersion } from './debian.js';
export { compareAlpineVersions, parseAlpineVersion } from './alpine.js';
export type { AlpineVersion } from './alpine.js';
export { compareSemver, parseSemver } from './npm.js';
export type { Semver } from './npm.js';
export { comparePep440, parsePep440, normalizePep440 } from './pypi.js';
export type { Pep440Version } from './pypi.js';

/** OSV ecosystem names (the part before any `:release` suffix) that have a scheme here. */
export type VersionEcosystem = 'Debian' | 'Ubuntu' | 'Alpine' | 'npm' | 'PyPI' | 'semver';

/** The registry: ecosystem → scheme. Ubuntu uses dpkg's ordering, like Debian. */
export const VERSION_SCHEMES = {
  Debian: debianScheme,
  Ubuntu: debianScheme.withName('Ubuntu'),
  Alpine: alpineScheme,
  npm: npmScheme,
  PyPI: pypiScheme,
  semver: npmScheme.withName('semver'),
} as const satisfies Record<VersionEcosystem, VersionScheme>;

function isVersionEcosystem(name: string): name is VersionEcosystem {
  return Object.hasOwn(VERSION_SCHEMES, name);
}

/**
 * The scheme for an OSV ecosystem string. OSV qualifies distribution ecosystems with a release
 * (`Debian:12`, `Alpine:v3.19`, `Ubuntu:22.04:LTS`); the ordering does not depend on it, so
 * everything from the first `:` is dropped. OSV's `SEMVER` range type maps to `semver`.
 * Undefined for ecosystems without a scheme here (Go, Maven, crates.io …).
 */
export function schemeFor(osvEcosystem: string): VersionScheme | undefined {
  if (typeof osvEcosystem !== 'string') return undefined;
  const colon = osvEcosystem.indexOf(':');
  const base = colon === -1 ? osvEcosystem : osvEcosystem.slice(0, colon);
  if (base === 'SEMVER') return VERSION_SCHEMES.semver;
  return isVersionEcosystem(base) ? VERSION_SCHEMES[base] : undefined;
}

/**
 * Compare two versions of an OSV ecosystem: -1, 0 or 1. Throws {@link VersionError} when either
 * version is invalid for the scheme, or when the ecosystem has no scheme here.
 */
export function compareVersions(osvEcosystem: string, a: string, b: string): number {
  const scheme = schemeFor(osvEcosystem);
  if (!scheme) throw new VersionError(a, String(osvEcosystem), 'no version scheme for this ecosystem');
  return scheme.compare(a, b);
}
