/**
 * The security context of a container and its pod → user, read-only root, privileges, host
 * namespaces and capabilities. Container fields override the pod's, field by field.
 */
import type { NamedRule, Source } from '../../model/charter.js';
import type { ContainerFragment } from '../../model/fragments.js';
import { prefixedCapability } from '../../util/capabilities.js';
import type { ContainerContext } from './container-context.js';
import { diagnose, flagAt, sourceAt } from './reader-context.js';

export function readSecurityContext(ctx: ContainerContext, f: ContainerFragment, what: string): void {
  const { reader, obj, pod, podPath, container: c, path } = ctx;
  const sc = c.securityContext;
  const scPath = [...path, 'securityContext'];
  const podScPath = [...podPath, 'securityContext'];
  // Container fields override the pod's, field by field, as the kubelet applies them.
  const pick = <K extends 'runAsUser' | 'runAsGroup' | 'runAsNonRoot'>(k: K) => {
    const own = sc?.[k];
    if (own !== undefined) return { value: own, path: [...scPath, k], level: 'container' };
    const inherited = pod.securityContext?.[k];
    if (inherited !== undefined) return { value: inherited, path: [...podScPath, k], level: 'pod' };
    return undefined;
  };
  const uid = pick('runAsUser');
  const gid = pick('runAsGroup');
  const nonRoot = pick('runAsNonRoot');
  if (uid) {
    const group = gid ? ` and runAsGroup ${gid.value}` : '';
    f.user = {
      name: gid ? `${uid.value}:${gid.value}` : String(uid.value),
      source: sourceAt(reader, obj, uid.path, `runAsUser ${uid.value}${group} in the ${uid.level} securityContext of ${what}`),
    };
    if (uid.value === 0 && nonRoot?.value === true) {
      diagnose(
        reader,
        obj.doc,
        [...obj.base, ...uid.path],
        'kubernetes/conflicting-security-context',
        'warning',
        `${what} sets runAsNonRoot but runAsUser 0: the kubelet refuses to start it`,
      );
    }
  }
  if (sc?.readOnlyRootFilesystem !== undefined) {
    f.readOnlyRoot = flagAt(
      reader,
      obj,
      [...scPath, 'readOnlyRootFilesystem'],
      sc.readOnlyRootFilesystem,
      `readOnlyRootFilesystem of ${what}`,
    );
  }
  if (sc?.privileged !== undefined) {
    f.privileges.privileged = flagAt(reader, obj, [...scPath, 'privileged'], sc.privileged, `privileged in the securityContext of ${what}`);
  }
  if (sc?.allowPrivilegeEscalation !== undefined) {
    f.privileges.allowPrivilegeEscalation = flagAt(
      reader,
      obj,
      [...scPath, 'allowPrivilegeEscalation'],
      sc.allowPrivilegeEscalation,
      `allowPrivilegeEscalation in the securityContext of ${what}`,
    );
  }
  for (const ns of ['hostNetwork', 'hostPID', 'hostIPC'] as const) {
    const value = pod[ns];
    if (value !== undefined) {
      f.privileges[ns] = flagAt(reader, obj, [...podPath, ns], value, `${ns} of ${ctx.workload.kind} ${ctx.workload.name}`);
    }
  }
  sc?.capabilities?.add?.forEach((cap, i) => {
    const source = sourceAt(reader, obj, [...scPath, 'capabilities', 'add', i], `${what} adds capability ${cap}`);
    addNamed(f.capabilities, prefixedCapability(cap), source);
  });
  sc?.capabilities?.drop?.forEach((cap, i) => {
    const source = sourceAt(reader, obj, [...scPath, 'capabilities', 'drop', i], `${what} drops capability ${cap}`);
    addNamed(f.dropCapabilities, prefixedCapability(cap), source);
  });
}

function addNamed(rules: NamedRule[], name: string, source: Source): void {
  if (name === '') return;
  const existing = rules.find((r) => r.name === name);
  if (existing) existing.sources.push(source);
  else rules.push({ name, sources: [source] });
}
