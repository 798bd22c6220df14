/**
 * The metrics endpoint's HTTP edge: `GET /metrics` answers renderMetrics() of the agent's status
 * at that moment; every other path is 404, every other method on /metrics 405.
 *
 * Loopback only unless the caller says otherwise (`allowRemote`). The page names every watched
 * container, its image's charter container, and how often it was alerted on and blocked: to
 * someone probing the host from outside, that is a map of what is watched and what is not. A
 * Prometheus on the same host (or a node exporter's textfile, or an SSH tunnel) needs nothing
 * more; exposing it beyond is a decision the operator makes explicitly. Addresses are IP literals
 * (and `localhost`, read as 127.0.0.1): a name would be resolved at bind time to whatever DNS says.
 *
 * The server is small and bounded against slow or hostile clients: header and request timeouts,
 * a small header limit, a connection limit.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UserError, errorMessage } from '../../model/errors.js';
import { isLoopback, parseIp } from '../../util/ip.js';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import type { AgentStatus } from './types.js';

/** Loopback, on the port OpenTelemetry's Prometheus exporters listen on by default. */
export const DEFAULT_METRICS_ADDRESS = '127.0.0.1:9464';

/** Connections served at once: a scraper or two and a person with curl. */
const MAX_CONNECTIONS = 32;
/** A scrape sends a few hundred bytes of headers; 8 KiB is the usual proxy limit. */
const MAX_HEADER_BYTES = 8 * 1024;
const HEADERS_TIMEOUT_MS = 5_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface ListenAddress {
  /** An IP literal, without brackets. */
  readonly host: string;
  readonly port: number;
}

/** `127.0.0.1:9464`, `[::1]:9464`, `localhost:9464` → host and port; UserError for anything else. */
export function parseListenAddress(text: string): ListenAddress {
  const m = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(text.trim());
  const bad = (why: string): UserError =>
    new UserError(`metrics address ${JSON.stringify(text)}: ${why} (expected HOST:PORT, e.g. ${DEFAULT_METRICS_ADDRESS} or [::1]:9464)`);
  if (!m) throw bad('not HOST:PORT');
  const raw = (m[1] ?? m[2])!;
  const host = raw === 'localhost' ? '127.0.0.1' : raw;
  if (parseIp(host) === undefined) throw bad(`${raw} is not an IP address`);
  const port = Number(m[3]);
  if (port > 65535) throw bad(`port ${port} is out of range`);
  return { host, port };
}

export interface MetricsServerOptions {
  /** Listen on an address other than loopback (the page then reaches whoever can reach that address). */
  readonly allowRemote?: boolean;
}

export interface MetricsServer {
  /** The address actually bound (port 0 asks the kernel for one). */
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

function handle(req: IncomingMessage, res: ServerResponse, status: () => AgentStatus): void {
  const path = (req.url ?? '').split('?')[0];
  if (path !== '/metrics') {
    res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found: the metrics are at /metrics\n');
    return;
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('method not allowed\n');
    return;
  }
  let body: string;
  try {
    body = renderMetrics(status());
  } catch {
    // The agent's failure is its log's business; a scraper learns only that this scrape failed.
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' }).end('the agent could not report its status\n');
    return;
  }
  res.writeHead(200, { 'content-type': METRICS_CONTENT_TYPE, 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store' });
  res.end(req.method === 'HEAD' ? undefined : body);
}

/**
 * Serves `GET /metrics` on `address` (`127.0.0.1:9464` style) from `status()`, called at every
 * scrape. Resolves once listening; refuses a non-loopback address unless `allowRemote`.
 *
 * @example
 *   const metrics = await startMetricsServer('127.0.0.1:9464', () => agent.status());
 */
export async function startMetricsServer(
  address: string,
  status: () => AgentStatus,
  opts: MetricsServerOptions = {},
): Promise<MetricsServer> {
  const { host, port } = parseListenAddress(address);
  const ip = parseIp(host)!;
  if (!isLoopback(ip) && opts.allowRemote !== true)
    throw new UserError(
      `metrics address ${address} is not a loopback address: the metrics name every watched container and what was blocked in it; allow remote scrapes explicitly to listen there`,
    );
  const server: Server = createServer({ maxHeaderSize: MAX_HEADER_BYTES }, (req, res) => handle(req, res, status));
  server.maxConnections = MAX_CONNECTIONS;
  server.headersTimeout = HEADERS_TIMEOUT_MS;
  server.requestTimeout = REQUEST_TIMEOUT_MS;
  server.on('clientError', (_err, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) => reject(new UserError(`cannot listen for metrics on ${address}: ${errorMessage(e)}`)));
    server.listen({ host, port, exclusive: true }, () => resolve());
  });
  server.on('error', () => undefined); // after listening: never end the agent over a scrape
  const bound = server.address() as AddressInfo;
  return {
    host: bound.address,
    port: bound.port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
