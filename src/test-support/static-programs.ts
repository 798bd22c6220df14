/**
 * Test support: small static C programs the sensor's container tests build with the sensor's own
 * clang and run in a busybox container (which has no compiler and no libc). Each does one thing
 * busybox cannot: run code from memory, send a datagram without connect, time a loop of execs or
 * connects from inside the container.
 */
import { spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

/** Copies /bin/busybox into a memfd_create file and fexecve()s it as `echo from-memory`. */
export const MEMFD_EXEC_SOURCE = [
  '#define _GNU_SOURCE',
  '#include <fcntl.h>',
  '#include <sys/mman.h>',
  '#include <sys/sendfile.h>',
  '#include <sys/stat.h>',
  '#include <unistd.h>',
  'int main(void) {',
  '  int src = open("/bin/busybox", O_RDONLY); struct stat st; fstat(src, &st);',
  '  int fd = memfd_create("payload", 0); sendfile(fd, src, 0, st.st_size);',
  '  char *argv[] = {"echo", "from-memory", 0}, *envp[] = {0};',
  '  fexecve(fd, argv, envp); return 99;',
  '}',
].join('\n');

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
export const NETTOOL_SOURCE = String.raw`#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec / 1e9; }

int main(int argc, char **argv) {
  if (argc >= 4 && !strcmp(argv[1], "udp-send")) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[3])) };
    if (inet_pton(AF_INET, argv[2], &a.sin_addr) != 1) { printf("bad address\n"); return 2; }
    int s = socket(AF_INET, SOCK_DGRAM, 0), n = argc > 4 ? atoi(argv[4]) : 1, bad = 0, err = 0;
    for (int i = 0; i < n; i++)
      if (sendto(s, "x", 1, 0, (struct sockaddr *)&a, sizeof(a)) < 0) { bad++; err = errno; }
    if (bad) { printf("sendto: %s (%d of %d)\n", strerror(err), bad, n); return 1; }
    printf("sent %d\n", n);
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "udp-bind")) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])) };
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (bind(s, (struct sockaddr *)&a, sizeof(a))) { printf("bind: %s\n", strerror(errno)); return 1; }
    printf("bound\n");
    return 0;
  }
  if (argc >= 3 && !strcmp(argv[1], "socket")) {
    int s = !strcmp(argv[2], "ping") ? socket(AF_INET, SOCK_DGRAM, IPPROTO_ICMP) : socket(AF_INET, SOCK_RAW, IPPROTO_RAW);
    if (s < 0) { printf("socket: %s\n", strerror(errno)); return 1; }
    printf("socket ok\n");
    return 0;
  }
  if (argc >= 4 && !strcmp(argv[1], "connect-loop")) {
    struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(atoi(argv[2])), .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int l = socket(AF_INET, SOCK_STREAM, 0), one = 1, n = atoi(argv[3]), bad = 0;
    setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(l, (struct sockaddr *)&a, sizeof(a)) || listen(l, 128)) { printf("listen: %s\n", strerror(errno)); return 1; }
    double t0 = now();
    for (int i = 0; i < n; i++) {
      int c = socket(AF_INET, SOCK_STREAM, 0);
      struct linger lg = { 1, 0 }; /* reset on close: no TIME_WAIT pile-up in a long loop */
      setsockopt(c, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg));
      if (connect(c, (struct sockaddr *)&a, sizeof(a))) bad++;
      else close(accept(l, 0, 0));
      close(c);
    }
    double t = now() - t0;
    printf("connects=%d failed=%d seconds=%.3f per_second=%.0f\n", n, bad, t, n / t);
    return bad != 0;
  }
  if (argc >= 4 && !strcmp(argv[1], "exec-loop")) {
    int n = atoi(argv[2]), bad = 0;
    double t0 = now();
    for (int i = 0; i < n; i++) {
      pid_t p = fork();
      if (p == 0) { execv(argv[3], argv + 3); _exit(127); }
      int st;
      waitpid(p, &st, 0);
      if (!WIFEXITED(st) || WEXITSTATUS(st)) bad++;
    }
    double t = now() - t0;
    printf("execs=%d failed=%d seconds=%.3f us_per_exec=%.1f\n", n, bad, t, t * 1e6 / n);
    return bad != 0;
  }
  fprintf(stderr, "usage: nettool udp-send|udp-bind|socket|connect-loop|exec-loop ...\n");
  return 2;
}
`;

/** Compiles `source` statically with clang into `dir/name`; returns the binary's path. */
export function buildStaticProgram(dir: string, name: string, source: string): string {
  const file = path.join(dir, `${name}.c`);
  writeFileSync(file, source);
  const binary = path.join(dir, name);
  const cc = spawnSync('clang', ['-static', '-O1', '-o', binary, file], { encoding: 'utf8' });
  if (cc.status !== 0) throw new Error(`clang ${name}.c failed (${String(cc.status ?? cc.signal)}): ${cc.stderr}`);
  return binary;
}
