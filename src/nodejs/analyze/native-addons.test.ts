import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeNodeApp } from './index.js';
import { diskAppFs } from './disk-app-fs.js';
import { addonLayout } from './native-addons.js';
import { deriveNodeRules } from '../derive.js';
import { loadNodeSyscallMap } from '../../knowledge/node-syscalls/index.js';
import { loadKnowledge } from '../../knowledge/index.js';
import { nativeAddonSyscalls } from '../../knowledge/node-syscalls/native-addons.js';

// Addons are generated here: an ELF header is enough for the check, and hostile files (junk,
// empty) must be reported, never crash the analysis.
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, ...new Array<number>(56).fill(0)]);

const dirs: string[] = [];
afterEach(async () => {
  for (const d of dirs.splice(0)) await rm(d, { recursive: true, force: true });
});

async function app(files: Record<string, string | Buffer>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'charter-addons-'));
  dirs.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, rel)), { recursive: true });
    await writeFile(path.join(dir, rel), content);
  }
  return dir;
}

const pkg = (name: string, main = 'index.js'): string => JSON.stringify({ name, version: '1.0.0', main });

// The loaders as they are written: a require of a computed path (bindings 1.5.0, node-gyp-build 4.8).
const BINDINGS = `var fs = require('fs'), path = require('path');
module.exports = function bindings(opts) {
  if (typeof opts == 'string') opts = { bindings: opts };
  var root = path.dirname(module.parent.filename);
  var n = path.join(root, 'build', 'Release', opts.bindings);
  return require(n);
};`;
const NODE_GYP_BUILD = `var path = require('path');
module.exports = load;
function load(dir) { return require(load.resolve(dir)); }
load.resolve = function (dir) { return path.join(path.resolve(dir), 'prebuilds', process.platform + '-' + process.arch, 'node.napi.node'); };`;

const analyze = async (dir: string) => analyzeNodeApp({ root: dir, fs: diskAppFs(dir) });
const derive = (r: Awaited<ReturnType<typeof analyze>>) => deriveNodeRules(r, loadNodeSyscallMap(20), loadKnowledge(), { base: '' });

describe('native addons', () => {
  it('finds addons loaded through bindings, node-gyp-build, node-pre-gyp and by path, with their layout and ELF check', async () => {
    const dir = await app({
      'package.json': pkg('app', 'app.js'),
      'app.js': "require('a'); require('b'); require('c'); require('./native/build/Release/d.node');",
      'native/build/Release/d.node': ELF,
      'node_modules/bindings/package.json': pkg('bindings', 'bindings.js'),
      'node_modules/bindings/bindings.js': BINDINGS,
      'node_modules/node-gyp-build/package.json': pkg('node-gyp-build'),
      'node_modules/node-gyp-build/index.js': NODE_GYP_BUILD,
      'node_modules/@mapbox/node-pre-gyp/package.json': JSON.stringify({ name: '@mapbox/node-pre-gyp', version: '1.0.11' }),
      'node_modules/@mapbox/node-pre-gyp/index.js': 'exports.find = function (p) { return p; };',
      'node_modules/a/package.json': pkg('a'),
      'node_modules/a/index.js': "module.exports = require('bindings')('a.node');",
      'node_modules/a/build/Release/a.node': ELF,
      'node_modules/b/package.json': pkg('b'),
      'node_modules/b/index.js': "module.exports = require('node-gyp-build')(__dirname);",
      'node_modules/b/prebuilds/linux-x64/node.napi.node': ELF,
      'node_modules/c/package.json': pkg('c'),
      'node_modules/c/index.js':
        "const binary = require('@mapbox/node-pre-gyp');\nconst p = binary.find(require('path').resolve(__dirname, 'package.json'));\nmodule.exports = require(p);",
      'node_modules/c/lib/binding/node-v115-linux-x64/c.node': ELF,
    });
    const r = await analyze(dir);
    expect(r.nativeAddons.map((a) => [a.package, a.file, a.elf])).toEqual([
      ['the application', 'native/build/Release/d.node', true],
      ['a@1.0.0', 'node_modules/a/build/Release/a.node', true],
      ['b@1.0.0', 'node_modules/b/prebuilds/linux-x64/node.napi.node', true],
      ['c@1.0.0', 'node_modules/c/lib/binding/node-v115-linux-x64/c.node', true],
    ]);
    expect(r.nativeAddons.map((a) => a.how)).toEqual([
      expect.stringMatching(/loaded by path \(node-gyp build directory\)/),
      expect.stringMatching(/found by bindings \(required at node_modules\/a\/index\.js:1:18\), node-gyp build directory/),
      expect.stringMatching(/found by node-gyp-build .*prebuildify layout prebuilds\/<platform>-<arch>/),
      expect.stringMatching(/found by node-pre-gyp .*lib\/binding\/\{node_abi\}-\{platform\}-\{arch\}/),
    ]);
    // The loaders' own computed requires load only those files: nothing widens the whole runtime.
    const rules = derive(r);
    expect(rules.widened.filter((w) => /every built-in module/.test(w))).toEqual([]);
    expect(rules.widened).toHaveLength(4);
    for (const w of rules.widened) expect(w).toMatch(/native code nothing is known of/);
    // Unknown native code gets everything the runtime's default allows, mremap included.
    expect(rules.syscalls.map((s) => s.rule.name)).toContain('mremap');
  });

  it('widens a known addon by its measured set only, and a computed `.node` path as that package', async () => {
    const dir = await app({
      'package.json': pkg('app', 'app.js'),
      'app.js': "const Database = require('better-sqlite3'); new Database('x.db');",
      'node_modules/bindings/package.json': pkg('bindings', 'bindings.js'),
      'node_modules/bindings/bindings.js': BINDINGS,
      'node_modules/better-sqlite3/package.json': JSON.stringify({ name: 'better-sqlite3', version: '12.11.1', main: 'lib/index.js' }),
      'node_modules/better-sqlite3/lib/index.js': `const path = require('path');
module.exports = function Database(file, options) {
  const nativeBinding = options && options.nativeBinding;
  const addon = nativeBinding == null ? require('bindings')('better_sqlite3.node') : require(path.resolve(nativeBinding).replace(/(\\.node)?$/, '.node'));
  return addon;
};`,
      'node_modules/better-sqlite3/build/Release/better_sqlite3.node': ELF,
    });
    const r = await analyze(dir);
    expect(r.nativeAddons.map((a) => [a.file ?? '(computed)', a.how.split(' (')[0]])).toEqual([
      ['(computed)', 'required by a path computed at run time that ends in .node'],
      ['node_modules/better-sqlite3/build/Release/better_sqlite3.node', 'found by bindings'],
    ]);
    const rules = derive(r);
    const names = rules.syscalls.map((s) => s.rule.name);
    // SQLite grows its mapping with mremap under a large mmap_size: the profile must allow it.
    for (const s of nativeAddonSyscalls().get('better-sqlite3')?.syscalls ?? ['none']) expect(names).toContain(s);
    expect(names.length).toBeLessThan(124);
    expect(rules.widened.every((w) => /measured set of better-sqlite3/.test(w))).toBe(true);
    const mremap = rules.syscalls.find((s) => s.rule.name === 'mremap');
    expect(mremap?.rule.sources[0]?.reason).toMatch(/native addon of better-sqlite3@12\.11\.1: the measured set/);
  });

  it.each([
    ['junk', Buffer.from('this is not a shared object\n')],
    ['empty', Buffer.alloc(0)],
    ['a truncated ELF magic', Buffer.from([0x7f, 0x45])],
  ])('reports a .node file that is %s with its path, adds nothing for it, and does not crash', async (_what, bytes) => {
    const dir = await app({
      'package.json': pkg('app', 'app.js'),
      'app.js': "require('./evil.node');",
      'evil.node': bytes,
    });
    const r = await analyze(dir);
    expect(r.nativeAddons).toEqual([
      { package: 'the application', file: 'evil.node', how: expect.any(String), at: { file: 'app.js', line: 1, column: 1 }, elf: false },
    ]);
    const rules = derive(r);
    expect(rules.widened).toEqual([expect.stringMatching(/^app\.js:1:1: native addon evil\.node .* is not an ELF object/)]);
    expect(rules.syscalls.map((s) => s.rule.name)).not.toContain('mremap');
  });

  it('reports a loader reached with no .node file installed (built at install time), widened all the same', async () => {
    const dir = await app({
      'package.json': pkg('app', 'app.js'),
      'app.js': "require('a');",
      'node_modules/bindings/package.json': pkg('bindings', 'bindings.js'),
      'node_modules/bindings/bindings.js': BINDINGS,
      'node_modules/a/package.json': pkg('a'),
      'node_modules/a/index.js': "module.exports = require('bindings')('a');",
    });
    const r = await analyze(dir);
    expect(r.nativeAddons).toEqual([
      {
        package: 'a@1.0.0',
        how: expect.stringMatching(/no \.node file is installed/),
        at: { file: 'node_modules/a/index.js', line: 1, column: 18 },
      },
    ]);
    expect(derive(r).syscalls.map((s) => s.rule.name)).toContain('mremap');
  });

  it('names the layouts', () => {
    expect(addonLayout('x/prebuilds/linux-x64/a.node')).toMatch(/prebuildify/);
    expect(addonLayout('x/lib/binding/node-v115-linux-x64/a.node')).toMatch(/node-pre-gyp/);
    expect(addonLayout('x/build/Release/a.node')).toMatch(/node-gyp/);
    expect(addonLayout('x/a.node')).toBe('in the package');
  });
});
