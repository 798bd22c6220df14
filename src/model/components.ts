/**
 * The inventory: what an image (or an application directory) contains, one component per
 * installed package or runtime, each with a purl and the layer and path it came from.
 */
export const ECOSYSTEMS = ['deb', 'apk', 'rpm', 'npm', 'pypi', 'node-runtime'] as const;
export type Ecosystem = (typeof ECOSYSTEMS)[number];

export interface Component {
  ecosystem: Ecosystem;
  name: string;
  version: string;
  /** Package URL (https://github.com/package-url/purl-spec), e.g. `pkg:deb/debian/openssl@3.0.11-1~deb12u2?arch=amd64&distro=debian-12`. */
  purl: string;
  /** Debian/RPM source package, Alpine origin: advisories are filed against it. */
  sourceName?: string;
  sourceVersion?: string;
  /** OS release the package belongs to (`debian-12`, `alpine-3.19`), from /etc/os-release. */
  distro?: string;
  arch?: string;
  licenses?: string[];
  /** Layer digest that added this component (last writer wins across layers). */
  layer?: string;
  /** File that declares it (status database, package.json, METADATA). */
  path?: string;
  /** npm: lifecycle scripts that run at install time (preinstall, install, postinstall). */
  installScripts?: string[];
}

/** OS identity from /etc/os-release (or /usr/lib/os-release). */
export interface OsRelease {
  id: string;
  versionId?: string;
  versionCodename?: string;
  prettyName?: string;
}
