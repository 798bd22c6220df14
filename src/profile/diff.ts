/**
 * Semantic difference of two charters: what a new version may do that the old one could not
 * (widening: a CI gate fails on it) and what it no longer needs (narrowing).
 */
import type { Charter, ContainerCharter, Peer, Source } from '../model/charter.js';
import { containerSyscalls } from './syscalls.js';
import { compareStrings } from '../util/sort.js';

export const CHANGE_KINDS = [
  'container',
  'exec',
  'listen',
  'ingress',
  'egress',
  'capability',
  'syscall',
  'writable',
  'read-only-root',
  'privilege',
  'network',
  'user',
] as const;
export type ChangeKind = (typeof CHANGE_KINDS)[number];

export interface Change {
  container: string;
  kind: ChangeKind;
  op: 'added' | 'removed' | 'changed';
  /** What changed, in words: `/bin/sh`, `db:5432/tcp`, `CAP_NET_ADMIN`. */
  subject: string;
  /** True when the new version may do more than the old one. */
  widens: boolean;
  /** Where the new allowance comes from (for added/changed), else where the old one came from. */
  sources: Source[];
}

export interface CharterDiff {
  changes: Change[];
  widened: boolean;
}

export function peerText(p: Peer): string {
  switch (p.kind) {
    case 'container':
      return p.name;
    case 'dns':
      return p.name === '@resolver' ? 'DNS resolver' : p.name;
    case 'cidr':
      return p.cidr;
    case 'any':
      return 'anywhere';
  }
}

function portText(port: number | undefined, protocol: string): string {
  return port === undefined ? `any ${protocol} port` : `${port}/${protocol}`;
}

interface Keyed {
  key: string;
  subject: string;
  sources: Source[];
}

function compareSets(container: string, kind: ChangeKind, before: Keyed[], after: Keyed[], out: Change[]): void {
  const old = new Map(before.map((k) => [k.key, k]));
  const now = new Map(after.map((k) => [k.key, k]));
  for (const [key, k] of now)
    if (!old.has(key)) out.push({ container, kind, op: 'added', subject: k.subject, widens: true, sources: k.sources });
  for (const [key, k] of old)
    if (!now.has(key)) out.push({ container, kind, op: 'removed', subject: k.subject, widens: false, sources: k.sources });
}

/** Every syscall the container may make, groups expanded: a syscall a group newly brings in is a widening like any other. */
function allSyscalls(charter: Charter, c: ContainerCharter): Keyed[] {
  const s = containerSyscalls(charter, c);
  return [...s['container-runtime'], ...s['language-runtime'], ...s.application].map((s) => ({
    key: s.name,
    subject: s.name,
    sources: s.sources,
  }));
}

function isRoot(user: string | undefined): boolean {
  const u = (user ?? '').split(':')[0] ?? '';
  return u === '' || u === '0' || u === 'root';
}

const PRIVILEGES = ['privileged', 'hostNetwork', 'hostPID', 'hostIPC', 'allowPrivilegeEscalation'] as const;

function diffContainer(charterA: Charter, a: ContainerCharter, charterB: Charter, b: ContainerCharter, out: Change[]): void {
  const n = b.name;
  // Every name a file is executed by is a program of its own: `/bin/sh` newly run from busybox is new.
  type Program = { sha?: string; path: string; applets?: string[]; sources: Source[] };
  const programs = (c: ContainerCharter): Map<string, Program> => {
    const m = new Map<string, Program>();
    for (const p of c.processes) {
      for (const name of [p.path, ...(p.invokedAs ?? [])])
        m.set(name, {
          ...(p.sha256 ? { sha: p.sha256 } : {}),
          path: p.path,
          ...(p.applets ? { applets: p.applets } : {}),
          sources: p.sources,
        });
    }
    return m;
  };
  const before = programs(a);
  const after = programs(b);
  const label = (name: string, p: Program): string =>
    `${name}${name !== p.path ? ` (→ ${p.path})` : ''}${p.sha ? ` (sha256 ${p.sha.slice(0, 12)})` : ''}${
      p.applets ? ` (applets ${p.applets.join(', ') || 'none'})` : ''
    }`;
  diffApplets(n, a, b, out);
  for (const [name, p] of after) {
    const old = before.get(name);
    if (!old) out.push({ container: n, kind: 'exec', op: 'added', subject: label(name, p), widens: true, sources: p.sources });
    else if ((old.sha ?? '') !== (p.sha ?? '') || old.path !== p.path)
      out.push({
        container: n,
        kind: 'exec',
        op: 'changed',
        subject: `${label(name, p)}: binary changed`,
        widens: true,
        sources: p.sources,
      });
  }
  for (const [name, p] of before)
    if (!after.has(name))
      out.push({ container: n, kind: 'exec', op: 'removed', subject: label(name, p), widens: false, sources: p.sources });
  compareSets(
    n,
    'listen',
    a.network.listen.map((p) => ({ key: `${p.port}/${p.protocol}`, subject: `${p.port}/${p.protocol}`, sources: p.sources })),
    b.network.listen.map((p) => ({ key: `${p.port}/${p.protocol}`, subject: `${p.port}/${p.protocol}`, sources: p.sources })),
    out,
  );
  const peers = (rules: ContainerCharter['network']['egress']): Keyed[] =>
    rules.map((r) => ({
      key: JSON.stringify([r.peer, r.port ?? null, r.protocol]),
      subject: `${peerText(r.peer)}:${portText(r.port, r.protocol)}`,
      sources: r.sources,
    }));
  compareSets(n, 'egress', peers(a.network.egress), peers(b.network.egress), out);
  compareSets(n, 'ingress', peers(a.network.ingress), peers(b.network.ingress), out);
  compareSets(
    n,
    'capability',
    a.capabilities.map((c) => ({ key: c.name, subject: c.name, sources: c.sources })),
    b.capabilities.map((c) => ({ key: c.name, subject: c.name, sources: c.sources })),
    out,
  );
  compareSets(n, 'syscall', allSyscalls(charterA, a), allSyscalls(charterB, b), out);
  const writable = (c: ContainerCharter): Keyed[] =>
    c.filesystem.writable
      .filter((w) => !w.readOnly)
      .map((w) => ({ key: w.path, subject: w.hostPath ? `${w.path} (host ${w.hostPath})` : w.path, sources: w.sources }));
  compareSets(n, 'writable', writable(a), writable(b), out);
  if (a.filesystem.readOnlyRoot.value !== b.filesystem.readOnlyRoot.value) {
    const widens = !b.filesystem.readOnlyRoot.value;
    out.push({
      container: n,
      kind: 'read-only-root',
      op: 'changed',
      subject: widens ? 'root filesystem becomes writable' : 'root filesystem becomes read-only',
      widens,
      sources: b.filesystem.readOnlyRoot.sources,
    });
  }
  for (const p of PRIVILEGES) {
    const was = a.privileges[p]?.value ?? false;
    const is = b.privileges[p]?.value ?? false;
    if (was !== is)
      out.push({
        container: n,
        kind: 'privilege',
        op: is ? 'added' : 'removed',
        subject: p,
        widens: is,
        sources: (is ? b.privileges[p]?.sources : a.privileges[p]?.sources) ?? [],
      });
  }
  if (a.network.none && !b.network.none)
    out.push({ container: n, kind: 'network', op: 'added', subject: 'network access (was none)', widens: true, sources: [] });
  if (!a.network.none && b.network.none)
    out.push({ container: n, kind: 'network', op: 'removed', subject: 'network access (now none)', widens: false, sources: [] });
  // An egress list that stops being complete can no longer be enforced: the container may call more.
  const ia = a.network.egressIntent;
  const ib = b.network.egressIntent;
  if (ia && ib && ia.state !== ib.state) {
    out.push({
      container: n,
      kind: 'network',
      op: 'changed',
      subject: `egress intent ${ia.state} → ${ib.state}`,
      widens: ib.state === 'unknown',
      sources: ib.sources,
    });
  }
  const ua = a.user?.name;
  const ub = b.user?.name;
  if ((ua ?? '') !== (ub ?? '')) {
    out.push({
      container: n,
      kind: 'user',
      op: 'changed',
      subject: `user ${ua ?? '(image default: root)'} → ${ub ?? '(image default: root)'}`,
      widens: !isRoot(ua) && isRoot(ub),
      sources: b.user?.sources ?? [],
    });
  }
}

/**
 * A multi-call file (busybox) is as many programs as its `applets`: a new applet of the same file
 * is a new program (`/bin/busybox` now also run as `nc`), and a rule without `applets` allows every
 * applet the file holds.
 */
function diffApplets(n: string, a: ContainerCharter, b: ContainerCharter, out: Change[]): void {
  const byFile = (c: ContainerCharter): Map<string, ContainerCharter['processes'][number]> =>
    new Map(c.processes.map((p) => [`${p.path}\0${p.sha256 ?? ''}`, p]));
  const old = byFile(a);
  for (const [key, p] of byFile(b)) {
    const was = old.get(key);
    if (!was || (was.applets === undefined && p.applets === undefined)) continue;
    if (p.applets === undefined) {
      const subject = `${p.path}: any applet (was ${(was.applets ?? []).join(', ') || 'none'})`;
      out.push({ container: n, kind: 'exec', op: 'changed', subject, widens: true, sources: p.sources });
      continue;
    }
    if (was.applets === undefined) {
      const subject = `${p.path}: only applets ${p.applets.join(', ') || 'none'} (was any)`;
      out.push({ container: n, kind: 'exec', op: 'changed', subject, widens: false, sources: p.sources });
      continue;
    }
    const before = new Set(was.applets);
    const after = new Set(p.applets);
    for (const x of after)
      if (!before.has(x))
        out.push({ container: n, kind: 'exec', op: 'added', subject: `${x} (applet of ${p.path})`, widens: true, sources: p.sources });
    for (const x of before)
      if (!after.has(x))
        out.push({ container: n, kind: 'exec', op: 'removed', subject: `${x} (applet of ${p.path})`, widens: false, sources: was.sources });
  }
}

export function diffCharters(before: Charter, after: Charter): CharterDiff {
  const changes: Change[] = [];
  const old = new Map(before.containers.map((c) => [c.name, c]));
  const now = new Map(after.containers.map((c) => [c.name, c]));
  for (const [name, c] of now) {
    const prev = old.get(name);
    if (prev) diffContainer(before, prev, after, c, changes);
    else changes.push({ container: name, kind: 'container', op: 'added', subject: name, widens: true, sources: c.identity.sources });
  }
  for (const [name, c] of old)
    if (!now.has(name))
      changes.push({ container: name, kind: 'container', op: 'removed', subject: name, widens: false, sources: c.identity.sources });
  changes.sort(
    (x, y) =>
      compareStrings(x.container, y.container) ||
      CHANGE_KINDS.indexOf(x.kind) - CHANGE_KINDS.indexOf(y.kind) ||
      compareStrings(x.op, y.op) ||
      compareStrings(x.subject, y.subject),
  );
  return { changes, widened: changes.some((c) => c.widens) };
}

const VERBS: Record<ChangeKind, string> = {
  container: 'a new container',
  exec: 'exec of',
  listen: 'listening on',
  ingress: 'ingress from',
  egress: 'egress to',
  capability: 'capability',
  syscall: 'syscall',
  writable: 'writes to',
  'read-only-root': '',
  privilege: 'privilege',
  network: '',
  user: '',
};

/** One sentence for a CI log: "api adds exec of /bin/sh and egress to db:5432/tcp". */
export function summarise(diff: CharterDiff): string {
  const widening = diff.changes.filter((c) => c.widens);
  if (widening.length === 0) return diff.changes.length === 0 ? 'no changes' : 'no added privileges';
  const byContainer = new Map<string, string[]>();
  for (const c of widening) {
    const words = c.kind === 'container' ? `${VERBS.container} ${c.subject}` : [VERBS[c.kind], c.subject].filter(Boolean).join(' ');
    byContainer.set(c.container, [...(byContainer.get(c.container) ?? []), words]);
  }
  return [...byContainer.entries()]
    .map(([name, items]) => {
      const syscalls = items.filter((i) => i.startsWith('syscall '));
      const rest = items.filter((i) => !i.startsWith('syscall '));
      if (syscalls.length > 3)
        rest.push(
          `${syscalls.length} syscalls (${syscalls
            .slice(0, 3)
            .map((s) => s.slice(8))
            .join(', ')}, …)`,
        );
      else rest.push(...syscalls);
      return `${name} adds ${rest.join(', ')}`;
    })
    .join('; ');
}
