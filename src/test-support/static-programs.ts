/**
 * Test support: small static C programs the sensor's container tests (and the runtime benchmark)
 * build with the sensor's own clang and run in a busybox container (which has no compiler and no
 * libc). Each does one thing busybox cannot: run code from memory, send a datagram without
 * connect, time a loop of execs or connects from inside the container. Their sources are files in
 * test/programs/, so the benchmark compiles the very same programs.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { repoRoot } from './profile.js';

const program = (name: string): string => readFileSync(path.join(repoRoot, 'test/programs', name), 'utf8');

/** Copies /bin/busybox into a memfd_create file and fexecve()s it as `echo from-memory`. */
export const MEMFD_EXEC_SOURCE = program('memfd-exec.c');

/**
 * `nettool MODE …`, one line of output each, exit 0 on success:
 * - `udp-send ADDR PORT [COUNT]`: COUNT datagrams through sendto() on an unconnected UDP socket;
 *   `sent N`, or `sendto: <error> (F of N)`;
 * - `udp-bind PORT`: a UDP socket bound to PORT on any address;
 * - `socket ping|raw`: an ICMP datagram ("ping") socket or a raw IP socket; `socket ok` or the error;
 * - `connect-loop PORT N`: listens on 127.0.0.1:PORT, then N times connect, accept, close;
 *   `connects=N failed=F seconds=S per_second=R`;
 * - `exec-loop N PATH [ARG…]`: N times fork, exec, wait; `execs=N failed=F seconds=S us_per_exec=U`.
 */
export const NETTOOL_SOURCE = program('nettool.c');

/** Compiles `source` statically with clang into `dir/name`; returns the binary's path. */
export function buildStaticProgram(dir: string, name: string, source: string): string {
  const file = path.join(dir, `${name}.c`);
  writeFileSync(file, source);
  const binary = path.join(dir, name);
  const cc = spawnSync('clang', ['-static', '-O1', '-o', binary, file], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`clang ${name}.c failed (${String(cc.status ?? cc.signal)}): ${cc.stderr}`);
  return binary;
}

/**
 * `seccomp-tool ptrace PID` (a PTRACE_ATTACH; `ptrace: attached` or `ptrace: <error>`) and
 * `seccomp-tool log-filter CMD…` (stacks a SECCOMP_FILTER_FLAG_LOG filter refusing what the
 * emitted profile refuses of ptrace, mount and set-id chmods, then execs CMD: for runtimes that
 * cannot install the profile's LOG flag themselves).
 */
export const SECCOMP_TOOL_SOURCE = program('seccomp-tool.c');
