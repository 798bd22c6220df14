/**
 * The seccomp profile format, as zod: the OCI runtime-spec `LinuxSeccomp` object
 * (config-linux.md, "Seccomp") and the profile-file superset that podman, CRI-O and Docker read
 * (`--security-opt seccomp=FILE`), which adds `archMap` and per-rule conditions. Tests validate
 * every emitted profile against it, and the real default profiles must pass it too.
 */
import { z } from 'zod';

/** Actions named in the runtime spec (libseccomp's `SCMP_ACT_*`). */
export const SECCOMP_ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;

export const SECCOMP_ARCHES = [
  'SCMP_ARCH_X86',
  'SCMP_ARCH_X86_64',
  'SCMP_ARCH_X32',
  'SCMP_ARCH_ARM',
  'SCMP_ARCH_AARCH64',
  'SCMP_ARCH_MIPS',
  'SCMP_ARCH_MIPS64',
  'SCMP_ARCH_MIPS64N32',
  'SCMP_ARCH_MIPSEL',
  'SCMP_ARCH_MIPSEL64',
  'SCMP_ARCH_MIPSEL64N32',
  'SCMP_ARCH_PPC',
  'SCMP_ARCH_PPC64',
  'SCMP_ARCH_PPC64LE',
  'SCMP_ARCH_S390',
  'SCMP_ARCH_S390X',
  'SCMP_ARCH_PARISC',
  'SCMP_ARCH_PARISC64',
  'SCMP_ARCH_RISCV64',
  'SCMP_ARCH_LOONGARCH64',
] as const;

export const SECCOMP_OPERATORS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

export const SECCOMP_FLAGS = [
  'SECCOMP_FILTER_FLAG_TSYNC',
  'SECCOMP_FILTER_FLAG_LOG',
  'SECCOMP_FILTER_FLAG_SPEC_ALLOW',
  'SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV',
] as const;

/** Kernel syscall names are lower-case identifiers (`_llseek`, `epoll_wait`, `clone3`). */
export const SyscallNameSchema = z.string().regex(/^[a-z_][a-z0-9_]*$/);

const uint32 = z.number().int().min(0).max(0xffff_ffff);
/** Argument values are uint64 in the spec; JSON numbers stay exact up to 2^53. */
const uint64 = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

export const LinuxSeccompArgSchema = z.strictObject({
  index: z.number().int().min(0).max(5),
  value: uint64,
  valueTwo: uint64.optional(),
  op: z.enum(SECCOMP_OPERATORS),
});

export const LinuxSyscallSchema = z.strictObject({
  names: z.array(SyscallNameSchema).min(1),
  action: z.enum(SECCOMP_ACTIONS),
  errnoRet: uint32.optional(),
  args: z.array(LinuxSeccompArgSchema).optional(),
});

/** The runtime-spec object, exactly (what runc receives inside config.json). */
export const LinuxSeccompSchema = z.strictObject({
  defaultAction: z.enum(SECCOMP_ACTIONS),
  defaultErrnoRet: uint32.optional(),
  architectures: z.array(z.enum(SECCOMP_ARCHES)).optional(),
  flags: z.array(z.enum(SECCOMP_FLAGS)).optional(),
  listenerPath: z.string().optional(),
  listenerMetadata: z.string().optional(),
  syscalls: z.array(LinuxSyscallSchema).optional(),
});
export type LinuxSeccomp = z.infer<typeof LinuxSeccompSchema>;

/** Profile-file only: a native architecture and the compat ABIs that run on it. */
export const ArchMapEntrySchema = z.strictObject({
  architecture: z.enum(SECCOMP_ARCHES),
  subArchitectures: z.array(z.enum(SECCOMP_ARCHES)).nullable(),
});

/** Profile-file only: a rule applies when these hold (capabilities held, arches, kernel version). */
const FilterSchema = z.strictObject({
  caps: z.array(z.string()).optional(),
  arches: z.array(z.string()).optional(),
  minKernel: z.string().optional(),
});

export const SeccompProfileRuleSchema = LinuxSyscallSchema.extend({
  /** Go writes a nil list as `null`; the file readers take it as "no argument conditions". */
  args: z.array(LinuxSeccompArgSchema).nullable().optional(),
  comment: z.string().optional(),
  includes: FilterSchema.optional(),
  excludes: FilterSchema.optional(),
  /** containers/common spells the errno too (`"EPERM"`); `errnoRet` is what counts. */
  errno: z.string().optional(),
});

/** The file podman/CRI-O/Docker accept for `seccomp=FILE`: the runtime object plus `archMap`. */
export const SeccompProfileSchema = LinuxSeccompSchema.extend({
  archMap: z.array(ArchMapEntrySchema).optional(),
  defaultErrno: z.string().optional(),
  syscalls: z.array(SeccompProfileRuleSchema).optional(),
});
export type SeccompProfile = z.infer<typeof SeccompProfileSchema>;
