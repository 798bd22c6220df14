/**
 * Node's module resolution over an AppFs (nodejs.org/api/modules.html "All together", and
 * nodejs.org/api/esm.html "Resolution algorithm specification" for `exports`/`imports`):
 * built-ins (`node:` or bare), relative files with extension probing, directories (package.json
 * `main`, then index.*), bare specifiers up the node_modules chain, package `exports` with
 * conditions and `*` patterns, package `imports` (`#x`), and self-reference by package name.
 * Deliberately lenient where Node is strict (ESM relative imports are probed for extensions too):
 * the analyzer must find whatever could be loaded, not reject what Node would.
 * A module's identity is its real path, as in Node (symlinks resolved).
 */
import { type AppFs, dirnameRel, joinRel } from './app-fs.js';
import { builtinName } from './ids.js';
import { errorMessage } from '../../model/errors.js';

export type Resolved =
  { k: 'builtin'; name: string } | { k: 'file'; path: string } | { k: 'missing'; why: string } | { k: 'loop'; path: string };

export interface PackageJson {
  name?: string;
  version?: string;
  main?: string;
  type?: string;
  exports?: unknown;
  imports?: unknown;
  bin?: unknown;
  scripts?: Record<string, unknown>;
}

const FILE_EXTENSIONS = ['.js', '.json', '.node', '.mjs', '.cjs'];
const INDEX_FILES = ['index.js', 'index.json', 'index.node', 'index.mjs', 'index.cjs'];
const MAX_PACKAGE_JSON_BYTES = 4 * 1024 * 1024;

export class Resolver {
  private readonly statCache = new Map<string, Promise<'file' | 'dir' | undefined>>();
  private readonly pkgCache = new Map<string, Promise<PackageJson | undefined>>();
  private readonly scopeCache = new Map<string, Promise<string | undefined>>();
  private readonly resolveCache = new Map<string, Promise<Resolved>>();
  private readonly decoder = new TextDecoder();
  /** package.json files that exist but could not be used: resolution then ignores them, and says so. */
  readonly badPackageJson: { file: string; message: string }[] = [];

  constructor(
    private readonly fs: AppFs,
    private readonly builtins: ReadonlySet<string>,
  ) {}

  kind(rel: string): Promise<'file' | 'dir' | undefined> {
    let p = this.statCache.get(rel);
    if (!p) {
      p = this.fs.stat(rel).then((s) => (s?.kind === 'file' ? 'file' : s?.kind === 'dir' ? 'dir' : undefined));
      this.statCache.set(rel, p);
    }
    return p;
  }

  /** The parsed package.json of a directory (undefined when absent, too large or not an object). */
  packageJson(dir: string): Promise<PackageJson | undefined> {
    let p = this.pkgCache.get(dir);
    if (!p) {
      p = this.readPackageJson(dir);
      this.pkgCache.set(dir, p);
    }
    return p;
  }

  private async readPackageJson(dir: string): Promise<PackageJson | undefined> {
    const file = dir === '' ? 'package.json' : `${dir}/package.json`;
    if ((await this.kind(file)) !== 'file') return undefined;
    const st = await this.fs.stat(file);
    if (!st || st.size > MAX_PACKAGE_JSON_BYTES) {
      this.badPackageJson.push({ file, message: `larger than ${MAX_PACKAGE_JSON_BYTES} bytes` });
      return undefined;
    }
    const bytes = await this.fs.readFile(file);
    if (!bytes) return undefined;
    try {
      const v: unknown = JSON.parse(this.decoder.decode(bytes));
      if (v === null || typeof v !== 'object' || Array.isArray(v)) {
        this.badPackageJson.push({ file, message: 'not a JSON object' });
        return undefined;
      }
      const o = v as Record<string, unknown>;
      const pj: PackageJson = {};
      if (typeof o['name'] === 'string') pj.name = o['name'];
      if (typeof o['version'] === 'string') pj.version = o['version'];
      if (typeof o['main'] === 'string') pj.main = o['main'];
      if (typeof o['type'] === 'string') pj.type = o['type'];
      if (o['exports'] !== undefined) pj.exports = o['exports'];
      if (o['imports'] !== undefined) pj.imports = o['imports'];
      if (o['bin'] !== undefined) pj.bin = o['bin'];
      if (o['scripts'] && typeof o['scripts'] === 'object' && !Array.isArray(o['scripts']))
        pj.scripts = o['scripts'] as Record<string, unknown>;
      return pj;
    } catch (err) {
      this.badPackageJson.push({ file, message: `not valid JSON: ${errorMessage(err)}` });
      return undefined;
    }
  }

  /** The directory of the nearest package.json at or above `dir` (the package scope). */
  scopeOf(dir: string): Promise<string | undefined> {
    let p = this.scopeCache.get(dir);
    if (!p) {
      p = (async () => {
        if ((await this.kind(dir === '' ? 'package.json' : `${dir}/package.json`)) === 'file') return dir;
        if (dir === '' || dir.endsWith('/node_modules') || dir === 'node_modules') return undefined;
        return this.scopeOf(dirnameRel(dir));
      })();
      this.scopeCache.set(dir, p);
    }
    return p;
  }

  /** How a JavaScript file is parsed: by extension, then the package scope's `type`. */
  async sourceKind(file: string): Promise<'module' | 'commonjs' | 'unambiguous'> {
    if (file.endsWith('.mjs')) return 'module';
    if (file.endsWith('.cjs')) return 'commonjs';
    const scope = await this.scopeOf(dirnameRel(file));
    const pj = scope === undefined ? undefined : await this.packageJson(scope);
    return pj?.type === 'module' ? 'module' : 'unambiguous';
  }

  resolve(spec: string, fromFile: string, via: 'require' | 'import'): Promise<Resolved> {
    const dir = dirnameRel(fromFile);
    // Relative specifiers depend on the directory; bare ones on the directory too (node_modules chain).
    const key = `${via}\0${dir}\0${spec}`;
    let p = this.resolveCache.get(key);
    if (!p) {
      p = this.resolveUncached(spec, dir, via);
      this.resolveCache.set(key, p);
    }
    return p;
  }

  private async resolveUncached(spec: string, dir: string, via: 'require' | 'import'): Promise<Resolved> {
    const b = builtinName(spec, this.builtins);
    if (b) return { k: 'builtin', name: b };
    if (spec === '' || spec.includes('\0')) return { k: 'missing', why: 'empty specifier' };
    if (spec.startsWith('/')) return { k: 'missing', why: 'absolute paths are outside the application' };
    if (spec.startsWith('file:') || /^[a-z][a-z0-9+.-]*:/i.test(spec)) return { k: 'missing', why: 'URL specifiers are not followed' };
    if (spec === '.' || spec === '..' || spec.startsWith('./') || spec.startsWith('../')) {
      const target = joinRel(dir, spec);
      if (target === undefined) return { k: 'missing', why: 'climbs above the application root' };
      return this.finish(await this.loadFileOrDir(target));
    }
    const conditions = via === 'require' ? ['node', 'require', 'default'] : ['node', 'import', 'default'];
    if (spec.startsWith('#')) return this.resolveImports(spec, dir, conditions, via);
    return this.resolvePackage(spec, dir, conditions);
  }

  /** A file path found (maybe through symlinks) → its real path, or why not. */
  private async finish(found: string | undefined | Resolved): Promise<Resolved> {
    if (found === undefined) return { k: 'missing', why: 'no such file' };
    if (typeof found !== 'string') return found;
    const real = await this.fs.realpath(found);
    if (real.ok) return { k: 'file', path: real.path };
    if (real.reason === 'loop') return { k: 'loop', path: found };
    return { k: 'missing', why: real.reason === 'outside' ? 'a symlink leads outside the application' : 'no such file' };
  }

  async loadFileOrDir(target: string): Promise<string | undefined> {
    return (await this.loadAsFile(target)) ?? (await this.loadAsDirectory(target));
  }

  private async loadAsFile(x: string): Promise<string | undefined> {
    if (x !== '' && (await this.kind(x)) === 'file') return x;
    for (const ext of FILE_EXTENSIONS) {
      if (x !== '' && (await this.kind(x + ext)) === 'file') return x + ext;
    }
    return undefined;
  }

  private async loadIndex(x: string): Promise<string | undefined> {
    for (const name of INDEX_FILES) {
      const f = x === '' ? name : `${x}/${name}`;
      if ((await this.kind(f)) === 'file') return f;
    }
    return undefined;
  }

  private async loadAsDirectory(x: string): Promise<string | undefined> {
    if ((await this.kind(x)) !== 'dir') return undefined;
    const pj = await this.packageJson(x);
    if (pj?.main) {
      const m = joinRel(x, pj.main);
      if (m !== undefined) {
        const found = (await this.loadAsFile(m)) ?? (await this.loadIndex(m));
        if (found) return found;
      }
    }
    return this.loadIndex(x);
  }

  private async resolvePackage(spec: string, dir: string, conditions: string[]): Promise<Resolved> {
    const parts = spec.split('/');
    const nameLen = spec.startsWith('@') ? 2 : 1;
    if (parts.length < nameLen || parts.slice(0, nameLen).some((p) => p === '' || p === '.' || p === '..')) {
      return { k: 'missing', why: 'invalid package name' };
    }
    const name = parts.slice(0, nameLen).join('/');
    const subpath = parts.length > nameLen ? `./${parts.slice(nameLen).join('/')}` : '.';

    // Self-reference: a package importing itself by name through its own `exports`.
    const scope = await this.scopeOf(dir);
    if (scope !== undefined) {
      const pj = await this.packageJson(scope);
      if (pj?.name === name && pj.exports !== undefined) return this.resolveExports(scope, pj.exports, subpath, conditions);
    }

    for (let d: string | undefined = dir; d !== undefined; d = d === '' ? undefined : dirnameRel(d)) {
      if (d === 'node_modules' || d.endsWith('/node_modules')) continue;
      const candidate = d === '' ? `node_modules/${name}` : `${d}/node_modules/${name}`;
      const real = await this.fs.realpath(candidate);
      if (!real.ok) {
        if (real.reason === 'loop') return { k: 'loop', path: candidate };
        continue;
      }
      if ((await this.kind(real.path)) !== 'dir') continue;
      const pj = await this.packageJson(real.path);
      if (pj?.exports !== undefined && pj.exports !== null) return this.resolveExports(real.path, pj.exports, subpath, conditions);
      const target = subpath === '.' ? real.path : joinRel(real.path, subpath);
      if (target === undefined) return { k: 'missing', why: 'climbs out of the package' };
      return this.finish(await this.loadFileOrDir(target));
    }
    return { k: 'missing', why: `package ${name} is not installed` };
  }

  private async resolveExports(pkgDir: string, exportsField: unknown, subpath: string, conditions: string[]): Promise<Resolved> {
    const map = normalizeExports(exportsField);
    if (!map) return { k: 'missing', why: 'invalid exports field' };
    const target = matchTarget(map, subpath, conditions, false);
    if (target === undefined || target === null) return { k: 'missing', why: `${subpath} is not exported` };
    if (!target.startsWith('./')) return { k: 'missing', why: 'invalid exports target' };
    const file = joinRel(pkgDir, target);
    if (file === undefined || (pkgDir !== '' && !(file === pkgDir || file.startsWith(`${pkgDir}/`)))) {
      return { k: 'missing', why: 'exports target climbs out of the package' };
    }
    // Node requires the exact file; probing too keeps lenient for hand-written targets.
    return this.finish((await this.kind(file)) === 'file' ? file : await this.loadAsFile(file));
  }

  private async resolveImports(spec: string, dir: string, conditions: string[], via: 'require' | 'import'): Promise<Resolved> {
    const scope = await this.scopeOf(dir);
    if (scope === undefined) return { k: 'missing', why: 'no package.json for #imports' };
    const pj = await this.packageJson(scope);
    const imports = pj?.imports;
    if (!imports || typeof imports !== 'object' || Array.isArray(imports)) return { k: 'missing', why: 'no imports field' };
    const target = matchTarget(imports as Record<string, unknown>, spec, conditions, true);
    if (target === undefined || target === null) return { k: 'missing', why: `${spec} is not in imports` };
    if (target.startsWith('./')) {
      const file = joinRel(scope, target);
      if (file === undefined) return { k: 'missing', why: 'imports target climbs above the root' };
      return this.finish((await this.kind(file)) === 'file' ? file : await this.loadAsFile(file));
    }
    if (target.startsWith('#') || target.startsWith('.') || target.startsWith('/')) return { k: 'missing', why: 'invalid imports target' };
    // A bare target is a package (or built-in), resolved from the package's own directory.
    return this.resolve(target, scope === '' ? 'package.json' : `${scope}/package.json`, via);
  }
}

/** `exports` in its subpath-map form: `"./x"` keys; sugar (string, array, conditions) → `{".": …}`. */
function normalizeExports(field: unknown): Record<string, unknown> | undefined {
  if (typeof field === 'string' || Array.isArray(field)) return { '.': field };
  if (field === null || typeof field !== 'object') return undefined;
  const keys = Object.keys(field);
  const dotted = keys.filter((k) => k.startsWith('.'));
  if (dotted.length === 0) return { '.': field };
  if (dotted.length !== keys.length) return undefined;
  return field as Record<string, unknown>;
}

/** PACKAGE_IMPORTS_EXPORTS_RESOLVE: exact key, then the longest matching `*` pattern. */
function matchTarget(map: Record<string, unknown>, key: string, conditions: string[], bareAllowed: boolean): string | null | undefined {
  if (Object.prototype.hasOwnProperty.call(map, key) && !key.includes('*')) {
    return resolveTarget(map[key], '', conditions, bareAllowed, 0);
  }
  let best: { k: string; match: string } | undefined;
  for (const k of Object.keys(map)) {
    const star = k.indexOf('*');
    if (star < 0 || k.indexOf('*', star + 1) >= 0) continue;
    const prefix = k.slice(0, star);
    const suffix = k.slice(star + 1);
    if (key.length < k.length || !key.startsWith(prefix) || !key.endsWith(suffix)) continue;
    if (!best || prefix.length > best.k.indexOf('*') || (prefix.length === best.k.indexOf('*') && k.length > best.k.length)) {
      best = { k, match: key.slice(prefix.length, key.length - suffix.length) };
    }
  }
  if (best) return resolveTarget(map[best.k], best.match, conditions, bareAllowed, 0);
  return undefined;
}

function resolveTarget(t: unknown, match: string, conditions: string[], bareAllowed: boolean, depth: number): string | null | undefined {
  if (depth > 16) return undefined;
  if (typeof t === 'string') {
    if (!t.startsWith('./') && !bareAllowed) return undefined;
    return t.replaceAll('*', match);
  }
  if (t === null) return null;
  if (Array.isArray(t)) {
    for (const item of t) {
      const r = resolveTarget(item, match, conditions, bareAllowed, depth + 1);
      if (r !== undefined && r !== null) return r;
    }
    return undefined;
  }
  if (typeof t === 'object') {
    for (const [cond, value] of Object.entries(t as Record<string, unknown>)) {
      if (cond !== 'default' && !conditions.includes(cond)) continue;
      const r = resolveTarget(value, match, conditions, bareAllowed, depth + 1);
      if (r !== undefined) return r;
    }
  }
  return undefined;
}
