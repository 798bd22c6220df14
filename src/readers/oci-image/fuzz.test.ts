/**
 * Damaged images, generated: random byte changes and truncations of small valid archives. Each
 * read must end in a result or a UserError (bad input), never another error, and soon.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../model/errors.js';
import { fuzzParameters } from '../../test-support/fuzz-bytes.js';
import { readImage } from '../../pipeline/image.js';
import { packTar, writeDockerArchive, writeOciArchive } from './fixtures/build.js';

let dir: string;
const originals: { transport: string; bytes: Buffer }[] = [];
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'charter-fuzz-'));
  const layer = await packTar([
    { name: 'bin/app', mode: 0o755, content: Buffer.concat([Buffer.from('\x7fELF'), Buffer.alloc(200, 7)]) },
    { name: 'bin/sh', type: 'symlink', linkname: 'app' },
    { name: 'etc/os-release', content: 'ID=debian\nVERSION_ID=12\n' },
    { name: 'usr/lib/hard', type: 'link', linkname: 'bin/app' },
    { name: 'etc/.wh.gone', content: '' },
  ]);
  for (const [transport, gzip] of [
    ['oci-archive', true],
    ['oci-archive', false],
    ['docker-archive', false],
  ] as const) {
    const file = path.join(dir, `orig-${originals.length}.tar`);
    const spec = { layers: [layer], gzip, config: { Entrypoint: ['/bin/sh'] } };
    if (transport === 'docker-archive') await writeDockerArchive(file, spec);
    else await writeOciArchive(file, spec);
    originals.push({ transport, bytes: Buffer.from(await (await import('node:fs/promises')).readFile(file)) });
  }
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const damage = fc.record({
  which: fc.nat(),
  flips: fc.array(fc.record({ at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }), { minLength: 0, maxLength: 6 }),
  cut: fc.option(fc.nat(), { nil: undefined }),
});

describe('damaged archives', () => {
  it('end in a result or a UserError (property, fixed seed)', async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(damage, async ({ which, flips, cut }) => {
        const orig = originals[which % originals.length] as (typeof originals)[number];
        const bytes = Buffer.from(orig.bytes);
        // Damage lands in the first 4 KiB mostly (headers, documents), anywhere sometimes.
        for (const f of flips) bytes[f.at % (f.at % 3 === 0 ? bytes.length : Math.min(bytes.length, 4096))] = f.value;
        const damaged = cut === undefined ? bytes : bytes.subarray(0, cut % bytes.length);
        const file = path.join(dir, `d-${n++}.tar`);
        await writeFile(file, damaged);
        const outcome = await readImage(`${orig.transport}:${file}`, { cache: false }).then(
          () => undefined,
          (e: unknown) => e,
        );
        if (outcome !== undefined && !(outcome instanceof UserError)) throw outcome;
        expect(outcome === undefined || outcome instanceof UserError).toBe(true);
      }),
      // CHARTER_FUZZ_SEED / CHARTER_FUZZ_RUNS explore further by hand; CI runs the fixed seed.
      fuzzParameters(300),
    );
  }, 30_000);
});
