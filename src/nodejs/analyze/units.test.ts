import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { joinRel, memoryAppFs } from './app-fs.js';
import { nodeScriptsOf } from './entry-points.js';
import type { ModuleFacts } from './facts.js';
import { FsPackageCache } from './fs-package-cache.js';
import { builtinApiId } from './ids.js';
import { literalsFor, packageDirOf } from './index.js';
import { Resolver } from './resolve.js';

const BUILTINS = new Set(['fs', 'fs/promises', 'http', 'net', 'os', 'dns', 'dns/promises', 'child_process']);

describe('resolution', () => {
  const fs = memoryAppFs(
    {
      'app.js': '',
      'lib/index.js': '',
      'lib/util.json': '{}',
      'node_modules/pat/package.json': JSON.stringify({
        name: 'pat',
        exports: {
          '.': [{ worker: './w.js' }, './main.js'],
          './sub/*': './dist/*.js',
          './sub/deep/*': './deep/*.js',
          './sub/hidden/*': null,
          './cond': { node: { import: './n.mjs', require: './n.cjs' }, default: './d.js' },
        },
      }),
      'node_modules/pat/main.js': '',
      'node_modules/pat/dist/a.js': '',
      'node_modules/pat/deep/b.js': '',
      'node_modules/pat/n.mjs': '',
      'node_modules/pat/n.cjs': '',
      'node_modules/old/package.json': JSON.stringify({ name: 'old', main: 'lib/start' }),
      'node_modules/old/lib/start.js': '',
      'node_modules/@s/p/index.js': '',
      'node_modules/old/node_modules/pat/package.json': JSON.stringify({ name: 'pat', main: 'nested.js' }),
      'node_modules/old/node_modules/pat/nested.js': '',
    },
    { 'node_modules/loop': 'loop', 'node_modules/alias': 'old' },
  );
  const r = new Resolver(fs, BUILTINS);
  const file = (p: string) => ({ k: 'file', path: p });

  it.each([
    ['fs', 'app.js', 'require', { k: 'builtin', name: 'fs' }],
    ['node:test', 'app.js', 'import', { k: 'builtin', name: 'test' }],
    ['./lib', 'app.js', 'require', file('lib/index.js')],
    ['./lib/util', 'app.js', 'require', file('lib/util.json')],
    ['pat', 'app.js', 'require', file('node_modules/pat/main.js')],
    ['pat/sub/a', 'app.js', 'require', file('node_modules/pat/dist/a.js')],
    ['pat/sub/deep/b', 'app.js', 'require', file('node_modules/pat/deep/b.js')],
    ['pat/cond', 'app.js', 'import', file('node_modules/pat/n.mjs')],
    ['pat/cond', 'app.js', 'require', file('node_modules/pat/n.cjs')],
    ['old', 'app.js', 'require', file('node_modules/old/lib/start.js')],
    ['pat', 'node_modules/old/lib/start.js', 'require', file('node_modules/old/node_modules/pat/nested.js')],
    ['@s/p', 'app.js', 'require', file('node_modules/@s/p/index.js')],
    ['alias', 'app.js', 'require', file('node_modules/old/lib/start.js')],
  ] as const)('%s from %s (%s)', async (spec, from, via, expected) => {
    expect(await r.resolve(spec, from, via)).toEqual(expected);
  });

  it.each([
    ['pat/sub/hidden/x', 'missing'],
    ['pat/nothing', 'missing'],
    ['../../etc/passwd', 'missing'],
    ['/etc/passwd', 'missing'],
    ['loop', 'loop'],
    ['', 'missing'],
    ['@scope-only', 'missing'],
  ])('%s → %s', async (spec, kind) => {
    expect((await r.resolve(spec, 'app.js', 'require')).k).toBe(kind);
  });
});

describe('small pieces', () => {
  it('reads node scripts out of start commands', () => {
    expect(nodeScriptsOf('NODE_ENV=production node --max-old-space-size=512 -r dotenv/config dist/server.js')).toEqual([
      { script: 'dist/server.js', preloads: ['dotenv/config'] },
    ]);
    expect(nodeScriptsOf('npm run build && node --import ./otel.mjs "app.js" --port 3')).toEqual([
      { script: 'app.js', preloads: ['./otel.mjs'] },
    ]);
    expect(nodeScriptsOf('node -e "console.log(1)"')).toEqual([{ preloads: [] }]);
    expect(nodeScriptsOf('next start')).toEqual([]);
  });

  it('names APIs in the contract form', () => {
    expect(builtinApiId('fs', ['promises', 'readFile'], BUILTINS)).toBe('fs/promises.readFile');
    expect(builtinApiId('dns', ['promises'], BUILTINS)).toBe('dns/promises.*');
    expect(builtinApiId('http', ['Server', 'prototype', 'listen'], BUILTINS)).toBe('http.Server#listen');
    expect(builtinApiId('os', [], BUILTINS)).toBe('os.*');
  });

  it('keeps the literals that matter per API', () => {
    expect(literalsFor('child_process.exec', [{ s: 'convert a.png b.jpg' }])).toEqual({ command: 'convert', args: ['a.png', 'b.jpg'] });
    expect(literalsFor('global.fetch', [{ s: 'http://svc/x' }])).toEqual({ host: 'svc', port: 80 });
    expect(
      literalsFor('net.Server#listen', [
        {
          obj: [
            ['port', { env: 'PORT', dflt: '8080' }],
            ['host', { s: '::' }],
          ],
        },
      ]),
    ).toEqual({ port: 8080, host: '::' });
    expect(literalsFor('fs.createWriteStream', [{ s: '/log' }, { obj: [['flags', { s: 'a' }]] }])).toEqual({ path: '/log', flags: 'a' });
    expect(literalsFor('fs.readFile', [{ n: 3 }])).toBeUndefined();
  });

  it('finds the package directory of a file', () => {
    expect(packageDirOf('node_modules/a/lib/x.js')).toBe('node_modules/a');
    expect(packageDirOf('node_modules/@s/p/x.js')).toBe('node_modules/@s/p');
    expect(packageDirOf('node_modules/a/node_modules/b/i.js')).toBe('node_modules/a/node_modules/b');
    expect(packageDirOf('src/x.js')).toBeUndefined();
    expect(joinRel('a/b', '../../..')).toBeUndefined();
  });

  it('stores, validates and rejects package cache entries on disk', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'charter-pkgcache-'));
    try {
      const cache = new FsPackageCache(dir);
      const facts: ModuleFacts = {
        esm: false,
        deps: [{ spec: './a', via: 'require', dynamic: false, top: true, at: { line: 1, column: 1 } }],
        uses: [
          {
            ref: { k: 'builtin', mod: 'fs', path: ['readFile'] },
            mode: 'call',
            at: { line: 2, column: 3 },
            top: false,
            args: [{ s: '/x' }, null],
          },
        ],
        exports: { named: [['x', [{ k: 'import', spec: './a', via: 'require', path: ['y'] }]]], stars: [] },
        uncertainties: [],
        listens: [],
      };
      await cache.put('a@1|v', { files: { 'index.js': facts } });
      expect(await cache.get('a@1|v')).toEqual({ files: { 'index.js': facts } });
      expect(await cache.get('a@2|v')).toBeUndefined();
      const [name] = await readdir(cache.dir);
      await writeFile(path.join(cache.dir, name!), '{"key":"a@1|v","files":{"i.js":{"esm":"no"}}}');
      expect(await cache.get('a@1|v')).toBeUndefined();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
