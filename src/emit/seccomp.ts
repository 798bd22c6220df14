/**
 * `seccomp`: one seccomp profile per container, in the profile-file format podman, CRI-O and
 * Docker read. Deny by default with EPERM; allow exactly the union of the three syscall layers;
 * answer ENOSYS to the syscalls whose absence libraries handle by falling back; allow the chmod
 * family only for modes without set-id bits; on request (`seccompLog`), ask the kernel to log
 * every refusal (`SECCOMP_FILTER_FLAG_LOG`), which is how the kernel sensor sees them (docs/sensor.md).
 */
import type { Charter, ContainerCharter, Diagnostic } from '../model/charter.js';
import { SYSCALL_LAYERS } from '../model/charter.js';
import { containerSyscalls } from '../profile/syscalls.js';
import { SyscallNameSchema, type SeccompProfile } from './seccomp-schema.js';
import type { EmitOptions, EmitResult } from './types.js';
import { fileSafeName, selectContainers, sortDiagnostics, sortedUnique, warning } from './internal.js';
import { compareStrings } from '../util/sort.js';

const EPERM = 1;
const ENOSYS = 38;

/**
 * Always answered with ENOSYS, even when a layer lists them. ENOSYS is the "kernel too old" answer,
 * and callers are written for it: glibc's `clone3` wrapper falls back to `clone`, and libuv (Node)
 * falls back from io_uring to its thread pool. EPERM or a kill would break them instead. io_uring
 * also lets a process do I/O that seccomp never sees, so it must not be allowed.
 */
export const ENOSYS_SYSCALLS = ['clone3', 'io_uring_enter', 'io_uring_register', 'io_uring_setup'] as const;
const enosys: ReadonlySet<string> = new Set(ENOSYS_SYSCALLS);

/**
 * The chmod family and the index of its mode argument. A charter declares writable paths, never
 * set-id programs (the runtime engine's chmod judge says the same: nothing a charter declares allows
 * making one), so these are allowed only when the mode has neither S_ISUID nor S_ISGID, for every
 * container. The kernel sensor's audit records carry no arguments: a refused call of this family
 * under a profile that allows it otherwise is therefore a set-id change (runtime/engine/judge.ts).
 */
export const SET_ID_CONDITIONAL_SYSCALLS: Readonly<Record<string, number>> = { chmod: 1, fchmod: 1, fchmodat: 2, fchmodat2: 2 };
/** S_ISUID | S_ISGID. */
const SET_ID_BITS = 0o6000;

/**
 * Every refusal (each non-allow action) is logged as an AUDIT_SECCOMP record, which the kernel
 * sensor receives on the audit multicast group: the first layer's refusals become events without
 * a syscall tracepoint. Asked for with `seccompLog`: runc before 1.2 refuses profiles with flags.
 */
const FLAGS = ['SECCOMP_FILTER_FLAG_LOG'] as const satisfies SeccompProfile['flags'];

/**
 * One file for x86 and Arm hosts: each native ABI with the compat ABIs the kernel also runs on it
 * (32-bit and x32 on x86_64, 32-bit Arm on aarch64), as the podman and Docker defaults list them.
 * Names unknown on an architecture are skipped by the runtime, so one name list serves all.
 */
const ARCH_MAP = [
  { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
  { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
] as const satisfies SeccompProfile['archMap'];

/**
 * The syscalls a container's profile allows: the sorted union of its three layers, without the
 * ENOSYS set and without names that are not syscall identifiers.
 */
export function seccompAllowedSyscalls(charter: Pick<Charter, 'syscallGroups'>, container: ContainerCharter): string[] {
  const syscalls = containerSyscalls(charter, container);
  const names: string[] = [];
  for (const layer of SYSCALL_LAYERS) {
    for (const rule of syscalls[layer]) {
      if (!enosys.has(rule.name) && SyscallNameSchema.safeParse(rule.name).success) names.push(rule.name);
    }
  }
  return sortedUnique(names);
}

/** The seccomp profile object for one container (what `emitSeccomp` serialises). */
function seccompProfile(charter: Charter, container: ContainerCharter, log: boolean): SeccompProfile {
  const allowed = seccompAllowedSyscalls(charter, container);
  const rules: NonNullable<SeccompProfile['syscalls']> = [];
  const plain = allowed.filter((n) => SET_ID_CONDITIONAL_SYSCALLS[n] === undefined);
  // An empty `names` list is invalid; a container with no syscalls gets only the deny rules.
  if (plain.length > 0) rules.push({ names: plain, action: 'SCMP_ACT_ALLOW' });
  // One rule per mode index: allowed when (mode & 06000) == 0 (libseccomp's MASKED_EQ: value is
  // the mask, valueTwo the datum). Anything else falls to the default action, EPERM.
  for (const index of [1, 2]) {
    const names = allowed.filter((n) => SET_ID_CONDITIONAL_SYSCALLS[n] === index);
    if (names.length > 0)
      rules.push({ names, action: 'SCMP_ACT_ALLOW', args: [{ index, value: SET_ID_BITS, valueTwo: 0, op: 'SCMP_CMP_MASKED_EQ' }] });
  }
  rules.push({ names: [...ENOSYS_SYSCALLS].sort(compareStrings), action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS });
  return {
    defaultAction: 'SCMP_ACT_ERRNO',
    defaultErrnoRet: EPERM,
    ...(log ? { flags: [...FLAGS] } : {}),
    archMap: ARCH_MAP.map((a) => ({ architecture: a.architecture, subArchitectures: [...a.subArchitectures] })),
    syscalls: rules,
  };
}

function containerWarnings(charter: Charter, container: ContainerCharter, file: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  const syscalls = containerSyscalls(charter, container);
  for (const layer of SYSCALL_LAYERS) {
    for (const rule of syscalls[layer]) {
      if (!SyscallNameSchema.safeParse(rule.name).success) {
        out.push(
          warning(
            'emit.seccomp.bad-name',
            file,
            `container ${container.name}: "${rule.name}" (${layer} layer) is not a syscall name; left out`,
          ),
        );
      }
    }
  }
  if (seccompAllowedSyscalls(charter, container).length === 0) {
    out.push(
      warning(
        'emit.seccomp.empty',
        file,
        `container ${container.name}: no syscalls are allowed, so no process can start under this profile`,
      ),
    );
  }
  return out;
}

export function emitSeccomp(charter: Charter, opts: EmitOptions): EmitResult {
  const files = [];
  const warnings: Diagnostic[] = [];
  for (const container of selectContainers(charter, opts)) {
    const name = `${fileSafeName(container.name)}.seccomp.json`;
    files.push({ name, content: `${JSON.stringify(seccompProfile(charter, container, opts.seccompLog === true), null, 2)}\n` });
    warnings.push(...containerWarnings(charter, container, name));
  }
  return { files, warnings: sortDiagnostics(warnings) };
}
