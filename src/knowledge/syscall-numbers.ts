/**
 * System call numbers → names, per audit architecture (syscall-numbers.json, generated from the
 * kernel's tables; its description says how). A seccomp refusal reaches the kernel sensor as an
 * audit record that names the call by number and the ABI by AUDIT_ARCH_*: the name is what the
 * charter, the seccomp profile and the attack patterns speak.
 */
import { z } from 'zod';
import numbersFile from './syscall-numbers.json' with { type: 'json' };

const SyscallNumbersSchema = z
  .object({
    version: z.string(),
    description: z.string(),
    sources: z.array(z.string().url()).min(1),
    architectures: z
      .array(
        z
          .object({
            name: z.string(),
            auditArch: z.string().regex(/^[0-9a-f]{8}$/),
            names: z.array(
              z
                .string()
                .regex(/^[a-z_][a-z0-9_]*$/)
                .nullable(),
            ),
          })
          .strict(),
      )
      .min(1),
  })
  .strict();

let byArch: ReadonlyMap<number, { readonly name: string; readonly names: readonly (string | null)[] }> | undefined;

function tables(): NonNullable<typeof byArch> {
  byArch ??= new Map(SyscallNumbersSchema.parse(numbersFile).architectures.map((a) => [parseInt(a.auditArch, 16), a]));
  return byArch;
}

/** The architecture's name (`x86_64`, `aarch64`) for an AUDIT_ARCH_* value, undefined when unknown. */
export function auditArchName(auditArch: number): string | undefined {
  return tables().get(auditArch)?.name;
}

/** The syscall's name, undefined when the architecture or the number is unknown. */
export function syscallName(auditArch: number, nr: number): string | undefined {
  if (!Number.isInteger(nr) || nr < 0) return undefined;
  return tables().get(auditArch)?.names[nr] ?? undefined;
}
