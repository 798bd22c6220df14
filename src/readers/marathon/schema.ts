/**
 * The subset of Marathon's app and group definitions (REST API v2) this reader maps. Permissive:
 * unknown keys pass, and a field of the wrong type is reported and dropped (see
 * `validateFields`), so one bad field does not cost the app.
 */
import { z } from 'zod';

const str = z.string();
const num = z.number();
const protocol = str; // "tcp", "udp", "udp,tcp": split by the reader.

const PortMapping = z.looseObject({
  containerPort: num.optional(),
  hostPort: num.optional(),
  servicePort: num.optional(),
  protocol: protocol.optional(),
  name: str.optional(),
  labels: z.record(str, str).optional(),
});

const Parameter = z.looseObject({ key: str, value: str });

const Volume = z.looseObject({
  containerPath: str,
  hostPath: str.optional(),
  mode: str.optional(),
  persistent: z.unknown().optional(),
  external: z.unknown().optional(),
  secret: str.optional(),
});

export const AppSchema = z.looseObject({
  id: str,
  cmd: str.nullable().optional(),
  args: z.array(str).nullable().optional(),
  user: str.nullable().optional(),
  // Entries are checked one by one: a number value is reported, the other entries still read.
  env: z.record(str, z.unknown()).optional(),
  secrets: z.record(str, z.looseObject({ source: str.optional() })).optional(),
  labels: z.record(str, z.unknown()).optional(),
  dependencies: z.array(str).optional(),
  container: z
    .looseObject({
      type: str.optional(),
      docker: z
        .looseObject({
          image: str.optional(),
          network: str.optional(),
          privileged: z.boolean().optional(),
          parameters: z.array(Parameter).optional(),
          portMappings: z.array(PortMapping).nullable().optional(),
        })
        .optional(),
      portMappings: z.array(PortMapping).nullable().optional(),
      volumes: z.array(Volume).optional(),
    })
    .nullable()
    .optional(),
  networks: z.array(z.looseObject({ mode: str.optional(), name: str.optional() })).optional(),
  ipAddress: z
    .looseObject({
      discovery: z
        .looseObject({
          ports: z.array(z.looseObject({ number: num, name: str.optional(), protocol: str.optional() })).optional(),
        })
        .optional(),
    })
    .nullable()
    .optional(),
  portDefinitions: z
    .array(z.looseObject({ port: num, protocol: protocol.optional(), name: str.optional(), labels: z.record(str, str).optional() }))
    .optional(),
  ports: z.array(num).optional(),
  requirePorts: z.boolean().optional(),
  healthChecks: z
    .array(
      z.looseObject({
        protocol: str.optional(),
        path: str.optional(),
        portIndex: num.optional(),
        port: num.optional(),
        command: z.looseObject({ value: str }).optional(),
      }),
    )
    .optional(),
});
export type MarathonApp = z.infer<typeof AppSchema>;

export const GroupSchema = z.looseObject({
  id: str.optional(),
  apps: z.array(z.unknown()).optional(),
  groups: z.array(z.unknown()).optional(),
  dependencies: z.array(str).optional(),
});
export type MarathonGroup = z.infer<typeof GroupSchema>;
