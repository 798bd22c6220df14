/**
 * Real images built with podman: a busybox-static base (podman import) plus a `podman build`
 * layer with a script, a whiteout, USER, VOLUME and CMD, read through all four transports.
 * Runs as root on Linux (CI); elsewhere it is skipped with a loud warning.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FsLayerCache } from './cache/fs-layer-cache.js';
import { busyboxRootfsTar } from '../../test-support/images.js';
import { CountingLayerCache } from '../../test-support/layer-cache.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../../test-support/podman.js';
import { readImage } from '../../pipeline/image.js';
import { sha256 } from './fixtures/build.js';
import { UserError } from '../../model/errors.js';

const canRun = canRunPodmanTests('src/readers/oci-image/podman.test.ts', { untested: 'reading podman-built images' });

const BASE = 'localhost/charter-test/oci-reader-bb:1';
const APP = 'localhost/charter-test/oci-reader-app:2';
const BUSYBOX = '/bin/busybox';
const SCRIPT = '#!/bin/sh\necho hello "$1"\n';

describe.runIf(canRun)('podman-built images', () => {
  let dir: string;
  const specs: Record<string, string> = {};

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'charter-podman-'));
    const rootTar = busyboxRootfsTar(dir, { files: { 'bin/removed.txt': 'deleted by a later layer\n' } });
    podmanOk(['import', '--change', 'ENTRYPOINT ["/bin/sh"]', '--change', 'EXPOSE 8080', rootTar, BASE]);

    const ctx = path.join(dir, 'ctx');
    mkdirSync(ctx);
    writeFileSync(path.join(ctx, 'hello.sh'), SCRIPT, { mode: 0o755 });
    writeFileSync(
      path.join(ctx, 'Containerfile'),
      [
        `FROM ${BASE}`,
        'COPY hello.sh /app/hello.sh',
        'RUN ["/bin/busybox", "rm", "/bin/removed.txt"]',
        'USER 1000',
        'VOLUME /data',
        'ENTRYPOINT ["/app/hello.sh"]',
        'CMD ["world"]',
        '',
      ].join('\n'),
    );
    podmanOk(['build', '--quiet', '-t', APP, ctx]);
    for (const [format, name] of [
      ['oci-archive', 'app-oci.tar'],
      ['docker-archive', 'app-docker.tar'],
      ['oci-dir', 'app-oci-dir'],
    ] as const) {
      podmanOk(['save', '--quiet', '--format', format, '-o', path.join(dir, name), APP]);
      specs[format] = `${format === 'oci-dir' ? 'oci' : format}:${path.join(dir, name)}`;
    }
    specs['podman'] = `podman:${APP}`;
  });

  afterAll(() => {
    cleanup([], [APP, BASE]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it.each(['oci-archive', 'docker-archive', 'oci-dir', 'podman'])('reads the app image from %s', async (format) => {
    const spec = specs[format] as string;
    const r = await readImage(spec, { cache: false });
    const img = r.image;
    // Through a file-system cache: cold (fills it), then warm (no layer read); the same result.
    const cacheDir = mkdtempSync(path.join(tmpdir(), 'charter-podman-cache-'));
    try {
      const cache = new FsLayerCache(cacheDir);
      expect(await readImage(spec, { cache })).toEqual(r);
      expect(readdirSync(cache.layersDir)).toHaveLength(img.layers.length);
      const counting = new CountingLayerCache(cache);
      expect(await readImage(spec, { cache: counting })).toEqual(r);
      expect(counting.hits).toBe(img.layers.length);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
    }
    expect(img.ref).toBe(APP);
    expect(img.layers).toHaveLength(3);
    expect(img.layers.every((l) => /^sha256:[0-9a-f]{64}$/.test(l.digest) && /^sha256:[0-9a-f]{64}$/.test(l.diffId))).toBe(true);
    expect(img.config.User).toBe('1000');

    // Whiteout from the RUN layer applied.
    expect(img.files.has('/bin/removed.txt')).toBe(false);
    // busybox-static alone: no package database, no os-release, nothing for the analyzers.
    expect([img.components, img.packages, img.findings, img.os]).toEqual([[], [], [], undefined]);
    const busybox = img.files.get('/bin/busybox');
    expect(busybox).toMatchObject({ executable: 'elf', sha256: sha256(readFileSync(BUSYBOX)), layer: img.layers[0]?.digest });
    const script = img.files.get('/app/hello.sh');
    expect(script).toMatchObject({ executable: 'script', interpreter: '/bin/sh', sha256: sha256(SCRIPT), layer: img.layers[1]?.digest });
    expect(
      execFileSync('sha256sum', [path.join(dir, 'ctx/hello.sh')])
        .toString()
        .split(' ')[0],
    ).toBe(script?.sha256);

    const c = r.containers[0];
    expect(c?.key).toEqual({ name: 'oci-reader-app', image: APP });
    expect(c?.user?.name).toBe('1000');
    expect(c?.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['8080/tcp']);
    expect(c?.writable.map((w) => `${w.path}:${w.kind}`)).toEqual(['/data:volume']);
    // Entrypoint script + its #!/bin/sh interpreter, resolved through the symlink to busybox.
    expect(c?.processes.map((p) => ({ path: p.path, purpose: p.purpose, sha256: p.sha256, args: p.args }))).toEqual([
      { path: '/app/hello.sh', purpose: 'entrypoint', sha256: sha256(SCRIPT), args: ['world'] },
      { path: '/bin/busybox', purpose: 'interpreter', sha256: busybox?.sha256, args: ['/app/hello.sh', 'world'] },
    ]);
    expect(c?.processes[1]?.sources[0]?.reason).toMatch(/\/bin\/sh → \/bin\/busybox via \/bin\/sh/);
    expect(r.diagnostics).toEqual([]);
    if (format === 'oci-archive' || format === 'oci-dir' || format === 'podman') {
      expect(img.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(img.digest).not.toBe(img.configDigest);
    } else expect(img.digest).toBe(img.configDigest);
  });

  it('reads the base image: /bin/sh entrypoint resolves to busybox', async () => {
    const r = await readImage(`podman:${BASE}`, { cache: false });
    expect(r.image.ref).toBe(BASE);
    expect(r.image.layers).toHaveLength(1);
    expect(r.containers[0]?.processes).toMatchObject([
      { path: '/bin/busybox', purpose: 'entrypoint', sha256: sha256(readFileSync(BUSYBOX)) },
    ]);
    expect(r.image.files.has('/bin/removed.txt')).toBe(true);
  });

  it("a missing podman image is the user's to fix (named, exit 2), and no temporary archive is left behind", async () => {
    const before = execFileSync('ls', [tmpdir()])
      .toString()
      .split('\n')
      .filter((f) => f.startsWith('charter-image-')).length;
    const err = await readImage('podman:localhost/charter-test/does-not-exist:0', { cache: false }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as UserError).message).toMatch(/no local podman image named localhost\/charter-test\/does-not-exist:0/);
    const after = execFileSync('ls', [tmpdir()])
      .toString()
      .split('\n')
      .filter((f) => f.startsWith('charter-image-')).length;
    expect(after).toBe(before);
  });
});
