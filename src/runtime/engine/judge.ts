/**
 * One event against one compiled container: allowed by a named rule, or a deviation naming the
 * allowance it lacks and the declarations that would allow it. Pure; one function per event kind,
 * each reading only the allow set of its kind.
 */
import { basename } from 'node:path/posix';
import type { PeerRule } from '../../model/charter.js';
import type { EventOf, EventKind, NetworkEvent, RuntimeEvent } from '../../model/events.js';
import type { AllowingRule } from '../../model/verdicts.js';
import { cidrContains, isLoopback, parseIp } from '../../util/ip.js';
import { appletOf } from '../../profile/multi-call.js';
import { ENOSYS_SYSCALLS, SET_ID_CONDITIONAL_SYSCALLS } from '../../emit/seccomp.js';
import type { CompiledContainer } from './compile.js';
import { wouldAllow, type Need } from './hints.js';

/** What the engine knows of the addresses it sees: an address → the application's container there, and names it goes by. */
export interface AddressBook {
  lookup(address: string): { container?: string; names: readonly string[] } | undefined;
}

export const EMPTY_ADDRESS_BOOK: AddressBook = { lookup: () => undefined };

/**
 * `broad`: allowed by a rule that allows everything of its kind (egress to any address, a writable
 * root): such a rule says nothing against an attack, so the patterns are still asked.
 */
export type Judgement =
  | { allowed: AllowingRule; broad?: true }
  | {
      what: string;
      missing: string;
      need?: Need;
      drift?: boolean;
      /** Mode bits the call asked for, established without the call's arguments (a refused set-id chmod): the patterns' `modeBits`. */
      modeBits?: number;
    };

function runtime(rule: string): { allowed: AllowingRule } {
  return { allowed: { kind: 'runtime', rule, sources: [] } };
}

function judgeExec(c: CompiledContainer, e: EventOf<'exec'>): Judgement {
  const p = e.process;
  if (p.path === undefined) {
    const name = p.name ?? (p.argv?.[0] !== undefined ? basename(p.argv[0]) : undefined);
    const rule = name !== undefined ? c.execByName.get(name) : undefined;
    if (rule)
      return {
        allowed: {
          kind: 'process',
          rule: rule.path,
          sources: rule.sources,
          weak: `matched by the name "${name}": the source reported no path`,
        },
      };
    return {
      what: `a program the source named "${name ?? '?'}" without a path`,
      missing: `no process rule for ${name ?? 'it'}`,
      need: { kind: 'process', path: name ?? '?' },
    };
  }
  const rule = c.execByPath.get(p.path);
  if (rule) {
    if (rule.sha256 !== undefined && p.sha256 !== undefined && rule.sha256 !== p.sha256) {
      return {
        what: `${p.path} is not the file of the image`,
        missing: `${p.path} is allowed as sha256 ${rule.sha256.slice(0, 12)}…, this file is ${p.sha256.slice(0, 12)}…`,
        drift: true,
      };
    }
    if (p.origin === 'written' || p.origin === 'memory') {
      return {
        what: `${p.path} was ${p.origin === 'written' ? 'written after the container started' : 'run from memory'}`,
        missing: `only the image's own ${p.path} is allowed`,
        drift: true,
      };
    }
    if (rule.applets !== undefined) {
      // A multi-call file: the program is the applet it runs as, not the file.
      const applet = appletOf(p.argv?.[0] ?? p.path, p.argv?.slice(1), basename(rule.path));
      if (applet === undefined || !rule.applets.includes(applet)) {
        return {
          what: `${rule.path} run as ${applet === undefined ? 'no applet' : `the applet ${applet}`}`,
          missing: `${rule.path} may run only as ${rule.applets.length > 0 ? rule.applets.join(', ') : 'nothing named'}`,
          need: { kind: 'process', path: applet ?? p.path },
        };
      }
      return { allowed: { kind: 'process', rule: `${rule.path} as ${applet}`, sources: rule.sources } };
    }
    return { allowed: { kind: 'process', rule: rule.path, sources: rule.sources } };
  }
  const byName = c.execByName.get(basename(p.path));
  if (byName && !byName.path.startsWith('/')) {
    return {
      allowed: {
        kind: 'process',
        rule: byName.path,
        sources: byName.sources,
        weak: 'the charter names it without a path (no image was read)',
      },
    };
  }
  const copy = p.sha256 !== undefined ? c.execBySha.get(p.sha256) : undefined;
  if (copy)
    return {
      what: `a copy of the allowed ${copy.path} run as ${p.path}`,
      missing: `${copy.path}'s content is allowed only at its own path${copy.invokedAs ? ` and ${copy.invokedAs.join(', ')}` : ''}`,
      need: { kind: 'process', path: p.path },
    };
  return {
    what: `${p.path} is not a program the charter allows`,
    missing: `no process rule for ${p.path}`,
    need: { kind: 'process', path: p.path },
  };
}

function protocolMatches(rule: PeerRule, e: NetworkEvent): boolean {
  return rule.protocol === e.protocol;
}

function peerName(rule: PeerRule): string {
  const p = rule.peer;
  return p.kind === 'container' ? `container ${p.name}` : p.kind === 'dns' ? p.name : p.kind === 'cidr' ? p.cidr : 'any address';
}

function ruleText(rule: PeerRule): string {
  return `${peerName(rule)} ${rule.protocol}/${rule.port ?? '*'}`;
}

/** Names the remote goes by: the address book's and the one the process resolved, with the first label of a cluster name (`db.shop.svc.cluster.local` → `db`). */
function remoteNames(e: NetworkEvent, book: AddressBook): { container?: string; names: Set<string> } {
  const names = new Set<string>();
  const found = e.remote ? book.lookup(e.remote.address) : undefined;
  for (const n of found?.names ?? []) names.add(n.toLowerCase());
  if (e.dnsName !== undefined) {
    const d = e.dnsName.toLowerCase().replace(/\.$/, '');
    names.add(d);
    if (/\.svc(\.cluster\.local)?$/.test(d)) names.add(d.split('.')[0]!);
  }
  return found?.container !== undefined ? { container: found.container, names } : { names };
}

function judgeOutbound(c: CompiledContainer, e: NetworkEvent, book: AddressBook): Judgement {
  if (e.protocol === 'unix') return judgeUnix(c, e);
  const remote = e.remote;
  const ip = remote ? parseIp(remote.address) : undefined;
  if (ip && isLoopback(ip) && !c.hostNetwork) return runtime('loopback: inside the container');
  if (c.noNetwork && !c.hostNetwork) {
    return {
      what: `a network connection from a container that declares none`,
      missing: 'no network use is declared',
      need: {
        kind: 'peer',
        peer: remote?.address ?? '?',
        ...(remote?.port !== undefined ? { port: remote.port } : {}),
        protocol: e.protocol,
      },
    };
  }
  const who = remoteNames(e, book);
  let samePeerOtherPort: PeerRule | undefined;
  for (const { rule, cidr } of c.egress) {
    if (!protocolMatches(rule, e) && rule.peer.kind !== 'any') continue;
    const peer = rule.peer;
    const peerOk =
      peer.kind === 'any' ||
      (peer.kind === 'cidr' && cidr !== undefined && ip !== undefined && cidrContains(cidr, ip)) ||
      (peer.kind === 'container' && (who.container === peer.name || who.names.has(peer.name.toLowerCase()))) ||
      (peer.kind === 'dns' && (peer.name === '@resolver' ? remote?.port === 53 : who.names.has(peer.name.toLowerCase())));
    if (!peerOk) continue;
    if (rule.port === undefined || rule.port === remote?.port) {
      const allowed: AllowingRule = { kind: 'egress', rule: ruleText(rule), sources: rule.sources };
      return peer.kind === 'any' || (peer.kind === 'cidr' && cidr !== undefined && cidr.bits === 0)
        ? { allowed, broad: true }
        : { allowed };
    }
    samePeerOtherPort ??= rule;
  }
  const shown = who.container ?? [...who.names][0] ?? remote?.address ?? '?';
  const need: Need = { kind: 'peer', peer: shown, ...(remote?.port !== undefined ? { port: remote.port } : {}), protocol: e.protocol };
  if (samePeerOtherPort) {
    return {
      what: `${e.kind} to ${shown} on ${e.protocol}/${remote?.port ?? '?'}`,
      missing: `${peerName(samePeerOtherPort)} is declared on ${samePeerOtherPort.protocol}/${samePeerOtherPort.port}, not ${e.protocol}/${remote?.port ?? '?'}`,
      need,
    };
  }
  return {
    what: `${e.kind} to ${shown}${remote?.port !== undefined ? ` on ${e.protocol}/${remote.port}` : ''}`,
    missing: `no egress rule for ${shown}`,
    need,
  };
}

function judgeUnix(c: CompiledContainer, e: NetworkEvent): Judgement {
  const path = e.remote?.address ?? e.local?.address ?? '';
  const w = writableFor(c, path);
  if (w) return w;
  return {
    what: `a Unix socket ${path} outside the container's own paths`,
    missing: `no volume or writable path holds ${path}`,
    need: { kind: 'writable', path },
  };
}

function judgeListen(c: CompiledContainer, e: EventOf<'listen'>): Judgement {
  if (e.protocol === 'unix') return judgeUnix(c, e);
  const port = e.local?.port;
  if (port === undefined || port === 0) return runtime('an ephemeral port: the kernel chose it, nothing is exposed');
  const ip = e.local ? parseIp(e.local.address) : undefined;
  const rule = c.listen.get(`${e.protocol}/${port}`);
  if (rule) return { allowed: { kind: 'listen', rule: `${rule.protocol}/${rule.port}`, sources: rule.sources } };
  if (ip && isLoopback(ip) && !c.hostNetwork) return runtime('loopback only: nothing outside the container can reach it');
  return {
    what: `listening on ${e.protocol}/${port}`,
    missing: `no listening rule for ${e.protocol}/${port}`,
    need: { kind: 'listen', port, protocol: e.protocol },
  };
}

function judgeAccept(c: CompiledContainer, e: EventOf<'accept'>, book: AddressBook): Judgement {
  const port = e.local?.port;
  const rule = port !== undefined ? c.listen.get(`${e.protocol}/${port}`) : undefined;
  const remote = e.remote?.address;
  const ip = remote !== undefined ? parseIp(remote) : undefined;
  if (ip && isLoopback(ip) && !c.hostNetwork) return runtime('loopback: inside the container');
  if (!rule) {
    if (port === undefined) return runtime('an accepted connection on a port the source did not report');
    return {
      what: `accepted a connection on ${e.protocol}/${port}`,
      missing: `no listening rule for ${e.protocol}/${port}`,
      need: { kind: 'listen', port, protocol: e.protocol },
    };
  }
  const from = remote !== undefined ? book.lookup(remote)?.container : undefined;
  const onPort = c.ingress.filter((r) => r.port === undefined || r.port === port);
  if (from === undefined || onPort.length === 0 || onPort.some((r) => r.peer.kind === 'any')) {
    return {
      allowed: {
        kind: 'listen',
        rule: `${rule.protocol}/${rule.port}`,
        sources: rule.sources,
        ...(from === undefined && onPort.length > 0 && !onPort.some((r) => r.peer.kind === 'any')
          ? { weak: 'the client address is not known to the engine' }
          : {}),
      },
    };
  }
  const declared = onPort.find((r) => r.peer.kind === 'container' && r.peer.name === from);
  if (declared) return { allowed: { kind: 'ingress', rule: ruleText(declared), sources: declared.sources } };
  return {
    what: `${from} connected to ${e.protocol}/${port}`,
    missing: `${e.protocol}/${port} is declared for ${onPort.map(peerName).join(', ')}, not ${from}`,
    need: { kind: 'peer', peer: c.name, ...(port !== undefined ? { port } : {}), protocol: e.protocol },
  };
}

/** Files the runtime itself gives every container to write: the standard devices and the process's own /proc entries. */
const RUNTIME_WRITABLE = [
  '/dev/null',
  '/dev/zero',
  '/dev/full',
  '/dev/tty',
  '/dev/stdout',
  '/dev/stderr',
  '/dev/console',
  '/dev/urandom',
  '/dev/random',
];
const RUNTIME_WRITABLE_PREFIXES = ['/dev/pts/', '/dev/shm/', '/proc/self/', '/dev/fd/'];

function writableFor(c: CompiledContainer, path: string): { allowed: AllowingRule; broad?: true } | undefined {
  for (const w of c.writable) {
    if (path === w.path || path.startsWith(w.path.endsWith('/') ? w.path : `${w.path}/`))
      return { allowed: { kind: 'writable', rule: w.path, sources: w.sources } };
  }
  if (RUNTIME_WRITABLE.includes(path) || RUNTIME_WRITABLE_PREFIXES.some((p) => path.startsWith(p)))
    return runtime(`${path}: a file the container runtime provides`);
  if (c.writableRoot)
    return { allowed: { kind: 'writable', rule: '/ (root file system writable)', sources: [...c.writableRoot] }, broad: true };
  return undefined;
}

function judgeWrite(c: CompiledContainer, e: RuntimeEvent, path: string, verb: string): Judgement {
  return (
    writableFor(c, path) ?? {
      what: `${verb} ${path}`,
      missing: `${path} is not under a writable path (the root file system is read-only)`,
      need: { kind: 'writable', path },
    }
  );
}

function judgeOpen(c: CompiledContainer, e: EventOf<'open'>): Judgement {
  // Reads are not what a charter restricts; the patterns (credentials, tokens) judge them.
  if (!e.write) return runtime('reads are not restricted by the charter');
  return judgeWrite(c, e, e.path, e.create === true ? 'created' : 'wrote');
}

const ENOSYS_ANSWERED: ReadonlySet<string> = new Set(ENOSYS_SYSCALLS);
const SET_ID_BITS = 0o6000;

function judgeSyscall(c: CompiledContainer, e: EventOf<'syscall'>): Judgement {
  if (e.denied === true) {
    // The profile answers these ENOSYS on purpose and callers fall back (glibc's clone3 → clone):
    // a refusal is the profile working, not the container deviating.
    if (ENOSYS_ANSWERED.has(e.name)) return runtime(`${e.name} is answered ENOSYS by the seccomp profile; callers fall back`);
    // The seccomp profile allows a chmod the charter allows unless its mode has S_ISUID or S_ISGID
    // (emit/seccomp.ts). The refusal's record carries no arguments, but under that profile a
    // refused chmod of the charter's can only have been asked for set-id bits.
    if (SET_ID_CONDITIONAL_SYSCALLS[e.name] !== undefined && c.syscalls.has(e.name))
      return {
        what: `tried to set a set-id bit (${e.name}, refused by the seccomp profile, which refuses only S_ISUID and S_ISGID)`,
        missing: 'nothing a charter declares allows making a set-id program',
        modeBits: SET_ID_BITS,
      };
  }
  const sources = c.syscalls.get(e.name);
  if (sources) return { allowed: { kind: 'syscall', rule: e.name, sources: [...sources] } };
  return {
    what: `${e.denied === true ? 'tried' : 'made'} the system call ${e.name}`,
    missing: `${e.name} is in none of the container's syscall groups`,
  };
}

function judgePrivilege(c: CompiledContainer, e: EventOf<'privilege'>): Judgement {
  if (e.op === 'capability') {
    const cap = e.capability ?? '?';
    const sources = c.capabilities.get(cap);
    if (sources) return { allowed: { kind: 'capability', rule: cap, sources: [...sources] } };
    return { what: `used ${cap}`, missing: `${cap} is not among the container's capabilities`, need: { kind: 'capability', name: cap } };
  }
  const from = e.from ?? e.process.uid;
  if (e.to !== undefined && e.to === from) return runtime('no change of identity');
  const cap = e.op === 'setuid' ? 'CAP_SETUID' : 'CAP_SETGID';
  const sources = c.capabilities.get(cap);
  if (sources && e.to !== 0) return { allowed: { kind: 'capability', rule: `${cap} (dropping privileges)`, sources: [...sources] } };
  return {
    what: `${e.op} ${from ?? '?'} → ${e.to ?? '?'}`,
    missing: e.to === 0 ? 'nothing declares becoming root' : `${cap} is not among the container's capabilities`,
    need: { kind: 'user', ...(e.to !== undefined ? { uid: e.to } : {}) },
  };
}

type Judge<K extends EventKind> = (c: CompiledContainer, e: EventOf<K>, book: AddressBook) => Judgement;

/** The judges, one per event kind: an event meets only the rules of its kind. */
const JUDGES: { readonly [K in EventKind]: Judge<K> } = {
  exec: judgeExec,
  exit: () => runtime('a process ending is not judged'),
  connect: judgeOutbound,
  send: judgeOutbound,
  accept: judgeAccept,
  listen: judgeListen,
  open: judgeOpen,
  chmod: (c, e) =>
    // A charter declares writable paths, never set-id programs: those bits are a deviation anywhere.
    (e.mode & 0o6000) !== 0
      ? {
          what: `set the ${e.mode & 0o4000 ? 'setuid' : 'setgid'} bit on ${e.path}`,
          missing: 'nothing a charter declares allows making a set-id program',
        }
      : judgeWrite(c, e, e.path, 'changed the mode of'),
  rename: (c, e) => {
    const from = judgeWrite(c, e, e.path, 'moved');
    return 'allowed' in from ? judgeWrite(c, e, e.to, 'moved a file to') : from;
  },
  unlink: (c, e) => judgeWrite(c, e, e.path, 'removed'),
  syscall: judgeSyscall,
  privilege: judgePrivilege,
};

export function judge(c: CompiledContainer, e: RuntimeEvent, book: AddressBook): Judgement {
  return (JUDGES[e.kind] as Judge<typeof e.kind>)(c, e as never, book);
}

export function hintsFor(c: CompiledContainer, j: Judgement): string[] {
  return 'need' in j && j.need !== undefined ? wouldAllow(c.charter, j.need) : [];
}
