/**
 * The subset of the Compose Specification this reader maps, as zod schemas. Permissive on
 * purpose: unknown keys pass (`looseObject`), and scalars Compose coerces (numbers for ports,
 * `"true"` for booleans after interpolation) are accepted. A field of the wrong type is reported
 * and dropped; the rest of the service is still read (see `validateFields`).
 */
import { z } from 'zod';

const str = z.string();
const strOrNum = z.union([z.string(), z.number()]);
/** Booleans may be written as strings to be interpolated (`${RO:-true}`); the reader checks them. */
export const Boolish = z.union([z.boolean(), z.string()]);
const stringList = z.array(str);
const stringOrList = z.union([str, stringList]);
const dict = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
const listOrDict = z.union([z.array(str), dict]);

export const BuildSchema = z.union([
  str,
  z.looseObject({
    context: str.optional(),
    dockerfile: str.optional(),
  }),
]);

export const PortLongSchema = z.looseObject({
  target: strOrNum,
  published: strOrNum.optional(),
  protocol: str.optional(),
  host_ip: str.optional(),
  name: str.optional(),
});

export const VolumeLongSchema = z.looseObject({
  type: z.enum(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']),
  source: str.optional(),
  target: str,
  read_only: Boolish.optional(),
});

const CommandSchema = z.union([str, z.array(strOrNum), z.null()]);

/** Secrets and configs share a shape in services. */
const FileRefSchema = z.array(
  z.union([
    str,
    z.looseObject({
      source: str,
      target: str.optional(),
    }),
  ]),
);

export const ServiceSchema = z.looseObject({
  image: str.optional(),
  build: BuildSchema.optional(),
  container_name: str.optional(),
  ports: z.array(z.union([str, z.number(), PortLongSchema])).optional(),
  expose: z.array(strOrNum).optional(),
  depends_on: z
    .union([stringList, z.record(z.string(), z.looseObject({ condition: str.optional(), required: Boolish.optional() }).nullable())])
    .optional(),
  links: stringList.optional(),
  external_links: stringList.optional(),
  networks: z.union([stringList, z.record(z.string(), z.looseObject({ aliases: stringList.optional() }).nullable())]).optional(),
  network_mode: str.optional(),
  environment: listOrDict.optional(),
  env_file: z.union([str, z.array(z.union([str, z.looseObject({ path: str, required: Boolish.optional() })]))]).optional(),
  cap_add: stringList.optional(),
  cap_drop: stringList.optional(),
  privileged: Boolish.optional(),
  read_only: Boolish.optional(),
  user: strOrNum.optional(),
  working_dir: str.optional(),
  entrypoint: CommandSchema.optional(),
  command: CommandSchema.optional(),
  healthcheck: z
    .looseObject({
      test: z.union([str, stringList]).optional(),
      disable: Boolish.optional(),
    })
    .optional(),
  volumes: z.array(z.union([str, VolumeLongSchema])).optional(),
  tmpfs: stringOrList.optional(),
  security_opt: stringList.optional(),
  pid: str.nullable().optional(),
  ipc: str.nullable().optional(),
  secrets: FileRefSchema.optional(),
  configs: FileRefSchema.optional(),
  labels: listOrDict.optional(),
  extends: z.unknown().optional(),
});
export type ComposeService = z.infer<typeof ServiceSchema>;

const TopFileRef = z
  .looseObject({
    file: str.optional(),
    environment: str.optional(),
    external: z.unknown().optional(),
  })
  .nullable();

export const ComposeFileSchema = z.looseObject({
  name: str.optional(),
  services: z.record(z.string(), z.unknown()).optional(),
  networks: z.record(z.string(), z.looseObject({ internal: Boolish.optional(), external: z.unknown().optional() }).nullable()).optional(),
  volumes: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), TopFileRef).optional(),
  configs: z.record(z.string(), TopFileRef).optional(),
  include: z.unknown().optional(),
});
export type ComposeFile = z.infer<typeof ComposeFileSchema>;
