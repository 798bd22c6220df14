/**
 * The Kubernetes manifest reader: workloads become container fragments, Services and
 * NetworkPolicies become declarations for the graph. What is read and how it maps: README.md.
 *
 * @example
 *   const result = kubernetesReader.read({ path: 'deploy/app.yaml', text });
 *   result.containers[0]?.key; // { name: 'web', scope: 'default', image: 'nginx:1.25', workload: … }
 */
import type { FileReader } from '../../model/fragments.js';
import { readManifests } from './extract.js';

const MANIFEST_EXTENSION = /\.(ya?ml|json)$/i;
// Keys at the start of a line, after `{`/`,`, or quoted as in JSON: `apiVersion:`, `"apiVersion":`.
const API_VERSION_KEY = /(?:^|[\s{,])["']?apiVersion["']?\s*:/m;
const KIND_KEY = /(?:^|[\s{,])["']?kind["']?\s*:/m;
// Charter's own profiles carry apiVersion and kind too; they are not manifests.
const CHARTER_PROFILE = /["']?apiVersion["']?\s*:\s*["']?charter\//;

export const kubernetesReader = {
  type: 'kubernetes',
  version: '2',
  input: 'text',
  named(path: string): boolean {
    return MANIFEST_EXTENSION.test(path);
  },
  matches(path: string, head: string): boolean {
    return MANIFEST_EXTENSION.test(path) && API_VERSION_KEY.test(head) && KIND_KEY.test(head) && !CHARTER_PROFILE.test(head);
  },
  read: readManifests,
} as const satisfies FileReader;

export { MAX_TEXT_LENGTH } from './extract.js';
export { MAX_ALIAS_COUNT } from './yaml-stream.js';
