/**
 * What the runtime engine says of one event: allowed by a rule of the container's charter (named,
 * with the declarations behind it), or a deviation that says what happened, which allowance is
 * missing, what declaration would allow it, and whether it is drift or an attack (with MITRE
 * ATT&CK ids). Replay writes these as JSON lines; the console and the agent read the same shape.
 * Field reference: docs/events-v1.md, "Verdicts".
 */
import { z } from 'zod';
import { SourceSchema } from './charter.js';
import { EVENT_KINDS } from './events.js';

/** Which part of a charter allowed the event. */
export const RULE_KINDS = ['process', 'listen', 'ingress', 'egress', 'writable', 'capability', 'syscall', 'runtime'] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const AllowingRuleSchema = z
  .object({
    kind: z.enum(RULE_KINDS),
    /** The rule in words: `/usr/local/bin/node`, `tcp/8080`, `container db tcp/5432`, `/var/lib/postgresql/data`. */
    rule: z.string(),
    /** The declarations behind it (empty for the runtime's own allowances, e.g. loopback). */
    sources: z.array(SourceSchema),
    /** Set when the match is weaker than the rule (a name matched where the rule has a path). */
    weak: z.string().optional(),
  })
  .strict();
export type AllowingRule = z.infer<typeof AllowingRuleSchema>;

export const PatternHitSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    mitre: z.array(z.object({ id: z.string(), name: z.string() }).strict()),
    source: z.string(),
  })
  .strict();
export type PatternHit = z.infer<typeof PatternHitSchema>;

/** `drift`: the container changed (a binary not in the image, a package manager). `attack`: a known attack pattern. `undeclared`: neither, but nothing declares it. */
export const CLASSIFICATIONS = ['drift', 'attack', 'undeclared'] as const;
export type Classification = (typeof CLASSIFICATIONS)[number];

export const DeviationSchema = z
  .object({
    /** What happened, in one sentence. */
    what: z.string(),
    /** The allowance the charter lacks. */
    missing: z.string(),
    /** Declarations that would allow it, each naming the artifact (and line) to change. */
    wouldAllow: z.array(z.string()),
    classification: z.enum(CLASSIFICATIONS),
    patterns: z.array(PatternHitSchema),
  })
  .strict();
export type Deviation = z.infer<typeof DeviationSchema>;

export const MODES = ['learn', 'monitor', 'protect'] as const;
export type Mode = (typeof MODES)[number];

/**
 * What the runtime does with the verdict in the container's mode: `allow`; `alert` (monitor);
 * `block` (protect: the one exec, connection, open or syscall is denied); `learn` (learn mode, the
 * behaviour fits the intent); `review` (learn mode, it contradicts the intent: never learned).
 */
export const ACTIONS = ['allow', 'alert', 'block', 'learn', 'review'] as const;
export type Action = (typeof ACTIONS)[number];

export const VerdictSchema = z
  .object({
    /** 1-based line of the event in its input, when read from a file. */
    line: z.number().int().positive().optional(),
    time: z.string(),
    kind: z.enum(EVENT_KINDS),
    /** The event in one line: `exec /bin/sh -c id`, `connect tcp 10.89.0.7:5432 (db)`. */
    event: z.string(),
    /** The runtime's container id and the charter container it was matched to. */
    containerId: z.string(),
    container: z.string(),
    mode: z.enum(MODES),
    action: z.enum(ACTIONS),
    allowed: AllowingRuleSchema.optional(),
    deviation: DeviationSchema.optional(),
    /** For `learn`: why the behaviour fits the declared intent, and the peer container it reached. */
    fit: z.object({ evidence: z.string(), peer: z.string().optional() }).strict().optional(),
  })
  .strict();
export type Verdict = z.infer<typeof VerdictSchema>;
