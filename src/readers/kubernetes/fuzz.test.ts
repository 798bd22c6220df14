/** Mutation fuzzing from real manifests: the reader's contract holds on whatever the bytes become. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { FUZZ_PARAMETERS, assertReaderContract, mutatedSeed, seedFiles } from '../../test-support/fuzz.js';
import { readerInput } from '../common/text.js';
import { kubernetesReader } from './index.js';

const seeds = seedFiles(['test/corpus/k8s', 'src/readers/kubernetes/fixtures'], /\.(ya?ml|json)$/);

describe('kubernetes reader fuzz', () => {
  it('returns, with positioned diagnostics, the same output twice, on mutated manifests', () => {
    fc.assert(
      fc.property(mutatedSeed(seeds), ({ bytes }) => {
        const input = readerInput('fuzz.yaml', bytes);
        assertReaderContract('fuzz.yaml', () => kubernetesReader.read(input));
      }),
      FUZZ_PARAMETERS,
    );
  }, 60_000);
});
