import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { FileAnalyzer } from '../../model/analyzer.js';
import { osReleaseAnalyzer as typed, parseOsRelease } from './os-release.js';

const osReleaseAnalyzer: FileAnalyzer = typed;

const fixture = (name: string): string => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const LAYER = `sha256:${'a'.repeat(64)}`;

describe('os-release', () => {
  it.each([
    ['debian-os-release', { id: 'debian', versionId: '12', versionCodename: 'bookworm', prettyName: 'Debian GNU/Linux 12 (bookworm)' }],
    ['apk-os-release', { id: 'alpine', versionId: '3.19.0', prettyName: 'Alpine Linux v3.19' }],
    ['ubuntu-os-release', { id: 'ubuntu', versionId: '22.04', versionCodename: 'jammy', prettyName: 'Ubuntu 22.04.4 LTS' }],
  ])('%s', (name, want) => {
    expect(osReleaseAnalyzer.analyze('/usr/lib/os-release', Buffer.from(fixture(name)), LAYER)).toEqual({ os: want });
  });

  it.each([
    [
      'quotes and escapes',
      'ID="fedora"\nVERSION_ID=39\nPRETTY_NAME="Fedora \\"Linux\\" 39"\n',
      { id: 'fedora', versionId: '39', prettyName: 'Fedora "Linux" 39' },
    ],
    ['single quotes are literal', "ID='rhel'\nVERSION_ID='9.3'\n", { id: 'rhel', versionId: '9.3' }],
    [
      'comments, CRLF, blank lines',
      '# comment\r\n\r\nID=Debian\r\nVERSION_CODENAME=trixie\r\n',
      { id: 'debian', versionCodename: 'trixie' },
    ],
    ['no ID: os-release(5) says linux', 'NAME=Something\n', { id: 'linux' }],
    ['an empty ID is the default too', 'ID=\nVERSION_ID=1\n', { id: 'linux', versionId: '1' }],
    ['lower-case keys are not fields', 'id=debian\nID=alpine\n', { id: 'alpine' }],
  ])('%s', (_, text, want) => {
    expect(parseOsRelease(text).os).toEqual(want);
  });

  it.each([
    ['empty', ''],
    ['binary', '\x7fELF\x02\x01\x01\0\0\0'],
    ['only comments', '# nothing here\n'],
  ])('%s: no OS, a warning', (_, text) => {
    const out = osReleaseAnalyzer.analyze('/etc/os-release', Buffer.from(text, 'latin1'), LAYER);
    expect(out.os).toBeUndefined();
    expect(out.diagnostics?.map((d) => d.code)).toEqual(['os-release-empty']);
  });

  it.each([
    ['/etc/os-release', true],
    ['/usr/lib/os-release', true],
    ['/etc/os-release.bak', false],
    ['/usr/lib/os-release/x', false],
    ['etc/os-release', false],
    ['/opt/etc/os-release', false],
  ])('required(%s) = %s', (path, want) => {
    expect(osReleaseAnalyzer.required(path, { size: 100, mode: 0o100644 })).toBe(want);
  });
});
