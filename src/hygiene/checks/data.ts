/**
 * Lists the checks compare against (allowed capabilities, safe sysctls, sensitive host paths,
 * expected setuid binaries, cache directories …): data with a cited source, validated once.
 */
import { z } from 'zod';
import dataFile from './data.json' with { type: 'json' };

const list = z.strictObject({ values: z.array(z.string()).min(1), source: z.url({ protocol: /^https$/ }) });

export const CheckDataSchema = z.strictObject({
  pssBaselineCapabilities: list,
  dangerousCapabilities: list,
  dockerDefaultCapabilities: list,
  pssSafeSysctls: list,
  pssRestrictedVolumeTypes: list,
  pssSelinuxTypes: list,
  runtimeSockets: list,
  sensitiveHostPaths: list,
  expectedSetuidBinaries: list,
  packageCaches: z.strictObject({
    values: z.array(z.strictObject({ name: z.string(), prefix: z.string().regex(/^\/.*\/$/), suffix: z.string() })).min(1),
    source: z.url({ protocol: /^https$/ }),
  }),
  secretNames: z.strictObject({ pattern: z.string(), source: z.url({ protocol: /^https$/ }) }),
});

export interface CheckData {
  pssBaselineCapabilities: ReadonlySet<string>;
  dangerousCapabilities: ReadonlySet<string>;
  dockerDefaultCapabilities: ReadonlySet<string>;
  pssSafeSysctls: ReadonlySet<string>;
  pssRestrictedVolumeTypes: ReadonlySet<string>;
  pssSelinuxTypes: ReadonlySet<string>;
  runtimeSockets: ReadonlySet<string>;
  sensitiveHostPaths: readonly string[];
  expectedSetuidBinaries: ReadonlySet<string>;
  packageCaches: readonly { name: string; prefix: string; suffix: string }[];
  secretName: RegExp;
}

let cached: CheckData | undefined;

export function checkData(): CheckData {
  if (cached) return cached;
  const d = CheckDataSchema.parse(dataFile);
  cached = {
    pssBaselineCapabilities: new Set(d.pssBaselineCapabilities.values),
    dangerousCapabilities: new Set(d.dangerousCapabilities.values),
    dockerDefaultCapabilities: new Set(d.dockerDefaultCapabilities.values),
    pssSafeSysctls: new Set(d.pssSafeSysctls.values),
    pssRestrictedVolumeTypes: new Set(d.pssRestrictedVolumeTypes.values),
    pssSelinuxTypes: new Set(d.pssSelinuxTypes.values),
    runtimeSockets: new Set(d.runtimeSockets.values),
    sensitiveHostPaths: d.sensitiveHostPaths.values,
    expectedSetuidBinaries: new Set(d.expectedSetuidBinaries.values),
    packageCaches: d.packageCaches.values,
    secretName: new RegExp(d.secretNames.pattern, 'i'),
  };
  return cached;
}

/** Normalises a host path for comparison: no trailing slash, no `//`, no `/./`. */
export function normaliseHostPath(p: string): string {
  const parts = p.split('/').filter((s) => s !== '' && s !== '.');
  return `/${parts.join('/')}`;
}

/**
 * How a host path relates to the data lists: a runtime socket (or a directory holding one), a
 * sensitive system directory (or a parent of one, e.g. `/` or `/var`), or nothing special.
 */
export function classifyHostPath(raw: string): 'socket' | 'sensitive' | 'other' {
  const d = checkData();
  const p = normaliseHostPath(raw);
  if (d.runtimeSockets.has(p)) return 'socket';
  for (const s of d.sensitiveHostPaths) {
    // The directory itself, anything inside it, or a parent that contains it (/var holds /var/run).
    if (p === s || p.startsWith(s === '/' ? '/\u0000' : `${s}/`) || s.startsWith(p === '/' ? '/' : `${p}/`)) return 'sensitive';
  }
  return 'other';
}

/** A literal value that is really a secret (not empty, not a variable reference, not a path). */
export function looksLikeSecretValue(value: string): boolean {
  const v = value.trim();
  if (v === '') return false;
  if (/^\$\{?[A-Za-z_][A-Za-z0-9_]*(?::?[-=?+][^}]*)?\}?$/.test(v)) return false;
  if (v.startsWith('/')) return false;
  if (/^(?:true|false|yes|no|null|none)$/i.test(v)) return false;
  return true;
}
