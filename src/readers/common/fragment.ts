/**
 * Adding rules to a container fragment without duplicates, for readers that build fragments
 * entry by entry (Compose, Marathon). A rule met again gains a source instead of a second entry.
 */
import type { NamedRule, Protocol, Source, WritablePath } from '../../model/charter.js';
import type { ContainerFragment, ServiceDecl } from '../../model/fragments.js';

/**
 * Find an entry of a fragment list by key. Lists are deduplicated as they grow; an index per list
 * keeps hostile files with 100 000 ports or mounts linear instead of quadratic.
 */
const indexes = new WeakMap<object, { byKey: Map<string, unknown>; seen: number }>();
export function lookup<T extends object>(list: T[], key: string, keyOf: (t: T) => string): T | undefined {
  let index = indexes.get(list);
  if (index === undefined) {
    index = { byKey: new Map(), seen: 0 };
    indexes.set(list, index);
  }
  // Entries appended since the last lookup are indexed now (callers push after a miss).
  for (; index.seen < list.length; index.seen++) {
    const item = list[index.seen];
    if (item !== undefined && !index.byKey.has(keyOf(item))) index.byKey.set(keyOf(item), item);
  }
  return index.byKey.get(key) as T | undefined;
}

/** A listening port, once per port and protocol. */
export function addListen(f: ContainerFragment, port: number, protocol: Protocol, src: Source, name?: string): void {
  const existing = lookup(f.listen, `${port}/${protocol}`, (l) => `${l.port}/${l.protocol}`);
  if (existing) existing.sources.push(src);
  else f.listen.push({ port, protocol, ...(name !== undefined ? { name } : {}), sources: [src] });
}

/** A writable path, once per container path. */
export function addWritable(f: ContainerFragment, w: Omit<WritablePath, 'sources'>, src: Source): void {
  const existing = lookup(f.writable, w.path, (x) => x.path);
  if (existing) existing.sources.push(src);
  else f.writable.push({ ...w, sources: [src] });
}

/** A capability added or dropped, once per name. */
export function addCapability(list: NamedRule[], name: string, src: Source): void {
  const existing = lookup(list, name, (c) => c.name);
  if (existing) existing.sources.push(src);
  else list.push({ name, sources: [src] });
}

/** The ports a service declaration offers: the container's listen ports, each its own target. */
export function serviceDeclPorts(f: ContainerFragment): ServiceDecl['ports'] {
  return f.listen.map((l) => ({
    port: l.port,
    targetPort: l.port,
    protocol: l.protocol,
    ...(l.name !== undefined ? { name: l.name } : {}),
  }));
}

/** What a reason adds for a bind-mounted host path that is a container engine's API socket (whoever holds it controls the engine). */
export function engineSocketNote(hostPath: string): string {
  return /(^|\/)(docker|podman|containerd)\.sock$/.test(hostPath) ? ' (a container engine API socket)' : '';
}
