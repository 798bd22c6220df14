import { describe, expect, it } from 'vitest';
import { parseExpose, parsePortSpec } from './ports.js';

describe('parsePortSpec', () => {
  const ok: [string | number, number[], string, string | undefined][] = [
    ['8080:80', [80], 'tcp', '8080'],
    ['80', [80], 'tcp', undefined],
    [3000, [3000], 'tcp', undefined],
    ['127.0.0.1:9229:9229', [9229], 'tcp', '9229'],
    ['127.0.0.1:8080:80/udp', [80], 'udp', '8080'],
    ['[::1]:6001:6001/tcp', [6001], 'tcp', '6001'],
    ['3000-3002', [3000, 3001, 3002], 'tcp', undefined],
    ['9090-9091:8080-8081', [8080, 8081], 'tcp', '9090-9091'],
    ['127.0.0.1::5000', [5000], 'tcp', undefined],
    ['5060:5060/SCTP', [5060], 'sctp', '5060'],
  ];
  it.each(ok)('%j', (spec, ports, protocol, published) => {
    const r = parsePortSpec(spec);
    expect(r).toEqual({ ok: true, ports, protocol, ...(published !== undefined ? { published } : {}) });
  });

  const bad: [string, RegExp][] = [
    ['80/icmp', /unknown protocol/],
    ['http', /not a port/],
    ['0', /out of range/],
    ['70000', /out of range/],
    ['1-65535', /wider than/],
    ['5-3', /out of range/],
    ['[::1:80', /IPv6/],
    ['1:2:3:4', /too many/],
  ];
  it.each(bad)('rejects %j', (spec, error) => {
    const r = parsePortSpec(spec);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error).toMatch(error);
  });

  it('expose refuses a mapping', () => {
    expect(parseExpose('3000')).toEqual({ ok: true, ports: [3000], protocol: 'tcp' });
    expect(parseExpose('80:80').ok).toBe(false);
  });
});
