import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { Component } from '../../model/components.js';
import { npmAnalyzer, preferInstalled } from './npm.js';
import { isInstalledManifest, npmLicenses, npmPurl } from './npm-package.js';
import { nameOfSpecifier } from './yarn-lock.js';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '../../..');
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const FILE = { size: 100, mode: 0o100644 };
const analyze = (path: string, text: string) => npmAnalyzer.analyze(path, bytes(text), 'sha256:layer');

describe('npm required()', () => {
  it.each([
    ['/app/node_modules/express/package.json', true],
    ['/app/node_modules/@babel/core/package.json', true],
    ['/app/node_modules/a/node_modules/b/package.json', true],
    ['/usr/lib/node_modules/npm/package.json', true],
    ['/usr/lib/node_modules/npm/node_modules/@npmcli/arborist/package.json', true],
    ['/usr/share/nodejs/undici/package.json', true],
    ['/usr/share/nodejs/@types/node/package.json', true],
    ['/usr/lib/nodejs/acorn/package.json', true],
    ['/app/package-lock.json', true],
    ['/app/npm-shrinkwrap.json', true],
    ['/app/yarn.lock', true],
    // not package roots
    ['/app/package.json', false],
    ['/app/node_modules/express/lib/package.json', false],
    ['/app/node_modules/@babel/package.json', false],
    ['/app/node_modules/package.json', false],
    ['/usr/share/nodejs/undici/lib/package.json', false],
    ['/usr/share/nodejs/package.json', false],
    // test fixtures shipped inside packages
    ['/usr/lib/node_modules/npm/test/fixtures/node_modules/x/package.json', false],
    ['/app/node_modules/foo/__fixtures__/node_modules/bar/package.json', false],
    // lockfiles inside installed packages and npm's hidden lockfile
    ['/app/node_modules/foo/package-lock.json', false],
    ['/app/node_modules/.package-lock.json', false],
    ['/app/node_modules/foo/yarn.lock', false],
    ['/app/package.json.bak', false],
  ])('%s → %s', (path, want) => {
    expect(npmAnalyzer.required(path, FILE)).toBe(want);
  });

  it('skips non-regular entries when the mode says so', () => {
    expect(npmAnalyzer.required('/app/node_modules/a/package.json', { size: 0, mode: 0o120777 })).toBe(false);
    expect(npmAnalyzer.required('/app/node_modules/a/package.json', { size: 10, mode: 0 })).toBe(true);
  });

  it('the test-segment filter only applies inside node_modules', () => {
    expect(isInstalledManifest('/srv/test/app/node_modules/a/package.json')).toBe(true);
  });
});

describe('npm purl', () => {
  it.each([
    ['express', '4.18.2', 'pkg:npm/express@4.18.2'],
    ['@scope/name', '1.0.0', 'pkg:npm/%40scope/name@1.0.0'],
    ['JSONStream', '1.3.5', 'pkg:npm/jsonstream@1.3.5'],
    ['pkg', '1.0.0+build.1', 'pkg:npm/pkg@1.0.0%2Bbuild.1'],
  ])('%s@%s → %s', (name, version, purl) => {
    expect(npmPurl(name, version)).toBe(purl);
  });
});

describe('npm licenses', () => {
  it.each([
    [{ license: 'MIT' }, ['MIT']],
    [{ license: '(MIT OR Apache-2.0)' }, ['(MIT OR Apache-2.0)']],
    [{ license: { type: 'ISC', url: 'x' } }, ['ISC']],
    [{ licenses: [{ type: 'MIT' }, { type: 'Apache-2.0' }] }, ['MIT', 'Apache-2.0']],
    [{ license: ['BSD-2-Clause', 'MIT'] }, ['BSD-2-Clause', 'MIT']],
    [{ license: 42 }, []],
    [{ license: { type: 7 } }, []],
    [{ license: 'x'.repeat(1000) }, []],
    [{ license: 'MIT', licenses: [{ type: 'MIT' }] }, ['MIT']],
    [{ licenses: Array.from({ length: 1000 }, (_, i) => `L-${i}`) }, Array.from({ length: 16 }, (_, i) => `L-${i}`)],
  ])('licenses case %#', (pkg, want) => {
    expect(npmLicenses(pkg as Record<string, unknown>)).toEqual(want);
  });
});

describe('npm package.json', () => {
  it('reads name, version, license, install scripts and the implicit node-gyp install', () => {
    const out = analyze(
      '/app/node_modules/@acme/native/package.json',
      JSON.stringify({
        name: '@acme/native',
        version: '2.0.1',
        license: 'MIT',
        gypfile: true,
        scripts: { postinstall: 'node x.js', test: 'jest' },
      }),
    );
    expect(out.components).toEqual<Component[]>([
      {
        ecosystem: 'npm',
        name: '@acme/native',
        version: '2.0.1',
        purl: 'pkg:npm/%40acme/native@2.0.1',
        licenses: ['MIT'],
        layer: 'sha256:layer',
        path: '/app/node_modules/@acme/native/package.json',
        installScripts: ['install', 'postinstall'],
      },
    ]);
    expect(out.diagnostics).toBeUndefined();
  });

  it.each([
    ['debian-undici.package.json', '/usr/share/nodejs/undici/package.json', 'undici', '5.15.0', 'pkg:npm/undici@5.15.0'],
    [
      'debian-types-node.package.json',
      '/usr/share/nodejs/@types/node/package.json',
      '@types/node',
      '18.18.14',
      'pkg:npm/%40types/node@18.18.14',
    ],
  ])('real Debian manifest %s', (fixture, path, name, version, purl) => {
    const out = npmAnalyzer.analyze(path, readFileSync(resolve(here, 'fixtures', fixture)), 'sha256:l');
    expect(out.components).toHaveLength(1);
    expect(out.components?.[0]).toMatchObject({ name, version, purl, licenses: ['MIT'], path });
    expect(out.components?.[0]?.installScripts).toBeUndefined();
  });

  it.each([
    ['invalid JSON', '{"name": "a",\n "version": }', 'npm-invalid-json', /:2:/],
    ['an array', '[1,2]', 'npm-not-an-object', /not a JSON object/],
    ['wrong types', '{"name": 5, "version": "1.0.0"}', 'npm-missing-name-version', /must both be strings/],
    ['bad name', '{"name": "../../etc", "version": "1.0.0"}', 'npm-invalid-name', /not a valid npm package name/],
    ['__proto__ name', '{"name": "__proto__", "version": "1.0.0"}', 'npm-invalid-name', /__proto__/],
    ['bad version', '{"name": "a", "version": "1.0.0\\u0000\\n"}', 'npm-invalid-version', /not a valid version/],
    ['huge version', `{"name": "a", "version": "${'9'.repeat(5000)}"}`, 'npm-invalid-version', /…/],
  ])('%s → diagnostic, no component', (_label, text, code, message) => {
    const out = analyze('/app/node_modules/a/package.json', text);
    expect(out.components).toBeUndefined();
    expect(out.diagnostics?.[0]?.code).toBe(code);
    expect(out.diagnostics?.[0]?.message).toMatch(message);
    expect(out.diagnostics?.[0]?.message).toContain('/app/node_modules/a/package.json');
  });

  it('a manifest without name and version (a nested "type": "module" stub) is silently nothing', () => {
    expect(analyze('/app/node_modules/a/package.json', '{"type":"module"}')).toEqual({});
  });

  it('__proto__ keys do not pollute and do not become data', () => {
    const text =
      '{"__proto__": {"polluted": true, "version": "6.6.6"}, "name": "a", "version": "1.0.0", "scripts": {"__proto__": {"postinstall": "evil"}}, "license": {"__proto__": {"type": "GPL"}}}';
    const out = analyze('/app/node_modules/a/package.json', text);
    expect(out.components?.[0]).toMatchObject({ name: 'a', version: '1.0.0' });
    expect(out.components?.[0]?.installScripts).toBeUndefined();
    expect(out.components?.[0]?.licenses).toBeUndefined();
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('binary garbage and a BOM are handled', () => {
    expect(npmAnalyzer.analyze('/app/node_modules/a/package.json', new Uint8Array([0xff, 0xfe, 0, 1, 2]), 'l').diagnostics?.[0]?.code).toBe(
      'npm-invalid-json',
    );
    expect(analyze('/app/node_modules/a/package.json', '\ufeff{"name":"a","version":"1.0.0"}').components?.[0]?.name).toBe('a');
  });

  it('deeply nested JSON does not crash', () => {
    const deep = `{"name":"a","version":"1.0.0","x":${'['.repeat(100_000)}${']'.repeat(100_000)}}`;
    const out = analyze('/app/node_modules/a/package.json', deep);
    expect(out.components?.[0]?.name ?? out.diagnostics?.[0]?.code).toBeTruthy();
  });
});

const LOCK_V3 = JSON.stringify({
  name: 'app',
  lockfileVersion: 3,
  packages: {
    '': { name: 'app', version: '1.0.0' },
    'node_modules/express': { version: '4.18.2', license: 'MIT' },
    'node_modules/@types/node': { version: '20.1.0', dev: true, license: 'MIT' },
    'node_modules/a/node_modules/express': { version: '4.18.2' },
    'node_modules/alias': { name: 'real-pkg', version: '1.2.3' },
    'node_modules/ws-link': { resolved: 'packages/ws', link: true },
    'packages/ws': { name: 'ws-local', version: '0.0.1' },
    'node_modules/local': { version: 'file:../local' },
    'node_modules/gitdep': { version: 'git+ssh://git@example.com/x.git#abc' },
    'node_modules/__proto__': { version: '1.0.0' },
    'node_modules/both': { version: '1.0.0', dev: true },
    'node_modules/x/node_modules/both': { version: '1.0.0' },
  },
});

const LOCK_V1 = JSON.stringify({
  name: 'app',
  lockfileVersion: 1,
  dependencies: {
    lodash: { version: '4.17.21' },
    mocha: { version: '10.0.0', dev: true, dependencies: { debug: { version: '4.3.4', dev: true } } },
    aliased: { version: 'npm:@scope/real@2.0.0' },
    local: { version: 'file:../local' },
  },
});

describe('npm lockfiles', () => {
  it('v2/v3 packages map: root, links, workspaces, non-registry versions skipped; dev flagged; duplicates merged', () => {
    const out = analyze('/app/package-lock.json', LOCK_V3);
    const got = (out.components ?? []).map((c) => [c.name, c.version, (c as { dev?: boolean }).dev ?? false]);
    expect(got).toEqual([
      ['express', '4.18.2', false],
      ['@types/node', '20.1.0', true],
      ['real-pkg', '1.2.3', false],
      ['both', '1.0.0', false],
    ]);
    expect(out.components?.[0]).toMatchObject({
      purl: 'pkg:npm/express@4.18.2',
      licenses: ['MIT'],
      path: '/app/package-lock.json',
      layer: 'sha256:layer',
    });
    expect(out.diagnostics?.map((d) => d.code)).toEqual(['npm-lock-skipped']);
  });

  it('v1 dependency tree, with aliases and nested deps', () => {
    const out = analyze('/app/npm-shrinkwrap.json', LOCK_V1);
    expect((out.components ?? []).map((c) => `${c.name}@${c.version}${(c as { dev?: boolean }).dev ? ' dev' : ''}`).sort()).toEqual([
      '@scope/real@2.0.0',
      'debug@4.3.4 dev',
      'lodash@4.17.21',
      'mocha@10.0.0 dev',
    ]);
  });

  it('hostile lockfiles: wrong shapes, deep nesting', () => {
    expect(analyze('/app/package-lock.json', '{"packages": [1,2]}').diagnostics?.[0]?.code).toBe('npm-lock-bad-shape');
    expect(analyze('/app/package-lock.json', '"str"').diagnostics?.[0]?.code).toBe('npm-lock-not-an-object');
    expect(analyze('/app/package-lock.json', '{"packages": {').diagnostics?.[0]?.code).toBe('npm-lock-invalid-json');
    let deep: Record<string, unknown> = { version: '1.0.0' };
    for (let i = 0; i < 400; i++) deep = { version: '1.0.0', dependencies: { [`p${i}`]: deep } };
    const out = analyze('/app/package-lock.json', JSON.stringify({ dependencies: { root: deep } }));
    expect(out.diagnostics?.map((d) => d.code)).toContain('npm-lock-too-deep');
    expect((out.components ?? []).length).toBeGreaterThan(200);
  });

  it("reads this repository's own lockfile", () => {
    const out = npmAnalyzer.analyze('/src/package-lock.json', readFileSync(resolve(repoRoot, 'package-lock.json')), 'l');
    const byName = new Map((out.components ?? []).map((c) => [c.name, c as Component & { dev?: boolean }]));
    expect(byName.get('zod')?.dev).toBeUndefined();
    expect(byName.get('vitest')?.dev).toBe(true);
    expect(byName.has('charter')).toBe(false);
  });
});

describe('yarn.lock v1', () => {
  const YARN = [
    '# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.',
    '# yarn lockfile v1',
    '',
    '',
    '"@babel/code-frame@^7.0.0", "@babel/code-frame@^7.10.4":',
    '  version "7.12.13"',
    '  resolved "https://example.invalid/@babel/code-frame/-/code-frame-7.12.13.tgz#abc"',
    '  integrity sha512-xyz',
    '  dependencies:',
    '    "@babel/highlight" "^7.12.13"',
    '',
    'lodash@^4.17.20, lodash@^4.17.21:',
    '  version "4.17.21"',
    '',
    'my-alias@npm:left-pad@^1.3.0:',
    '  version "1.3.0"',
    '',
    '"local@file:../local":',
    '  version "0.0.0"',
    '',
    'garbage line without colon',
    '__proto__@^1:',
    '  version "1.0.0"',
    '',
  ].join('\n');

  it('reads blocks, resolves aliases, skips file: specifiers and hostile names', () => {
    const out = analyze('/app/yarn.lock', YARN);
    expect((out.components ?? []).map((c) => c.purl)).toEqual([
      'pkg:npm/%40babel/code-frame@7.12.13',
      'pkg:npm/lodash@4.17.21',
      'pkg:npm/left-pad@1.3.0',
    ]);
    expect(out.diagnostics?.map((d) => d.code)).toEqual(['yarn-bad-line', 'yarn-skipped']);
    expect(out.diagnostics?.[0]?.message).toMatch(/^\/app\/yarn\.lock:21:/);
  });

  it('berry lockfiles are reported, not misread', () => {
    const out = analyze('/app/yarn.lock', '__metadata:\n  version: 6\n\n"lodash@npm:^4.17.21":\n  version: 4.17.21\n');
    expect(out.components).toBeUndefined();
    expect(out.diagnostics?.[0]?.code).toBe('yarn-berry-unsupported');
  });

  it.each([
    ['lodash@^4', 'lodash'],
    ['"@babel/core@^7.0.0"', '@babel/core'],
    ['foo@npm:@scope/bar@^1', '@scope/bar'],
    ['x@file:../x', undefined],
    ['x@github:u/r', undefined],
    ['@scope', undefined],
  ])('specifier %s → %s', (spec, name) => {
    expect(nameOfSpecifier(spec)).toBe(name);
  });
});

describe('preferInstalled', () => {
  const c = (path: string, name = 'a'): Component => ({ ecosystem: 'npm', name, version: '1.0.0', purl: `pkg:npm/${name}@1.0.0`, path });
  it('drops lockfile components of an installed app, keeps those of an uninstalled one', () => {
    const list = [
      c('/app/node_modules/a/package.json'),
      c('/app/package-lock.json'),
      c('/other/yarn.lock', 'b'),
      { ...c('/x'), ecosystem: 'deb' as const },
    ];
    expect(preferInstalled(list).map((x) => x.path)).toEqual(['/app/node_modules/a/package.json', '/other/yarn.lock', '/x']);
  });
});

describe('JSON error positions', () => {
  it.each([
    ['{"a":\n 1,}', 2, 4],
    ['{"a" 1}', 1, 6],
    ['[1, 2', 1, 6],
    ['{"a": tru}', 1, 7],
    ['\n\n  }', 3, 3],
    ['{"a": 1} x', 1, 10],
  ])('%j → line %i column %i', async (text, line, column) => {
    const { parseJson } = await import('./common.js');
    const r = parseJson('f.json', text, 'npm-invalid-json');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.diagnostic.message).toMatch(new RegExp(`^f\\.json:${line}:${column}: `));
  });
});
