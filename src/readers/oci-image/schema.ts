/**
 * zod schemas for the JSON documents of an image: the trust boundary between archive bytes and
 * the reader. Unknown fields are dropped; only what the reader uses is checked.
 */
import { z } from 'zod';

export const DIGEST = /^sha256:[0-9a-f]{64}$/;
const digest = z.string().regex(DIGEST, 'expected a sha256 digest (sha256:<64 hex>)');

export const DescriptorSchema = z.object({
  mediaType: z.string().optional(),
  digest,
  size: z.number().int().nonnegative(),
  annotations: z.record(z.string(), z.string()).optional(),
  platform: z.object({ os: z.string(), architecture: z.string(), variant: z.string().optional() }).optional(),
});
export type Descriptor = z.infer<typeof DescriptorSchema>;

export const IndexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(DescriptorSchema).min(1, 'the index lists no manifests'),
});

export const ManifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  config: DescriptorSchema,
  layers: z.array(DescriptorSchema),
});

const stringMap = z.record(z.string(), z.string()).nullish();
const emptyObjectMap = z.record(z.string(), z.unknown()).nullish();

export const RunConfigSchema = z.object({
  User: z.string().nullish(),
  ExposedPorts: emptyObjectMap,
  Env: z.array(z.string()).nullish(),
  Entrypoint: z.array(z.string()).nullish(),
  Cmd: z.array(z.string()).nullish(),
  Volumes: emptyObjectMap,
  WorkingDir: z.string().nullish(),
  Labels: stringMap,
  StopSignal: z.string().nullish(),
  Healthcheck: z
    .object({
      Test: z.array(z.string()).nullish(),
      Interval: z.number().nullish(),
      Timeout: z.number().nullish(),
      Retries: z.number().nullish(),
      StartPeriod: z.number().nullish(),
    })
    .nullish(),
});
export type RunConfig = z.infer<typeof RunConfigSchema>;

export const ImageConfigSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  config: RunConfigSchema.nullish(),
  rootfs: z.object({ type: z.literal('layers'), diff_ids: z.array(digest) }),
  history: z.array(z.object({ created_by: z.string().optional(), empty_layer: z.boolean().optional() })).nullish(),
});
export type ImageConfig = z.infer<typeof ImageConfigSchema>;

export const DockerManifestSchema = z
  .array(
    z.object({
      Config: z.string(),
      RepoTags: z.array(z.string()).nullish(),
      Layers: z.array(z.string()),
    }),
  )
  .min(1, 'manifest.json lists no images');
