import { describe, expect, it } from 'vitest';
import { memoryAppFs } from './app-fs.js';
import { codeRootIn } from './dynamic-code.js';
import { type NodeAppAnalysis, analyzeNodeApp } from './index.js';
import { MemoryPackageCache } from './package-cache.js';
import { PackageCacheEntrySchema } from './package-cache.js';

const run = (files: Record<string, string>, cache?: MemoryPackageCache): Promise<NodeAppAnalysis> =>
  analyzeNodeApp({ root: 'app', entry: ['index.js'], fs: memoryAppFs(files) }, cache ? { cache } : {});
const apis = (r: NodeAppAnalysis): string[] => r.apis.map((a) => `${a.api} ${a.at.file}:${a.at.line}`);
const doubts = (r: NodeAppAnalysis): string[] => r.uncertainties.map((u) => `${u.kind} ${u.at.file}:${u.at.line}`);

describe('code built at run time', () => {
  it('analyses Function and eval with constant text where they are built', async () => {
    const r = await run({
      'index.js': `const f = new Function('pid', 'sig', 'return process.kill(pid, sig)');
const body = 'return ' + 'process.' + 'umask()';
Function(body);
(0, eval)("process.chdir('/tmp')");
`,
    });
    expect(apis(r)).toEqual(['process.kill index.js:1', 'process.umask index.js:3', 'process.chdir index.js:4']);
    expect(doubts(r)).toEqual([]);
  });

  it('follows a constant import() shim to the modules it is called with', async () => {
    const r = await run({
      'index.js': `const load = new Function('specifier', 'return import(specifier)');\nload('./worker.mjs');\n`,
      'worker.mjs': `import { spawn } from 'node:child_process';\nspawn('/bin/true');\n`,
    });
    expect(apis(r)).toEqual(['child_process.spawn worker.mjs:2']);
    expect(doubts(r)).toEqual([]);
  });

  it('does not widen for code generated from strings that name no API root', async () => {
    const r = await run({
      'index.js': `function compile(fields) {
  const lines = fields.map((f) => 'out.' + f + ' = input.' + f + ';');
  return new Function('input', 'const out = {};\\n' + lines.join('\\n') + '\\nreturn out;');
}
module.exports = compile(['a', 'b']);
const err = 'a child process. Then it exits';
`,
    });
    expect(doubts(r)).toEqual(['generated-code index.js:3']);
  });

  it('does not count strings that are messages (errors, logs, deprecations) as code', async () => {
    const r = await run({
      'index.js': `console.error("ACTION NEEDED: require('x').setup() and process.kill() are gone");
if (!globalThis.ok) throw new TypeError('call process.exit(1) yourself');
deprecate('fetch(url) is deprecated');
module.exports = (x) => eval(x);
`,
    });
    expect(doubts(r)).toEqual(['generated-code index.js:4']);
  });

  it('still counts a string built inside a function handed to a message sink', async () => {
    const r = await run({
      'index.js': `console.log(() => 'process.kill(' + 1 + ')');
module.exports = (x) => new Function(x);
`,
    });
    expect(doubts(r)).toEqual(['new-function index.js:2']);
  });

  it('widens when a string of any reached file spells a root generated code could use', async () => {
    const r = await run({
      'index.js': `require('./tpl');\nmodule.exports = (x) => new Function('return ' + x);\n`,
      'tpl.js': `module.exports = 'process.kill(' + 1 + ')';\n`,
    });
    const u = r.uncertainties.find((x) => x.kind === 'new-function');
    expect(u?.assumption).toMatch(/tpl\.js:1:18 spells "process\.kill\("/);
  });

  it('counts require/module strings for a direct eval only (Function code runs in the global scope)', async () => {
    const files = (site: string): Record<string, string> => ({
      'index.js': `const tpl = "require('child_process')";\nmodule.exports = (x) => ${site};\n`,
    });
    expect(doubts(await run(files('new Function(x)')))).toEqual(['generated-code index.js:2']);
    expect(doubts(await run(files('(0, eval)(x)')))).toEqual(['generated-code index.js:2']);
    expect(doubts(await run(files('eval(x)')))).toEqual(['eval index.js:2']);
  });

  it('keeps the whole runtime for code read from a file, the network or the command line', async () => {
    for (const src of ["fs.readFileSync(p, 'utf8')", 'process.argv[2]', 'await (await fetch(p)).text()']) {
      const r = await run({
        'index.js': `const fs = require('fs');\nmodule.exports = async (p) => {\n  const code = ${src};\n  return new Function(code);\n};\n`,
      });
      expect(doubts(r)).toEqual(['new-function index.js:4']);
      expect(r.uncertainties[0]!.message).toMatch(/its text comes from/);
    }
  });
});

describe('uncurried methods', () => {
  it('takes Function.call.bind(f) for f, not for the Function constructor', async () => {
    const r = await run({
      'index.js': `const has = Function.call.bind(Object.prototype.hasOwnProperty);
const toStr = Function.prototype.call.bind(Error.prototype.toString);
const kill = Function.call.bind(process.kill);
module.exports = (o, k) => [has(o, k), toStr(o)];
kill(null, 1);
`,
    });
    expect(doubts(r)).toEqual([]);
    expect(apis(r)).toEqual(['process.kill index.js:5']);
  });

  it('takes Function.bind.apply/call(f, …) for a bound f and Function.call.call(f, …) for a call of f', async () => {
    const r = await run({
      'index.js': `const fs = require('fs');
function make(Parent, a) { return new (Function.bind.apply(Parent, [null].concat(a)))(); }
const only = Function.bind.call(fs.unlinkSync, null);
only('/tmp/x');
Function.call.call(fs.rmSync, null, '/tmp/y');
Function.call(null, 'return 1');
module.exports = make;
`,
    });
    expect(apis(r)).toEqual(['fs.unlinkSync index.js:4', 'fs.rmSync index.js:5']);
    expect(doubts(r)).toEqual([]);
  });

  it('bounds a computed name under a package subdirectory, and a scoped package name is not a path', async () => {
    const r = await run({
      'index.js': `module.exports = (code) => require('data-pkg/regions/' + code + '.js');
const adapters = { redis: '@store/redis' };
module.exports.adapter = (a) => require(adapters[a]);
`,
      'node_modules/data-pkg/package.json': '{"name":"data-pkg","version":"1.0.0"}',
      'node_modules/data-pkg/regions/DE.js': `require('net').connect(1, 'de');\n`,
      'node_modules/data-pkg/other.js': `require('child_process').execSync('id');\n`,
      'node_modules/@store/redis/package.json': '{"name":"@store/redis","version":"1.0.0"}',
      'node_modules/@store/redis/index.js': `require('dns').lookup('r', () => {});\n`,
    });
    expect(apis(r)).toEqual(['dns.lookup node_modules/@store/redis/index.js:1', 'net.connect node_modules/data-pkg/regions/DE.js:1']);
    expect(doubts(r)).toEqual(['computed-module index.js:1', 'computed-module index.js:3']);
  });
});

describe('built-ins handed to a function of the same module', () => {
  it('count what the function does with its parameter, not the whole module', async () => {
    const r = await run({
      'index.js': `function haslisteners(emitter, type) {
  const count = typeof emitter.listenerCount !== 'function' ? emitter.listeners(type).length : emitter.listenerCount(type);
  return count > 0;
}
const remove = (fs, p) => fs.unlinkSync(p);
module.exports = () => [haslisteners(process, 'deprecation'), remove(require('fs'), '/tmp/x')];
`,
    });
    expect(apis(r)).toEqual(['process.listenerCount index.js:6', 'process.listeners index.js:6', 'fs.unlinkSync index.js:6']);
    expect(doubts(r)).toEqual([]);
  });

  it('falls back to the whole module when the parameter is passed on, stored, reassigned or shadowed', async () => {
    const cases = [
      'function f(p) { return g(p); } function g(x) { return x; }',
      'function f(p) { globalThis.saved = p; }',
      'function f(p) { p = null; }',
      'function f(p) { return (p) => p.kill(1); }',
      'function f(p) { return arguments[0].kill(1); }',
    ];
    for (const body of cases) {
      const r = await run({ 'index.js': `${body}\nmodule.exports = () => f(process);\n` });
      expect(apis(r), body).toContain('process.* index.js:2');
    }
  });
});

describe('require/import of a computed name', () => {
  it('reaches every file under a literal directory prefix', async () => {
    const r = await run({
      'index.js': `module.exports = (name) => require('./plugins/' + name);\n`,
      'plugins/a.js': `require('fs').unlinkSync('/tmp/x');\n`,
      'plugins/deep/b.js': `require('net').connect(5432, 'db');\n`,
      'other.js': `require('child_process').execSync('id');\n`,
    });
    expect(apis(r)).toEqual(['fs.unlinkSync plugins/a.js:1', 'net.connect plugins/deep/b.js:1']);
    expect(doubts(r)).toEqual(['computed-module index.js:1']);
  });

  it('reaches visible packages, own files and built-ins spelled by the package or app for a name built from strings', async () => {
    const r = await run({
      'index.js': `const engine = require('engine');\nengine.render('view.tpl');\nconst kind = 'child_process';\n`,
      'node_modules/engine/package.json': '{"name":"engine","version":"1.0.0"}',
      'node_modules/engine/index.js': `exports.render = function (view) { const mod = view.slice(view.lastIndexOf('.') + 1); return require(mod); };\n`,
      'node_modules/engine/lib/extra.js': `require('dns').lookup('example.org', () => {});\n`,
      'node_modules/tpl/package.json': '{"name":"tpl","version":"1.0.0"}',
      'node_modules/tpl/index.js': `require('http').get('http://peer:8080/');\n`,
      'node_modules/other/package.json': '{"name":"other","version":"1.0.0"}',
      'node_modules/other/index.js': `const s = 'tls';\n`,
    });
    expect(apis(r)).toEqual([
      'child_process.* node_modules/engine/index.js:1',
      'dns.lookup node_modules/engine/lib/extra.js:1',
      'http.get node_modules/tpl/index.js:1',
    ]);
    expect(doubts(r)).toEqual(['computed-module node_modules/engine/index.js:1']);
    expect(r.unreachedPackages).toEqual([]);
  });

  it('keeps the whole runtime for a name that is a path', async () => {
    const r = await run({
      'index.js': `const path = require('path');\nmodule.exports = (n) => require(path.join(__dirname, n));\nmodule.exports.b = (f) => import('file://' + f);\n`,
    });
    expect(doubts(r)).toEqual(['dynamic-require index.js:2', 'dynamic-import index.js:3']);
  });
});

describe('process.binding', () => {
  it('narrows a literal binding name to the APIs behind it', async () => {
    const r = await run({
      'index.js': `const tty = process.binding('tty_wrap');\nconst b = process.binding('buffer').kStringMaxLength;\n`,
    });
    expect(apis(r)).toEqual(['process.binding index.js:1', 'tty.* index.js:1', 'process.binding index.js:2']);
    expect(doubts(r)).toEqual([]);
  });

  it('keeps the whole runtime for contextify, unknown or computed names', async () => {
    const r = await run({
      'index.js': `process.binding('contextify');\nprocess.binding('nope');\nmodule.exports = (n) => process.binding(n);\n`,
    });
    expect(doubts(r)).toEqual(['process-binding index.js:1', 'process-binding index.js:2', 'process-binding index.js:3']);
  });
});

describe('strings that name an API root', () => {
  it.each([
    ['process.kill(pid)', 'global'],
    ["globalThis['process']", 'global'],
    ['return import(x)', 'global'],
    ['fetch(url)', 'global'],
    ['process', 'global'],
    ["require('fs')", 'module'],
    ['module.exports = x', 'module'],
  ])('%s → %s', (text, scope) => {
    expect(codeRootIn(text)?.scope).toBe(scope);
  });

  it.each(['process.env.NODE_ENV', 'a child process. Then', 'process.nextTick(f)', 'the require function', 'processing', 'modules'])(
    '%s → none',
    (text) => {
      expect(codeRootIn(text)).toBeUndefined();
    },
  );
});

describe('the package cache keeps every fact', () => {
  it('round-trips facts of dynamic code through the stored form', async () => {
    const files = {
      'index.js': `require('dep');\n`,
      'node_modules/dep/package.json': '{"name":"dep","version":"1.0.0"}',
      'node_modules/dep/index.js': `const s = 'fs';\nconst t = 'process.kill(1)';\nmodule.exports = (x) => [eval(x), require('./p/' + x), new Function('m', 'return import(m)')];\n`,
    };
    const cache = new MemoryPackageCache();
    const cold = await run(files, cache);
    const stored = [...cache.entries.entries()].map(([key, v]) => ({ key, ...v }));
    for (const e of stored) expect(PackageCacheEntrySchema.parse(e)).toEqual(e);
    const warm = await run(files, cache);
    expect(warm.stats.fromCache).toBeGreaterThan(0);
    expect(warm.uncertainties).toEqual(cold.uncertainties);
    expect(warm.apis).toEqual(cold.apis);
  });
});

describe('hostile code building', () => {
  it('bounds code that builds code that builds code', async () => {
    let code = 'process.kill(1)';
    for (let i = 0; i < 12; i++) code = `Function(${JSON.stringify(code)})()`;
    const r = await run({ 'index.js': `${code};\n` });
    // Three levels are analysed in place; the rest is one generated-code site at the same call.
    expect(r.uncertainties.every((u) => u.at.file === 'index.js' && u.at.line === 1)).toBe(true);
    expect(r.uncertainties.map((u) => u.kind)).toEqual(['new-function']);
  });

  it('gives up on a 20,000-piece concatenation without recursion trouble, and widens', async () => {
    const parts = Array.from({ length: 20_000 }, (_, i) => `'x${i}'`).join(' + ');
    const r = await run({ 'index.js': `module.exports = (y) => new Function(${parts} + y);\n` });
    expect(r.uncertainties.map((u) => u.kind).some((k) => k === 'new-function' || k === 'unparsed')).toBe(true);
  });

  it('takes constant text that does not parse as code that never runs', async () => {
    const r = await run({ 'index.js': `try { new Function('return (((')(); } catch {}\n` });
    expect(r.apis).toEqual([]);
    expect(doubts(r)).toEqual(['generated-code index.js:1']);
  });

  it('lists a plugin directory holding a symlink loop once, without following the loop', async () => {
    const fs = memoryAppFs(
      { 'index.js': `module.exports = (n) => require('./plugins/' + n);\n`, 'plugins/a.js': `require('dns').lookup('h', () => {});\n` },
      { 'plugins/loop': 'plugins', 'plugins/self': 'plugins/self' },
    );
    const r = await analyzeNodeApp({ root: 'app', entry: ['index.js'], fs });
    expect(apis(r)).toEqual(['dns.lookup plugins/a.js:1']);
  });
});
