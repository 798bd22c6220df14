/**
 * IPv4 and IPv6 addresses as numbers, and CIDR containment: what the runtime engine needs to match
 * an event's remote address against a charter's `cidr` peers and to tell internal addresses from
 * the internet. Pure (node:net's BlockList would do it, but the core does not import the network).
 */

export interface IpAddress {
  readonly family: 4 | 6;
  readonly value: bigint;
}

function parseV4(s: string): bigint | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let v = 0n;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    v = (v << 8n) | BigInt(Number(p));
  }
  return v;
}

function parseV6(s: string): bigint | undefined {
  let text = s;
  // An embedded IPv4 tail (::ffff:10.0.0.1) is two groups.
  const v4 = /(\d{1,3}(?:\.\d{1,3}){3})$/.exec(text);
  let tail: string[] = [];
  if (v4) {
    const n = parseV4(v4[1]!);
    if (n === undefined) return undefined;
    tail = [(n >> 16n).toString(16), (n & 0xffffn).toString(16)];
    text = text.slice(0, -v4[1]!.length) + 'x';
  }
  const halves = text.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string): string[] => (h === '' ? [] : h.split(':'));
  let head = groups(halves[0]!);
  let rest = halves.length === 2 ? groups(halves[1]!) : [];
  const swapTail = (g: string[]): string[] => (g.length > 0 && g[g.length - 1] === 'x' ? [...g.slice(0, -1), ...tail] : g);
  if (halves.length === 2) rest = swapTail(rest);
  else head = swapTail(head);
  const missing = 8 - head.length - rest.length;
  if (halves.length === 2 ? missing < 1 : missing !== 0) return undefined;
  const all = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill('0'), ...rest];
  let v = 0n;
  for (const g of all) {
    if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return undefined;
    v = (v << 16n) | BigInt(parseInt(g, 16));
  }
  return v;
}

/**
 * Parsed addresses, memoised: an event stream names the same few peers millions of times, and
 * parsing to a bigint is most of what judging a connection costs. Bounded; cleared when full.
 */
const memo = new Map<string, IpAddress | null>();
const MEMO_SIZE = 10_000;

/** An address as text (`10.0.0.1`, `::1`, `[fe80::1]`, `fe80::1%eth0`), or undefined. */
export function parseIp(text: string): IpAddress | undefined {
  const known = memo.get(text);
  if (known !== undefined) return known ?? undefined;
  const ip = parseIpText(text);
  if (memo.size >= MEMO_SIZE) memo.clear();
  memo.set(text, ip ?? null);
  return ip;
}

function parseIpText(text: string): IpAddress | undefined {
  if (text.length > 64) return undefined;
  const s = text.replace(/^\[(.*)\]$/, '$1').replace(/%[\w.-]+$/, '');
  if (s.includes(':')) {
    const v = parseV6(s);
    if (v === undefined) return undefined;
    // IPv4-mapped IPv6 (::ffff:a.b.c.d) is the IPv4 address: sockets report either.
    if (v >> 32n === 0xffffn) return { family: 4, value: v & 0xffffffffn };
    return { family: 6, value: v };
  }
  const v = parseV4(s);
  return v === undefined ? undefined : { family: 4, value: v };
}

export interface Cidr {
  readonly family: 4 | 6;
  readonly base: bigint;
  readonly bits: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const [addr, len, extra] = text.split('/');
  if (addr === undefined || extra !== undefined) return undefined;
  const ip = parseIp(addr);
  if (!ip) return undefined;
  const width = ip.family === 4 ? 32 : 128;
  const bits = len === undefined ? width : /^\d{1,3}$/.test(len) ? Number(len) : NaN;
  if (!(bits >= 0 && bits <= width)) return undefined;
  const shift = BigInt(width - bits);
  return { family: ip.family, base: (ip.value >> shift) << shift, bits };
}

export function cidrContains(c: Cidr, ip: IpAddress): boolean {
  if (c.family !== ip.family) return false;
  const shift = BigInt((c.family === 4 ? 32 : 128) - c.bits);
  return ip.value >> shift === c.base >> shift;
}

/** Private, loopback, link-local and unique-local ranges (RFC 1918, 6598, 3927, 4193, 4291): not the internet. */
const INTERNAL = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '100.64.0.0/10',
  '169.254.0.0/16',
  '127.0.0.0/8',
  'fc00::/7',
  'fe80::/10',
  '::1/128',
].map((c) => parseCidr(c)!);

export function isInternal(ip: IpAddress): boolean {
  return INTERNAL.some((c) => cidrContains(c, ip));
}

export function isLoopback(ip: IpAddress): boolean {
  return ip.family === 4 ? ip.value >> 24n === 127n : ip.value === 1n;
}
