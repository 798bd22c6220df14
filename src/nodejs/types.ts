/**
 * Contracts of the Node.js intent analysis: the static analyzer (src/nodejs/analyze) reports which
 * Node.js APIs an application can reach, by API id; the API → syscall map (src/knowledge/node-syscalls)
 * says which Linux syscalls each API id makes. The profile builder joins the two.
 *
 * API ids
 * - `<module>.<export>` for functions and properties of built-in modules: `fs.readFile`,
 *   `fs.promises.readFile` (= `fs/promises.readFile`, normalised to the `fs/promises` form),
 *   `child_process.spawn`, `net.createServer`, `dns.lookup`, `process.kill`, `crypto.randomBytes`.
 * - `<module>.<Class>#<method>` for methods of objects an API returns or a class it exports, when
 *   the analyzer can follow the object: `net.Server#listen`, `http.Server#listen`,
 *   `net.Socket#connect`, `dgram.Socket#bind`, `fs.FileHandle#read`, `worker_threads.Worker#constructor`.
 * - `<module>.*` when a module is used in a way the analyzer cannot follow (passed around, indexed
 *   with a computed key): the map's conservative superset for that module.
 * - Globals: `global.fetch`, `global.WebSocket`, `global.setTimeout` (module `global`).
 */

export interface Location {
  /** Path relative to the application root (posix). */
  file: string;
  line: number;
  column: number;
}

export interface ApiUse {
  api: string;
  at: Location;
  /** Literal arguments the analyzer could read (commands, ports, hosts, paths), as written. */
  literals?: {
    command?: string;
    args?: string[];
    port?: number;
    host?: string;
    /** The host is read from this environment variable (with this default when unset). */
    hostEnv?: string;
    hostDefault?: string;
    path?: string;
    flags?: string;
  };
  /** `startup` when provably only reached during startup (top level before the event loop), else `serving`. */
  phase?: 'startup' | 'serving';
}

/** Something the analysis could not follow; the result widens accordingly and says so. */
export interface Uncertainty {
  kind:
    | 'dynamic-require'
    | 'dynamic-import'
    | 'eval'
    | 'new-function'
    | 'vm'
    | 'native-addon'
    | 'process-binding'
    | 'unparsed'
    | 'missing-module'
    | 'too-large'
    | 'symlink-loop'
    | 'computed-member'
    /** Code generated from the program's own strings that can name no API root: not widened. */
    | 'generated-code'
    /** require/import of a name built from the program's strings: its candidates are analysed, not widened. */
    | 'computed-module';
  at: Location;
  message: string;
  /** What the analysis assumed instead (e.g. `module fs used as a whole`, `all of the runtime's syscalls`). */
  assumption: string;
}

export interface NodeAnalysis {
  root: string;
  entryPoints: { file: string; why: string }[];
  /** Files reached from the entry points (relative), and the packages they belong to (name@version). */
  reachedFiles: number;
  reachedPackages: string[];
  unreachedPackages: string[];
  apis: ApiUse[];
  uncertainties: Uncertainty[];
  /** Native addons (`.node` files) the reached code can load: their syscalls are not Node's. */
  nativeAddons: NativeAddon[];
}

/** A native addon the application can load, and how the analysis knows. */
export interface NativeAddon {
  /** The package it belongs to (`name@version`), or `the application`. */
  package: string;
  /** The `.node` file (relative to the root); absent when a loader is reached but no file is installed. */
  file?: string;
  /** How it was found: loaded by path, or by which loader, and the layout it sits in. */
  how: string;
  /** The code that loads it (the `require` of the file or of its loader, `process.dlopen`). */
  at: Location;
  /** true: an ELF object; false: not one (dlopen refuses it, so it cannot run); absent: not checked. */
  elf?: boolean;
}
