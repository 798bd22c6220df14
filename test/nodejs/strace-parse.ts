/**
 * Reads the text `strace -f -o FILE` writes into the set of syscall names a process tree made,
 * also split by the program each process was running (so a miss can be blamed on node itself or
 * on a program it spawned). Pure: text in, data out.
 *
 * Line shapes handled (each optionally prefixed with a pid, as `-f` writes them):
 *   openat(AT_FDCWD, "/x", O_RDONLY) = 3
 *   read(3,  <unfinished ...>
 *   <... read resumed>"abc", 100) = 3
 *   --- SIGCHLD {si_signo=SIGCHLD, ...} ---
 *   +++ exited with 0 +++   /   +++ killed by SIGTERM +++
 *   exit_group(0) = ?
 *   syscall_0x1c0(0x1, 0x2) = -1 ENOSYS (...)     (a number strace has no name for)
 *   [ Process PID=12 runs in 32 bit mode. ]
 * Anything else is counted as malformed and otherwise ignored: the parser never throws.
 */

export interface StraceTrace {
  /** Every syscall name seen, sorted. */
  syscalls: string[];
  /** Sorted syscall names per program (the path of the last successful execve; `(launcher)` before the first). */
  byProgram: Record<string, string[]>;
  /** Syscalls strace could only print by number (`syscall_0x…`), sorted. */
  unnamed: string[];
  /** Programs a process of the tree executed successfully, in order of first exec. */
  programs: string[];
  pids: number;
  signals: string[];
  exits: { pid: number; how: string }[];
  malformed: number;
}

export const LAUNCHER = '(launcher)';

const NAME = /^([a-z_][a-z0-9_]*)\(/;
const RESUMED = /^<\.\.\. ([a-z_][a-z0-9_]*) resumed>/;
const UNFINISHED = /<unfinished \.\.\.>\s*$/;
const PID_PREFIX = /^(?:\[pid\s+)?(\d+)\]?\s+(.*)$/;

/** The return value: the last `) = N` (strace pads with spaces; arguments may hold the same characters). */
function resultOf(text: string): string | undefined {
  let last: string | undefined;
  for (const m of text.matchAll(/\)\s*=\s*(-?\d+|\?|0x[0-9a-f]+)/g)) last = m[1];
  return last;
}

interface Call {
  pid: number;
  name: string;
  /** The whole call text (start + resumed part). */
  text: string;
  result: string | undefined;
}

/** Splits the text into syscall calls (unfinished + resumed joined), signals and exits. */
function scan(text: string): {
  calls: Call[];
  signals: string[];
  exits: { pid: number; how: string }[];
  malformed: number;
  pids: Set<number>;
} {
  const calls: Call[] = [];
  const signals: string[] = [];
  const exits: { pid: number; how: string }[] = [];
  const pids = new Set<number>();
  // pid → index into `calls` of its pending unfinished call
  const pending = new Map<number, number>();
  let malformed = 0;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (line === '') continue;
    let pid = 0;
    let rest = line;
    const m = PID_PREFIX.exec(line);
    if (m && m[1] !== undefined && m[2] !== undefined) {
      pid = Number(m[1]);
      rest = m[2];
    }
    if (!Number.isSafeInteger(pid)) {
      malformed++;
      continue;
    }
    if (rest.startsWith('[ Process PID=')) continue;
    pids.add(pid);
    if (rest.startsWith('--- ')) {
      const sig = /^--- (SIG[A-Z0-9+]+|[A-Z]+)/.exec(rest);
      if (sig?.[1]) signals.push(sig[1]);
      continue;
    }
    if (rest.startsWith('+++ ')) {
      exits.push({ pid, how: rest.replace(/^\+\+\+\s*|\s*\+\+\+$/g, '') });
      pending.delete(pid);
      continue;
    }
    const resumed = RESUMED.exec(rest);
    if (resumed?.[1]) {
      const name = resumed[1];
      const at = pending.get(pid);
      const open = at === undefined ? undefined : calls[at];
      if (open && open.name === name) {
        open.text += rest.slice(resumed[0].length);
        open.result = resultOf(open.text);
        pending.delete(pid);
      } else {
        // The start line was lost (e.g. the trace began mid-call): the name is still known.
        calls.push({ pid, name, text: rest, result: resultOf(rest) });
      }
      continue;
    }
    const start = NAME.exec(rest);
    if (start?.[1]) {
      const call: Call = { pid, name: start[1], text: rest, result: undefined };
      if (UNFINISHED.test(rest)) {
        call.text = rest.replace(UNFINISHED, '');
        pending.set(pid, calls.length);
      } else {
        call.result = resultOf(rest);
      }
      calls.push(call);
      continue;
    }
    malformed++;
  }
  return { calls, signals, exits, malformed, pids };
}

const FORKS = new Set(['clone', 'clone3', 'fork', 'vfork']);

/** The path of an execve/execveat call: its first quoted argument (execveat's dirfd is a number). */
function execPath(call: Call): string | undefined {
  return /"((?:[^"\\]|\\.)*)"/.exec(call.text)?.[1];
}

function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

export function parseStrace(text: string): StraceTrace {
  const { calls, signals, exits, malformed, pids } = scan(typeof text === 'string' ? text : '');
  // A child's first lines can come before its parent's clone returns, so parents are found first.
  const parent = new Map<number, number>();
  for (const c of calls) {
    if (FORKS.has(c.name) && c.result !== undefined && /^\d+$/.test(c.result) && Number(c.result) > 0) parent.set(Number(c.result), c.pid);
  }
  // Each process runs its parent's program (as of the fork) until its own execve.
  const program = new Map<number, string>();
  const programOf = (pid: number): string => {
    const known = program.get(pid);
    if (known !== undefined) return known;
    const p = parent.get(pid);
    const inherited = p === undefined || p === pid ? LAUNCHER : (program.get(p) ?? LAUNCHER);
    program.set(pid, inherited);
    return inherited;
  };
  const byProgram = new Map<string, Set<string>>();
  const programs: string[] = [];
  const unnamed = new Set<string>();
  const all = new Set<string>();
  for (const c of calls) {
    // The execve is counted for the program that calls it; what follows belongs to the new one.
    const prog = programOf(c.pid);
    let names = byProgram.get(prog);
    if (names === undefined) byProgram.set(prog, (names = new Set()));
    names.add(c.name);
    all.add(c.name);
    if (/^syscall_/.test(c.name)) unnamed.add(c.name);
    if (FORKS.has(c.name) && c.result !== undefined && /^\d+$/.test(c.result)) {
      const child = Number(c.result);
      if (child > 0 && !program.has(child)) program.set(child, prog);
    }
    if ((c.name === 'execve' || c.name === 'execveat') && c.result === '0') {
      const path = execPath(c) ?? '?';
      program.set(c.pid, path);
      if (!programs.includes(path)) programs.push(path);
    }
  }
  const out: Record<string, string[]> = {};
  for (const [prog, names] of [...byProgram].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) out[prog] = sortedUnique(names);
  return {
    syscalls: sortedUnique(all),
    byProgram: out,
    unnamed: sortedUnique(unnamed),
    programs,
    pids: pids.size,
    signals: sortedUnique(signals),
    exits,
    malformed,
  };
}
