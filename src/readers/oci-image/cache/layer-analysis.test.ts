import { describe, expect, it } from 'vitest';
import type { ImageFile } from '../../../model/fragments.js';
import {
  LayerCacheEntrySchema,
  decodeLayerAnalysis,
  encodeLayerAnalysis,
  type LayerAnalysis,
  type LayerCacheKey,
} from './layer-analysis.js';

const LAYER = `sha256:${'a'.repeat(64)}`;
const KEY: LayerCacheKey = { layer: LAYER, analyzer: 'test/1', limits: '0123456789abcdef' };
const file = (path: string, mode: number, extra: Partial<ImageFile> = {}): ImageFile => ({
  path,
  mode,
  size: 0,
  executable: 'none',
  setuid: (mode & 0o4000) !== 0,
  setgid: (mode & 0o2000) !== 0,
  layer: LAYER,
  ...extra,
});

const ANALYSIS: LayerAnalysis = {
  layer: LAYER,
  diffId: `sha256:${'b'.repeat(64)}`,
  files: [
    file('/bin', 0o40755),
    file('/bin/su', 0o104755, { size: 300, executable: 'elf', sha256: 'c'.repeat(64) }),
    file('/bin/sh', 0o120777, { linkTarget: 'busybox' }),
    file('/run.sh', 0o100755, { size: 20, executable: 'script', interpreter: '/bin/sh', sha256: 'd'.repeat(64) }),
    file('/etc/x', 0o102644, { size: 3 }),
  ],
  whiteouts: ['/etc/gone'],
  opaque: ['/opt'],
  lowerLinks: [['/bin/bb', '/bin/busybox']],
  analyses: [
    {
      path: '/var/lib/dpkg/status',
      analyzer: 'dpkg',
      components: [
        {
          ecosystem: 'deb',
          name: 'libc6',
          version: '2.36-9',
          purl: 'pkg:deb/debian/libc6@2.36-9?arch=amd64',
          sourceName: 'glibc',
          sourceVersion: '2.36-9',
          arch: 'amd64',
          layer: LAYER,
          path: '/var/lib/dpkg/status',
        },
      ],
    },
    {
      path: '/etc/os-release',
      analyzer: 'os-release',
      os: { id: 'debian', versionId: '12', prettyName: 'Debian GNU/Linux 12 (bookworm)' },
    },
    {
      path: '/app/.env',
      analyzer: 'secrets',
      findings: [
        {
          kind: 'secret',
          id: 'CHARTER-SECRET-AWS',
          aliases: [],
          severity: 'high',
          title: 'AWS access key',
          locations: [{ artifact: 'img', layer: LAYER, path: '/app/.env', line: 2 }],
        },
      ],
    },
  ],
  shebangArgs: [['/run.sh', ['-e']]],
  diagnostics: [{ code: 'image-entry-absolute', severity: 'warning', message: 'layer x: absolute' }],
  entries: 9,
  bytes: 10240,
};

describe('layer analysis encoding', () => {
  it('round-trips through JSON and the schema, deep-equal', () => {
    const entry = encodeLayerAnalysis(KEY, ANALYSIS);
    expect(entry).toBeDefined();
    const back = decodeLayerAnalysis(LayerCacheEntrySchema.parse(JSON.parse(JSON.stringify(entry))));
    expect(back).toEqual(ANALYSIS);
    // Only the rare facts are stored per file.
    expect(entry?.sha256).toHaveLength(2);
    expect(entry?.links).toEqual([[2, 'busybox']]);
  });

  it.each([
    ['a file of another layer', { files: [file('/x', 0o100644, { layer: 'sha256:other' })] }],
    ['set-id flags that disagree with the mode', { files: [file('/x', 0o100644, { setuid: true })] }],
    ['an analysis of another layer than the key', { layer: `sha256:${'e'.repeat(64)}` }],
  ])('refuses to encode %s', (_, change) => {
    expect(encodeLayerAnalysis(KEY, { ...ANALYSIS, ...change })).toBeUndefined();
  });

  const good = (): Record<string, unknown> => JSON.parse(JSON.stringify(encodeLayerAnalysis(KEY, ANALYSIS))) as Record<string, unknown>;
  it.each<[string, (e: Record<string, unknown>) => void]>([
    ['another format', (e) => (e['format'] = 'charter-layer-cache/0')],
    ['a missing column', (e) => delete e['modes']],
    ['columns of different lengths', (e) => (e['sizes'] = [1])],
    ['a negative size', (e) => (e['sizes'] = [0, -1, 0, 0, 0])],
    ['a fractional mode', (e) => (e['modes'] = [0.5, 0, 0, 0, 0])],
    ['a mode beyond st_mode', (e) => (e['modes'] = [0o1000000, 0, 0, 0, 0])],
    ['a path that is not a string', (e) => (e['paths'] = ['/a', 2, '/c', '/d', '/e'])],
    ['a sparse index out of range', (e) => (e['links'] = [[99, 'x']])],
    ['a bad sha256', (e) => (e['sha256'] = [[1, 'zz']])],
    ['an unknown executable kind', (e) => (e['exec'] = [[1, 'pe']])],
    [
      'an unknown ecosystem',
      (e) => (e['analyses'] = [{ path: '/p', analyzer: 'x', components: [{ ecosystem: 'cargo', name: 'a', version: '1', purl: 'p' }] }]),
    ],
    [
      'a component without a purl',
      (e) => (e['analyses'] = [{ path: '/p', analyzer: 'x', components: [{ ecosystem: 'deb', name: 'a', version: '1' }] }]),
    ],
    [
      'a component with an unknown field',
      (e) =>
        (e['analyses'] = [{ path: '/p', analyzer: 'x', components: [{ ecosystem: 'deb', name: 'a', version: '1', purl: 'p', evil: 1 }] }]),
    ],
    [
      'a finding of an unknown kind',
      (e) =>
        (e['analyses'] = [
          { path: '/p', analyzer: 'x', findings: [{ kind: 'gossip', id: 'x', aliases: [], severity: 'low', title: 't', locations: [] }] },
        ]),
    ],
    ['an os without an id', (e) => (e['analyses'] = [{ path: '/p', analyzer: 'x', os: { versionId: '12' } }])],
    ['an analysis without its analyzer', (e) => (e['analyses'] = [{ path: '/p' }])],
    ['a bad severity', (e) => (e['diagnostics'] = [{ code: 'x', severity: 'fatal', message: 'm' }])],
  ])('the schema rejects %s', (_, spoil) => {
    const e = good();
    expect(LayerCacheEntrySchema.safeParse(e).success).toBe(true);
    spoil(e);
    expect(LayerCacheEntrySchema.safeParse(e).success).toBe(false);
  });
});
