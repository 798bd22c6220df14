/**
 * Static analysis of a Node.js application: which built-in APIs it can reach from its entry
 * points, with the literal arguments it passes (commands, ports, paths), in which phase, and what
 * could not be followed. Pure core over an injected AppFs; see README.md.
 *
 * @example
 * const analysis = await analyzeNodeApp({ root: '/srv/app', fs: diskAppFs('/srv/app') });
 * analysis.apis.map((u) => u.api); // ['http.createServer', 'http.Server#listen', 'fs.readFile', …]
 */
import { builtinModules } from 'node:module';
import type { ApiUse, Location, Uncertainty } from '../types.js';
import { uniqueSorted } from '../../util/sort.js';
import { S, literalsFor, listenLiterals } from './api-literals.js';
import { ComputedModuleCandidates } from './computed-candidates.js';
import { installedPackages } from './installed-packages.js';
import { entryCandidates, resolveEntry } from './entry-points.js';
import { memberPath } from './refs.js';
import { type ArgLit, type DepFact, type ModuleFacts, type Ref, type UncertaintyFact, emptyExports } from './facts.js';
import { builtinApiId, constructorApiId, normalizeBuiltin } from './ids.js';
import { moduleFacts } from './module-facts.js';
import type { SourceKind } from './parse.js';
import { EMITTER_METHODS, PURE_MEMBERS, PURE_MODULES } from './objects.js';
import { PROCESS_BINDINGS } from './bindings.js';
import { NativeAddonFinder, addonLoaderOf } from './native-addons.js';
import { networkClients } from '../../knowledge/node-syscalls/network-clients.js';
import { posix } from 'node:path';
import {
  ANALYZER_VERSION,
  type AnalyzeInput,
  type AnalyzeLimits,
  type AnalyzeOptions,
  DEFAULT_LIMITS,
  type ClientCall,
  type ListenCandidate,
  type NodeAppAnalysis,
} from './options.js';
import type { PackageFacts } from './package-cache.js';
import { fileKey, hashList, packageDirOf } from './package-keys.js';
import { type Resolved, Resolver } from './resolve.js';
import { dedupeUncertainties, sortApis, sortByLocation, sortUncertainties } from './result-order.js';

export type { AppFs } from './app-fs.js';
export type { PackageCache, PackageFacts } from './package-cache.js';
export { literalsFor } from './api-literals.js';
export {
  ANALYZER_VERSION,
  type ClientCall,
  type AnalyzeInput,
  type AnalyzeLimits,
  type AnalyzeOptions,
  DEFAULT_LIMITS,
  type ListenCandidate,
  type NodeAppAnalysis,
} from './options.js';
export { packageDirOf } from './package-keys.js';

interface ModuleRecord {
  file: string;
  kind: 'js' | 'json' | 'addon';
  facts: ModuleFacts;
  named: Map<string, Ref[]>;
}

/**
 * One package cache entry, shared by every installed copy of that name@version. Its facts are
 * stored per file content (see fileKey): copies that differ, one of them modified, do not share
 * the facts of the files that differ.
 */
interface CacheEntry {
  key: string;
  facts: PackageFacts;
  dirty: boolean;
}

interface PackageSlot {
  dir: string;
  entry: CacheEntry;
}

const emptyFacts = (): ModuleFacts => ({ esm: false, deps: [], uses: [], exports: emptyExports(), uncertainties: [], listens: [] });

export async function analyzeNodeApp(input: AnalyzeInput, opts: AnalyzeOptions = {}): Promise<NodeAppAnalysis> {
  return new Analysis(input, opts).run();
}

class Analysis {
  private readonly limits: AnalyzeLimits;
  private readonly builtins: ReadonlySet<string>;
  private readonly resolver: Resolver;
  private readonly candidates: ComputedModuleCandidates;
  private readonly cacheSuffix: string;
  private readonly modules = new Map<string, ModuleRecord>();
  private readonly edges = new Map<string, Map<string, Resolved>>();
  private readonly depList = new Map<string, { dep: DepFact; target: Resolved }[]>();
  private readonly uncertainties: Uncertainty[] = [];
  private readonly nativeAddons: NativeAddonFinder;
  /** Files that require node-pre-gyp, whose `find()` returns the addon's path for the file to require. */
  private readonly pathFinders = new Set<string>();
  private readonly packages = new Map<string, Promise<PackageSlot | undefined>>();
  private readonly cacheEntries = new Map<string, Promise<CacheEntry>>();
  private readonly decoder = new TextDecoder();
  private readonly stats = { modules: 0, parsed: 0, fromCache: 0, bytesRead: 0 };
  private readonly seen = new Set<string>();
  private limitReported = false;

  constructor(
    private readonly input: AnalyzeInput,
    private readonly opts: AnalyzeOptions,
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
    const list = opts.builtinModules ?? builtinModules;
    this.builtins = new Set(list.map((m) => (m.startsWith('node:') ? m.slice(5) : m)));
    this.resolver = new Resolver(input.fs, this.builtins);
    this.candidates = new ComputedModuleCandidates(input.fs, this.resolver, this.limits.maxFiles);
    this.cacheSuffix = `${ANALYZER_VERSION}|builtins:${hashList([...this.builtins])}`;
    this.nativeAddons = new NativeAddonFinder(input.fs, (dir) => this.packageId(dir));
  }

  async run(): Promise<NodeAppAnalysis> {
    const entryPoints: { file: string; why: string }[] = [];
    for (const c of await entryCandidates(this.input.entry, this.resolver)) {
      const found = await resolveEntry(c.path, this.resolver);
      const real = found === undefined ? undefined : await this.input.fs.realpath(found);
      if (!real?.ok) {
        this.uncertainties.push({
          kind: real && !real.ok && real.reason === 'loop' ? 'symlink-loop' : 'missing-module',
          at: { file: c.path, line: 1, column: 1 },
          message: `entry point ${c.path} (${c.why}) does not exist`,
          assumption: 'the entry point contributes nothing; the application would fail to start the same way',
        });
        continue;
      }
      if (entryPoints.some((e) => e.file === real.path)) continue;
      entryPoints.push({ file: real.path, why: c.why });
    }
    if (entryPoints.length === 0 && this.uncertainties.length === 0) {
      this.uncertainties.push({
        kind: 'missing-module',
        at: { file: 'package.json', line: 1, column: 1 },
        message: 'no entry point: no given entry, no package.json main/bin/scripts.start, no index.js/server.js/app.js',
        assumption: 'nothing is reached; the application cannot be analysed without an entry point',
      });
    }

    await this.crawl(entryPoints.map((e) => e.file));
    const startup = this.startupModules(entryPoints.map((e) => e.file));
    const { apis, listenCandidates, clientCalls } = this.link(startup);
    await this.flushCache();
    const nativeAddons = await this.nativeAddons.addons();

    const reached = new Set<string>();
    for (const file of this.modules.keys()) {
      const dir = packageDirOf(file);
      if (dir !== undefined) reached.add(await this.packageId(dir));
    }
    const installed = await installedPackages(this.input.fs, this.resolver, this.limits.maxPackages);
    const unreached = [...installed].filter((p) => !reached.has(p));

    return {
      root: this.input.root,
      entryPoints,
      reachedFiles: this.modules.size,
      reachedPackages: uniqueSorted(reached),
      unreachedPackages: uniqueSorted(unreached),
      apis,
      uncertainties: sortUncertainties(
        dedupeUncertainties([
          ...this.uncertainties,
          ...this.resolver.badPackageJson.map((b): Uncertainty => ({
            kind: 'unparsed',
            at: { file: b.file, line: 1, column: 1 },
            message: `package.json ${b.message}`,
            assumption: 'the package is resolved as if it had no package.json (index files, no exports map)',
          })),
        ]),
      ),
      nativeAddons,
      listenCandidates,
      clientCalls,
      stats: { ...this.stats, modules: this.modules.size },
    };
  }

  // ---------------------------------------------------------------- crawl

  private async crawl(entries: string[]): Promise<void> {
    const queue: string[] = [];
    const enqueue = (file: string, from?: Location): void => {
      if (this.seen.has(file)) return;
      if (this.seen.size >= this.limits.maxFiles) {
        if (!this.limitReported) {
          this.limitReported = true;
          this.uncertainties.push({
            kind: 'too-large',
            at: from ?? { file, line: 1, column: 1 },
            message: `more than ${this.limits.maxFiles} modules are reachable; the rest were not analysed`,
            assumption: 'modules beyond the limit may use any API: every built-in module used as a whole',
          });
        }
        return;
      }
      this.seen.add(file);
      queue.push(file);
    };
    for (const e of entries) enqueue(e);
    // A small pool: reads overlap while parsing (synchronous) proceeds one file at a time.
    const worker = async (): Promise<void> => {
      for (let file = queue.shift(); file !== undefined; file = queue.shift()) {
        const rec = await this.load(file);
        this.modules.set(file, rec);
        const list: { dep: DepFact; target: Resolved }[] = [];
        const byKey = new Map<string, Resolved>();
        for (const dep of rec.facts.deps) {
          const target = await this.resolver.resolve(dep.spec, file, dep.via);
          list.push({ dep, target });
          byKey.set(`${dep.via}\0${dep.spec}`, target);
          const at = { file, ...dep.at };
          if (target.k === 'file') {
            const loader = addonLoaderOf(target.path);
            if (loader !== undefined && addonLoaderOf(file) === undefined) {
              this.nativeAddons.loaderReached({ dir: packageDirOf(file) ?? '', loader, at });
              if (loader === 'node-pre-gyp') this.pathFinders.add(file);
            }
            if (target.path.endsWith('.node')) {
              this.nativeAddons.loaded(target.path, at);
              this.uncertainties.push({
                kind: 'native-addon',
                at,
                message: `native addon ${target.path} loaded by ${JSON.stringify(dep.spec)}`,
                assumption: 'a native addon may make any system call: the whole runtime assumed for it',
              });
            }
            enqueue(target.path, at);
          } else if (target.k === 'missing') {
            this.uncertainties.push({
              kind: 'missing-module',
              at,
              message: `cannot resolve ${JSON.stringify(dep.spec)}: ${target.why}`,
              assumption: 'the module is absent, so it contributes nothing (Node would throw at this point)',
            });
          } else if (target.k === 'loop') {
            this.uncertainties.push({
              kind: 'symlink-loop',
              at,
              message: `${JSON.stringify(dep.spec)} leads into a symlink loop at ${target.path}`,
              assumption: 'the module cannot be loaded (ELOOP), so it contributes nothing',
            });
          }
        }
        for (const u of rec.facts.uncertainties) {
          if ((u.kind === 'dynamic-require' || u.kind === 'dynamic-import') && u.origin === 'strings') {
            for (const c of await this.candidates.forSite(file, u.kind === 'dynamic-require' ? 'require' : 'import', u.dir))
              enqueue(c, { file, ...u.at });
          }
        }
        this.depList.set(file, list);
        this.edges.set(file, byKey);
        // Let more files be discovered by other workers before this one finishes.
        if (queue.length === 0) await Promise.resolve();
      }
    };
    // Workers drain the queue; new files may be enqueued after a worker stopped, so loop.
    while (queue.length > 0) await Promise.all(Array.from({ length: Math.min(8, queue.length) }, () => worker()));
  }

  private async load(file: string): Promise<ModuleRecord> {
    const rec = (kind: ModuleRecord['kind'], facts: ModuleFacts): ModuleRecord => ({
      file,
      kind,
      facts,
      named: new Map(facts.exports.named),
    });
    if (file.endsWith('.json')) return rec('json', emptyFacts());
    if (file.endsWith('.node')) {
      this.nativeAddons.loaded(file, { file, line: 1, column: 1 });
      return rec('addon', emptyFacts());
    }
    const st = await this.input.fs.stat(file);
    const size = st?.size ?? 0;
    if (size > this.limits.maxScanBytes) {
      const f = emptyFacts();
      f.uncertainties.push({
        kind: 'too-large',
        at: { line: 1, column: 1 },
        message: `${size} bytes exceed the scan limit of ${this.limits.maxScanBytes}`,
        assumption: 'the file was not read: it may use any API, every built-in module used as a whole',
      });
      return rec('js', f);
    }
    const bytes = await this.input.fs.readFile(file);
    if (!bytes) return rec('js', emptyFacts());
    this.stats.bytesRead += bytes.byteLength;
    const kind = await this.resolver.sourceKind(file);
    const slot = await this.packageSlot(file);
    const key = slot ? fileKey(file.slice(slot.dir.length + 1), kind, bytes, bytes.byteLength <= this.limits.maxParseBytes) : undefined;
    if (slot && key !== undefined && Object.hasOwn(slot.entry.facts.files, key)) {
      this.stats.fromCache++;
      return rec('js', slot.entry.facts.files[key]!);
    }
    const facts = this.factsOf(file, bytes, kind);
    if (slot && key !== undefined) {
      slot.entry.facts.files[key] = facts;
      slot.entry.dirty = true;
    }
    return rec('js', facts);
  }

  private factsOf(file: string, bytes: Uint8Array, kind: SourceKind): ModuleFacts {
    let text = this.decoder.decode(bytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    this.stats.parsed++;
    const tooLarge =
      bytes.byteLength > this.limits.maxParseBytes
        ? `${bytes.byteLength} bytes exceed the parse limit of ${this.limits.maxParseBytes}`
        : undefined;
    return moduleFacts(file, text, kind, tooLarge === undefined ? { builtins: this.builtins } : { builtins: this.builtins, tooLarge });
  }

  private packageSlot(file: string): Promise<PackageSlot | undefined> {
    const cache = this.opts.cache;
    const dir = packageDirOf(file);
    if (!cache || dir === undefined) return Promise.resolve(undefined);
    let p = this.packages.get(dir);
    if (!p) {
      p = (async () => {
        const pj = await this.resolver.packageJson(dir);
        if (!pj?.name || !pj.version) return undefined;
        const key = `${pj.name}@${pj.version}|${this.cacheSuffix}`;
        // Copies of one version installed in several places share the entry: stored per copy,
        // the last would overwrite the files the others added.
        let entry = this.cacheEntries.get(key);
        if (!entry) {
          entry = cache.get(key).then((cached) => ({ key, facts: cached ?? { files: {} }, dirty: false }));
          this.cacheEntries.set(key, entry);
        }
        return { dir, entry: await entry };
      })();
      this.packages.set(dir, p);
    }
    return p;
  }

  private async flushCache(): Promise<void> {
    const cache = this.opts.cache;
    if (!cache) return;
    for (const p of this.cacheEntries.values()) {
      const entry = await p;
      if (entry.dirty) await cache.put(entry.key, entry.facts);
    }
  }

  private async packageId(dir: string): Promise<string> {
    const pj = await this.resolver.packageJson(dir);
    const name = pj?.name ?? dir.slice(dir.lastIndexOf('node_modules/') + 'node_modules/'.length);
    return `${name}@${pj?.version ?? 'unknown'}`;
  }

  private startupModules(entries: string[]): Set<string> {
    const out = new Set<string>();
    const stack = [...entries];
    while (stack.length > 0) {
      const f = stack.pop()!;
      if (out.has(f)) continue;
      out.add(f);
      for (const { dep, target } of this.depList.get(f) ?? []) {
        if (dep.top && !dep.dynamic && target.k === 'file') stack.push(target.path);
      }
    }
    return out;
  }

  // ---------------------------------------------------------------- link

  private readonly lookupMemo = new Map<string, Ref[]>();
  private readonly visiting = new Set<string>();

  /** What `path` of a module's exports denotes, as built-in (or instance) references. */
  private lookupExport(file: string, path: readonly string[]): Ref[] {
    const rec = this.modules.get(file);
    if (!rec || rec.kind !== 'js') return [];
    const key = `${file}\0${path.join('\0')}`;
    const memo = this.lookupMemo.get(key);
    if (memo) return memo;
    if (this.visiting.has(key) || this.visiting.size > 200) return [];
    this.visiting.add(key);
    const ex = rec.facts.exports;
    let p = path;
    if (!rec.facts.esm && p[0] === 'default' && !rec.named.has('default')) p = p.slice(1);
    let out: Ref[] = [];
    if (p.length === 0) {
      if (ex.whole) out = this.resolvePath(file, ex.whole, []);
      for (const s of ex.stars) out = out.concat(this.resolvePath(file, [s], []));
    } else {
      if (ex.whole) out = out.concat(this.resolvePath(file, ex.whole, p));
      const named = rec.named.get(p[0]!);
      if (named) out = out.concat(this.resolvePath(file, named, p.slice(1)));
      else for (const s of ex.stars) out = out.concat(this.resolvePath(file, [s], p));
    }
    this.visiting.delete(key);
    this.lookupMemo.set(key, out);
    return out;
  }

  /**
   * The terminal references of `path` read from `refs` (as written in `file`). Paths into another
   * module are looked up there (so `module.exports = require('./x')` followed by `.unlink` asks
   * x for `unlink`, whatever shape x's exports have).
   */
  private resolvePath(file: string, refs: readonly Ref[], path: readonly string[]): Ref[] {
    const out: Ref[] = [];
    for (const r of refs) {
      if (r.k === 'builtin' || r.k === 'instance') out.push(...memberPath([r], path));
      else if (r.k === 'import') {
        const target = this.edges.get(file)?.get(`${r.via}\0${r.spec}`);
        const full = [...r.path, ...path];
        if (target?.k === 'builtin') out.push(...memberPath([{ k: 'builtin', mod: target.name, path: [] }], full));
        else if (target?.k === 'file') out.push(...this.lookupExport(target.path, full));
      }
    }
    return out;
  }

  private link(startup: Set<string>): { apis: ApiUse[]; listenCandidates: ListenCandidate[]; clientCalls: ClientCall[] } {
    const apis = new Map<string, ApiUse>();
    const listenAt = new Set<string>();
    const add = (u: ApiUse): void => {
      const k = `${u.at.file}\0${u.at.line}\0${u.at.column}\0${u.api}`;
      const prev = apis.get(k);
      if (!prev) apis.set(k, u);
      else if (u.phase === 'serving') prev.phase = 'serving';
      if (u.api.endsWith('#listen')) listenAt.add(`${u.at.file}\0${u.at.line}\0${u.at.column}`);
    };
    const candidates: ListenCandidate[] = [];
    const clientCalls: ClientCall[] = [];
    this.strings = this.programStrings();

    for (const rec of this.modules.values()) {
      if (rec.kind !== 'js') continue;
      const file = rec.file;
      const atStartup = startup.has(file);
      const loader = addonLoaderOf(file);
      for (const u of rec.facts.uncertainties) {
        const at: Location = { file, ...u.at };
        if (u.kind === 'dynamic-require' && this.pathFinders.has(file)) {
          // node-pre-gyp's documented use: `require(binary.find(path.resolve('./package.json')))`.
          this.uncertainties.push({
            kind: 'native-addon',
            at,
            message: `${u.message}: this file requires node-pre-gyp, whose find() gives the path of the package's addon`,
            assumption: 'the .node files of this package are native addons, each widened for on its own',
          });
          continue;
        }
        if (loader !== undefined && (u.kind === 'dynamic-require' || u.kind === 'dynamic-import')) {
          // An addon loader's computed require loads a .node file of the package that calls it:
          // those files are the native addons reported (and widened for) one by one.
          this.uncertainties.push({
            kind: 'native-addon',
            at,
            message: `${u.message}: ${loader} loads a .node file of the package that calls it`,
            assumption: 'the .node files of every package that reaches this loader are native addons, each widened for on its own',
          });
          continue;
        }
        if (u.kind === 'dynamic-require' && u.addon === true) {
          // The name is made to end in `.node`: whatever path it is, it loads a native addon (a
          // build of the package's own, e.g. better-sqlite3's `nativeBinding` option).
          this.nativeAddons.computed(at, packageDirOf(file) ?? '');
          this.uncertainties.push({
            kind: 'native-addon',
            at,
            message: `${u.message}: the name ends in .node, so only a native addon can be loaded`,
            assumption: `a native addon of ${packageDirOf(file) ?? 'the application'} at a path given at run time, widened for as one`,
          });
          continue;
        }
        const judged = this.judge(u, at);
        this.uncertainties.push(judged);
        if (judged.kind === 'computed-module' && u.dir === undefined) {
          // A name built from strings may spell a built-in module only as some string does.
          for (const mod of this.spelledBuiltins(file)) add({ api: `${mod}.*`, at, phase: 'serving' });
        }
      }
      for (const use of rec.facts.uses) {
        const at: Location = { file, ...use.at };
        const phase = use.top && atStartup ? 'startup' : 'serving';
        const args = rootRelative(use.args, file);
        const client = this.clientCall(file, use, at, args);
        if (client) clientCalls.push(client);
        const terminals = use.ref.k === 'import' ? this.resolvePath(file, [use.ref], []) : [use.ref];
        for (const t of terminals) {
          const api = this.apiOf(t, use.mode, at, args);
          if (!api) continue;
          const u: ApiUse = { api, at, phase };
          const lits = literalsFor(api, args);
          if (lits) u.literals = lits;
          add(u);
          for (const via of bindingApis(api, use.args) ?? []) add({ api: via, at, phase });
        }
      }
      for (const l of rec.facts.listens) {
        const at: Location = { file, ...l.at };
        const c: ListenCandidate = { at, phase: l.top && atStartup ? 'startup' : 'serving' };
        const lits = listenLiterals(l.args);
        if (lits.port !== undefined) c.port = lits.port;
        if (lits.host !== undefined) c.host = lits.host;
        if (lits.env !== undefined) c.env = lits.env;
        candidates.push(c);
      }
    }
    const listenCandidates = candidates.filter((c) => !listenAt.has(`${c.at.file}\0${c.at.line}\0${c.at.column}`));
    return {
      apis: sortApis([...apis.values()]),
      listenCandidates: sortByLocation(listenCandidates),
      clientCalls: sortByLocation(clientCalls),
    };
  }

  /** A call or `new` of a known client package's opening export, made from outside that package. */
  private clientCall(file: string, use: ModuleFacts['uses'][number], at: Location, args: ArgLit[] | undefined): ClientCall | undefined {
    if (use.ref.k !== 'import' || (use.mode !== 'call' && use.mode !== 'new')) return undefined;
    const spec = use.ref.spec;
    const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec);
    const client = networkClients().get(name);
    if (!client || packageDirOf(file)?.endsWith(`node_modules/${name}`)) return undefined;
    if (this.edges.get(file)?.get(`${use.ref.via}\0${spec}`)?.k !== 'file') return undefined;
    const call = use.ref.path.filter((p) => p !== 'default').join('.');
    if (!client.calls.includes(call)) return undefined;
    return { package: name, call, at, args: args ?? [] };
  }

  private strings: ProgramStrings = { roots: [], builtinNames: new Map() };

  /**
   * Built-in modules a name computed in `file` could spell: those written as strings in the
   * file's own package, or in the application's own files (which configure it: a view engine,
   * a driver name). Pure modules contribute no syscalls.
   */
  private spelledBuiltins(file: string): string[] {
    const own = packageDirOf(file);
    const out = new Set<string>();
    for (const [dir, names] of this.strings.builtinNames) {
      if (dir === own || dir === undefined) for (const n of names) if (!PURE_MODULES.has(n)) out.add(n);
    }
    return [...out].sort();
  }

  /** What the strings of every reached file say (see dynamic-code.ts). */
  private programStrings(): ProgramStrings {
    const roots: ProgramStrings['roots'] = [];
    const names: ProgramStrings['builtinNames'] = new Map();
    let textOnly: Location | undefined;
    for (const rec of this.modules.values()) {
      if (rec.kind !== 'js') continue;
      for (const r of rec.facts.codeRoots ?? []) roots.push({ text: r.text, scope: r.scope, at: { file: rec.file, ...r.at } });
      for (const n of rec.facts.builtinNames ?? []) {
        const dir = packageDirOf(rec.file);
        const set = names.get(dir) ?? new Set<string>();
        set.add(n);
        names.set(dir, set);
      }
      const scanned = rec.facts.uncertainties.find((u) => u.kind === 'unparsed' || u.kind === 'too-large');
      if (scanned && !textOnly) textOnly = { file: rec.file, ...scanned.at };
    }
    const out: ProgramStrings = { roots: sortByLocation(roots), builtinNames: names };
    if (textOnly) out.textOnly = textOnly;
    return out;
  }

  /**
   * Code or a module name built at run time from the program's own strings (origin `strings`)
   * can only reach what those strings spell: generated code reaches the system only through a
   * root (process, require, import(), the global object) written in some string, and a computed
   * module name loads a package or file that exists, or a built-in module some string names.
   * Anything read from outside keeps the whole runtime.
   */
  private judge(u: UncertaintyFact, at: Location): Uncertainty {
    const base: Uncertainty = { kind: u.kind, at, message: u.message, assumption: u.assumption };
    if (u.origin !== 'strings') return base;
    if (u.kind === 'eval' || u.kind === 'new-function') {
      // Code from `new Function` or an indirect eval runs in the global scope: a module's own
      // `require`/`module` are not visible there, so strings spelling only those do not count.
      const root = this.strings.roots.find((r) => r.scope === 'global' || u.direct === true);
      if (!root && !this.strings.textOnly) {
        return {
          kind: 'generated-code',
          at,
          message: u.message,
          assumption: `the code is built at run time from the program’s own strings, and no string in any reached file names process, import(), fetch or the global object${u.direct ? ', require or module' : ''}: it can only call what it is handed, which is analysed here (code injected from input would be refused)`,
        };
      }
      const why = root
        ? `a string at ${root.at.file}:${root.at.line}:${root.at.column} spells ${JSON.stringify(root.text)}`
        : `${this.strings.textOnly!.file} could only be scanned as text`;
      return { ...base, assumption: `${u.assumption} (${why})` };
    }
    if (u.kind === 'dynamic-require' || u.kind === 'dynamic-import') {
      const spelled = this.spelledBuiltins(at.file);
      return {
        kind: 'computed-module',
        at,
        message: u.message,
        assumption:
          u.dir !== undefined
            ? `the name starts with the literal directory ${JSON.stringify(u.dir)}: every file under it is analysed as reached`
            : `the name is built from the program’s own strings: every package visible from here and every file of ${packageDirOf(at.file) ?? 'the application'} are analysed as reached, and a built-in module only as a string of ${packageDirOf(at.file) ?? 'the application'} or of the application spells it (${spelled.length > 0 ? spelled.map((m) => `${m}.*`).join(', ') : 'none'})`,
      };
    }
    return base;
  }

  /** The API id a terminal reference used in `mode` denotes (undefined: nothing to report). */
  private apiOf(t: Ref, mode: ModuleFacts['uses'][number]['mode'], at: Location, args?: ArgLit[]): string | undefined {
    if (t.k === 'instance')
      return mode === 'call' && t.path.length === 1 && !EMITTER_METHODS.has(t.path[0]!) ? `${t.cls}#${t.path[0]}` : undefined;
    if (t.k !== 'builtin') return undefined;
    if (t.mod === 'global' && t.path.length === 0) return undefined;
    if (t.mod === 'global' && (t.path[0] === 'Function' || t.path[0] === 'eval')) {
      // Calls were reported where they are (facts); a passed-on `eval` may be called anywhere.
      if (t.path[0] === 'eval' && mode === 'escape') {
        const u: UncertaintyFact = {
          kind: 'eval',
          at,
          message: 'eval is passed on and may be called with code built at run time',
          assumption: 'the evaluated code may call any API: the whole runtime assumed',
          origin: 'strings',
        };
        this.uncertainties.push(this.judge(u, at));
      }
      return undefined;
    }
    // A prototype object read (`Object.create(http.IncomingMessage.prototype)`) calls nothing.
    if (mode === 'escape' && t.path[t.path.length - 1] === 'prototype') return undefined;
    const n = normalizeBuiltin(t.mod, t.path, this.builtins);
    if (PURE_MODULES.has(n.mod)) return undefined;
    const whole = `${n.mod}.*`;
    const plain = builtinApiId(t.mod, t.path, this.builtins);
    if (isPureMember(plain)) return undefined;
    let api: string;
    if (n.path.length === 0) {
      api = whole;
      if (mode !== 'whole') {
        this.uncertainties.push({
          kind: 'computed-member',
          at,
          message:
            mode === 'computed'
              ? `module ${n.mod} is indexed with a computed key`
              : mode === 'call' || mode === 'new'
                ? `module ${n.mod} is called as a function`
                : `module ${n.mod} is passed on or stored where the analyzer cannot follow it`,
          assumption: `module ${n.mod} used as a whole (${whole})`,
        });
      }
    } else if (mode === 'new') api = constructorApiId(t.mod, t.path, this.builtins);
    else if (mode === 'computed') api = `${plain}.*`;
    else api = plain;
    this.special(api, at, args);
    return api;
  }

  /** APIs that are themselves a reason for doubt. */
  private special(api: string, at: Location, args: ArgLit[] | undefined): void {
    if (api.startsWith('vm.')) {
      this.uncertainties.push({
        kind: 'vm',
        at,
        message: `${api} runs code built at run time`,
        assumption: 'the code run may call any API: the whole runtime assumed',
      });
    } else if (bindingApis(api, args) !== undefined) {
      // A named binding from the allow-list: its APIs were added where it is used.
    } else if (api === 'process.binding' || api === 'process._linkedBinding') {
      this.uncertainties.push({
        kind: 'process-binding',
        at,
        message: `${api} reaches Node's internal bindings directly`,
        assumption: 'internal bindings may make any system call the runtime can: the whole runtime assumed',
      });
    } else if (api === 'process.dlopen') {
      this.nativeAddons.dlopen(at);
      this.uncertainties.push({
        kind: 'native-addon',
        at,
        message: 'process.dlopen loads a native addon',
        assumption: 'a native addon may make any system call',
      });
    }
  }
}

/** The APIs `process.binding('<literal>')` reaches (bindings.ts); undefined when not that or not known. */
function bindingApis(api: string, args: readonly ArgLit[] | undefined): readonly string[] | undefined {
  if (api !== 'process.binding') return undefined;
  const name = S(args?.[0]);
  return name === undefined ? undefined : (PROCESS_BINDINGS.get(name) ?? undefined);
}

interface ProgramStrings {
  /** Strings naming an API root in code position, in every reached file. */
  roots: { text: string; scope: 'global' | 'module'; at: Location }[];
  /** Built-in module names written as strings (not as require/import specifiers), by package directory (undefined: the application's own files). */
  builtinNames: Map<string | undefined, Set<string>>;
  /** A reached file only scanned as text: its strings are not known. */
  textOnly?: Location;
}

function isPureMember(api: string): boolean {
  for (const p of PURE_MEMBERS) if (api === p || api.startsWith(`${p}.`)) return true;
  return false;
}

/**
 * Arguments with paths relative to the calling module (`{ rel }`) made relative to the root, so
 * they read as every other path; one that leaves the root stays as written.
 */
function rootRelative(args: ArgLit[] | undefined, file: string): ArgLit[] | undefined {
  if (!args?.some((a) => a !== null && ('rel' in a || 'obj' in a))) return args;
  const one = (a: ArgLit): ArgLit => {
    if (a === null) return a;
    if ('rel' in a) {
      const p = posix.normalize(posix.join(posix.dirname(file), a.rel));
      return { s: p.startsWith('..') ? posix.join('<module directory>', a.rel) : p };
    }
    if ('obj' in a) return { obj: a.obj.map(([k, v]) => [k, one(v)]) };
    return a;
  };
  return args.map(one);
}
