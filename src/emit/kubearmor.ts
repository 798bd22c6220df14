/**
 * `kubearmor`: one KubeArmorPolicy (security.kubearmor.com/v1) per container, in allow-list form:
 * once a container has an `Allow` policy, KubeArmor handles each of its resources (file, network,
 * capabilities) as a whitelist and applies the default posture (block, unless configured to audit)
 * to everything not listed. Processes count as file operations, so the file section always allows
 * reading everywhere and writing only where the charter says.
 *
 * - process: `matchPaths` of the executables (absolute paths only; a container whose processes are
 *   known by name only gets no process section, with a warning),
 * - file: `/` recursive read-only (or writable when the root is), and each writable path's
 *   directory, plus `/dev/`, writable,
 * - network: `matchProtocols` the charter uses (only where egress is enforced: KubeArmor cannot tell
 *   egress from ingress), or every protocol blocked for a container without network,
 * - capabilities: `matchCapabilities` for the declared ones.
 *
 * The container is selected by its pod labels and `kubearmor.io/container.name`, in its workload's
 * namespace.
 */
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import type { DiagnosticCode } from '../model/diagnostics.js';
import { bareCapability } from '../util/capabilities.js';
import { compareStrings } from '../util/sort.js';
import type { EmitOptions, EmitResult } from './types.js';
import { compareJson, info, warning, yamlDocument } from './internal.js';
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
} from './enforcer-facts.js';

const FILE = 'kubearmor.yaml';

/** The label KubeArmor gives each container, so a policy selects one container of a pod. */
const CONTAINER_LABEL = 'kubearmor.io/container.name';

/** The capabilities KubeArmor's CRD accepts (its `capability` pattern); others cannot be listed. */
const KUBEARMOR_CAPABILITIES = new Set(
  'chown dac_override dac_read_search fowner fsetid kill setgid setuid setpcap linux_immutable net_bind_service net_broadcast net_admin net_raw ipc_lock ipc_owner sys_module sys_rawio sys_chroot sys_ptrace sys_pacct sys_admin sys_boot sys_nice sys_resource sys_time sys_tty_config mknod lease audit_write audit_control setfcap mac_override mac_admin'.split(
    ' ',
  ),
);

/** KubeArmor's path fields: absolute, no trailing slash, at most 200 characters. */
const MAX_PATH = 200;

function filePath(p: string): string | undefined {
  const v = p.replace(/\/+$/, '');
  // Line terminators of any kind: the CRD's `.*` does not match them.
  // eslint-disable-next-line no-control-regex
  return v.startsWith('/') && v.length > 1 && v.length <= MAX_PATH && !/[\u0000-\u001f\u007f\u0085\u2028\u2029]/.test(v) ? v : undefined;
}

/** KubeArmor directories end with a slash. */
function dirPath(p: string): string | undefined {
  const v = filePath(p);
  return v === undefined ? undefined : `${v}/`;
}

function policyFor(c: ContainerCharter, charter: Charter, opts: EmitOptions, warnings: Diagnostic[]): string | undefined {
  const say = (code: DiagnosticCode, message: string, severity: 'warning' | 'info' = 'warning'): void => {
    warnings.push((severity === 'warning' ? warning : info)(code, FILE, `container ${c.name}: ${message}`));
  };
  const labels = Object.fromEntries(Object.entries(podLabels(c) ?? {}).filter(([k, v]) => validLabel(k, v)));
  if (Object.keys(labels).length === 0) {
    say(
      'emit.enforcer.no-selector',
      'the profile has no pod labels for it (no pod template labels it): the policy could select pods it does not describe; no policy written',
    );
    return undefined;
  }
  const notes: string[] = [
    `container ${commentText(c.name)} of ${commentText(charter.metadata.name)} (${commentText(provenance(c.identity.sources))})`,
    'an Allow policy: what is not listed falls to the default posture (block unless the namespace or KubeArmor says audit)',
  ];
  const podName = podContainerName(c);
  if (podName === undefined) {
    say(
      'emit.enforcer.container-name-unknown',
      `the profile does not say its name in the pod spec: no ${CONTAINER_LABEL} label, so the policy holds every container of its pods (init containers, sidecars) to this charter`,
    );
  }
  const spec: Record<string, unknown> = {
    selector: { matchLabels: { ...labels, ...(podName !== undefined ? { [CONTAINER_LABEL]: podName } : {}) } },
  };

  // Process.
  const exec = execAllowance(c);
  if (c.processes.length === 0) {
    say(
      'emit.enforcer.no-processes',
      'the profile lists no process for it (no image or command was read); processes not restricted',
      'info',
    );
  } else if (exec.bareNames.length > 0) {
    say(
      'emit.enforcer.bare-names',
      `processes not restricted: ${exec.bareNames.length} process(es) are known by name only (no image was read); an allow-list of paths would block its own entrypoint`,
    );
  } else {
    const all = [
      ...exec.paths.map((p) => ({ path: p.path, from: p.from })),
      ...exec.multiCall.flatMap((m) => m.paths.map((path) => ({ path, from: m.from }))),
    ];
    const paths = new Map<string, string>();
    for (const p of all) {
      const v = filePath(p.path);
      if (v === undefined)
        say(
          'emit.enforcer.unsafe-value',
          `executable ${JSON.stringify(p.path)} is not a path KubeArmor accepts (absolute, at most ${MAX_PATH} characters); left out`,
        );
      else if (!paths.has(v)) paths.set(v, p.from);
    }
    if (exec.multiCall.length > 0) {
      say(
        'emit.enforcer.applets-not-enforced',
        'multi-call binaries are allowed as files: KubeArmor matches the file an exec loads, not the applet',
        'info',
      );
    }
    const sorted = [...paths.entries()].sort(([a], [b]) => compareStrings(a, b));
    if (sorted.length > 0) {
      notes.push('process: only these run', ...sorted.map(([p, from]) => `  ${commentText(p)}: ${commentText(from)}`));
      spec['process'] = { matchPaths: sorted.map(([path]) => ({ path })), action: 'Allow' };
    }
  }
  if (spec['process'] === undefined) {
    // An Allow policy puts execs under the file allow-list: without this, every exec, the
    // entrypoint's included, would fall to the default posture.
    notes.push('process: not restricted (every executable allowed)');
    spec['process'] = { matchDirectories: [{ dir: '/', recursive: true }], action: 'Allow' };
  }

  // File: processes are file operations to KubeArmor, so reads must stay allowed everywhere.
  const rootWritable = !c.filesystem.readOnlyRoot.value;
  const dirs = new Map<string, { readOnly: boolean; from: string }>();
  dirs.set('/', { readOnly: !rootWritable, from: provenance(c.filesystem.readOnlyRoot.sources) });
  dirs.set('/dev/', { readOnly: false, from: 'the runtime mounts /dev (null, tty, shm)' });
  for (const w of [...c.filesystem.writable].sort(compareJson)) {
    const d = dirPath(w.path);
    if (d === undefined) {
      say('emit.enforcer.unsafe-value', `writable path ${JSON.stringify(w.path)} is not a path KubeArmor accepts; left out`);
      continue;
    }
    const readOnly = w.readOnly === true;
    const prev = dirs.get(d);
    if (prev === undefined || (prev.readOnly && !readOnly)) dirs.set(d, { readOnly, from: provenance(w.sources) });
  }
  const sortedDirs = [...dirs.entries()].sort(([a], [b]) => compareStrings(a, b));
  notes.push(
    rootWritable ? 'file: the root is writable by the charter' : 'file: read everywhere, write only in',
    ...sortedDirs.filter(([, d]) => !d.readOnly).map(([p, d]) => `  ${commentText(p)}: ${commentText(d.from)}`),
  );
  spec['file'] = {
    matchDirectories: sortedDirs.map(([dir, d]) => ({ dir, recursive: true, ...(d.readOnly ? { readOnly: true } : {}) })),
    action: 'Allow',
  };

  // Network: protocols only, both directions at once.
  const egress = egressFacts(c, charter, opts);
  if (c.network.none && egress.enforced) {
    notes.push('network: none declared, every protocol blocked');
    spec['network'] = { matchProtocols: ['tcp', 'udp', 'icmp', 'raw'].map((protocol) => ({ protocol, action: 'Block' })) };
  } else if (!egress.enforced) {
    say(
      'emit.enforcer.egress-open',
      `network not restricted: ${egress.whyOpen ?? ''}; emit with --strict to enforce the declared protocols now`,
      'info',
    );
  } else {
    const protocols = new Map<string, string>();
    const add = (p: string, from: string): void => {
      if (!protocols.has(p)) protocols.set(p, from);
    };
    for (const l of [...c.network.listen].sort(compareJson)) add(l.protocol, provenance(l.sources));
    for (const r of [...c.network.ingress, ...c.network.egress].sort(compareJson)) add(r.protocol, provenance(r.sources));
    for (const e of [...charter.graph.edges].sort(compareJson)) {
      if (e.from === c.name || (e.to.kind === 'container' && e.to.name === c.name)) add(e.protocol, provenance(e.sources));
    }
    const sorted = [...protocols.entries()].sort(([a], [b]) => compareStrings(a, b));
    if (sorted.length === 0) {
      say('emit.enforcer.nothing-to-enforce', 'no protocol is declared but the network is not `none`; network not restricted', 'info');
    } else {
      notes.push(
        'network: only these protocols (ports and peers are for the network-policy emitter)',
        ...sorted.map(([p, from]) => `  ${p}: ${commentText(from)}`),
      );
      spec['network'] = { matchProtocols: sorted.map(([protocol]) => ({ protocol })), action: 'Allow' };
    }
  }

  // Capabilities.
  const caps = new Map<string, string>();
  for (const cap of [...c.capabilities].sort(compareJson)) {
    const name = bareCapability(cap.name).toLowerCase();
    if (KUBEARMOR_CAPABILITIES.has(name)) {
      if (!caps.has(name)) caps.set(name, provenance(cap.sources));
    } else
      say(
        'emit.kubearmor.capability',
        `capability ${JSON.stringify(cap.name)} cannot be listed in a KubeArmorPolicy; left out (denied once capabilities are allow-listed)`,
      );
  }
  if (caps.size > 0) {
    const sorted = [...caps.entries()].sort(([a], [b]) => compareStrings(a, b));
    notes.push('capabilities: only these', ...sorted.map(([cap, from]) => `  ${cap}: ${commentText(from)}`));
    spec['capabilities'] = { matchCapabilities: sorted.map(([capability]) => ({ capability })), action: 'Allow' };
  } else {
    say(
      'emit.enforcer.no-capabilities',
      'no capability declared: an allow-list cannot be empty; drop them all with the k8s-security-context emitter',
      'info',
    );
  }

  spec['action'] = 'Allow';
  spec['message'] = `not in the charter of ${charter.metadata.name}/${c.name}`;
  spec['tags'] = ['charter'];
  const namespace = namespaceOf(c);
  return yamlDocument(
    {
      apiVersion: 'security.kubearmor.com/v1',
      kind: 'KubeArmorPolicy',
      metadata: {
        name: objectName(charter.metadata.name, c.name),
        ...(namespace !== undefined ? { namespace } : {}),
        annotations: { 'charter/profile': charter.metadata.name, 'charter/container': c.name },
      },
      spec,
    },
    notes.join('\n'),
  );
}

export function emitKubeArmor(charter: Charter, opts: EmitOptions): EmitResult {
  return perContainerFile(FILE, charter, opts, (c, warnings) => policyFor(c, charter, opts, warnings));
}
