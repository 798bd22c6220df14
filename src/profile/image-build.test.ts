// One Dockerfile and the image built from it are one container: attached by the evidence of the
// image's config and history, or because the user says so (--image-for); ambiguity is reported.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Charter } from '../model/charter.js';
import { main, type Io } from '../cli/main.js';
import { parseImagePairing } from '../pipeline/targets.js';
import { packTar, writeOciArchive } from '../readers/oci-image/fixtures/build.js';
import { profileTargets } from '../test-support/profile.js';
import { MAX_RUNS_COMPARED } from './image-build.js';

const BUSYBOX = Buffer.concat([Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]), Buffer.from('BusyBox v1.36.1 multi-call binary')]);

const DOCKERFILE = [
  'FROM example.com/base/busybox:1.36',
  'RUN mkdir -p /var/www && \\',
  '    echo "<h1>hi</h1>" > /var/www/index.html',
  'RUN adduser -D -u 1000 www',
  'USER 1000',
  'EXPOSE 8080',
  'CMD ["httpd", "-f", "-p", "8080", "-h", "/var/www"]',
  '',
].join('\n');

/** What a builder records: buildah's `/bin/sh -c #(nop)` lines and BuildKit's `# buildkit` suffix both occur. */
const HISTORY = [
  '/bin/sh -c #(nop) ADD file:5b1e0f6c in / ',
  'RUN /bin/sh -c mkdir -p /var/www &&     echo "<h1>hi</h1>" > /var/www/index.html # buildkit',
  '/bin/sh -c adduser -D -u 1000 www',
  '/bin/sh -c #(nop) USER 1000',
  '/bin/sh -c #(nop) EXPOSE 8080',
  '/bin/sh -c #(nop) CMD ["httpd","-f","-p","8080","-h","/var/www"]',
];
const CONFIG = { Cmd: ['httpd', '-f', '-p', '8080', '-h', '/var/www'], User: '1000', ExposedPorts: { '8080/tcp': {} } };

let dir = '';
let layer: Buffer;
beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'charter-image-build-'));
  layer = await packTar([
    { name: 'bin/busybox', mode: 0o755, content: BUSYBOX },
    { name: 'bin/httpd', type: 'symlink', linkname: 'busybox' },
    { name: 'var/www/index.html', content: '<h1>hi</h1>\n' },
  ]);
});
afterAll(() => {
  if (dir !== '') rmSync(dir, { recursive: true, force: true });
});

function project(name: string, files: Record<string, string>): string {
  const root = path.join(dir, name);
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
    writeFileSync(path.join(root, file), text);
  }
  return root;
}

async function image(name: string, config: Record<string, unknown> = CONFIG, history: string[] = HISTORY): Promise<string> {
  const file = path.join(dir, `${name}.tar`);
  // The reference differs from every directory name: only the evidence can join them.
  await writeOciArchive(file, { layers: [layer], ref: 'registry.example.com/team/site:2.1', config, history });
  return `oci-archive:${file}`;
}

const codes = (ch: Charter): string[] => ch.diagnostics.filter((d) => d.code.startsWith('profile/image')).map((d) => d.code);

describe('a Dockerfile and the image built from it', () => {
  it('are one container: its launch command, ports, user and history match', async () => {
    const root = project('one', { Dockerfile: DOCKERFILE });
    const ch = await profileTargets([root, await image('one')]);
    expect(ch.containers.map((c) => c.name)).toEqual(['app']);
    const c = ch.containers[0];
    expect(c?.identity.image).toBe('registry.example.com/team/site:2.1');
    expect(c?.identity.digest).toMatch(/^sha256:/);
    expect(new Set(c?.identity.sources.map((s) => s.kind))).toEqual(new Set(['dockerfile', 'image']));
    // The Dockerfile's `httpd` now resolves in the image: one rule with the file's hash.
    expect(c?.processes.map((p) => [p.path, p.sha256 !== undefined])).toEqual([['/bin/busybox', true]]);
    const info = ch.diagnostics.find((d) => d.code === 'profile/image-built-from');
    expect(info?.severity).toBe('info');
    expect(info?.file).toBe('Dockerfile');
    expect(info?.message).toMatch(/the same CMD \["httpd"/);
    expect(info?.message).toMatch(/EXPOSE 8080\/tcp/);
    expect(info?.message).toMatch(/USER 1000/);
    expect(info?.message).toMatch(/its history holds the Dockerfile's 2 RUN commands/);
  });

  it('an image that runs something else stays a container of its own', async () => {
    const root = project('other', { Dockerfile: DOCKERFILE });
    const ch = await profileTargets([root, await image('other', { ...CONFIG, Cmd: ['httpd', '-f', '-p', '9090'] })]);
    expect(ch.containers.map((c) => c.name)).toEqual(['app', 'site']);
    expect(codes(ch)).toEqual([]);
  });

  it('a Dockerfile with no RUN lines in the history of an image with the same command is not its build', async () => {
    const root = project('history', { Dockerfile: DOCKERFILE });
    const ch = await profileTargets([
      root,
      await image('history', CONFIG, ['/bin/sh -c #(nop) CMD ["httpd"]', '/bin/sh -c apk add nginx']),
    ]);
    expect(ch.containers.map((c) => c.name)).toEqual(['app', 'site']);
  });

  it('two Dockerfiles that both match: reported, not guessed; --image-for settles it', async () => {
    const root = project('two', { 'blue/Dockerfile': DOCKERFILE, 'green/Dockerfile': DOCKERFILE });
    const img = await image('two');
    const guessed = await profileTargets([root, img]);
    expect(guessed.containers.map((c) => c.name)).toEqual(['blue', 'green', 'site']);
    const warning = guessed.diagnostics.find((d) => d.code === 'profile/image-built-from-ambiguous');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(/blue\/Dockerfile, green\/Dockerfile/);

    const told = await profileTargets([root, img], { imageFor: [{ dockerfile: 'green/Dockerfile', image: img }] });
    expect(told.containers.map((c) => [c.name, c.identity.image])).toEqual([
      ['blue', undefined],
      ['green', 'registry.example.com/team/site:2.1'],
    ]);
    const info = told.diagnostics.find((d) => d.code === 'profile/image-built-from');
    expect(info?.message).toMatch(/image registry\.example\.com\/team\/site:2\.1 is the image of green\/Dockerfile, as --image-for says/);
  });

  it('--image-for reads the image itself, and names a contradiction it overrides', async () => {
    const root = project('told', { 'web/Dockerfile': DOCKERFILE });
    const img = await image('told', { ...CONFIG, User: '0' });
    const ch = await profileTargets([root], { imageFor: [{ dockerfile: path.join(root, 'web/Dockerfile'), image: img }] });
    expect(ch.containers.map((c) => c.name)).toEqual(['web']);
    const d = ch.diagnostics.find((x) => x.code === 'profile/image-built-from');
    expect(d?.severity).toBe('warning');
    expect(d?.message).toMatch(/but the image has USER 0, the Dockerfile 1000/);
  });

  it('--image-for naming no Dockerfile read is an error; the image is still profiled', async () => {
    const root = project('missing', { 'web/Dockerfile': DOCKERFILE });
    const img = await image('missing');
    const ch = await profileTargets([root, img], { imageFor: [{ dockerfile: 'api/Dockerfile', image: img }] });
    const err = ch.diagnostics.find((d) => d.code === 'profile/image-for-unmatched');
    expect(err).toMatchObject({ severity: 'error', file: 'api/Dockerfile' });
    // Matched as usual after the error: the evidence still joins it to web/Dockerfile.
    expect(ch.containers.map((c) => c.name)).toEqual(['web']);
  });
});

describe('--image-for on the command line', () => {
  it.each([
    ['web/Dockerfile=oci-archive:web.tar', { dockerfile: 'web/Dockerfile', image: 'oci-archive:web.tar' }],
    ['a=b/Dockerfile=oci:dir', { dockerfile: 'a=b/Dockerfile', image: 'oci:dir' }],
  ])('%s', (value, pairing) => {
    expect(parseImagePairing(value)).toEqual(pairing);
  });

  it.each(['web/Dockerfile', 'web/Dockerfile=web.tar', '=oci-archive:web.tar'])('refuses %s', (value) => {
    expect(() => parseImagePairing(value)).toThrow(/expected DOCKERFILE=IMAGE/);
  });

  it('charter profile DIR --image-for Dockerfile=IMAGE: one container, exit 0', async () => {
    const root = project('cli', { Dockerfile: DOCKERFILE });
    const img = await image('cli', { ...CONFIG, Cmd: ['httpd', '-f'] });
    const io: Io & { out: string; err: string } = {
      out: '',
      err: '',
      isTTY: false,
      stdout: (s: string) => void (io.out += s),
      stderr: (s: string) => void (io.err += s),
    };
    expect(await main(['profile', root, '--image-for', `Dockerfile=${img}`], io)).toBe(0);
    const ch = JSON.parse(io.out) as Charter;
    expect(ch.containers.map((c) => [c.name, c.identity.image])).toEqual([['app', 'registry.example.com/team/site:2.1']]);
    expect(await main(['profile', root, '--image-for', 'Dockerfile'], io)).toBe(2);
    expect(io.err).toMatch(/expected DOCKERFILE=IMAGE/);
  });
});

describe('RUN commands as the history records them', () => {
  it('comment lines inside a continuation and RUN flags are not part of the command', async () => {
    const dockerfile = [
      'FROM example.com/base/busybox:1.36',
      'RUN --mount=type=cache,target=/var/cache/apk apk add \\',
      '      # the web server',
      '      lighttpd',
      'CMD ["lighttpd", "-D"]',
      '',
    ].join('\n');
    const root = project('flags', { Dockerfile: dockerfile });
    const img = await image('flags', { Cmd: ['lighttpd', '-D'] }, ['RUN /bin/sh -c apk add       lighttpd # buildkit']);
    const ch = await profileTargets([root, img]);
    expect(ch.containers.map((c) => c.name)).toEqual(['app']);
    expect(ch.diagnostics.find((d) => d.code === 'profile/image-built-from')?.message).toMatch(
      /history holds the Dockerfile's 1 RUN command/,
    );
  });
});

describe('bounds', () => {
  it(`thousands of RUN lines against thousands of history entries: the first ${MAX_RUNS_COMPARED} decide, in bounded time`, async () => {
    const n = 3000;
    const runs = Array.from({ length: n }, (_, i) => `RUN echo step-${i} > /tmp/step-${i}`);
    const root = project('many', { Dockerfile: ['FROM example.com/base/busybox:1.36', ...runs, 'CMD ["httpd", "-f"]', ''].join('\n') });
    const history = Array.from({ length: n }, (_, i) => `/bin/sh -c echo step-${i} > /tmp/step-${i}`);
    const img = await image('many', { Cmd: ['httpd', '-f'] }, history);
    const started = Date.now();
    const ch = await profileTargets([root, img]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ch.containers.map((c) => c.name)).toEqual(['app']);
    expect(ch.diagnostics.find((d) => d.code === 'profile/image-built-from')?.message).toMatch(
      new RegExp(`history holds the Dockerfile's ${MAX_RUNS_COMPARED} RUN commands`),
    );
  });
});

describe('with a compose file', () => {
  it('a service built from a Dockerfile, with no image reference of its own, takes the image built from it', async () => {
    const root = project('compose', {
      'compose.yaml': 'services:\n  front:\n    build: ./web\n    ports: ["8080:8080"]\n',
      'web/Dockerfile': DOCKERFILE,
    });
    const ch = await profileTargets([root, await image('compose')]);
    expect(ch.containers.map((c) => [c.name, c.identity.image])).toEqual([['front', 'registry.example.com/team/site:2.1']]);
    expect(ch.diagnostics.find((d) => d.code === 'profile/image-built-from')?.file).toBe('web/Dockerfile');
  });

  it('a service that names its image keeps to that reference: another image is not attached by evidence', async () => {
    const root = project('compose-named', {
      'compose.yaml': 'services:\n  front:\n    build: ./web\n    image: example.com/team/front:1\n',
      'web/Dockerfile': DOCKERFILE,
    });
    const ch = await profileTargets([root, await image('compose-named')]);
    expect(ch.containers.map((c) => c.name)).toEqual(['front', 'site']);
  });
});

describe('an image joined to a Dockerfile by its name', () => {
  it('is reported, and what its config contradicts is a warning', async () => {
    const root = project('byname', { 'site/Dockerfile': DOCKERFILE });
    const same = await profileTargets([root, await image('byname-same')]);
    expect(same.containers.map((c) => c.name)).toEqual(['site']);
    const info = same.diagnostics.find((d) => d.code === 'profile/image-built-from');
    expect(info).toMatchObject({ severity: 'info', file: 'site/Dockerfile' });
    expect(info?.message).toMatch(/by its name \(site\); the same CMD/);

    const other = await profileTargets([root, await image('byname-other', { ...CONFIG, User: '0' })]);
    expect(other.containers.map((c) => c.name)).toEqual(['site']);
    const warning = other.diagnostics.find((d) => d.code === 'profile/image-built-from');
    expect(warning?.severity).toBe('warning');
    expect(warning?.message).toMatch(/but the image has USER 0, the Dockerfile 1000/);
  });
});

describe('ENTRYPOINT inherited from the base image', () => {
  it('a Dockerfile that sets only CMD matches an image whose ENTRYPOINT comes from its base', async () => {
    const root = project('inherited', { Dockerfile: DOCKERFILE });
    const ch = await profileTargets([root, await image('inherited', { ...CONFIG, Entrypoint: ['/bin/busybox'] })]);
    expect(ch.containers.map((c) => c.name)).toEqual(['app']);
  });

  it('a Dockerfile that sets ENTRYPOINT must find it in the image', async () => {
    const root = project('own-entrypoint', { Dockerfile: `${DOCKERFILE}ENTRYPOINT ["/bin/busybox"]\n` });
    const matching = await profileTargets([root, await image('own-ep', { ...CONFIG, Entrypoint: ['/bin/busybox'] })]);
    expect(matching.containers.map((c) => c.name)).toEqual(['app']);
    expect(matching.diagnostics.find((d) => d.code === 'profile/image-built-from')?.message).toMatch(
      /the same ENTRYPOINT \["\/bin\/busybox"\] and CMD \["httpd"/,
    );
    const other = await profileTargets([root, await image('other-ep', { ...CONFIG, Entrypoint: ['/bin/sh'] })]);
    expect(other.containers.map((c) => c.name)).toEqual(['app', 'site']);
  });
});
