/** Mutation fuzzing from real compose files: the reader's contract holds on whatever the bytes become. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_PARAMETERS, assertReaderContract, mutatedSeed, seedFiles } from '../../test-support/fuzz.js';
import { readerInput } from '../common/text.js';
import { composeReader } from './index.js';

const seeds = seedFiles(['test/corpus/compose', 'src/readers/compose/fixtures'], /\.ya?ml$/);

describe('compose reader fuzz', () => {
  it('returns, with positioned diagnostics, the same output twice, on mutated manifests', () => {
    fc.assert(
      fc.property(mutatedSeed(seeds), ({ bytes }) => {
        const input = readerInput('compose.yaml', bytes);
        assertReaderContract('compose.yaml', () => composeReader.read(input));
      }),
      FUZZ_PARAMETERS,
    );
  }, 60_000);
});
