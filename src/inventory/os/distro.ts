/**
 * Purls of OS packages, and filling in the distribution once the image's os-release is known.
 * Analyzers see one file at a time, so the dpkg/apk/rpm analyzers build purls without an OS
 * (default vendor, no `distro` qualifier); the stacking step, which knows the image's final
 * os-release (maybe from another layer), calls {@link withDistro}.
 */
import { buildPurl } from '../purl.js';
import type { Component, OsRelease } from '../../model/components.js';

/** Vendor namespace an ecosystem's purls use when the OS is unknown. */
const DEFAULT_VENDOR: Partial<Record<Component['ecosystem'], string>> = { deb: 'debian', apk: 'alpine' };

export const OS_ECOSYSTEMS: ReadonlySet<Component['ecosystem']> = new Set(['deb', 'apk', 'rpm']);

/** `debian-12`, `alpine-3.19.1`, `ubuntu-22.04`; a release without VERSION_ID (testing, sid) uses its codename. */
export function distroOf(os: OsRelease): string {
  const v = os.versionId ?? os.versionCodename;
  return v ? `${os.id}-${v}` : os.id;
}

/** The purl vendor namespace for an OS id, when the id is usable as one. */
function vendorOf(os: OsRelease | undefined, ecosystem: Component['ecosystem']): string | undefined {
  if (os && /^[a-z0-9][a-z0-9._-]*$/.test(os.id)) return os.id;
  return DEFAULT_VENDOR[ecosystem];
}

/** rpm versions carry the epoch as `E:`; purl-spec wants it as the `epoch` qualifier. */
function splitEpoch(version: string): { epoch?: string; rest: string } {
  const m = /^(\d+):(.*)$/.exec(version);
  return m ? { epoch: m[1] as string, rest: m[2] as string } : { rest: version };
}

/**
 * The purl of an OS package. deb keeps the epoch in the version (Debian's own version string, as
 * advisories quote it); rpm moves it to the `epoch` qualifier as purl-spec's rpm type says.
 */
export function osPurl(c: Pick<Component, 'ecosystem' | 'name' | 'version' | 'arch' | 'distro'>, os?: OsRelease): string {
  const vendor = vendorOf(os, c.ecosystem);
  if (c.ecosystem === 'rpm') {
    const { epoch, rest } = splitEpoch(c.version);
    return buildPurl({
      type: 'rpm',
      ...(vendor ? { namespace: vendor } : {}),
      name: c.name,
      version: rest,
      qualifiers: { arch: c.arch, distro: c.distro, epoch },
    });
  }
  return buildPurl({
    type: c.ecosystem,
    ...(vendor ? { namespace: vendor } : {}),
    name: c.name,
    version: c.version,
    qualifiers: { arch: c.arch, distro: c.distro },
  });
}

/** An OS package with its distribution filled in (`distro` and the purl's vendor and qualifier). */
export function withDistro(c: Component, os: OsRelease): Component {
  if (!OS_ECOSYSTEMS.has(c.ecosystem)) return c;
  const distro = distroOf(os);
  return { ...c, distro, purl: osPurl({ ...c, distro }, os) };
}
