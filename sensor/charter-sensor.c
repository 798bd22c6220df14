// SPDX-License-Identifier: GPL-2.0
/* The sensor's loader: loads charter-sensor.bpf.c, reads commands from the agent on stdin (one JSON
 * object a line) and writes one JSON object a line on stdout: {"ready":true} once loaded, a reply
 * per command, one line per event, and {"drops":N} whenever the ring buffer lost events. It exits,
 * detaching everything, when stdin closes: the sensor never outlives the agent that started it.
 * Protocol: docs/sensor.md. The command parser is deliberately minimal: the agent is its only
 * writer; anything it cannot read is refused with an error line, never guessed at. */
#define _GNU_SOURCE /* O_PATH */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include <bpf/bpf.h>
#include "charter-sensor.h"
#include "audit.h"
#include "guard.h"
#include "loader.h"
#include "charter-sensor.skel.h"

#define MAX_CONTAINERS 256
#define LINE_MAX_LEN 8192
#define OVERLAYFS_SUPER_MAGIC 0x794c7630

/* The programs attached to each container's cgroup (connects, sends, raw sockets, UDP binds). */
#define CGROUP_PROGS 7

struct container {
	__u64 cgroup;
	char id[257];
	struct bpf_link *links[CGROUP_PROGS];
};

static struct charter_sensor *skel;
static struct container containers[MAX_CONTAINERS];
static int ncontainers;
static __s64 boot_to_wall_ns; /* added to CLOCK_BOOTTIME stamps */
static volatile sig_atomic_t stopping;

/* JSON string output. Filenames are bytes chosen by whoever runs in the container: quotes and
 * control characters are escaped, and bytes that are not UTF-8 become U+FFFD so a line is
 * always valid JSON. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	unsigned char c = s[0];
	size_t len;
	unsigned char lo = 0x80, hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf) len = 2;
	else if (c >= 0xe0 && c <= 0xef) { len = 3; if (c == 0xe0) lo = 0xa0; if (c == 0xed) hi = 0x9f; }
	else if (c >= 0xf0 && c <= 0xf4) { len = 4; if (c == 0xf0) lo = 0x90; if (c == 0xf4) hi = 0x8f; }
	else return 0;
	if (n < len || s[1] < lo || s[1] > hi) return 0;
	for (size_t i = 2; i < len; i++)
		if (s[i] < 0x80 || s[i] > 0xbf) return 0;
	return len;
}

void put_str(const char *s, size_t n)
{
	const unsigned char *u = (const unsigned char *)s;
	putchar('"');
	for (size_t i = 0; i < n && u[i]; ) {
		unsigned char c = u[i];
		if (c == '"' || c == '\\') { putchar('\\'); putchar(c); i++; }
		else if (c < 0x20 || c == 0x7f) { printf("\\u%04x", c); i++; }
		else if (c < 0x80) { putchar(c); i++; }
		else {
			size_t len = utf8_len(u + i, n - i);
			if (len == 0) { fputs("\\ufffd", stdout); i++; }
			else { fwrite(u + i, 1, len, stdout); i += len; }
		}
	}
	putchar('"');
}

void put_time(__u64 boot_ns)
{
	__s64 ns = (__s64)boot_ns + boot_to_wall_ns;
	time_t sec = ns / 1000000000;
	struct tm tm;
	char buf[32];
	gmtime_r(&sec, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	printf("\"time\":\"%s.%09lldZ\"", buf, (long long)(ns % 1000000000));
}

static struct container *container_of_cgroup(__u64 cg)
{
	for (int i = 0; i < ncontainers; i++)
		if (containers[i].cgroup == cg) return &containers[i];
	return NULL;
}

const char *container_id_of(__u64 cgroup)
{
	const struct container *c = container_of_cgroup(cgroup);
	return c ? c->id : NULL;
}

/* argv from the record: NUL-separated strings, the last one cut when the command line was longer. */
static void put_argv(const struct cs_event *e)
{
	__u32 n = e->args_len < CS_ARGS_LEN ? e->args_len : CS_ARGS_LEN;
	if (n == 0) return;
	fputs(",\"argv\":[", stdout);
	for (__u32 i = 0; i < n; ) {
		size_t len = strnlen(e->args + i, n - i);
		if (i > 0) putchar(',');
		put_str(e->args + i, len);
		i += len + 1;
	}
	putchar(']');
	if (e->args_truncated) fputs(",\"argvTruncated\":true", stdout);
}

/* The kernel's components, deepest first, joined from the root; omitted when incomplete. */
static void put_path(const struct cs_event *e)
{
	if (!e->path_complete || e->path_depth == 0 || e->path_depth > CS_PATH_DEPTH) return;
	char buf[CS_PATH_DEPTH * CS_NAME_LEN + 1];
	size_t used = 0;
	for (int i = e->path_depth - 1; i >= 0; i--) {
		size_t len = strnlen(e->path[i], CS_NAME_LEN);
		buf[used++] = '/';
		memcpy(buf + used, e->path[i], len);
		used += len;
	}
	fputs(",\"path\":", stdout);
	put_str(buf, used);
}

static const char *origin_name(__u8 o)
{
	switch (o) {
	case CS_ORIGIN_IMAGE: return "image";
	case CS_ORIGIN_WRITTEN: return "written";
	case CS_ORIGIN_MEMORY: return "memory";
	default: return "unknown";
	}
}

static const char *kind_name(__u32 k)
{
	switch (k) {
	case CS_EXEC: return "exec";
	case CS_EXIT: return "exit";
	case CS_CONNECT: return "connect";
	case CS_SOCKET: return "socket";
	case CS_SEND: return "send";
	case CS_LISTEN: return "listen";
	case CS_ACCEPT: return "accept";
	default: return NULL;
	}
}

static unsigned family_number(__u16 f) { return f == AF_INET ? 4 : 6; }

static const char *protocol_name(__u8 p)
{
	switch (p) {
	case IPPROTO_TCP: return "tcp";
	case IPPROTO_UDP: return "udp";
	case IPPROTO_ICMP: return "icmp";
	case IPPROTO_ICMPV6: return "icmpv6";
	case IPPROTO_RAW: return "raw";
	case IPPROTO_IP: return "ip"; /* a raw socket's 0: the kernel picks by type */
	default: return "other";
	}
}

static const char *socktype_name(__u8 t)
{
	switch (t) {
	case SOCK_STREAM: return "stream";
	case SOCK_DGRAM: return "dgram";
	case SOCK_RAW: return "raw";
	case SOCK_SEQPACKET: return "seqpacket";
	default: return "other";
	}
}

/* ,"<key>":"<address>" for an IPv4 or IPv6 address as the record holds it. */
static void put_addr(const char *key, __u16 family, const __u8 *a)
{
	char addr[INET6_ADDRSTRLEN];
	inet_ntop(family == AF_INET ? AF_INET : AF_INET6, a, addr, sizeof(addr));
	printf(",\"%s\":\"%s\"", key, addr);
}

/* Device numbers: the kernel side sees a super block's s_dev (MAJOR << 20 | MINOR), stat(2) reports
 * glibc's dev_t. The one place the two encodings meet. */
static unsigned long long stat_dev(__u32 kdev) { return makedev(kdev >> 20, kdev & 0xfffff); }
static __u32 kernel_dev(dev_t dev) { return (__u32)(major(dev) << 20 | (minor(dev) & 0xfffff)); }

static int on_event(void *ctx, void *data, size_t size)
{
	(void)ctx;
	const struct cs_event *e = data;
	if (size < sizeof(*e)) return 0;
	const char *kind = kind_name(e->kind);
	if (!kind) return 0;
	struct container *c = container_of_cgroup(e->cgroup);
	/* Seccomp refusals of a process that exited before its audit record was read are still its container's. */
	if (e->kind == CS_EXEC || e->kind == CS_EXIT) audit_note_pid(e->pid, e->cgroup);
	printf("{\"kind\":\"%s\",", kind);
	put_time(e->time_ns);
	printf(",\"cgroupId\":%llu,\"container\":", (unsigned long long)e->cgroup);
	put_str(c ? c->id : "", c ? sizeof(c->id) : 0);
	/* An accept completes in softirq context: no process is at hand, so none is named. */
	if (e->kind != CS_ACCEPT) {
		printf(",\"pid\":%u,\"nspid\":%u,\"ppid\":%u,\"uid\":%u,\"gid\":%u,\"comm\":", e->pid, e->nspid, e->ppid, e->uid,
		       e->gid);
		put_str(e->comm, sizeof(e->comm));
	}
	switch (e->kind) {
	case CS_EXEC:
		fputs(",\"filename\":", stdout);
		put_str(e->filename, sizeof(e->filename));
		printf(",\"ino\":%llu,\"dev\":%llu,\"origin\":\"%s\"", (unsigned long long)e->ino,
		       (unsigned long long)stat_dev(e->dev), origin_name(e->origin));
		put_path(e);
		put_argv(e);
		if (e->killed == CS_KILL_APPLET) {
			fputs(",\"killed\":true,\"why\":\"applet\",\"applet\":", stdout);
			put_str(e->applet, sizeof(e->applet));
		} else if (e->killed) {
			fputs(",\"killed\":true,\"why\":\"drift\"", stdout);
		}
		break;
	case CS_EXIT:
		/* wait(2) encoding: the low 7 bits are the signal, the next 8 the exit status. */
		if (e->exit_code & 0x7f) printf(",\"signal\":%d", e->exit_code & 0x7f);
		else printf(",\"code\":%d", (e->exit_code >> 8) & 0xff);
		break;
	case CS_SOCKET:
		printf(",\"family\":%u,\"type\":\"%s\",\"protocol\":\"%s\",\"denied\":%s", family_number(e->family),
		       socktype_name(e->socktype), protocol_name(e->protocol), e->denied ? "true" : "false");
		break;
	case CS_LISTEN:
		printf(",\"family\":%u", family_number(e->family));
		put_addr("address", e->family, e->saddr);
		printf(",\"port\":%u,\"protocol\":\"%s\"", e->sport, protocol_name(e->protocol));
		break;
	case CS_ACCEPT:
		printf(",\"family\":%u", family_number(e->family));
		put_addr("address", e->family, e->daddr);
		printf(",\"port\":%u", e->dport);
		put_addr("localAddress", e->family, e->saddr);
		printf(",\"localPort\":%u,\"protocol\":\"tcp\"", e->sport);
		break;
	default: /* connect, send */
		printf(",\"family\":%u", family_number(e->family));
		put_addr("address", e->family, e->daddr);
		printf(",\"port\":%u,\"protocol\":\"%s\",\"denied\":%s", e->dport,
		       e->protocol == IPPROTO_TCP || e->protocol == IPPROTO_UDP ? protocol_name(e->protocol) : "other",
		       e->denied ? "true" : "false");
	}
	puts("}");
	return 0;
}

/* The value of "key" in a flat JSON object: a string (simple escapes only), a number or a bool. */
const char *json_value(const char *line, const char *key)
{
	char pat[64];
	snprintf(pat, sizeof(pat), "\"%s\"", key);
	const char *p = strstr(line, pat);
	if (!p) return NULL;
	p += strlen(pat);
	while (*p == ' ' || *p == '\t') p++;
	if (*p++ != ':') return NULL;
	while (*p == ' ' || *p == '\t') p++;
	return p;
}

bool json_str(const char *line, const char *key, char *out, size_t size)
{
	const char *p = json_value(line, key);
	if (!p || *p++ != '"') return false;
	size_t n = 0;
	for (; *p && *p != '"'; p++) {
		if (*p == '\\') {
			p++;
			if (*p != '"' && *p != '\\' && *p != '/') return false; /* no \uXXXX in paths we accept */
		}
		if (n + 1 >= size) return false;
		out[n++] = *p;
	}
	out[n] = 0;
	return *p == '"';
}

void reply(const char *op, const char *error)
{
	fputs("{\"reply\":", stdout);
	put_str(op, strlen(op));
	if (error) {
		fputs(",\"ok\":false,\"error\":", stdout);
		put_str(error, strlen(error));
	} else {
		fputs(",\"ok\":true", stdout);
	}
	puts("}");
}

/* A cgroup-v2 directory's inode number is the id bpf_get_current_cgroup_id() reports. */
static int cgroup_id(const char *line, __u64 *id, int *fd)
{
	char path[4096];
	struct stat st;
	if (!json_str(line, "cgroup", path, sizeof(path))) return -EINVAL;
	int f = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (f < 0) return -errno;
	if (fstat(f, &st)) { close(f); return -errno; }
	*id = st.st_ino;
	if (fd) *fd = f;
	else close(f);
	return 0;
}

/* A boolean, and only a boolean, for "key". */
static bool json_bool(const char *line, const char *key, bool *out)
{
	const char *v = json_value(line, key);
	if (!v || (strncmp(v, "true", 4) && strncmp(v, "false", 5))) return false;
	*out = v[0] == 't';
	return true;
}

static void destroy_links(struct container *c)
{
	for (int i = 0; i < CGROUP_PROGS; i++) {
		bpf_link__destroy(c->links[i]);
		c->links[i] = NULL;
	}
}

/* Deletes a map's entries of one cgroup; every key of these maps starts with the cgroup id. The
 * key after a deleted one is fetched before deleting. */
static void forget_cgroup(struct bpf_map *map, __u64 cg)
{
	union { __u64 cgroup; struct cs_allow_key allow; struct cs_seen_key seen; struct cs_file_key file; struct cs_applet_key applet; } k, next;
	size_t size = bpf_map__key_size(map);
	if (size > sizeof(k)) return;
	int more = !bpf_map__get_next_key(map, NULL, &k, size);
	while (more) {
		more = !bpf_map__get_next_key(map, &k, &next, size);
		if (k.cgroup == cg) bpf_map__delete_elem(map, &k, size, 0);
		memcpy(&k, &next, size);
	}
}

/* A name the kernel can hold (CS_APPLET_LEN with its NUL) and match: not empty, no '/'; an applet
 * also starts with no '-' (the kernel never takes such an argument for an applet). */
static const char *bad_name(const char *key, const char *v, bool applet)
{
	static char why[96];
	if (!v[0] || strchr(v, '/') || (applet && v[0] == '-')) {
		snprintf(why, sizeof(why), "\"%s\" is not a program name (empty, a '/'%s)", key, applet ? " or a leading '-'" : "");
		return why;
	}
	return NULL;
}

/* The root (O_PATH) of the container's process `pid`, checked as the guard checks it
 * (adopt_process); -1 with the reason in `error`. */
static int container_root(__u64 cg, long pid, char *error, size_t esize)
{
	char cgpath[4096];
	int proc = adopt_process(cg, pid, cgpath, sizeof(cgpath), error, esize);
	if (proc < 0) return -1;
	int root = openat(proc, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	int err = errno;
	close(proc);
	if (root < 0) return snprintf(error, esize, "process %ld: its root: %s", pid, strerror(err)), -1;
	return root;
}

/* allow-applet: the file at `path` in the container (through the root of its process `pid`) is a
 * multi-call binary named `binary`, which it may run as `applet`. Once applet-kill is on, an exec
 * of that file as another applet is killed before its first instruction. */
static void allow_applet(const char *op, const char *line, __u64 cg)
{
	char path[4096], binary[CS_APPLET_LEN] = { 0 }, error[4200]; /* zero-padded: the kernel compares all of it */
	struct cs_applet_key k = { .cgroup = cg };
	struct cs_multicall mc = { 0 };
	const char *why;
	const char *pv = json_value(line, "pid");
	char *end;
	long pid = pv ? strtol(pv, &end, 10) : 0;
	if (!pv || end == pv || pid <= 0 || pid > 4194304) return reply(op, "no \"pid\" of the container's process");
	if (!json_str(line, "path", path, sizeof(path)) || path[0] != '/') return reply(op, "no absolute \"path\"");
	if (!json_str(line, "applet", k.name, sizeof(k.name))) return reply(op, "no \"applet\" (a string of at most 31 bytes)");
	if (!json_str(line, "binary", binary, sizeof(binary))) return reply(op, "no \"binary\" (a string of at most 31 bytes)");
	if ((why = bad_name("applet", k.name, true)) || (why = bad_name("binary", binary, false))) return reply(op, why);
	memcpy(mc.name, binary, sizeof(mc.name));
	int root = container_root(cg, pid, error, sizeof(error));
	if (root < 0) return reply(op, error);
	int fd = open_in_root(root, path, O_PATH);
	int err = errno;
	struct stat st, rst;
	struct statfs fs;
	if (fd < 0 || fstat(fd, &st) || fstatfs(fd, &fs) || fstat(root, &rst)) {
		if (fd >= 0) err = errno, close(fd);
		close(root);
		snprintf(error, sizeof(error), "%s: %s", path, strerror(err));
		return reply(op, error);
	}
	close(fd);
	close(root);
	if (!S_ISREG(st.st_mode)) return reply(op, "\"path\" is not a regular file");
	/* An overlay whose layers sit on different file systems (without xino) gives its files a
	 * layer's device in stat(2), not its own, which is what the kernel side sees: no exec would
	 * match, and the container would believe its applets judged. Said instead. */
	if (fs.f_type == OVERLAYFS_SUPER_MAGIC && rst.st_dev != st.st_dev) {
		snprintf(error, sizeof(error), "%s: its overlay reports a layer's device for it (layers on different file systems), which the kernel does not see", path);
		return reply(op, error);
	}
	k.ino = st.st_ino;
	k.dev = kernel_dev(st.st_dev);
	struct cs_file_key fk = { .cgroup = cg, .ino = k.ino, .dev = k.dev };
	/* The applet first: the file becomes multi-call with at least this applet allowed. */
	if (bpf_map__update_elem(skel->maps.applets, &k, sizeof(k), &(__u8){1}, 1, BPF_ANY) ||
	    bpf_map__update_elem(skel->maps.multicall, &fk, sizeof(fk), &mc, sizeof(mc), BPF_ANY))
		return reply(op, strerror(errno));
	reply(op, NULL);
}

static void command(const char *line)
{
	char op[32], id[257], addr[64];
	__u64 cg;
	int fd, err;
	if (!json_str(line, "op", op, sizeof(op))) return reply("?", "no \"op\"");
	if (!strcmp(op, "attach")) {
		if (!json_str(line, "id", id, sizeof(id)) || !id[0]) return reply(op, "no container \"id\"");
		if ((err = cgroup_id(line, &cg, &fd))) return reply(op, strerror(-err));
		if (container_of_cgroup(cg)) { close(fd); return reply(op, "cgroup already attached"); }
		if (ncontainers == MAX_CONTAINERS) { close(fd); return reply(op, "too many containers"); }
		struct container *c = &containers[ncontainers];
		struct bpf_program *progs[CGROUP_PROGS] = {
			skel->progs.connect4, skel->progs.connect6, skel->progs.sendmsg4, skel->progs.sendmsg6,
			skel->progs.sock_create, skel->progs.post_bind4, skel->progs.post_bind6,
		};
		err = 0;
		for (int i = 0; i < CGROUP_PROGS && !err; i++)
			if (!(c->links[i] = bpf_program__attach_cgroup(progs[i], fd))) err = -errno;
		close(fd);
		if (err) {
			destroy_links(c);
			return reply(op, strerror(-err));
		}
		/* Observed, nothing granted, until told otherwise. */
		struct cs_watch w = { .mode = CS_MODE_OBSERVE };
		if (bpf_map__update_elem(skel->maps.watched, &cg, sizeof(cg), &w, sizeof(w), BPF_ANY)) {
			err = errno;
			destroy_links(c);
			return reply(op, strerror(err));
		}
		c->cgroup = cg;
		snprintf(c->id, sizeof(c->id), "%s", id);
		ncontainers++;
		return reply(op, NULL);
	}
	if ((err = cgroup_id(line, &cg, NULL))) return reply(op, strerror(-err));
	if (!container_of_cgroup(cg)) return reply(op, "cgroup not attached");
	if (guard_command(op, line, cg, container_of_cgroup(cg)->id)) return;
	if (!strcmp(op, "allow")) {
		struct cs_allow_key k = { .cgroup = cg, .family = 2 };
		const char *port = json_value(line, "port");
		char *end;
		long p = port ? strtol(port, &end, 10) : -1;
		if (!port || end == port || p < 0 || p > 65535) return reply(op, "no \"port\" in 0-65535");
		k.port = p;
		if (json_str(line, "address", addr, sizeof(addr))) {
			if (inet_pton(AF_INET, addr, k.addr) == 1) k.family = 2;
			else if (inet_pton(AF_INET6, addr, k.addr) == 1) k.family = 10;
			else return reply(op, "\"address\" is not an IP address");
			if (bpf_map__update_elem(skel->maps.allow, &k, sizeof(k), &(__u8){1}, 1, BPF_ANY)) return reply(op, strerror(errno));
		} else {
			/* Any address on this port, for either family. */
			int e1 = bpf_map__update_elem(skel->maps.allow, &k, sizeof(k), &(__u8){1}, 1, BPF_ANY);
			k.family = 10;
			if (e1 || bpf_map__update_elem(skel->maps.allow, &k, sizeof(k), &(__u8){1}, 1, BPF_ANY)) return reply(op, strerror(errno));
		}
		return reply(op, NULL);
	}
	if (!strcmp(op, "block")) {
		/* A peer the response ladder blocks: refused whatever the mode, every port when none is given. */
		struct cs_allow_key k = { .cgroup = cg };
		const char *port = json_value(line, "port");
		char *end;
		long p = port ? strtol(port, &end, 10) : 0;
		if (port && (end == port || p < 0 || p > 65535)) return reply(op, "\"port\" is not in 0-65535");
		k.port = p;
		if (!json_str(line, "address", addr, sizeof(addr))) return reply(op, "no \"address\"");
		/* An IPv4 peer is judged as IPv4 even through ::ffff:a.b.c.d (charter-sensor.bpf.c, destination). */
		if (inet_pton(AF_INET, addr, k.addr) == 1) k.family = 2;
		else if (inet_pton(AF_INET6, addr, k.addr) == 1) k.family = 10;
		else return reply(op, "\"address\" is not an IP address");
		if (bpf_map__update_elem(skel->maps.blocked, &k, sizeof(k), &(__u8){1}, 1, BPF_ANY)) return reply(op, strerror(errno));
		return reply(op, NULL);
	}
	if (!strcmp(op, "allow-applet")) return allow_applet(op, line, cg);
	/* The container's switches: enforcement, raw sockets granted, drift and applets killed at exec. */
	bool enforce = !strcmp(op, "enforce"), allow_raw = !strcmp(op, "allow-raw"), exec_kill = !strcmp(op, "exec-kill"),
	     applet_kill = !strcmp(op, "applet-kill");
	if (enforce || allow_raw || exec_kill || applet_kill) {
		bool on;
		struct cs_watch w;
		if (!json_bool(line, "on", &on)) return reply(op, "no boolean \"on\"");
		if (bpf_map__lookup_elem(skel->maps.watched, &cg, sizeof(cg), &w, sizeof(w), 0)) return reply(op, strerror(errno));
		if (enforce) w.mode = on ? CS_MODE_ENFORCE : CS_MODE_OBSERVE;
		else if (allow_raw) w.allow_raw = on;
		else if (exec_kill) w.kill_drift = on;
		else w.kill_applets = on;
		if (bpf_map__update_elem(skel->maps.watched, &cg, sizeof(cg), &w, sizeof(w), BPF_ANY)) return reply(op, strerror(errno));
		return reply(op, NULL);
	}
	if (!strcmp(op, "detach")) {
		struct container *c = container_of_cgroup(cg);
		guard_detach(cg);
		destroy_links(c);
		bpf_map__delete_elem(skel->maps.watched, &cg, sizeof(cg), 0);
		/* Forget its allow entries and what was reported of it too. */
		forget_cgroup(skel->maps.allow, cg);
		forget_cgroup(skel->maps.blocked, cg);
		forget_cgroup(skel->maps.seen, cg);
		forget_cgroup(skel->maps.multicall, cg);
		forget_cgroup(skel->maps.applets, cg);
		*c = containers[--ncontainers];
		return reply(op, NULL);
	}
	reply(op, "unknown op");
}

static void on_signal(int sig) { (void)sig; stopping = 1; }

static int quiet(enum libbpf_print_level level, const char *fmt, va_list args)
{
	return level == LIBBPF_WARN ? vfprintf(stderr, fmt, args) : 0;
}

/* Arguments: --seccomp-audit reports the seccomp refusals the kernel audits (audit.c);
 * --parse-audit only runs that parser over stdin, for its test. */
int main(int argc, char **argv)
{
	struct timespec rt, bt;
	char line[LINE_MAX_LEN];
	size_t used = 0;
	__u64 last_drops = 0;

	/* Lines go out a batch at a time, flushed before the loop waits: one write a drained batch, not
	 * one a line, so a burst wakes the agent once. (Its CPU per exec stayed 60–70 µs: that is its
	 * parsing and judging.) The agent reads a stream of lines, however they are cut. */
	static char out[1 << 16];
	setvbuf(stdout, out, _IOFBF, sizeof(out));
	libbpf_set_print(quiet);
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	clock_gettime(CLOCK_REALTIME, &rt);
	clock_gettime(CLOCK_BOOTTIME, &bt);
	boot_to_wall_ns = (rt.tv_sec - bt.tv_sec) * 1000000000LL + (rt.tv_nsec - bt.tv_nsec);
	bool seccomp_audit = false;
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--parse-audit")) return audit_parse_stdin();
		if (!strcmp(argv[i], "--seccomp-audit")) seccomp_audit = true;
		else { printf("{\"ready\":false,\"error\":\"unknown argument\"}\n"); return 2; }
	}

	skel = charter_sensor__open_and_load();
	if (!skel) { printf("{\"ready\":false,\"error\":\"load: %s\"}\n", strerror(errno)); return 1; }
	struct bpf_link *exec_link = bpf_program__attach(skel->progs.on_exec);
	struct bpf_link *exit_link = bpf_program__attach(skel->progs.on_exit);
	struct bpf_link *state_link = bpf_program__attach(skel->progs.on_sock_state);
	struct ring_buffer *rb = ring_buffer__new(bpf_map__fd(skel->maps.events), on_event, NULL, NULL);
	if (!exec_link || !exit_link || !state_link || !rb) { printf("{\"ready\":false,\"error\":\"attach: %s\"}\n", strerror(errno)); return 1; }
	/* Before ready: the agent knows whether refusals will be reported before it attaches anything. */
	int audit = seccomp_audit ? audit_open() : -1;
	puts("{\"ready\":true}");
	fflush(stdout);

	/* A negative fd (no audit) is skipped by poll. */
	struct pollfd fds[3 + GUARD_POLLFDS] = {
		{ .fd = 0, .events = POLLIN }, { .fd = ring_buffer__epoll_fd(rb), .events = POLLIN }, { .fd = audit, .events = POLLIN }
	};
	while (!stopping) {
		int nguard = guard_pollfds(fds + 3, GUARD_POLLFDS);
		fflush(stdout); /* replies, reports and events of this round, before waiting */
		if (poll(fds, 3 + nguard, CS_DRAIN_MS) < 0 && errno != EINTR) break;
		guard_handle(fds + 3, nguard); /* its reports: the guard's own thread answers the kernel */
		ring_buffer__consume(rb);
		if (fds[2].revents & POLLIN) audit_handle(audit);
		if (audit >= 0) audit_report();
		__u32 zero = 0;
		__u64 drops = 0;
		if (!bpf_map__lookup_elem(skel->maps.drops, &zero, sizeof(zero), &drops, sizeof(drops), 0) && drops != last_drops) {
			printf("{\"drops\":%llu}\n", (unsigned long long)drops);
			last_drops = drops;
		}
		if (fds[0].revents & (POLLIN | POLLHUP)) {
			ssize_t n = read(0, line + used, sizeof(line) - 1 - used);
			if (n <= 0) break; /* the agent went away */
			used += n;
			char *nl;
			while ((nl = memchr(line, '\n', used))) {
				*nl = 0;
				command(line);
				used -= nl + 1 - line;
				memmove(line, nl + 1, used);
			}
			if (used == sizeof(line) - 1) { reply("?", "command line too long"); used = 0; }
		}
	}
	ring_buffer__consume(rb);
	if (audit >= 0) close(audit);
	guard_close_all();
	for (int i = 0; i < ncontainers; i++) destroy_links(&containers[i]);
	ring_buffer__free(rb);
	bpf_link__destroy(exec_link);
	bpf_link__destroy(exit_link);
	bpf_link__destroy(state_link);
	charter_sensor__destroy(skel);
	return 0;
}
