import { describe, expect, it } from 'vitest';
import { SAMPLE_SYSCALL_GROUPS, kbSource } from '../test-support/charter-parts.js';
import { containerSyscalls } from './syscalls.js';
import { emptyContainer, type Source } from '../model/charter.js';

const kb = kbSource;
const at = (line: number, reason: string): Source => ({ kind: 'kubernetes', artifact: 'app.yaml', line, reason });

const groups = SAMPLE_SYSCALL_GROUPS;

function redis() {
  const c = emptyContainer('a');
  c.syscalls.groups = [
    { group: 'libc-floor', sources: [] },
    {
      group: 'network-server',
      sources: [kb('role:redis', 'network-server: Redis listens on 6379/tcp'), at(1, 'network-server: image redis:7 is Redis')],
    },
  ];
  return c;
}

describe('containerSyscalls', () => {
  it('places a syscall in the lowest layer that needs it, with every source, and keeps direct rules in their layer', () => {
    const c = redis();
    c.syscalls.application = [
      { name: 'mmap', sources: [at(7, 'analysis')] },
      { name: 'listen', sources: [at(8, 'analysis')] },
    ];
    const s = containerSyscalls({ syscallGroups: groups }, c);
    expect(s['language-runtime'].map((r) => r.name)).toEqual(['brk', 'read']);
    expect(s.application.map((r) => r.name)).toEqual(['accept4', 'bind', 'listen', 'mmap']);
    const read = s['language-runtime'].find((r) => r.name === 'read');
    expect(read?.sources.map((x) => x.kb ?? x.line)).toEqual([1, 'role:redis', 'syscall-group:libc-floor', 'syscall-group:network-server']);
    // The analysis placed mmap in the application layer; the floor group adds its source, not a second rule.
    expect(s.application.find((r) => r.name === 'mmap')?.sources.map((x) => x.kb ?? x.line)).toEqual([7, 'syscall-group:libc-floor']);
  });

  it('fails loudly on a reference to a group the charter does not define (the schema refuses such files)', () => {
    expect(() => containerSyscalls({ syscallGroups: [] }, redis())).toThrow(/undefined syscall group libc-floor/);
  });
});
