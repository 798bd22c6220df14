/** Mutation fuzzing of the manifest checks: the same contract as the readers whose parsers they share. */
import fc from 'fast-check';
import { describe, it } from 'vitest';
import { decodeUtf8 } from '../../readers/common/text.js';
import type { InvalidUtf8 } from '../../model/fragments.js';
import { FUZZ_PARAMETERS, assertReaderContract, mutatedSeed, seedFiles, type Checked, type Seed } from '../../test-support/fuzz.js';
import { checkCompose } from './compose.js';
import { checkDockerfile } from './dockerfile.js';
import { checkKubernetesManifest } from './kubernetes.js';

type Check = (path: string, text: string, invalidUtf8: readonly InvalidUtf8[]) => Checked;

const CHECKS: [string, string, Check, Seed[]][] = [
  [
    'kubernetes',
    'fuzz.yaml',
    checkKubernetesManifest,
    seedFiles(['test/corpus/k8s', 'src/readers/kubernetes/fixtures'], /\.(ya?ml|json)$/),
  ],
  ['compose', 'compose.yaml', checkCompose, seedFiles(['test/corpus/compose', 'src/readers/compose/fixtures'], /\.ya?ml$/)],
  ['dockerfile', 'Dockerfile', checkDockerfile, seedFiles(['src/readers/dockerfile/fixtures'], /(^Dockerfile|\.Dockerfile)$/)],
];

describe('manifest checks fuzz', () => {
  it.each(CHECKS)(
    '%s checks return, with positioned diagnostics, the same output twice',
    (_name, file, check, seeds) => {
      fc.assert(
        fc.property(mutatedSeed(seeds), ({ bytes }) => {
          const { text, invalidUtf8 } = decodeUtf8(bytes);
          assertReaderContract(file, () => check(file, text, invalidUtf8));
        }),
        { ...FUZZ_PARAMETERS, numRuns: 60 },
      );
    },
    60_000,
  );
});
