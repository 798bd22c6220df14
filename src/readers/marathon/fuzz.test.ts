/** Mutation fuzzing from real Marathon definitions: the reader's contract holds on whatever the bytes become. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_PARAMETERS, assertReaderContract, mutatedSeed, seedFiles } from '../../test-support/fuzz.js';
import { readerInput } from '../common/text.js';
import { marathonReader } from './index.js';

const seeds = seedFiles(['test/corpus/marathon', 'src/readers/marathon/fixtures'], /\.json$/);

describe('marathon reader fuzz', () => {
  it('returns, with positioned diagnostics, the same output twice, on mutated manifests', () => {
    fc.assert(
      fc.property(mutatedSeed(seeds), ({ bytes }) => {
        const input = readerInput('fuzz.json', bytes);
        assertReaderContract('fuzz.json', () => marathonReader.read(input));
      }),
      FUZZ_PARAMETERS,
    );
  }, 60_000);
});
