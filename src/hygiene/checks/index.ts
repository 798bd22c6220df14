/**
 * The one table of check families. Each family says which check ids it can report; the catalogue
 * meta-test walks this table and the catalogue (src/knowledge/hygiene-catalogue.json) and fails when either has an id the other lacks.
 */
import { bundledRules } from '../secrets/rules.js';
import type { CheckFamily } from '../../knowledge/hygiene-catalogue.js';
import { COMPOSE_CHECK_IDS, checkCompose } from './compose.js';
import { DOCKERFILE_CHECK_IDS, checkDockerfile } from './dockerfile.js';
import { IMAGE_CHECK_IDS, checkImage } from './image.js';
import { KUBERNETES_CHECK_IDS, checkKubernetesManifest, checkKubernetesObject } from './kubernetes.js';
import { UNSAFE_CHECK_IDS } from '../unsafe/rules.js';

export { checkCompose, checkDockerfile, checkImage, checkKubernetesManifest, checkKubernetesObject };
export type { ObjectLocation } from './kubernetes.js';

export interface CheckFamilyEntry {
  family: CheckFamily;
  /** Source module (relative to src/hygiene), for the meta-test's scan of id literals. */
  module: string;
  ids: () => readonly string[];
}

export const CHECK_FAMILY_TABLE: readonly CheckFamilyEntry[] = [
  { family: 'dockerfile', module: 'checks/dockerfile.ts', ids: () => DOCKERFILE_CHECK_IDS },
  { family: 'image', module: 'checks/image.ts', ids: () => IMAGE_CHECK_IDS },
  { family: 'kubernetes', module: 'checks/kubernetes.ts', ids: () => KUBERNETES_CHECK_IDS },
  { family: 'compose', module: 'checks/compose.ts', ids: () => COMPOSE_CHECK_IDS },
  // Secret checks are reported by the rules in secrets/rules.json, each naming its check.
  { family: 'secrets', module: 'secrets/rules.json', ids: () => [...new Set(bundledRules().rules.map((r) => r.check))] },
  { family: 'unsafe', module: 'unsafe/rules.ts', ids: () => UNSAFE_CHECK_IDS },
];
