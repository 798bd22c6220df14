// SPDX-License-Identifier: GPL-2.0
/* Charter's kernel sensor (docs/sensor.md). Exec and exit come from tp_btf tracepoints: BPF-LSM
 * and fentry are refused on the hosts we run on and syscalls:* tracepoints cost 5-20 % of
 * throughput, while sched_process_exec fires once per successful exec with the binprm in hand.
 * Connects come from cgroup/connect4/6 hooks attached to each container's own cgroup, which is
 * also the one place a verdict can be enforced per container (returning 0 fails connect() with
 * EPERM in that container only). Only processes in watched cgroups are reported, so a busy host
 * costs one map lookup per exec. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>
#include "charter-sensor.h"

#define AF_INET 2
#define AF_INET6 10
#define OVERLAYFS_SUPER_MAGIC 0x794c7630
/* Deepest cgroup nesting searched for a watched ancestor (podman puts containers at depth 2). */
#define MAX_CGROUP_DEPTH 16

char LICENSE[] SEC("license") = "GPL"; /* bpf_send_signal and the tp_btf helpers are GPL-only */

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 22);
} events SEC(".maps");

/* cgroup id -> 1 observe, 2 enforce the allow map on connects. Written by the loader. */
struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 4096);
	__type(key, __u64);
	__type(value, __u8);
} watched SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 65536);
	__type(key, struct cs_allow_key);
	__type(value, __u8);
} allow SEC(".maps");

/* Ring-buffer reservations that failed: a full buffer loses events, and the agent must know. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u64);
} drops SEC(".maps");

/* The watched cgroup the current task is in or below, 0 when none. Processes of `podman exec`
 * may sit in a child cgroup of the container's, so ancestors are searched, nearest first. */
static __always_inline __u64 watched_cgroup(__u8 *mode)
{
	for (int level = MAX_CGROUP_DEPTH; level >= 1; level--) {
		__u64 id = bpf_get_current_ancestor_cgroup_id(level);
		if (id == 0)
			continue; /* deeper than the task's own cgroup */
		__u8 *m = bpf_map_lookup_elem(&watched, &id);
		if (m) {
			*mode = *m;
			return id;
		}
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

/* The event of a process of a watched container (exec, exit), its identity filled in; NULL when
 * the process is in no watched container or the ring buffer is full (counted as a drop). */
static __always_inline struct cs_event *task_event(__u32 kind, struct task_struct *p)
{
	__u8 mode;
	__u64 cg = watched_cgroup(&mode);
	if (!cg)
		return 0;
	struct cs_event *e = reserve();
	if (!e)
		return 0;
	e->kind = kind;
	e->cgroup = cg;
	e->nspid = ns_tgid(p);
	e->ppid = BPF_CORE_READ(p, real_parent, tgid);
	return e;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(on_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct cs_event *e = task_event(CS_EXEC, p);
	if (!e)
		return 0;
	/* bprm->filename is the path as exec was asked for it (after the interpreter line); the
	 * file's inode and device identify what actually ran. */
	bpf_probe_read_kernel_str(e->filename, sizeof(e->filename), BPF_CORE_READ(bprm, filename));
	struct inode *ino = BPF_CORE_READ(bprm, file, f_inode);
	e->ino = BPF_CORE_READ(ino, i_ino);
	e->dev = BPF_CORE_READ(ino, i_sb, s_dev);
	e->origin = origin_of(ino);
	file_path(e, p, BPF_CORE_READ(bprm, file));
	/* argv is read here, not from /proc later: a short-lived program is gone before the loader
	 * could look. The tracepoint runs in the new program, its arguments already on its stack. */
	struct mm_struct *mm = BPF_CORE_READ(p, mm);
	unsigned long start = BPF_CORE_READ(mm, arg_start), end = BPF_CORE_READ(mm, arg_end);
	unsigned long len = end > start ? end - start : 0;
	if (len >= CS_ARGS_LEN) {
		len = CS_ARGS_LEN - 1;
		e->args_truncated = 1;
	}
	len &= CS_ARGS_LEN - 1; /* a no-op the verifier needs to see the bound */
	if (bpf_probe_read_user(e->args, len, (void *)start) == 0)
		e->args_len = len;
	bpf_ringbuf_submit(e, 0);
	return 0;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(on_exit, struct task_struct *p)
{
	/* Threads exit too; only the process (its thread group leader) is an event. */
	if (BPF_CORE_READ(p, pid) != BPF_CORE_READ(p, tgid))
		return 0;
	struct cs_event *e = task_event(CS_EXIT, p);
	if (!e)
		return 0;
	e->exit_code = BPF_CORE_READ(p, exit_code);
	bpf_ringbuf_submit(e, 0);
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

static __always_inline int on_connect(struct bpf_sock_addr *ctx, __u16 family)
{
	__u8 mode = 0;
	__u64 cg = watched_cgroup(&mode);
	if (!cg)
		return 1;
	__u8 addr[16] = {};
	if (family == AF_INET) {
		__u32 a = ctx->user_ip4;
		__builtin_memcpy(addr, &a, 4);
	} else {
		/* user_ip6 allows only 4-byte loads, hence word by word. */
		__u32 w0 = ctx->user_ip6[0], w1 = ctx->user_ip6[1], w2 = ctx->user_ip6[2], w3 = ctx->user_ip6[3];
		if (w0 == 0 && w1 == 0 && w2 == bpf_htonl(0xffff)) {
			/* ::ffff:a.b.c.d reaches an IPv4 peer: judged and reported as that IPv4 address,
			 * so an allow entry for it cannot be sidestepped through a dual-stack socket. */
			family = AF_INET;
			__builtin_memcpy(addr, &w3, 4);
		} else {
			__builtin_memcpy(addr, &w0, 4);
			__builtin_memcpy(addr + 4, &w1, 4);
			__builtin_memcpy(addr + 8, &w2, 4);
			__builtin_memcpy(addr + 12, &w3, 4);
		}
	}
	__u16 port = bpf_ntohs((__u16)ctx->user_port);
	int deny = mode == 2 && !allowed(cg, family, addr, port);

	struct cs_event *e = reserve();
	if (e) {
		e->kind = CS_CONNECT;
		e->cgroup = cg;
		e->family = family;
		e->dport = port;
		e->protocol = ctx->protocol;
		e->denied = deny;
		__builtin_memcpy(e->daddr, addr, 16);
		bpf_ringbuf_submit(e, 0);
	}
	return deny ? 0 : 1; /* 0: connect() fails with EPERM */
}

SEC("cgroup/connect4")
int connect4(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET);
}

SEC("cgroup/connect6")
int connect6(struct bpf_sock_addr *ctx)
{
	return on_connect(ctx, AF_INET6);
}
