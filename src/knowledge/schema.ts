/**
 * Schemas of the knowledge base: data files beside this module, each entry with a cited source.
 * Knowledge is data, not code branches: adding a component is adding an entry.
 */
import { z } from 'zod';

const port = z.object({ port: z.number().int().min(1).max(65535), protocol: z.enum(['tcp', 'udp', 'sctp']) }).strict();

/**
 * A recognisable component (database, cache, web server, shell …) and what it legitimately does.
 * `match` says how to recognise it: image repository names (without registry and tag, e.g.
 * `postgres`, `bitnami/redis`), installed package names (dpkg/apk/npm), or executable basenames.
 */
export const RoleEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    name: z.string(),
    category: z.enum([
      'database',
      'cache',
      'broker',
      'web-server',
      'proxy',
      'language-runtime',
      'application',
      'shell',
      'network-tool',
      'package-manager',
      'debugger',
      'init',
    ]),
    /** Components with no business in a service container: their presence is reported, never allowed by default. */
    suspicious: z.boolean(),
    match: z
      .object({
        images: z.array(z.string()).default([]),
        packages: z.array(z.string()).default([]),
        executables: z.array(z.string()).default([]),
      })
      .strict(),
    /** Ports the component listens on by default. */
    listen: z.array(port).default([]),
    /**
     * The ports its clients connect to, when not all of `listen` (a broker's client port, not its
     * cluster and monitoring ports): what a dependency named without a port reaches.
     * `clientPortsSource` cites where the product documents them.
     */
    clientPorts: z.array(port).optional(),
    clientPortsSource: z.string().url().optional(),
    /** Executable basenames it runs (its own helpers, e.g. `initdb` for PostgreSQL). */
    processes: z.array(z.string()).default([]),
    /**
     * Programs its image's entrypoint script (the `…entrypoint…` name of `processes`) runs before
     * the component (a shell, `find`, `id`, `chown`): needed only where that script is, so an image
     * that starts the component directly (a distribution package, `CMD ["redis-server"]`) does not
     * get a shell allowed on the script's account.
     */
    entrypointHelpers: z.array(z.string()).default([]),
    /** Directories it writes at run time. */
    dataDirs: z.array(z.string()).default([]),
    /**
     * What it needs outward: `none` (nothing, not even DNS), `dns` (name resolution only; a database
     * never pings the network), `declared` (only what the artifacts declare), `any`.
     */
    egress: z.enum(['none', 'dns', 'declared', 'any']),
    /** Capabilities it needs when it starts as root (e.g. to drop to its own user). */
    capabilities: z.array(z.string().regex(/^CAP_[A-Z_]+$/)).default([]),
    /**
     * For launchers (tini, gosu …): it execs the command in its arguments, after skipping options,
     * an optional `--`, and this many leading positional arguments (gosu's user).
     */
    wraps: z
      .object({ skipPositional: z.number().int().min(0).max(4) })
      .strict()
      .optional(),
    /** Syscall groups (syscall-groups.json) its behaviour needs beyond the runtime floor. */
    syscallGroups: z.array(z.string()).default([]),
    source: z.string().url(),
    notes: z.string().optional(),
  })
  .strict();
export type RoleEntry = z.infer<typeof RoleEntrySchema>;

/** Known application images and the peers their code connects to (intent that lives in the image, not the manifest). */
export const ImageCatalogueEntrySchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    match: z.object({ images: z.array(z.string()).min(1) }).strict(),
    /** DNS names (resolved against the application's services) and ports the image's code connects to. */
    egress: z.array(z.object({ name: z.string(), port: z.number().int().min(1).max(65535), protocol: z.enum(['tcp', 'udp']) }).strict()),
    /**
     * The image also calls peers chosen at run time (a browser node loads whatever page a test
     * names): `egress` is a floor, and the container's egress intent stays unknown.
     */
    openEgress: z.string().optional(),
    source: z.string().url(),
  })
  .strict();
export type ImageCatalogueEntry = z.infer<typeof ImageCatalogueEntrySchema>;

/** A named set of system calls with the reason it exists. */
export const SyscallGroupSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/),
    description: z.string(),
    /** Which profile layer the group belongs to. */
    layer: z.enum(['container-runtime', 'language-runtime', 'application']),
    syscalls: z.array(z.string().regex(/^[a-z0-9_]+$/)).min(1),
    source: z.string().url(),
  })
  .strict();
export type SyscallGroup = z.infer<typeof SyscallGroupSchema>;

/** `roles.json`. */
export const RolesFileSchema = z.object({ version: z.string(), roles: z.array(RoleEntrySchema) }).strict();
/** `images.json`. */
export const ImagesFileSchema = z.object({ version: z.string(), images: z.array(ImageCatalogueEntrySchema) }).strict();
/** `syscall-groups.json`. */
export const SyscallGroupsFileSchema = z.object({ version: z.string(), syscallGroups: z.array(SyscallGroupSchema) }).strict();

/** The three data files combined, as `loadKnowledge()` returns them. */
export const KnowledgeFileSchema = z
  .object({
    version: z.string(),
    roles: z.array(RoleEntrySchema),
    images: z.array(ImageCatalogueEntrySchema),
    syscallGroups: z.array(SyscallGroupSchema),
  })
  .strict();
export type KnowledgeBase = z.infer<typeof KnowledgeFileSchema>;
