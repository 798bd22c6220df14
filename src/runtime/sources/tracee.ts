/**
 * Tracee JSON events. Three shapes are read:
 * - `trace.Event` before 0.12: flat `containerId`, `containerImage`, `containerName`, `podName`, `podNamespace`;
 * - `trace.Event` from 0.12: the same with `container: {id, name, image, imageDigest}` and
 *   `kubernetes: {podName, podNamespace}` objects;
 * - the current `v1beta1.Event` (`tracee --output json` since 0.20): `name`, `workload.process`,
 *   `workload.container`, `workload.k8s`, `data: [{name, value: {<type>: …}}]`.
 * Field names: Tracee's trace.Event (types/trace/trace.go) and api/v1beta1/event.proto.
 *
 * Signatures (`metadata.Properties.signatureID`) are Tracee's own detections: replay judges the
 * events underneath them, so a finding is skipped with its id. Packet events are skipped: a
 * connection is judged once, at its connect.
 */
import { NOTABLE_SYSCALLS, type ContainerRef, type EventOrigin, type ProcessRef, type RuntimeEvent } from '../../model/events.js';
import { absPath, at, containerId, nanosToTime, port, put, rec, rfc3339, str, uint } from './fields.js';
import { skip, type Conversion, type EventSource } from './types.js';

const EXEC = new Set(['execve', 'execveat', 'sched_process_exec', 'security_bprm_check']);
const OPEN = new Set(['security_file_open', 'open', 'openat', 'openat2', 'creat', 'magic_write']);
const CONNECT = new Set(['security_socket_connect', 'connect']);

type Args = Map<string, unknown>;

/** `args: [{name, value}]` (trace.Event) or `data: [{name, value: {str: …}}]` (v1beta1) → name → value. */
function argsOf(r: Record<string, unknown>): Args {
  const m: Args = new Map();
  const list = Array.isArray(r.args) ? r.args : Array.isArray(r.data) ? r.data : [];
  for (const a of list.slice(0, 64)) {
    const name = str(rec(a)?.name);
    if (name === undefined) continue;
    let v = rec(a)?.value;
    // v1beta1 wraps each value in a one-key object naming its type.
    const w = rec(v);
    if (w && Object.keys(w).length === 1 && Array.isArray(r.data)) v = Object.values(w)[0];
    m.set(name, v);
  }
  return m;
}

function containerOf(r: Record<string, unknown>): ContainerRef | undefined {
  const wl = rec(r.workload);
  const co = rec(wl?.container) ?? rec(r.container);
  const id = containerId(co?.id) ?? containerId(r.containerId);
  if (id === undefined) return undefined;
  const c: ContainerRef = { id: id.id };
  put(c, 'runtime', id.runtime);
  put(c, 'name', str(co?.name) ?? str(r.containerName));
  put(c, 'image', str(at(co, 'image', 'name')) ?? str(co?.image) ?? str(r.containerImage));
  const digest = str(co?.imageDigest) ?? str(at(co, 'image', 'repoDigests', '0'));
  put(c, 'imageDigest', digest !== undefined && /^sha256:[0-9a-f]{64}$/.test(digest) ? digest : undefined);
  const k8s = rec(wl?.k8s) ?? rec(r.kubernetes);
  put(c, 'pod', str(at(k8s, 'pod', 'name')) ?? str(k8s?.podName) ?? str(r.podName));
  put(c, 'namespace', str(at(k8s, 'namespace', 'name')) ?? str(k8s?.podNamespace) ?? str(r.podNamespace));
  return c;
}

function processOf(r: Record<string, unknown>, args: Args): ProcessRef {
  const p: ProcessRef = {};
  const wp = rec(at(r, 'workload', 'process'));
  put(p, 'pid', uint(r.processId) ?? uint(at(wp, 'pid')));
  const tid = uint(r.threadId) ?? uint(at(wp, 'thread', 'tid'));
  if (tid !== p.pid) put(p, 'tid', tid);
  put(p, 'name', str(r.processName) ?? str(at(wp, 'thread', 'name')));
  put(p, 'path', absPath(at(wp, 'executable', 'path')));
  put(p, 'uid', uint(r.userId) ?? uint(at(wp, 'realUser', 'id')));
  const name = str(r.eventName) ?? str(r.name) ?? '';
  if (EXEC.has(name)) {
    const path = absPath(args.get('pathname')) ?? absPath(args.get('cmdpath'));
    put(p, 'path', path);
    const argv = args.get('argv');
    if (Array.isArray(argv)) p.argv = argv.filter((a): a is string => typeof a === 'string').slice(0, 4096);
  }
  return p;
}

/** Open flags as Tracee prints them (`O_WRONLY|O_CREAT`) or as a number (O_WRONLY 1, O_RDWR 2, O_TRUNC 0o1000). */
function writes(flags: unknown): { write: boolean; create: boolean } {
  if (typeof flags === 'number') return { write: (flags & 3) !== 0 || (flags & 0o1000) !== 0, create: (flags & 0o100) !== 0 };
  const s = typeof flags === 'string' ? flags : '';
  return { write: /O_(WRONLY|RDWR|TRUNC)/.test(s), create: /O_CREAT/.test(s) };
}

/** `remote_addr: {sa_family, sin_addr, sin_port}` (or sin6_…), as Tracee prints a sockaddr. */
function sockaddr(v: unknown): { address: string; port?: number } | undefined {
  const a = rec(v);
  const address = str(a?.sin_addr) ?? str(a?.sin6_addr) ?? str(a?.sun_path);
  if (address === undefined) return undefined;
  return put({ address }, 'port', port(a?.sin_port ?? a?.sin6_port));
}

function convert(record: unknown, line: number): Conversion {
  const r = rec(record);
  if (r === undefined) return skip('not a JSON object');
  const name = str(r.eventName) ?? str(r.name);
  if (name === undefined) return skip('not a Tracee event (no eventName or name)');
  const sig = str(at(r, 'metadata', 'Properties', 'signatureID'));
  if (sig !== undefined) return skip(`Tracee signature ${sig.slice(0, 60)}: a detection, not an event (its events are judged)`);
  const container = containerOf(r);
  if (container === undefined) return skip('not in a container (no container id)');
  const time = nanosToTime(r.timestamp) ?? rfc3339(r.timestamp);
  if (time === undefined) return skip('no timestamp');
  const args = argsOf(r);
  const origin: EventOrigin = { engine: 'tracee', what: name.slice(0, 200), line };
  const base: Omit<RuntimeEvent, 'kind'> = { time, container, process: processOf(r, args), origin };
  const ppid = uint(r.parentProcessId);
  if (ppid !== undefined) base.ancestors = [{ pid: ppid }];

  const out = ((): RuntimeEvent | string => {
    if (EXEC.has(name)) return base.process.path === undefined ? `${name} without a path` : { kind: 'exec', ...base };
    if (name === 'sched_process_exit') return put({ kind: 'exit' as const, ...base }, 'code', uint(args.get('exit_code')));
    if (OPEN.has(name)) {
      const path = absPath(args.get('pathname')) ?? absPath(args.get('syscall_pathname'));
      if (path === undefined) return `${name} without an absolute path`;
      const w = name === 'magic_write' ? { write: true, create: true } : writes(args.get('flags'));
      return { kind: 'open', ...base, path, write: w.write, create: w.create };
    }
    if (CONNECT.has(name)) {
      const remote = sockaddr(args.get('remote_addr') ?? args.get('addr'));
      return remote === undefined ? `${name} without an address` : { kind: 'connect', ...base, protocol: 'tcp', remote };
    }
    if (name === 'security_socket_listen' || name === 'listen') {
      const local = sockaddr(args.get('local_addr'));
      return { kind: 'listen', ...base, protocol: 'tcp', ...(local ? { local } : {}) };
    }
    if (name === 'security_socket_accept' || name === 'accept' || name === 'accept4') {
      const local = sockaddr(args.get('local_addr'));
      return { kind: 'accept', ...base, protocol: 'tcp', ...(local ? { local } : {}) };
    }
    if (name === 'chmod' || name === 'fchmodat' || name === 'security_inode_setattr') {
      const path = absPath(args.get('pathname'));
      const mode = uint(args.get('mode'));
      return path === undefined || mode === undefined
        ? `${name} without a path and mode`
        : { kind: 'chmod', ...base, path, mode: mode & 0o7777 };
    }
    if (name === 'security_inode_rename' || name === 'rename' || name === 'renameat' || name === 'renameat2') {
      const from = absPath(args.get('old_path') ?? args.get('oldpath'));
      const to = absPath(args.get('new_path') ?? args.get('newpath'));
      return from === undefined || to === undefined ? `${name} without both paths` : { kind: 'rename', ...base, path: from, to };
    }
    if (name === 'security_inode_unlink' || name === 'unlink' || name === 'unlinkat') {
      const path = absPath(args.get('pathname'));
      return path === undefined ? `${name} without a path` : { kind: 'unlink', ...base, path };
    }
    if (name === 'setuid' || name === 'setgid' || name === 'commit_creds') {
      const to = uint(args.get('uid') ?? args.get('gid') ?? at(args.get('new_cred'), 'EUID'));
      return put({ kind: 'privilege' as const, ...base, op: name === 'setgid' ? ('setgid' as const) : ('setuid' as const) }, 'to', to);
    }
    if (name === 'cap_capable') {
      const cap = str(args.get('cap'));
      return cap !== undefined && /^CAP_[A-Z_]+$/.test(cap)
        ? { kind: 'privilege', ...base, op: 'capability', capability: cap }
        : 'cap_capable without a capability name';
    }
    // security_sb_mount is the LSM hook every mount passes through.
    if (name === 'security_sb_mount') return { kind: 'syscall', ...base, name: 'mount' };
    if (NOTABLE_SYSCALLS.has(name)) return { kind: 'syscall', ...base, name };
    if (name.startsWith('net_packet_')) return `${name}: a packet, not a connection (connections are judged at connect)`;
    return `${name.slice(0, 60)} is not judged (ordinary syscalls are the seccomp filter's job)`;
  })();
  return typeof out === 'string' ? skip(out) : { events: [out] };
}

export const traceeSource: EventSource = {
  id: 'tracee',
  describes: 'Tracee JSON events (trace.Event before and after 0.12, and v1beta1)',
  recognises: (record) => {
    const r = rec(record);
    return (
      r !== undefined &&
      ((typeof r.eventName === 'string' && 'processId' in r) || (typeof r.name === 'string' && rec(r.workload) !== undefined))
    );
  },
  convert,
};
