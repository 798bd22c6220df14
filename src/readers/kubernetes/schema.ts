/**
 * Zod schemas for the parts of Kubernetes objects this reader uses. They are permissive on
 * purpose: unknown fields pass through, scalars where Kubernetes wants strings are turned into
 * strings, and lists are validated item by item (see `validate.ts`) so one bad port or env entry
 * costs that entry only. Field reference: the Kubernetes API (core/v1 PodSpec, Container, Service;
 * networking/v1 NetworkPolicy).
 */
import { z } from 'zod';
import { PROTOCOLS } from '../../model/charter.js';

/** YAML turns `value: 8080` or `value: true` into non-strings; Kubernetes users mean the text. */
const text = z.union([z.string(), z.number(), z.boolean()]).transform((v) => String(v));
const stringMap = z.record(z.string(), text);
/** Lists whose items are checked one by one, so a bad item is dropped alone. */
const items = z.array(z.unknown());
const port = z.number().int().min(1).max(65535);
const intOrString = z.union([port, z.string().min(1)]);
const protocol = z
  .string()
  .transform((p) => p.toLowerCase())
  .pipe(z.enum(PROTOCOLS));

export const ObjectMetaSchema = z.looseObject({
  name: z.string().optional(),
  generateName: z.string().optional(),
  namespace: z.string().optional(),
  labels: stringMap.optional(),
});

export const ManifestSchema = z.looseObject({
  apiVersion: z.string(),
  kind: z.string(),
  metadata: ObjectMetaSchema.optional(),
});
export type Manifest = z.infer<typeof ManifestSchema>;

const id = z.number().int().nonnegative();

export const PodSecurityContextSchema = z.looseObject({
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  runAsNonRoot: z.boolean().optional(),
});

export const SecurityContextSchema = z.looseObject({
  runAsUser: id.optional(),
  runAsGroup: id.optional(),
  runAsNonRoot: z.boolean().optional(),
  readOnlyRootFilesystem: z.boolean().optional(),
  privileged: z.boolean().optional(),
  allowPrivilegeEscalation: z.boolean().optional(),
  capabilities: z
    .looseObject({
      add: z.array(z.string()).optional(),
      drop: z.array(z.string()).optional(),
    })
    .optional(),
});

export const PodSpecSchema = z.looseObject({
  containers: items.optional(),
  initContainers: items.optional(),
  volumes: items.optional(),
  hostNetwork: z.boolean().optional(),
  hostPID: z.boolean().optional(),
  hostIPC: z.boolean().optional(),
  securityContext: PodSecurityContextSchema.optional(),
});
export type PodSpec = z.infer<typeof PodSpecSchema>;

/** A probe or a lifecycle hook: the action is one of exec, httpGet, tcpSocket, grpc. */
export const HandlerSchema = z.looseObject({
  exec: z.looseObject({ command: z.array(text).optional() }).optional(),
  httpGet: z.looseObject({ port: intOrString, path: z.string().optional(), host: z.string().optional() }).optional(),
  tcpSocket: z.looseObject({ port: intOrString, host: z.string().optional() }).optional(),
  grpc: z.looseObject({ port, service: z.string().optional() }).optional(),
});
export type Handler = z.infer<typeof HandlerSchema>;

export const ContainerSchema = z.looseObject({
  name: z.string().min(1),
  image: z.string().optional(),
  command: z.array(text).optional(),
  args: z.array(text).optional(),
  ports: items.optional(),
  env: items.optional(),
  envFrom: items.optional(),
  volumeMounts: items.optional(),
  securityContext: SecurityContextSchema.optional(),
  livenessProbe: HandlerSchema.optional(),
  readinessProbe: HandlerSchema.optional(),
  startupProbe: HandlerSchema.optional(),
  lifecycle: z.looseObject({ postStart: HandlerSchema.optional(), preStop: HandlerSchema.optional() }).optional(),
});
export type Container = z.infer<typeof ContainerSchema>;

export const ContainerPortSchema = z.looseObject({
  containerPort: port,
  hostPort: port.optional(),
  protocol: protocol.optional(),
  name: z.string().optional(),
});

const keyRef = z.looseObject({ name: z.string().optional(), key: z.string() });

export const EnvVarSchema = z.looseObject({
  name: z.string().min(1),
  value: text.optional(),
  valueFrom: z
    .looseObject({
      configMapKeyRef: keyRef.optional(),
      secretKeyRef: keyRef.optional(),
      fieldRef: z.looseObject({ fieldPath: z.string() }).optional(),
      resourceFieldRef: z.looseObject({ resource: z.string() }).optional(),
    })
    .optional(),
});

const nameRef = z.looseObject({ name: z.string().optional() });
export const EnvFromSchema = z.looseObject({
  prefix: z.string().optional(),
  configMapRef: nameRef.optional(),
  secretRef: nameRef.optional(),
});

export const VolumeMountSchema = z.looseObject({
  name: z.string(),
  mountPath: z.string().min(1),
  subPath: z.string().optional(),
  readOnly: z.boolean().optional(),
});

/** The keys a configMap or secret volume projects, and where (`items`); absent: every key, by its name. */
const keyToPath = z.looseObject({ key: z.string(), path: z.string() });
export const ConfigVolumeSchema = z.looseObject({
  name: z.string().optional(),
  secretName: z.string().optional(),
  items: z.array(keyToPath).optional(),
});
export const ProjectedVolumeSchema = z.looseObject({
  sources: z
    .array(z.looseObject({ configMap: ConfigVolumeSchema.optional(), secret: ConfigVolumeSchema.optional() }))
    .nullable()
    .optional(),
});

/** `emptyDir:` with nothing after it is null in YAML; the intent is still an emptyDir. */
const source = z.looseObject({}).nullable();
export const VolumeSchema = z.looseObject({
  name: z.string(),
  emptyDir: z.looseObject({ medium: z.string().optional() }).nullable().optional(),
  hostPath: z.looseObject({ path: z.string(), type: z.string().optional() }).optional(),
  persistentVolumeClaim: z.looseObject({ claimName: z.string().optional() }).optional(),
  ephemeral: source.optional(),
  configMap: source.optional(),
  secret: source.optional(),
  projected: source.optional(),
  downwardAPI: source.optional(),
});
export type Volume = z.infer<typeof VolumeSchema>;

export const ClaimTemplateSchema = z.looseObject({ metadata: z.looseObject({ name: z.string() }) });

export const ServiceSpecSchema = z.looseObject({
  type: z.string().optional(),
  selector: stringMap.nullable().optional(),
  externalName: z.string().optional(),
  ports: items.optional(),
});

export const ServicePortSchema = z.looseObject({
  port,
  targetPort: intOrString.optional(),
  protocol: protocol.optional(),
  name: z.string().optional(),
});

export const NetworkPolicySpecSchema = z.looseObject({
  podSelector: z
    .looseObject({
      matchLabels: stringMap.nullable().optional(),
      matchExpressions: items.nullable().optional(),
    })
    .nullable()
    .optional(),
});

export const ConfigMapSchema = z.looseObject({ data: stringMap.nullable().optional() });
export const SecretSchema = z.looseObject({
  data: z.record(z.string(), z.string()).nullable().optional(),
  stringData: stringMap.nullable().optional(),
});

export const LabelsSchema = stringMap;

/** networking.k8s.io/v1 `service: { name, port: { number | name } }`; extensions/v1beta1 `serviceName`, `servicePort`. */
export const IngressBackendSchema = z.looseObject({
  service: z
    .looseObject({
      name: z.string(),
      port: z.looseObject({ number: port.optional(), name: z.string().optional() }).optional(),
    })
    .optional(),
  serviceName: z.string().optional(),
  servicePort: intOrString.optional(),
});
export type IngressBackend = z.infer<typeof IngressBackendSchema>;

export const IngressSpecSchema = z.looseObject({
  defaultBackend: z.unknown().optional(),
  backend: z.unknown().optional(),
  rules: items.nullable().optional(),
});
export const IngressRuleSchema = z.looseObject({
  host: z.string().optional(),
  http: z.looseObject({ paths: items.nullable().optional() }).nullable().optional(),
});
export const IngressPathSchema = z.looseObject({ backend: z.unknown() });

/** route.openshift.io/v1 Route: `spec.host`, `spec.to` (a Service), `spec.port.targetPort`. */
export const RouteSpecSchema = z.looseObject({
  host: z.string().optional(),
  to: z.looseObject({ kind: z.string().optional(), name: z.string() }),
  port: z.looseObject({ targetPort: intOrString }).optional(),
});
