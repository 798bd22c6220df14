/**
 * Attack and drift patterns (attack-patterns.json): what a runtime deviation looks like when it
 * is an attack (a shell in a service, a reverse shell, a miner's pool connection …) or drift (a
 * binary written after start, a package manager run). Data with a cited source and MITRE ATT&CK
 * ids per entry, like the roles; the runtime engine matches them, it has no branch per pattern.
 *
 * A pattern matches when every condition it states holds (kinds always). Either-or conditions are
 * two patterns.
 */
import { z } from 'zod';
import { EVENT_KINDS, FILE_ORIGINS, NET_PROTOCOLS } from '../model/events.js';
import patternsFile from './attack-patterns.json' with { type: 'json' };

const names = z.array(z.string().min(1)).min(1);

export const PatternMatchSchema = z
  .object({
    kinds: z.array(z.enum(EVENT_KINDS)).min(1),
    /** Basename of the process's executable (or its name when the path is unknown). */
    processNames: names.optional(),
    /** Path prefixes of the executed file (exec events). */
    execPathPrefixes: names.optional(),
    /** Where the executed file came from. */
    origins: z.array(z.enum(FILE_ORIGINS)).min(1).optional(),
    /** An argument contains one of these (the joined command line for multi-word needles). */
    argvContains: names.optional(),
    /** File events: exact paths, path prefixes, and whether the event writes. */
    paths: names.optional(),
    pathPrefixes: names.optional(),
    write: z.boolean().optional(),
    /** Network events. */
    remotePorts: z.array(z.number().int().min(0).max(65535)).min(1).optional(),
    remoteDomains: names.optional(),
    remoteScope: z.enum(['internal', 'external']).optional(),
    protocols: z.array(z.enum(NET_PROTOCOLS)).min(1).optional(),
    /** Stateful: this many distinct remote address:port pairs from one container within the window. */
    distinctRemotes: z
      .object({ count: z.number().int().min(2).max(10_000), windowSeconds: z.number().int().min(1).max(86_400) })
      .strict()
      .optional(),
    syscalls: names.optional(),
    privilegeOps: z
      .array(z.enum(['setuid', 'setgid', 'capability']))
      .min(1)
      .optional(),
    toUid: z.number().int().nonnegative().optional(),
    capabilities: names.optional(),
    /** chmod: the mode has one of these bits; a syscall event: the bits the engine established it asked for (a refused set-id chmod). */
    modeBits: z.number().int().min(1).max(0o7777).optional(),
  })
  .strict();
export type PatternMatch = z.infer<typeof PatternMatchSchema>;

export const AttackPatternSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    name: z.string(),
    classification: z.enum(['attack', 'drift']),
    mitre: z
      .array(
        z
          .object({
            id: z.string().regex(/^(T\d{4}(\.\d{3})?|TA\d{4})$/),
            name: z.string(),
          })
          .strict(),
      )
      .min(1),
    match: PatternMatchSchema,
    source: z.string().url(),
    also: z.array(z.string().url()).optional(),
    notes: z.string().optional(),
  })
  .strict();
export type AttackPattern = z.infer<typeof AttackPatternSchema>;

export const AttackPatternsFileSchema = z
  .object({ version: z.string(), patterns: z.array(AttackPatternSchema).min(1) })
  .strict()
  .superRefine((f, ctx) => {
    const seen = new Set<string>();
    f.patterns.forEach((p, i) => {
      if (seen.has(p.id)) ctx.addIssue({ code: 'custom', path: ['patterns', i, 'id'], message: `pattern ${p.id} is listed twice` });
      seen.add(p.id);
    });
  });
export type AttackPatternsFile = z.infer<typeof AttackPatternsFileSchema>;

let loaded: AttackPatternsFile | undefined;

export function loadAttackPatterns(): AttackPatternsFile {
  loaded ??= AttackPatternsFileSchema.parse(patternsFile);
  return loaded;
}
