/**
 * Knowledge the analyzer needs about built-in objects, as data: which calls return an object of
 * a known class (so that `server.listen()` becomes `http.Server#listen`), which methods return
 * their own object (chains), and which globals are references to built-ins.
 * Source of every entry: the Node.js v20 API documentation (nodejs.org/docs/latest-v20.x/api/),
 * the section named after the function (e.g. `http.createServer([options][, requestListener])`
 * returns `<http.Server>`).
 */

export interface FactoryEntry {
  /** API id of the call (normalised, `fs/promises.open` form). */
  api: string;
  /** Class of the returned object (or of the object a returned promise resolves to). */
  returns: string;
  source: string;
}

const doc = (page: string, section: string): string => `Node.js v20 API docs, ${page}.md: ${section}`;

export const FACTORIES: readonly FactoryEntry[] = [
  { api: 'http.createServer', returns: 'http.Server', source: doc('http', 'http.createServer() returns <http.Server>') },
  { api: 'https.createServer', returns: 'https.Server', source: doc('https', 'https.createServer() returns <https.Server>') },
  { api: 'http2.createServer', returns: 'http2.Http2Server', source: doc('http2', 'http2.createServer() returns <Http2Server>') },
  {
    api: 'http2.createSecureServer',
    returns: 'http2.Http2SecureServer',
    source: doc('http2', 'http2.createSecureServer() returns <Http2SecureServer>'),
  },
  { api: 'http2.connect', returns: 'http2.ClientHttp2Session', source: doc('http2', 'http2.connect() returns <ClientHttp2Session>') },
  { api: 'net.createServer', returns: 'net.Server', source: doc('net', 'net.createServer() returns <net.Server>') },
  { api: 'net.createConnection', returns: 'net.Socket', source: doc('net', 'net.createConnection() returns <net.Socket>') },
  { api: 'net.connect', returns: 'net.Socket', source: doc('net', 'net.connect() is an alias of net.createConnection()') },
  { api: 'tls.createServer', returns: 'tls.Server', source: doc('tls', 'tls.createServer() returns <tls.Server>') },
  { api: 'tls.connect', returns: 'tls.TLSSocket', source: doc('tls', 'tls.connect() returns <tls.TLSSocket>') },
  { api: 'dgram.createSocket', returns: 'dgram.Socket', source: doc('dgram', 'dgram.createSocket() returns <dgram.Socket>') },
  { api: 'http.request', returns: 'http.ClientRequest', source: doc('http', 'http.request() returns <http.ClientRequest>') },
  { api: 'http.get', returns: 'http.ClientRequest', source: doc('http', 'http.get() returns <http.ClientRequest>') },
  { api: 'https.request', returns: 'http.ClientRequest', source: doc('https', 'https.request() returns <http.ClientRequest>') },
  { api: 'https.get', returns: 'http.ClientRequest', source: doc('https', 'https.get() returns <http.ClientRequest>') },
  {
    api: 'child_process.spawn',
    returns: 'child_process.ChildProcess',
    source: doc('child_process', 'child_process.spawn() returns <ChildProcess>'),
  },
  {
    api: 'child_process.fork',
    returns: 'child_process.ChildProcess',
    source: doc('child_process', 'child_process.fork() returns <ChildProcess>'),
  },
  {
    api: 'child_process.exec',
    returns: 'child_process.ChildProcess',
    source: doc('child_process', 'child_process.exec() returns <ChildProcess>'),
  },
  {
    api: 'child_process.execFile',
    returns: 'child_process.ChildProcess',
    source: doc('child_process', 'child_process.execFile() returns <ChildProcess>'),
  },
  { api: 'fs.createReadStream', returns: 'fs.ReadStream', source: doc('fs', 'fs.createReadStream() returns <fs.ReadStream>') },
  { api: 'fs.createWriteStream', returns: 'fs.WriteStream', source: doc('fs', 'fs.createWriteStream() returns <fs.WriteStream>') },
  { api: 'fs.watch', returns: 'fs.FSWatcher', source: doc('fs', 'fs.watch() returns <fs.FSWatcher>') },
  { api: 'fs.opendirSync', returns: 'fs.Dir', source: doc('fs', 'fs.opendirSync() returns <fs.Dir>') },
  { api: 'fs/promises.open', returns: 'fs.FileHandle', source: doc('fs', 'fsPromises.open() fulfills with a <FileHandle>') },
  { api: 'fs/promises.opendir', returns: 'fs.Dir', source: doc('fs', 'fsPromises.opendir() fulfills with an <fs.Dir>') },
  {
    api: 'readline.createInterface',
    returns: 'readline.Interface',
    source: doc('readline', 'readline.createInterface() returns <readline.Interface>'),
  },
  { api: 'cluster.fork', returns: 'cluster.Worker', source: doc('cluster', 'cluster.fork() returns <cluster.Worker>') },
];

export const FACTORY_BY_API: ReadonlyMap<string, string> = new Map(FACTORIES.map((f) => [f.api, f.returns]));

/**
 * Methods documented to return their own object (`server.listen()` returns the server, and so
 * on), so chains keep the class. Source: the Returns lines of `server.listen()`, `emitter.on()`,
 * `socket.setTimeout()`, `socket.setNoDelay()`, `socket.setKeepAlive()`, `socket.ref()`.
 */
export const CHAINABLE_METHODS: ReadonlySet<string> = new Set([
  'listen',
  'on',
  'once',
  'addListener',
  'prependListener',
  'off',
  'removeListener',
  'setTimeout',
  'setNoDelay',
  'setKeepAlive',
  'setEncoding',
  'ref',
  'unref',
  'connect',
  'bind',
]);

/**
 * Global identifiers that denote built-ins (when not shadowed). `global`/`globalThis` are the
 * pseudo-module `global`; WHATWG globals are members of it (`global.fetch`).
 */
export const GLOBAL_FUNCTIONS: ReadonlySet<string> = new Set([
  'fetch',
  'WebSocket',
  'setTimeout',
  'setInterval',
  'setImmediate',
  'clearTimeout',
  'clearInterval',
  'clearImmediate',
  'queueMicrotask',
  'eval',
  'Function',
  'EventSource',
]);

/**
 * Built-in modules, and module members, that are plain data or pure computation: letting them
 * escape says nothing about syscalls, so it is not reported as an uncertainty (and no `.*`
 * use is emitted). Source: the module pages of the Node.js v20 API docs (none of these perform
 * I/O; `process.env` and friends are in-memory snapshots taken at startup).
 */
export const PURE_MODULES: ReadonlySet<string> = new Set([
  'path',
  'path/posix',
  'path/win32',
  'url',
  'querystring',
  'util',
  'util/types',
  'events',
  'assert',
  'assert/strict',
  'buffer',
  'string_decoder',
  'punycode',
  'stream',
  'stream/web',
]);

export const PURE_MEMBERS: ReadonlySet<string> = new Set([
  'process.env',
  'process.argv',
  'process.argv0',
  'process.execArgv',
  'process.platform',
  'process.pid',
  'process.ppid',
  'process.versions',
  'process.version',
  'process.execPath',
  'process.arch',
  'process.exitCode',
  'process.release',
  'process.config',
  'process.features',
  'process.title',
  'process.domain',
  'fs.constants',
  'os.EOL',
  'os.constants',
  'os.devNull',
  'crypto.constants',
  'zlib.constants',
  'http.STATUS_CODES',
  'http.METHODS',
  'process.nextTick',
  'process.emitWarning',
  'process.hrtime',
  'process.memoryUsage',
  'process.stdout',
  'process.stderr',
  'global.queueMicrotask',
  'global.clearTimeout',
  'global.clearInterval',
  'global.clearImmediate',
]);

/** Member names that keep the function they are read from: `fs.readFile.bind(…)`, `.call`, `.apply`. */
/**
 * EventEmitter methods: listener bookkeeping in memory on every object a factory returns (servers,
 * sockets, streams, child processes). Calling them makes no syscall, so they are not reported.
 * Source: https://github.com/nodejs/node/blob/v20.20.2/lib/events.js (signal listeners exist only
 * on `process`, which is a module here, not an instance).
 */
export const EMITTER_METHODS: ReadonlySet<string> = new Set([
  'on',
  'once',
  'off',
  'addListener',
  'removeListener',
  'prependListener',
  'prependOnceListener',
  'removeAllListeners',
  'emit',
  'listeners',
  'rawListeners',
  'listenerCount',
  'eventNames',
  'setMaxListeners',
  'getMaxListeners',
]);

export const FUNCTION_PASSTHROUGH_MEMBERS: ReadonlySet<string> = new Set(['bind', 'call', 'apply']);

/**
 * Helpers that return (a view of) their first argument: promisifiers and the module-interop
 * shims that compilers emit (TypeScript `__importDefault`/`__importStar`, Babel
 * `_interopRequireDefault`/`_interopRequireWildcard`, esbuild `__toESM`/`__toCommonJS`).
 */
export const PASSTHROUGH_CALLEE =
  /^(?:_*(?:interopRequireDefault|interopRequireWildcard|importDefault|importStar|toESM|toCommonJS|interopDefault)|promisify|pify)$/;
