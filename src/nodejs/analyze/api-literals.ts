/**
 * The literal arguments kept with an API use (commands, paths, open flags, ports, hosts), read
 * from the arguments arg-literals.ts recorded (ArgLit).
 */
import type { ApiUse } from '../types.js';
import type { ArgLit } from './facts.js';

export const S = (a: ArgLit | undefined): string | undefined => (a && 's' in a ? a.s : undefined);
const N = (a: ArgLit | undefined): number | undefined => {
  if (!a) return undefined;
  if ('n' in a) return a.n;
  if ('s' in a && /^\d+$/.test(a.s)) return Number(a.s);
  if ('env' in a && a.dflt !== undefined) {
    const n = Number(a.dflt);
    return Number.isFinite(n) ? n : undefined;
  }
  return undefined;
};
const O = (a: ArgLit | undefined): Map<string, ArgLit> | undefined => (a && 'obj' in a ? new Map(a.obj) : undefined);

export function listenLiterals(args: readonly ArgLit[] | undefined): { port?: number; host?: string; env?: string } {
  const out: { port?: number; host?: string; env?: string } = {};
  const a0 = args?.[0];
  const o = O(a0);
  const portArg = o ? o.get('port') : a0;
  const port = N(portArg ?? undefined);
  if (port !== undefined) out.port = port;
  if (portArg && 'env' in portArg) out.env = portArg.env;
  const host = o ? S(o.get('host') ?? o.get('hostname') ?? undefined) : S(args?.[1]);
  if (host !== undefined) out.host = host;
  return out;
}

function urlLiterals(s: string): { host?: string; port?: number } {
  try {
    const u = new URL(s);
    const port =
      u.port !== ''
        ? Number(u.port)
        : u.protocol === 'https:' || u.protocol === 'wss:'
          ? 443
          : u.protocol === 'http:' || u.protocol === 'ws:'
            ? 80
            : undefined;
    return port === undefined ? { host: u.hostname } : { host: u.hostname, port };
  } catch {
    return {};
  }
}

const SPAWN_LIKE = /^child_process\.(spawn|spawnSync|execFile|execFileSync)$/;
const EXEC_LIKE = /^child_process\.(exec|execSync)$/;
const CONNECT_LIKE = /^(net\.(connect|createConnection)|tls\.connect|net\.Socket#connect|tls\.TLSSocket#connect)$/;
const URL_LIKE = /^(https?\.(request|get)|global\.(fetch|WebSocket|EventSource))$/;

/** The literal arguments worth keeping for an API (see ApiUse.literals), or undefined. */
export function literalsFor(api: string, args: readonly ArgLit[] | undefined): ApiUse['literals'] | undefined {
  if (!args || args.length === 0) return undefined;
  const out: NonNullable<ApiUse['literals']> = {};
  const [a0, a1, a2] = args;
  if (SPAWN_LIKE.test(api)) {
    const c = S(a0);
    if (c !== undefined) out.command = c;
    if (a1 && 'arr' in a1) out.args = a1.arr;
  } else if (EXEC_LIKE.test(api)) {
    const c = S(a0);
    if (c !== undefined) {
      // exec runs `/bin/sh -c <command>`: the first word is what the shell executes first.
      const words = c.trim().split(/\s+/);
      if (words[0]) out.command = words[0];
      if (words.length > 1) out.args = words.slice(1);
    }
  } else if (api === 'child_process.fork') {
    const p = S(a0);
    if (p !== undefined) out.path = p;
  } else if (api.startsWith('fs.') || api.startsWith('fs/promises.')) {
    const p = S(a0);
    if (p !== undefined) out.path = p;
    const method = api.slice(api.lastIndexOf('.') + 1);
    const flags =
      method === 'open' || method === 'openSync'
        ? S(a1)
        : S(O(a1)?.get('flags') ?? O(a1)?.get('flag') ?? O(a2)?.get('flags') ?? O(a2)?.get('flag') ?? undefined);
    if (flags !== undefined) out.flags = flags;
  } else if (api.endsWith('#listen') || api === 'dgram.Socket#bind') {
    const l = listenLiterals(args);
    if (l.port !== undefined) out.port = l.port;
    if (l.host !== undefined) out.host = l.host;
  } else if (CONNECT_LIKE.test(api)) {
    const o = O(a0);
    const port = N(o ? (o.get('port') ?? undefined) : a0);
    const hostArg = o ? (o.get('host') ?? o.get('hostname') ?? undefined) : a1;
    const host = S(hostArg);
    const path = o ? S(o.get('path') ?? undefined) : undefined;
    if (port !== undefined) out.port = port;
    if (host !== undefined) out.host = host;
    else envHost(out, hostArg);
    if (path !== undefined) out.path = path;
    if (!o && port === undefined && S(a0) !== undefined) out.path = S(a0)!;
  } else if (URL_LIKE.test(api)) {
    const o = O(a0);
    if (o) {
      const port = N(o.get('port') ?? undefined);
      const hostArg = o.get('hostname') ?? o.get('host') ?? undefined;
      const host = S(hostArg);
      if (port !== undefined) out.port = port;
      if (host !== undefined) out.host = host;
      else envHost(out, hostArg);
    } else if (S(a0) !== undefined) Object.assign(out, urlLiterals(S(a0)!));
    else if (a0 && 'urlHost' in a0) out.host = a0.urlHost;
  } else if (api.startsWith('dns.') || api.startsWith('dns/promises.')) {
    const h = S(a0);
    if (h !== undefined) out.host = h;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** A host read from the environment (`process.env.REDIS_HOST || 'cache'`): the profile binds it to what the deployment sets. */
function envHost(out: NonNullable<ApiUse['literals']>, a: ArgLit | null | undefined): void {
  if (!a || !('env' in a)) return;
  out.hostEnv = a.env;
  if (typeof a.dflt === 'string') out.hostDefault = a.dflt;
}
