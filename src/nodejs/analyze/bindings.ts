/**
 * What `process.binding(name)` hands out, as the API ids whose syscalls it can make. Node.js 20
 * allows exactly these names (lib/internal/bootstrap/realm.js, `processBindingAllowList`,
 * https://github.com/nodejs/node/blob/v20.x/lib/internal/bootstrap/realm.js); every other name
 * throws `No such module`. `bindings.test.ts` checks the list against the running Node.js.
 *
 * `null`: the binding compiles and runs code (contextify is what `vm` is built on), so nothing
 * narrower than the whole runtime can be said.
 */
export const PROCESS_BINDINGS: ReadonlyMap<string, readonly string[] | null> = new Map<string, readonly string[] | null>([
  ['async_wrap', []], // async hook bookkeeping, in memory
  ['buffer', []], // Buffer internals (kStringMaxLength, byteLengthUtf8 …)
  ['cares_wrap', ['dns.*']], // the resolver behind dns
  ['config', []], // build configuration flags
  ['constants', []], // errno/signal/fs constant tables
  ['contextify', null], // ContextifyScript, compileFunction: runs code
  ['crypto', ['crypto.*']],
  ['fs', ['fs.*']], // the raw fs calls behind fs
  ['fs_event_wrap', ['fs.watch']], // inotify handles
  ['http_parser', []], // llhttp, parses buffers in memory
  ['icu', []], // ICU conversions, in memory
  ['inspector', ['inspector.*']],
  ['js_stream', []], // a stream implemented in JavaScript
  ['natives', []], // the built-in modules' source text
  ['os', ['os.*']],
  ['pipe_wrap', ['net.*']], // Unix domain socket / pipe handles
  ['process_wrap', ['child_process.*']], // uv_spawn
  ['signal_wrap', ['process.on']], // signal handles (rt_sigaction is in the runtime floor)
  ['spawn_sync', ['child_process.*']],
  ['stream_wrap', ['net.*']], // read/write on stream handles
  ['tcp_wrap', ['net.*']],
  ['tls_wrap', ['tls.*']],
  ['tty_wrap', ['tty.*']], // TTY handles, guessHandleType
  ['udp_wrap', ['dgram.*']],
  ['url', []], // the URL parser
  ['util', ['tty.isatty']], // guessHandleType (fstat, ioctl) and in-memory helpers
  ['uv', []], // error names and the errno map
  ['v8', ['v8.*']],
  ['zlib', ['zlib.*']],
]);
