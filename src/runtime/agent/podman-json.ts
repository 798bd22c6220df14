/**
 * What podman prints, read: `podman ps --format json`, `podman inspect` and `podman events
 * --format json` lines, turned into the agent's `RunningContainer` and start/stop events. Pure, so
 * the shapes measured on a real podman (4.3, tests) are held by unit tests; the process edge is
 * podman.ts. Podman's JSON is a trust boundary like any input: checked with zod, bounded, and a
 * record that does not fit is skipped with a reason, never thrown at the agent loop.
 */
import { z } from 'zod';
import type { RunningContainer } from './types.js';

/** A podman container id: 64 lowercase hex. Anything else is not passed back to podman as an argument. */
export const CONTAINER_ID = /^[0-9a-f]{64}$/;

/** Longest name, image reference or label text kept; podman's own limits are far below (names 253). */
const MAX_TEXT = 4096;
/** Labels kept per container: the sensor events carry them, and a container with thousands is not a label set. */
const MAX_LABELS = 256;

const text = z.string().max(MAX_TEXT);
const labels = z
  .record(z.string(), z.string())
  .nullish()
  .transform((l) => Object.fromEntries(Object.entries(l ?? {}).slice(0, MAX_LABELS)));

/** One element of `podman ps --format json --no-trunc` (podman 4): only what the agent needs, unknown keys ignored. */
const PsEntrySchema = z.object({ Id: z.string().regex(CONTAINER_ID), State: z.string().optional() });

const NetworkSchema = z.object({ IPAddress: z.string().optional(), GlobalIPv6Address: z.string().optional() });

/** One element of `podman inspect <container>` (podman 4). */
const InspectSchema = z.object({
  Id: z.string().regex(CONTAINER_ID),
  Name: text,
  State: z.object({ Pid: z.number().int().nonnegative(), Running: z.boolean().optional(), CgroupPath: text.optional() }),
  /** The image id (config digest, bare hex). */
  Image: text.optional(),
  ImageName: text.optional(),
  /** The manifest digest the image was pulled or committed with. */
  ImageDigest: text.optional(),
  Config: z.object({ Labels: labels }).optional(),
  /** The storage driver's layers: overlay's `UpperDir` holds what the container wrote. */
  GraphDriver: z.object({ Name: z.string().max(64).optional(), Data: z.object({ UpperDir: text.optional() }).nullish() }).nullish(),
  NetworkSettings: NetworkSchema.extend({ Networks: z.record(z.string(), NetworkSchema).nullish() }).nullish(),
});

/** One line of `podman events --format json --filter type=container` (podman 4.3 as measured). */
const EventSchema = z.object({
  ID: z.string(),
  Name: text.optional(),
  Image: text.optional(),
  Status: z.string().max(64),
  Time: z.string().max(64).optional(),
  Type: z.string().max(64).optional(),
});

export interface RuntimeInspection {
  readonly container: RunningContainer;
  /** Whether it runs now (a container inspected after it stopped has pid 0). */
  readonly running: boolean;
  /** The cgroup path podman reports, relative to the cgroup root (`/libpod_parent/libpod-<id>`). */
  readonly cgroupPath?: string;
}

/** Ids of the running containers in `podman ps --format json` output; entries that do not fit are skipped. */
export function parsePs(json: string): string[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error('podman ps printed no JSON array');
  const ids: string[] = [];
  for (const entry of data) {
    const p = PsEntrySchema.safeParse(entry);
    if (p.success && (p.data.State === undefined || p.data.State === 'running')) ids.push(p.data.Id);
  }
  return ids;
}

/** Every container of a `podman inspect` answer; an element that does not fit is reported to `skip` and left out. */
export function parseInspect(json: string, skip: (why: string) => void = () => undefined): RuntimeInspection[] {
  const data: unknown = JSON.parse(json);
  if (!Array.isArray(data)) throw new Error('podman inspect printed no JSON array');
  const out: RuntimeInspection[] = [];
  for (const entry of data) {
    const p = InspectSchema.safeParse(entry);
    if (!p.success) {
      skip(
        `podman inspect: a container record that does not fit (${p.error.issues[0]?.path.join('.') ?? '?'}: ${p.error.issues[0]?.message ?? '?'})`,
      );
      continue;
    }
    const d = p.data;
    const addresses = addressesOf(d.NetworkSettings);
    const container: RunningContainer = {
      id: d.Id,
      name: d.Name,
      image: d.ImageName ?? d.Image ?? '',
      ...(d.Image !== undefined && d.Image !== '' ? { imageId: d.Image } : {}),
      ...(d.ImageDigest !== undefined && d.ImageDigest !== '' ? { imageDigest: d.ImageDigest } : {}),
      pid: d.State.Pid,
      labels: d.Config?.Labels ?? {},
      ...(addresses.length > 0 ? { addresses } : {}),
      ...(d.GraphDriver?.Name === 'overlay' && d.GraphDriver.Data?.UpperDir?.startsWith('/')
        ? { upperDir: d.GraphDriver.Data.UpperDir }
        : {}),
    };
    out.push({
      container,
      running: d.State.Running ?? d.State.Pid > 0,
      ...(d.State.CgroupPath !== undefined && d.State.CgroupPath !== '' ? { cgroupPath: d.State.CgroupPath } : {}),
    });
  }
  return out;
}

/** The default network's address and each named network's, IPv4 and IPv6, once each, sorted. */
function addressesOf(n: z.infer<typeof InspectSchema>['NetworkSettings']): string[] {
  if (!n) return [];
  const all = [n, ...Object.values(n.Networks ?? {})].flatMap((x) => [x.IPAddress, x.GlobalIPv6Address]);
  return [...new Set(all.filter((a): a is string => a !== undefined && a !== ''))].sort();
}

/** What the agent does on a container event: attach on `start`, detach on `stop`; everything else is ignored. */
export type ContainerEventAction = 'start' | 'stop';

export interface ContainerEvent {
  readonly action: ContainerEventAction;
  readonly id: string;
  readonly name?: string;
  readonly status: string;
  readonly time?: string;
}

/**
 * Statuses that mean the container's processes are gone: `died` (its first process ended), `stop`,
 * `cleanup` and `remove` follow it (measured order: died, cleanup, remove). Each is acted on, since a
 * stream restarted in between may have missed the first; detaching twice is harmless.
 */
const STOPS = new Set(['died', 'stop', 'cleanup', 'remove', 'kill-died']);
/** `start` (also after `restart`, which podman reports as a start of its own), `unpause` leaves it running. */
const STARTS = new Set(['start']);

/** One `podman events --format json` line: a start, a stop, or why it is skipped. */
export function parseEventLine(line: string): ContainerEvent | { skip: string } {
  let data: unknown;
  try {
    data = JSON.parse(line);
  } catch {
    return { skip: 'not JSON' };
  }
  const p = EventSchema.safeParse(data);
  if (!p.success) return { skip: 'not a podman event record' };
  const e = p.data;
  if (e.Type !== undefined && e.Type !== 'container') return { skip: `not a container event (${e.Type})` };
  if (!CONTAINER_ID.test(e.ID)) return { skip: 'a container id that is not 64 hex characters' };
  const action: ContainerEventAction | undefined = STARTS.has(e.Status) ? 'start' : STOPS.has(e.Status) ? 'stop' : undefined;
  if (action === undefined) return { skip: `status ${e.Status} changes nothing watched` };
  return {
    action,
    id: e.ID,
    status: e.Status,
    ...(e.Name !== undefined ? { name: e.Name } : {}),
    ...(e.Time !== undefined ? { time: e.Time } : {}),
  };
}
