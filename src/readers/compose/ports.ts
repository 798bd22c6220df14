/**
 * Compose port notations: `ports` short syntax (`[[ip:]published:]target[/proto]`, ranges,
 * bracketed IPv6 host addresses) and `expose` entries. Only the container side matters to a
 * profile: that is the port the process inside binds.
 */
import type { Protocol } from '../../model/charter.js';

export type PortParse = { ok: true; ports: number[]; protocol: Protocol; published?: string } | { ok: false; error: string };

/** A range wider than this is almost certainly a mistake, and would bloat the profile. */
export const MAX_PORT_RANGE = 1024;

const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

export function parsePortSpec(spec: string | number): PortParse {
  if (typeof spec === 'number') return range(String(spec), 'tcp');
  let s = spec.trim();
  let protocol: Protocol = 'tcp';
  const slash = s.lastIndexOf('/');
  if (slash !== -1) {
    const p = s.slice(slash + 1).toLowerCase();
    if (!PROTOCOLS.includes(p)) return { ok: false, error: `unknown protocol "${p}"` };
    protocol = p as Protocol;
    s = s.slice(0, slash);
  }
  if (s.startsWith('[')) {
    // [::1]:8080:80 — the host address may itself contain colons.
    const close = s.indexOf(']');
    if (close === -1 || s.charAt(close + 1) !== ':') return { ok: false, error: 'malformed IPv6 host address' };
    s = s.slice(close + 2);
  }
  const parts = s.split(':');
  if (parts.length > 3) return { ok: false, error: 'too many ":" separated parts' };
  const target = parts[parts.length - 1] ?? '';
  const published = parts.length >= 2 ? parts[parts.length - 2] : undefined;
  const r = range(target, protocol);
  if (!r.ok || published === undefined || published === '') return r;
  const pub = range(published, protocol);
  if (!pub.ok) return { ok: false, error: `published ${pub.error}` };
  return { ...r, published };
}

/** `expose` entries: a port or range, optionally with a protocol. */
export function parseExpose(spec: string | number): PortParse {
  const r = parsePortSpec(spec);
  if (r.ok && r.published !== undefined) return { ok: false, error: 'expose takes a container port, not a mapping' };
  return r;
}

function range(s: string, protocol: Protocol): PortParse {
  const m = /^(\d{1,5})(?:-(\d{1,5}))?$/.exec(s.trim());
  if (!m) return { ok: false, error: `"${s}" is not a port or port range` };
  const start = Number(m[1]);
  const end = m[2] === undefined ? start : Number(m[2]);
  if (start < 1 || end > 65535 || end < start) return { ok: false, error: `port "${s}" out of range` };
  if (end - start + 1 > MAX_PORT_RANGE) return { ok: false, error: `port range "${s}" wider than ${MAX_PORT_RANGE} ports` };
  const ports: number[] = [];
  for (let p = start; p <= end; p++) ports.push(p);
  return { ok: true, ports, protocol };
}
