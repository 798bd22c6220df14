/** SBOM writers: CycloneDX 1.5 and SPDX 2.3 JSON from an inventory (and its vulnerabilities). */
export { toCycloneDx, cdxLicenses } from './cyclonedx.js';
export { toSpdx, declaredLicense, spdxIdFor } from './spdx.js';
export { normalizeSpdxExpression, spdxId } from './licenses.js';
export type { SbomInput, SbomOptions } from './common.js';
