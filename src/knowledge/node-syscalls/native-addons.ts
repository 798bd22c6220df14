/**
 * What native addons (`.node` files) can call, per npm package: native code calls libc directly,
 * so the API → syscall map says nothing of it. A package listed in native-addons.json gets its
 * measured set; any other addon gets the whole set a program may call under the container
 * runtime's default profile (podman-default-allowed.json), because nothing narrower is known.
 */
import { z } from 'zod';
import addonsFile from './native-addons.json' with { type: 'json' };
import podmanDefault from '../podman-default-allowed.json' with { type: 'json' };

export interface NativeAddonSyscalls {
  /** The npm package whose addon this is. */
  package: string;
  syscalls: string[];
  /** The native library's source and the strace measurement that checks it. */
  source: string;
}

const FileSchema = z
  .object({
    description: z.string(),
    addons: z.array(
      z
        .object({
          package: z.string().min(1),
          syscalls: z.array(z.string().regex(/^[a-z0-9_]+$/)),
          source: z.string().regex(/^https:\/\/[^/\s]+\.[^/\s]+\//, 'source must start with an https URL'),
        })
        .strict(),
    ),
  })
  .strict();

let cache: ReadonlyMap<string, NativeAddonSyscalls> | undefined;

/** The measured sets by package name (validated once: sorted, unique names). */
export function nativeAddonSyscalls(): ReadonlyMap<string, NativeAddonSyscalls> {
  if (cache) return cache;
  const parsed = FileSchema.parse(addonsFile);
  const out = new Map<string, NativeAddonSyscalls>();
  for (const a of parsed.addons) {
    const sorted = [...new Set(a.syscalls)].sort();
    if (sorted.join(',') !== a.syscalls.join(',')) throw new Error(`native-addons.json: ${a.package}: syscalls must be sorted and unique`);
    if (out.has(a.package)) throw new Error(`native-addons.json: ${a.package}: duplicate entry`);
    out.set(a.package, { ...a, syscalls: sorted });
  }
  cache = out;
  return out;
}

/** The set for an addon nothing is known of: everything the runtime's default profile allows. */
export const UNKNOWN_ADDON_SYSCALLS: { syscalls: readonly string[]; source: string } = {
  syscalls: podmanDefault.names,
  source: podmanDefault.source,
};
