#!/usr/bin/env node
// Node.js static analysis benchmark (src/nodejs/analyze), as ratios against `esbuild --bundle` of
// the same entry point, measured in the same run (alternating, median of N):
//
//   node-analyze-cold       analysis with no package cache              vs  esbuild --bundle --platform=node   (target ≤ 2.0)
//   node-analyze-warm-mem   every package's facts in an in-memory cache  vs  esbuild --bundle
//   node-analyze-warm-disk  every package's facts in the on-disk cache   vs  esbuild --bundle
//
// The app requires express@4, webpack@5, eslint@9 and jest@29 (about 450 installed packages); it is
// installed once into .cache/bench/node-app. The warm analyses must give the cold one's results.
// Usage: node bench/node-analyze.js [--runs 5] [--json]      (needs `npm run build` and the npm registry once)
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { compare } from './lib.js';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const runs = args.includes('--runs') ? Number(args[args.indexOf('--runs') + 1]) : 5;

const { analyzeNodeApp } = await import(join(root, 'dist/nodejs/analyze/index.js'));
const { diskAppFs } = await import(join(root, 'dist/nodejs/analyze/disk-app-fs.js'));
const { FsPackageCache } = await import(join(root, 'dist/nodejs/analyze/fs-package-cache.js'));
const { MemoryPackageCache } = await import(join(root, 'dist/nodejs/analyze/package-cache.js'));

const APP = `const express = require('express');
const webpack = require('webpack');
const { ESLint } = require('eslint');
const jest = require('jest');
const app = express();
app.post('/lint', async (req, res) => res.json(await new ESLint().lintText('x')));
app.post('/build', (req, res) => webpack({}).run(() => res.end()));
app.listen(3000);
`;
const PACKAGES = ['express@4', 'webpack@5', 'eslint@9', 'jest@29'];

/** The app directory, installed on first use (into a temporary name, renamed when complete). */
function benchApp() {
  const dir = join(root, '.cache', 'bench', 'node-app');
  if (existsSync(join(dir, 'node_modules'))) return dir;
  mkdirSync(dirname(dir), { recursive: true });
  const partial = `${dir}.partial-${process.pid}`;
  mkdirSync(partial);
  writeFileSync(join(partial, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', private: true, main: 'app.js' }));
  writeFileSync(join(partial, 'app.js'), APP);
  console.error(`installing ${PACKAGES.join(' ')} into .cache/bench/node-app (once)…`);
  const npm = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error', ...PACKAGES], {
    cwd: partial,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (npm.status !== 0) throw new Error('npm install of the benchmark app failed');
  rmSync(dir, { recursive: true, force: true });
  renameSync(partial, dir);
  return dir;
}

const dir = benchApp();

// Optional peers that are not installed, and one path no package exports, stay external, as in a
// real build: the bundle then succeeds, so the baseline does all of esbuild's work (a failed build
// stops before linking).
const external = [
  '@babel/preset-typescript',
  '@babel/preset-typescript/*',
  'jiti',
  'jiti/*',
  'sharp',
  '@napi-rs/image',
  '@swc/*',
  'esbuild',
  'uglify-js',
  'lightningcss',
  'svgo',
  'csso',
  'clean-css',
  'cssnano',
  'html-minifier-terser',
  '@minify-html/node',
  '@swc/html',
  'jest-resolve/build/default_resolver',
];
let esbuildInputs = 0;
const esbuild = async () => {
  const r = await build({
    entryPoints: [join(dir, 'app.js')],
    bundle: true,
    platform: 'node',
    write: false,
    logLevel: 'silent',
    metafile: true,
    external,
    loader: { '.node': 'empty' },
  });
  esbuildInputs = Object.keys(r.metafile.inputs).length;
};

const analyze = (cache) => analyzeNodeApp({ root: dir, fs: diskAppFs(dir) }, cache ? { cache } : {});
/** What must not change between cold and warm analyses (or before and after an optimisation). */
const outcome = (r) =>
  JSON.stringify({
    apis: r.apis,
    uncertainties: r.uncertainties,
    listenCandidates: r.listenCandidates,
    reachedPackages: r.reachedPackages,
  });

const results = [];
const cold = await analyze();
results.push(await compare('node-analyze-cold', esbuild, () => analyze(), { runs, target: 2.0, width: 22 }));

const memory = new MemoryPackageCache();
await analyze(memory);
const warmMem = await analyze(memory);
results.push(await compare('node-analyze-warm-mem', esbuild, () => analyze(memory), { runs, width: 22 }));

const cacheDir = mkdtempSync(join(tmpdir(), 'charter-bench-node-cache-'));
await analyze(new FsPackageCache(cacheDir));
const warmDisk = await analyze(new FsPackageCache(cacheDir));
results.push(await compare('node-analyze-warm-disk', esbuild, () => analyze(new FsPackageCache(cacheDir)), { runs, width: 22 }));
rmSync(cacheDir, { recursive: true, force: true });

console.log(
  `${''.padEnd(22)} ${cold.reachedPackages.length} packages reached (${cold.unreachedPackages.length} unreached), ${cold.reachedFiles} modules ` +
    `(esbuild: ${esbuildInputs} inputs), ${cold.apis.length} API uses, ${cold.uncertainties.length} uncertainties`,
);
for (const [name, warm] of [
  ['warm-mem', warmMem],
  ['warm-disk', warmDisk],
]) {
  if (outcome(warm) !== outcome(cold)) {
    console.log(`node-analyze-${name} FAILED: results differ from the cold analysis`);
    process.exitCode = 1;
  }
}
if (warmMem.stats.fromCache === 0 || warmDisk.stats.fromCache === 0) {
  console.log('node-analyze-warm FAILED: nothing was served from the package cache');
  process.exitCode = 1;
}
if (args.includes('--json')) console.log(JSON.stringify(results, null, 2));
