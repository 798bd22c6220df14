/**
 * File analyzers inside image reading: components are the final file system's state, findings are
 * every layer's history, OS packages get the distribution of the final os-release.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLayerCache } from './cache/layer-cache.js';
import type { Finding } from '../../model/findings.js';
import type { FileAnalyzer } from '../../model/analyzer.js';
import type { Component } from '../../model/components.js';
import { rpmdbSqlite, encodeRpmHeader } from '../../inventory/os/fixtures/rpmdb.js';
import { RPMTAG } from '../../inventory/os/rpm-header.js';
import { OS_ANALYZERS } from '../../inventory/os/index.js';
import { parsePurl } from '../../inventory/purl.js';
import { readImage } from '../../pipeline/image.js';
import { packTar, writeOciArchive, type Entry } from './fixtures/build.js';

const fixture = (name: string): Buffer => readFileSync(new URL(`../../inventory/os/fixtures/${name}`, import.meta.url));
const DPKG =
  'Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nSource: openssl\nVersion: 3.0.11-1~deb12u2\n\nPackage: libc6\nStatus: install ok installed\nArchitecture: amd64\nSource: glibc\nVersion: 2.36-9+deb12u4\n';
const DPKG2 = 'Package: curl\nStatus: install ok installed\nArchitecture: amd64\nVersion: 7.88.1-10+deb12u5\n';

let dir: string;
let n = 0;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-inventory-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function image(layers: Entry[][], opts: Parameters<typeof readImage>[1] = {}) {
  const target = path.join(dir, `img-${n++}.tar`);
  const built = await writeOciArchive(target, { layers: await Promise.all(layers.map((l) => packTar(l))), gzip: true });
  const r = await readImage(`oci-archive:${target}`, { cache: false, ...opts });
  // These images have no command: that info is not what is tested here.
  const diagnostics = r.diagnostics.filter((d) => d.code !== 'image-no-command');
  return { r: { ...r, diagnostics }, img: r.image, layers: built.layerDigests, spec: `oci-archive:${target}` };
}

const debianRoot: Entry[] = [
  { name: 'usr/lib/os-release', content: fixture('debian-os-release') },
  { name: 'etc/os-release', type: 'symlink', linkname: '../usr/lib/os-release' },
];

describe('OS packages in images', () => {
  it('Alpine: apk database + os-release in one layer', async () => {
    const { img, layers } = await image([
      [
        { name: 'etc/os-release', content: fixture('apk-os-release') },
        { name: 'lib/apk/db/installed', content: fixture('apk-installed') },
      ],
    ]);
    expect(img.os).toEqual({ id: 'alpine', versionId: '3.19.0', prettyName: 'Alpine Linux v3.19' });
    expect(img.components.map((c) => c.purl)).toEqual([
      'pkg:apk/alpine/busybox-binsh@1.36.1-r15?arch=x86_64&distro=alpine-3.19.0',
      'pkg:apk/alpine/libcrypto3@3.1.4-r2?arch=x86_64&distro=alpine-3.19.0',
      'pkg:apk/alpine/musl@1.2.4_git20230717-r4?arch=x86_64&distro=alpine-3.19.0',
    ]);
    expect(img.components.every((c) => c.distro === 'alpine-3.19.0' && c.layer === layers[0] && c.path === '/lib/apk/db/installed')).toBe(
      true,
    );
    expect(img.packages.map((p) => `${p.ecosystem}:${p.name}@${p.version}`)).toEqual([
      'apk:busybox-binsh@1.36.1-r15',
      'apk:libcrypto3@3.1.4-r2',
      'apk:musl@1.2.4_git20230717-r4',
    ]);
  });

  it('Debian: the os-release of another layer, through the /etc symlink, gives the distro', async () => {
    const { img, layers } = await image([[{ name: 'var/lib/dpkg/status', content: DPKG }], debianRoot]);
    expect(img.os).toMatchObject({ id: 'debian', versionId: '12', versionCodename: 'bookworm' });
    expect(img.components).toEqual([
      {
        ecosystem: 'deb',
        name: 'libc6',
        version: '2.36-9+deb12u4',
        purl: 'pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12',
        sourceName: 'glibc',
        sourceVersion: '2.36-9+deb12u4',
        distro: 'debian-12',
        arch: 'amd64',
        layer: layers[0],
        path: '/var/lib/dpkg/status',
      },
      expect.objectContaining({
        name: 'libssl3',
        sourceName: 'openssl',
        purl: 'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12',
      }),
    ]);
  });

  it('a whiteout of the status file in a later layer removes the deb components', async () => {
    const { img, r } = await image([
      [...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }],
      [{ name: 'var/lib/dpkg/.wh.status' }],
    ]);
    expect(img.components).toEqual([]);
    expect(img.packages).toEqual([]);
    expect(img.os?.id).toBe('debian');
    expect(r.diagnostics).toEqual([]);
  });

  it('an opaque directory in a later layer removes them too', async () => {
    const { img } = await image([[...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }], [{ name: 'var/lib/dpkg/.wh..wh..opq' }]]);
    expect(img.components).toEqual([]);
  });

  it('a later copy of the status file replaces the earlier one (last writer wins)', async () => {
    const { img, layers } = await image([
      [...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }],
      [{ name: 'var/lib/dpkg/status', content: DPKG2 }],
    ]);
    expect(img.components.map((c) => [c.name, c.layer])).toEqual([['curl', layers[1]]]);
  });

  it('a later unreadable copy (not a package database any more) still replaces it', async () => {
    const { img } = await image([
      [...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }],
      [{ name: 'var/lib/dpkg/status', type: 'symlink', linkname: '/dev/null' }],
    ]);
    expect(img.components).toEqual([]);
  });

  it('a duplicate entry later in the same layer replaces the analysed one', async () => {
    const { img } = await image([
      [...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }, { name: 'var/lib/dpkg/status', content: DPKG2 }],
    ]);
    expect(img.components.map((c) => c.name)).toEqual(['curl']);
  });

  it('distroless: status.d files; a regular /etc/os-release wins over /usr/lib/os-release', async () => {
    const { img } = await image([
      [
        { name: 'usr/lib/os-release', content: fixture('ubuntu-os-release') },
        { name: 'etc/os-release', content: fixture('debian-os-release') },
        { name: 'var/lib/dpkg/status.d/base-files', content: fixture('distroless-status.d/base-files') },
        { name: 'var/lib/dpkg/status.d/libssl3', content: fixture('distroless-status.d/libssl3') },
        { name: 'var/lib/dpkg/status.d/libssl3.md5sums', content: fixture('distroless-status.d/libssl3.md5sums') },
      ],
    ]);
    expect(img.os?.id).toBe('debian');
    expect(img.components.map((c) => `${c.purl} ${c.path}`)).toEqual([
      'pkg:deb/debian/base-files@12.4%2Bdeb12u5?arch=amd64&distro=debian-12 /var/lib/dpkg/status.d/base-files',
      'pkg:deb/debian/libssl3@3.0.11-1~deb12u2?arch=amd64&distro=debian-12 /var/lib/dpkg/status.d/libssl3',
    ]);
  });

  it('Ubuntu: the vendor namespace follows the OS', async () => {
    const { img } = await image([
      [
        { name: 'etc/os-release', content: fixture('ubuntu-os-release') },
        { name: 'var/lib/dpkg/status', content: DPKG2 },
      ],
    ]);
    expect(img.components.map((c) => c.purl)).toEqual(['pkg:deb/ubuntu/curl@7.88.1-10%2Bdeb12u5?arch=amd64&distro=ubuntu-22.04']);
  });

  it('no os-release: purls without distro', async () => {
    const { img } = await image([[{ name: 'var/lib/dpkg/status', content: DPKG2 }]]);
    expect(img.os).toBeUndefined();
    expect(img.components.map((c) => [c.purl, c.distro])).toEqual([['pkg:deb/debian/curl@7.88.1-10%2Bdeb12u5?arch=amd64', undefined]]);
  });

  it('Fedora: rpmdb.sqlite in one layer, os-release in another', async () => {
    const header = encodeRpmHeader([
      { tag: RPMTAG.NAME, string: 'bash' },
      { tag: RPMTAG.VERSION, string: '5.2.15' },
      { tag: RPMTAG.RELEASE, string: '5.fc39' },
      { tag: RPMTAG.ARCH, string: 'x86_64' },
      { tag: RPMTAG.SOURCERPM, string: 'bash-5.2.15-5.fc39.src.rpm' },
    ]);
    const { img } = await image([
      [{ name: 'etc/os-release', content: 'NAME="Fedora Linux"\nVERSION_ID=39\nID=fedora\n' }],
      [{ name: 'usr/lib/sysimage/rpm/rpmdb.sqlite', content: rpmdbSqlite([header]) }],
    ]);
    expect(img.components.map((c) => [c.purl, c.sourceName, c.distro])).toEqual([
      ['pkg:rpm/fedora/bash@5.2.15-5.fc39?arch=x86_64&distro=fedora-39', 'bash', 'fedora-39'],
    ]);
  });

  it('every purl is well-formed and parses back to the component', async () => {
    const { img } = await image([[...debianRoot, { name: 'var/lib/dpkg/status', content: fixture('dpkg-status') }]]);
    expect(img.components.length).toBe(6);
    for (const c of img.components) {
      const p = parsePurl(c.purl);
      expect(p, c.purl).toMatchObject({
        type: 'deb',
        namespace: 'debian',
        name: c.name,
        version: c.version,
        qualifiers: { arch: c.arch, distro: 'debian-12' },
      });
    }
  });
});

/** A test analyzer: a `secret` finding for each line containing `SECRET`, a component per `PKG name@version` line. */
const canary = (version = '1', seen: Uint8Array[] = []): FileAnalyzer => ({
  type: 'canary',
  version,
  maxBytes: 1000,
  required: (p) => p.startsWith('/app/'),
  analyze(p, content, layer) {
    seen.push(content);
    const findings: Finding[] = [];
    const components: Component[] = [];
    const lines = Buffer.from(content).toString('utf8').split('\n');
    lines.forEach((l, i) => {
      if (l.includes('SECRET')) {
        findings.push({
          kind: 'secret',
          id: 'CANARY',
          aliases: [],
          severity: 'high',
          title: 'canary',
          locations: [{ artifact: 'img', layer, path: p, line: i + 1 }],
        });
      }
      const m = /^PKG (\S+)@(\S+)$/.exec(l);
      if (m)
        components.push({
          ecosystem: 'npm',
          name: m[1] as string,
          version: m[2] as string,
          purl: `pkg:npm/${m[1] as string}@${m[2] as string}`,
        });
    });
    return { findings, components };
  },
});

describe('the plumbing', () => {
  it('findings are history: a secret added in layer 1 and deleted in layer 2 is still reported with layer 1', async () => {
    const { img, layers } = await image(
      [
        [
          { name: 'app/key', content: 'x\nSECRET=1\nPKG a@1\n' },
          { name: 'app/keep', content: 'SECRET=2\n' },
        ],
        [{ name: 'app/.wh.key' }, { name: 'app/keep', content: 'SECRET=2\nnothing\n' }],
      ],
      { analyzers: [canary()] },
    );
    expect(img.findings.map((f) => [f.locations[0]?.path, f.locations[0]?.layer, f.locations[0]?.line])).toEqual([
      ['/app/keep', layers[0], 1],
      ['/app/keep', layers[1], 1],
      ['/app/key', layers[0], 2],
    ]);
    // …while the component the deleted file declared is gone.
    expect(img.components).toEqual([]);
  });

  it('reads a body once for all analyzers that want it', async () => {
    const seenA: Uint8Array[] = [];
    const seenB: Uint8Array[] = [];
    const b = { ...canary('1', seenB), type: 'canary-b' };
    await image(
      [
        [
          { name: 'app/x', content: 'hello' },
          { name: 'other', content: 'no' },
        ],
      ],
      { analyzers: [canary('1', seenA), b] },
    );
    expect(seenA).toHaveLength(1);
    expect(seenB[0]).toBe(seenA[0]);
    expect(Buffer.from(seenA[0] as Uint8Array).toString()).toBe('hello');
  });

  it('an empty file is analysed with empty bytes; a file over maxBytes is skipped with a warning', async () => {
    const seen: Uint8Array[] = [];
    const { r } = await image(
      [
        [
          { name: 'app/empty', content: '' },
          { name: 'app/big', content: 'x'.repeat(1001) },
        ],
      ],
      { analyzers: [canary('1', seen)] },
    );
    expect(seen.map((s) => s.length)).toEqual([0]);
    expect(r.diagnostics).toEqual([
      expect.objectContaining({
        code: 'image-analyzer-file-too-large',
        severity: 'warning',
        message: expect.stringMatching(/\/app\/big is 1001 bytes, over the 1000-byte limit of the canary analyzer/),
      }),
    ]);
  });

  it('the reader limit caps every analyzer', async () => {
    const { r } = await image([[{ name: 'var/lib/dpkg/status', content: DPKG }]], { limits: { maxPackageDbBytes: 10 } });
    expect(r.image.components).toEqual([]);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['image-analyzer-file-too-large']);
  });

  it('a throwing analyzer is a diagnostic; the others and the scan go on', async () => {
    const boomRequired: FileAnalyzer = {
      type: 'boom-required',
      version: '1',
      maxBytes: 10,
      required: () => {
        throw new Error('kaput');
      },
      analyze: () => ({}),
    };
    const boomAnalyze: FileAnalyzer = {
      type: 'boom-analyze',
      version: '1',
      maxBytes: 1000,
      required: (p) => p.startsWith('/app/'),
      analyze: () => {
        throw new RangeError('bad');
      },
    };
    const { r, img } = await image(
      [
        [
          { name: 'app/a', content: 'SECRET\n' },
          { name: 'app/b', content: 'x' },
          { name: 'var/lib/dpkg/status', content: DPKG2 },
        ],
      ],
      {
        analyzers: [boomRequired, boomAnalyze, canary(), ...OS_ANALYZERS],
      },
    );
    expect(img.findings).toHaveLength(1);
    expect(img.components.map((c) => c.name)).toEqual(['curl']);
    expect(r.diagnostics.map((d) => d.message.replace(/^layer \S+: /, ''))).toEqual([
      "the boom-required analyzer's required failed on /app/a: kaput",
      "the boom-analyze analyzer's analyze failed on /app/a: bad",
      "the boom-analyze analyzer's analyze failed on /app/b: bad",
    ]);
  });

  it('analyzer diagnostics name the layer and the file', async () => {
    const { r, layers } = await image([[{ name: 'var/lib/dpkg/status', content: 'Package: a\nStatus: install ok installed\n' }]]);
    expect(r.diagnostics).toEqual([
      {
        code: 'dpkg-incomplete-stanza',
        severity: 'warning',
        message: `layer ${layers[0] as string}: /var/lib/dpkg/status: line 1: 1 installed stanza(s) without Package or Version were skipped`,
        file: expect.stringMatching(/^oci-archive:/),
      },
    ]);
  });

  it('cached or not, the results are deep-equal; a new analyzer version is a new key', async () => {
    const layers: Entry[][] = [
      [...debianRoot, { name: 'var/lib/dpkg/status', content: DPKG }, { name: 'app/key', content: 'SECRET\nPKG a@1\n' }],
      [{ name: 'app/.wh.key' }, { name: 'app/more', content: 'PKG b@2\n' }],
    ];
    const analyzers = [...OS_ANALYZERS, canary()];
    const { spec } = await image(layers, { analyzers });
    const plain = await readImage(spec, { cache: false, analyzers });
    expect(plain.image.components.map((c) => c.name)).toEqual(['libc6', 'libssl3', 'b']);
    expect(plain.image.findings).toHaveLength(1);
    const cache = new MemoryLayerCache();
    expect(await readImage(spec, { cache, analyzers })).toEqual(plain);
    expect(await readImage(spec, { cache, analyzers })).toEqual(plain);
    expect([cache.hits, cache.puts]).toEqual([2, 2]);
    // Another analyzer version: every layer is read again, under new keys.
    await readImage(spec, { cache, analyzers: [...OS_ANALYZERS, canary('2')] });
    expect([cache.hits, cache.puts, cache.entries.size]).toEqual([2, 4, 4]);
  });
});

describe('hostile analyzer output', () => {
  it('caps the diagnostics one analyzer can add per layer', async () => {
    const noisy: FileAnalyzer = {
      type: 'noisy',
      version: '1',
      maxBytes: 10,
      required: (p) => p.startsWith('/app/'),
      analyze: () => ({
        diagnostics: Array.from({ length: 60 }, () => ({ code: 'noisy/internal' as const, severity: 'info' as const, message: 'x' })),
      }),
    };
    const { r } = await image(
      [
        [
          { name: 'app/a', content: '1' },
          { name: 'app/b', content: '2' },
          { name: 'app/c', content: '3' },
        ],
      ],
      { analyzers: [noisy] },
    );
    expect(r.diagnostics.filter((d) => d.code === 'noisy/internal')).toHaveLength(100);
    expect(r.diagnostics.filter((d) => d.code === 'image-analyzer-diagnostics-capped')).toHaveLength(1);
  });
});
