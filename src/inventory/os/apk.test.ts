import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apkAnalyzer } from './apk.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`./fixtures/${name}`, import.meta.url));
const LAYER = `sha256:${'a'.repeat(64)}`;
const DB = '/lib/apk/db/installed';

describe('apk', () => {
  it('lists installed packages with origin, arch and license', () => {
    const out = apkAnalyzer.analyze(DB, fixture('apk-installed'), LAYER);
    expect(out.components).toEqual([
      {
        ecosystem: 'apk',
        name: 'musl',
        version: '1.2.4_git20230717-r4',
        purl: 'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64',
        sourceName: 'musl',
        sourceVersion: '1.2.4_git20230717-r4',
        arch: 'x86_64',
        licenses: ['MIT'],
        layer: LAYER,
        path: DB,
      },
      expect.objectContaining({
        name: 'libcrypto3',
        sourceName: 'openssl',
        licenses: ['Apache-2.0'],
        purl: 'pkg:apk/alpine/libcrypto3@3.1.4-r2?arch=x86_64',
      }),
      expect.objectContaining({ name: 'busybox-binsh', sourceName: 'busybox', licenses: ['GPL-2.0-only'] }),
    ]);
    expect(out.diagnostics).toEqual([
      { code: 'apk-incomplete-record', severity: 'warning', message: expect.stringMatching(/^line 49: 1 record/) },
    ]);
  });

  it.each<[string, string, string[]]>([
    ['no origin: the package is its own source', 'P:a\nV:1-r0\n', ['a@1-r0<a']],
    ['CRLF', 'P:a\r\nV:1-r0\r\no:b\r\n\r\nP:c\r\nV:2-r0\r\n', ['a@1-r0<b', 'c@2-r0<c']],
    ['binary garbage', '\0\xff\xfe\x01', []],
    ['empty', '', []],
  ])('%s', (_, text, want) => {
    const out = apkAnalyzer.analyze(DB, Buffer.from(text, 'latin1'), LAYER);
    expect(out.components?.map((c) => `${c.name}@${c.version}<${c.sourceName ?? ''}`)).toEqual(want);
  });

  it.each([
    [DB, true],
    ['/lib/apk/db/installed.new', false],
    ['/usr/lib/apk/db/installed', false],
  ])('required(%s) = %s', (path, want) => {
    expect(apkAnalyzer.required(path)).toBe(want);
  });
});
