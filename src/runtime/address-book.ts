/**
 * The addresses an event stream's containers had, as an `/etc/hosts`-style text (`ADDRESS NAME…`
 * per line, `#` comments): what podman writes into each container's /etc/hosts, what
 * `kubectl get pods -o wide` lists. A name that is a container of the charter (its name or an
 * alias) makes the address that container; the other names are kept for DNS peers.
 */
import type { Charter } from '../model/charter.js';
import { parseIp } from '../util/ip.js';
import type { AddressBook } from './engine/judge.js';

/** Lines and names read, at most: a hosts file of a large cluster, not a stream. */
const MAX_ENTRIES = 1_000_000;

export interface HostsProblem {
  line: number;
  message: string;
}

/** One spelling per address (`::ffff:10.0.0.1` is `10.0.0.1`); memoised like parseIp, since a stream repeats its peers. */
const keys = new Map<string, string | null>();

export function addressKey(address: string): string | undefined {
  const known = keys.get(address);
  if (known !== undefined) return known ?? undefined;
  const ip = parseIp(address);
  const k = ip ? `${ip.family}:${ip.value.toString(16)}` : null;
  if (keys.size >= 10_000) keys.clear();
  keys.set(address, k);
  return k ?? undefined;
}

export function addressBookFromHosts(text: string, charter: Charter): { book: AddressBook; problems: HostsProblem[] } {
  const containerOf = new Map<string, string>();
  for (const c of charter.containers) {
    containerOf.set(c.name.toLowerCase(), c.name);
    for (const a of c.identity.aliases) if (!containerOf.has(a.toLowerCase())) containerOf.set(a.toLowerCase(), c.name);
  }
  const entries = new Map<string, { container?: string; names: string[] }>();
  const problems: HostsProblem[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length && entries.size < MAX_ENTRIES; i++) {
    const words = lines[i]!.replace(/#.*/, '')
      .trim()
      .split(/\s+/)
      .filter((w) => w !== '');
    if (words.length === 0) continue;
    const k = addressKey(words[0]!);
    if (k === undefined || words.length < 2) {
      if (problems.length < 20)
        problems.push({
          line: i + 1,
          message: k === undefined ? `"${words[0]!.slice(0, 64)}" is not an IP address` : 'an address without a name',
        });
      continue;
    }
    const entry = entries.get(k) ?? { names: [] };
    for (const name of words.slice(1, 64)) {
      const n = name.toLowerCase();
      if (!entry.names.includes(n)) entry.names.push(n);
      const c = containerOf.get(n) ?? containerOf.get(n.split('.')[0]!);
      if (c !== undefined && entry.container === undefined) entry.container = c;
    }
    entries.set(k, entry);
  }
  return {
    book: {
      lookup: (address) => {
        const k = addressKey(address);
        return k === undefined ? undefined : entries.get(k);
      },
    },
    problems,
  };
}
