/**
 * Falco JSON alerts (`json_output: true`): one alert per line, `rule`, `time`, `output` and the
 * `output_fields` the rule's output named. An alert is a syscall event Falco's rule matched; which
 * event it was is `evt.type` when the rule printed it, else it is inferred from the fields (a rule
 * that prints a connection tuple in `fd.name` saw a connect; one that prints only process fields
 * saw a spawned process, as Falco's `spawned_process` macro does).
 *
 * Field names: https://falco.org/docs/reference/rules/supported-fields/ (syscall source). Audit-log
 * alerts (`ka.*`, the k8s_audit plugin) and Falco's metrics snapshots are not container events.
 */
import { NOTABLE_SYSCALLS, type ContainerRef, type EventOrigin, type ProcessRef, type RuntimeEvent } from '../../model/events.js';
import { splitJoinedArgv } from './argv.js';
import { absPath, nanosToTime, port, put, rec, rfc3339, str, uint } from './fields.js';
import { skip, type Conversion, type EventSource } from './types.js';

const EXEC = new Set(['execve', 'execveat']);
const OPEN = new Set(['open', 'openat', 'openat2', 'creat']);

function container(f: Record<string, unknown>): ContainerRef | undefined {
  const id = str(f['container.id']);
  // Falco names the host `host`, and unknown containers `<NA>`.
  if (id === undefined || id === 'host' || id === '<NA>') return undefined;
  const c: ContainerRef = { id };
  const repo = str(f['container.image.repository']);
  const tag = str(f['container.image.tag']);
  put(c, 'name', str(f['container.name']));
  put(c, 'image', str(f['container.image']) ?? (repo !== undefined ? (tag !== undefined ? `${repo}:${tag}` : repo) : undefined));
  put(c, 'imageDigest', str(f['container.image.digest']));
  put(c, 'pod', str(f['k8s.pod.name']));
  put(c, 'namespace', str(f['k8s.ns.name']));
  return c;
}

function processOf(f: Record<string, unknown>): ProcessRef {
  const p: ProcessRef = {};
  put(p, 'pid', uint(f['proc.vpid']) ?? uint(f['proc.pid']));
  put(p, 'tid', uint(f['thread.vtid']) ?? uint(f['thread.tid']));
  put(p, 'path', absPath(f['proc.exepath']) ?? absPath(f['proc.exe']));
  put(p, 'name', str(f['proc.name']));
  const cmdline = str(f['proc.cmdline']);
  if (cmdline !== undefined) p.argv = splitJoinedArgv(cmdline);
  put(p, 'cwd', absPath(f['proc.cwd']));
  put(p, 'uid', uint(f['user.uid']));
  put(p, 'gid', uint(f['group.gid']));
  return p;
}

/** Falco's `fd.name` for a socket: `cip:cport->sip:sport` (IPv6 in brackets). */
function socketTuple(fdName: string): { local: { address: string; port: number }; remote: { address: string; port: number } } | undefined {
  const m = /^\[?([0-9a-fA-F.:]+)\]?:(\d+)->\[?([0-9a-fA-F.:]+)\]?:(\d+)$/.exec(fdName);
  if (!m) return undefined;
  const lp = port(m[2]);
  const rp = port(m[4]);
  return lp === undefined || rp === undefined ? undefined : { local: { address: m[1]!, port: lp }, remote: { address: m[3]!, port: rp } };
}

function convert(record: unknown, line: number): Conversion {
  const r = rec(record);
  const f = rec(r?.output_fields);
  if (r === undefined || f === undefined) return skip('not a Falco alert (no output_fields)');
  const rule = str(r.rule);
  if (rule?.startsWith('Falco internal')) return skip(`Falco's own record ("${rule}"), not an event`);
  if (r.source === 'k8s_audit' || Object.keys(f).some((k) => k.startsWith('ka.'))) {
    return skip('a Kubernetes audit alert: an API request, not an event in a container');
  }
  const c = container(f);
  if (c === undefined) return skip('not in a container (container.id is absent, "host" or "<NA>")');
  const time = rfc3339(r.time) ?? nanosToTime(f['evt.time']);
  if (time === undefined) return skip('no time (neither "time" nor evt.time)');
  const origin: EventOrigin = { engine: 'falco', line };
  put(origin, 'what', rule);
  const base = { time, container: c, process: processOf(f), origin };
  const pname = str(f['proc.pname']);
  const ppid = uint(f['proc.ppid']);
  if (pname !== undefined || ppid !== undefined) {
    const a: { pid?: number; name?: string; path?: string } = {};
    put(a, 'pid', ppid);
    put(a, 'name', pname);
    put(a, 'path', absPath(f['proc.pexepath']));
    Object.assign(base, { ancestors: [a] });
  }

  const type = str(f['evt.type']);
  const fdName = str(f['fd.name']);
  const tuple = fdName === undefined ? undefined : socketTuple(fdName);
  const event = ((): RuntimeEvent | string => {
    if (type !== undefined && EXEC.has(type)) return { kind: 'exec', ...base };
    if (type === 'connect' || (type === undefined && tuple !== undefined)) {
      if (tuple === undefined) return 'a connect without a connection tuple in fd.name';
      return { kind: 'connect', ...base, protocol: l4(f['fd.l4proto']), local: tuple.local, remote: tuple.remote };
    }
    if (type === 'accept' || type === 'accept4') {
      if (tuple === undefined) return 'an accept without a connection tuple in fd.name';
      // Falco writes the tuple client→server; for an accept the local side is the server.
      return { kind: 'accept', ...base, protocol: l4(f['fd.l4proto']), local: tuple.remote, remote: tuple.local };
    }
    if (type !== undefined && OPEN.has(type)) {
      const path = absPath(fdName) ?? absPath(f['evt.arg.name']);
      if (path === undefined) return `an ${type} without a path`;
      return {
        kind: 'open',
        ...base,
        path,
        write: f['evt.is_open_write'] === true || /O_(WRONLY|RDWR|TRUNC)/.test(str(f['evt.arg.flags']) ?? ''),
      };
    }
    if (type !== undefined && NOTABLE_SYSCALLS.has(type)) return { kind: 'syscall', ...base, name: type };
    if (type === undefined && (f['proc.cmdline'] !== undefined || f['proc.name'] !== undefined)) return { kind: 'exec', ...base };
    return type === undefined ? 'no evt.type and no fields that tell what happened' : `evt.type ${type.slice(0, 40)} is not judged`;
  })();
  return typeof event === 'string' ? skip(event) : { events: [event] };
}

function l4(v: unknown): 'tcp' | 'udp' | 'other' {
  return v === 'tcp' ? 'tcp' : v === 'udp' ? 'udp' : v === undefined ? 'tcp' : 'other';
}

export const falcoSource: EventSource = {
  id: 'falco',
  describes: 'Falco JSON alerts (json_output, one per line, with output_fields)',
  recognises: (record) =>
    rec(record) !== undefined &&
    typeof (record as Record<string, unknown>).rule === 'string' &&
    rec((record as Record<string, unknown>).output_fields) !== undefined,
  convert,
};
