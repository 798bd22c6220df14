import { describe, expect, it } from 'vitest';
import { buildPurl, parsePurl, purlEncode, type PurlParts } from './purl.js';

describe('purl', () => {
  it.each<[PurlParts, string]>([
    [
      { type: 'deb', namespace: 'debian', name: 'libc6', version: '2.36-9+deb12u4', qualifiers: { distro: 'debian-12', arch: 'amd64' } },
      'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
    ],
    [{ type: 'deb', namespace: 'debian', name: 'zlib1g', version: '1:1.2.13.dfsg-1' }, 'pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1'],
    [{ type: 'npm', namespace: '@babel', name: 'core', version: '7.0.0' }, 'pkg:npm/%40babel/core@7.0.0'],
    [{ type: 'NPM', name: 'left-pad', version: '1.3.0', qualifiers: { empty: '', none: undefined } }, 'pkg:npm/left-pad@1.3.0'],
    [{ type: 'pypi', name: 'a b', version: '1 0', subpath: '/x/../y/' }, 'pkg:pypi/a%20b@1%200#x/y'],
    [
      { type: 'apk', namespace: 'alpine', name: 'musl', version: '1.2.4_git20230717-r4', qualifiers: { Arch: 'x86_64' } },
      'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64',
    ],
  ])('buildPurl %j', (parts, want) => {
    expect(buildPurl(parts)).toBe(want);
  });

  it.each(['a+b', 'a/b', 'a?b', 'a#b', 'a@b', 'a&b', 'a=b', "a'b(c)*!", 'ünï', 'a%b'])('encodes %s so it round-trips', (s) => {
    const enc = purlEncode(s);
    expect(enc).toMatch(/^[A-Za-z0-9._~:%-]*$/);
    expect(decodeURIComponent(enc)).toBe(s);
    const purl = buildPurl({ type: 'generic', namespace: s, name: s, version: s, qualifiers: { q: s } });
    expect(parsePurl(purl)).toEqual({ type: 'generic', namespace: s, name: s, version: s, qualifiers: { q: s } });
  });

  it.each(['', 'pkg:', 'pkg:deb', 'http://x/y', 'pkg:deb/debian/x@1?novalue', 'pkg:deb/x@%E0%A4%A'])('parsePurl(%j) is undefined', (s) => {
    expect(parsePurl(s)).toBeUndefined();
  });
});
