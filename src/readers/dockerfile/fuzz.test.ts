/** Mutation fuzzing from real Dockerfiles: the reader's contract holds on whatever the bytes become. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_PARAMETERS, assertReaderContract, mutatedSeed, seedFiles } from '../../test-support/fuzz.js';
import { readerInput } from '../common/text.js';
import { dockerfileReader } from './index.js';

const seeds = seedFiles(['src/readers/dockerfile/fixtures'], /(^Dockerfile|\.Dockerfile)$/);

describe('dockerfile reader fuzz', () => {
  it('returns, with positioned diagnostics, the same output twice, on mutated manifests', () => {
    fc.assert(
      fc.property(mutatedSeed(seeds), ({ bytes }) => {
        const input = readerInput('Dockerfile', bytes);
        assertReaderContract('Dockerfile', () => dockerfileReader.read(input));
      }),
      FUZZ_PARAMETERS,
    );
  }, 60_000);
});
