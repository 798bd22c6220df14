/**
 * Node.js apps inside images: the entry found from the image config, the code read from the
 * layers (after whiteouts), and — end to end on a real Debian + Node.js image built with podman —
 * `charter profile oci-archive:…` giving the app's own syscalls with `/app/server.js:<line>` sources.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readImage, readImageNodeApp } from '../pipeline/image.js';
import { packTar, writeOciArchive } from '../readers/oci-image/fixtures/build.js';
import type { Charter, ContainerCharter } from '../model/charter.js';
import { debianNodeRootfs } from '../test-support/images.js';
import { canRunPodmanTests, cleanup, podmanOk } from '../test-support/podman.js';
import { profileTargets } from '../test-support/profile.js';
import type { Component } from '../model/components.js';
import type { ImageFacts } from '../model/image.js';
import { imageNodeEntry, imageNodeMajor } from './launch.js';

describe('imageNodeEntry', () => {
  it.each([
    [
      { WorkingDir: '/app', Cmd: ['node', 'server.js'] },
      { root: '/app', entry: ['server.js'], command: 'node' },
    ],
    [
      { WorkingDir: '/app/', Entrypoint: ['/usr/local/bin/node'], Cmd: ['--enable-source-maps', './dist/main.js'] },
      { root: '/app', entry: ['dist/main.js'], command: '/usr/local/bin/node' },
    ],
    [
      { Entrypoint: ['docker-entrypoint.sh'], Cmd: ['node', '-r', 'dotenv/config', '/srv/api/index.mjs'] },
      { root: '/srv/api', entry: ['index.mjs'], command: 'node' },
    ],
    [
      { WorkingDir: '/app', Cmd: ['node', '/opt/tool/cli.js'] },
      { root: '/opt/tool', entry: ['cli.js'], command: 'node' },
    ],
    [
      { WorkingDir: '/app', Cmd: ['/bin/sh', '-c', 'node  server.js'] },
      { root: '/app', entry: ['server.js'], command: 'node' },
    ],
    [
      { WorkingDir: '/app', Cmd: ['node'] },
      { root: '/app', entry: [], command: 'node' },
    ],
    [{ Cmd: ['node', 'server.js'] }, { root: '/', entry: ['server.js'], command: 'node' }],
  ])('%j → %j', (config, want) => {
    expect(imageNodeEntry(config)).toEqual(want);
  });

  it.each([
    [{ Cmd: ['nginx', '-g', 'daemon off;'] }],
    [{ WorkingDir: '/app', Cmd: ['node', '-e', 'console.log(1)'], Entrypoint: [] }],
    [{ Cmd: ['node', '--eval', 'x'] }],
    [{}],
  ])('not a node app with files to read: %j', (config) => {
    const got = imageNodeEntry(config);
    // Inline code with a working directory still lets package.json decide; without one there is nothing to read.
    if (got) expect(got.entry).toEqual([]);
  });
});

const component = (ecosystem: Component['ecosystem'], name: string, version: string): Component => ({
  ecosystem,
  name,
  version,
  purl: `pkg:generic/${name}@${version}`,
});
const NODE20 = component('node-runtime', 'node', '20.11.1');

describe('imageNodeMajor', () => {
  it.each([
    [[NODE20], 20],
    [[component('deb', 'nodejs', '18.19.0+dfsg-6~deb12u2')], 18],
    [[component('deb', 'nodejs', '1:18.19.0')], 18],
    // The binary's own version wins over the distribution package beside it.
    [[component('deb', 'nodejs', '18.19.0'), NODE20], 20],
    [[NODE20, component('node-runtime', 'node', 'v18.1.0')], undefined],
    // The binary the command runs decides over a libnode elsewhere in the image.
    [
      [
        { ...NODE20, path: '/usr/local/bin/node' },
        { ...component('node-runtime', 'node', '18.19.0'), path: '/usr/lib/libnode.so.108' },
      ],
      20,
      '/usr/local/bin/node',
    ],
    [
      [
        { ...NODE20, path: '/usr/local/bin/node' },
        { ...component('node-runtime', 'node', '18.19.0'), path: '/usr/lib/libnode.so.108' },
      ],
      undefined,
      '/usr/bin/node',
    ],
    [[component('npm', 'nodejs', '20.0.0')], undefined],
    [[], undefined],
  ])('%#', (components: Component[], want: number | undefined, nodePath?: string) => {
    expect(imageNodeMajor({ components }, nodePath)).toBe(want);
  });
});

/** The node-app reader's result on an image, as fragment + analysis + diagnostics. */
async function nodeImageFragment(spec: string, facts: ImageFacts) {
  const r = await readImageNodeApp(spec, facts);
  const fragment = r?.containers[0];
  return r && fragment ? { fragment, set: r.set, diagnostics: r.diagnostics } : undefined;
}

describe('node-app reader on a synthetic image', () => {
  let dir = '';
  let spec = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'charter-node-image-'));
    const layers = [
      await packTar([
        { name: 'app/package.json', content: '{"name":"app","version":"1.0.0"}' },
        { name: 'app/server.js', content: 'require("./evil");\nrequire("node:http").createServer().listen(8080);\n' },
        { name: 'app/evil.js', content: 'require("node:child_process").spawn("/usr/bin/evil-tool");\n' },
      ]),
      await packTar([
        // The later layer deletes evil.js and rewrites server.js: neither old file may be analysed.
        { name: 'app/.wh.evil.js' },
        { name: 'app/server.js', content: '\nrequire("node:http").createServer().listen(9090);\n' },
      ]),
    ];
    const file = path.join(dir, 'img.tar');
    await writeOciArchive(file, { layers, ref: 'localhost/shop/api:1', config: { WorkingDir: '/app', Cmd: ['node', 'server.js'] } });
    spec = `oci-archive:${file}`;
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('analyses only what the final image holds, named by image path, keyed by the image', async () => {
    const { image } = await readImage(spec, { cache: false });
    const got = await nodeImageFragment(spec, { ...image, components: [NODE20] });
    expect(got).toBeDefined();
    expect(got?.diagnostics).toEqual([]);
    const f = got?.fragment;
    expect(f?.key).toEqual({ name: 'api', image: 'localhost/shop/api:1' });
    expect(f?.declared.kind).toBe('nodejs');
    expect(f?.processes.map((p) => p.path)).toEqual([]);
    expect(f?.listen.map((l) => l.port)).toEqual([9090]);
    const sources = (f?.syscalls ?? []).flatMap((s) => s.rule.sources).filter((s) => s.kind === 'nodejs');
    expect(sources.length).toBeGreaterThan(0);
    for (const s of sources) expect(s.artifact).toBe('/app/server.js');
    expect(sources.some((s) => s.line === 2)).toBe(true);
    expect(got?.set.analysis.entryPoints.map((e) => e.file)).toEqual(['server.js']);
  });

  it('keeps the generic groups (no exact syscalls) for a Node.js major the map was not measured on', async () => {
    const { image } = await readImage(spec, { cache: false });
    // 22 falls back to the Node.js 20 map, which was not measured on 22; no component: unknown.
    for (const components of [[component('deb', 'nodejs', '22.12.0+dfsg-1')], []]) {
      const got = await nodeImageFragment(spec, { ...image, components });
      expect(got?.fragment.syscalls).toBeUndefined();
      expect(got?.fragment.listen.map((l) => l.port)).toEqual([9090]);
      expect(got?.diagnostics.map((d) => d.code)).toEqual(['nodejs/image-node-version-unmeasured']);
    }
  });

  it('gives exact syscalls on node18-floor for Debian bookworm’s Node.js 18', async () => {
    const { image } = await readImage(spec, { cache: false });
    const got = await nodeImageFragment(spec, { ...image, components: [component('deb', 'nodejs', '18.20.4+dfsg-1~deb12u3')] });
    expect(got?.fragment.syscalls?.length).toBeGreaterThan(0);
    expect(got?.diagnostics.map((d) => d.code)).not.toContain('nodejs/image-node-version-unmeasured');
    const names = (got?.fragment.syscalls ?? []).map((s) => s.rule.name);
    expect(names).toEqual(expect.arrayContaining(['epoll_wait', 'accept4']));
  });

  it('gives nothing for an image that does not run node', async () => {
    const { image } = await readImage(spec, { cache: false });
    expect(await nodeImageFragment(spec, { ...image, config: { Cmd: ['nginx'] } })).toBeUndefined();
  });
});

const canRun = canRunPodmanTests('src/nodejs/image.test.ts', { untested: 'Node.js analysis of a real saved image' });

const SERVER_JS = `const fs = require('node:fs');
const http = require('node:http');
http
  .createServer((req, res) => {
    fs.readFile('/app/server.js', (err, data) => {
      res.end(err ? 'error' : String(data.length));
    });
  })
  .listen(8080);
`;

describe.skipIf(!canRun)('charter profile of a saved Debian + Node.js image', () => {
  const RUN_ID = `${process.pid}`;
  const BASE = `localhost/charter-nodeimg/debian-node-base:${RUN_ID}`;
  const APP = `localhost/charter-nodeimg/node-web:${RUN_ID}`;
  let dir = '';
  let charter: Charter;
  let c: ContainerCharter;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'charter-node-image-e2e-'));
    podmanOk(['import', debianNodeRootfs(), BASE], { timeoutMs: 300_000 });
    const context = path.join(dir, 'ctx');
    mkdirSync(context);
    // Debian's own nodejs is 18 (its own map, node18-floor); the Node.js 20 running this test
    // replaces its launcher, so the Node.js 20 map and node-floor apply (one node in the image).
    copyFileSync(process.execPath, path.join(context, 'node'));
    writeFileSync(
      path.join(context, 'Dockerfile'),
      [`FROM ${BASE}`, 'COPY node /usr/bin/node', 'WORKDIR /app', 'COPY server.js /app/', 'CMD ["node","server.js"]', ''].join('\n'),
    );
    writeFileSync(path.join(context, 'server.js'), SERVER_JS);
    podmanOk(['build', '--quiet', '--pull=never', '--network', 'none', '--format', 'oci', '-t', APP, context], { timeoutMs: 180_000 });
    const archive = path.join(dir, 'node-web.tar');
    podmanOk(['save', '--format', 'oci-archive', '-o', archive, APP], { timeoutMs: 180_000 });
    charter = await profileTargets([`oci-archive:${archive}`], {}, 'node-web');
    expect(charter.containers).toHaveLength(1);
    c = charter.containers[0] as ContainerCharter;
  }, 900_000);

  afterAll(() => {
    if (canRun) cleanup([], [APP, BASE]);
    if (dir !== '') rmSync(dir, { recursive: true, force: true });
  });

  it('reports no errors and takes the app from the image', () => {
    expect(charter.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
  });

  it('gives the server its listen/accept4 syscalls with /app/server.js sources', () => {
    for (const name of ['listen', 'accept4']) {
      const rule = c.syscalls.application.find((r) => r.name === name);
      expect(rule, `${name} in ${c.syscalls.application.map((r) => r.name).join(' ')}`).toBeDefined();
      expect(rule?.sources.some((s) => s.kind === 'nodejs' && s.artifact === '/app/server.js' && typeof s.line === 'number')).toBe(true);
    }
    expect(c.network.listen.map((l) => `${l.port}/${l.protocol}`)).toEqual(['8080/tcp']);
    // The exact set replaced the generic groups: the measured plain-server budget holds.
    const all = Object.values(c.syscalls).flat().length;
    expect(all).toBeLessThanOrEqual(90);
  });

  it('puts the node-floor group in the language-runtime layer', () => {
    expect(c.syscalls['language-runtime'].length).toBeGreaterThan(0);
    const kbs = new Set(c.syscalls['language-runtime'].flatMap((r) => r.sources.map((s) => s.kb)));
    expect(kbs.has('syscall-group:node-floor'), [...kbs].join(' ')).toBe(true);
  });
});
