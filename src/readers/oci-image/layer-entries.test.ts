import { describe, expect, it } from 'vitest';
import { InputError } from '../../model/errors.js';
import type { TarHeader } from './sources/index.js';
import { LayerEntries, layerPathChars } from './layer-entries.js';
import { DEFAULT_LIMITS } from './types.js';

const header = (name: string, type: TarHeader['type'] = 'file', linkName = ''): TarHeader => ({
  name,
  linkName,
  mode: 0o644,
  size: 0,
  type,
  flag: '0',
  offset: 0,
});

function feed(
  headers: TarHeader[],
  maxPathChars = DEFAULT_LIMITS.maxPathChars,
): { totals: { entries: number; pathChars: number }; entries: LayerEntries } {
  const totals = { entries: 0, pathChars: 0 };
  const entries = new LayerEntries({
    layer: 'sha256:l',
    display: 'oci:x',
    limits: { ...DEFAULT_LIMITS, maxPathChars },
    totals,
    analyzers: [],
  });
  for (const h of headers) entries.entry(h);
  return { totals, entries };
}

describe('LayerEntries counts the path characters it keeps', () => {
  const layer = [
    header('etc/passwd'),
    header('etc/passwd'), // replaced: counted once
    header('bin/sh', 'symlink', '/bin/busybox'),
    header('bin/sh', 'file'), // a file replaces the link: its target no longer kept
    header('usr/lib/x', 'hardlink', 'usr/lib/lower'), // to a lower layer: the target is kept
    header('usr/lib/x'), // replaced: the lower link is dropped
    header('usr/lib/y', 'hardlink', 'usr/lib/lower'),
    header('var/.wh.cache'),
    header('tmp/.wh..wh..opq'),
    header('a/../../escape'), // refused: nothing kept
  ];

  it('in step with layerPathChars of the result, as a cached layer is counted', () => {
    const { totals, entries } = feed(layer);
    const result = entries.result('sha256:d', 0);
    expect(totals.pathChars).toBe(layerPathChars(result));
    expect(totals.pathChars).toBeGreaterThan(0);
  });

  it('refuses the image once its paths exceed maxPathChars', () => {
    const names = Array.from({ length: 100 }, (_, i) => header(`dir/${'n'.repeat(90)}${i}`));
    expect(() => feed(names, 5000)).toThrow(InputError);
    expect(() => feed(names, 5000)).toThrow(/paths and link targets exceed 5000 characters/);
    expect(() => feed(names, 100_000)).not.toThrow();
  });
});
