/**
 * Charter's kernel sensor (sensor/, docs/sensor.md): the loader's stdout, one JSON object a line.
 * Events carry `kind` (`exec`, `exit`, `connect`, `send`, `socket`, `listen`, `accept`, `open`),
 * the watched cgroup's id and the container id the agent attached that cgroup with; the loader's
 * own lines (`ready`, a command's `reply`, `drops`, `guardErrors`, `guardLost`) are skipped with
 * what they say. Pids are the host's: connects are seen in a cgroup hook where the container's pid
 * namespace is not at hand, and one numbering for every event keeps them joinable. An accept names
 * no process: it completes in the kernel, not in the accepting process. The guard (fanotify) adds
 * refused execs (`exec` with `denied`: the caller's process, the refused file's path) and opens of
 * guarded files (`open`). The seccomp filter's refusals, read from the kernel's audit records
 * (`seccomp`: the call's number, its ABI and the filter's action), become `syscall` events named
 * by the kernel's table for that ABI, `denied` unless the action was only to log. An exec the kernel
 * killed before its first instruction carries `killed` and why (`drift`, or `applet` with the
 * applet's name): in origin.what, `exec applet killed`.
 */
import type { ContainerRef, Endpoint, FileOrigin, NetProtocol, ProcessRef, RuntimeEvent } from '../../model/events.js';
import { FILE_ORIGINS } from '../../model/events.js';
import { auditArchName, syscallName } from '../../knowledge/syscall-numbers.js';
import { absPath, port, put, rec, rfc3339, str, uint } from './fields.js';
import { skip, type Conversion, type EventSource } from './types.js';

const KINDS = new Set(['exec', 'exit', 'connect', 'send', 'socket', 'listen', 'accept', 'open', 'seccomp']);

/** The seccomp actions an audit record names (SECCOMP_RET_*); only `log` lets the call through. */
const SECCOMP_ACTIONS = new Set(['kill_process', 'kill_thread', 'trap', 'errno', 'user_notif', 'trace', 'log', 'other']);
/** Why the kernel killed an exec (the loader's `why`). */
const KILL_REASONS = new Set(['drift', 'applet']);

/** Signal numbers of Linux x86-64 and arm64 (signal(7)): an exit by signal is named, not numbered. */
const SIGNALS = [
  '',
  'SIGHUP',
  'SIGINT',
  'SIGQUIT',
  'SIGILL',
  'SIGTRAP',
  'SIGABRT',
  'SIGBUS',
  'SIGFPE',
  'SIGKILL',
  'SIGUSR1',
  'SIGSEGV',
  'SIGUSR2',
  'SIGPIPE',
  'SIGALRM',
  'SIGTERM',
  'SIGSTKFLT',
  'SIGCHLD',
  'SIGCONT',
  'SIGSTOP',
  'SIGTSTP',
  'SIGTTIN',
  'SIGTTOU',
  'SIGURG',
  'SIGXCPU',
  'SIGXFSZ',
  'SIGVTALRM',
  'SIGPROF',
  'SIGWINCH',
  'SIGIO',
  'SIGPWR',
  'SIGSYS',
];

/**
 * The executable's path: the one the kernel side walked up from the file's dentry (symlinks
 * resolved, as the container's root sees it), else what exec was asked for unless that is a
 * handle on a file (busybox re-executes itself through /proc/self/exe, fexecve goes through
 * /dev/fd/N), which names nothing in the charter.
 */
function pathOf(r: Record<string, unknown>): string | undefined {
  const resolved = absPath(r.path);
  if (resolved !== undefined) return resolved;
  const asked = absPath(r.filename);
  return asked !== undefined && !/^\/(?:proc|dev\/fd)\//.test(asked) ? asked : undefined;
}

function argvOf(v: unknown): string[] | undefined {
  if (!Array.isArray(v) || v.length === 0 || v.length > 4096) return undefined;
  const out = v.map((a) => (typeof a === 'string' && a.length <= 65_536 ? a : undefined));
  return out.every((a) => a !== undefined) ? out : undefined;
}

function processOf(r: Record<string, unknown>, kind: string): ProcessRef {
  const p: ProcessRef = {};
  put(p, 'pid', uint(r.pid));
  put(p, 'name', str(r.comm));
  put(p, 'uid', uint(r.uid));
  put(p, 'gid', uint(r.gid));
  // The audit record's exe: the caller's executable as its own root names it.
  if (kind === 'seccomp') put(p, 'path', absPath(r.exe));
  if (kind === 'exec') {
    put(p, 'path', pathOf(r));
    put(p, 'argv', argvOf(r.argv));
    put(p, 'inode', uint(r.ino));
    put(p, 'dev', uint(r.dev));
    const origin = str(r.origin);
    put(
      p,
      'origin',
      FILE_ORIGINS.find((o): o is FileOrigin => o === origin),
    );
  }
  return p;
}

function controlLine(r: Record<string, unknown>): string | undefined {
  if (typeof r.ready === 'boolean')
    return r.ready ? 'the sensor is ready' : `the sensor failed to load: ${str(r.error)?.slice(0, 200) ?? '?'}`;
  if (typeof r.reply === 'string') return `the sensor's reply to a command (${r.reply.slice(0, 40)})`;
  if (uint(r.drops) !== undefined) return `the sensor lost events: ${String(r.drops)} since it started (ring buffer full)`;
  if (uint(r.guardErrors) !== undefined)
    return `the sensor's guard let ${String(r.guardErrors)} opens or execs through unjudged since it started (${str(r.container)?.slice(0, 64) ?? '?'})`;
  if (uint(r.guardLost) !== undefined)
    return `the sensor's guard lost ${String(r.guardLost)} reports since it started (the agent read too slowly)`;
  if (typeof r.seccompAudit === 'boolean')
    return r.seccompAudit
      ? 'the sensor reads seccomp refusals from the audit multicast group'
      : `the sensor cannot read seccomp refusals: ${str(r.error)?.slice(0, 200) ?? '?'}`;
  if (uint(r.auditLost) !== undefined)
    return `the sensor lost ${String(r.auditLost)} seccomp refusals since it started (its audit socket overflowed)`;
  if (uint(r.auditGone) !== undefined)
    return `the sensor could not attribute ${String(r.auditGone)} seccomp refusals since it started (the process was gone)`;
  return undefined;
}

/** An IP address as the loader writes it (inet_ntop: at most 45 characters), with its port. */
function endpoint(address: unknown, p: unknown): Endpoint | undefined {
  const a = str(address);
  return a === undefined || a.length > 45 ? undefined : put({ address: a }, 'port', port(p));
}

function transport(v: unknown): NetProtocol {
  return v === 'tcp' || v === 'udp' ? v : 'other';
}

/**
 * A raw or ping socket in the model's terms: `raw` for a raw IP socket whatever protocol it
 * carries (it can forge any packet), `icmp` for an ICMP "ping" datagram socket.
 */
function socketProtocol(r: Record<string, unknown>): NetProtocol {
  if (r.type === 'raw') return 'raw';
  return r.type === 'dgram' && (r.protocol === 'icmp' || r.protocol === 'icmpv6') ? 'icmp' : 'other';
}

/**
 * A seccomp refusal's call: the kernel's name for the number on the record's ABI (an audit arch
 * in hex), or the number and the ABI when the table does not know them.
 */
function seccompCall(r: Record<string, unknown>): { name: string; what: string } | undefined {
  const nr = uint(r.syscall);
  const archText = str(r.arch);
  if (nr === undefined || archText === undefined || !/^[0-9a-f]{1,8}$/.test(archText)) return undefined;
  const arch = parseInt(archText, 16);
  const action = str(r.action);
  const how = action !== undefined && SECCOMP_ACTIONS.has(action) ? action : 'other';
  const name = syscallName(arch, nr) ?? `${nr} on ${auditArchName(arch) ?? `audit arch ${archText}`}`;
  return { name, what: `seccomp ${how}` };
}

/**
 * What the sensor saw and did, in words: the kind, then what the guard knew of a file, then what
 * the kernel did (`denied`, `killed` last: the ladder reads them, response.ts factsOf). An open of a
 * program written since it was allowed is `open written denied`; a write the guard saw only as it
 * happened (an allowed program's opens stay in the kernel) `open modified`; a file of the image's
 * file system written, seen as it was closed (guard-writes), `open closed`; an exec killed in the
 * kernel says why: `exec drift killed` (written after start, or run from memory), `exec applet
 * killed` (a multi-call file as an applet not allowed).
 */
function whatOf(kind: string, r: Record<string, unknown>, protocol: NetProtocol | undefined): string {
  const words = [protocol === undefined ? kind : `socket ${protocol}`];
  if (kind === 'open' && r.origin === 'written') words.push('written');
  if (r.modified === true) words.push('modified');
  if (r.closed === true) words.push('closed');
  if (r.denied === true) words.push('denied');
  if (r.killed === true) {
    if (kind === 'exec' && KILL_REASONS.has(String(r.why))) words.push(String(r.why));
    words.push('killed');
  }
  return words.join(' ');
}

function convert(record: unknown, line: number): Conversion {
  const r = rec(record);
  if (!r) return skip('not a JSON object');
  const control = controlLine(r);
  if (control !== undefined) return skip(control);
  const kind = str(r.kind);
  if (kind === undefined || !KINDS.has(kind))
    return skip('not a sensor event (no kind exec, exit, connect, send, socket, listen, accept, open or seccomp)');
  const id = str(r.container);
  if (id === undefined || id.length > 256) return skip('event from a cgroup the sensor was not told a container of');
  const time = rfc3339(r.time);
  if (time === undefined) return skip('sensor event without a time');
  const container: ContainerRef = { id };
  // A socket is a send without a destination: what matters is that the container may now write
  // packets below TCP and UDP. What the sensor did about it (refused, killed) stays in origin.what.
  const protocol = kind === 'socket' ? socketProtocol(r) : undefined;
  const call = kind === 'seccomp' ? seccompCall(r) : undefined;
  if (kind === 'seccomp' && call === undefined) return skip('seccomp refusal without a syscall number and an audit arch');
  const what = call?.what ?? whatOf(kind, r, protocol);
  const base = {
    time,
    container,
    process: processOf(r, kind),
    origin: { engine: 'sensor' as const, what, line },
  };
  const ppid = uint(r.ppid);
  if (ppid !== undefined && ppid > 0) Object.assign(base, { ancestors: [{ pid: ppid }] });
  let event: RuntimeEvent;
  switch (kind) {
    case 'exec':
      // An exec the sensor cannot name is still an exec: the engine judges it by what it has.
      event = { kind: 'exec', ...base };
      break;
    case 'exit': {
      event = { kind: 'exit', ...base };
      const signal = uint(r.signal);
      if (signal !== undefined && signal > 0) put(event, 'signal', SIGNALS[signal] ?? `SIG${signal}`);
      else put(event, 'code', uint(r.code));
      break;
    }
    case 'open': {
      const file = absPath(r.path);
      if (file === undefined) return skip('open without an absolute path');
      if (typeof r.write !== 'boolean') return skip('open without its write intent');
      event = put({ kind: 'open', ...base, path: file, write: r.write }, 'create', typeof r.create === 'boolean' ? r.create : undefined);
      break;
    }
    case 'socket':
      event = { kind: 'send', ...base, protocol: protocol ?? 'other' };
      break;
    case 'seccomp':
      // Every action but `log` kept the call from running (EPERM, a signal, a kill).
      event = { kind: 'syscall', ...base, name: call!.name, denied: r.action !== 'log' };
      break;
    case 'listen': {
      const local = endpoint(r.address, r.port);
      if (local === undefined) return skip('listen without a local address');
      event = { kind: 'listen', ...base, protocol: transport(r.protocol), local };
      break;
    }
    case 'accept': {
      const remote = endpoint(r.address, r.port);
      if (remote === undefined) return skip('accept without a peer address');
      event = put({ kind: 'accept', ...base, protocol: transport(r.protocol), remote }, 'local', endpoint(r.localAddress, r.localPort));
      break;
    }
    default: {
      // connect, send: a destination judged against the allow map.
      const remote = endpoint(r.address, r.port);
      if (remote === undefined) return skip(`${kind} without a destination address`);
      event = { kind: kind === 'send' ? 'send' : 'connect', ...base, protocol: transport(r.protocol), remote };
    }
  }
  return { events: [event] };
}

export const sensorSource: EventSource = {
  id: 'sensor',
  describes: "Charter's kernel sensor (the loader's JSON lines: exec, exit, connect, send, socket, listen, accept, open, seccomp)",
  recognises(record) {
    const r = rec(record);
    if (!r) return false;
    if (typeof r.kind === 'string' && KINDS.has(r.kind)) return uint(r.cgroupId) !== undefined && typeof r.container === 'string';
    return controlLine(r) !== undefined && Object.keys(r).length <= 3;
  },
  convert,
};
