import { describe, expect, it } from 'vitest';
import { bareCapability, prefixedCapability } from './capabilities.js';

describe('capability names', () => {
  it.each([
    ['NET_ADMIN', 'NET_ADMIN', 'CAP_NET_ADMIN'],
    ['net_admin', 'NET_ADMIN', 'CAP_NET_ADMIN'],
    ['CAP_SYS_TIME', 'SYS_TIME', 'CAP_SYS_TIME'],
    ['cap_chown ', 'CHOWN', 'CAP_CHOWN'],
    [' all ', 'ALL', 'ALL'],
    ['', '', ''],
  ])('%j → %j bare, %j prefixed', (input, bare, prefixed) => {
    expect(bareCapability(input)).toBe(bare);
    expect(prefixedCapability(input)).toBe(prefixed);
  });
});
