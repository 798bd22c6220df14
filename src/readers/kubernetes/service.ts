/** A Service → a service declaration for the graph: its selector and ports. */
import type { ServiceDecl } from '../../model/fragments.js';
import { check, sourceAt, type KubeObject, type ReaderContext } from './reader-context.js';
import { ServicePortSchema, ServiceSpecSchema } from './schema.js';

export function readService(reader: ReaderContext, obj: KubeObject): void {
  const spec = check(reader, obj, ['spec'], ServiceSpecSchema, obj.value.spec ?? {}, 'Service spec');
  if (!spec) return;
  const ports: ServiceDecl['ports'] = [];
  spec.ports?.forEach((raw, i) => {
    const p = check(reader, obj, ['spec', 'ports', i], ServicePortSchema, raw, 'Service port');
    if (!p) return;
    ports.push({
      port: p.port,
      ...(p.targetPort !== undefined ? { targetPort: p.targetPort } : {}),
      protocol: p.protocol ?? 'tcp',
      ...(p.name !== undefined ? { name: p.name } : {}),
    });
  });
  const external = spec.type === 'ExternalName';
  const selector = !external && spec.selector && Object.keys(spec.selector).length > 0 ? spec.selector : undefined;
  const reason = external
    ? `ExternalName Service ${obj.name}: a DNS alias for ${spec.externalName ?? '(no externalName)'}, selecting no pods`
    : selector
      ? `Service ${obj.name} in namespace ${obj.namespace}`
      : `Service ${obj.name} has no selector: its endpoints are managed elsewhere`;
  // A LoadBalancer or NodePort Service is reachable from outside the cluster: an entry point.
  const exposed =
    spec.type === 'LoadBalancer' || spec.type === 'NodePort'
      ? sourceAt(reader, obj, ['spec', 'type'], `Service ${obj.name} of type ${spec.type} is reachable from outside the cluster`)
      : undefined;
  reader.result.services.push({
    name: obj.name,
    scope: obj.namespace,
    ...(selector ? { selector } : {}),
    ports,
    source: sourceAt(reader, obj, [], reason),
    ...(exposed ? { exposed } : {}),
  });
}
