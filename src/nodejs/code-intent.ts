/**
 * What the code says of its network and files beyond syscalls: the peers it names (literal hosts,
 * known clients with their default ports), the directories it writes (literal paths, database
 * files with their SQLite siblings), and every place it reads a host the code itself does not name
 * (an environment variable, a value the analysis cannot read), which leaves its egress incomplete.
 * Pure: the analysis and the client table in, rules out.
 */
import { posix } from 'node:path';
import type { PeerRule, Source } from '../model/charter.js';
import { networkClients, type NetworkClient } from '../knowledge/node-syscalls/network-clients.js';
import type { ApiUse, Location, NodeAnalysis } from './types.js';
import type { ClientCall } from './analyze/index.js';
import type { ArgLit } from './analyze/facts.js';
import { RuleSet } from '../util/rule-set.js';

/** A directory the code writes, relative to the application root (or absolute as written). */
export interface WrittenDir {
  dir: string;
  sources: Source[];
}

export interface CodeIntent {
  egress: PeerRule[];
  writes: WrittenDir[];
  /** Where the code connects to a host it does not name: each makes its egress `unknown`. */
  unnamedHosts: Source[];
  /**
   * Where the code connects to the host an environment variable holds: bound when the deployment
   * sets that variable (its value is then a peer the artifacts name) or when, unset, the code falls
   * back to a host it names or to localhost; otherwise as unknown as an unnamed host.
   */
  envHosts: EnvHost[];
}

export interface EnvHost {
  env: string;
  /** What the code does when the variable is unset: connect to a default it names, or to localhost. */
  whenUnset?: 'default' | 'local';
  source: Source;
}

type At = (u: { at: Location }, reason: string) => Source;

/** Built-in APIs that connect to a peer named in their arguments. */
const CONNECTING =
  /^(net\.(connect|createConnection)|tls\.connect|net\.Socket#connect|tls\.TLSSocket#connect|https?\.(request|get)|http2\.connect|global\.(fetch|WebSocket|EventSource)|dgram\.Socket#(send|connect))$/;

/** fs calls that create or change what their first argument names. */
const WRITING =
  /^fs(\/promises)?\.(writeFile|writeFileSync|appendFile|appendFileSync|createWriteStream|mkdir|mkdirSync|mkdtemp|mkdtempSync|rm|rmSync|rmdir|rmdirSync|unlink|unlinkSync|rename|renameSync|truncate|truncateSync|utimes|utimesSync|symlink|symlinkSync|copyFile|copyFileSync|cp|cpSync)$/;
const OPENING = /^fs(\/promises)?\.(open|openSync)$/;

const isLoopback = (host: string): boolean => {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  return h === 'localhost' || h.startsWith('127.') || h === '::1' || h === '0.0.0.0';
};

const peerOf = (host: string): PeerRule['peer'] =>
  /^\d{1,3}(\.\d{1,3}){3}$/.test(host) ? { kind: 'cidr', cidr: `${host}/32` } : { kind: 'dns', name: host.toLowerCase() };

const S = (a: ArgLit | undefined): string | undefined => (a && 's' in a ? a.s : undefined);
const N = (a: ArgLit | undefined): number | undefined =>
  a && 'n' in a ? a.n : a && 's' in a && /^\d+$/.test(a.s) ? Number(a.s) : undefined;

/** Where a client call points: a host (with a port), a host read from a variable, or none named. */
type Target =
  | { kind: 'host'; host: string; port?: number }
  | { kind: 'env'; name: string; dflt?: string; port?: number }
  | { kind: 'unread'; what: string }
  | { kind: 'default' }
  | { kind: 'local' };

function fromUrl(s: string, client: NetworkClient): Target {
  if (s.startsWith('/')) return { kind: 'local' }; // a Unix socket path
  try {
    const u = new URL(s.includes('://') ? s : `x://${s}`);
    const scheme = u.protocol === 'https:' || u.protocol === 'wss:' ? 443 : u.protocol === 'http:' || u.protocol === 'ws:' ? 80 : undefined;
    const port = u.port !== '' ? Number(u.port) : (scheme ?? client.port);
    // mongodb+srv and multi-host strings name several hosts: the first is enough to say it is remote.
    const host = u.hostname.split(',')[0] ?? u.hostname;
    return host === '' ? { kind: 'default' } : { kind: 'host', host, ...(port !== undefined ? { port } : {}) };
  } catch {
    return { kind: 'unread', what: `a connection string the analysis cannot parse (${JSON.stringify(s.slice(0, 60))})` };
  }
}

const URL_KEYS = ['url', 'uri', 'connectionString', 'baseURL', 'prefixUrl', 'origin'];
const HOST_KEYS = ['host', 'hostname', 'server'];

function targetOf(client: NetworkClient, args: readonly ArgLit[]): Target {
  const [a0, a1] = args;
  if (a0 === undefined) return { kind: 'default' };
  if (a0 === null) return { kind: 'unread', what: 'its options come from a value the analysis cannot read' };
  if ('env' in a0) return { kind: 'env', name: a0.env, ...(typeof a0.dflt === 'string' ? { dflt: a0.dflt } : {}) };
  if ('s' in a0) {
    // `new StatsD('host', 8125)`, `new Redis(6379, 'host')`, else a URL or connection string.
    if (client.kind === 'statsd' && !a0.s.includes('://'))
      return { kind: 'host', host: a0.s, ...(N(a1) !== undefined ? { port: N(a1)! } : {}) };
    return fromUrl(a0.s, client);
  }
  if ('n' in a0) {
    if (a1 === undefined) return { kind: 'default' };
    if (a1 === null) return { kind: 'unread', what: 'its host comes from a value the analysis cannot read' };
    if ('env' in a1) return { kind: 'env', name: a1.env, port: a0.n };
    return S(a1) !== undefined ? { kind: 'host', host: S(a1)!, port: a0.n } : { kind: 'default' };
  }
  if (!('obj' in a0)) return { kind: 'unread', what: 'its options are not an object the analysis can read' };
  const o = new Map(a0.obj);
  const port = N(o.get('port') ?? undefined);
  for (const k of URL_KEYS) {
    if (!o.has(k)) continue;
    const v = o.get(k);
    if (v === null || v === undefined) return { kind: 'unread', what: `its ${k} comes from a value the analysis cannot read` };
    if ('env' in v) return { kind: 'env', name: v.env, ...(typeof v.dflt === 'string' ? { dflt: v.dflt } : {}) };
    if ('s' in v) return fromUrl(v.s, client);
  }
  for (const k of HOST_KEYS) {
    if (!o.has(k)) continue;
    const v = o.get(k);
    if (v === null || v === undefined) return { kind: 'unread', what: `its ${k} comes from a value the analysis cannot read` };
    if ('env' in v) return { kind: 'env', name: v.env, ...(typeof v.dflt === 'string' ? { dflt: v.dflt } : {}), ...(port ? { port } : {}) };
    if ('s' in v) return { kind: 'host', host: v.s, ...(port !== undefined ? { port } : {}) };
  }
  // A spread or a nested object (`{ ...config }`, `{ socket: { host } }`) may carry the host.
  if (o.has('...') || o.has('socket'))
    return { kind: 'unread', what: 'its host may be in options the analysis cannot read (a spread or a nested object)' };
  return { kind: 'default' };
}

/** The database file a file-database client opens (`:memory:` and '' open none). */
function databaseFile(args: readonly ArgLit[]): string | null | undefined {
  const a0 = args[0];
  if (a0 === undefined) return undefined; // better-sqlite3 with no path: a temporary database
  const s = S(a0);
  if (s === undefined) return null;
  return s === '' || s === ':memory:' || s.startsWith('file::memory:') ? undefined : s.replace(/^file:/, '').split('?')[0]!;
}

const dirOf = (p: string): string => {
  const d = posix.dirname(p);
  return d === '' ? '.' : d;
};

const withoutClientPackages = (file: string, clients: ReadonlyMap<string, NetworkClient>): boolean => {
  const parts = file.split('/');
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return true;
  const name = parts[i + 1]?.startsWith('@') ? `${parts[i + 1]}/${parts[i + 2] ?? ''}` : (parts[i + 1] ?? '');
  return !clients.has(name);
};

export function deriveCodeIntent(analysis: NodeAnalysis & { clientCalls?: ClientCall[] }, at: At): CodeIntent {
  const clients = networkClients();
  const egress = new RuleSet<PeerRule>((p) => [p.peer, p.port ?? -1, p.protocol]);
  const writes = new Map<string, Source[]>();
  const unnamed: Source[] = [];
  const envHosts: EnvHost[] = [];
  const write = (dir: string, source: Source): void => {
    const list = writes.get(dir) ?? [];
    if (list.length < 3) list.push(source);
    writes.set(dir, list);
  };

  for (const c of analysis.clientCalls ?? []) {
    const client = clients.get(c.package);
    if (!client) continue;
    const call = `${c.package}${c.call ? `.${c.call}` : ''}`;
    if (client.kind === 'file-database') {
      const file = databaseFile(c.args);
      if (file === null)
        unnamed.push(
          at(
            c,
            `${call} opens a database file whose path the analysis cannot read: it may need a writable directory the profile does not give`,
          ),
        );
      else if (file !== undefined)
        write(
          dirOf(file),
          at(c, `${call}(${JSON.stringify(file)}): SQLite writes the file and ${posix.basename(file)}-journal, -wal and -shm beside it`),
        );
      continue;
    }
    const protocol = client.protocol ?? 'tcp';
    const t = targetOf(client, c.args);
    const add = (host: string, port: number | undefined, why: string): void => {
      if (isLoopback(host)) return;
      egress.add({ peer: peerOf(host), ...(port !== undefined ? { port } : {}), protocol, sources: [at(c, why)] });
    };
    if (t.kind === 'host')
      add(
        t.host,
        t.port ?? client.port,
        `${call} connects to ${t.host}${t.port === undefined && client.port ? ` (default port ${client.port})` : ''}`,
      );
    else if (t.kind === 'env') {
      envHosts.push({
        env: t.name,
        ...(t.dflt !== undefined ? { whenUnset: 'default' as const } : {}),
        source: at(c, `${call} reads its host from process.env.${t.name}${t.dflt !== undefined ? ` (else ${t.dflt})` : ''}`),
      });
      if (t.dflt !== undefined) {
        const d = fromUrl(t.dflt, client);
        if (d.kind === 'host') add(d.host, d.port ?? t.port ?? client.port, `${call} connects to ${d.host} when ${t.name} is unset`);
      }
    } else if (t.kind === 'unread') unnamed.push(at(c, `${call}: ${t.what}`));
    else if (t.kind === 'default' && client.hostEnv)
      envHosts.push({
        env: client.hostEnv,
        whenUnset: 'local',
        source: at(c, `${call} names no host: ${c.package} reads process.env.${client.hostEnv} (else localhost)`),
      });
  }

  // A client reached without a call the table recognises (an API it does not list) connects
  // somewhere all the same: its own connections are not looked at, so its host is not known.
  const opened = new Set((analysis.clientCalls ?? []).map((c) => c.package));
  for (const id of analysis.reachedPackages) {
    const name = id.slice(0, id.lastIndexOf('@') > 0 ? id.lastIndexOf('@') : id.length);
    const client = clients.get(name);
    if (!client || client.kind === 'file-database' || opened.has(name)) continue;
    unnamed.push(
      at(
        { at: { file: 'package.json', line: 1, column: 1 } },
        `${name} is reached but no call that opens it (${client.calls.map((c) => c || name).join(', ')}) was found: it connects to a host the analysis does not know`,
      ),
    );
  }

  for (const use of analysis.apis) {
    if (!CONNECTING.test(use.api)) continue;
    const host = use.literals?.host;
    if (host !== undefined) {
      if (!isLoopback(host))
        egress.add({
          peer: peerOf(host),
          ...(use.literals?.port !== undefined ? { port: use.literals.port } : {}),
          protocol: use.api.startsWith('dgram.') ? 'udp' : 'tcp',
          sources: [at(use, `${use.api} to ${host}`)],
        });
      continue;
    }
    // A client package's own connections are named by the calls that open the client (above).
    if (use.literals?.path !== undefined || !withoutClientPackages(use.at.file, clients)) continue;
    const env = use.literals?.hostEnv;
    if (env !== undefined) {
      const dflt = use.literals?.hostDefault;
      envHosts.push({
        env,
        ...(dflt !== undefined ? { whenUnset: 'default' as const } : {}),
        source: at(use, `${use.api} reads its host from process.env.${env}${dflt !== undefined ? ` (else ${dflt})` : ''}`),
      });
      if (dflt !== undefined && !isLoopback(dflt))
        egress.add({
          peer: peerOf(dflt),
          ...(use.literals?.port !== undefined ? { port: use.literals.port } : {}),
          protocol: use.api.startsWith('dgram.') ? 'udp' : 'tcp',
          sources: [at(use, `${use.api} to ${dflt} when ${env} is unset`)],
        });
      continue;
    }
    unnamed.push(at(use, `${use.api} connects to a host the analysis cannot read`));
  }

  for (const use of analysis.apis) {
    const p = writtenPath(use);
    if (p !== undefined)
      write(use.api.includes('mkdir') ? posix.normalize(p) : dirOf(p), at(use, `${use.api}(${JSON.stringify(p)}) writes there`));
  }

  return {
    egress: egress.values(),
    writes: [...writes].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([dir, sources]) => ({ dir, sources })),
    unnamedHosts: unnamed,
    envHosts,
  };
}

function writtenPath(use: ApiUse): string | undefined {
  const p = use.literals?.path;
  if (p === undefined || p.startsWith('/dev/') || p.startsWith('/proc/')) return undefined;
  if (WRITING.test(use.api)) return p;
  if (OPENING.test(use.api) && /[wa+]/.test(use.literals?.flags ?? '')) return p;
  return undefined;
}
