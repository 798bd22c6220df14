/**
 * A real application: express@4 installed from the npm registry into a temporary directory. The
 * app's own code only calls `app.listen(3000)` on an object from a package; the analysis must
 * find `http.Server#listen` inside express, `fs.readFile` in the app, and the package split.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskAppFs } from './disk-app-fs.js';
import { type NodeAppAnalysis, analyzeNodeApp } from './index.js';

const run = promisify(execFile);
let dir = '';
let installed = false;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-express-'));
  await writeFile(path.join(dir, 'package.json'), JSON.stringify({ name: 'express-app', version: '1.0.0', main: 'app.js' }));
  try {
    // `debug` stays installed (express depends on it) but `lodash` is a dependency nobody requires.
    await run('npm', ['install', '--no-audit', '--no-fund', '--loglevel=error', 'express@4', 'lodash@4'], { cwd: dir, timeout: 120_000 });
    installed = true;
  } catch (err) {
    console.warn('express fixture: npm install failed, the real-app test is skipped', err);
  }
  await writeFile(
    path.join(dir, 'app.js'),
    [
      "const express = require('express');",
      "const fs = require('fs');",
      'const app = express();',
      "app.get('/', (req, res) => {",
      "  fs.readFile('/srv/page.html', (err, data) => res.send(data));",
      '});',
      'app.listen(process.env.PORT || 3000);',
      '',
    ].join('\n'),
  );
}, 150_000);

afterAll(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('express@4 application', () => {
  let r: NodeAppAnalysis;

  it('finds the server, the route handler and the package split', async (ctx) => {
    if (!installed) ctx.skip();
    r = await analyzeNodeApp({ root: dir, fs: diskAppFs(dir) });
    const ids = new Set(r.apis.map((a) => a.api));
    expect(ids.has('http.Server#listen') || ids.has('net.Server#listen')).toBe(true);
    expect(ids.has('http.createServer')).toBe(true);
    const readFile = r.apis.find((a) => a.api === 'fs.readFile' && a.at.file === 'app.js');
    expect(readFile).toMatchObject({ at: { file: 'app.js', line: 5, column: 6 }, phase: 'serving', literals: { path: '/srv/page.html' } });
    // The listen inside express (application.js) runs when the app calls it: serving phase.
    const listen = r.apis.find((a) => a.api === 'http.Server#listen');
    expect(listen?.at.file).toBe('node_modules/express/lib/application.js');
    // The app's own listen is on an untyped object: a candidate port, with the env variable.
    expect(r.listenCandidates).toEqual([{ at: { file: 'app.js', line: 7, column: 5 }, port: 3000, env: 'PORT', phase: 'startup' }]);
    const names = r.reachedPackages.map((p) => p.slice(0, p.lastIndexOf('@')));
    for (const dep of ['express', 'body-parser', 'send', 'serve-static', 'finalhandler', 'qs', 'mime']) {
      expect(names).toContain(dep);
    }
    // express's view loader requires a computed engine name (lib/view.js): any installed package
    // may be that engine, so the unused lodash is reached too, and the site says why.
    expect(r.unreachedPackages).toEqual([]);
    expect(r.uncertainties.filter((u) => u.kind === 'computed-module').map((u) => u.at.file)).toEqual(['node_modules/express/lib/view.js']);
    expect(
      r.uncertainties.some((u) => ['dynamic-require', 'dynamic-import', 'eval', 'new-function', 'process-binding'].includes(u.kind)),
    ).toBe(false);
    expect(r.entryPoints).toEqual([{ file: 'app.js', why: 'package.json main' }]);
    expect(r.reachedFiles).toBeGreaterThan(50);
  });
});
