/**
 * Defensive reading of other engines' records: every accessor answers `undefined` for a value of
 * the wrong type or an absurd size rather than throwing, so a hostile record is skipped, never a crash.
 */
import { isRecord } from '../../util/records.js';

/** Longest string taken from a foreign record (the event schema's own bound). */
const MAX_TEXT = 65_536;

export function rec(v: unknown): Record<string, unknown> | undefined {
  return isRecord(v) ? v : undefined;
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= MAX_TEXT ? v : undefined;
}

/** A non-negative integer, from a number or a decimal string (Tetragon writes some as strings). */
export function uint(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d{1,15}$/.test(v) ? Number(v) : v;
  return typeof n === 'number' && Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

export function port(v: unknown): number | undefined {
  const n = uint(v);
  return n !== undefined && n <= 65535 ? n : undefined;
}

/** The value at a dotted path of nested records. */
export function at(v: unknown, ...keys: string[]): unknown {
  let cur = v;
  for (const k of keys) {
    if (!isRecord(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** An absolute path, or undefined (relative paths, NUL bytes and absurd lengths are not paths). */
export function absPath(v: unknown): string | undefined {
  const s = str(v);
  return s !== undefined && s.startsWith('/') && s.length <= 4096 && !s.includes('\0') ? s : undefined;
}

/** Nanoseconds since the epoch (a number or a decimal string) → RFC 3339 UTC with nanoseconds. */
export function nanosToTime(v: unknown): string | undefined {
  let ns: bigint;
  if (typeof v === 'number' && Number.isFinite(v) && v >= 0) ns = BigInt(Math.trunc(v));
  else if (typeof v === 'string' && /^\d{1,20}$/.test(v)) ns = BigInt(v);
  else return undefined;
  const ms = Number(ns / 1_000_000n);
  if (ms > 253_402_300_799_999) return undefined; // past year 9999
  const iso = new Date(ms).toISOString(); // …sss Z
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

/** An RFC 3339 time as the source wrote it, when it looks like one. */
export function rfc3339(v: unknown): string | undefined {
  const s = str(v);
  return s !== undefined && s.length <= 64 && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}/.test(s) ? s : undefined;
}

/** `containerd://abc…`, `docker://abc…`, `cri-o://abc…` → runtime and id. */
export function containerId(v: unknown): { id: string; runtime?: string } | undefined {
  const s = str(v);
  if (s === undefined || s.length > 256) return undefined;
  const m = /^([a-z0-9-]+):\/\/(.+)$/.exec(s);
  return m ? { runtime: m[1]!, id: m[2]! } : { id: s };
}

/** `repo@sha256:…` → the digest. */
export function digestOf(ref: string | undefined): string | undefined {
  const m = ref === undefined ? null : /@(sha256:[0-9a-f]{64})$/.exec(ref);
  return m ? m[1] : undefined;
}

/** Sets `key` only when the value is defined (the event schema is strict and has no `undefined`s). */
export function put<T extends object, K extends string, V>(obj: T, key: K, value: V | undefined): T {
  if (value !== undefined) (obj as Record<string, unknown>)[key] = value;
  return obj;
}

/** Lower-case protocol names the sources use → the event model's. */
export function protocolOf(v: unknown): 'tcp' | 'udp' | 'sctp' | 'icmp' | 'raw' | 'other' | undefined {
  const s = str(v)
    ?.toLowerCase()
    .replace(/^ipproto_/, '');
  if (s === undefined) return undefined;
  if (s === 'tcp' || s === 'udp' || s === 'sctp' || s === 'icmp' || s === 'raw') return s;
  if (s === 'icmpv6' || s === 'icmp6') return 'icmp';
  return 'other';
}
