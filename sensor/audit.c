// SPDX-License-Identifier: GPL-2.0
/* The first layer's refusals as events. A seccomp filter installed with SECCOMP_FILTER_FLAG_LOG
 * (the profile `charter emit` writes) makes the kernel write an AUDIT_SECCOMP record for every
 * call it does not allow. The kernel also multicasts each audit record to NETLINK_AUDIT group 1
 * (AUDIT_NLGRP_READLOG) for any reader with CAP_AUDIT_READ, whether or not an audit daemon runs:
 * that is how the sensor sees ptrace, mount or a set-id chmod refused, without the syscall
 * tracepoints it avoids (5-20 % of throughput). docs/sensor.md, "Seccomp refusals".
 *
 * A record names a host pid, not a cgroup: the container is found from /proc/PID/cgroup when the
 * record arrives, else (the process has exited: a burst of refusals outruns the reader) from the
 * pids the exec and exit events of watched containers named, kept in a small table. A record of a
 * process found in neither is counted in auditGone, never dropped silently. Records of processes
 * outside the watched containers are none of the sensor's business and are dropped without a word. */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <linux/audit.h>
#include <linux/netlink.h>
#include "audit.h"
#include "guard.h"
#include "loader.h"

/* The kernel's own bound on one record (MAX_AUDIT_MESSAGE_LENGTH in kernel/audit.c). */
#define RECORD_MAX 8970
/* About 16,000 records (an skb of a few hundred bytes costs about 1 KiB): a burst of refusals waits here while the loader prints. */
#define RCVBUF (16 << 20)
/* comm is at most 15 bytes, hex-encoded 30; exe a path. Longer values are cut, never overrun. */
#define COMM_MAX 64
#define EXE_MAX 4096

static unsigned long long lost, gone, said_lost, said_gone;
static bool overflowed; /* ENOBUFS seen: the exact count is read from /proc/net/netlink */
static unsigned long sock_ino;

/* Recent pids of watched containers, direct-mapped by pid: a burst from one process hits one slot.
 * A slot is only consulted for a pid /proc no longer has, so a reused pid (alive) never reads it. */
#define PID_SLOTS 4096
static struct { __u32 pid; __u64 cgroup; } pids[PID_SLOTS];

void audit_note_pid(__u32 pid, __u64 cgroup)
{
	pids[pid % PID_SLOTS].pid = pid;
	pids[pid % PID_SLOTS].cgroup = cgroup;
}
static bool parse_only;    /* --parse-audit: every record is taken as a watched container's */

int audit_open(void)
{
	const char *why = NULL;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK, NETLINK_AUDIT);
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = 1 << (AUDIT_NLGRP_READLOG - 1) };
	if (fd < 0) why = "socket";
	/* Refused without CAP_AUDIT_READ (EPERM), or when the kernel has no audit (EPROTONOSUPPORT). */
	else if (bind(fd, (struct sockaddr *)&sa, sizeof(sa))) why = "bind to the audit multicast group";
	if (why) {
		printf("{\"seccompAudit\":false,\"error\":");
		char msg[256];
		int n = snprintf(msg, sizeof(msg), "%s: %s", why, strerror(errno));
		put_str(msg, n);
		puts("}");
		if (fd >= 0) close(fd);
		return -1;
	}
	/* As root the default (about 200 KiB) can be raised past rmem_max; a failure keeps the default. */
	int size = RCVBUF;
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &size, sizeof(size)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof(size));
	struct stat st;
	if (!fstat(fd, &st)) sock_ino = st.st_ino;
	puts("{\"seccompAudit\":true}");
	return fd;
}

/* The value of " key=" in a record: a quoted string, or a bare word (a number, or an untrusted
 * string the kernel hex-encoded because it held a space, a quote or a control byte). Copies at
 * most size-1 bytes; returns false when absent. */
static bool field(const char *text, size_t len, const char *key, char *out, size_t size, bool *quoted)
{
	size_t klen = strlen(key);
	for (size_t i = 0; i + klen + 1 < len; i++) {
		if ((i > 0 && text[i - 1] != ' ') || memcmp(text + i, key, klen) || text[i + klen] != '=') continue;
		size_t v = i + klen + 1, n = 0;
		*quoted = v < len && text[v] == '"';
		if (*quoted) v++;
		for (; v < len && n + 1 < size; v++) {
			char c = text[v];
			if (*quoted ? c == '"' : c == ' ') break;
			out[n++] = c;
		}
		out[n] = 0;
		return true;
	}
	return false;
}

static bool number(const char *text, size_t len, const char *key, int base, unsigned long long *out)
{
	char buf[32], *end;
	bool quoted;
	if (!field(text, len, key, buf, sizeof(buf), &quoted) || quoted || !buf[0]) return false;
	errno = 0;
	*out = strtoull(buf, &end, base);
	return !errno && *end == 0;
}

/* A string field as the kernel logs untrusted strings: quoted as is, or hex. Returns its length,
 * or -1 when absent or "(null)". */
static int string(const char *text, size_t len, const char *key, char *out, size_t size)
{
	bool quoted;
	if (!field(text, len, key, out, size, &quoted)) return -1;
	if (quoted) return strlen(out);
	size_t n = strlen(out);
	if (n == 0 || n % 2) return -1; /* "(null)" and anything that is not hex */
	for (size_t i = 0; i < n; i += 2) {
		unsigned v;
		if (sscanf(out + i, "%2x", &v) != 1 || !strchr("0123456789ABCDEFabcdef", out[i]) ||
		    !strchr("0123456789ABCDEFabcdef", out[i + 1]))
			return -1;
		out[i / 2] = (char)v;
	}
	return n / 2;
}

/* The seccomp action in the record's code (SECCOMP_RET_ACTION_FULL; the errno is not in it). */
static const char *action_name(unsigned long long code)
{
	switch (code) {
	case 0x80000000ULL: return "kill_process";
	case 0x00000000ULL: return "kill_thread";
	case 0x00030000ULL: return "trap";
	case 0x00050000ULL: return "errno";
	case 0x7fc00000ULL: return "user_notif";
	case 0x7ff00000ULL: return "trace";
	case 0x7ffc0000ULL: return "log";
	default: return "other";
	}
}

/* The watched container the task is in (its cgroup or one above it: podman exec may use a child
 * cgroup). 0 with *id set, -1 when the task is gone, 1 when it is not a watched container's. */
static int container_of_pid(unsigned long long pid, __u64 *cg, const char **id)
{
	char file[64], buf[4096], dir[8192];
	snprintf(file, sizeof(file), "/proc/%llu/cgroup", pid);
	int fd = open(file, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -1;
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0) return -1; /* a task that exited between open and read reads as empty */
	buf[n] = 0;
	char *path = NULL;
	for (char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, "0::", 3)) {
			path = l + 3;
			path[strcspn(path, "\n")] = 0;
			break;
		}
	const char *cgroup2 = cgroup2_mount();
	if (!path || !cgroup2) return 1;
	for (;;) {
		struct stat st;
		snprintf(dir, sizeof(dir), "%s%s", cgroup2, path);
		if (!stat(dir, &st) && (*id = container_id_of(st.st_ino))) {
			*cg = st.st_ino;
			return 0;
		}
		char *slash = strrchr(path, '/');
		if (!slash || slash == path) return 1;
		*slash = 0;
	}
}

void audit_record(const char *text, size_t len)
{
	unsigned long long pid, syscall, arch, code, uid = 0, gid = 0;
	char comm[COMM_MAX], exe[EXE_MAX];
	/* "audit(1796520273.672:1): …": seconds and milliseconds of the wall clock. */
	unsigned long long sec = 0, ms = 0;
	if (len > 6 && !memcmp(text, "audit(", 6)) {
		char stamp[48];
		size_t n = 0;
		for (size_t i = 6; i < len && n + 1 < sizeof(stamp) && text[i] != ')'; i++) stamp[n++] = text[i];
		stamp[n] = 0;
		if (sscanf(stamp, "%llu.%3llu", &sec, &ms) != 2) sec = ms = 0;
	}
	/* Without these the record names no call or no process: nothing to report. */
	if (!number(text, len, "pid", 10, &pid) || !number(text, len, "syscall", 10, &syscall) ||
	    !number(text, len, "arch", 16, &arch) || !number(text, len, "code", 16, &code))
		return;
	number(text, len, "uid", 10, &uid);
	number(text, len, "gid", 10, &gid);
	int comm_len = string(text, len, "comm", comm, sizeof(comm));
	int exe_len = string(text, len, "exe", exe, sizeof(exe));

	__u64 cg = 0;
	const char *id = "test";
	if (!parse_only) {
		int where = container_of_pid(pid, &cg, &id);
		if (where < 0 && pids[pid % PID_SLOTS].pid == pid && (id = container_id_of(pids[pid % PID_SLOTS].cgroup))) {
			cg = pids[pid % PID_SLOTS].cgroup;
			where = 0;
		}
		if (where < 0) gone++;
		if (where) return;
		audit_note_pid(pid, cg);
	}
	printf("{\"kind\":\"seccomp\",");
	time_t t = sec;
	struct tm tm;
	char when[32];
	if (sec && gmtime_r(&t, &tm) && strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
		printf("\"time\":\"%s.%03lluZ\",", when, ms);
	printf("\"cgroupId\":%llu,\"container\":", (unsigned long long)cg);
	put_str(id, strlen(id));
	printf(",\"pid\":%llu,\"uid\":%llu,\"gid\":%llu", pid, uid, gid);
	if (comm_len >= 0) fputs(",\"comm\":", stdout), put_str(comm, comm_len);
	if (exe_len >= 0) fputs(",\"exe\":", stdout), put_str(exe, exe_len);
	printf(",\"arch\":\"%llx\",\"syscall\":%llu,\"action\":\"%s\"}\n", arch, syscall, action_name(code));
}

void audit_handle(int fd)
{
	/* One datagram is one netlink message: a header and the record's text. */
	static char buf[NLMSG_SPACE(RECORD_MAX)];
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (n < 0) {
			/* The socket's buffer overflowed: some records were lost, how many the kernel does not say. */
			if (errno == ENOBUFS) { overflowed = true; lost++; continue; }
			if (errno == EINTR) continue;
			return; /* EAGAIN: drained */
		}
		const struct nlmsghdr *h = (const struct nlmsghdr *)buf;
		if ((size_t)n < NLMSG_HDRLEN || h->nlmsg_len > (size_t)n || h->nlmsg_len < NLMSG_HDRLEN) continue;
		if (h->nlmsg_type != AUDIT_SECCOMP) continue;
		const char *text = (const char *)NLMSG_DATA(h);
		size_t len = h->nlmsg_len - NLMSG_HDRLEN;
		audit_record(text, strnlen(text, len));
	}
}

/* The socket's drop counter (sk_drops: records the kernel could not queue for it), from its line
 * of /proc/net/netlink; 0 when not found. */
static unsigned long long socket_drops(void)
{
	FILE *f = fopen("/proc/net/netlink", "re");
	char line[256];
	unsigned long long drops = 0, d;
	unsigned long ino;
	while (f && fgets(line, sizeof(line), f))
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %*s %*s %llu %lu", &d, &ino) == 2 && ino == sock_ino) {
			drops = d;
			break;
		}
	if (f) fclose(f);
	return drops;
}

void audit_report(void)
{
	if (overflowed) {
		/* ENOBUFS says records were lost, not how many; the socket's counter does. */
		unsigned long long d = socket_drops();
		if (d > lost) lost = d;
		overflowed = false;
	}
	if (lost != said_lost) printf("{\"auditLost\":%llu}\n", lost), said_lost = lost;
	if (gone != said_gone) printf("{\"auditGone\":%llu}\n", gone), said_gone = gone;
}

/* --parse-audit: records separated by NUL bytes on stdin, each printed as if a watched container's
 * (cgroupId 0, container "test"). The parser's test feeds it hostile records. */
int audit_parse_stdin(void)
{
	static char rec[RECORD_MAX + 1];
	size_t n = 0;
	int c;
	parse_only = true;
	while ((c = getchar()) != EOF) {
		if (c == 0) { audit_record(rec, n); n = 0; continue; }
		if (n < RECORD_MAX) rec[n++] = (char)c; /* longer than the kernel's bound: cut, as the kernel would */
	}
	if (n) audit_record(rec, n);
	return 0;
}
