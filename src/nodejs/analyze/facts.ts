/**
 * What one module says on its own, before any resolution: which modules it loads, which values
 * of built-in modules (or of other modules' exports, symbolically) it calls or lets escape, what
 * it exports, and what it does that no static analysis can follow. Facts depend only on the
 * file's text and the list of built-in module names, so they are cached per package version.
 *
 * Values are sets of `Ref`s (an empty set is "unknown"):
 * - `builtin`: a built-in module or a member path inside it (`fs` + `['promises', 'readFile']`);
 *   the global object is the pseudo-module `global`, `process` the module `process`.
 * - `import`: a member path of what another module (by specifier) exports, linked later.
 * - `instance`: an object returned by a known factory (`http.createServer()` → `http.Server`).
 * - `require`: the `require` function itself (or `createRequire(…)`'s result); with `via: 'import'`
 *   a function that does `import(x)` (`new Function('m', 'return import(m)')`, a common shim).
 */

export interface Pos {
  line: number;
  column: number;
}

export type Ref =
  | { k: 'builtin'; mod: string; path: string[] }
  | { k: 'import'; spec: string; via: 'require' | 'import'; path: string[] }
  | { k: 'instance'; cls: string; path: string[] }
  | { k: 'require'; via?: 'import' };

/** A literal argument as written (first three arguments of a call), or null. */
export type ArgLit =
  | null
  | { s: string }
  | { n: number }
  | { arr: string[] }
  | { env: string; dflt?: string | number }
  /** A path relative to the module's own directory (`__dirname`, `path.join(__dirname, 'x')`). */
  | { rel: string }
  /**
   * A URL built by a template whose scheme and host are written out (`http://127.0.0.1:${port}/`):
   * the host is known, the rest is not.
   */
  | { urlHost: string }
  | { obj: [string, ArgLit][] };

/**
 * - `call`/`new`: the value was called / constructed.
 * - `escape`: the value left the analyzer's sight (argument, stored, returned).
 * - `computed`: indexed with a computed key.
 * - `whole`: assumed used as a whole for another, already reported reason (unparsed file).
 */
export type UseMode = 'call' | 'new' | 'escape' | 'computed' | 'whole';

export interface UseFact {
  ref: Ref;
  mode: UseMode;
  at: Pos;
  /** Evaluated at module top level (outside any function body). */
  top: boolean;
  args?: ArgLit[];
}

export interface DepFact {
  spec: string;
  via: 'require' | 'import';
  /** `import()` (loaded later, asynchronously). */
  dynamic: boolean;
  top: boolean;
  at: Pos;
}

export type FactUncertaintyKind = 'dynamic-require' | 'dynamic-import' | 'eval' | 'new-function' | 'unparsed' | 'too-large';

export interface UncertaintyFact {
  kind: FactUncertaintyKind;
  at: Pos;
  message: string;
  assumption: string;
  /**
   * For code or a module name built at run time (eval, new Function, computed require/import):
   * - `strings`: assembled from the program's own values, with no sign of input from outside;
   * - `external`: read from a file, the network, the command line or the environment, or a path;
   * - for computed specifiers, `dir`: a literal directory prefix, relative (`'./locale/' + x` →
   *   `./locale`) or inside a package (`'caniuse-lite/data/' + x` → `caniuse-lite/data`).
   * Absent: not known (treated as `external`).
   */
  origin?: 'strings' | 'external';
  dir?: string;
  /** A direct `eval(…)`: the code sees the module's scope (its `require` and `module`). */
  direct?: boolean;
  /**
   * A computed require whose name is made to end in `.node` (`x.replace(/(\.node)?$/, '.node')`,
   * `x + '.node'`): it can only load a native addon.
   */
  addon?: boolean;
}

export interface ExportFacts {
  /** `module.exports = X` (CommonJS). */
  whole?: Ref[];
  /** Named exports that are references (pairs, so no name is ever an object key). */
  named: [string, Ref[]][];
  /** `export * from`, `__exportStar(require(…), exports)`, `module.exports = { ...x }`. */
  stars: Ref[];
}

export interface ModuleFacts {
  /** ES module syntax (import/export) seen: decides `default` interop. */
  esm: boolean;
  deps: DepFact[];
  uses: UseFact[];
  exports: ExportFacts;
  uncertainties: UncertaintyFact[];
  /** `.listen(…)` calls on any object, with their literal arguments: candidate ports. */
  listens: { at: Pos; top: boolean; args: ArgLit[] }[];
  /**
   * String literals whose text names an API root in code position (`process.kill(`, `require(`,
   * `import(`, `globalThis[`) or is such a root's name: what code generated at run time from this
   * file's strings could reach (first few of each scope only; `module`: `require`/`module`, which
   * only code evaluated inside a module sees). Absent when none.
   */
  codeRoots?: { text: string; scope: 'global' | 'module'; at: Pos }[];
  /** Built-in module names written as plain string literals outside require/import (`'fs'`). */
  builtinNames?: string[];
}

export const emptyExports = (): ExportFacts => ({ named: [], stars: [] });
