import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { normalizePypiName, parseHeaders, pythonAnalyzer, pythonLicenses, pypiPurl } from './python.js';

const here = dirname(fileURLToPath(import.meta.url));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const FILE = { size: 100, mode: 0o100644 };

describe('python required()', () => {
  it.each([
    ['/usr/local/lib/python3.12/site-packages/requests-2.31.0.dist-info/METADATA', true],
    ['/usr/lib/python3/dist-packages/PyJWT-2.6.0.egg-info/PKG-INFO', true],
    ['/usr/lib/python3/dist-packages/six-1.16.0.egg-info', true],
    ['/opt/venv/lib/python3.11/site-packages/pip-24.2.dist-info/METADATA', true],
    ['/usr/local/lib/python3.12/site-packages/requests-2.31.0.dist-info/RECORD', false],
    ['/src/requests.egg-info/PKG-INFO', false],
    ['/usr/lib/python3/dist-packages/foo/METADATA', false],
  ])('%s → %s', (path, want) => {
    expect(pythonAnalyzer.required(path, FILE)).toBe(want);
  });
});

describe('python names and purls', () => {
  it.each([
    ['PyYAML', 'pyyaml'],
    ['zope.interface', 'zope-interface'],
    ['Foo__Bar-.baz', 'foo-bar-baz'],
  ])('%s → %s', (name, norm) => {
    expect(normalizePypiName(name)).toBe(norm);
  });
  it('purl uses the normalised name', () => {
    expect(pypiPurl('Django_REST.framework', '3.14.0')).toBe('pkg:pypi/django-rest-framework@3.14.0');
  });
});

describe('python licenses', () => {
  it.each([
    ['License-Expression wins', 'Name: a\nLicense-Expression: MIT OR Apache-2.0\nLicense: BSD\n', ['MIT OR Apache-2.0']],
    ['License field', 'Name: a\nLicense: BSD-3-Clause\nClassifier: License :: OSI Approved :: MIT License\n', ['BSD-3-Clause']],
    [
      'UNKNOWN falls back to classifiers',
      'License: UNKNOWN\nClassifier: License :: OSI Approved :: MIT License\nClassifier: License :: OSI Approved :: Apache Software License\n',
      ['MIT', 'Apache Software License'],
    ],
    [
      'pasted license text falls back',
      'License: Copyright (c) 2020\n        Permission is hereby granted\nClassifier: License :: OSI Approved :: ISC License (ISCL)\n',
      ['ISC'],
    ],
    ['only "OSI Approved"', 'Classifier: License :: OSI Approved\n', []],
    ['body is not headers', 'Name: a\n\nLicense: MIT\n', []],
  ])('%s', (_label, text, want) => {
    expect(pythonLicenses(parseHeaders(text))).toEqual(want);
  });
});

describe('python metadata', () => {
  it.each([
    ['PyYAML-6.0.METADATA', '/usr/lib/python3/dist-packages/PyYAML-6.0.dist-info/METADATA', 'PyYAML', '6.0', 'pkg:pypi/pyyaml@6.0'],
    ['crcmod-1.7.PKG-INFO', '/usr/lib/python3/dist-packages/crcmod-1.7.egg-info/PKG-INFO', 'crcmod', '1.7', 'pkg:pypi/crcmod@1.7'],
  ])('real file %s', (fixture, path, name, version, purl) => {
    const out = pythonAnalyzer.analyze(path, readFileSync(resolve(here, 'fixtures', fixture)), 'sha256:l');
    expect(out.components).toEqual([{ ecosystem: 'pypi', name, version, purl, licenses: ['MIT'], layer: 'sha256:l', path }]);
  });

  it.each([
    ['no name', 'Version: 1.0\n', 'python-missing-name-version'],
    ['empty', '', 'python-missing-name-version'],
    ['binary', '\u0000\u0001\u0002', 'python-missing-name-version'],
    ['hostile name', 'Name: ../../x\nVersion: 1\n', 'python-invalid-name'],
    ['__proto__ name', 'Name: __proto__\nVersion: 1\n', 'python-invalid-name'],
    ['hostile version', `Name: a\nVersion: ${'1'.repeat(500)}\n`, 'python-invalid-version'],
  ])('%s → diagnostic', (_label, text, code) => {
    const out = pythonAnalyzer.analyze('/x/site-packages/a.dist-info/METADATA', bytes(text), 'l');
    expect(out.components).toBeUndefined();
    expect(out.diagnostics?.[0]?.code).toBe(code);
    expect(out.diagnostics?.[0]?.message).toContain('/x/site-packages/a.dist-info/METADATA');
  });

  it('a huge header block is bounded', () => {
    const text = `Name: a\nVersion: 1.0\n${'Classifier: X :: Y\n'.repeat(200_000)}`;
    const t0 = performance.now();
    const out = pythonAnalyzer.analyze('/x/site-packages/a.dist-info/METADATA', bytes(text), 'l');
    expect(out.components?.[0]?.name).toBe('a');
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('CRLF line ends', () => {
    const out = pythonAnalyzer.analyze('/x/site-packages/a.dist-info/METADATA', bytes('Name: a\r\nVersion: 2.0\r\nLicense: MIT\r\n'), 'l');
    expect(out.components?.[0]).toMatchObject({ name: 'a', version: '2.0', licenses: ['MIT'] });
  });
});
