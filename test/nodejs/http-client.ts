/** A tiny HTTP client for the workloads: loopback only, one connection per request, a timeout on each. */
import { request } from 'node:http';
import { connect } from 'node:net';

export interface Endpoint {
  host: string;
  port: number;
}

export interface HttpAnswer {
  status: number;
  body: string;
}

export function httpRequest(
  at: Endpoint,
  opts: { method?: string; path: string; json?: unknown; text?: string; timeoutMs?: number },
): Promise<HttpAnswer> {
  const body =
    opts.json !== undefined ? Buffer.from(JSON.stringify(opts.json)) : opts.text !== undefined ? Buffer.from(opts.text) : undefined;
  const type = opts.json !== undefined ? 'application/json' : 'text/plain;charset=UTF-8';
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: at.host,
        port: at.port,
        path: opts.path,
        method: opts.method ?? 'GET',
        timeout: opts.timeoutMs ?? 10_000,
        agent: false,
        headers: body ? { 'content-type': type, 'content-length': body.length } : {},
      },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`${opts.method ?? 'GET'} ${at.host}:${at.port}${opts.path} timed out`)));
    req.on('error', reject);
    req.end(body);
  });
}

/** Resolves once a TCP connection to the endpoint succeeds; rejects after the deadline. */
export async function waitForTcp(at: Endpoint, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      await new Promise<void>((resolve, reject) => {
        const s = connect({ host: at.host, port: at.port, timeout: 1_000 });
        s.once('connect', () => {
          s.destroy();
          resolve();
        });
        s.once('timeout', () => {
          s.destroy();
          reject(new Error('connect timed out'));
        });
        s.once('error', reject);
      });
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`nothing answers on ${at.host}:${at.port} within ${deadlineMs} ms: ${String(last)}`);
}
