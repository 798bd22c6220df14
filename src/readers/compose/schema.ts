/**
 * The subset of the Compose Specification this reader maps, as zod schemas. Permissive on
 * purpose: unknown keys pass (`looseObject`), and scalars Compose coerces (numbers for ports,
 * `"true"` for booleans after interpolation) are accepted. A field of the wrong type is reported
 * and dropped; the rest of the service is still read (see `validateFields`).
 */
import { z } from 'zod';

const str = z.string();
const strOrNum = z.union([z.string(), z.number()]);
/** Booleans may arrive as strings once `${VAR:-true}` has been interpolated. */
export const Boolish = z.union([z.boolean(), z.enum(['true', 'false', 'True', 'False', 'TRUE', 'FALSE'])]);
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
    .union([
      stringList,
      z.record(
        z.string(),
        z.looseObject({ condition: str.optional(), required: Boolish.optional() }).nullable(),
      ),
    ])
    .optional(),
  links: stringList.optional(),
  external_links: stringList.optional(),
  networks: z
    .union([
      stringList,
      z.record(z.string(), z.looseObject({ aliases: stringList.optional() }).nullable()),
    ])
    .optional(),
  network_mode: str.optional(),
  environment: listOrDict.optional(),
  env_file: z
    .union([str, z.array(z.union([str, z.looseObject({ path: str, required: Boolish.optional() })]))])
    .optional(),
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
  networks: z
    .record(
      z.string(),
      z.looseObject({ internal: Boolish.optional(), external: z.unknown().optional() }).nullable(),
    )
    .optional(),
  volumes: z.record(z.string(), z.unknown()).optional(),
  secrets: z.record(z.string(), TopFileRef).optional(),
  configs: z.record(z.string(), TopFileRef).optional(),
  include: z.unknown().optional(),
});
export type ComposeFile = z.infer<typeof ComposeFileSchema>;

export interface FieldIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Validate an object field by field: fields that fail are reported and removed, so one bad key
 * does not cost the whole service. Returns undefined only when the value is not an object at all.
 */
export function validateFields<S extends z.ZodType>(
  schema: S,
  value: unknown,
): { data?: z.infer<S>; issues: FieldIssue[] } {
  const issues: FieldIssue[] = [];
  let current = value;
  // Each round removes at least one top-level field, and a valid object needs one round.
  for (let round = 0; round < 64; round++) {
    const r = schema.safeParse(current);
    if (r.success) return { data: r.data, issues };
    const drop = new Set<string>();
    for (const issue of r.error.issues) {
      const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
      issues.push({ path, message: describeIssue(issue) });
      if (path.length > 0) drop.add(String(path[0]));
    }
    if (drop.size === 0 || current === null || typeof current !== 'object' || Array.isArray(current)) {
      return { issues };
    }
    const next: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(current)) if (!drop.has(k)) next[k] = v;
    current = next;
  }
  return { issues };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === 'invalid_type') return `expected ${issue.expected}`;
  if (issue.code === 'invalid_union') return 'value has none of the accepted shapes';
  if (issue.code === 'invalid_value') return `expected one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
  return issue.message;
}
