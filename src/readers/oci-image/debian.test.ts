/**
 * A real distribution image: Debian bookworm (minbase) with the distribution's Node.js, imported
 * into podman and saved as an oci-archive. The inventory is checked against dpkg-query run inside
 * the container itself. The root filesystem is built once with mmdebstrap and kept under
 * .cache/test-images/ (gitignored). Needs root on Linux; skipped loudly elsewhere.
 */
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsLayerCache } from './cache/fs-layer-cache.js';
import { parsePurl } from '../../inventory/purl.js';
import { debianNodeRootfs } from '../../test-support/images.js';
import { CountingLayerCache } from '../../test-support/layer-cache.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../test-support/podman.js';
import { readImage } from '../../pipeline/image.js';
import type { ImageReadResult } from './types.js';

const canRun = canRunPodmanTests('src/readers/oci-image/debian.test.ts', {
  untested: 'the Debian image inventory',
  commands: ['podman', 'mmdebstrap'],
});

const BASE = `localhost/charter-test/inv-debian-node:${process.pid}`;
const NODPKG = `localhost/charter-test/inv-debian-nodpkg:${process.pid}`;

describe.runIf(canRun)('Debian bookworm + nodejs image inventory', () => {
  let dir = '';
  let base: ImageReadResult;
  let baseSpec = '';
  /** `name arch version source-name source-version` per installed package, from dpkg-query in the container. */
  let truth: string[] = [];

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'charter-inv-debian-'));
    podmanOk(['import', '--change', 'CMD ["node"]', debianNodeRootfs(), BASE], { timeoutMs: 300_000 });
    const ctx = path.join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'Containerfile'), `FROM ${BASE}\nRUN ["/bin/rm", "/var/lib/dpkg/status"]\n`);
    podmanOk(['build', '--quiet', '--network', 'none', '-t', NODPKG, ctx], { timeoutMs: 300_000 });
    for (const [name, ref] of [
      ['base.tar', BASE],
      ['nodpkg.tar', NODPKG],
    ] as const)
      podmanOk(['save', '--quiet', '--format', 'oci-archive', '-o', path.join(dir, name), ref], { timeoutMs: 300_000 });
    baseSpec = `oci-archive:${path.join(dir, 'base.tar')}`;
    const q = podmanOk(
      [
        'run',
        '--rm',
        '--network',
        'none',
        BASE,
        'dpkg-query',
        '-W',
        '-f',
        '${Package} ${Architecture} ${Version} ${source:Package} ${source:Version}\\n',
      ],
      { timeoutMs: 120_000 },
    );
    truth = q
      .split('\n')
      .filter((l) => l !== '')
      .sort();
  }, 900_000);

  beforeAll(async () => {
    base = await readImage(baseSpec, { cache: false });
  }, 120_000);

  afterAll(() => {
    if (!canRun) return;
    cleanup([], [NODPKG, BASE]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('finds Debian 12', () => {
    expect(base.image.os).toEqual({
      id: 'debian',
      versionId: '12',
      versionCodename: 'bookworm',
      prettyName: 'Debian GNU/Linux 12 (bookworm)',
    });
  });

  it('lists exactly the packages dpkg-query lists inside the container, with their source packages', () => {
    const deb = base.image.components.filter((c) => c.ecosystem === 'deb');
    expect(truth.length).toBeGreaterThan(80);
    expect(deb.map((c) => `${c.name} ${c.arch ?? ''} ${c.version} ${c.sourceName ?? ''} ${c.sourceVersion ?? ''}`).sort()).toEqual(truth);
    const byName = new Map(deb.map((c) => [c.name, c]));
    expect(byName.get('nodejs')?.version).toMatch(/^18\./);
    expect(byName.get('libc6')?.sourceName).toBe('glibc');
    expect(byName.get('libssl3')?.sourceName).toBe('openssl');
    expect(byName.get('zlib1g')?.version).toMatch(/^1:/);
    expect(
      deb.every((c) => c.distro === 'debian-12' && c.path === '/var/lib/dpkg/status' && c.layer === base.image.layers[0]?.digest),
    ).toBe(true);
  });

  it('every deb purl is well-formed and parses back to its component', () => {
    for (const c of base.image.components.filter((x) => x.ecosystem === 'deb')) {
      expect(c.purl).toMatch(/^pkg:deb\/debian\/[a-z0-9][A-Za-z0-9.%-]*@[A-Za-z0-9.~:%-]+\?arch=[a-z0-9]+&distro=debian-12$/);
      expect(parsePurl(c.purl)).toEqual({
        type: 'deb',
        namespace: 'debian',
        name: c.name,
        version: c.version,
        qualifiers: { arch: c.arch, distro: 'debian-12' },
      });
    }
  });

  it('keeps ImageFacts.packages in step with the components', () => {
    expect(base.image.packages).toHaveLength(base.image.components.length);
    expect(base.containers[0]?.packages.some((p) => p.name === 'nodejs')).toBe(true);
  });

  it('a later layer deleting /var/lib/dpkg/status removes every deb component, not the OS', async () => {
    const r = await readImage(`oci-archive:${path.join(dir, 'nodpkg.tar')}`, { cache: false });
    expect(r.image.layers).toHaveLength(2);
    expect(r.image.components.filter((c) => c.ecosystem === 'deb')).toEqual([]);
    expect(r.image.os?.id).toBe('debian');
    // What does not hang on the status file stays.
    expect(r.image.components.filter((c) => c.ecosystem !== 'deb')).toEqual(base.image.components.filter((c) => c.ecosystem !== 'deb'));
  }, 120_000);

  it('cold and warm file-system cache give the same result as no cache', async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'charter-inv-cache-'));
    try {
      const cache = new FsLayerCache(cacheDir);
      expect(await readImage(baseSpec, { cache })).toEqual(base);
      expect(readdirSync(cache.layersDir)).toHaveLength(1);
      const counting = new CountingLayerCache(cache);
      expect(await readImage(baseSpec, { cache: counting })).toEqual(base);
      expect(counting.hits).toBe(1);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
  }, 120_000);
});
