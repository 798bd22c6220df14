/**
 * Ingresses and OpenShift Routes → route declarations: names outside the application that lead
 * to a Service. The graph resolves the Service to its containers: their ports become entry points
 * and the hosts become names of those containers.
 */
import type { RouteDecl } from '../../model/fragments.js';
import { check, sourceAt, type KubeObject, type ReaderContext } from './reader-context.js';
import { IngressBackendSchema, IngressPathSchema, IngressRuleSchema, IngressSpecSchema, RouteSpecSchema } from './schema.js';
import type { NodePath } from './yaml-stream.js';

export function readIngress(reader: ReaderContext, obj: KubeObject): void {
  const spec = check(reader, obj, ['spec'], IngressSpecSchema, obj.value.spec ?? {}, 'Ingress spec');
  if (!spec) return;
  const add = (raw: unknown, at: NodePath, hosts: string[]): void => {
    const b = check(reader, obj, at, IngressBackendSchema, raw, 'Ingress backend');
    const service = b?.service?.name ?? b?.serviceName;
    if (!b || service === undefined) return;
    const port = b.service?.port?.number ?? b.service?.port?.name ?? b.servicePort;
    const host = hosts.length > 0 ? ` for ${hosts.join(', ')}` : '';
    push(reader, {
      kind: 'Ingress',
      name: obj.name,
      scope: obj.namespace,
      hosts,
      service,
      ...(port !== undefined ? { port } : {}),
      source: sourceAt(reader, obj, at, `Ingress ${obj.name}${host} routes outside traffic to Service ${service}`),
    });
  };
  if (spec.defaultBackend !== undefined) add(spec.defaultBackend, ['spec', 'defaultBackend'], []);
  if (spec.backend !== undefined) add(spec.backend, ['spec', 'backend'], []);
  (spec.rules ?? []).forEach((rawRule, i) => {
    const rule = check(reader, obj, ['spec', 'rules', i], IngressRuleSchema, rawRule, 'Ingress rule');
    const hosts = rule?.host !== undefined && rule.host !== '' && !rule.host.startsWith('*') ? [rule.host.toLowerCase()] : [];
    (rule?.http?.paths ?? []).forEach((rawPath, j) => {
      const at = ['spec', 'rules', i, 'http', 'paths', j];
      const p = check(reader, obj, at, IngressPathSchema, rawPath, 'Ingress path');
      if (p) add(p.backend, [...at, 'backend'], hosts);
    });
  });
}

export function readRoute(reader: ReaderContext, obj: KubeObject): void {
  const spec = check(reader, obj, ['spec'], RouteSpecSchema, obj.value.spec ?? {}, 'Route spec');
  if (!spec) return;
  // Alternate backends aside, a Route leads to one Service (spec.to.kind defaults to Service).
  if (spec.to.kind !== undefined && spec.to.kind !== 'Service') return;
  const hosts = spec.host !== undefined && spec.host !== '' ? [spec.host.toLowerCase()] : [];
  const port = spec.port?.targetPort;
  push(reader, {
    kind: 'Route',
    name: obj.name,
    scope: obj.namespace,
    hosts,
    service: spec.to.name,
    ...(port !== undefined ? { port } : {}),
    source: sourceAt(
      reader,
      obj,
      ['spec', 'to', 'name'],
      `Route ${obj.name}${hosts.length > 0 ? ` (${hosts[0]})` : ''} routes outside traffic to Service ${spec.to.name}`,
    ),
  });
}

function push(reader: ReaderContext, route: RouteDecl): void {
  (reader.result.routes ??= []).push(route);
}
