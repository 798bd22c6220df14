import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { dpkgAnalyzer, isDpkgDatabase, parseSource } from './dpkg.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const LAYER = `sha256:${'a'.repeat(64)}`;
const STATUS = '/var/lib/dpkg/status';

describe('dpkg', () => {
  it('lists installed packages of a real bookworm status file with their source packages', () => {
    const out = dpkgAnalyzer.analyze(STATUS, fixture('dpkg-status'), LAYER);
    const rows = out.components?.map((c) => [c.name, c.version, c.arch, c.sourceName, c.sourceVersion, c.purl]);
    expect(rows).toEqual([
      ['bash', '5.2.15-2+b13', 'amd64', 'bash', '5.2.15-2', 'pkg:deb/debian/bash@5.2.15-2%2Bb13?arch=amd64'],
      ['libc6', '2.36-9+deb12u14', 'amd64', 'glibc', '2.36-9+deb12u14', 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u14?arch=amd64'],
      ['libssl3', '3.0.22-1~deb12u2', 'amd64', 'openssl', '3.0.22-1~deb12u2', 'pkg:deb/debian/libssl3@3.0.22-1~deb12u2?arch=amd64'],
      [
        'nodejs',
        '18.20.4+dfsg-1~deb12u3',
        'amd64',
        'nodejs',
        '18.20.4+dfsg-1~deb12u3',
        'pkg:deb/debian/nodejs@18.20.4%2Bdfsg-1~deb12u3?arch=amd64',
      ],
      ['tzdata', '2026f-0+deb12u1', 'all', 'tzdata', '2026f-0+deb12u1', 'pkg:deb/debian/tzdata@2026f-0%2Bdeb12u1?arch=all'],
      // The epoch stays in the version (Debian's version string, as advisories quote it).
      ['zlib1g', '1:1.2.13.dfsg-1', 'amd64', 'zlib', '1:1.2.13.dfsg-1', 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64'],
    ]);
    expect(out.components?.every((c) => c.ecosystem === 'deb' && c.layer === LAYER && c.path === STATUS && c.distro === undefined)).toBe(
      true,
    );
    // oldpkg (config-files) and half-done are not installed; no-version is reported.
    expect(out.diagnostics).toEqual([
      { code: 'dpkg-incomplete-stanza', severity: 'warning', message: expect.stringMatching(/^line 158: 1 installed stanza/) },
    ]);
  });

  it('reads distroless status.d files (no Status field) and skips their md5sums', () => {
    const base = dpkgAnalyzer.analyze('/var/lib/dpkg/status.d/base-files', fixture('distroless-status.d/base-files'), LAYER);
    const ssl = dpkgAnalyzer.analyze('/var/lib/dpkg/status.d/libssl3', fixture('distroless-status.d/libssl3'), LAYER);
    expect(base.components?.map((c) => c.purl)).toEqual(['pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64']);
    expect(ssl.components?.map((c) => [c.name, c.sourceName, c.path])).toEqual([['libssl3', 'openssl', '/var/lib/dpkg/status.d/libssl3']]);
    expect(dpkgAnalyzer.required('/var/lib/dpkg/status.d/libssl3.md5sums')).toBe(false);
  });

  it.each([
    [STATUS, true],
    ['/var/lib/dpkg/status.d/foo', true],
    ['/var/lib/dpkg/status-old', false],
    ['/var/lib/dpkg/status.d/', false],
    ['/var/lib/dpkg/status.d/sub/foo', false],
    ['/var/lib/dpkg/status.d/foo.md5sums', false],
    ['/var/lib/dpkg/available', false],
    ['/usr/var/lib/dpkg/status', false],
  ])('isDpkgDatabase(%s) = %s', (path, want) => {
    expect(isDpkgDatabase(path)).toBe(want);
    expect(dpkgAnalyzer.required(path)).toBe(want);
  });

  it.each([
    ['glibc', { name: 'glibc' }],
    ['openssl (3.0.11-1~deb12u2)', { name: 'openssl', version: '3.0.11-1~deb12u2' }],
    ['util-linux (2.38.1-5+deb12u3)', { name: 'util-linux', version: '2.38.1-5+deb12u3' }],
    ['two words', undefined],
    ['x (a b)', undefined],
  ])('parseSource(%s)', (field, want) => {
    expect(parseSource(field)).toEqual(want);
  });

  it.each<[string, string, string[], string[]]>([
    ['CRLF line ends', 'Package: a\r\nStatus: install ok installed\r\nVersion: 1\r\n\r\nPackage: b\r\nVersion: 2\r\n', ['a@1', 'b@2'], []],
    ['field names in any case', 'package: a\nSTATUS: hold ok installed\nversion: 1\n', ['a@1'], []],
    ['stanzas separated by whitespace-only lines', 'Package: a\nVersion: 1\n \t\nPackage: b\nVersion: 2\n', ['a@1', 'b@2'], []],
    ['a bad Source field', 'Package: a\nVersion: 1\nSource: x (y z)\n', ['a@1'], ['dpkg-bad-source']],
    ['garbage lines', 'Package: a\nVersion: 1\nthis is not a field\n', ['a@1'], ['dpkg-bad-line']],
    ['binary bytes', '\0\x01\x02\xff\xfe', [], ['dpkg-bad-line']],
    ['empty file', '', [], []],
    ['a status that is not installed', 'Package: a\nVersion: 1\nStatus: purge ok not-installed\n', [], []],
  ])('%s', (_, text, want, codes) => {
    const out = dpkgAnalyzer.analyze(STATUS, Buffer.from(text, 'latin1'), LAYER);
    expect(out.components?.map((c) => `${c.name}@${c.version}`)).toEqual(want);
    expect((out.diagnostics ?? []).map((d) => d.code)).toEqual(codes);
  });

  it('stays linear on a hostile file: 200,000 stanzas and a 4 MB line', () => {
    const many = 'Package: p\nVersion: 1\nStatus: install ok installed\n\n'.repeat(200_000);
    const t0 = performance.now();
    expect(dpkgAnalyzer.analyze(STATUS, Buffer.from(many), LAYER).components).toHaveLength(200_000);
    const long = dpkgAnalyzer.analyze(STATUS, Buffer.from(`Package: ${'x'.repeat(4 << 20)}\nVersion: 1\n`), LAYER);
    expect(long.components?.[0]?.name).toHaveLength(4 << 20);
    expect(performance.now() - t0).toBeLessThan(10_000);
  });
});
