/**
 * Findings: everything a scan reports — known vulnerabilities, unsafe components, secrets and
 * misconfigurations — in one shape, so one policy gate and one set of output formats serve all.
 */
export const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info', 'unknown'] as const;
export type Severity = (typeof SEVERITIES)[number];

/** `runtime-deviation`: what a container did beyond its charter (`charter replay --format sarif`). */
export const FINDING_KINDS = ['vulnerability', 'unsafe-component', 'secret', 'misconfiguration', 'runtime-deviation'] as const;
export type FindingKind = (typeof FINDING_KINDS)[number];

export interface FindingLocation {
  /** File relative to the target root, or the image reference. */
  artifact: string;
  line?: number;
  column?: number;
  /** JSON pointer inside a manifest document. */
  pointer?: string;
  document?: number;
  /** Image layer digest and the path inside the image. */
  layer?: string;
  path?: string;
}

export interface Finding {
  kind: FindingKind;
  /** Advisory id (`GHSA-…`, `DSA-…`, `CVE-…`) or check id (`CHARTER-DF-001`). */
  id: string;
  /** Other ids of the same advisory (CVE, DSA, DLA, GHSA …): one problem is reported once. */
  aliases: string[];
  severity: Severity;
  /** CVSS base score when known. */
  score?: number;
  title: string;
  description?: string;
  /** The affected component (vulnerabilities, unsafe components). */
  component?: { ecosystem: string; name: string; version: string; purl: string };
  /** Fixed version, when one exists. */
  fixedVersion?: string;
  remediation?: string;
  /** The control a check implements: CIS Docker Benchmark 4.1, Kubernetes PSS restricted … */
  controls?: { framework: string; id: string; title?: string }[];
  references?: string[];
  locations: FindingLocation[];
}

/** What a rule says beyond one finding: from the check catalogue, when the scan has it. */
export interface RuleInfo {
  title: string;
  description?: string;
  remediation?: string;
  helpUri?: string;
  tags?: string[];
}
