/**
 * Tetragon's JSON export (`tetragon --export-filename`, `tetra getevents -o json`): one record per
 * line, keyed by its type (`process_exec`, `process_exit`, `process_kprobe`, and the older
 * `process_connect`/`process_listen`/`process_close`). Field names: Tetragon's API reference,
 * https://tetragon.io/docs/reference/grpc-api/ (Process, Pod, KprobeArgument).
 *
 * `process.pid` is the host's; `pod.container.pid` the one inside the container, preferred. A
 * kprobe is judged by what its function means: connects, listens, file permission checks, module
 * loads, credential changes and capability checks map to events; others are skipped by name.
 */
import { NOTABLE_SYSCALLS, type ContainerRef, type EventOrigin, type ProcessRef, type RuntimeEvent } from '../../model/events.js';
import { splitJoinedArgv } from './argv.js';
import { absPath, at, containerId, digestOf, port, protocolOf, put, rec, rfc3339, str, uint } from './fields.js';
import { skip, type Conversion, type EventSource } from './types.js';

const TYPES = [
  'process_exec',
  'process_exit',
  'process_kprobe',
  'process_tracepoint',
  'process_uprobe',
  'process_lsm',
  'process_connect',
  'process_listen',
  'process_close',
  'process_accept',
] as const;

/** Linux `MAY_WRITE` and `MAY_APPEND` (include/linux/fs.h): the mask security_file_permission checks. */
const MAY_WRITE = 0x2;
const MAY_APPEND = 0x8;

function containerOf(p: Record<string, unknown>): ContainerRef | undefined {
  const pod = rec(p.pod);
  const id = containerId(at(pod, 'container', 'id')) ?? containerId(p.docker);
  if (id === undefined) return undefined;
  const c: ContainerRef = { id: id.id };
  put(c, 'runtime', id.runtime);
  put(c, 'name', str(at(pod, 'container', 'name')));
  put(c, 'image', str(at(pod, 'container', 'image', 'name')));
  put(c, 'imageDigest', digestOf(str(at(pod, 'container', 'image', 'id'))));
  put(c, 'pod', str(pod?.name));
  put(c, 'namespace', str(pod?.namespace));
  const labels = rec(pod?.pod_labels);
  if (labels) {
    const l: Record<string, string> = {};
    for (const [k, v] of Object.entries(labels)) if (typeof v === 'string' && k.length <= 317 && v.length <= 252) l[k] = v;
    if (Object.keys(l).length > 0) c.labels = l;
  }
  return c;
}

function argvOf(p: Record<string, unknown>): string[] | undefined {
  const binary = str(p.binary);
  const args = str(p.arguments);
  if (binary === undefined) return undefined;
  return [binary, ...(args === undefined ? [] : splitJoinedArgv(args))];
}

function processOf(p: Record<string, unknown>): ProcessRef {
  const out: ProcessRef = {};
  put(out, 'pid', uint(at(p, 'pod', 'container', 'pid')) ?? uint(p.pid));
  put(out, 'tid', uint(p.tid) !== uint(p.pid) ? uint(p.tid) : undefined);
  put(out, 'path', absPath(p.binary));
  put(out, 'argv', argvOf(p));
  put(out, 'cwd', absPath(p.cwd));
  put(out, 'uid', uint(p.uid));
  return out;
}

/** A kprobe's function, without the architecture's syscall prefix: `__x64_sys_setns` → `setns`. */
function syscallName(fn: string): string | undefined {
  const m = /^(?:__x64_sys_|__arm64_sys_|__ia32_sys_|__se_sys_|ksys_|sys_)([a-z0-9_]+)$/.exec(fn);
  return m ? m[1] : undefined;
}

function kprobe(ev: Record<string, unknown>, base: Omit<RuntimeEvent, 'kind'>): RuntimeEvent | string {
  const fn = str(ev.function_name) ?? '';
  const args = Array.isArray(ev.args) ? ev.args.slice(0, 16).map(rec) : [];
  const arg = (key: string): unknown => args.find((a) => a !== undefined && key in a)?.[key];
  const sock = rec(arg('sock_arg')) ?? rec(arg('sockaddr_arg'));
  if (sock && /connect/.test(fn)) {
    const remote = str(sock.daddr ?? sock.addr);
    if (remote === undefined) return `${fn} without a destination address`;
    const e = {
      kind: 'connect' as const,
      ...base,
      protocol: protocolOf(sock.protocol) ?? 'tcp',
      remote: put({ address: remote }, 'port', port(sock.dport ?? sock.port)),
    };
    const local = str(sock.saddr);
    if (local !== undefined) Object.assign(e, { local: put({ address: local }, 'port', port(sock.sport)) });
    return e;
  }
  if (sock && /listen/.test(fn)) {
    const local = str(sock.saddr) ?? '0.0.0.0';
    return {
      kind: 'listen',
      ...base,
      protocol: protocolOf(sock.protocol) ?? 'tcp',
      local: put({ address: local }, 'port', port(sock.sport)),
    };
  }
  const file = rec(arg('file_arg')) ?? rec(arg('path_arg'));
  const path = absPath(file?.path) ?? (str(file?.path) !== undefined ? `/${str(file?.path)!}` : undefined);
  if (
    fn === 'security_file_permission' ||
    fn === 'security_file_open' ||
    fn === 'security_mmap_file' ||
    fn === 'security_kernel_read_file'
  ) {
    if (path === undefined) return `${fn} without a file path`;
    const mask = uint(arg('int_arg')) ?? 0;
    const write = fn === 'security_file_permission' && (mask & (MAY_WRITE | MAY_APPEND)) !== 0;
    return { kind: 'open', ...base, path, write };
  }
  if (fn === 'do_init_module' || fn === 'find_module_sections' || fn === 'security_kernel_module_request') {
    const mod = str(at(arg('module_arg'), 'name')) ?? str(arg('string_arg'));
    return put({ kind: 'syscall' as const, ...base, name: 'init_module' }, 'target', mod);
  }
  if (fn === 'free_module')
    return put({ kind: 'syscall' as const, ...base, name: 'delete_module' }, 'target', str(at(arg('module_arg'), 'name')));
  if (fn === 'commit_creds') {
    const to = uint(at(arg('process_credentials_arg'), 'euid')) ?? uint(at(arg('process_credentials_arg'), 'uid'));
    const e = { kind: 'privilege' as const, ...base, op: 'setuid' as const };
    put(e, 'from', base.process.uid);
    put(e, 'to', to);
    return e;
  }
  if (fn === 'cap_capable') {
    const name = str(at(arg('capability_arg'), 'name'));
    if (name === undefined || !/^CAP_[A-Z_]+$/.test(name)) return 'cap_capable without a capability name';
    return { kind: 'privilege', ...base, op: 'capability', capability: name };
  }
  const sys = syscallName(fn);
  if (sys === 'write' || sys === 'pwrite64' || sys === 'writev') {
    if (path === undefined) return `${fn} without a file path`;
    return { kind: 'open', ...base, path, write: true };
  }
  if (sys === 'read' || sys === 'pread64' || sys === 'readv') {
    if (path === undefined) return `${fn} without a file path`;
    return { kind: 'open', ...base, path, write: false };
  }
  if (sys !== undefined && NOTABLE_SYSCALLS.has(sys)) return { kind: 'syscall', ...base, name: sys };
  if (fn === 'security_bprm_creds_from_file' || fn === 'security_bprm_check') return `${fn}: part of an exec, judged by its process_exec`;
  return fn === '' ? 'a kprobe event without function_name' : `kprobe ${fn.slice(0, 60)} is not mapped to an event`;
}

function convert(record: unknown, line: number): Conversion {
  const r = rec(record);
  if (r === undefined) return skip('not a JSON object');
  const type = TYPES.find((t) => t in r);
  if (type === undefined) return skip('not a Tetragon event (no process_* key)');
  const ev = rec(r[type]);
  const p = rec(ev?.process);
  if (ev === undefined || p === undefined) return skip(`${type} without a process`);
  const container = containerOf(p);
  if (container === undefined) return skip('not in a container (the process has no pod container id)');
  const time = rfc3339(r.time) ?? rfc3339(p.start_time);
  if (time === undefined) return skip('no time');
  const origin: EventOrigin = { engine: 'tetragon', line };
  put(origin, 'what', type === 'process_kprobe' ? str(ev.function_name) : type);
  const base: Omit<RuntimeEvent, 'kind'> = { time, container, process: processOf(p), origin };
  const parent = rec(ev.parent);
  if (parent) {
    const a: { pid?: number; path?: string; argv?: string[] } = {};
    put(a, 'pid', uint(at(parent, 'pod', 'container', 'pid')) ?? uint(parent.pid));
    put(a, 'path', absPath(parent.binary));
    put(a, 'argv', argvOf(parent));
    base.ancestors = [a];
  }
  const out = ((): RuntimeEvent | string => {
    switch (type) {
      case 'process_exec':
        return { kind: 'exec', ...base };
      case 'process_exit': {
        const e = { kind: 'exit' as const, ...base };
        const code = uint(ev.status);
        put(e, 'code', code);
        put(e, 'signal', str(ev.signal)?.slice(0, 32));
        return e;
      }
      case 'process_kprobe':
      case 'process_tracepoint':
      case 'process_lsm':
        return kprobe(ev, base);
      case 'process_connect': {
        const remote = str(ev.destination_ip);
        if (remote === undefined) return 'process_connect without destination_ip';
        const e = {
          kind: 'connect' as const,
          ...base,
          protocol: protocolOf(ev.protocol) ?? 'tcp',
          remote: put({ address: remote }, 'port', port(ev.destination_port)),
        };
        const local = str(ev.source_ip);
        if (local !== undefined) Object.assign(e, { local: put({ address: local }, 'port', port(ev.source_port)) });
        return e;
      }
      case 'process_listen':
        return {
          kind: 'listen',
          ...base,
          protocol: protocolOf(ev.protocol) ?? 'tcp',
          local: put({ address: str(ev.ip) ?? '0.0.0.0' }, 'port', port(ev.port)),
        };
      case 'process_accept': {
        const remote = str(ev.source_ip);
        if (remote === undefined) return 'process_accept without source_ip';
        return {
          kind: 'accept',
          ...base,
          protocol: protocolOf(ev.protocol) ?? 'tcp',
          remote: put({ address: remote }, 'port', port(ev.source_port)),
        };
      }
      default:
        return `${type}: a socket closing is not judged (its connect was)`;
    }
  })();
  return typeof out === 'string' ? skip(out) : { events: [out] };
}

export const tetragonSource: EventSource = {
  id: 'tetragon',
  describes: "Tetragon's JSON export (process_exec, process_exit, process_kprobe, and the older process_connect/listen)",
  recognises: (record) => rec(record) !== undefined && TYPES.some((t) => rec((record as Record<string, unknown>)[t]) !== undefined),
  convert,
};
