/**
 * The modules a `require(x)`/`import(x)` may load when x is computed from the program's own
 * strings (see Analysis.crawl in index.ts): directory listings and package lookups, memoised.
 */
import { type AppFs, dirnameRel, joinRel } from './app-fs.js';
import { packageDirOf } from './package-keys.js';
import type { Resolver } from './resolve.js';

/** Names that are files in every package seen (skips a stat per entry when listing directories). */
const NOT_A_DIRECTORY =
  /\.(json|md|markdown|txt|map|ts|mts|cts|flow|yml|yaml|html|css|png|svg|node|gz|LICENSE)$|^(LICENSE|README|CHANGELOG|AUTHORS)/i;

export class ComputedModuleCandidates {
  constructor(
    private readonly fs: AppFs,
    private readonly resolver: Resolver,
    /** At most this many files listed under one directory (the analysis' module limit). */
    private readonly maxFiles: number,
  ) {}

  private readonly dirFiles = new Map<string, Promise<string[]>>();
  private readonly visible = new Map<string, Promise<string[]>>();

  /**
   * What `require(x)`/`import(x)` may load when x is built from the program's own strings: under a
   * literal directory prefix, the files there; otherwise any package visible from the site and any
   * file of the site's own package (or of the application). Built-in modules named by strings are
   * added at link time.
   */
  async forSite(file: string, via: 'require' | 'import', dir: string | undefined): Promise<string[]> {
    if (dir !== undefined) {
      if (dir.startsWith('.')) {
        const base = joinRel(dirnameRel(file), dir);
        return base === undefined ? [] : this.sourceFilesUnder(base);
      }
      // A package's subdirectory: the package as Node's resolution finds it from the site.
      const pkg = dir.startsWith('@') ? dir.split('/').slice(0, 2).join('/') : dir.split('/')[0]!;
      const pkgDir = await this.visiblePackageDir(dirnameRel(file), pkg);
      return pkgDir === undefined ? [] : this.sourceFilesUnder(`${pkgDir}${dir.slice(pkg.length)}`);
    }
    const out: string[] = [];
    for (const name of await this.visiblePackages(dirnameRel(file))) {
      const t = await this.resolver.resolve(name, file, via);
      if (t.k === 'file') out.push(t.path);
    }
    out.push(...(await this.sourceFilesUnder(packageDirOf(file) ?? '')));
    return out;
  }

  /** JavaScript files under a directory (not inside node_modules), bounded by the module limit. */
  private sourceFilesUnder(dir: string): Promise<string[]> {
    let p = this.dirFiles.get(dir);
    if (!p) {
      p = (async () => {
        const out: string[] = [];
        const stack = [dir];
        while (stack.length > 0 && out.length < this.maxFiles) {
          const d = stack.pop()!;
          const names = await this.fs.readdir(d);
          for (const name of (names ?? []).sort()) {
            if (name === 'node_modules' || name.startsWith('.')) continue;
            const rel = d === '' ? name : `${d}/${name}`;
            if (/\.(c|m)?js$/.test(name)) {
              const real = await this.fs.realpath(rel);
              if (real.ok && (await this.resolver.kind(real.path)) === 'file') out.push(real.path);
            } else if (!NOT_A_DIRECTORY.test(name) && (await this.resolver.kind(rel)) === 'dir') {
              const real = await this.fs.realpath(rel);
              if (real.ok) stack.push(real.path);
            }
          }
        }
        return out;
      })();
      this.dirFiles.set(dir, p);
    }
    return p;
  }

  /** The directory Node's resolution finds package `name` in, from `dir`. */
  private async visiblePackageDir(dir: string, name: string): Promise<string | undefined> {
    for (let d = dir; ; d = dirnameRel(d)) {
      if (!d.endsWith('node_modules')) {
        const candidate = d === '' ? `node_modules/${name}` : `${d}/node_modules/${name}`;
        if ((await this.resolver.kind(candidate)) === 'dir') {
          const real = await this.fs.realpath(candidate);
          if (real.ok) return real.path;
        }
      }
      if (d === '') return undefined;
    }
  }

  /** Names of the packages Node's resolution can find from a directory (every node_modules above it). */
  private visiblePackages(dir: string): Promise<string[]> {
    let p = this.visible.get(dir);
    if (!p) {
      p = (async () => {
        const names = new Set<string>();
        for (let d = dir; ; d = dirnameRel(d)) {
          if (!d.endsWith('node_modules') && !d.endsWith('/node_modules')) {
            const nm = d === '' ? 'node_modules' : `${d}/node_modules`;
            for (const n of (await this.fs.readdir(nm)) ?? []) {
              if (n.startsWith('.')) continue;
              if (n.startsWith('@')) for (const m of (await this.fs.readdir(`${nm}/${n}`)) ?? []) names.add(`${n}/${m}`);
              else names.add(n);
            }
          }
          if (d === '') break;
        }
        return [...names].sort();
      })();
      this.visible.set(dir, p);
    }
    return p;
  }
}
