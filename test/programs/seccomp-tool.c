/* What busybox cannot do for the seccomp-refusal tests (src/runtime/agent/seccomp.podman.test.ts):
 *
 *   seccomp-tool ptrace PID [N]   PTRACE_ATTACH to PID (N times); prints "ptrace: attached" (exit 0)
 *                                 or "ptrace: <error>" (exit 1), and with N the failures and time.
 *   seccomp-tool log-filter CMD…  installs a seccomp filter with SECCOMP_FILTER_FLAG_LOG that
 *                                 refuses (EPERM) ptrace, mount, umount2 and a chmod of the
 *                                 chmod family whose mode has S_ISUID or S_ISGID, as the emitted
 *                                 profile does, then execs CMD. For runtimes that cannot install
 *                                 the emitted profile's LOG flag themselves (runc before 1.2): the
 *                                 filter stacks on the container's, and the kernel logs a refusal
 *                                 when the filter that decided it asked for logging. */
#define _GNU_SOURCE
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>

#if defined(__x86_64__)
#define ARCH AUDIT_ARCH_X86_64
#elif defined(__aarch64__)
#define ARCH AUDIT_ARCH_AARCH64
#else
#error "x86_64 or aarch64"
#endif

#define NR(n) offsetof(struct seccomp_data, nr)
#define ARG_LO(i) offsetof(struct seccomp_data, args[i]) /* little-endian: the low 32 bits, where a mode is */
#define DENY BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM)
#define ALLOW BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW)

static int log_filter(char **cmd)
{
	struct sock_filter f[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ARCH, 1, 0),
		ALLOW, /* another ABI: the container's own filter judges it */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NR(0)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_ptrace, 0, 1), DENY,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_mount, 0, 1), DENY,
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_umount2, 0, 1), DENY,
#ifdef __NR_chmod
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_chmod, 4, 0),
#else
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchmod, 4, 0), /* aarch64 has no chmod: a second fchmod test */
#endif
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchmod, 3, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_fchmodat, 6, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, 452 /* fchmodat2 */, 5, 0),
		ALLOW,
		/* mode is argument 1 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(1)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 06000, 0, 1), DENY,
		ALLOW,
		/* mode is argument 2 */
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, ARG_LO(2)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, 06000, 0, 1), DENY,
		ALLOW,
	};
	struct sock_fprog prog = { .len = sizeof(f) / sizeof(f[0]), .filter = f };
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) { perror("no_new_privs"); return 2; }
	if (syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_LOG, &prog)) { perror("seccomp"); return 2; }
	execv(cmd[0], cmd);
	perror(cmd[0]);
	return 127;
}

int main(int argc, char **argv)
{
	if (argc == 4 && !strcmp(argv[1], "ptrace")) {
		int n = atoi(argv[3]), failed = 0;
		struct timespec a, b;
		clock_gettime(CLOCK_MONOTONIC, &a);
		for (int i = 0; i < n; i++) failed += ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0) != 0;
		clock_gettime(CLOCK_MONOTONIC, &b);
		printf("ptrace: %d of %d failed in %.3f s\n", failed, n, (b.tv_sec - a.tv_sec) + (b.tv_nsec - a.tv_nsec) / 1e9);
		return failed == n ? 1 : 0;
	}
	if (argc == 3 && !strcmp(argv[1], "ptrace")) {
		if (ptrace(PTRACE_ATTACH, atoi(argv[2]), 0, 0)) { printf("ptrace: %s\n", strerror(errno)); return 1; }
		ptrace(PTRACE_DETACH, atoi(argv[2]), 0, 0);
		printf("ptrace: attached\n");
		return 0;
	}
	if (argc >= 3 && !strcmp(argv[1], "log-filter")) return log_filter(argv + 2);
	fprintf(stderr, "usage: seccomp-tool ptrace PID | log-filter CMD [ARG…]\n");
	return 2;
}
