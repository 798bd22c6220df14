import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { METRICS_CONTENT_TYPE, renderMetrics } from './metrics.js';
import { parseListenAddress, startMetricsServer, type MetricsServer } from './metrics-server.js';
import { sampleStatus } from './fixtures/status.js';

const servers: MetricsServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

function get(s: MetricsServer, path: string, method = 'GET'): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: s.host, port: s.port, path, method }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('metrics endpoint', () => {
  it('GET /metrics is the status at that moment, in the 0.0.4 text format', async () => {
    let status = sampleStatus();
    const s = await startMetricsServer('127.0.0.1:0', () => status);
    servers.push(s);
    expect(s.host).toBe('127.0.0.1');
    const r = await get(s, '/metrics');
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe(METRICS_CONTENT_TYPE);
    expect(r.body).toBe(renderMetrics(status));
    status = { ...status, alerts: 4 };
    expect((await get(s, '/metrics?x=1')).body).toContain('charter_alerts_total 4\n');
    const head = await get(s, '/metrics', 'HEAD');
    expect(head.status).toBe(200);
    expect(head.body).toBe('');
  });

  it('404 for any other path, 405 for any other method', async () => {
    const s = await startMetricsServer('[::1]:0', sampleStatus);
    servers.push(s);
    expect((await get(s, '/')).status).toBe(404);
    expect((await get(s, '/metrics/x')).status).toBe(404);
    const post = await get(s, '/metrics', 'POST');
    expect(post.status).toBe(405);
    expect(post.headers['allow']).toBe('GET, HEAD');
  });

  it('a status that throws is a 500 that says nothing of why', async () => {
    const s = await startMetricsServer('localhost:0', () => {
      throw new Error('secret internals');
    });
    servers.push(s);
    const r = await get(s, '/metrics');
    expect(r.status).toBe(500);
    expect(r.body).not.toContain('secret');
    expect((await get(s, '/nope')).status).toBe(404); // and it still serves
  });

  it('refuses a non-loopback address unless remote scrapes are allowed', async () => {
    await expect(startMetricsServer('0.0.0.0:0', sampleStatus)).rejects.toThrow(/not a loopback address/);
    await expect(startMetricsServer('[::]:0', sampleStatus)).rejects.toThrow(/not a loopback address/);
    await expect(startMetricsServer('10.1.2.3:9464', sampleStatus)).rejects.toThrow(/not a loopback address/);
  });

  it('refuses a port already taken, naming the address', async () => {
    const a = await startMetricsServer('127.0.0.1:0', sampleStatus);
    servers.push(a);
    await expect(startMetricsServer(`127.0.0.1:${a.port}`, sampleStatus)).rejects.toThrow(
      `cannot listen for metrics on 127.0.0.1:${a.port}`,
    );
  });

  it.each([
    ['127.0.0.1:9464', { host: '127.0.0.1', port: 9464 }],
    ['[::1]:9464', { host: '::1', port: 9464 }],
    ['localhost:9100', { host: '127.0.0.1', port: 9100 }],
  ])('reads %s', (text, want) => {
    expect(parseListenAddress(text)).toEqual(want);
  });

  it.each(['9464', '127.0.0.1', 'example.com:9464', '127.0.0.1:70000', '::1:9464', '127.0.0.1:-1', ''])('refuses %j', (text) => {
    expect(() => parseListenAddress(text)).toThrow(/metrics address/);
  });
});
