import { describe, expect, it } from 'vitest';
import { cidrContains, isInternal, isLoopback, parseCidr, parseIp } from './ip.js';

describe('ip', () => {
  it('parses IPv4 and IPv6, mapped IPv4 as IPv4, and refuses what is not an address', () => {
    expect(parseIp('10.1.2.3')).toEqual({ family: 4, value: 0x0a010203n });
    expect(parseIp('::1')).toEqual({ family: 6, value: 1n });
    expect(parseIp('[fe80::1]')).toEqual({ family: 6, value: (0xfe80n << 112n) | 1n });
    expect(parseIp('::ffff:10.0.0.1')).toEqual({ family: 4, value: 0x0a000001n });
    expect(parseIp('2001:db8::1:0:0:1')?.value).toBe((0x2001n << 112n) | (0xdb8n << 96n) | (1n << 48n) | 1n);
    for (const bad of ['', '1.2.3', '1.2.3.256', '1.2.3.4.5', 'a.b.c.d', ':::', '1::2::3', '12345::', 'x'.repeat(100), '1:2:3:4:5:6:7:8:9'])
      expect(parseIp(bad), bad).toBeUndefined();
  });
  it('CIDR containment by family and prefix', () => {
    const c = parseCidr('10.0.0.0/8')!;
    expect(cidrContains(c, parseIp('10.255.0.1')!)).toBe(true);
    expect(cidrContains(c, parseIp('11.0.0.1')!)).toBe(false);
    expect(cidrContains(parseCidr('2001:db8::/32')!, parseIp('2001:db8:ffff::1')!)).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('8.8.8.8')!)).toBe(true);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!)).toBe(false);
    expect(parseCidr('10.0.0.0/33')).toBeUndefined();
    expect(parseCidr('10.0.0.0/8/1')).toBeUndefined();
  });
  it('internal and loopback ranges', () => {
    expect(
      ['10.96.0.1', '172.17.0.9', '192.168.1.1', '127.0.0.1', 'fd00::5', '::1', '169.254.169.254'].map((a) => isInternal(parseIp(a)!)),
    ).toEqual(Array(7).fill(true));
    expect(['8.8.8.8', '64.225.45.153', '2001:4860::8888', '172.32.0.1'].map((a) => isInternal(parseIp(a)!))).toEqual([
      false,
      false,
      false,
      false,
    ]);
    expect(isLoopback(parseIp('127.0.0.53')!)).toBe(true);
    expect(isLoopback(parseIp('10.0.0.1')!)).toBe(false);
  });
});
