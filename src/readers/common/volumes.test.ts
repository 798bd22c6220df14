import { describe, expect, it } from 'vitest';
import { parseVolumeSpec } from './volumes.js';

describe('parseVolumeSpec', () => {
  const ok: [string, Omit<ReturnType<typeof parseVolumeSpec> & { ok: true }, 'ok'>][] = [
    ['./data:/var/lib/mysql:ro', { source: './data', target: '/var/lib/mysql', kind: 'bind', readOnly: true }],
    ['db-data:/var/lib/postgresql/data', { source: 'db-data', target: '/var/lib/postgresql/data', kind: 'volume', readOnly: false }],
    [
      '/var/run/docker.sock:/var/run/docker.sock',
      { source: '/var/run/docker.sock', target: '/var/run/docker.sock', kind: 'bind', readOnly: false },
    ],
    ['/usr/src/app/node_modules', { target: '/usr/src/app/node_modules', kind: 'volume', readOnly: false }],
    ['~/cfg:/etc/app:ro,z', { source: '~/cfg', target: '/etc/app', kind: 'bind', readOnly: true }],
    ['./src:/code/src:rw,cached', { source: './src', target: '/code/src', kind: 'bind', readOnly: false }],
    ['C:\\data:/data', { source: 'C:\\data', target: '/data', kind: 'bind', readOnly: false }],
  ];
  it.each(ok)('%j', (spec, want) => {
    expect(parseVolumeSpec(spec)).toEqual({ ok: true, ...want });
  });

  const bad: [string, RegExp][] = [
    ['relative/target', /not an absolute path/],
    ['data:relative', /not an absolute path/],
    ['data:/b:ro:extra', /not \[source:\]target/],
    ['a:', /not \[source:\]target/],
    ['', /not \[source:\]target/],
  ];
  it.each(bad)('rejects %j', (spec, error) => {
    const r = parseVolumeSpec(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });
});
