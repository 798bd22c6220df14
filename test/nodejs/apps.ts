/**
 * The real applications of the Node.js intent proof: each is a few npm packages (exact versions),
 * a small app written here, and a scripted workload that exercises it and checks every answer.
 * Servers listen on HOST:PORT from the environment and print `READY` once listening; they close
 * on SIGTERM and exit 0 (a container's PID 1 gets no default SIGTERM action, so a server must
 * handle it to stop). CLI apps run to completion and their stdout is checked.
 */
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { httpRequest, type Endpoint } from './http-client.js';

export interface ServerWorkload {
  kind: 'server';
  /** Drives the running app; throws on the first wrong answer. Returns the number of exchanges. */
  run: (at: Endpoint, appDir: string) => Promise<number>;
}

export interface CliWorkload {
  kind: 'cli';
  /** Arguments after `node` (relative to the app directory). */
  args: string[];
  /** Throws when the output is wrong. */
  check: (stdout: string) => void;
}

export interface RealApp {
  name: string;
  what: string;
  dependencies: Record<string, string>;
  /** Files written into the app directory (relative path → content). */
  files: Record<string, string>;
  /** Entry points (relative) as `node` runs them and as the static analysis is told. */
  entry: string[];
  workload: ServerWorkload | CliWorkload;
  /** Runs in the podman enforcement part (apps needing a database on the host's loopback do not). */
  podman: boolean;
  /** Needs a service on the host's loopback: `host:port`. */
  needs?: string;
  /**
   * Packages whose native addon is taken from this repository's own install of the same version
   * (the apps are installed with --ignore-scripts, so nothing is built or downloaded).
   */
  prebuilt?: string[];
}

function expectEqual(actual: unknown, expected: unknown, what: string): void {
  const a = JSON.stringify(actual);
  const e = JSON.stringify(expected);
  if (a !== e) throw new Error(`${what}: expected ${e}, got ${a}`);
}

function expectMatch(actual: string, re: RegExp, what: string): void {
  if (!re.test(actual)) throw new Error(`${what}: ${JSON.stringify(actual.slice(0, 300))} does not match ${String(re)}`);
}

const LISTEN_TAIL = `
process.on('SIGTERM', () => {
  server.close();
  process.exit(0);
});
`;

const HTML = '<!doctype html><title>charter</title><h1>hello from a static file</h1>\n';

/** GETs JSON n times on `path(i)` and checks each body. */
async function jsonRounds(
  at: Endpoint,
  n: number,
  pathOf: (i: number) => string,
  check: (body: unknown, i: number) => void,
): Promise<number> {
  for (let i = 0; i < n; i++) {
    const r = await httpRequest(at, { path: pathOf(i) });
    expectEqual(r.status, 200, `GET ${pathOf(i)} status`);
    check(JSON.parse(r.body), i);
  }
  return n;
}

/** POSTs `{ i }` to /echo n times (201 `{ got: { i } }` each), then GETs /nope (404). */
async function echoAndMissing(at: Endpoint, n: number): Promise<number> {
  for (let i = 0; i < n; i++) {
    const r = await httpRequest(at, { method: 'POST', path: '/echo', json: { i } });
    expectEqual([r.status, JSON.parse(r.body)], [201, { got: { i } }], 'POST /echo');
  }
  const missing = await httpRequest(at, { path: '/nope' });
  expectEqual(missing.status, 404, 'GET /nope');
  return n + 1;
}

export const APPS: RealApp[] = [
  {
    name: 'plain-http',
    what: 'http.createServer answering JSON (the baseline)',
    dependencies: {},
    files: {
      'app.js': `const http = require('node:http');
let n = 0;
const server = http.createServer((req, res) => {
  n += 1;
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, n, url: req.url }));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: (at) =>
        jsonRounds(
          at,
          30,
          (i) => `/r/${i}`,
          (b, i) => expectEqual((b as { url: string }).url, `/r/${i}`, 'url'),
        ),
    },
    podman: true,
  },
  {
    name: 'express',
    what: 'express: routes, JSON body, a static file, 404',
    dependencies: { express: '4.21.2' },
    files: {
      'app.js': `const path = require('node:path');
const express = require('express');
const app = express();
app.use(express.json());
app.use('/static', express.static(path.join(__dirname, 'public')));
app.get('/items/:id', (req, res) => res.json({ id: Number(req.params.id), name: 'item ' + req.params.id }));
app.post('/echo', (req, res) => res.status(201).json({ got: req.body }));
const server = app.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
      'public/index.html': HTML,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = await jsonRounds(
          at,
          10,
          (i) => `/items/${i}`,
          (b, i) => expectEqual(b, { id: i, name: `item ${i}` }, 'item'),
        );
        for (let i = 0; i < 10; i++) {
          const payload = { i, tags: ['a', 'b'], nested: { ok: true } };
          const r = await httpRequest(at, { method: 'POST', path: '/echo', json: payload });
          expectEqual(r.status, 201, 'POST /echo status');
          expectEqual(JSON.parse(r.body), { got: payload }, 'echo');
          n++;
        }
        const s = await httpRequest(at, { path: '/static/index.html' });
        expectEqual([s.status, s.body], [200, HTML], 'static file');
        const missing = await httpRequest(at, { path: '/nope' });
        expectEqual(missing.status, 404, 'GET /nope');
        return n + 2;
      },
    },
    podman: true,
  },
  {
    name: 'fastify',
    what: 'fastify: schema-validated JSON routes, 400 on a bad body',
    dependencies: { fastify: '4.28.1' },
    files: {
      'app.js': `const fastify = require('fastify')({ logger: false });
fastify.get('/health', async () => ({ status: 'ok' }));
fastify.post('/sum', {
  schema: { body: { type: 'object', required: ['a', 'b'], properties: { a: { type: 'number' }, b: { type: 'number' } } } },
}, async (req) => ({ sum: req.body.a + req.body.b }));
fastify.listen({ port: Number(process.env.PORT), host: process.env.HOST }).then(() => console.log('READY'));
process.on('SIGTERM', () => {
  fastify.close().then(() => process.exit(0));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = await jsonRounds(
          at,
          10,
          () => '/health',
          (b) => expectEqual(b, { status: 'ok' }, 'health'),
        );
        for (let i = 0; i < 10; i++) {
          const r = await httpRequest(at, { method: 'POST', path: '/sum', json: { a: i, b: 2 * i } });
          expectEqual([r.status, JSON.parse(r.body)], [200, { sum: 3 * i }], 'POST /sum');
          n++;
        }
        const bad = await httpRequest(at, { method: 'POST', path: '/sum', json: { a: 'x' } });
        expectEqual(bad.status, 400, 'POST /sum with a bad body');
        return n + 1;
      },
    },
    podman: true,
  },
  {
    name: 'static',
    what: 'serve-handler static file server (files, directory listing, 404)',
    dependencies: { 'serve-handler': '6.1.6' },
    files: {
      'app.js': `const http = require('node:http');
const path = require('node:path');
const handler = require('serve-handler');
const server = http.createServer((req, res) => handler(req, res, { public: path.join(__dirname, 'public') }));
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
      'public/index.html': HTML,
      'public/data/numbers.json': `${JSON.stringify({ numbers: [1, 2, 3] })}\n`,
      'public/data/notes.txt': 'plain text\n',
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        for (let i = 0; i < 10; i++) {
          const r = await httpRequest(at, { path: '/' });
          expectEqual([r.status, r.body], [200, HTML], 'GET / (index.html)');
          const j = await httpRequest(at, { path: '/data/numbers.json' });
          expectEqual([j.status, JSON.parse(j.body)], [200, { numbers: [1, 2, 3] }], 'GET /data/numbers.json');
          n += 2;
        }
        const listing = await httpRequest(at, { path: '/data/' });
        expectEqual(listing.status, 200, 'directory listing status');
        expectMatch(listing.body, /notes\.txt/, 'directory listing');
        const missing = await httpRequest(at, { path: '/nope.txt' });
        expectEqual(missing.status, 404, 'GET /nope.txt');
        return n + 2;
      },
    },
    podman: true,
  },
  {
    name: 'websocket',
    what: 'ws server; a client exchanges 20 messages',
    dependencies: { ws: '8.18.0' },
    files: {
      'app.js': `const { WebSocketServer } = require('ws');
const server = new WebSocketServer({ port: Number(process.env.PORT), host: process.env.HOST }, () => console.log('READY'));
server.on('connection', (socket) => {
  socket.on('message', (data) => socket.send(JSON.stringify({ echo: String(data), at: Date.now() > 0 })));
});
${LISTEN_TAIL}`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: (at, appDir) => wsExchange(at, appDir, 20),
    },
    podman: true,
  },
  {
    name: 'child-process',
    what: 'express (ESM) running /bin/ls through execa and child_process.execFile',
    dependencies: { express: '4.21.2', execa: '8.0.1' },
    files: {
      'app.mjs': `import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { execa } from 'execa';
const here = fileURLToPath(new URL('.', import.meta.url));
const app = express();
app.get('/ls', async (req, res) => {
  const { stdout } = await execa('/bin/ls', ['-1', here + 'files']);
  res.json({ files: stdout.split('\\n') });
});
app.get('/ls-plain', (req, res) => {
  execFile('/bin/ls', ['-1', here + 'files'], (err, stdout) => {
    if (err) return res.status(500).json({ error: String(err) });
    res.json({ files: stdout.trim().split('\\n') });
  });
});
const server = app.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
      'files/a.txt': 'a\n',
      'files/b.txt': 'b\n',
    },
    entry: ['app.mjs'],
    workload: {
      kind: 'server',
      run: async (at) => {
        const n = await jsonRounds(
          at,
          5,
          () => '/ls',
          (b) => expectEqual(b, { files: ['a.txt', 'b.txt'] }, 'GET /ls'),
        );
        return (
          n +
          (await jsonRounds(
            at,
            5,
            () => '/ls-plain',
            (b) => expectEqual(b, { files: ['a.txt', 'b.txt'] }, 'GET /ls-plain'),
          ))
        );
      },
    },
    podman: true,
  },
  {
    name: 'workers',
    what: 'piscina worker pool hashing with node:crypto behind an http server',
    dependencies: { piscina: '4.7.0' },
    files: {
      'app.js': `const http = require('node:http');
const path = require('node:path');
const Piscina = require('piscina');
const pool = new Piscina({ filename: path.join(__dirname, 'worker.js'), minThreads: 2, maxThreads: 2 });
const server = http.createServer(async (req, res) => {
  const input = new URL(req.url, 'http://x').searchParams.get('s') || '';
  const hash = await pool.run({ input, rounds: 1000 });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ input, hash }));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
process.on('SIGTERM', () => {
  server.close();
  pool.destroy().then(() => process.exit(0));
});
`,
      'worker.js': `const { createHash } = require('node:crypto');
module.exports = ({ input, rounds }) => {
  let h = input;
  for (let i = 0; i < rounds; i++) h = createHash('sha256').update(h).digest('hex');
  return h;
};
`,
    },
    entry: ['app.js', 'worker.js'],
    workload: {
      kind: 'server',
      run: (at) =>
        jsonRounds(
          at,
          10,
          (i) => `/hash?s=w${i}`,
          (b, i) => expectEqual(b, { input: `w${i}`, hash: sha256Rounds(`w${i}`, 1000) }, 'hash'),
        ),
    },
    podman: true,
  },
  {
    name: 'redis',
    what: 'ioredis client behind an http server (SET/GET/INCR/DEL on the loopback Redis)',
    dependencies: { ioredis: '5.4.1' },
    files: {
      'app.js': `const http = require('node:http');
const Redis = require('ioredis');
const redis = new Redis({ host: '127.0.0.1', port: 6379, lazyConnect: false, maxRetriesPerRequest: 1 });
const prefix = 'charter-test:' + process.pid + ':';
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const key = prefix + (url.searchParams.get('k') || 'k');
  let out;
  if (url.pathname === '/set') out = await redis.set(key, url.searchParams.get('v') || '');
  else if (url.pathname === '/get') out = await redis.get(key);
  else if (url.pathname === '/incr') out = await redis.incr(key);
  else if (url.pathname === '/del') out = await redis.del(key);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ out }));
});
redis.once('ready', () => server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY')));
process.on('SIGTERM', () => {
  server.close();
  redis.quit().then(() => process.exit(0));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        for (let i = 0; i < 5; i++) {
          await jsonRounds(
            at,
            1,
            () => `/set?k=s${i}&v=value${i}`,
            (b) => expectEqual(b, { out: 'OK' }, 'SET'),
          );
          await jsonRounds(
            at,
            1,
            () => `/get?k=s${i}`,
            (b) => expectEqual(b, { out: `value${i}` }, 'GET'),
          );
          await jsonRounds(
            at,
            1,
            () => `/del?k=s${i}`,
            (b) => expectEqual(b, { out: 1 }, 'DEL'),
          );
          n += 3;
        }
        n += await jsonRounds(
          at,
          5,
          () => '/incr?k=c',
          (b, i) => expectEqual(b, { out: i + 1 }, 'INCR'),
        );
        return (
          n +
          (await jsonRounds(
            at,
            1,
            () => '/del?k=c',
            (b) => expectEqual(b, { out: 1 }, 'DEL counter'),
          ))
        );
      },
    },
    podman: false,
    needs: '127.0.0.1:6379',
  },
  {
    name: 'postgres',
    what: 'pg Pool behind an http server (parameterised queries, a transaction on a temp table)',
    dependencies: { pg: '8.13.1' },
    files: {
      'app.js': `const http = require('node:http');
const { Pool } = require('pg');
const pool = new Pool({ host: '127.0.0.1', port: 5432, user: 'postgres', database: 'test', max: 2 });
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  try {
    let out;
    if (url.pathname === '/add') {
      const r = await pool.query('SELECT $1::int + $2::int AS n', [url.searchParams.get('a'), url.searchParams.get('b')]);
      out = r.rows[0].n;
    } else if (url.pathname === '/tx') {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        await client.query('CREATE TEMP TABLE t (v text) ON COMMIT DROP');
        await client.query('INSERT INTO t VALUES ($1), ($2)', ['x', 'y']);
        out = (await client.query('SELECT string_agg(v, \\',\\' ORDER BY v) AS s FROM t')).rows[0].s;
        await client.query('COMMIT');
      } finally {
        client.release();
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ out }));
  } catch (err) {
    res.writeHead(500);
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
process.on('SIGTERM', () => {
  server.close();
  pool.end().then(() => process.exit(0));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        const n = await jsonRounds(
          at,
          10,
          (i) => `/add?a=${i}&b=40`,
          (b, i) => expectEqual(b, { out: i + 40 }, 'SELECT $1 + $2'),
        );
        return (
          n +
          (await jsonRounds(
            at,
            3,
            () => '/tx',
            (b) => expectEqual(b, { out: 'x,y' }, 'transaction'),
          ))
        );
      },
    },
    podman: false,
    needs: '127.0.0.1:5432',
  },
  {
    name: 'koa',
    what: 'koa with @koa/router and koa-bodyparser: params, JSON body, 404',
    dependencies: { koa: '2.16.4', '@koa/router': '12.0.2', 'koa-bodyparser': '4.4.1' },
    files: {
      'app.js': `const Koa = require('koa');
const Router = require('@koa/router');
const bodyParser = require('koa-bodyparser');
const app = new Koa();
const router = new Router();
router.get('/items/:id', (ctx) => { ctx.body = { id: Number(ctx.params.id) }; });
router.post('/echo', (ctx) => { ctx.status = 201; ctx.body = { got: ctx.request.body }; });
app.use(bodyParser()).use(router.routes()).use(router.allowedMethods());
const server = app.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        const n = await jsonRounds(
          at,
          10,
          (i) => `/items/${i}`,
          (b, i) => expectEqual(b, { id: i }, 'item'),
        );
        return n + (await echoAndMissing(at, 5));
      },
    },
    podman: true,
  },
  {
    name: 'hapi',
    what: '@hapi/hapi: path parameters, a JSON payload, 404',
    dependencies: { '@hapi/hapi': '21.4.10' },
    files: {
      'app.js': `const Hapi = require('@hapi/hapi');
let server;
(async () => {
  server = Hapi.server({ port: Number(process.env.PORT), host: process.env.HOST });
  server.route({ method: 'GET', path: '/hello/{name}', handler: (req) => ({ hello: req.params.name }) });
  server.route({ method: 'POST', path: '/echo', handler: (req, h) => h.response({ got: req.payload }).code(201) });
  await server.start();
  console.log('READY');
})();
process.on('SIGTERM', () => {
  server.stop().then(() => process.exit(0));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        const n = await jsonRounds(
          at,
          10,
          (i) => `/hello/n${i}`,
          (b, i) => expectEqual(b, { hello: `n${i}` }, 'hello'),
        );
        return n + (await echoAndMissing(at, 5));
      },
    },
    podman: true,
  },
  {
    name: 'socketio',
    what: 'socket.io server: Engine.IO polling handshakes and a message round trip',
    dependencies: { 'socket.io': '4.8.4' },
    files: {
      'app.js': `const { createServer } = require('node:http');
const { Server } = require('socket.io');
const server = createServer();
const io = new Server(server);
io.on('connection', (socket) => socket.on('echo', (m) => socket.emit('echo', m)));
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
${LISTEN_TAIL}`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        for (let i = 0; i < 5; i++) {
          const open = await httpRequest(at, { path: '/socket.io/?EIO=4&transport=polling' });
          expectEqual(open.status, 200, 'handshake status');
          expectMatch(open.body, /^0\{"sid":"[^"]+"/, 'handshake');
          const sid = /"sid":"([^"]+)"/.exec(open.body)![1]!;
          const q = `/socket.io/?EIO=4&transport=polling&sid=${encodeURIComponent(sid)}`;
          // Connect to the default namespace (Socket.IO packet "40"), then send an event ("42").
          const post = (text: string): Promise<{ status: number; body: string }> => httpRequest(at, { method: 'POST', path: q, text });
          expectEqual((await post('40')).body, 'ok', 'namespace connect');
          expectMatch((await httpRequest(at, { path: q })).body, /^40\{"sid"/, 'namespace connected');
          expectEqual((await post(`42["echo","m${i}"]`)).body, 'ok', 'event sent');
          expectEqual((await httpRequest(at, { path: q })).body, `42["echo","m${i}"]`, 'event echoed');
          n += 5;
        }
        return n;
      },
    },
    podman: true,
  },
  {
    name: 'native-sqlite',
    what: 'better-sqlite3 (a native addon) with mmap_size 256 MiB, its database and WAL beside the app',
    dependencies: { 'better-sqlite3': '12.11.1' },
    prebuilt: ['better-sqlite3'],
    files: {
      'app.js': `const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const Database = require('better-sqlite3');
// The database lives beside the app: under a read-only root only the directory the code writes
// (and SQLite's -wal, -shm and -journal files in it) may be written.
fs.mkdirSync(path.join(__dirname, 'data'), { recursive: true });
const db = new Database(path.join(__dirname, 'data', 'app.db'));
db.pragma('journal_mode = WAL');
// A large mapping: SQLite grows it with mremap as the file grows.
db.pragma('mmap_size = 268435456');
db.exec('DROP TABLE IF EXISTS items; CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)');
const insert = db.prepare('INSERT INTO items (name) VALUES (?)');
const byId = db.prepare('SELECT id, name FROM items WHERE id = ?');
const count = db.prepare('SELECT count(*) AS n FROM items');
const bulk = db.transaction((n) => {
  for (let i = 0; i < n; i++) insert.run('bulk ' + i + ' ' + 'x'.repeat(2000));
});
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let out;
  if (url.pathname === '/add') out = { id: Number(insert.run(url.searchParams.get('name') || '').lastInsertRowid) };
  else if (url.pathname === '/get') out = byId.get(Number(url.searchParams.get('id'))) || null;
  else if (url.pathname === '/bulk') {
    bulk(Number(url.searchParams.get('n') || 100));
    db.pragma('wal_checkpoint(TRUNCATE)');
    out = count.get();
  } else out = count.get();
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(out));
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
process.on('SIGTERM', () => {
  server.close();
  db.close();
  process.exit(0);
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        for (let i = 1; i <= 3; i++)
          n += await jsonRounds(
            at,
            1,
            () => `/add?name=item${i}`,
            (b) => expectEqual(b, { id: i }, 'add'),
          );
        n += await jsonRounds(
          at,
          1,
          () => '/get?id=2',
          (b) => expectEqual(b, { id: 2, name: 'item2' }, 'get'),
        );
        // ~30 MB in five steps: the file outgrows its first mapping.
        for (let k = 1; k <= 5; k++)
          n += await jsonRounds(
            at,
            1,
            () => '/bulk?n=3000',
            (b) => expectEqual(b, { n: 3 + 3000 * k }, 'bulk'),
          );
        return n;
      },
    },
    podman: true,
  },
  {
    name: 'mysql',
    what: 'mysql2 pool behind an http server (parameterised queries on the loopback MariaDB)',
    dependencies: { mysql2: '3.11.5' },
    files: {
      'app.js': `const http = require('node:http');
const mysql = require('mysql2/promise');
const pool = mysql.createPool({ host: '127.0.0.1', port: 3306, user: 'root', database: 'test', connectionLimit: 2 });
const server = http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  let out;
  try {
    if (url.pathname === '/sum') {
      const [rows] = await pool.query('SELECT ? + ? AS s', [Number(url.searchParams.get('a')), Number(url.searchParams.get('b'))]);
      out = { s: Number(rows[0].s) };
    } else {
      const [rows] = await pool.query('SELECT UPPER(?) AS u', [url.searchParams.get('t') || '']);
      out = { u: rows[0].u };
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(out));
  } catch (err) {
    res.writeHead(500);
    res.end(String(err));
  }
});
server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY'));
process.on('SIGTERM', () => {
  server.close();
  pool.end().then(() => process.exit(0));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) =>
        (await jsonRounds(
          at,
          8,
          (i) => `/sum?a=${i}&b=${i * 10}`,
          (b, i) => expectEqual(b, { s: i * 11 }, 'sum'),
        )) +
        (await jsonRounds(
          at,
          4,
          (i) => `/upper?t=word${i}`,
          (b, i) => expectEqual(b, { u: `WORD${i}` }, 'upper'),
        )),
    },
    podman: false,
    needs: '127.0.0.1:3306',
  },
  {
    name: 'statsd',
    what: 'hot-shots StatsD client over UDP 8125 (the app receives its own metrics on the loopback)',
    dependencies: { 'hot-shots': '10.2.1' },
    files: {
      'app.js': `const dgram = require('node:dgram');
const http = require('node:http');
const StatsD = require('hot-shots');
// A receiver in the same process stands in for the agent, so the metrics can be checked here
// and in a container alike.
let received = [];
const agent = dgram.createSocket('udp4');
agent.on('message', (m) => received.push(...String(m).split('\\n')));
const client = new StatsD({ host: '127.0.0.1', port: 8125, prefix: 'charter.', errorHandler: (e) => console.error(e) });
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  let out;
  if (url.pathname === '/hit') {
    client.increment('hits', Number(url.searchParams.get('n') || 1));
    client.timing('latency', 12);
    out = { sent: true };
  } else {
    out = { received: received.sort() };
    received = [];
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(out));
});
agent.bind(8125, '127.0.0.1', () => server.listen(Number(process.env.PORT), process.env.HOST, () => console.log('READY')));
process.on('SIGTERM', () => {
  server.close();
  client.close(() => agent.close(() => process.exit(0)));
});
`,
    },
    entry: ['app.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        for (let i = 1; i <= 5; i++) {
          n += await jsonRounds(
            at,
            1,
            () => `/hit?n=${i}`,
            (b) => expectEqual(b, { sent: true }, 'hit'),
          );
          let got: string[] = [];
          for (let t = 0; t < 20 && got.length < 2; t++) {
            await new Promise((r) => setTimeout(r, 50));
            const r = await httpRequest(at, { path: '/received' });
            got = got.concat((JSON.parse(r.body) as { received: string[] }).received);
            n++;
          }
          expectEqual(got.sort(), [`charter.hits:${i}|c`, 'charter.latency:12|ms'], 'metrics received');
        }
        return n;
      },
    },
    podman: true,
  },
  {
    name: 'devserver',
    what: 'a file-watching dev server (chokidar) on process.env.PORT || 5173, reloading when a file it writes changes',
    dependencies: { chokidar: '4.0.3' },
    files: {
      'server.js': `const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');
const chokidar = require('chokidar');
const PORT = process.env.PORT || 5173;
const publicDir = path.join(__dirname, 'public');
fs.mkdirSync(publicDir, { recursive: true });
let version = 0;
let ready = false;
const watcher = chokidar.watch(publicDir, { ignoreInitial: true, awaitWriteFinish: false });
watcher.on('all', () => {
  version += 1;
});
watcher.on('ready', () => {
  ready = true;
});
const server = http.createServer((req, res) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname === '/edit') {
    // What an editor does to a watched file: the watcher sees it and the page reloads.
    fs.writeFileSync(path.join(__dirname, 'public', 'index.html'), '<h1>v' + url.searchParams.get('v') + '</h1>');
  }
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ version, ready }));
});
server.listen(PORT, process.env.HOST, () => console.log('READY'));
process.on('SIGTERM', () => {
  server.close();
  watcher.close().then(() => process.exit(0));
});
`,
    },
    entry: ['server.js'],
    workload: {
      kind: 'server',
      run: async (at) => {
        let n = 0;
        let seen = 0;
        for (let t = 0; t < 40; t++) {
          const r = await httpRequest(at, { path: '/' });
          n++;
          if ((JSON.parse(r.body) as { ready: boolean }).ready) break;
          await new Promise((res) => setTimeout(res, 100));
        }
        for (let i = 1; i <= 3; i++) {
          await httpRequest(at, { path: `/edit?v=${i}` });
          n++;
          for (let t = 0; t < 40; t++) {
            await new Promise((res) => setTimeout(res, 100));
            const v = (JSON.parse((await httpRequest(at, { path: '/' })).body) as { version: number }).version;
            n++;
            if (v > seen) {
              seen = v;
              break;
            }
          }
          if (seen < i) throw new Error(`devserver: edit ${i} was not seen by the watcher (version ${seen})`);
        }
        return n;
      },
    },
    podman: true,
  },
  {
    name: 'cli-marked',
    what: 'the marked CLI rendering a Markdown file to stdout',
    dependencies: { marked: '15.0.4' },
    files: {
      'doc.md': '# Charter\n\nSome *emphasis* and a [link](https://example.org).\n\n- one\n- two\n\n```js\nconsole.log(1)\n```\n',
    },
    entry: ['node_modules/marked/bin/marked.js'],
    workload: {
      kind: 'cli',
      args: ['node_modules/marked/bin/marked.js', '-i', 'doc.md'],
      check: (out) => {
        expectMatch(out, /<h1>Charter<\/h1>/, 'h1');
        expectMatch(out, /<em>emphasis<\/em>/, 'em');
        expectMatch(out, /<li>two<\/li>/, 'li');
        expectMatch(out, /<code class="language-js">console\.log\(1\)/, 'code');
      },
    },
    podman: true,
  },
  {
    name: 'cli-prettier',
    what: 'the prettier CLI formatting a JavaScript file to stdout',
    dependencies: { prettier: '3.4.2' },
    files: {
      'messy.js': 'const  a={b:1,c:[1,2,3]}\nfunction f ( x ){return x*2}\nconsole.log( f(a.b) )\n',
    },
    entry: ['node_modules/prettier/bin/prettier.cjs'],
    workload: {
      kind: 'cli',
      args: ['node_modules/prettier/bin/prettier.cjs', 'messy.js'],
      check: (out) =>
        expectEqual(out, 'const a = { b: 1, c: [1, 2, 3] };\nfunction f(x) {\n  return x * 2;\n}\nconsole.log(f(a.b));\n', 'formatted'),
    },
    podman: true,
  },
];

function sha256Rounds(input: string, rounds: number): string {
  // Same computation as worker.js, done here to check the worker's answer.
  let h = input;
  for (let i = 0; i < rounds; i++) h = createHash('sha256').update(h).digest('hex');
  return h;
}

interface WsLike {
  on(event: string, fn: (...args: unknown[]) => void): void;
  once(event: string, fn: (...args: unknown[]) => void): void;
  send(data: string): void;
  close(): void;
  terminate(): void;
}

/** A `ws` client (from the app's own node_modules) sends n messages and checks each echo. */
function wsExchange(at: Endpoint, appDir: string, n: number): Promise<number> {
  const WebSocket = createRequire(path.join(appDir, 'package.json'))('ws') as new (url: string) => WsLike;
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(`ws://${at.host}:${at.port}/`);
    let got = 0;
    const timer = setTimeout(() => {
      socket.terminate();
      reject(new Error(`websocket: ${got}/${n} echoes within 10 s`));
    }, 10_000);
    const fail = (err: unknown): void => {
      clearTimeout(timer);
      socket.terminate();
      reject(err instanceof Error ? err : new Error(String(err)));
    };
    socket.once('error', fail);
    socket.once('open', () => socket.send('m0'));
    socket.on('message', (data: unknown) => {
      try {
        expectEqual(JSON.parse(String(data)), { echo: `m${got}`, at: true }, 'websocket echo');
      } catch (err) {
        fail(err);
        return;
      }
      got++;
      if (got < n) {
        socket.send(`m${got}`);
        return;
      }
      clearTimeout(timer);
      socket.close();
      resolve(n);
    });
  });
}
