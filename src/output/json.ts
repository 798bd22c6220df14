/** The scan as JSON: the result itself plus the policy verdict, keys in a fixed order. */
import type { PolicyResult } from '../hygiene/policy/index.js';
import { SCAN_SCHEMA, type ScanResult } from '../model/scan-result.js';

export function toScanJson(result: ScanResult, policy?: PolicyResult): string {
  const doc = {
    schema: SCAN_SCHEMA,
    target: result.target,
    ...(result.image ? { image: result.image } : {}),
    ...(result.os ? { os: result.os } : {}),
    components: result.components,
    findings: result.findings,
    diagnostics: result.diagnostics,
    ...(policy
      ? {
          policy: {
            pass: policy.pass,
            reasons: policy.reasons,
            // Indexes into `findings`, so the document does not repeat them.
            failing: policy.failing.map((f) => result.findings.indexOf(f)).filter((i) => i >= 0),
            ignored: policy.ignored.map(({ finding, rule }) => ({
              finding: result.findings.indexOf(finding),
              id: finding.id,
              rule: {
                id: rule.id,
                reason: rule.reason,
                ...(rule.expires ? { expires: rule.expires } : {}),
                ...(rule.component ? { component: rule.component } : {}),
                ...(rule.path ? { path: rule.path } : {}),
              },
            })),
            warnings: policy.warnings,
          },
        }
      : {}),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
