/**
 * A container's declared ports and the ports its probes and lifecycle hooks reach → listening
 * ports; exec probes and hooks → commands run in the container.
 */
import type { Protocol, Source } from '../../model/charter.js';
import type { ContainerFragment } from '../../model/fragments.js';
import type { ContainerContext } from './container-context.js';
import { getPath } from './node-path.js';
import { check, diagnose, sourceAt } from './reader-context.js';
import { ContainerPortSchema, type Handler } from './schema.js';

const PROBES = [
  { path: ['livenessProbe'], label: 'liveness probe' },
  { path: ['readinessProbe'], label: 'readiness probe' },
  { path: ['startupProbe'], label: 'startup probe' },
  { path: ['lifecycle', 'postStart'], label: 'postStart hook' },
  { path: ['lifecycle', 'preStop'], label: 'preStop hook' },
] as const;

/** Returns the named ports, for probes that refer to a port by name. */
export function readPorts(ctx: ContainerContext, f: ContainerFragment, what: string): Map<string, number> {
  const { reader, obj, container: c, path } = ctx;
  const named = new Map<string, number>();
  c.ports?.forEach((raw, i) => {
    const portPath = [...path, 'ports', i];
    const p = check(reader, obj, portPath, ContainerPortSchema, raw, 'container port');
    if (!p) return;
    const protocol = p.protocol ?? 'tcp';
    if (p.name !== undefined) named.set(p.name, p.containerPort);
    const label = p.name !== undefined ? ` (${p.name})` : '';
    const host = p.hostPort !== undefined ? `, published on host port ${p.hostPort}` : '';
    const reason = `${what} declares containerPort ${p.containerPort}/${protocol}${label}${host}`;
    addListen(f, p.containerPort, protocol, p.name, sourceAt(reader, obj, portPath, reason));
    if (p.hostPort !== undefined) {
      // A host port publishes the container port on the node's address: an entry point from outside.
      f.ingress.push({
        peer: { kind: 'any' },
        port: p.containerPort,
        protocol,
        sources: [
          sourceAt(reader, obj, [...portPath, 'hostPort'], `${what} publishes containerPort ${p.containerPort} on host port ${p.hostPort}`),
        ],
      });
    }
  });
  return named;
}

export function readProbes(ctx: ContainerContext, f: ContainerFragment, what: string, namedPorts: Map<string, number>): void {
  const { reader, obj, container: c, path } = ctx;
  for (const probe of PROBES) {
    const handler = getPath(c, probe.path) as Handler | undefined;
    if (!handler) continue;
    const hPath = [...path, ...probe.path];
    const argv = handler.exec?.command;
    if (argv && argv.length > 0) {
      f.commands.push({
        argv,
        shell: false,
        purpose: 'probe',
        source: sourceAt(reader, obj, [...hPath, 'exec', 'command'], `${probe.label} of ${what} runs this command in the container`),
      });
    }
    for (const action of ['httpGet', 'tcpSocket', 'grpc'] as const) {
      const target = handler[action];
      if (!target) continue;
      // A probe aimed at another host says nothing about this container's ports.
      if ('host' in target && typeof target.host === 'string' && target.host !== '') continue;
      const portPath = [...obj.base, ...hPath, action, 'port'];
      const port = typeof target.port === 'number' ? target.port : namedPorts.get(target.port);
      if (port === undefined) {
        diagnose(
          reader,
          obj.doc,
          portPath,
          'kubernetes/unresolved-port',
          'warning',
          `${probe.label} of ${what} names port "${String(target.port)}", which no containerPort declares`,
        );
        continue;
      }
      const name = typeof target.port === 'string' ? target.port : undefined;
      const detail = action === 'httpGet' ? `httpGet ${handler.httpGet?.path ?? '/'}` : action;
      const reason = `${probe.label} of ${what}: the kubelet connects with ${detail} to port ${port}${name ? ` (${name})` : ''}`;
      addListen(f, port, 'tcp', name, sourceAt(reader, obj, [...hPath, action, 'port'], reason));
    }
  }
}

function addListen(f: ContainerFragment, port: number, protocol: Protocol, name: string | undefined, source: Source): void {
  const existing = f.listen.find((r) => r.port === port && r.protocol === protocol);
  if (existing) {
    existing.sources.push(source);
    if (existing.name === undefined && name !== undefined) existing.name = name;
    return;
  }
  f.listen.push({ port, protocol, ...(name !== undefined ? { name } : {}), sources: [source] });
}
