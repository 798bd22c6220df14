import { describe, expect, it } from 'vitest';
import { LAUNCHER, parseStrace } from './strace-parse.js';

// Shapes copied from `strace -f -qq -o FILE` 6.1 output of node 20 (arguments shortened).
const TRACE = `100 execve("/usr/bin/node", ["node", "app.mjs"], 0x7ffe71946ea8 /* 42 vars */) = 0
100 brk(NULL)                         = 0x55d0c0a1d000
100 clone3({flags=CLONE_VM|CLONE_THREAD, child_tid=0x7f835f73d990}, 88) = -1 ENOSYS (Function not implemented) (INJECTED)
100 clone(child_stack=0x7f835ef3be70, flags=CLONE_VM|CLONE_THREAD <unfinished ...>
101 set_robust_list(0x7f835ef3c9a0, 24 <unfinished ...>
100 <... clone resumed>, parent_tid=[101], tls=0x7f835ef3c6c0) = 101
101 <... set_robust_list resumed>)      = 0
101 futex(0x55d0c0a1e0a8, FUTEX_WAIT_PRIVATE, 0, NULL <unfinished ...>
100 clone(child_stack=NULL, flags=CLONE_CHILD_CLEARTID|CLONE_CHILD_SETTID|SIGCHLD, child_tidptr=0x7ff24a821f50) = 102
102 execve("/bin/ls", ["/bin/ls", "-1", "/tmp/files"], 0x16602560 /* 42 vars */ <unfinished ...>
102 <... execve resumed>)             = 0
102 getdents64(3, 0x5611 /* 4 entries */, 32768) = 112
102 exit_group(0)                     = ?
102 +++ exited with 0 +++
100 --- SIGCHLD {si_signo=SIGCHLD, si_code=CLD_EXITED, si_pid=102, si_uid=0, si_status=0} ---
100 wait4(102, [{WIFEXITED(s) && WEXITSTATUS(s) == 0}], WNOHANG, NULL) = 102
100 rt_sigreturn({mask=[]})           = 0
101 <... futex resumed>)               = ?
101 +++ exited with 0 +++
100 syscall_0x1c0(0x1, 0x2, 0x3, 0x4, 0x5, 0x6) = -1 ENOSYS (Function not implemented)
100 restart_syscall(<... resuming interrupted read ...>) = 0
100 exit_group(0)                     = ?
100 +++ killed by SIGTERM +++
`;

describe('parseStrace', () => {
  const t = parseStrace(TRACE);

  it('collects every syscall name, unfinished and resumed ones once', () => {
    expect(t.syscalls).toEqual([
      'brk',
      'clone',
      'clone3',
      'execve',
      'exit_group',
      'futex',
      'getdents64',
      'restart_syscall',
      'rt_sigreturn',
      'set_robust_list',
      'syscall_0x1c0',
      'wait4',
    ]);
    expect(t.malformed).toBe(0);
    expect(t.pids).toBe(3);
  });

  it('blames each syscall on the program its process ran, threads and children inheriting it until they exec', () => {
    expect(t.programs).toEqual(['/usr/bin/node', '/bin/ls']);
    expect(t.byProgram[LAUNCHER]).toEqual(['execve']);
    // 101 is a thread whose first line comes before its parent's clone returns.
    expect(t.byProgram['/usr/bin/node']).toEqual([
      'brk',
      'clone',
      'clone3',
      'execve',
      'exit_group',
      'futex',
      'restart_syscall',
      'rt_sigreturn',
      'set_robust_list',
      'syscall_0x1c0',
      'wait4',
    ]);
    expect(t.byProgram['/bin/ls']).toEqual(['exit_group', 'getdents64']);
  });

  it('keeps signals, exits and unnamed syscalls apart', () => {
    expect(t.signals).toEqual(['SIGCHLD']);
    expect(t.exits).toEqual([
      { pid: 102, how: 'exited with 0' },
      { pid: 101, how: 'exited with 0' },
      { pid: 100, how: 'killed by SIGTERM' },
    ]);
    expect(t.unnamed).toEqual(['syscall_0x1c0']);
  });

  it('reads a trace without pids (strace without -f) and a resumed line whose start was lost', () => {
    const p = parseStrace('openat(AT_FDCWD, "/etc/hosts", O_RDONLY) = 3\n<... read resumed>"x", 1) = 1\n');
    expect(p.syscalls).toEqual(['openat', 'read']);
    expect(p.malformed).toBe(0);
  });

  it('does not take a failed execve as a new program, nor a `) = ` inside an argument as the result', () => {
    const p = parseStrace('7 execve("/x) = 0", [], 0x1 /* 0 vars */) = -1 ENOENT (No such file or directory)\n7 read(0, "", 1) = 0\n');
    expect(p.programs).toEqual([]);
    expect(p.byProgram[LAUNCHER]).toEqual(['execve', 'read']);
  });

  const HOSTILE: [string, string][] = [
    ['empty', ''],
    ['binary junk', '\u0000\u0001\uffff(((\n)))= = =\n'],
    ['a huge pid', '99999999999999999999999 read(0) = 0\n'],
    ['a clone cycle', '1 clone() = 2\n2 clone() = 1\n1 read() = 0\n2 write() = 0\n'],
    ['a resumed line for another name', '1 read(0 <unfinished ...>\n1 <... write resumed>) = 1\n'],
    ['an unfinished call never resumed', '1 read(0 <unfinished ...>\n'],
    ['a 32-bit mode note', '[ Process PID=5 runs in 32 bit mode. ]\n5 read(0) = 0\n'],
    ['upper-case and punctuation', 'READ(0) = 0\n--- \n+++\n1 ????( = ?\n'],
    ['one very long line', `1 write(1, "${'x'.repeat(200_000)}", 200000) = 200000\n`],
  ];
  it.each(HOSTILE)('never throws on %s', (_what, text) => {
    const p = parseStrace(text);
    expect(Array.isArray(p.syscalls)).toBe(true);
    for (const name of p.syscalls) expect(name).toMatch(/^[a-z_][a-z0-9_]*$/);
  });

  it('counts what it cannot read', () => {
    expect(parseStrace('READ(0) = 0\n1 ????( = ?\n').malformed).toBe(2);
    expect(parseStrace('1 clone() = 2\n2 clone() = 1\n1 read() = 0\n2 write() = 0\n').syscalls).toEqual(['clone', 'read', 'write']);
  });

  it('is fast on a large trace', () => {
    const big = TRACE.repeat(5_000);
    const t0 = Date.now();
    expect(parseStrace(big).syscalls.length).toBe(12);
    expect(Date.now() - t0).toBeLessThan(5_000);
  });
});
