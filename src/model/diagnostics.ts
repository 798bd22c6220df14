/**
 * The one catalogue of diagnostic codes. A diagnostic's code is its stable identity: tests, CI
 * filters and policy files match on it, so codes are never re-worded and every code Charter
 * reports is listed here. `Diagnostic.code` (src/model/charter.ts) is typed with this catalogue, so
 * a code that is not listed, or is misspelt, is a type error where the diagnostic is made.
 *
 * Naming: new codes are `<family>/<what>` in kebab-case. Older families kept the form they were
 * published with (`image-…`, `emit.…`, `VULN_…`, the analyzers' `<analyzer>-…`), because renaming a
 * published code breaks the filters that match on it.
 */

/** Reader diagnostics on user-authored artifacts (src/readers/*), prefixed with the artifact type. */
const READER_CODES = [
  'compose/absolute-build',
  'compose/bad-command',
  'compose/bad-healthcheck',
  'compose/bad-port',
  'compose/bad-volume',
  'compose/env-file',
  'compose/extends',
  'compose/external-links',
  'compose/include',
  'compose/interpolation',
  'compose/multiple-documents',
  'compose/network-none',
  'compose/network-shared',
  'compose/no-image',
  'compose/no-services',
  'compose/not-a-mapping',
  'compose/remote-build',
  'compose/schema',
  'compose/security-opt',
  'compose/too-large',
  'compose/unconfined',
  'compose/undeclared-volume',
  'compose/unknown-config',
  'compose/unknown-network',
  'compose/unknown-secret',
  'compose/unknown-service',
  'compose/unresolved-variable',
  'compose/yaml-aliases',
  'compose/yaml-control-character',
  'compose/yaml-invalid-utf8',
  'compose/yaml-syntax',
  'compose/yaml-too-deep',
  'compose/yaml-too-many-documents',
  'compose/yaml-warning',
  'dockerfile/bad-arg',
  'dockerfile/bad-env',
  'dockerfile/bad-exec-form',
  'dockerfile/bad-from',
  'dockerfile/bad-healthcheck',
  'dockerfile/bad-port',
  'dockerfile/bad-shell',
  'dockerfile/binary',
  'dockerfile/continuation-at-end',
  'dockerfile/control-character',
  'dockerfile/copy-from',
  'dockerfile/empty',
  'dockerfile/expansion-too-long',
  'dockerfile/heredoc-not-read',
  'dockerfile/instruction-before-from',
  'dockerfile/internal-error',
  'dockerfile/invalid-utf8',
  'dockerfile/line-too-long',
  'dockerfile/missing-argument',
  'dockerfile/no-from',
  'dockerfile/parse-error',
  'dockerfile/relative-volume',
  'dockerfile/too-large',
  'dockerfile/too-many-diagnostics',
  'dockerfile/too-many-ports',
  'dockerfile/too-many-stages',
  'dockerfile/unknown-instruction',
  'dockerfile/unresolved-base',
  'dockerfile/unresolved-variable',
  'dockerfile/unterminated-heredoc',
  'kubernetes/conflicting-security-context',
  'kubernetes/expansion-too-long',
  'kubernetes/invalid-field',
  'kubernetes/invalid-object',
  'kubernetes/missing-image',
  'kubernetes/too-large',
  'kubernetes/template',
  'kubernetes/too-many-keys',
  'kubernetes/unknown-volume',
  'kubernetes/unknown-workload',
  'kubernetes/unresolved-port',
  'kubernetes/yaml-aliases',
  'kubernetes/yaml-control-character',
  'kubernetes/yaml-invalid-utf8',
  'kubernetes/yaml-syntax',
  'kubernetes/yaml-too-deep',
  'kubernetes/yaml-too-many-documents',
  'kubernetes/yaml-warning',
  'marathon/bad-command',
  'marathon/bad-health-check',
  'marathon/bad-port',
  'marathon/bad-volume',
  'marathon/cmd-and-args',
  'marathon/duplicate-key',
  'marathon/dynamic-port',
  'marathon/invalid-utf8',
  'marathon/json-syntax',
  'marathon/not-an-object',
  'marathon/pod',
  'marathon/port-definitions-ignored',
  'marathon/schema',
  'marathon/service-ports',
  'marathon/too-large',
  'marathon/too-many-dependencies',
  'marathon/unconfined',
] as const;

/** The image reader (src/readers/oci-image): layers, links, the image config, the file analyzers it runs. */
const IMAGE_CODES = [
  'image-diagnostics-capped',
  'image-link-target-too-long',
  'image-path-too-long',
  'image-analyzer-diagnostics-capped',
  'image-analyzer-failed',
  'image-analyzer-file-too-large',
  'image-bad-port',
  'image-command-not-found',
  'image-entry-absolute',
  'image-entry-escapes',
  'image-hardlink-escapes',
  'image-hardlink-missing',
  'image-no-command',
  'image-symlink-escapes',
] as const;

/** File analyzers (src/inventory, src/hygiene/secrets): a package database or manifest they could not fully read. */
const ANALYZER_CODES = [
  'apk-incomplete-record',
  'dpkg-bad-line',
  'dpkg-bad-source',
  'dpkg-incomplete-stanza',
  'node-binary-no-version',
  'node-binary-not-elf',
  'node-binary-several-versions',
  'npm-invalid-json',
  'npm-invalid-name',
  'npm-invalid-version',
  'npm-lock-bad-shape',
  'npm-lock-invalid-json',
  'npm-lock-not-an-object',
  'npm-lock-skipped',
  'npm-lock-too-deep',
  'npm-lock-too-many',
  'npm-missing-name-version',
  'npm-not-an-object',
  'os-release-empty',
  'python-invalid-name',
  'python-invalid-version',
  'python-missing-name-version',
  'rpm-bad-header',
  'rpm-db-bad',
  'rpm-db-not-supported',
  'secrets/too-many-matches',
  'yarn-bad-line',
  'yarn-berry-unsupported',
  'yarn-skipped',
] as const;

/** Node.js application analysis (src/nodejs): one per kind of uncertainty, and the image files it could not read. */
const NODEJS_CODES = [
  'nodejs/computed-member',
  'nodejs/computed-module',
  'nodejs/dynamic-import',
  'nodejs/dynamic-require',
  'nodejs/error',
  'nodejs/eval',
  'nodejs/generated-code',
  'nodejs/image-file-unread',
  'nodejs/image-files-truncated',
  'nodejs/image-node-version-unmeasured',
  'nodejs/missing-module',
  'nodejs/native-addon',
  'nodejs/new-function',
  'nodejs/process-binding',
  'nodejs/symlink-loop',
  'nodejs/too-large',
  'nodejs/unparsed',
  'nodejs/vm',
] as const;

/** Assembling the profile (src/profile) and compiling it (src/emit). */
const PROFILE_CODES = [
  'profile/exec-not-found',
  'profile/image-built-from',
  'profile/image-built-from-ambiguous',
  'profile/image-for-ambiguous',
  'profile/image-for-unmatched',
  'profile/missing-backend',
  'profile/service-selects-nothing',
  'profile/unresolved-peer',
  'emit.enforcer.applets-not-enforced',
  'emit.enforcer.bare-names',
  'emit.enforcer.container-name-unknown',
  'emit.enforcer.egress-open',
  'emit.enforcer.egress-unbounded',
  'emit.enforcer.no-capabilities',
  'emit.enforcer.no-processes',
  'emit.enforcer.no-selector',
  'emit.enforcer.nothing-to-enforce',
  'emit.enforcer.peer-by-name',
  'emit.enforcer.unsafe-value',
  'emit.enforcer.writable-root',
  'emit.k8s.named-user',
  'emit.k8s.privileged',
  'emit.k8s.unknown-kind',
  'emit.kubearmor.capability',
  'emit.netpol.dns-peer',
  'emit.netpol.egress-open',
  'emit.netpol.guessed-selector',
  'emit.netpol.host-network',
  'emit.netpol.none-with-edges',
  'emit.netpol.unknown-peer',
  'emit.podman.cap-all',
  'emit.podman.no-host-path',
  'emit.podman.privileged',
  'emit.seccomp.bad-name',
  'emit.seccomp.empty',
  'emit.tetragon.cluster-wide',
] as const;

/** Scanning: the policy file and its gate (src/hygiene/policy), vulnerability matching, unsafe components, targets. */
const SCAN_CODES = [
  'policy/allow-and-deny',
  'policy/bad-date',
  'policy/bad-id',
  'policy/too-deep',
  'policy/bad-kind',
  'policy/bad-severity',
  'policy/empty',
  'policy/ignore-expired',
  'policy/ignore-unused',
  'policy/invalid',
  'policy/missing-reason',
  'policy/syntax',
  'policy/too-large',
  'policy/unknown-key',
  'scan/file-too-large',
  'scan/no-vuln-db',
  'target/error',
  'target/too-large',
  'unsafe/deprecation-not-checked',
  'VULN_BAD_RANGE',
  'VULN_BAD_VERSION',
  'VULN_RELEASE_UNKNOWN',
] as const;

/** The runtime agent's response policy file (src/runtime/agent/response-policy.ts). */
const RUNTIME_CODES = [
  'response-policy/bad-step',
  'response-policy/empty',
  'response-policy/invalid',
  'response-policy/syntax',
  'response-policy/too-deep',
  'response-policy/too-large',
  'response-policy/unknown-key',
  'response-policy/unknown-pattern',
] as const;

/** The directory walk shared by profile and scan (src/pipeline). */
const WALK_CODES = ['walk/not-regular', 'walk/timeout', 'walk/too-deep', 'walk/too-many-files', 'walk/unreadable'] as const;

export const DIAGNOSTIC_CODES = [
  ...WALK_CODES,
  ...READER_CODES,
  ...IMAGE_CODES,
  ...ANALYZER_CODES,
  ...NODEJS_CODES,
  ...PROFILE_CODES,
  ...SCAN_CODES,
  ...RUNTIME_CODES,
] as const;

/**
 * A plug-in (reader, file analyzer, check family) that threw: `<its type>/internal` or
 * `<its type>/check-internal`. The type is the plug-in's table key, so these stay open-ended.
 */
export type InternalErrorCode = `${string}/internal` | `${string}/check-internal`;

export type DiagnosticCode = (typeof DIAGNOSTIC_CODES)[number] | InternalErrorCode;

const listed: ReadonlySet<string> = new Set(DIAGNOSTIC_CODES);

/** For codes read back from outside (a cached layer, a saved profile): is this a code Charter reports? */
export function isDiagnosticCode(code: string): code is DiagnosticCode {
  return listed.has(code) || /^[a-z0-9-]+\/(check-)?internal$/.test(code);
}
