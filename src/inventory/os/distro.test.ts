import { describe, expect, it } from 'vitest';
import type { Component, OsRelease } from '../../model/components.js';
import { distroOf, osPurl, withDistro } from './distro.js';

const DEBIAN: OsRelease = { id: 'debian', versionId: '12', versionCodename: 'bookworm' };

describe('distro', () => {
  it.each<[OsRelease, string]>([
    [DEBIAN, 'debian-12'],
    [{ id: 'alpine', versionId: '3.19.1' }, 'alpine-3.19.1'],
    [{ id: 'debian', versionCodename: 'trixie' }, 'debian-trixie'],
    [{ id: 'linux' }, 'linux'],
  ])('distroOf(%j) = %s', (os, want) => {
    expect(distroOf(os)).toBe(want);
  });

  const deb: Component = {
    ecosystem: 'deb',
    name: 'libssl3',
    version: '3.0.11-1~deb12u2',
    arch: 'amd64',
    purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64',
  };
  it.each<[string, Component, OsRelease, string, string]>([
    ['debian', deb, DEBIAN, 'debian-12', 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12'],
    [
      'ubuntu: its own vendor',
      deb,
      { id: 'ubuntu', versionId: '22.04' },
      'ubuntu-22.04',
      'pkg:deb/ubuntu/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=ubuntu-22.04',
    ],
    [
      'an id unusable as a namespace keeps the default',
      deb,
      { id: 'Weird OS/1' },
      'Weird OS/1',
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=Weird%20OS%2F1',
    ],
    [
      'alpine',
      { ecosystem: 'apk', name: 'musl', version: '1.2.4-r2', arch: 'x86_64', purl: '' },
      { id: 'alpine', versionId: '3.19.0' },
      'alpine-3.19.0',
      'pkg:apk/alpine/musl@1.2.4-r2?arch=x86_64&distro=alpine-3.19.0',
    ],
    [
      'rpm: the epoch becomes a qualifier, sorted after distro',
      { ecosystem: 'rpm', name: 'openssl-libs', version: '1:3.1.1-4.fc39', arch: 'x86_64', purl: '' },
      { id: 'fedora', versionId: '39' },
      'fedora-39',
      'pkg:rpm/fedora/openssl-libs@3.1.1-4.fc39?arch=x86_64&distro=fedora-39&epoch=1',
    ],
  ])('%s', (_, c, os, distro, purl) => {
    expect(withDistro(c, os)).toEqual({ ...c, distro, purl });
  });

  it('leaves language packages alone', () => {
    const npm: Component = { ecosystem: 'npm', name: 'left-pad', version: '1.3.0', purl: 'pkg:npm/left-pad@1.3.0' };
    expect(withDistro(npm, DEBIAN)).toBe(npm);
  });

  it('an rpm without an OS has no namespace', () => {
    expect(osPurl({ ecosystem: 'rpm', name: 'bash', version: '5.2.15-5.fc39' })).toBe('pkg:rpm/bash@5.2.15-5.fc39');
  });
});
