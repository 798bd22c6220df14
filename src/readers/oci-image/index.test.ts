import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryLayerCache } from './cache/layer-cache.js';
import { readImage } from '../../pipeline/image.js';
import { S_IFDIR, S_IFLNK, S_IFMT, S_IFREG } from './layers.js';
import { packTar, sha256, writeDockerArchive, writeOciArchive, writeOciDir, type ImageSpecInput } from './fixtures/build.js';

const ELF = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.alloc(600, 7)]);
const SCRIPT = '#!/usr/bin/env node\nconsole.log("hi")\n';
const SH_SCRIPT = '#!/bin/sh\necho hello\n';
const DPKG = [
  'Package: libc6',
  'Status: install ok installed',
  'Version: 2.36-9',
  'Description: GNU C Library',
  ' continuation line: ignored',
  '',
  'Package: removed-pkg',
  'Status: deinstall ok config-files',
  'Version: 1.0',
  '',
].join('\n');
const APK = 'C:Q1abc\nP:musl\nV:1.2.4-r2\nA:x86_64\n\nP:busybox\nV:1.36.1-r5\n';

let dir: string;
let layers: Buffer[];

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-oci-test-'));
  const base = await packTar([
    { name: './', type: 'directory' },
    { name: './bin/', type: 'directory' },
    { name: './bin/busybox', mode: 0o755, content: ELF },
    { name: './bin/sh', type: 'symlink', linkname: 'busybox' },
    { name: './usr/bin/node', mode: 0o755, content: ELF.subarray(0, 300) },
    { name: './usr/bin/env', type: 'link', linkname: 'bin/busybox' },
    { name: './usr/bin/passwd', mode: 0o4755, content: ELF },
    { name: './etc/removed.conf', content: 'x' },
    { name: './opt/old/a.txt', content: 'a' },
    { name: './opt/old/b.txt', content: 'b' },
    { name: './var/lib/dpkg/status', content: DPKG },
    { name: './lib/apk/db/installed', content: APK },
    { name: './data/plain.txt', content: 'not executable' },
    { name: './data/noexec-elf', content: ELF },
  ]);
  const top = await packTar([
    { name: 'app/', type: 'directory' },
    { name: 'app/server.js', mode: 0o755, content: SCRIPT },
    { name: 'app/run.sh', mode: 0o755, content: SH_SCRIPT },
    { name: 'app/node_modules/express/package.json', content: '{"name":"express","version":"4.19.2"}' },
    { name: 'app/node_modules/@scope/pkg/package.json', content: '{"name":"@scope/pkg","version":"1.0.0"}' },
    { name: 'app/node_modules/express/lib/package.json', content: '{"name":"not-a-package","version":"0"}' },
    { name: 'etc/.wh.removed.conf' },
    { name: 'opt/old/.wh..wh..opq' },
    { name: 'opt/old/c.txt', content: 'c' },
    { name: 'bin/busybox', mode: 0o755, content: ELF }, // duplicate of a lower file: later wins
  ]);
  layers = [base, top];
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const CONFIG = {
  Entrypoint: ['/app/server.js'],
  Cmd: ['--port', '8080'],
  User: '1000:1000',
  WorkingDir: '/app',
  Env: ['PATH=/usr/local/bin:/usr/bin:/bin', 'NODE_ENV=production'],
  ExposedPorts: { '8080/tcp': {}, '53/udp': {} },
  Volumes: { '/data': {} },
  Labels: { 'org.opencontainers.image.title': 'api' },
  Healthcheck: { Test: ['CMD-SHELL', 'wget -q -O- localhost:8080/health'] },
};

type Writer = (file: string, spec: ImageSpecInput) => Promise<{ manifestDigest: string; configDigest: string; layerDigests: string[] }>;
const transports: { name: string; gzip: boolean; write: Writer; spec: (p: string) => string }[] = [
  { name: 'oci-archive', gzip: false, write: writeOciArchive, spec: (p) => `oci-archive:${p}` },
  { name: 'oci-archive (gzip layers)', gzip: true, write: writeOciArchive, spec: (p) => `oci-archive:${p}` },
  { name: 'oci layout dir', gzip: true, write: writeOciDir, spec: (p) => `oci:${p}` },
  { name: 'docker-archive', gzip: false, write: writeDockerArchive, spec: (p) => `docker-archive:${p}` },
];

describe.each(transports)('readImage over $name', ({ name, gzip, write, spec }) => {
  it('reads ref, digests, files after whiteouts, packages and the fragment', async () => {
    const target = path.join(dir, name.replace(/\W+/g, '-'));
    const built = await write(target, { layers, gzip, ref: 'localhost/shop/api:1.0', config: CONFIG });
    const progress: [number, number][] = [];
    const r = await readImage(spec(target), { onProgress: (d, t) => progress.push([d, t]), cache: false });
    const img = r.image;
    // The same result through a cache: once filling it, once from it (no layer read).
    const cache = new MemoryLayerCache();
    expect(await readImage(spec(target), { cache })).toEqual(r);
    expect(cache.puts).toBe(layers.length);
    const warmProgress: [number, number][] = [];
    expect(await readImage(spec(target), { cache, onProgress: (d, t) => warmProgress.push([d, t]) })).toEqual(r);
    expect(cache.hits).toBe(layers.length);
    expect(warmProgress.at(-1)).toEqual(progress.at(-1));

    expect(img.ref).toBe('localhost/shop/api:1.0');
    expect(img.digest).toBe(built.manifestDigest);
    expect(img.configDigest).toBe(built.configDigest);
    expect(img.layers.map((l) => l.digest)).toEqual(built.layerDigests);
    expect(img.layers.map((l) => l.diffId)).toEqual(layers.map((l) => `sha256:${sha256(l)}`));
    expect(img.platformOs).toBe('linux');
    expect(img.config.ExposedPorts).toEqual(['53/udp', '8080/tcp']);
    expect(progress.at(-1)?.[0]).toBe(progress.at(-1)?.[1]);

    const f = img.files;
    // Whiteouts: a removed file, an opaque dir keeps only the upper layer's content.
    expect(f.has('/etc/removed.conf')).toBe(false);
    expect(f.has('/opt/old/a.txt')).toBe(false);
    expect(f.has('/opt/old/c.txt')).toBe(true);
    const busybox = f.get('/bin/busybox');
    expect(busybox).toMatchObject({ executable: 'elf', sha256: sha256(ELF), layer: built.layerDigests[1], size: ELF.length });
    expect((busybox?.mode ?? 0) & S_IFMT).toBe(S_IFREG);
    expect(f.get('/bin/sh')).toMatchObject({ linkTarget: 'busybox' });
    expect((f.get('/bin/sh')?.mode ?? 0) & S_IFMT).toBe(S_IFLNK);
    expect((f.get('/app')?.mode ?? 0) & S_IFMT).toBe(S_IFDIR);
    // Hardlink: the target's content hash.
    expect(f.get('/usr/bin/env')).toMatchObject({ executable: 'elf', sha256: sha256(ELF) });
    expect(f.get('/usr/bin/passwd')).toMatchObject({ setuid: true, setgid: false });
    expect(f.get('/app/server.js')).toMatchObject({ executable: 'script', interpreter: '/usr/bin/env', sha256: sha256(SCRIPT) });
    expect(f.get('/data/plain.txt')).toMatchObject({ executable: 'none' });
    expect(f.get('/data/plain.txt')?.sha256).toBeUndefined();
    expect(f.get('/data/noexec-elf')).toMatchObject({ executable: 'elf', sha256: sha256(ELF) });

    expect(img.packages.map((p) => `${p.ecosystem}:${p.name}@${p.version}:${p.path}`)).toEqual([
      'apk:busybox@1.36.1-r5:/lib/apk/db/installed',
      'apk:musl@1.2.4-r2:/lib/apk/db/installed',
      'deb:libc6@2.36-9:/var/lib/dpkg/status',
      'npm:@scope/pkg@1.0.0:/app/node_modules/@scope/pkg/package.json',
      'npm:express@4.19.2:/app/node_modules/express/package.json',
    ]);

    expect(r.containers).toHaveLength(1);
    const c = r.containers[0];
    expect(c?.key).toEqual({ name: 'api', image: 'localhost/shop/api:1.0' });
    expect(c?.image?.digest).toBe(built.manifestDigest);
    expect(c?.user?.name).toBe('1000:1000');
    expect(c?.workingDir?.name).toBe('/app');
    expect(c?.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['53/udp', '8080/tcp']);
    expect(c?.writable).toMatchObject([{ path: '/data', kind: 'volume' }]);
    expect(c?.env.map((e) => e.name)).toEqual(['PATH', 'NODE_ENV']);
    expect(c?.commands).toMatchObject([
      { argv: ['/bin/sh', '-c', 'wget -q -O- localhost:8080/health'], shell: true, purpose: 'healthcheck' },
    ]);
    expect(c?.files).toBe(f);
    expect(c?.packages.find((p) => p.name === 'libc6')?.source).toMatchObject({
      kind: 'image',
      artifact: 'localhost/shop/api:1.0',
      layer: built.layerDigests[0],
      path: '/var/lib/dpkg/status',
    });
    // Script entrypoint: the script, then env and node through the #! line.
    expect(c?.processes.map((p) => [p.path, p.purpose, p.parent, p.sha256])).toEqual([
      ['/app/server.js', 'entrypoint', undefined, sha256(SCRIPT)],
      ['/usr/bin/env', 'interpreter', '/app/server.js', sha256(ELF)],
      ['/usr/bin/node', 'interpreter', '/app/server.js', sha256(ELF.subarray(0, 300))],
    ]);
    expect(c?.processes[0]?.args).toEqual(['--port', '8080']);
    expect(c?.processes[0]?.user).toBe('1000:1000');
    for (const p of c?.processes ?? []) expect(p.sources[0]).toMatchObject({ kind: 'image', artifact: 'localhost/shop/api:1.0' });
    expect(r.diagnostics).toEqual([]);
  });
});

describe('process resolution', () => {
  const cases: { name: string; config: Record<string, unknown>; want: [string, string, string | undefined][] }[] = [
    {
      name: 'Cmd only, found through PATH and a symlink',
      config: { Cmd: ['sh'], Env: ['PATH=/usr/bin:/bin'] },
      want: [['/bin/busybox', 'entrypoint', undefined]],
    },
    {
      name: 'shell form: the shell and the program in its string',
      config: { Cmd: ['/bin/sh', '-c', 'exec node server.js'], WorkingDir: '/app' },
      want: [
        ['/bin/busybox', 'entrypoint', undefined],
        ['/usr/bin/node', 'spawned', '/bin/busybox'],
      ],
    },
    {
      name: 'relative path against WorkingDir, #!/bin/sh interpreter',
      config: { Entrypoint: ['./run.sh'], WorkingDir: '/app' },
      want: [
        ['/app/run.sh', 'entrypoint', undefined],
        ['/bin/busybox', 'interpreter', '/app/run.sh'],
      ],
    },
    {
      name: 'Entrypoint wins over Cmd as argv[0]',
      config: { Entrypoint: ['/usr/bin/node'], Cmd: ['/bin/sh'] },
      want: [['/usr/bin/node', 'entrypoint', undefined]],
    },
    { name: 'missing command', config: { Cmd: ['nope'] }, want: [['nope', 'entrypoint', undefined]] },
    { name: 'no command', config: {}, want: [] },
  ];
  it.each(cases)('$name', async ({ name, config, want }) => {
    const target = path.join(dir, `proc-${name.replace(/\W+/g, '-')}.tar`);
    await writeOciArchive(target, { layers, config });
    const r = await readImage(`oci-archive:${target}`, { cache: false });
    expect(r.containers[0]?.processes.map((p) => [p.path, p.purpose, p.parent])).toEqual(want);
    expect(r.image.ref).toBe(`oci-archive:${target}`);
    if (name === 'missing command') expect(r.diagnostics.map((d) => d.code)).toEqual(['image-command-not-found']);
  });
});
