/**
 * Native addons: `.node` files (ELF shared objects Node loads with dlopen) an application can
 * load, found whichever way the package loads them. A literal `require('./build/Release/x.node')`
 * resolves to the file; the loaders (`bindings('x')`, `node-gyp-build(__dirname)`,
 * `@mapbox/node-pre-gyp`'s `find()`) compute the path from the package directory, the Node ABI,
 * platform and architecture, so every `.node` file of the package that reaches a loader is one it
 * may load (`build/Release/x.node`, `lib/binding/{node_abi}-{platform}-{arch}/x.node`,
 * `prebuilds/<platform>-<arch>/*.node`, …). Pure: files come through the AppFs.
 */
import type { Location, NativeAddon } from '../types.js';
import type { AppFs } from './app-fs.js';
import { packageDirOf } from './package-keys.js';

/**
 * Packages whose only job is to find and load a `.node` file of the package that calls them (their
 * own `require` of a computed path loads nothing else). Sources: bindings
 * (https://github.com/TooTallNate/node-bindings/blob/1.5.0/bindings.js, `try` paths),
 * node-gyp-build (https://github.com/prebuild/node-gyp-build/blob/v4.8.4/node-gyp-build.js,
 * `load.resolve`), node-pre-gyp (https://github.com/mapbox/node-pre-gyp/blob/v1.0.11/lib/pre-binding.js).
 */
export const ADDON_LOADERS: ReadonlyMap<string, string> = new Map([
  ['bindings', 'bindings'],
  ['node-gyp-build', 'node-gyp-build'],
  ['node-gyp-build-optional-packages', 'node-gyp-build'],
  ['@mapbox/node-pre-gyp', 'node-pre-gyp'],
  ['node-pre-gyp', 'node-pre-gyp'],
]);

/** The loader package a file belongs to (`node_modules/bindings/bindings.js` → `bindings`), if any. */
export function addonLoaderOf(file: string): string | undefined {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return undefined;
  const name = parts[i + 1]?.startsWith('@') ? `${parts[i + 1]}/${parts[i + 2] ?? ''}` : parts[i + 1];
  return name === undefined ? undefined : ADDON_LOADERS.get(name);
}

/** What a `.node` file's place says of how it got there. */
export function addonLayout(file: string): string {
  if (/(^|\/)prebuilds\/[^/]+\/[^/]+\.node$/.test(file)) return 'prebuildify layout prebuilds/<platform>-<arch>/';
  if (/(^|\/)lib\/binding\/[^/]+\/[^/]+\.node$/.test(file))
    return 'node-pre-gyp/prebuild-install layout lib/binding/{node_abi}-{platform}-{arch}/';
  if (/(^|\/)(build|out)\/(Release|Debug|default)\//.test(file)) return 'node-gyp build directory';
  return 'in the package';
}

/** Directories searched for `.node` files below one package: enough for every layout, bounded. */
const MAX_ADDON_DIRS = 2_000;
/** How deep below the package a `.node` file is looked for (`compiled/<v>/<platform>/<arch>/x.node` is 5). */
const MAX_ADDON_DEPTH = 6;

/**
 * Every `.node` file under a package directory (`''`: the application), not descending into its
 * own `node_modules` (other packages load their own addons). Bounded in directories and depth.
 */
export async function addonFilesUnder(fs: AppFs, dir: string): Promise<string[]> {
  const out: string[] = [];
  const queue: { dir: string; depth: number }[] = [{ dir, depth: 0 }];
  let dirs = 0;
  for (let next = queue.shift(); next !== undefined && dirs < MAX_ADDON_DIRS; next = queue.shift()) {
    dirs++;
    for (const name of (await fs.readdir(next.dir)) ?? []) {
      if (name === 'node_modules' || name === '.git') continue;
      const rel = next.dir === '' ? name : `${next.dir}/${name}`;
      if (name.endsWith('.node')) {
        const st = await fs.stat(rel);
        if (st?.kind === 'file') {
          out.push(rel);
          continue;
        }
      }
      if (next.depth + 1 >= MAX_ADDON_DEPTH) continue;
      const st = await fs.stat(rel);
      if (st?.kind === 'dir') queue.push({ dir: rel, depth: next.depth + 1 });
    }
  }
  return out.sort();
}

/** A file bigger than this is not read to check its header (an addon is a few MB; the same bound as a scanned source file): it counts as loadable. */
const MAX_ADDON_BYTES = 64 * 1024 * 1024;
const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46];

/** True: an ELF object; false: something dlopen refuses; undefined: absent or too large to read. */
export async function isElf(fs: AppFs, file: string): Promise<boolean | undefined> {
  const st = await fs.stat(file);
  if (!st || st.kind !== 'file' || st.size > MAX_ADDON_BYTES) return undefined;
  const bytes = await fs.readFile(file);
  if (!bytes) return undefined;
  return ELF_MAGIC.every((b, i) => bytes[i] === b);
}

/** A loader reached from a package's code (the addons of that package are what it may load). */
export interface LoaderSite {
  /** The package directory whose addons the loader finds (`''`: the application's own files). */
  dir: string;
  loader: string;
  at: Location;
}

/** Builds the addon list: literal `.node` loads, loader sites, `process.dlopen`. */
export class NativeAddonFinder {
  private readonly direct = new Map<string, Location>();
  private readonly sites: LoaderSite[] = [];
  private readonly dlopens: Location[] = [];
  private readonly computedSites: { at: Location; dir: string }[] = [];

  constructor(
    private readonly fs: AppFs,
    private readonly packageOf: (dir: string) => Promise<string>,
  ) {}

  /** `require('./x.node')` (or a `.node` entry point): the file itself. */
  loaded(file: string, at: Location): void {
    if (!this.direct.has(file)) this.direct.set(file, at);
  }

  loaderReached(site: LoaderSite): void {
    if (!this.sites.some((s) => s.dir === site.dir && s.loader === site.loader)) this.sites.push(site);
  }

  dlopen(at: Location): void {
    this.dlopens.push(at);
  }

  /** A `require` of a computed name that ends in `.node`, in the package at `dir`. */
  computed(at: Location, dir: string): void {
    this.computedSites.push({ at, dir });
  }

  async addons(): Promise<NativeAddon[]> {
    const out: NativeAddon[] = [];
    const seen = new Set<string>();
    const pkgOf = async (dir: string | undefined): Promise<string> =>
      dir === undefined || dir === '' ? 'the application' : this.packageOf(dir);
    for (const [file, at] of this.direct) {
      seen.add(file);
      const dir = packageDirOf(file);
      out.push(await this.addon(file, await pkgOf(dir), `loaded by path (${addonLayout(file)})`, at));
    }
    for (const site of this.sites) {
      const pkg = await pkgOf(site.dir);
      const files = (await addonFilesUnder(this.fs, site.dir)).filter((f) => !seen.has(f));
      const how = `found by ${site.loader} (required at ${site.at.file}:${site.at.line}:${site.at.column})`;
      if (files.length === 0) {
        out.push({ package: pkg, how: `${how}; no .node file is installed (it is built or downloaded at install time)`, at: site.at });
        continue;
      }
      for (const f of files) {
        seen.add(f);
        out.push(await this.addon(f, pkg, `${how}, ${addonLayout(f.slice(site.dir.length))}`, site.at));
      }
    }
    for (const c of this.computedSites)
      out.push({ package: await pkgOf(c.dir), how: 'required by a path computed at run time that ends in .node', at: c.at });
    for (const at of this.dlopens)
      out.push({ package: await pkgOf(packageDirOf(at.file)), how: 'process.dlopen of a path computed at run time', at });
    return out.sort((a, b) => cmp(a.file ?? '', b.file ?? '') || cmp(a.at.file, b.at.file) || a.at.line - b.at.line);
  }

  private async addon(file: string, pkg: string, how: string, at: Location): Promise<NativeAddon> {
    const elf = await isElf(this.fs, file);
    return { package: pkg, file, how, at, ...(elf === undefined ? {} : { elf }) };
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
