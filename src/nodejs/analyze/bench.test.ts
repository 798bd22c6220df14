/**
 * Analysis time of a large application against `esbuild --bundle --platform=node` of the same
 * entry (the brief's yardstick: ≤ 2×), and the warm-cache time. Opt-in (installs ~450 packages):
 * CHARTER_NODE_BENCH=1, or CHARTER_NODE_BENCH_DIR=<an app directory with node_modules and app.js>.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import { diskAppFs } from './disk-app-fs.js';
import { FsPackageCache } from './fs-package-cache.js';
import { analyzeNodeApp } from './index.js';
import { MemoryPackageCache } from './package-cache.js';

const enabled = process.env['CHARTER_NODE_BENCH'] === '1' || process.env['CHARTER_NODE_BENCH_DIR'] !== undefined;

const APP = `const express = require('express');
const webpack = require('webpack');
const { ESLint } = require('eslint');
const jest = require('jest');
const app = express();
app.post('/lint', async (req, res) => res.json(await new ESLint().lintText('x')));
app.post('/build', (req, res) => webpack({}).run(() => res.end()));
app.listen(3000);
`;

describe.runIf(enabled)('analysis time against esbuild', () => {
  it('analyses a ~450-package app', async () => {
    let dir = process.env['CHARTER_NODE_BENCH_DIR'];
    let made = false;
    if (!dir) {
      dir = await mkdtemp(path.join(tmpdir(), 'charter-bench-'));
      made = true;
      await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'bench-app', version: '1.0.0', main: 'app.js' }));
      await writeFile(path.join(dir, 'app.js'), APP);
      await promisify(execFile)('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'express@4', 'webpack@5', 'eslint@9', 'jest@29'], {
        cwd: dir,
        timeout: 300_000,
      });
    }
    const time = async <T>(f: () => Promise<T>): Promise<[T, number]> => {
      const t = performance.now();
      const v = await f();
      return [v, performance.now() - t];
    };
    // Warm the OS page cache and the JIT once for both sides.
    // Optional peer packages that are not installed are left external, as a real build would.
    const external = ['@babel/preset-typescript', '@babel/preset-typescript/*', 'jiti', 'jiti/*', 'sharp', '@napi-rs/image', '@swc/*', 'esbuild', 'uglify-js', 'lightningcss', 'svgo', 'csso', 'clean-css', 'cssnano', 'html-minifier-terser', '@minify-html/node', '@swc/html'];
    const esb = () =>
      build({ entryPoints: [path.join(dir!, 'app.js')], bundle: true, platform: 'node', write: false, logLevel: 'silent', metafile: true, external, loader: { '.node': 'empty' } }).catch(
        (e: unknown) => e,
      );
    await esb();
    await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) });
    const [esbuildResult, esbuildMs] = await time(esb);
    const [cold, coldMs] = await time(() => analyzeNodeApp({ root: dir!, fs: diskAppFs(dir!) }));
    const mem = new MemoryPackageCache();
    await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) }, { cache: mem });
    const [warm, warmMs] = await time(() => analyzeNodeApp({ root: dir!, fs: diskAppFs(dir!) }, { cache: mem }));
    const cacheDir = await mkdtemp(path.join(tmpdir(), 'charter-bench-cache-'));
    await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) }, { cache: new FsPackageCache(cacheDir) });
    const [, warmFsMs] = await time(() => analyzeNodeApp({ root: dir!, fs: diskAppFs(dir!) }, { cache: new FsPackageCache(cacheDir) }));
    // -1 when the build failed (its time is then not a fair yardstick).
    const esbuildInputs = esbuildResult instanceof Error ? -1 : Object.keys((esbuildResult as { metafile?: { inputs: object } }).metafile?.inputs ?? {}).length;
    console.log(
      JSON.stringify({
        packagesReached: cold.reachedPackages.length,
        packagesUnreached: cold.unreachedPackages.length,
        modules: cold.reachedFiles,
        esbuildInputs,
        apis: cold.apis.length,
        uncertainties: cold.uncertainties.length,
        esbuildMs: Math.round(esbuildMs),
        coldMs: Math.round(coldMs),
        ratio: Number((coldMs / esbuildMs).toFixed(2)),
        warmMemoryMs: Math.round(warmMs),
        warmFsMs: Math.round(warmFsMs),
        warmFromCache: warm.stats.fromCache,
      }),
    );
    expect(warm.apis).toEqual(cold.apis);
    await rm(cacheDir, { recursive: true, force: true });
    if (made) await rm(dir, { recursive: true, force: true });
  }, 600_000);
});
