/**
 * npm packages that connect to a peer or write a database file (network-clients.json): which calls
 * open them, their default port, and the environment variable they read a host from when the code
 * names none. The Node.js analysis finds these calls; the rules derive peers, writable paths and
 * whether the code's egress is complete from them.
 */
import { z } from 'zod';
import clientsFile from './network-clients.json' with { type: 'json' };

const ClientSchema = z
  .object({
    package: z.string().min(1),
    kind: z.enum(['database', 'statsd', 'http', 'file-database']),
    /** Exports (dotted paths; `''` = the module itself) whose call or `new` opens a client. */
    calls: z.array(z.string()),
    protocol: z.enum(['tcp', 'udp']).optional(),
    port: z.number().int().min(1).max(65535).optional(),
    hostEnv: z.string().optional(),
    source: z.string().regex(/^https:\/\/[^/\s]+\.[^/\s]+\//, 'source must start with an https URL'),
  })
  .strict();
export type NetworkClient = z.infer<typeof ClientSchema>;

let cache: ReadonlyMap<string, NetworkClient> | undefined;

/** The clients by package name (validated once). */
export function networkClients(): ReadonlyMap<string, NetworkClient> {
  if (cache) return cache;
  const parsed = z
    .object({ description: z.string(), clients: z.array(ClientSchema) })
    .strict()
    .parse(clientsFile);
  const out = new Map<string, NetworkClient>();
  for (const c of parsed.clients) {
    if (out.has(c.package)) throw new Error(`network-clients.json: ${c.package}: duplicate entry`);
    out.set(c.package, c);
  }
  cache = out;
  return out;
}
