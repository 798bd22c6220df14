#define _GNU_SOURCE
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
