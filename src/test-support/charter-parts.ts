/** Small charter pieces the profile tests build on: a knowledge-base source and two syscall groups. */
import type { Source, SyscallGroupDef } from '../model/charter.js';

export const kbSource = (id: string, reason: string): Source => ({ kind: 'knowledge', artifact: 'charter-knowledge', kb: id, reason });

/** A language-runtime floor and an application group that overlap on `read`. */
export const SAMPLE_SYSCALL_GROUPS: SyscallGroupDef[] = [
  {
    id: 'libc-floor',
    layer: 'language-runtime',
    syscalls: ['brk', 'mmap', 'read'],
    sources: [kbSource('syscall-group:libc-floor', 'every process needs these')],
  },
  {
    id: 'network-server',
    layer: 'application',
    syscalls: ['accept4', 'bind', 'read'],
    sources: [kbSource('syscall-group:network-server', 'bind and accept')],
  },
];
