/**
 * `tetragon`: one Tetragon tracing policy per container that kills, in the kernel, what its charter
 * does not allow: an exec of a file that is not one of its executables (kprobe
 * `security_bprm_check`, `linux_binprm` NotEqual the allowed paths, Sigkill), and, where its
 * egress is enforced, a TCP connect to a port it does not declare (kprobe `tcp_connect`, `sock`
 * NotDPort the declared ports and NotDAddr loopback and the declared ranges, Sigkill).
 *
 * Pods are selected by their labels (`podSelector`) and the container by its name
 * (`containerSelector`); a container whose workload names its namespace gets a
 * `TracingPolicyNamespaced` there, so pods elsewhere with the same labels are never touched.
 * Tetragon matches files by path only: a container whose processes are known by name only gets no
 * exec enforcement (killing its own entrypoint is worse than enforcing nothing), with a warning.
 */
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { compareStrings } from '../util/sort.js';
import type { EmitOptions, EmitResult } from './types.js';
import { info, warning, yamlDocument } from './internal.js';
import {
  commentText,
  egressFacts,
  execAllowance,
  namespaceOf,
  objectName,
  podContainerName,
  podLabels,
  provenance,
  validLabel,
  perContainerFile,
  sayEgressLimits,
} from './enforcer-facts.js';

const FILE = 'tetragon.yaml';

/** Loopback is the container's own business (a sidecar on localhost is in the same pod). */
const LOOPBACK = ['127.0.0.0/8', '::1/128'];

function policyFor(c: ContainerCharter, charter: Charter, opts: EmitOptions, warnings: Diagnostic[]): string | undefined {
  const say = (code: DiagnosticCode, message: string, severity: 'warning' | 'info' = 'warning'): void => {
    warnings.push((severity === 'warning' ? warning : info)(code, FILE, `container ${c.name}: ${message}`));
  };
  const labels = Object.fromEntries(Object.entries(podLabels(c) ?? {}).filter(([k, v]) => validLabel(k, v)));
  if (Object.keys(labels).length === 0) {
    say(
      'emit.enforcer.no-selector',
      'the profile has no pod labels for it (no pod template labels it): a policy without podSelector would select every pod; no policy written',
    );
    return undefined;
  }
  const namespace = namespaceOf(c);
  const notes: string[] = [
    `container ${commentText(c.name)} of ${commentText(charter.metadata.name)} (${commentText(provenance(c.identity.sources))})`,
  ];
  if (namespace === undefined) {
    say(
      'emit.tetragon.cluster-wide',
      'its workload names no namespace: a cluster-wide TracingPolicy, which also selects pods of other namespaces that carry the same labels and container name',
    );
  }
  const podName = podContainerName(c);
  if (podName === undefined) {
    say(
      'emit.enforcer.container-name-unknown',
      'the profile does not say its name in the pod spec: no containerSelector, so the policy holds every container of its pods (init containers, sidecars) to this charter',
    );
  }
  const kprobes: Record<string, unknown>[] = [];

  const exec = execAllowance(c);
  if (c.processes.length === 0) {
    say('emit.enforcer.no-processes', 'the profile lists no process for it (no image or command was read); exec not restricted', 'info');
  } else if (exec.bareNames.length > 0) {
    say(
      'emit.enforcer.bare-names',
      `exec not restricted: ${exec.bareNames.length} process(es) are known by name only (no image was read) and Tetragon matches files by path; a policy that kills unknown paths would kill its own entrypoint`,
    );
  } else {
    const paths = [...new Set([...exec.paths.map((p) => p.path), ...exec.multiCall.flatMap((m) => m.paths)])].sort(compareStrings);
    if (exec.multiCall.length > 0) {
      say(
        'emit.enforcer.applets-not-enforced',
        'multi-call binaries are allowed as files: Tetragon sees the file an exec loads, not the applet it runs as',
        'info',
      );
    }
    notes.push(
      'exec: any file but these is killed',
      ...exec.paths.map((p) => `  ${commentText(p.path)}: ${commentText(p.from)}`),
      ...exec.multiCall.map(
        (m) => `  ${commentText(m.paths.join(', '))} (multi-call; applets ${commentText(m.applets.join(', '))}): ${commentText(m.from)}`,
      ),
    );
    kprobes.push({
      call: 'security_bprm_check',
      syscall: false,
      message: `exec not in the charter of ${charter.metadata.name}/${c.name}`,
      args: [{ index: 0, type: 'linux_binprm' }],
      selectors: [{ matchArgs: [{ index: 0, operator: 'NotEqual', values: paths }], matchActions: [{ action: 'Sigkill' }] }],
      tags: ['charter', 'process'],
    });
  }

  const egress = egressFacts(c, charter, opts);
  if (sayEgressLimits(egress, say, { open: 'connect not restricted', strictly: 'enforce the declared egress', kind: 'policy' })) {
    const tcp = egress.ports.filter((p) => p.protocol === 'tcp');
    const args: Record<string, unknown>[] = [];
    if (tcp.length > 0) args.push({ index: 0, operator: 'NotDPort', values: tcp.map((p) => String(p.port)) });
    args.push({ index: 0, operator: 'NotDAddr', values: [...LOOPBACK, ...egress.cidrs.map((x) => x.cidr)] });
    notes.push(
      'tcp connect: killed unless to loopback or to one of these',
      ...tcp.map((p) => `  port ${p.port}: ${commentText(p.from)}`),
      ...egress.cidrs.map((x) => `  ${commentText(x.cidr)}: ${commentText(x.from)}`),
    );
    if (egress.ports.some((p) => p.protocol !== 'tcp')) notes.push('udp and sctp are not covered (tcp_connect sees TCP only)');
    kprobes.push({
      call: 'tcp_connect',
      syscall: false,
      message: `connect not in the charter of ${charter.metadata.name}/${c.name}`,
      args: [{ index: 0, type: 'sock' }],
      selectors: [{ matchArgs: args, matchActions: [{ action: 'Sigkill' }] }],
      tags: ['charter', 'network'],
    });
  }

  if (kprobes.length === 0) {
    say('emit.enforcer.nothing-to-enforce', 'nothing of its charter can be enforced by Tetragon; no policy written', 'info');
    return undefined;
  }
  const metadata = {
    name: objectName(charter.metadata.name, c.name),
    ...(namespace !== undefined ? { namespace } : {}),
    annotations: { 'charter/profile': charter.metadata.name, 'charter/container': c.name },
  };
  return yamlDocument(
    {
      apiVersion: 'cilium.io/v1alpha1',
      kind: namespace !== undefined ? 'TracingPolicyNamespaced' : 'TracingPolicy',
      metadata,
      spec: {
        podSelector: { matchLabels: labels },
        ...(podName !== undefined ? { containerSelector: { matchExpressions: [{ key: 'name', operator: 'In', values: [podName] }] } } : {}),
        kprobes,
      },
    },
    notes.join('\n'),
  );
}

export function emitTetragon(charter: Charter, opts: EmitOptions): EmitResult {
  return perContainerFile(FILE, charter, opts, (c, warnings) => policyFor(c, charter, opts, warnings));
}
