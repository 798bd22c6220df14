/**
 * Mapping between the inventory's ecosystems and OSV's, and the package-name normalisation both
 * the import and the matcher apply so a lookup finds what was stored.
 */
import type { Component } from '../model/components.js';

/** `Debian:12` → { base: 'Debian', release: '12' }; `npm` → { base: 'npm', release: '' }. */
export function splitEcosystem(osvEcosystem: string): { base: string; release: string } {
  const colon = osvEcosystem.indexOf(':');
  return colon === -1
    ? { base: osvEcosystem, release: '' }
    : { base: osvEcosystem.slice(0, colon), release: osvEcosystem.slice(colon + 1) };
}

/** PyPI names compare after PEP 503 normalisation; other ecosystems' names are exact. */
export function normalizePackageName(base: string, name: string): string {
  return base === 'PyPI' ? name.toLowerCase().replace(/[-_.]+/g, '-') : name;
}

/** What to look up for one component. */
export interface MatchTarget {
  /** OSV ecosystem base name. */
  ecosystem: string;
  /** Package name to look up (the source package for distributions). */
  name: string;
  /** Version to evaluate (the source version for distributions). */
  version: string;
  /**
   * Which stored releases apply: the component's own release and release-less records. Undefined
   * when the component's release is unknown: every release is then considered.
   */
  release?: string;
}

const DISTRO_ECOSYSTEMS: Record<string, string> = { debian: 'Debian', ubuntu: 'Ubuntu', alpine: 'Alpine' };

/**
 * The OSV lookup for a component, or undefined when its ecosystem has no OSV counterpart here
 * (rpm, node-runtime). Distribution packages are looked up by source package (Debian and Alpine
 * file advisories against it), falling back to the binary name.
 */
export function matchTarget(c: Component): MatchTarget | undefined {
  switch (c.ecosystem) {
    case 'npm':
      return { ecosystem: 'npm', name: c.name, version: c.version };
    case 'pypi':
      return { ecosystem: 'PyPI', name: normalizePackageName('PyPI', c.name), version: c.version };
    case 'deb':
    case 'apk': {
      const { id, version } = parseDistro(c.distro);
      const ecosystem = (id && DISTRO_ECOSYSTEMS[id]) ?? purlNamespaceEcosystem(c.purl) ?? (c.ecosystem === 'deb' ? 'Debian' : 'Alpine');
      const release = version === undefined ? undefined : osvRelease(ecosystem, version);
      return {
        ecosystem,
        name: c.sourceName || c.name,
        version: (c.sourceName && c.sourceVersion) || c.version,
        ...(release !== undefined ? { release } : {}),
      };
    }
    default:
      return undefined;
  }
}

/** `debian-12` → { id: 'debian', version: '12' }. */
function parseDistro(distro: string | undefined): { id?: string; version?: string } {
  if (!distro) return {};
  const dash = distro.indexOf('-');
  if (dash <= 0) return { id: distro.toLowerCase() };
  const version = distro.slice(dash + 1);
  return { id: distro.slice(0, dash).toLowerCase(), ...(version ? { version } : {}) };
}

/** `pkg:deb/ubuntu/…` → Ubuntu. */
function purlNamespaceEcosystem(purl: string): string | undefined {
  const m = /^pkg:(?:deb|apk)\/([^/]+)\//.exec(purl);
  return m?.[1] ? DISTRO_ECOSYSTEMS[m[1].toLowerCase()] : undefined;
}

/**
 * The release suffix OSV uses: Debian's numeric version (`12`), Alpine's branch `v3.19` (from an
 * os-release VERSION_ID like `3.19.1`), Ubuntu's `22.04`.
 */
function osvRelease(ecosystem: string, version: string): string {
  if (ecosystem === 'Alpine') {
    const m = /^v?(\d+)\.(\d+)/.exec(version);
    return m ? `v${m[1]}.${m[2]}` : version;
  }
  if (ecosystem === 'Debian') {
    const m = /^(\d+)/.exec(version);
    return m?.[1] ?? version;
  }
  return version;
}

/**
 * Whether a stored release applies to a component's release. Release-less records apply to all;
 * Ubuntu's `22.04:LTS` applies to `22.04`, but `Pro:…` (paid extended support) does not.
 */
export function releaseApplies(stored: string, wanted: string | undefined): boolean {
  if (stored === '' || wanted === undefined) return true;
  return stored === wanted || stored.startsWith(`${wanted}:`);
}
