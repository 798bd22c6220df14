import { describe, expect, it } from 'vitest';
import type { ImageFacts } from '../../model/image.js';
import type { ImageFile } from '../../model/fragments.js';
import { checkImage } from './image.js';

const file = (path: string, over: Partial<ImageFile> = {}): [string, ImageFile] => [
  path,
  { path, mode: 0o100644, size: 10, executable: 'none', setuid: false, setgid: false, layer: 'sha256:l1', ...over },
];

const image = (over: Partial<ImageFacts> = {}, files: [string, ImageFile][] = []): ImageFacts => ({
  ref: 'localhost/app:1',
  digest: 'sha256:m',
  configDigest: 'sha256:c',
  platformOs: 'linux',
  architecture: 'amd64',
  config: { User: '10001', Healthcheck: { Test: ['CMD', '/health'] } },
  history: [],
  layers: [],
  files: new Map(files),
  packages: [],
  components: [],
  findings: [],
  ...over,
});
const ids = (img: ImageFacts) => checkImage(img).map((f) => f.id);

describe('image checks', () => {
  it('a non-root image with a health check and no special files is clean', () => {
    expect(ids(image())).toEqual([]);
  });

  it.each([
    [{}, 'The image runs as root (no User in its configuration)'],
    [{ User: 'root' }, 'The image runs as root (User root)'],
    [{ User: '0:0' }, 'The image runs as root (User 0:0)'],
  ])('runs as root: %j', (config, title) => {
    const f = checkImage(image({ config: { ...config, Healthcheck: { Test: ['CMD', 'x'] } } }));
    expect(f.map((x) => [x.id, x.title])).toEqual([['CHARTER-IMG-001', title]]);
  });

  it.each([[undefined], [{ Test: ['NONE'] }], [{ Test: [] }]])('no health check: %j', (hc) => {
    expect(ids(image({ config: { User: '1', ...(hc ? { Healthcheck: hc } : {}) } }))).toEqual(['CHARTER-IMG-004']);
  });

  it('setuid files: expected tools are low, unknown ones high; directories are ignored', () => {
    const f = checkImage(
      image({}, [
        file('/usr/bin/passwd', { mode: 0o104755, setuid: true, layer: 'sha256:base' }),
        file('/usr/local/bin/helper', { mode: 0o106755, setuid: true, setgid: true, layer: 'sha256:app' }),
        file('/var/mail', { mode: 0o042775, setgid: true }),
      ]),
    );
    expect(f.map((x) => [x.id, x.severity, x.title, x.locations[0]])).toEqual([
      [
        'CHARTER-IMG-002',
        'low',
        'setuid file /usr/bin/passwd',
        { artifact: 'localhost/app:1', layer: 'sha256:base', path: '/usr/bin/passwd' },
      ],
      [
        'CHARTER-IMG-002',
        'high',
        'setuid+setgid file /usr/local/bin/helper',
        { artifact: 'localhost/app:1', layer: 'sha256:app', path: '/usr/local/bin/helper' },
      ],
    ]);
    expect(f[1]?.controls?.[0]).toMatchObject({ id: '4.8' });
  });

  it('package caches are grouped per cache with a count, size and sample paths', () => {
    const debs = Array.from({ length: 7 }, (_, i) => file(`/var/cache/apt/archives/p${i}.deb`, { size: 100 }));
    const f = checkImage(
      image({}, [
        ...debs,
        file('/var/cache/apt/archives/lock'),
        file('/var/lib/apt/lists/lock'),
        file('/var/lib/apt/lists/deb.example_dists_bookworm_InRelease', { size: 5 }),
        file('/root/.cache/pip/http/x', { size: 1 }),
        file('/root/.npm/_cacache/index-v5/aa', { size: 2 }),
      ]),
    );
    expect(f.map((x) => [x.title, x.description, x.locations.length])).toEqual([
      [
        'Package-manager cache in the image: apt package archives',
        '7 files, 700 bytes of apt package archives remain in the final file system (the first 5 are listed).',
        5,
      ],
      ['Package-manager cache in the image: apt package lists', '1 file, 5 bytes of apt package lists remain in the final file system.', 1],
      ['Package-manager cache in the image: npm cache', '1 file, 2 bytes of npm cache remain in the final file system.', 1],
      ['Package-manager cache in the image: pip cache', '1 file, 1 bytes of pip cache remain in the final file system.', 1],
    ]);
  });

  it('secrets in the image environment are named, never shown', () => {
    const secret = ['p4ss', 'w0rd', '!x'].join('');
    const f = checkImage(
      image({
        config: {
          User: '1',
          Healthcheck: { Test: ['CMD', 'x'] },
          Env: ['PATH=/usr/bin', `DB_PASSWORD=${secret}`, 'API_KEY=', 'JWT_SECRET=$FROM_ENV', 'BROKEN'],
        },
      }),
    );
    expect(f.map((x) => [x.id, x.title, x.locations[0]?.pointer])).toEqual([
      ['CHARTER-IMG-005', 'Secret in the image environment: DB_PASSWORD', '/config/Env/1'],
    ]);
    expect(JSON.stringify(f)).not.toContain(secret);
  });
});
