/**
 * The runtime event model (`charter-events/v1`): what a container did, as the engine judges it
 * against the container's charter. Every source — Charter's own event lines, the Falco, Tetragon
 * and Tracee adapters, the kernel sensor — produces these events and nothing else, so the engine,
 * the learner and (later) the console and the fleet read one shape.
 *
 * The zod schema is the trust boundary for event lines read from disk or a socket; it is compiled
 * once to a fast validator (runtime/events/validate.ts) because replay reads millions of lines.
 *
 * Field reference: docs/events-v1.md.
 */
import { z } from 'zod';

export const EVENTS_API = 'charter-events/v1';

const int = z.number().int();
const nonNegative = int.nonnegative();
const port = int.min(0).max(65535);
/** Bounded so a hostile line cannot make one field the size of the stream. */
const text = z.string().max(65_536);
/** Absolute paths inside the container: a relative one names nothing without the process's directory. */
const path = z.string().max(4096).regex(/^\//);

/** The container an event happened in, as far as the source knows it. */
export const ContainerRefSchema = z
  .object({
    /** The runtime's container id (full or the 12-character short form), without a `containerd://` prefix. */
    id: z.string().min(1).max(256),
    /** The runtime that runs it: podman, containerd, cri-o, docker. */
    runtime: z.string().max(64).optional(),
    /** The container's name: compose service, Kubernetes container name, podman name. */
    name: text.optional(),
    /** Image reference as the runtime reports it. */
    image: text.optional(),
    /** Image digest (`sha256:…`) when the runtime reports one. */
    imageDigest: z.string().max(256).optional(),
    pod: text.optional(),
    namespace: text.optional(),
    labels: z.record(z.string().max(317), z.string().max(63 * 4)).optional(),
  })
  .strict();
export type ContainerRef = z.infer<typeof ContainerRefSchema>;

/**
 * Where an executed file came from. `image`: a file of the image's layers (its sha256 can be
 * checked against the charter). `written`: created or changed after the container started (the
 * overlay's upper layer) — in an immutable container, drift. `memory`: an anonymous file
 * (memfd_create) or a deleted one. `unknown`: the source cannot tell.
 */
export const FILE_ORIGINS = ['image', 'written', 'memory', 'unknown'] as const;
export type FileOrigin = (typeof FILE_ORIGINS)[number];

/** A process, as much of it as the source saw. */
export const ProcessRefSchema = z
  .object({
    /** As the container's pid namespace numbers it where the source knows that, else the host's; absent when not reported. */
    pid: nonNegative.optional(),
    /** The thread that acted, when it is not the process's main thread. */
    tid: nonNegative.optional(),
    /** The executable's absolute path inside the container, symlinks resolved where the source can. */
    path: path.optional(),
    /** The name the process gives itself (comm / argv[0]); never used as its identity. */
    name: text.optional(),
    argv: z.array(text).max(4096).optional(),
    cwd: path.optional(),
    uid: nonNegative.optional(),
    gid: nonNegative.optional(),
    /** Effective uid when it differs from `uid` (a setuid program). */
    euid: nonNegative.optional(),
    /** sha256 of the executable's content, when the source hashed it. */
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    inode: nonNegative.optional(),
    /** Device number of the executable's file system. */
    dev: nonNegative.optional(),
    origin: z.enum(FILE_ORIGINS).optional(),
  })
  .strict();
export type ProcessRef = z.infer<typeof ProcessRefSchema>;

/** An ancestor: enough to tell a shell spawned by the web server from one spawned by `podman exec`. */
export const AncestorSchema = z
  .object({ pid: nonNegative.optional(), path: path.optional(), name: text.optional(), argv: z.array(text).max(4096).optional() })
  .strict();
export type Ancestor = z.infer<typeof AncestorSchema>;

/** Who reported the event: `charter` (its own event lines), `sensor` (Charter's kernel sensor) or the engine it was adapted from. */
export const EventOriginSchema = z
  .object({
    engine: z.enum(['charter', 'falco', 'tetragon', 'tracee', 'sensor']),
    /** The source's own name for what it saw: a Falco rule, a Tetragon policy or function, a Tracee event. */
    what: text.optional(),
    /** Line (1-based) of the input it was read from, when read from a file. */
    line: int.positive().optional(),
  })
  .strict();
export type EventOrigin = z.infer<typeof EventOriginSchema>;

const common = {
  /** RFC 3339 time in UTC, e.g. `2026-12-04T22:40:01.123456789Z`. */
  time: z.string().min(1).max(64),
  container: ContainerRefSchema,
  process: ProcessRefSchema,
  /** Nearest first: the parent, then its parent … as far as the source knows. */
  ancestors: z.array(AncestorSchema).max(64).optional(),
  origin: EventOriginSchema.optional(),
};

export const NET_PROTOCOLS = ['tcp', 'udp', 'sctp', 'icmp', 'raw', 'packet', 'unix', 'other'] as const;
export type NetProtocol = (typeof NET_PROTOCOLS)[number];

export const EndpointSchema = z
  .object({
    /** IPv4 or IPv6 address as text; a path for a Unix socket. */
    address: z.string().max(4096),
    port: port.optional(),
  })
  .strict();
export type Endpoint = z.infer<typeof EndpointSchema>;

const network = {
  protocol: z.enum(NET_PROTOCOLS),
  local: EndpointSchema.optional(),
  remote: EndpointSchema.optional(),
  /** The name the process resolved to reach `remote`, when the source saw the lookup. */
  dnsName: z.string().max(253).optional(),
};

export const EVENT_KINDS = [
  'exec',
  'exit',
  'connect',
  'accept',
  'listen',
  'send',
  'open',
  'chmod',
  'rename',
  'unlink',
  'syscall',
  'privilege',
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];

export const ExecEventSchema = z.object({ kind: z.literal('exec'), ...common }).strict();
export const ExitEventSchema = z
  .object({ kind: z.literal('exit'), ...common, code: int.optional(), signal: z.string().max(32).optional() })
  .strict();
/** An outgoing connection (TCP connect, a connected UDP socket). */
export const ConnectEventSchema = z.object({ kind: z.literal('connect'), ...common, ...network }).strict();
/** An incoming connection accepted. */
export const AcceptEventSchema = z.object({ kind: z.literal('accept'), ...common, ...network }).strict();
/** A socket bound and listening (TCP) or bound to receive (UDP). */
export const ListenEventSchema = z.object({ kind: z.literal('listen'), ...common, ...network }).strict();
/** A datagram sent to an address without a connect (UDP sendto, raw). */
export const SendEventSchema = z.object({ kind: z.literal('send'), ...common, ...network }).strict();
export const OpenEventSchema = z
  .object({
    kind: z.literal('open'),
    ...common,
    path,
    /** Opened for writing (write-only or read-write, or truncating). */
    write: z.boolean(),
    create: z.boolean().optional(),
  })
  .strict();
export const ChmodEventSchema = z.object({ kind: z.literal('chmod'), ...common, path, mode: int.min(0).max(0o7777) }).strict();
export const RenameEventSchema = z.object({ kind: z.literal('rename'), ...common, path, to: path }).strict();
export const UnlinkEventSchema = z.object({ kind: z.literal('unlink'), ...common, path }).strict();
/**
 * The system calls an event is made for on their own (the rest are the seccomp filter's job): the
 * ways out of a container or into another process, the kernel, or memory-only code. Every source
 * maps these names and only these.
 */
export const NOTABLE_SYSCALLS: ReadonlySet<string> = new Set([
  'bpf',
  'delete_module',
  'finit_module',
  'init_module',
  'kexec_file_load',
  'kexec_load',
  'memfd_create',
  'mount',
  'open_by_handle_at',
  'perf_event_open',
  'pivot_root',
  'process_vm_readv',
  'process_vm_writev',
  'ptrace',
  'setns',
  'umount',
  'umount2',
  'unshare',
]);

/**
 * A system call worth judging on its own (ptrace, mount, init_module, unshare, setns, bpf …), or
 * one a seccomp filter denied (`denied: true`). Ordinary syscalls are seccomp's job, not events.
 */
export const SyscallEventSchema = z
  .object({
    kind: z.literal('syscall'),
    ...common,
    name: z.string().min(1).max(64),
    denied: z.boolean().optional(),
    /** What the call was aimed at, when it names something: a pid for ptrace, a path for mount. */
    target: text.optional(),
  })
  .strict();
/** A change of identity or a use of a capability. */
export const PrivilegeEventSchema = z
  .object({
    kind: z.literal('privilege'),
    ...common,
    op: z.enum(['setuid', 'setgid', 'capability']),
    /** For setuid/setgid: the ids before and after. */
    from: nonNegative.optional(),
    to: nonNegative.optional(),
    /** For a capability: its name, `CAP_…`. */
    capability: z
      .string()
      .regex(/^CAP_[A-Z_]+$/)
      .optional(),
  })
  .strict();

export const RuntimeEventSchema = z.discriminatedUnion('kind', [
  ExecEventSchema,
  ExitEventSchema,
  ConnectEventSchema,
  AcceptEventSchema,
  ListenEventSchema,
  SendEventSchema,
  OpenEventSchema,
  ChmodEventSchema,
  RenameEventSchema,
  UnlinkEventSchema,
  SyscallEventSchema,
  PrivilegeEventSchema,
]);
export type RuntimeEvent = z.infer<typeof RuntimeEventSchema>;
export type NetworkEvent = Extract<RuntimeEvent, { kind: 'connect' | 'accept' | 'listen' | 'send' }>;
export type EventOf<K extends EventKind> = Extract<RuntimeEvent, { kind: K }>;

/** The schema of one event kind (what the fast validator compiles, kind by kind). */
export const EVENT_SCHEMAS: { readonly [K in EventKind]: z.ZodType<EventOf<K>> } = {
  exec: ExecEventSchema,
  exit: ExitEventSchema,
  connect: ConnectEventSchema,
  accept: AcceptEventSchema,
  listen: ListenEventSchema,
  send: SendEventSchema,
  open: OpenEventSchema,
  chmod: ChmodEventSchema,
  rename: RenameEventSchema,
  unlink: UnlinkEventSchema,
  syscall: SyscallEventSchema,
  privilege: PrivilegeEventSchema,
};
