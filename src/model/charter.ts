/**
 * The `charter/v1` profile model: what one application's containers may do, each allowance
 * carrying the places that declared it. Every reader, merger, emitter and (later) the runtime
 * engine and the console read and write this one model; the zod schema here is the trust
 * boundary for profiles read back from disk.
 *
 * Field reference: docs/profile-v1.md.
 */
import { z } from 'zod';
import type { DiagnosticCode } from './diagnostics.js';

export const API_VERSION = 'charter/v1';

/** `learned`: observed at run time in learn mode, within what the declared intent allows (see `seen`). */
export const ARTIFACT_KINDS = [
  'dockerfile',
  'kubernetes',
  'compose',
  'marathon',
  'image',
  'knowledge',
  'nodejs',
  'inferred',
  'learned',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

/**
 * Where an allowance came from. `artifact` is the file (relative to the target root) or the image
 * reference; the optional fields say where inside it. `reason` is a sentence for `explain`.
 */
export const SourceSchema = z
  .object({
    kind: z.enum(ARTIFACT_KINDS),
    artifact: z.string(),
    line: z.number().int().positive().optional(),
    column: z.number().int().positive().optional(),
    /** JSON pointer inside a manifest document (RFC 6901), e.g. `/spec/template/spec/containers/0/ports/0`. */
    pointer: z.string().optional(),
    /** Index of the document in a multi-document YAML file (0-based). */
    document: z.number().int().nonnegative().optional(),
    /** Image layer digest (`sha256:…`) that holds `path`. */
    layer: z.string().optional(),
    /** Path inside an image. */
    path: z.string().optional(),
    /** Knowledge-base entry id, e.g. `role:postgres`. */
    kb: z.string().optional(),
    /** For `learned`: when the behaviour was first and last seen (event time) and how often. */
    seen: z.object({ first: z.string(), last: z.string(), count: z.number().int().positive() }).strict().optional(),
    reason: z.string(),
  })
  .strict();
export type Source = z.infer<typeof SourceSchema>;

const sources = z.array(SourceSchema).min(1);

export const PROTOCOLS = ['tcp', 'udp', 'sctp'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

export const PeerSchema = z.discriminatedUnion('kind', [
  /** Another container of the same application, by its charter name. */
  z.object({ kind: z.literal('container'), name: z.string() }).strict(),
  /** A DNS name that did not resolve to a container of this application. */
  z.object({ kind: z.literal('dns'), name: z.string() }).strict(),
  z.object({ kind: z.literal('cidr'), cidr: z.string() }).strict(),
  /** Anything: only written when an artifact really says so (e.g. host networking). */
  z.object({ kind: z.literal('any') }).strict(),
]);
export type Peer = z.infer<typeof PeerSchema>;

export const PortRuleSchema = z
  .object({
    port: z.number().int().min(0).max(65535),
    protocol: z.enum(PROTOCOLS),
    name: z.string().optional(),
    sources,
  })
  .strict();
export type PortRule = z.infer<typeof PortRuleSchema>;

export const PeerRuleSchema = z
  .object({
    peer: PeerSchema,
    /** Absent: any port of that peer. */
    port: z.number().int().min(0).max(65535).optional(),
    protocol: z.enum(PROTOCOLS),
    sources,
  })
  .strict();
export type PeerRule = z.infer<typeof PeerRuleSchema>;

export const ProcessRuleSchema = z
  .object({
    /** Absolute path inside the container (symlinks resolved when the image is known). */
    path: z.string(),
    /**
     * Other paths the file is executed by (symlinks, multi-call applets: `/bin/sh` and `/bin/httpd` for
     * `/bin/busybox`). Each is a distinct program to the user, and to `diff`.
     */
    invokedAs: z.array(z.string()).optional(),
    /**
     * Present when the file is a multi-call binary (busybox, toybox, single-binary coreutils: one file,
     * many programs chosen by the name it runs as): the only applet names it may run as. The rule
     * allows an exec when the file is `path` or one of `invokedAs` with content `sha256`, and, for a
     * multi-call file, the applet (`argv[0]`'s basename, or the first argument when run as
     * `busybox APPLET`) is listed here. Another applet of the same bytes (`nc` beside `httpd`) is not
     * allowed, whichever path or link it is run by.
     */
    applets: z.array(z.string()).optional(),
    /** sha256 of the file in the image; absent when only a Dockerfile or manifest was read. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    user: z.string().optional(),
    /** Path of the process expected to start this one; absent for the container's first process. */
    parent: z.string().optional(),
    /** Argument shape: literal arguments, `*` for one variable argument, `**` for any tail. */
    args: z.array(z.string()).optional(),
    /** Why it runs: entrypoint, healthcheck, probe, role, interpreter, spawned. */
    purpose: z.enum(['entrypoint', 'healthcheck', 'probe', 'role', 'interpreter', 'spawned']),
    sources,
  })
  .strict();
export type ProcessRule = z.infer<typeof ProcessRuleSchema>;

export const WRITABLE_KINDS = ['volume', 'tmpfs', 'bind', 'host', 'data-dir'] as const;
export const WritablePathSchema = z
  .object({
    path: z.string(),
    kind: z.enum(WRITABLE_KINDS),
    /** For `host`/`bind`: the host path mounted there. */
    hostPath: z.string().optional(),
    readOnly: z.boolean().optional(),
    sources,
  })
  .strict();
export type WritablePath = z.infer<typeof WritablePathSchema>;

export const NamedRuleSchema = z.object({ name: z.string(), sources }).strict();
export type NamedRule = z.infer<typeof NamedRuleSchema>;

export const SYSCALL_LAYERS = ['container-runtime', 'language-runtime', 'application'] as const;
export type SyscallLayer = (typeof SYSCALL_LAYERS)[number];

/**
 * A knowledge-base syscall group, defined once per charter and referenced by the containers that
 * need it (a 5,000-container application would otherwise repeat ~200 rules per container).
 * `sources` names the knowledge entry; a container's reference names the intent that needs it.
 */
export const SyscallGroupDefSchema = z
  .object({
    id: z.string(),
    layer: z.enum(SYSCALL_LAYERS),
    syscalls: z.array(z.string()).min(1),
    sources,
  })
  .strict();
export type SyscallGroupDef = z.infer<typeof SyscallGroupDefSchema>;

/** A container's use of a charter-level syscall group; `sources` are the declarations that need it (may be empty for the floor layers). */
export const SyscallGroupRefSchema = z.object({ group: z.string(), sources: z.array(SourceSchema) }).strict();
export type SyscallGroupRef = z.infer<typeof SyscallGroupRefSchema>;

export const EGRESS_INTENT_STATES = ['complete', 'unknown'] as const;
export type EgressIntentState = (typeof EGRESS_INTENT_STATES)[number];
/** `sources` say why: the declarations that complete it, or what names a peer nothing declares. */
export const EgressIntentSchema = z.object({ state: z.enum(EGRESS_INTENT_STATES), sources }).strict();
export type EgressIntent = z.infer<typeof EgressIntentSchema>;

export const RoleSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    category: z.string(),
    /** True for components that have no business in a service container (shells, network tools). */
    suspicious: z.boolean(),
    /**
     * What recognised it: `package` (a package database in the image, or a package a Dockerfile RUN
     * line installs), `image-file` (one of its programs is a real file of the read image, not a
     * multi-call binary), `declared` (an image reference in a manifest or a Dockerfile's FROM names it
     * and no image was read to confirm it), `name` (a name alone: an executable's name, or an image
     * name the read image does not bear out). A `name` role is reported and adds syscalls only: never
     * a process, a writable path, a port or a capability. Absent in profiles written before it existed.
     */
    evidence: z.enum(['package', 'image-file', 'declared', 'name']).optional(),
    sources,
  })
  .strict();
export type Role = z.infer<typeof RoleSchema>;
export type RoleEvidence = NonNullable<Role['evidence']>;

export const FlagSchema = z.object({ value: z.boolean(), sources }).strict();
export type Flag = z.infer<typeof FlagSchema>;

/** Declared privileges that widen what the container can do; each one is intent, and each one is risk. */
export const PrivilegesSchema = z
  .object({
    privileged: FlagSchema.optional(),
    hostNetwork: FlagSchema.optional(),
    hostPID: FlagSchema.optional(),
    hostIPC: FlagSchema.optional(),
    allowPrivilegeEscalation: FlagSchema.optional(),
  })
  .strict();

export const ContainerCharterSchema = z
  .object({
    /** Stable name inside the application: compose service, Kubernetes container, Marathon app id. */
    name: z.string(),
    identity: z
      .object({
        image: z.string().optional(),
        digest: z.string().optional(),
        /** Other names the same container has in other artifacts (workload names, Dockerfile dirs). */
        aliases: z.array(z.string()),
        workloads: z.array(z.object({ kind: z.string(), name: z.string(), namespace: z.string().optional() }).strict()),
        /**
         * The labels the container's pods really carry (Kubernetes pod template, merged over the
         * workloads that run it): what a NetworkPolicy must select. Absent when no artifact labels it.
         */
        labels: z.record(z.string(), z.string()).optional(),
        sources: z.array(SourceSchema),
      })
      .strict(),
    user: z.object({ name: z.string(), sources }).strict().optional(),
    workingDir: z.object({ name: z.string(), sources }).strict().optional(),
    roles: z.array(RoleSchema),
    processes: z.array(ProcessRuleSchema),
    network: z
      .object({
        /** True when nothing declares any network use: emitters then remove the network entirely. */
        none: z.boolean(),
        listen: z.array(PortRuleSchema),
        ingress: z.array(PeerRuleSchema),
        egress: z.array(PeerRuleSchema),
        /**
         * Whether `egress` is all the container is meant to call. `complete`: its peers are declared
         * (addresses, a known image, analysed code). `unknown`: it calls services nothing declares, so
         * `egress` is a floor, not a list to enforce (unknown is not "none"). Absent in older profiles.
         */
        egressIntent: EgressIntentSchema.optional(),
      })
      .strict(),
    filesystem: z
      .object({
        readOnlyRoot: FlagSchema,
        writable: z.array(WritablePathSchema),
      })
      .strict(),
    capabilities: z.array(NamedRuleSchema),
    syscalls: z
      .object({
        /** Charter-level groups this container needs; absent in profiles written before groups existed. */
        groups: z.array(SyscallGroupRefSchema).optional(),
        /** Syscalls allowed one by one (a code analysis's exact set), each in the lowest layer that needs it. */
        'container-runtime': z.array(NamedRuleSchema),
        'language-runtime': z.array(NamedRuleSchema),
        application: z.array(NamedRuleSchema),
      })
      .strict(),
    privileges: PrivilegesSchema,
  })
  .strict();
export type ContainerCharter = z.infer<typeof ContainerCharterSchema>;

export const EdgeSchema = z
  .object({
    from: z.string(),
    to: PeerSchema,
    port: z.number().int().min(0).max(65535).optional(),
    protocol: z.enum(PROTOCOLS),
    sources,
  })
  .strict();
export type Edge = z.infer<typeof EdgeSchema>;

export const DiagnosticSchema = z
  .object({
    // Typed with the catalogue, checked loosely on read: a profile written by a newer Charter
    // (with codes this one does not know) still loads.
    code: z.custom<DiagnosticCode>((v) => typeof v === 'string'),
    severity: z.enum(['error', 'warning', 'info']),
    message: z.string(),
    file: z.string(),
    line: z.number().int().positive().optional(),
    column: z.number().int().positive().optional(),
  })
  .strict();
export type Diagnostic = z.infer<typeof DiagnosticSchema>;

export const InputSchema = z
  .object({
    artifact: z.string(),
    kind: z.enum(ARTIFACT_KINDS),
    /** sha256 of the artifact's bytes, or the image manifest digest. */
    digest: z.string(),
  })
  .strict();
export type Input = z.infer<typeof InputSchema>;

export const CharterSchema = z
  .object({
    apiVersion: z.literal(API_VERSION),
    kind: z.literal('Charter'),
    metadata: z.object({ name: z.string(), generator: z.string() }).strict(),
    inputs: z.array(InputSchema),
    /** The syscall groups the containers reference, sorted by id; absent in profiles written before groups existed. */
    syscallGroups: z.array(SyscallGroupDefSchema).optional(),
    containers: z.array(ContainerCharterSchema),
    graph: z.object({ edges: z.array(EdgeSchema) }).strict(),
    diagnostics: z.array(DiagnosticSchema),
  })
  .strict()
  .superRefine((charter, ctx) => {
    // A reference that resolves to nothing would silently allow less (or, edited, more) than it says.
    const defined = new Set<string>();
    (charter.syscallGroups ?? []).forEach((g, i) => {
      if (defined.has(g.id))
        ctx.addIssue({ code: 'custom', path: ['syscallGroups', i, 'id'], message: `syscall group "${g.id}" is defined twice` });
      defined.add(g.id);
    });
    charter.containers.forEach((c, i) => {
      (c.syscalls.groups ?? []).forEach((ref, j) => {
        if (!defined.has(ref.group)) {
          ctx.addIssue({
            code: 'custom',
            path: ['containers', i, 'syscalls', 'groups', j, 'group'],
            message: `syscall group "${ref.group}" is not defined in syscallGroups`,
          });
        }
      });
    });
  });
export type Charter = z.infer<typeof CharterSchema>;

/** A container with nothing allowed yet: the starting point of the merger. */
export function emptyContainer(name: string): ContainerCharter {
  return {
    name,
    identity: { aliases: [], workloads: [], sources: [] },
    roles: [],
    processes: [],
    network: { none: true, listen: [], ingress: [], egress: [] },
    filesystem: {
      readOnlyRoot: {
        value: true,
        sources: [
          {
            kind: 'knowledge',
            artifact: 'charter',
            kb: 'principle:immutable',
            reason: 'containers are immutable: the root filesystem is read-only unless an artifact declares a write',
          },
        ],
      },
      writable: [],
    },
    capabilities: [],
    syscalls: { 'container-runtime': [], 'language-runtime': [], application: [] },
    privileges: {},
  };
}
