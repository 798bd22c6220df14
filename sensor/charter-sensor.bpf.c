// SPDX-License-Identifier: GPL-2.0
/* Charter's kernel sensor (docs/sensor.md). Exec and exit come from tp_btf tracepoints: BPF-LSM
 * and fentry are refused on the hosts we run on and syscalls:* tracepoints cost 5-20 % of
 * throughput, while sched_process_exec fires once per successful exec with the binprm in hand, in
 * the new program before its first instruction (where drift can be killed). Connects, unconnected
 * sends, raw sockets and UDP binds come from cgroup socket hooks attached to each container's own
 * cgroup, which are also the one place a verdict can be enforced per container (returning 0 fails
 * the call with EPERM in that container only). TCP listens and accepts come from the
 * sock:inet_sock_set_state tracepoint. Only processes in watched cgroups are reported, so a busy
 * host costs one map lookup per exec. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "charter-sensor.h"

#define AF_INET 2
#define AF_INET6 10
#define SOCK_DGRAM 2
#define SOCK_RAW 3
#define SIGKILL 9
#define IPPROTO_ICMPV6 58 /* a #define in the kernel, not in its BTF */
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
/* Deepest cgroup nesting searched for a watched ancestor (podman puts containers at depth 2). */
#define MAX_CGROUP_DEPTH 16

char LICENSE[] SEC("license") = "GPL"; /* bpf_send_signal and the tp_btf helpers are GPL-only */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, CS_RINGBUF_SIZE);
} events SEC(".maps");

/* cgroup id -> what to do for that container (struct cs_watch). Written by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, struct cs_watch);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cs_allow_key);
	__type(value, __u8);
} allow SEC(".maps");

/* Peers the agent's response ladder blocked (`block-peer`): refused in any mode, before the allow
 * map is asked. Port 0 blocks every port of that address. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cs_allow_key);
	__type(value, __u8);
} blocked SEC(".maps");

/* Destinations of allowed sends and peers of accepts already reported: a busy resolver or server
 * would otherwise put an event per datagram or connection in the ring buffer. LRU, so a container
 * talking to many peers forgets the oldest ones (reported again when seen again), never fills up. */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct cs_seen_key);
	__type(value, __u8);
} seen SEC(".maps");

/* Multi-call files (busybox) of each container whose applets are judged at exec: (cgroup, dev,
 * ino) -> the binary's own name. Written by the loader (allow-applet). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, struct cs_file_key);
	__type(value, struct cs_multicall);
} multicall SEC(".maps");

/* The applets each container may run its multi-call files as: (cgroup, dev, ino, name). */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cs_applet_key);
	__type(value, __u8);
} applets SEC(".maps");

/* Room to read argv[0] in: more than a BPF stack holds. Per CPU, as the programs cannot be
 * preempted by themselves. */
struct cs_arg0 {
	char s[CS_ARG0_LEN];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct cs_arg0);
} arg0 SEC(".maps");

/* Ring-buffer reservations that failed: a full buffer loses events, and the agent must know. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* The watched cgroup the current task is in or below, 0 when none. Processes of `podman exec`
 * may sit in a child cgroup of the container's, so ancestors are searched, nearest first. */
static __always_inline __u64 watched_cgroup(struct cs_watch **watch)
{
	for (int level = MAX_CGROUP_DEPTH; level >= 1; level--) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (id == 0)
			continue; /* deeper than the task's own cgroup */
		struct cs_watch *w = bpf_map_lookup_elem(&watched, &id);
		if (w) {
			*watch = w;
			return id;
		}
	}
	return 0;
}

/* The same for a socket, from the cgroup it was created in: an accept completes in softirq
 * context, where the current task is whoever the packet interrupted (on loopback, often the
 * connecting client). */
static __always_inline __u64 sock_watched_cgroup(const struct sock *sk)
{
	struct cgroup *cg = BPF_CORE_READ(sk, sk_cgrp_data.cgroup);
	if (!cg)
		return 0;
	int level = BPF_CORE_READ(cg, level);
	for (int i = 0; i < MAX_CGROUP_DEPTH; i++) {
		if (level - i < 1)
			break;
		struct cgroup *anc;
		if (bpf_core_read(&anc, sizeof(anc), &cg->ancestors[level - i]))
			return 0;
		__u64 id = BPF_CORE_READ(anc, kn, id);
		if (bpf_map_lookup_elem(&watched, &id))
			return id;
	}
	return 0;
}

static __always_inline struct cs_event *reserve(void)
{
	struct cs_event *e = bpf_ringbuf_reserve(&events, sizeof(*e), 0);
	if (!e) {
		__u32 zero = 0;
		__u64 *n = bpf_map_lookup_elem(&drops, &zero);
		if (n)
			__sync_fetch_and_add(n, 1);
		return 0;
	}
	/* Only the fixed fields are cleared: the strings behind them are written or ignored by length. */
	__builtin_memset(e, 0, __builtin_offsetof(struct cs_event, comm));
	e->filename[0] = 0;
	e->time_ns = bpf_ktime_get_boot_ns();
	__u64 ug = bpf_get_current_uid_gid();
	e->uid = (__u32)ug;
	e->gid = ug >> 32;
	e->pid = bpf_get_current_pid_tgid() >> 32;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	return e;
}

/* Hands a record to the loader. Waking it costs more than everything else a program does (an
 * irq_work self-interrupt; measured on a 2-core virtual machine: a connect hook took 9 us with a
 * wakeup per record, 1 us without), so the loader is woken only when a batch is waiting (a quarter
 * of the buffer); otherwise it finds the records when it next looks, at most CS_DRAIN_MS later.
 * Verdicts are not hurried either: the refusal or the kill has already happened in the kernel. */
static __always_inline void submit(struct cs_event *e)
{
	__u64 waiting = bpf_ringbuf_query(&events, BPF_RB_AVAIL_DATA);
	bpf_ringbuf_submit(e, waiting >= CS_RINGBUF_SIZE / 4 ? BPF_RB_FORCE_WAKEUP : BPF_RB_NO_WAKEUP);
}

/* The tgid as the task's own pid namespace sees it: what `ps` in the container shows. */
static __always_inline __u32 ns_tgid(struct task_struct *t)
{
	struct pid *p = BPF_CORE_READ(t, group_leader, thread_pid);
	unsigned int level = BPF_CORE_READ(p, level);
	struct upid up;
	if (bpf_core_read(&up, sizeof(up), &p->numbers[level & 31]))
		return 0;
	return up.nr;
}

static __always_inline __u8 origin_of(struct inode *ino)
{
	/* A deleted file or a memfd has no links: code that exists only in memory. */
	if (BPF_CORE_READ(ino, __i_nlink) == 0)
		return CS_ORIGIN_MEMORY;
	if (BPF_CORE_READ(ino, i_sb, s_magic) != OVERLAYFS_SUPER_MAGIC)
		return CS_ORIGIN_UNKNOWN; /* a volume, tmpfs, or a host file system */
	/* An overlay inode with an upper dentry was created or copied up after the container started. */
	struct ovl_inode *oi = (void *)ino - bpf_core_field_offset(struct ovl_inode, vfs_inode);
	return BPF_CORE_READ(oi, __upperdentry) ? CS_ORIGIN_WRITTEN : CS_ORIGIN_IMAGE;
}

/* The path of the executed file as the new program's root sees it, symlinks resolved: what d_path
 * does, which tracepoints may not call (bpf_d_path is for LSM and fentry hooks). Mount points are
 * crossed up to the task's root; the loader joins the components. */
static __always_inline void file_path(struct cs_event *e, struct task_struct *p, struct file *f)
{
	struct path root = BPF_CORE_READ(p, fs, root);
	struct dentry *d = BPF_CORE_READ(f, f_path.dentry);
	struct vfsmount *vm = BPF_CORE_READ(f, f_path.mnt);
	struct mount *mnt = container_of(vm, struct mount, mnt);
	__u32 n = 0;
	for (int i = 0; i < CS_PATH_DEPTH + 4; i++) {
		if (d == root.dentry && vm == root.mnt) {
			e->path_complete = 1;
			break;
		}
		if (d == BPF_CORE_READ(vm, mnt_root)) {
			struct mount *parent = BPF_CORE_READ(mnt, mnt_parent);
			if (parent == mnt)
				break; /* outside the task's root: no path it could name */
			d = BPF_CORE_READ(mnt, mnt_mountpoint);
			mnt = parent;
			vm = &parent->mnt;
			continue;
		}
		if (n >= CS_PATH_DEPTH)
			break;
		long len = bpf_probe_read_kernel_str(e->path[n], CS_NAME_LEN, BPF_CORE_READ(d, d_name.name));
		if (len <= 0 || len >= CS_NAME_LEN)
			break; /* a name longer than the slot: incomplete */
		n++;
		d = BPF_CORE_READ(d, d_parent);
	}
	e->path_depth = n;
}

/* The event of a process of watched container `cg` (exec, exit), its identity filled in; NULL
 * when the ring buffer is full (counted as a drop). */
static __always_inline struct cs_event *task_event(__u32 kind, struct task_struct *p, __u64 cg)
{
	struct cs_event *e = reserve();
	if (!e)
		return 0;
	e->kind = kind;
	e->cgroup = cg;
	e->nspid = ns_tgid(p);
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	return e;
}

/* The applet a multi-call file runs as, decided as the engine decides it (appletOf in
 * src/profile/multi-call.ts): the basename of argv[0]; when that is the binary's own name
 * (`busybox`), the first argument, or NAME of --coreutils-prog=NAME, unless it starts with '-' or
 * holds a '/'. Writes it, zero-padded, to `name`; false when there is none, or none that fits in
 * CS_APPLET_LEN (the loader allows no longer name, so such an exec is not allowed either). Reads
 * the new program's stack, like the argv of the event: the exec has just built it, no one else
 * can change it yet. Every loop is bounded and leaves as soon as it decides. */
static __always_inline int applet_of(struct mm_struct *mm, const struct cs_multicall *mc, char *name)
{
	__u32 zero = 0;
	struct cs_arg0 *buf = bpf_map_lookup_elem(&arg0, &zero);
	if (!buf)
		return 0;
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	if (end <= start)
		return 0;
	long n = bpf_probe_read_user_str(buf->s, CS_ARG0_LEN, (void *)start);
	if (n <= 0 || n >= CS_ARG0_LEN)
		return 0; /* unreadable, or possibly cut: no basename to be sure of */
	/* The last '/', looked for among the last CS_APPLET_LEN - 1 bytes only: a longer basename fits no
	 * allowed name. */
	long base = -1;
	for (int i = 0; i < CS_APPLET_LEN; i++) {
		long j = n - 2 - i;
		if (j < 0) {
			base = 0;
			break;
		}
		if (buf->s[j & (CS_ARG0_LEN - 1)] == '/') {
			base = j + 1;
			break;
		}
	}
	if (base < 0)
		return 0;
	__builtin_memset(name, 0, CS_APPLET_LEN);
	bpf_probe_read_kernel_str(name, CS_APPLET_LEN, buf->s + (base & (CS_ARG0_LEN - 1)));
	__u64 a[4], b[4];
	__builtin_memcpy(a, name, sizeof(a));
	__builtin_memcpy(b, mc->name, sizeof(b));
	if ((a[0] ^ b[0]) | (a[1] ^ b[1]) | (a[2] ^ b[2]) | (a[3] ^ b[3]))
		return 1; /* run by an applet's name */
	/* Run as itself: its first argument names the applet. */
	if (start + n >= end)
		return 0;
	const char prog[] = "--coreutils-prog=";
	const int plen = sizeof(prog) - 1;
	long m = bpf_probe_read_user_str(buf->s, plen + CS_APPLET_LEN + 1, (void *)(start + n));
	if (m <= 1)
		return 0;
	int off = plen;
	for (int k = 0; k < plen; k++) {
		if (buf->s[k] != prog[k]) {
			off = 0;
			break;
		}
	}
	if (m - off > CS_APPLET_LEN || m - off <= 1)
		return 0; /* too long for a name, or --coreutils-prog= with none */
	if (off == 0 && buf->s[0] == '-')
		return 0;
	if (off == 0) {
		for (int k = 0; k < CS_APPLET_LEN; k++) {
			if (k >= m)
				break;
			if (buf->s[k] == '/')
				return 0;
		}
	}
	__builtin_memset(name, 0, CS_APPLET_LEN);
	bpf_probe_read_kernel_str(name, CS_APPLET_LEN, buf->s + off);
	return 1;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cs_watch *w;
	__u64 cg = watched_cgroup(&w);
	if (!cg)
		return 0;
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	__u8 origin = origin_of(ino);
	/* Drift under enforcement dies here, before its first instruction: the signal is pending when
	 * the exec returns to user space. Decided before the event is reserved, so a full ring buffer
	 * loses the report, never the kill. */
	int killed = 0;
	if (w->mode == CS_MODE_ENFORCE && w->kill_drift && (origin == CS_ORIGIN_WRITTEN || origin == CS_ORIGIN_MEMORY) &&
	    bpf_send_signal(SIGKILL) == 0)
		killed = CS_KILL_DRIFT;
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	/* A multi-call file run as an applet the container may not run dies the same way. Another
	 * file costs one lookup, and nothing while the switch is off. */
	struct cs_applet_key ak = { .cgroup = cg, .ino = BPF_CORE_READ(ino, i_ino), .dev = BPF_CORE_READ(ino, i_sb, s_dev) };
	if (!killed && w->kill_applets) {
		struct cs_file_key fk = { .cgroup = cg, .ino = ak.ino, .dev = ak.dev };
		struct cs_multicall *mc = bpf_map_lookup_elem(&multicall, &fk);
		if (mc) {
			int named = applet_of(mm, mc, ak.name);
			if (!named)
				__builtin_memset(ak.name, 0, sizeof(ak.name));
			if ((!named || !bpf_map_lookup_elem(&applets, &ak)) && bpf_send_signal(SIGKILL) == 0)
				killed = CS_KILL_APPLET;
		}
	}
	struct cs_event *e = task_event(CS_EXEC, p, cg);
	if (!e)
		return 0;
	e->killed = killed;
	if (killed == CS_KILL_APPLET)
		__builtin_memcpy(e->applet, ak.name, sizeof(e->applet));
	/* bprm->filename is the path as exec was asked for it (after the interpreter line); the
	 * file's inode and device identify what actually ran. */
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	e->ino = ak.ino;
	e->dev = ak.dev;
	e->origin = origin;
	file_path(e, p, BPF_CORE_READ(bprm, file));
	/* argv is read here, not from /proc later: a short-lived program is gone before the loader
	 * could look. The tracepoint runs in the new program, its arguments already on its stack. */
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end > start ? end - start : 0;
	if (len >= CS_ARGS_LEN) {
		len = CS_ARGS_LEN - 1;
		e->args_truncated = 1;
	}
	len &= CS_ARGS_LEN - 1; /* a no-op the verifier needs to see the bound */
	if (bpf_probe_read_user(e->args, len, (void *)start) == 0)
		e->args_len = len;
	submit(e);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	/* Threads exit too; only the process (its thread group leader) is an event. */
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	struct cs_watch *w;
	__u64 cg = watched_cgroup(&w);
	if (!cg)
		return 0;
	struct cs_event *e = task_event(CS_EXIT, p, cg);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	submit(e);
	return 0;
}

static __always_inline int allowed(__u64 cg, __u16 family, const __u8 *addr, __u16 port)
{
	struct cs_allow_key k = { .cgroup = cg, .port = port, .family = family };
	__builtin_memcpy(k.addr, addr, 16);
	if (bpf_map_lookup_elem(&allow, &k))
		return 1;
	__builtin_memset(k.addr, 0, 16); /* any address on this port */
	return bpf_map_lookup_elem(&allow, &k) != 0;
}

static __always_inline int is_blocked(__u64 cg, __u16 family, const __u8 *addr, __u16 port)
{
	struct cs_allow_key k = { .cgroup = cg, .port = port, .family = family };
	__builtin_memcpy(k.addr, addr, 16);
	if (bpf_map_lookup_elem(&blocked, &k))
		return 1;
	k.port = 0; /* every port of this address */
	return bpf_map_lookup_elem(&blocked, &k) != 0;
}

/* The destination of a connect or a send, its family as judged: ::ffff:a.b.c.d reaches an IPv4
 * peer and is judged and reported as that IPv4 address, so an allow entry for it cannot be
 * sidestepped through a dual-stack socket. */
static __always_inline __u16 destination(struct bpf_sock_addr *ctx, __u16 family, __u8 *addr)
{
	if (family == AF_INET) {
		__u32 a = ctx->user_ip4;
		__builtin_memcpy(addr, &a, 4);
		return AF_INET;
	}
	/* user_ip6 allows only 4-byte loads, hence word by word. */
	__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];
	if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
		__builtin_memcpy(addr, &w3, 4);
		return AF_INET;
	}
	__builtin_memcpy(addr, &w0, 4);
	__builtin_memcpy(addr + 4, &w1, 4);
	__builtin_memcpy(addr + 8, &w2, 4);
	__builtin_memcpy(addr + 12, &w3, 4);
	return AF_INET6;
}

/* Reports an allowed send or an accept once per (container, address, port): true when this one
 * was already reported. Marked seen only once its event is in the ring buffer (see `remember`),
 * so a drop does not hide the destination for good. */
static __always_inline int reported_before(struct cs_seen_key *k)
{
	return bpf_map_lookup_elem(&seen, k) != 0;
}

static __always_inline void remember(struct cs_seen_key *k)
{
	__u8 one = 1;
	bpf_map_update_elem(&seen, k, &one, BPF_ANY);
}

/* A connect, or a datagram sent to an address without connect (UDP sendto, sendmsg with a name),
 * judged against the allow map. Every connect is reported (one per connection); sends are reported
 * when denied, and once per destination when allowed, not once per datagram. */
static __always_inline int judge(struct bpf_sock_addr *ctx, __u16 family, __u32 kind)
{
	struct cs_watch *w;
	__u64 cg = watched_cgroup(&w);
	if (!cg)
		return 1;
	__u8 addr[16] = {};
	family = destination(ctx, family, addr);
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	int deny = is_blocked(cg, family, addr, port) || (w->mode == CS_MODE_ENFORCE && !allowed(cg, family, addr, port));

	struct cs_seen_key k = { .cgroup = cg, .port = port, .family = family, .kind = kind };
	__builtin_memcpy(k.addr, addr, 16);
	int once = kind == CS_SEND && !deny;
	if (once && reported_before(&k))
		return 1;
	struct cs_event *e = reserve();
	if (e) {
		e->kind = kind;
		e->cgroup = cg;
		e->family = family;
		e->dport = port;
		e->protocol = ctx->protocol;
		e->denied = deny;
		__builtin_memcpy(e->daddr, addr, 16);
		submit(e);
		if (once)
			remember(&k);
	}
	return deny ? 0 : 1; /* 0: the call fails with EPERM */
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	return judge(ctx, AF_INET, CS_CONNECT);
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	return judge(ctx, AF_INET6, CS_CONNECT);
}

/* Only unconnected UDP sends reach these (udp_sendmsg runs them when the message names its
 * destination): a DNS query through sendto is the common case. A connected socket was judged at
 * connect. */
SEC("cgroup/sendmsg4")
int sendmsg4(struct bpf_sock_addr *ctx)
{
	return judge(ctx, AF_INET, CS_SEND);
}

SEC("cgroup/sendmsg6")
int sendmsg6(struct bpf_sock_addr *ctx)
{
	return judge(ctx, AF_INET6, CS_SEND);
}

/* A socket that reaches below TCP and UDP: raw IP (forged packets, scans) or an ICMP "ping"
 * socket. Runs in the creating process (its identity is at hand) for every IPv4 and IPv6 socket
 * the container makes, so ordinary ones leave after three loads. Refused under enforcement unless
 * granted: socket() then fails with EPERM. Packet (AF_PACKET) sockets never reach this hook: the
 * kernel runs it from inet_create and inet6_create only. */
SEC("cgroup/sock_create")
int sock_create(struct bpf_sock *ctx)
{
	__u32 family = ctx->family, type = ctx->type, protocol = ctx->protocol;
	int ping = type == SOCK_DGRAM && (protocol == IPPROTO_ICMP || protocol == IPPROTO_ICMPV6);
	if ((family != AF_INET && family != AF_INET6) || (type != SOCK_RAW && !ping))
		return 1;
	struct cs_watch *w;
	__u64 cg = watched_cgroup(&w);
	if (!cg)
		return 1;
	int deny = w->mode == CS_MODE_ENFORCE && !w->allow_raw;
	struct cs_event *e = reserve();
	if (e) {
		e->kind = CS_SOCKET;
		e->cgroup = cg;
		e->family = family;
		e->socktype = type;
		e->protocol = protocol;
		e->denied = deny;
		submit(e);
	}
	return deny ? 0 : 1;
}

/* An IPv6 address in place; true when it is an IPv4-mapped one (::ffff:a.b.c.d), which is then
 * rewritten to its IPv4 address in the first four bytes, the rest zero. */
static __always_inline int unmap_v4(__u8 *addr)
{
	__u32 w[4];
	__builtin_memcpy(w, addr, 16);
	if (w[0] != 0 || w[1] != 0 || w[2] != bpf_htonl(0xffff))
		return 0;
	__builtin_memset(addr, 0, 16);
	__builtin_memcpy(addr, &w[3], 4);
	return 1;
}

/* A socket's local address and port (listen, accept). */
static __always_inline void local_address(struct cs_event *e, const struct sock *sk, __u16 family)
{
	if (family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__builtin_memcpy(e->saddr, &a, 4);
	} else {
		BPF_CORE_READ_INTO(&e->saddr, sk, __sk_common.skc_v6_rcv_saddr);
		unmap_v4(e->saddr);
	}
	e->sport = BPF_CORE_READ(sk, __sk_common.skc_num);
}

/* TCP listens and accepts. The tracepoint fires for every TCP state change on the host; all but
 * the two transitions wanted leave after two compares. A listen is reported from the process that
 * called listen(); an accept (SYN_RECV -> ESTABLISHED: a passive open completing) once per
 * (container, peer address, local port). */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(on_sock_state, const struct sock *sk, const int oldstate, const int newstate)
{
	int listen = newstate == TCP_LISTEN;
	if (!listen && !(newstate == TCP_ESTABLISHED && oldstate == TCP_SYN_RECV))
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	__u16 family = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (family != AF_INET && family != AF_INET6)
		return 0;
	if (listen) {
		struct cs_watch *w;
		__u64 cg = watched_cgroup(&w);
		if (!cg)
			return 0;
		/* listen() runs in the calling process: its identity is the listener's. */
		struct cs_event *e = task_event(CS_LISTEN, bpf_get_current_task_btf(), cg);
		if (!e)
			return 0;
		e->family = family;
		e->protocol = IPPROTO_TCP;
		local_address(e, sk, family);
		submit(e);
		return 0;
	}
	__u64 cg = sock_watched_cgroup(sk);
	if (!cg)
		return 0;
	/* The peer of a dual-stack listener reached over IPv4 is reported as the IPv4 address it is. */
	struct cs_seen_key k = { .cgroup = cg, .family = family, .kind = CS_ACCEPT };
	if (family == AF_INET) {
		__u32 a = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__builtin_memcpy(k.addr, &a, 4);
	} else {
		BPF_CORE_READ_INTO(&k.addr, sk, __sk_common.skc_v6_daddr);
		if (unmap_v4(k.addr))
			k.family = AF_INET;
	}
	k.port = BPF_CORE_READ(sk, __sk_common.skc_num);
	if (reported_before(&k))
		return 0;
	struct cs_event *e = reserve();
	if (!e)
		return 0;
	/* Softirq context: the current task is not the accepting process, so no identity. */
	e->pid = e->uid = e->gid = 0;
	e->comm[0] = 0;
	e->kind = CS_ACCEPT;
	e->cgroup = cg;
	e->family = k.family;
	e->protocol = IPPROTO_TCP;
	__builtin_memcpy(e->daddr, k.addr, 16);
	e->dport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));
	local_address(e, sk, family); /* read as the socket's family, unmapped like the peer */
	submit(e);
	remember(&k);
	return 0;
}

/* A UDP socket bound to a port: it receives from anyone who sends there (a server, or a
 * listener someone dropped in). TCP binds are left to the listen above: a bound TCP socket
 * receives nothing until it listens. Never refused. */
static __always_inline int on_bind(struct bpf_sock *ctx, __u16 family)
{
	if (ctx->protocol != IPPROTO_UDP)
		return 1;
	struct cs_watch *w;
	__u64 cg = watched_cgroup(&w);
	if (!cg)
		return 1;
	struct cs_event *e = reserve();
	if (!e)
		return 1;
	e->kind = CS_LISTEN;
	e->cgroup = cg;
	e->family = family;
	e->protocol = IPPROTO_UDP;
	if (family == AF_INET) {
		__u32 a = ctx->src_ip4;
		__builtin_memcpy(e->saddr, &a, 4);
	} else {
		__u32 w0 = ctx->src_ip6[0], w1 = ctx->src_ip6[1], w2 = ctx->src_ip6[2], w3 = ctx->src_ip6[3];
		__builtin_memcpy(e->saddr, &w0, 4);
		__builtin_memcpy(e->saddr + 4, &w1, 4);
		__builtin_memcpy(e->saddr + 8, &w2, 4);
		__builtin_memcpy(e->saddr + 12, &w3, 4);
	}
	e->sport = ctx->src_port; /* host byte order in this context */
	submit(e);
	return 1;
}

SEC("cgroup/post_bind4")
int post_bind4(struct bpf_sock *ctx)
{
	return on_bind(ctx, AF_INET);
}

SEC("cgroup/post_bind6")
int post_bind6(struct bpf_sock *ctx)
{
	return on_bind(ctx, AF_INET6);
}
