/**
 * The strace side of the Node.js API → syscall map: run a snippet under `strace -f`, read the
 * syscall names out of the trace, and compare them with the map. Used by `generate.mjs` (the CLI)
 * and by the map's own test, which runs the same check on a subset of snippets.
 *
 * Conditions mirror Charter's seccomp emitter: clone3 and io_uring_* are answered ENOSYS (strace
 * fault injection), so the trace shows the fallback paths (glibc clone, libuv's thread pool) that a
 * container under the emitted profile takes. io_uring modes:
 * - `off` (default): UV_USE_IO_URING=0, libuv never asks (Node 20.x's default since the
 *   CVE-2024-22017 fix; with io_uring on, Node refuses process.setuid and friends);
 * - `enosys`: UV_USE_IO_URING=1, so libuv asks for io_uring and is told ENOSYS, as under the
 *   emitted profile when a build or the environment turns io_uring on;
 * - `on`: io_uring allowed and requested, to list what libuv's io_uring paths add.
 */
import { spawn } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdir, mkdtemp, open, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request as httpRequest, createServer as createHttpServer } from 'node:http';
import { connect as http2Connect, createServer as createHttp2Server } from 'node:http2';
import { connect as netConnect, createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

/** What the seccomp emitter answers with ENOSYS; injected the same way under strace. */
export const ENOSYS_INJECTED = ['clone3', 'io_uring_enter', 'io_uring_register', 'io_uring_setup'];

// `PID name(` / `name(` (entry or complete call) and `PID <... name resumed>` (second half).
const CALL = /^(?:\d+\s+)?(?:\[pid\s+\d+\]\s+)?([a-z_][a-z0-9_]*)\(/;
const RESUMED = /^(?:\d+\s+)?(?:\[pid\s+\d+\]\s+)?<\.\.\. ([a-z_][a-z0-9_]*) resumed>/;

/**
 * Syscall names and their call counts in strace output. A call split by another thread
 * (`<unfinished ...>` … `<... x resumed>`) counts once; signal lines (`--- SIGCHLD ... ---`), exit
 * lines (`+++ exited +++`) and strace's own messages are skipped. Never throws.
 * @param {string} text
 * @returns {Map<string, number>}
 */
export function parseStrace(text) {
  const counts = new Map();
  for (const raw of String(text).split('\n')) {
    const line = raw.trimStart();
    if (line === '' || line.startsWith('---') || line.startsWith('+++') || line.startsWith('strace:')) continue;
    if (RESUMED.test(line)) continue;
    const pidless = line.replace(/^\d+\s+/, '');
    if (pidless.startsWith('---') || pidless.startsWith('+++')) continue;
    const m = CALL.exec(line);
    if (m === null || m[1] === undefined) continue;
    counts.set(m[1], (counts.get(m[1]) ?? 0) + 1);
  }
  return counts;
}

/**
 * Files every snippet finds in its working directory, created before tracing starts so that
 * creating them does not show up in the snippet's trace: `f.txt` (a small file), `d/` (a directory
 * with one file), `e/` (an empty directory), `l` (a symlink to f.txt) and `child.js` (a script that
 * exits, for fork and cluster).
 * @param {string} dir
 */
async function prepareScratch(dir) {
  await writeFile(join(dir, 'f.txt'), 'hello\n');
  await mkdir(join(dir, 'd'));
  await writeFile(join(dir, 'd', 'a.txt'), 'a\n');
  await mkdir(join(dir, 'e'));
  await symlink('f.txt', join(dir, 'l'));
  await writeFile(join(dir, 'child.js'), 'if (process.send) process.send("x", () => process.exit(0)); else process.exit(0);\n');
}

/**
 * Local peers for client snippets, run in this (untraced) process so that their syscalls stay out
 * of the trace: an HTTP/1.1 server, an h2c server, a TCP server that closes each connection after
 * reading, and a UDP sink. All bind 127.0.0.1 on ports the kernel picks.
 * @returns {Promise<{ env: Record<string, string>, close: () => Promise<void> }>}
 */
export async function startPeers() {
  const http = createHttpServer((req, res) => {
    req.resume();
    res.setHeader('connection', 'close');
    res.end('ok');
  });
  const h2 = createHttp2Server((req, res) => res.end('ok'));
  const tcp = createNetServer((s) => {
    s.on('error', () => {});
    s.once('data', () => s.end());
    s.setTimeout(2000, () => s.destroy());
  });
  const udp = createSocket('udp4');
  const listen = (srv) => new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv.address().port)));
  const [httpPort, h2Port, tcpPort] = [await listen(http), await listen(h2), await listen(tcp)];
  const udpPort = await new Promise((resolve) => udp.bind(0, '127.0.0.1', () => resolve(udp.address().port)));
  const close = async () => {
    for (const srv of [http, h2, tcp]) {
      srv.closeAllConnections?.();
      await new Promise((resolve) => srv.close(() => resolve(undefined)));
    }
    await new Promise((resolve) => udp.close(() => resolve(undefined)));
  };
  return { env: { HTTP_PORT: String(httpPort), H2_PORT: String(h2Port), TCP_PORT: String(tcpPort), UDP_PORT: String(udpPort) }, close };
}

/** A free 127.0.0.1 TCP port (the kernel's pick, released again) for snippets that serve. */
async function freePort() {
  const srv = createNetServer();
  const port = await new Promise((resolve) => srv.listen(0, '127.0.0.1', () => resolve(srv.address().port)));
  await new Promise((resolve) => srv.close(() => resolve(undefined)));
  return port;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Plays the client of a snippet that serves on SERVE_PORT: retries until the snippet's server
 * answers once (or the deadline passes), from this untraced process.
 * @param {'http' | 'h2' | 'tcp' | 'udp'} kind
 * @param {number} port
 * @param {number} deadline
 */
async function playClient(kind, port, deadline) {
  while (Date.now() < deadline) {
    const ok = await new Promise((resolve) => {
      const done = (v) => resolve(v);
      if (kind === 'http') {
        const req = httpRequest({ host: '127.0.0.1', port, path: '/', agent: false }, (res) => {
          res.resume();
          res.on('end', () => done(true));
        });
        req.on('error', () => done(false));
        req.setTimeout(1000, () => req.destroy());
        req.end();
      } else if (kind === 'h2') {
        const session = http2Connect(`http://127.0.0.1:${port}`);
        session.on('error', () => done(false));
        const req = session.request({ ':path': '/' });
        req.on('error', () => done(false));
        req.resume();
        req.on('end', () => {
          session.close();
          done(true);
        });
        req.end();
      } else if (kind === 'tcp') {
        const s = netConnect(port, '127.0.0.1', () => s.end('ping\n'));
        s.on('error', () => done(false));
        s.on('close', (hadError) => done(!hadError));
        s.resume();
      } else {
        const u = createSocket('udp4');
        u.send('ping', port, '127.0.0.1', () => u.close(() => done(true)));
      }
    });
    if (ok === true) return true;
    await sleep(50);
  }
  return false;
}

/**
 * Runs `node -e code` (or `node ...args` with `files` written into the scratch directory first)
 * under `strace -f` in a scratch directory (its cwd; see prepareScratch) and returns the syscall
 * names seen in every process and thread. With `client`, the snippet is a server listening on
 * SERVE_PORT and this process plays one client exchange against it. `stdout` says where the
 * program's stdout goes: /dev/null (default), a pipe read by this process, a regular file or a
 * pseudo-terminal (stdin and stderr too). With
 * `signal`, the program's stdout is a pipe, and once it has written its first line the traced
 * node process is sent that signal (the program prints `process.pid` when it is ready).
 * @param {{ node?: string, code?: string, args?: string[], files?: Record<string, string>, stdout?: 'ignore' | 'pipe' | 'file' | 'tty', signal?: NodeJS.Signals, client?: 'http' | 'h2' | 'tcp' | 'udp', env?: Record<string, string>, ioUring?: 'enosys' | 'off' | 'on', timeoutMs?: number, strace?: string }} opts
 * @returns {Promise<{ names: Map<string, number>, code: number | null, stderr: string, timedOut: boolean, served: boolean | undefined }>}
 */
export async function traceSnippet(opts) {
  const dir = await mkdtemp(join(tmpdir(), 'node-syscalls-'));
  const out = join(dir, 'trace.txt');
  const work = join(dir, 'w');
  let stdoutFile;
  try {
    await mkdir(work);
    await prepareScratch(work);
    for (const [name, text] of Object.entries(opts.files ?? {})) {
      await mkdir(dirname(join(work, name)), { recursive: true });
      await writeFile(join(work, name), text);
    }
    const args = ['-f', '-qq', '-e', 'trace=all', '-o', out];
    const mode = opts.ioUring ?? 'off';
    if (mode !== 'on') args.push('-e', `inject=${ENOSYS_INJECTED.join(',')}:error=ENOSYS`);
    args.push(opts.node ?? process.execPath, ...(opts.args ?? ['-e', opts.code ?? '']));
    const port = opts.client !== undefined ? await freePort() : undefined;
    // Set UV_USE_IO_URING either way so that the run does not depend on the build's default.
    const env = {
      ...process.env,
      ...(opts.env ?? {}),
      ...(port !== undefined ? { SERVE_PORT: String(port) } : {}),
      UV_USE_IO_URING: mode === 'off' ? '0' : '1',
      NODE_OPTIONS: '',
    };
    const timeoutMs = opts.timeoutMs ?? 20_000;
    const stdoutMode = opts.signal !== undefined ? 'pipe' : (opts.stdout ?? 'ignore');
    if (stdoutMode === 'file') stdoutFile = await open(join(dir, 'stdout.txt'), 'w');
    const stdout = stdoutMode === 'file' ? stdoutFile?.fd : stdoutMode === 'tty' ? 'ignore' : stdoutMode;
    const strace = opts.strace ?? 'strace';
    // A terminal: script(1) gives the traced program a pseudo-terminal as its stdio, as
    // `docker run -t` does.
    const [cmd, cmdArgs] =
      stdoutMode === 'tty' ? ['script', ['-qec', [strace, ...args].map(shellQuote).join(' '), '/dev/null']] : [strace, args];
    const running = run(cmd, cmdArgs, { cwd: work, env, timeoutMs, stdout, signal: opts.signal });
    const served =
      port !== undefined && opts.client !== undefined ? await playClient(opts.client, port, Date.now() + timeoutMs / 2) : undefined;
    const { code, stderr, timedOut } = await running;
    let text = '';
    try {
      text = await readFile(out, 'utf8');
    } catch {
      // No trace file: strace itself failed; the caller sees the empty set and stderr.
    }
    return { names: parseStrace(text), code, stderr, timedOut, served };
  } finally {
    await stdoutFile?.close();
    await rm(dir, { recursive: true, force: true });
  }
}

/** @param {string} a */
const shellQuote = (a) => `'${a.replaceAll("'", "'\\''")}'`;

/**
 * @param {string} cmd
 * @param {string[]} args
 * @param {{ cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number, stdout?: 'ignore' | 'pipe' | number, signal?: NodeJS.Signals }} o
 * @returns {Promise<{ code: number | null, stderr: string, timedOut: boolean }>}
 */
function run(cmd, args, o) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { cwd: o.cwd, env: o.env, stdio: ['ignore', o.stdout ?? 'ignore', 'pipe'] });
    if (child.stdout !== null) {
      // Drain the pipe (so the program never blocks on it); the first line is the program's pid
      // when a signal is to be sent: strace's child, not strace, must receive it.
      let first = '';
      let sent = false;
      child.stdout.setEncoding('utf8');
      child.stdout.on('data', (d) => {
        if (o.signal === undefined || sent) return;
        first += d;
        const nl = first.indexOf('\n');
        if (nl < 0) return;
        sent = true;
        const pid = Number(first.slice(0, nl).trim());
        if (Number.isInteger(pid) && pid > 1) {
          try {
            process.kill(pid, o.signal);
          } catch {
            // Already gone: the trace shows what it did.
          }
        }
      });
    }
    let stderr = '';
    let timedOut = false;
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d) => {
      if (stderr.length < 20_000) stderr += d;
    });
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve({ code: null, stderr: String(err), timedOut });
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stderr, timedOut });
    });
  });
}

/**
 * The ids the map is asked for, most specific first: `<module>.<export>` then `<module>.*`.
 * `node:` prefixes are dropped and `fs.promises.x` is the same API as `fs/promises.x`. Kept equal to
 * candidateApiIds in src/knowledge/node-syscalls/index.ts (a test compares them).
 * @param {string} apiId
 * @returns {string[]}
 */
export function candidateIds(apiId) {
  let id = String(apiId)
    .trim()
    .replace(/^node:/, '');
  if (id.startsWith('fs.promises.')) id = `fs/promises.${id.slice('fs.promises.'.length)}`;
  else if (id === 'fs.promises') id = 'fs/promises.*';
  const dot = id.indexOf('.');
  if (dot <= 0 || dot === id.length - 1) return [];
  const wildcard = `${id.slice(0, dot)}.*`;
  return id === wildcard ? [wildcard] : [id, wildcard];
}

/**
 * Compares one snippet's trace with the map: every name observed beyond the baseline and the floor
 * must be in the entry that answers for the API id. `lacking` lists what the entry lacks; `misses`
 * is the part of it that nothing else allows either: names in `also` (the runc-bootstrap group,
 * part of every profile) or in `ignore` (clone3, io_uring_* under the emitter's ENOSYS answer)
 * never count as misses, but names in `also` still show in `lacking` so that entries stay complete
 * on their own.
 * @param {{ api: string, observed: Iterable<string>, baseline?: Iterable<string>, floor: Iterable<string>, entries: Map<string, string[]> | Record<string, string[]>, also?: Iterable<string>, ignore?: Iterable<string> }} o
 * @returns {{ api: string, entry: string | undefined, beyondFloor: string[], lacking: string[], misses: string[] }}
 */
export function checkTrace(o) {
  const entries = o.entries instanceof Map ? o.entries : new Map(Object.entries(o.entries));
  const skip = new Set([...(o.baseline ?? []), ...o.floor, ...(o.ignore ?? [])]);
  const beyondFloor = [...new Set(o.observed)].filter((n) => !skip.has(n)).sort();
  let entry;
  let allowed = [];
  for (const id of candidateIds(o.api)) {
    const hit = entries.get(id);
    if (hit !== undefined) {
      entry = id;
      allowed = hit;
      break;
    }
  }
  const ok = new Set(allowed);
  const also = new Set(o.also ?? []);
  const lacking = beyondFloor.filter((n) => !ok.has(n));
  return { api: o.api, entry, beyondFloor, lacking, misses: lacking.filter((n) => !also.has(n)) };
}

/**
 * The programs whose traces make the `node-floor` group: what any Node.js 20 application calls to
 * start, load its own code, run its event loop, collect garbage, write to stdout and exit, and
 * nothing an API brings (no socket, no child, no file write beyond stdout). Each runs several
 * times; the floor is the union.
 * @type {readonly { name: string, code?: string, args?: string[], files?: Record<string, string>, stdout?: 'ignore' | 'pipe' | 'file' | 'tty', signal?: NodeJS.Signals }[]}
 */
export const FLOOR_PROGRAMS = [
  { name: 'empty program', code: '' },
  { name: 'setTimeout', code: 'setTimeout(() => {}, 10)' },
  {
    name: 'garbage collection (young and old generation)',
    // Short-lived arrays fill the young generation; the kept ones are promoted and then dropped,
    // so the old generation grows and is compacted (V8's concurrent marking and sweeper threads).
    code: 'let keep = []; let s = 0; for (let i = 0; i < 3000; i++) { const a = new Array(20000).fill(i); s += a.length; if (i % 3 === 0) keep.push(a, "x".repeat(1000) + i); if (keep.length > 400) keep = []; } for (let i = 0; i < 50; i++) { keep.push(new Float64Array(1 << 16)); } keep = null; setTimeout(() => console.log(s), 50)',
  },
  {
    name: 'CommonJS app: require of own files, a JSON file and a package, console.log to a pipe',
    args: ['app/main.js'],
    stdout: 'pipe',
    files: {
      'app/main.js':
        "'use strict';\nconst lib = require('./lib');\nconst data = require('./data.json');\nconst pkg = require('pkg');\nconsole.log(lib.twice(data.n), pkg.name);\nprocess.stdout.write('done\\n');\n",
      'app/lib.js': 'exports.twice = (n) => n * 2;\n',
      'app/data.json': '{ "n": 21 }\n',
      'app/node_modules/pkg/package.json': '{ "name": "pkg", "main": "./src/index.js" }\n',
      'app/node_modules/pkg/src/index.js': "module.exports = { name: 'pkg' };\n",
    },
  },
  {
    name: 'ES module app: static and dynamic import, JSON import, a package with exports, stdout to a file',
    args: ['app/main.mjs'],
    stdout: 'file',
    files: {
      'app/main.mjs':
        "import { twice } from './lib.mjs';\nimport data from './data.json' with { type: 'json' };\nimport { name } from 'epkg';\nconst more = await import('./more.js');\nconsole.log(twice(data.n), name, more.default);\nprocess.stdout.write('done\\n');\n",
      'app/lib.mjs': 'export const twice = (n) => n * 2;\n',
      'app/more.js': 'module.exports = 42;\n',
      'app/data.json': '{ "n": 21 }\n',
      'app/node_modules/epkg/package.json': '{ "name": "epkg", "type": "module", "exports": { ".": "./index.js" } }\n',
      'app/node_modules/epkg/index.js': "export const name = 'epkg';\n",
    },
  },
  {
    name: 'console.log and console.error to a terminal',
    code: "console.log('out'); console.error('err'); setTimeout(() => {}, 10)",
    stdout: 'tty',
  },
  {
    name: 'a file as the main module, type: module package',
    args: ['m/index.js'],
    files: { 'm/package.json': '{ "type": "module" }\n', 'm/index.js': "import './x.js';\nconsole.log('m');\n", 'm/x.js': 'export {};\n' },
    stdout: 'pipe',
  },
  {
    name: 'uncaught exception',
    args: ['boom.js'],
    files: { 'boom.js': "function f() {\n  throw new Error('boom');\n}\nsetTimeout(f, 1);\n" },
    stdout: 'pipe',
  },
  { name: 'unhandled rejection', code: "Promise.reject(new Error('no'))" },
  { name: 'process.exit(1)', code: "process.stdout.write('bye\\n'); process.exit(1)", stdout: 'pipe' },
  {
    name: 'SIGTERM handler, signal from outside',
    code: "process.on('SIGTERM', () => { console.log('term'); process.exit(0); }); setInterval(() => {}, 1000); console.log(process.pid)",
    signal: 'SIGTERM',
  },
  {
    name: 'SIGTERM without a handler, signal from outside',
    code: 'setInterval(() => {}, 1000); console.log(process.pid)',
    signal: 'SIGTERM',
  },
];
