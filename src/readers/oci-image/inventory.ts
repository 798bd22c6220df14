/**
 * The image's inventory from its layers' analyses: components are **state** (what the final file
 * system declares), findings are **history** (what any layer ever shipped).
 *
 * - A component counts only while the file that declares it is still the one its layer wrote:
 *   deleted by a later whiteout, or replaced by a later layer's copy (last writer wins), and it is
 *   gone or replaced by what the newer copy declares.
 * - Findings of every layer are kept with that layer's digest: a secret added in one layer and
 *   deleted in the next is still in the image's blobs.
 * - The OS is the final `/etc/os-release` (followed through symlinks), else `/usr/lib/os-release`;
 *   OS packages then get their distribution (`distro` and the purl's vendor and qualifier), since
 *   the package database and the os-release may come from different layers.
 */
import type { LayerFileAnalysis } from './cache/layer-analysis.js';
import type { Finding } from '../../model/findings.js';
import { withDistro } from '../../inventory/os/distro.js';
import { OS_RELEASE_PATHS } from '../../inventory/os/os-release.js';
import type { Component, OsRelease } from '../../model/components.js';
import { compareStrings, stableKey } from '../../util/sort.js';
import type { ImageTree } from './filesystem.js';

export interface LayerAnalyses {
  layer: string;
  analyses: readonly LayerFileAnalysis[];
}

export interface ImageInventory {
  components: Component[];
  findings: Finding[];
  os?: OsRelease;
}

const compareComponents = (a: Component, b: Component): number =>
  compareStrings(a.ecosystem, b.ecosystem) ||
  compareStrings(a.name, b.name) ||
  compareStrings(a.version, b.version) ||
  compareStrings(a.purl, b.purl) ||
  compareStrings(a.path ?? '', b.path ?? '');

/** `layers` in stacking order (lowest first); `tree` is the final file system. */
export function stackInventory(layers: readonly LayerAnalyses[], tree: ImageTree): ImageInventory {
  // Results that still hold: their file in the final tree is the one their layer wrote.
  const live: LayerFileAnalysis[] = [];
  const findings = new Map<string, { f: Finding; order: number; key: string }>();
  layers.forEach(({ layer, analyses }, order) => {
    for (const r of analyses) {
      if (tree.files.get(r.path)?.layer === layer) live.push(r);
      for (const f of r.findings ?? []) {
        const key = stableKey(f);
        if (!findings.has(key)) findings.set(key, { f, order, key });
      }
    }
  });

  const osByPath = new Map<string, OsRelease>();
  for (const r of live) if (r.os) osByPath.set(r.path, r.os);
  let os: OsRelease | undefined;
  for (const p of OS_RELEASE_PATHS) {
    // /etc/os-release is usually a symlink to ../usr/lib/os-release.
    os = osByPath.get(tree.resolve(p).path);
    if (os) break;
  }

  const byKey = new Map<string, Component>();
  for (const r of live) {
    for (const c of r.components ?? []) {
      const resolved = os ? withDistro(c, os) : c;
      byKey.set(`${resolved.purl}\0${resolved.path ?? ''}`, resolved);
    }
  }
  const components = [...byKey.values()].sort(compareComponents);
  const sortedFindings = [...findings.values()]
    .sort((a, b) => {
      const la = a.f.locations[0];
      const lb = b.f.locations[0];
      return (
        compareStrings(la?.path ?? '', lb?.path ?? '') ||
        a.order - b.order ||
        (la?.line ?? 0) - (lb?.line ?? 0) ||
        compareStrings(a.f.id, b.f.id) ||
        compareStrings(a.key, b.key)
      );
    })
    .map((x) => x.f);
  return { components, findings: sortedFindings, ...(os ? { os } : {}) };
}
