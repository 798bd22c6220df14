import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { diskAppFs } from './analyze/disk-app-fs.js';
import { syscallSetOf } from './syscall-set.js';
import { MemoryPackageCache } from './analyze/package-cache.js';
import { nodeAppReader } from '../readers/node-app/index.js';

// Client packages are stubs with the real names: the client table keys on the package name, and
// what matters is how the application calls them.
const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

const STUBS: Record<string, string> = {
  pg: 'exports.Pool = function Pool() {}; exports.Client = function Client() {};',
  mysql2: 'exports.createConnection = function () {}; exports.createPool = function () {};',
  ioredis: 'module.exports = function Redis() {};',
  'hot-shots': 'module.exports = function StatsD() {};',
  axios: 'module.exports = function axios() {}; module.exports.get = function () {};',
  'better-sqlite3': 'module.exports = function Database() {};',
};

async function app(code: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'charter-intent-'));
  dirs.push(dir);
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', main: 'app.js' }));
  await writeFile(path.join(dir, 'app.js'), code);
  for (const [name, body] of Object.entries(STUBS)) {
    await mkdir(path.join(dir, 'node_modules', name), { recursive: true });
    await writeFile(path.join(dir, 'node_modules', name, 'package.json'), JSON.stringify({ name, version: '1.0.0' }));
    await writeFile(path.join(dir, 'node_modules', name, 'index.js'), body);
  }
  return dir;
}

const rulesOf = async (code: string) => {
  const dir = await app(code);
  return (await syscallSetOf({ root: dir, fs: diskAppFs(dir) }, '', new MemoryPackageCache())).rules;
};
const peers = (r: Awaited<ReturnType<typeof rulesOf>>): string[] =>
  r.egress
    .map(
      (e) => `${e.peer.kind === 'dns' ? e.peer.name : e.peer.kind === 'cidr' ? e.peer.cidr : e.peer.kind}:${e.port ?? '*'}/${e.protocol}`,
    )
    .sort();

describe('peers the code names', () => {
  it('takes hosts and ports from client calls and literal URLs, with each client’s default port', async () => {
    const r = await rulesOf(`
const { Pool } = require('pg');
const mysql = require('mysql2');
const Redis = require('ioredis');
const StatsD = require('hot-shots');
const axios = require('axios');
new Pool({ host: 'db.internal', user: 'app' });
mysql.createConnection('mysql://maria.internal:3307/shop');
new Redis(6380, 'cache.internal');
new StatsD({ host: '10.0.0.9' });
axios.get('https://api.example.com/v1/items');
new Redis({ host: '127.0.0.1' });
`);
    expect(peers(r)).toEqual([
      '10.0.0.9/32:8125/udp',
      'api.example.com:443/tcp',
      'cache.internal:6380/tcp',
      'db.internal:5432/tcp',
      'maria.internal:3307/tcp',
    ]);
    expect(r.unnamedHosts).toEqual([]);
    expect(r.egress.find((e) => e.port === 5432)?.sources[0]).toMatchObject({ artifact: 'app.js', line: 7 });
  });

  it('says where a host comes from a variable the code does not set, or from nowhere it names', async () => {
    const r = await rulesOf(`
const mysql = require('mysql2');
const { Pool } = require('pg');
const StatsD = require('hot-shots');
const cfg = loadConfig();
mysql.createPool({ host: process.env.DB_HOST, port: 3306 });
new Pool();
new StatsD(cfg);
fetch(cfg.url);
`);
    expect(r.unnamedHosts.map((s) => `${s.line}:${s.column} ${s.reason}`)).toEqual([
      expect.stringMatching(/^8:5 hot-shots: its options come from a value the analysis cannot read/),
      expect.stringMatching(/^9:1 global\.fetch connects to a host the analysis cannot read/),
    ]);
    // Hosts read from variables are the deployment's to bind (profile/graph/egress-intent.ts).
    expect(r.envHosts.map((h) => `${h.source.line}:${h.source.column} ${h.env} ${h.whenUnset ?? '-'} ${h.source.reason}`)).toEqual([
      expect.stringMatching(/^6:7 DB_HOST - mysql2\.createPool reads its host from process\.env\.DB_HOST$/),
      expect.stringMatching(/^7:5 PGHOST local pg\.Pool names no host: pg reads process\.env\.PGHOST/),
    ]);
  });
});

describe('ports it listens on', () => {
  it.each([
    ["require('http').createServer().listen(process.env.PORT || 3000);", 3000],
    ["const PORT = process.env.PORT || 5173;\nrequire('http').createServer().listen(PORT, () => {});", 5173],
    [
      "const port = normalizePort(process.env.PORT || '3000');\nfunction normalizePort(v) { return parseInt(v, 10); }\nrequire('http').createServer().listen(port);",
      3000,
    ],
    ['const config = { port: Number(process.env.PORT) || 8081 };\nconst app = makeApp();\napp.listen(config.port);', 8081],
  ])('%s', async (code, port) => {
    const r = await rulesOf(code);
    expect(r.listen.map((l) => l.port)).toEqual([port]);
  });
});

describe('directories it writes', () => {
  it('gives a database file’s directory (for its -wal, -shm and -journal) and the directories fs writes into', async () => {
    const r = await rulesOf(`
const fs = require('fs');
const path = require('path');
const Database = require('better-sqlite3');
new Database(path.join(__dirname, 'data', 'app.db'));
new Database(':memory:');
fs.writeFileSync('out/report.txt', 'x');
fs.appendFileSync(path.resolve('/var/log/app', 'app.log'), 'x');
fs.readFileSync('config/settings.json');
fs.openSync('config/other.json', 'r');
`);
    expect(r.writes.map((w) => w.dir)).toEqual(['/var/log/app', 'data', 'out']);
    expect(r.writes.find((w) => w.dir === 'data')?.sources[0]?.reason).toMatch(/app\.db-journal, -wal and -shm/);
  });
});

describe('the node-app fragment', () => {
  it('makes written directories absolute in the container and sets egressIntent', async () => {
    const dir = await app(`
const Database = require('better-sqlite3');
const { Pool } = require('pg');
new Database('data/app.db');
new Pool({ host: 'db' });
`);
    const res = await nodeAppReader.read({
      path: 'package.json',
      fs: diskAppFs(dir),
      root: dir,
      cache: new MemoryPackageCache(),
      origin: { kind: 'directory', buildContext: '.', entry: [], workingDir: '/srv/app' },
    });
    const f = res.containers[0]!;
    expect(f.writable.map((w) => [w.path, w.kind])).toEqual([['/srv/app/data', 'data-dir']]);
    expect(f.egressIntent?.map((e) => e.state)).toEqual(['complete']);
    expect(f.egress.map((e) => (e.peer.kind === 'dns' ? e.peer.name : '')).sort()).toEqual(['db']);

    const open = await app("const mysql = require('mysql2');\nmysql.createPool({ host: process.env.DB_HOST });\n");
    const res2 = await nodeAppReader.read({
      path: 'package.json',
      fs: diskAppFs(open),
      root: open,
      cache: new MemoryPackageCache(),
      origin: { kind: 'directory', buildContext: '.', entry: [] },
    });
    // Complete as far as the code goes, unknown until the profile sees what sets DB_HOST.
    expect(res2.containers[0]?.egressIntent).toEqual([
      { state: 'complete', source: expect.objectContaining({ reason: expect.stringMatching(/or reads it from DB_HOST$/) }) },
      {
        state: 'unknown',
        env: { name: 'DB_HOST' },
        source: expect.objectContaining({ artifact: 'app.js', line: 2, reason: expect.stringMatching(/DB_HOST/) }),
      },
    ]);
  });
});

describe('a client reached without a call the table knows', () => {
  it('leaves egress unknown and says which package', async () => {
    const r = await rulesOf("const pg = require('pg');\nmodule.exports = pg;\n");
    expect(r.unnamedHosts.map((s) => s.reason)).toEqual([expect.stringMatching(/^pg is reached but no call that opens it/)]);
  });
});

describe('URLs built by templates', () => {
  it('a template that writes out its scheme and host names the host; a loopback host is not a peer', async () => {
    const r = await rulesOf(
      [
        "const http = require('node:http');",
        'http.get(`http://127.0.0.1:${process.env.PORT || 8080}/healthz`, () => {});',
        'http.get(`https://api.example.com/v1/${process.argv[2]}`, () => {});',
      ].join('\n'),
    );
    expect(peers(r)).toEqual(['api.example.com:*/tcp']);
    expect(r.unnamedHosts).toEqual([]);
  });
  it('a template whose host is a substitution stays unread', async () => {
    const r = await rulesOf("require('node:http').get(`http://${process.env.API_HOST}/x`, () => {});");
    expect(peers(r)).toEqual([]);
    expect(r.unnamedHosts.map((s) => s.reason)).toEqual([expect.stringMatching(/cannot read/)]);
  });
});
