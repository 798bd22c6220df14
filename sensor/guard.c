// SPDX-License-Identifier: GPL-2.0
/* Inline enforcement for exec and for sensitive file opens: fanotify permission events, answered
 * by the loader (docs/sensor.md, "Exec and file guard"). BPF-LSM, fentry and kprobes are refused
 * on the hosts we run on, and a tracepoint can only report an exec, not refuse it; a fanotify
 * permission event holds the caller inside open()/execve() until the loader answers.
 *
 * One fanotify group per guarded container, so the group says whose event it is:
 * - exec: FAN_OPEN_EXEC_PERM on the container's own mounts (FAN_MARK_MOUNT through
 *   /proc/PID/root/<mount point>): a mount mark is per vfsmount, so it sees only that mount
 *   namespace's view, never the host's or another container's, even of the same image. The marks
 *   exist only while exec enforcement is on; each allowed file also gets an inode ignore mark, so
 *   its execs never leave the kernel (nor its opens, see below). What reaches the loader is refused unless its (dev, ino) is
 *   in the allow set. The kernel clears an ignore mark when the file is written, and a write to an
 *   image file keeps its (dev, ino) through the overlay's copy-up (measured): an allowed file whose
 *   exec reaches the loader although its ignore mark was set has been written since, and is
 *   refused as such (allow-exec again to take it back).
 * - files: FAN_OPEN_PERM inode marks on guarded files and on guarded directories (with
 *   FAN_EVENT_ON_CHILD). For a directory only opens that may write count; the caller is blocked
 *   inside its open, so /proc/TID/syscall (and /proc/TID/mem for openat2's struct) tell its flags.
 *   That round trip cost about 145 µs an exec of a program in /bin (measured), so the files every
 *   exec opens — the allowed programs (their ignore marks cover FAN_OPEN_PERM too) and what the
 *   agent names with pass-read (the dynamic loader's cache) — are opened in the kernel alone. The
 *   price: a write-open of one of them is no longer refused at its open. Its first write clears
 *   the ignore mark and raises FAN_MODIFY (an inode mark on each), reported at once as a write
 *   (the agent's ladder kills the writer in protect mode); the program is refused at its next
 *   exec as written since allowed, and under files-enforce its opens are refused too. A truncation
 *   alone clears the mark without a FAN_MODIFY an fd-based group receives (it is a dentry event):
 *   the file's next open or exec reaches the loader although sealed, which tells it was written.
 *
 * - writes (guard-writes): FAN_CLOSE_WRITE on the container's root mount, the image's file system
 *   (volumes and tmpfs are mounts of their own): each file written there is reported once, as it is
 *   closed, never refused. Refusing would mean judging every open of the container in user space.
 *
 * Every permission event is answered, on errors too (allow, counted): an unanswered one hangs the
 * caller. The groups belong to the loader; when it exits, however it dies, the kernel closes them
 * and lets everything through (fail-open by construction).
 *
 * A thread of its own answers, and waits on nothing but the kernel: not on stdout (an agent that
 * stops reading would otherwise stall every guarded container; measured, it did), not on the main
 * thread. It queues what is to be reported (bounded; lost reports are counted) and the main thread
 * prints it. The answering thread never opens a container file: it would wait for itself. The
 * main thread's own opens (the headers allow-exec reads) are answered "allow" by it. The lock
 * guards the groups' table and sets: the main thread changes them, the answering thread reads
 * them and counts; nothing is printed, and no container file is opened, while it is held. */
#define _GNU_SOURCE
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/fanotify.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#include <linux/openat2.h>
#include "guard.h"
#include "loader.h"

/* A program, its #! interpreter, that one's … and an ELF's PT_INTERP: the kernel follows #! at
 * most 4 levels (plus the ELF interpreter at the end). */
#define CHAIN_MAX 6
/* Reports waiting for the main thread; beyond this they are counted as lost. */
#define REPORTS_MAX 1024
/* An ELF's program headers read to find PT_INTERP: more than any real program has. */
#define PHDRS_MAX 256
/* The kernel reads a #! line from the first BINPRM_BUF_SIZE bytes. */
#define BINPRM_BUF 256
#define MOUNTS_MAX 128
/* Files guard-writes remembers having reported, per container; past it each close is reported. */
#define WRITTEN_MAX 65536

struct devino {
	__u64 dev, ino; /* ino 0 marks an empty slot: no file has inode 0 */
	bool sealed;    /* its ignore mark was set (and the kernel clears it on a write) */
	bool modified;  /* a write to it was reported since it was sealed */
};

/* Open addressing with linear probing; grows at half full. */
struct set {
	struct devino *slot;
	size_t cap, n;
};

struct guard {
	__u64 cgroup;
	char id[257];
	char cgpath[PATH_MAX]; /* the container's cgroup-v2 path as /proc/PID/cgroup names it */
	int fan;               /* the group */
	int proc;              /* /proc/PID of the container process given to op guard: its root and mounts */
	bool exec_enforce, files_enforce;
	bool writes; /* guard-writes: closes after a write on the container's root mount are reported */
	struct set allow, files, reads; /* reads: files whose reads pass in the kernel (pass-read) */
	struct set written;             /* files reported by guard-writes, each once (answering thread only) */
	__u64 errors, errors_said; /* events let through unjudged, or not answered; said when it changes */
};

/* What a report line says, taken while the caller waits; printed by the main thread. */
struct report {
	bool open; /* else a refused exec */
	bool write, create, denied, have_path, have_filename, written;
	bool modified; /* a write seen by FAN_MODIFY, after the fact: not refused */
	bool closed;   /* a file closed after a write on the root mount (guard-writes): not refused */
	__u64 time, cgroup, ino, dev;
	char id[257];
	struct caller {
		int pid, nspid, ppid;
		unsigned uid, gid;
		char comm[17];
	} c;
	char filename[256];
	char path[PATH_MAX];
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
/* Under the lock: */
static struct guard guards[GUARD_MAX];
static int nguards;
static struct report *reports[REPORTS_MAX];
static int nreports;
static __u64 reports_lost;
static bool stop;

static pthread_t answerer;
static bool answering;
static int wake_fd = -1;   /* main → answering thread: the groups changed, or stop */
static int report_fd = -1; /* answering thread → main: reports are queued */
static pid_t self_pid;
static __u64 lost_said;
static char cgroup2_mnt[PATH_MAX];

static size_t set_index(const struct set *s, __u64 dev, __u64 ino)
{
	__u64 h = ino * 0x9e3779b97f4a7c15ULL ^ dev * 0xc2b2ae3d27d4eb4fULL;
	h ^= h >> 29;
	return h & (s->cap - 1);
}

static struct devino *set_find(const struct set *s, __u64 dev, __u64 ino)
{
	if (s->cap == 0) return NULL;
	for (size_t i = set_index(s, dev, ino);; i = (i + 1) & (s->cap - 1)) {
		if (s->slot[i].ino == 0) return NULL;
		if (s->slot[i].ino == ino && s->slot[i].dev == dev) return &s->slot[i];
	}
}

static bool set_has(const struct set *s, __u64 dev, __u64 ino)
{
	return set_find(s, dev, ino) != NULL;
}

/* Places an entry known to be absent, in a set with room for it. */
static void set_place(struct set *s, struct devino e)
{
	size_t i = set_index(s, e.dev, e.ino);
	while (s->slot[i].ino) i = (i + 1) & (s->cap - 1);
	s->slot[i] = e;
	s->n++;
}

static int set_add(struct set *s, __u64 dev, __u64 ino)
{
	if (ino == 0 || set_has(s, dev, ino)) return 0;
	if ((s->n + 1) * 2 > s->cap) {
		struct set grown = { .cap = s->cap ? s->cap * 2 : 64 };
		grown.slot = calloc(grown.cap, sizeof(*grown.slot));
		if (!grown.slot) return -ENOMEM;
		for (size_t i = 0; i < s->cap; i++)
			if (s->slot[i].ino) set_place(&grown, s->slot[i]);
		free(s->slot);
		*s = grown;
	}
	set_place(s, (struct devino){ .dev = dev, .ino = ino });
	return 0;
}

static __u64 boot_ns(void)
{
	struct timespec t;
	clock_gettime(CLOCK_BOOTTIME, &t);
	return t.tv_sec * 1000000000ULL + t.tv_nsec;
}

/* A small file (under /proc) read whole, NUL-terminated; its length or -errno. */
static ssize_t read_small(int dirfd, const char *path, char *buf, size_t size)
{
	int fd = openat(dirfd, path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return -errno;
	ssize_t n = read(fd, buf, size - 1);
	int err = errno;
	close(fd);
	if (n < 0) return -err;
	buf[n] = 0;
	return n;
}

/* In the container's root: absolute symlinks (/bin/sh -> /bin/busybox) and ".." stay inside it. */
int open_in_root(int root, const char *path, __u64 flags)
{
	struct open_how how = { .flags = flags | O_CLOEXEC, .resolve = RESOLVE_IN_ROOT | RESOLVE_NO_MAGICLINKS };
	return syscall(SYS_openat2, root, path, &how, sizeof(how));
}

/* fanotify_mark() takes no O_PATH descriptor on its own (it looks files up with fdget, which skips
 * them), so the handle is named through its /proc/self/fd link, which resolves to the very file
 * or mount, as the container sees it, without opening it. */
static int mark_fd(int fan, unsigned flags, __u64 mask, int fd)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	return fanotify_mark(fan, flags, mask, AT_FDCWD, link);
}

enum seal { SEAL_EXEC, SEAL_READ };

/* Seals a file: its opens (and, for SEAL_EXEC, its execs) stay in the kernel through an ignore
 * mark the kernel clears at the file's first write, and that write raises FAN_MODIFY. A guarded
 * file (guard-file) keeps its opens reported: only its execs are ignored. Main thread or answering
 * thread; the sets are read without the lock (only the main thread changes them). */
static int seal_fd(struct guard *g, int fd, __u64 dev, __u64 ino, enum seal kind)
{
	__u64 ignore = kind == SEAL_EXEC ? FAN_OPEN_EXEC_PERM : 0;
	if (!set_has(&g->files, dev, ino)) ignore |= FAN_OPEN_PERM;
	if (mark_fd(g->fan, FAN_MARK_ADD, FAN_MODIFY, fd)) return -1;
	return ignore ? mark_fd(g->fan, FAN_MARK_ADD | FAN_MARK_IGNORED_MASK, ignore, fd) : 0;
}

/* The "0::" (cgroup v2) path of a task, as the host's cgroup namespace names it. */
static int task_cgroup(int dirfd, const char *cgroup_file, char *out, size_t size)
{
	char buf[8192];
	ssize_t n = read_small(dirfd, cgroup_file, buf, sizeof(buf));
	if (n < 0) return n;
	for (char *line = buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
		if (strncmp(line, "0::", 3)) continue;
		size_t len = strcspn(line + 3, "\n");
		if (len + 1 > size) return -ENAMETOOLONG;
		memcpy(out, line + 3, len);
		out[len] = 0;
		return 0;
	}
	return -ENOENT;
}

/* 1 when the task is in the container's cgroup or below it, 0 when not, -errno when unknown.
 * Opens by host processes (podman reading the container's /etc/passwd through its own mount of
 * the same overlay) reach an inode mark too, and are not the container's. */
static int in_container(const struct guard *g, pid_t tid)
{
	char file[64], path[PATH_MAX];
	snprintf(file, sizeof(file), "/proc/%d/cgroup", tid);
	int err = task_cgroup(AT_FDCWD, file, path, sizeof(path));
	if (err) return err;
	size_t len = strlen(g->cgpath);
	return !strncmp(path, g->cgpath, len) && (path[len] == 0 || path[len] == '/');
}

/* Who a thread belongs to, from /proc/TID/status and comm; fields it cannot read stay 0. */
static void caller_of(pid_t tid, struct caller *c)
{
	char path[64], buf[4096];
	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/status", tid);
	if (read_small(AT_FDCWD, path, buf, sizeof(buf)) > 0) {
		for (char *l = buf; l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL) {
			if (!strncmp(l, "Tgid:", 5)) c->pid = atoi(l + 5);
			else if (!strncmp(l, "PPid:", 5)) c->ppid = atoi(l + 5);
			else if (!strncmp(l, "Uid:", 4)) c->uid = strtoul(l + 4, NULL, 10);
			else if (!strncmp(l, "Gid:", 4)) c->gid = strtoul(l + 4, NULL, 10);
			else if (!strncmp(l, "NSpid:", 6)) {
				/* The innermost namespace's number is the last one. */
				char *p = l + strcspn(l, "\n");
				while (p > l && p[-1] != '\t' && p[-1] != ' ') p--;
				c->nspid = atoi(p);
			}
		}
	}
	snprintf(path, sizeof(path), "/proc/%d/comm", tid);
	if (read_small(AT_FDCWD, path, c->comm, sizeof(c->comm)) > 0) c->comm[strcspn(c->comm, "\n")] = 0;
}

/* The system call a blocked thread is in, and its arguments (/proc/TID/syscall); false when it is
 * not in one the loader can read. The kernel queues the permission event before the caller goes to
 * sleep waiting for the answer, and /proc/TID/syscall says "running" for a task not yet asleep
 * (task_current_syscall): measured, about one exec in a few hundred was read in that window and
 * taken for a write. So "running" is read again, briefly, until the caller is asleep. */
static bool task_syscall(pid_t tid, long *nr, unsigned long long args[6])
{
	char path[64], buf[512], *p;
	snprintf(path, sizeof(path), "/proc/%d/syscall", tid);
	for (int tries = 0;; tries++) {
		if (read_small(AT_FDCWD, path, buf, sizeof(buf)) <= 0) return false;
		if (strncmp(buf, "running", 7) != 0 || tries == 200) break;
		usleep(50); /* at most 10 ms in all: the caller is on its way to sleep */
	}
	*nr = strtol(buf, &p, 10);
	if (p == buf || *nr < 0) return false; /* "running", or -1: not in a system call */
	for (int i = 0; i < 6; i++) {
		char *q;
		args[i] = strtoull(p, &q, 0);
		if (q == p) return false;
		p = q;
	}
	return true;
}

static bool task_read(pid_t tid, unsigned long long addr, void *buf, size_t n)
{
	char path[64];
	snprintf(path, sizeof(path), "/proc/%d/mem", tid);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) return false;
	ssize_t got = pread(fd, buf, n, (off_t)addr);
	close(fd);
	return got > 0;
}

#if defined(__x86_64__)
enum { NR_OPEN = 2, NR_CREAT = 85, NR_OPENAT = 257, NR_OPEN_BY_HANDLE_AT = 304, NR_EXECVE = 59, NR_EXECVEAT = 322 };
#elif defined(__aarch64__)
enum { NR_OPEN = -2, NR_CREAT = -3, NR_OPENAT = 56, NR_OPEN_BY_HANDLE_AT = 265, NR_EXECVE = 221, NR_EXECVEAT = 281 };
#else
#error "the guard reads open flags by system call number: add this architecture's numbers"
#endif
#define NR_OPENAT2 437 /* the same on every architecture */

struct intent {
	bool write, create;
};

/* What the blocked caller asked open for. False when it cannot be told (io_uring, a 32-bit task,
 * an open the kernel makes for a core dump …): the caller then counts as writing. */
static bool open_intent(pid_t tid, struct intent *in)
{
	long nr;
	unsigned long long a[6], flags;
	if (!task_syscall(tid, &nr, a)) return false;
	if (nr == NR_OPEN) flags = a[1];
	else if (nr == NR_OPENAT || nr == NR_OPEN_BY_HANDLE_AT) flags = a[2];
	else if (nr == NR_CREAT) flags = O_CREAT | O_WRONLY | O_TRUNC;
	else if (nr == NR_OPENAT2) {
		/* struct open_how starts with its __u64 flags, in the caller's memory. */
		if (!task_read(tid, a[2], &flags, sizeof(flags))) return false;
	} else if (nr == NR_EXECVE || nr == NR_EXECVEAT) flags = O_RDONLY; /* the open exec makes */
	else return false;
	in->write = (flags & O_ACCMODE) != O_RDONLY || (flags & O_TRUNC);
	in->create = (flags & O_CREAT) || (flags & O_TMPFILE) == O_TMPFILE;
	return true;
}

/* What execve was asked for (its filename argument), for the report. */
static bool exec_filename(pid_t tid, char *out, size_t size)
{
	long nr;
	unsigned long long a[6];
	if (!task_syscall(tid, &nr, a)) return false;
	unsigned long long addr = nr == NR_EXECVE ? a[0] : nr == NR_EXECVEAT ? a[1] : 0;
	if (!addr || !task_read(tid, addr, out, size - 1)) return false;
	out[size - 1] = 0;
	return out[0] != 0;
}

/* The event file's path as its mount namespace sees it: d_path from a root the loader cannot
 * reach stops at the container's own root (measured: "/bin/busybox" for a file of a container's
 * overlay; a host process opening the same inode through the host's mount of the overlay gives the
 * host's path, but those are not reported). */
static bool fd_path(int fd, char *out, size_t size)
{
	char link[64];
	snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
	ssize_t n = readlink(link, out, size - 1);
	if (n <= 0) return false;
	out[n] = 0;
	return true;
}

static void respond(struct guard *g, int fd, __u32 verdict)
{
	struct fanotify_response r = { .fd = fd, .response = verdict };
	ssize_t n;
	while ((n = write(g->fan, &r, sizeof(r))) < 0 && errno == EINTR) {}
	if (n != sizeof(r)) g->errors++; /* ENOENT: the caller was killed while it waited */
}

/* A report for the main thread, about the caller of event m; NULL (counted as lost) when the
 * queue is full. Everything in it is read while the caller still waits: once answered, a refused
 * program's caller may be gone before anyone looks. */
static struct report *new_report(const struct guard *g, const struct fanotify_event_metadata *m, const struct stat *st)
{
	struct report *r = nreports < REPORTS_MAX ? malloc(sizeof(*r)) : NULL;
	if (!r) {
		reports_lost++;
		return NULL;
	}
	memset(r, 0, offsetof(struct report, filename));
	r->filename[0] = r->path[0] = 0;
	r->time = boot_ns();
	r->cgroup = g->cgroup;
	r->ino = st->st_ino;
	r->dev = st->st_dev;
	memcpy(r->id, g->id, sizeof(r->id));
	caller_of(m->pid, &r->c);
	r->have_path = fd_path(m->fd, r->path, sizeof(r->path));
	return r;
}

static void queue_report(struct report *r)
{
	reports[nreports++] = r;
	eventfd_write(report_fd, 1);
}

static void on_exec(struct guard *g, const struct fanotify_event_metadata *m, const struct stat *st)
{
	struct devino *allowed = set_find(&g->allow, st->st_dev, st->st_ino);
	if (allowed && !allowed->sealed) {
		/* Allowed, but its ignore mark could not be set then: try again. */
		if (!seal_fd(g, m->fd, st->st_dev, st->st_ino, SEAL_EXEC)) allowed->sealed = true;
		return respond(g, m->fd, FAN_ALLOW);
	}
	/* Allowed and sealed, yet here: the kernel cleared its ignore mark, the file was written. */
	int in = in_container(g, m->pid);
	if (in <= 0) {
		if (in < 0) g->errors++;
		return respond(g, m->fd, FAN_ALLOW);
	}
	struct report *r = new_report(g, m, st);
	if (r) {
		r->denied = true;
		r->written = allowed != NULL;
		r->have_filename = exec_filename(m->pid, r->filename, sizeof(r->filename));
		if (!r->have_path) g->errors++;
	}
	respond(g, m->fd, FAN_DENY);
	if (r) queue_report(r);
}

static void on_open(struct guard *g, const struct fanotify_event_metadata *m, const struct stat *st)
{
	bool file = set_has(&g->files, st->st_dev, st->st_ino);
	struct devino *program = set_find(&g->allow, st->st_dev, st->st_ino);
	struct devino *passed = program ? NULL : set_find(&g->reads, st->st_dev, st->st_ino);
	struct devino *sealed = program ? program : passed;
	if (sealed && sealed->sealed && !file && !sealed->modified) {
		/* Sealed, yet here: a write cleared its ignore mark without a FAN_MODIFY the loader could
		 * read (a truncation raises none with a path). Who wrote it is unknown: this open is
		 * reported (a program's, refused under files-enforce), not a write. */
		sealed->modified = true;
	}
	file |= program && program->modified;
	struct intent in = { .write = true };
	bool known = open_intent(m->pid, &in);
	/* A read of a file in a guarded directory passes without a word; not of a program written since it was allowed. */
	if (!file && known && !in.write && !in.create) return respond(g, m->fd, FAN_ALLOW);
	int mine = in_container(g, m->pid);
	if (mine <= 0) {
		if (mine < 0) g->errors++;
		return respond(g, m->fd, FAN_ALLOW);
	}
	struct report *r = new_report(g, m, st);
	if (r) {
		r->open = true;
		r->write = in.write;
		r->create = in.create;
		r->denied = g->files_enforce;
		r->written = program != NULL && program->modified;
		if (!r->have_path) g->errors++;
	}
	respond(g, m->fd, g->files_enforce ? FAN_DENY : FAN_ALLOW);
	if (r) queue_report(r);
}

/* A sealed file was written (its ignore mark is gone with this write): reported once, as a write
 * the guard could not refuse. Writes by host processes (podman cp) are not the container's. An
 * allowed program written so is refused at exec from now on (on_exec); under files-enforce its
 * opens are refused too (an inode mark, judged in on_open), so `sh /usr/bin/x` cannot read it
 * either. */
static void on_modify(struct guard *g, const struct fanotify_event_metadata *m, const struct stat *st)
{
	struct devino *program = set_find(&g->allow, st->st_dev, st->st_ino);
	struct devino *d = program ? program : set_find(&g->reads, st->st_dev, st->st_ino);
	if (!d || d->modified || in_container(g, m->pid) <= 0) return;
	d->modified = true;
	if (program && g->files_enforce && mark_fd(g->fan, FAN_MARK_ADD, FAN_OPEN_PERM, m->fd)) g->errors++;
	struct report *r = new_report(g, m, st);
	if (!r) return;
	r->open = r->write = r->modified = true;
	if (!r->have_path) g->errors++;
	queue_report(r);
}

/* guard-writes: a file of the image's file system was written (closed after a write). Reported
 * once per file, after the fact; sealed and guarded files have reports of their own (modified,
 * open). The writer may be gone by now: its fields then stay 0. */
static void on_close_write(struct guard *g, const struct fanotify_event_metadata *m, const struct stat *st)
{
	if (!S_ISREG(st->st_mode) || set_has(&g->allow, st->st_dev, st->st_ino) || set_has(&g->reads, st->st_dev, st->st_ino) ||
	    set_has(&g->files, st->st_dev, st->st_ino) || set_has(&g->written, st->st_dev, st->st_ino))
		return;
	/* Past the bound every close is reported (the report queue bounds them, losses counted). */
	if (g->written.n < WRITTEN_MAX && set_add(&g->written, st->st_dev, st->st_ino)) g->errors++;
	struct report *r = new_report(g, m, st);
	if (!r) return;
	r->open = r->write = r->closed = true;
	if (!r->have_path) g->errors++;
	queue_report(r);
}

static void on_event(struct guard *g, const struct fanotify_event_metadata *m)
{
	if (m->fd < 0) {
		/* No file: a queue overflow (the kernel allows the permission events it could not queue). */
		g->errors++;
		return;
	}
	struct stat st;
	if (!(m->mask & (FAN_OPEN_EXEC_PERM | FAN_OPEN_PERM))) {
		/* A notification: nothing to answer. */
		if (!fstat(m->fd, &st)) {
			if (m->mask & FAN_MODIFY) on_modify(g, m, &st);
			if (m->mask & FAN_CLOSE_WRITE) on_close_write(g, m, &st);
		}
	} else if (m->pid == self_pid) {
		respond(g, m->fd, FAN_ALLOW); /* the main thread reading a header for allow-exec */
	} else if (fstat(m->fd, &st)) {
		g->errors++;
		respond(g, m->fd, FAN_ALLOW);
	} else if (m->mask & FAN_OPEN_EXEC_PERM) {
		if (g->exec_enforce) on_exec(g, m, &st);
		else respond(g, m->fd, FAN_ALLOW); /* marks being flushed */
	} else {
		on_open(g, m, &st);
	}
	close(m->fd);
}

static struct guard *guard_of_fd(int fd)
{
	for (int i = 0; i < nguards; i++)
		if (guards[i].fan == fd) return &guards[i];
	return NULL;
}

static void drain(struct guard *g)
{
	char buf[16384] __attribute__((aligned(__alignof__(struct fanotify_event_metadata))));
	for (;;) {
		ssize_t n = read(g->fan, buf, sizeof(buf));
		if (n <= 0) {
			if (n < 0 && errno == EINTR) continue;
			if (n < 0 && errno != EAGAIN) g->errors++;
			break;
		}
		const struct fanotify_event_metadata *m = (const void *)buf;
		for (; FAN_EVENT_OK(m, n); m = FAN_EVENT_NEXT(m, n)) {
			if (m->vers != FANOTIFY_METADATA_VERSION) {
				g->errors++;
				if (m->fd >= 0) {
					respond(g, m->fd, FAN_ALLOW);
					close(m->fd);
				}
				continue;
			}
			on_event(g, m);
		}
	}
	if (g->errors != g->errors_said) eventfd_write(report_fd, 1); /* for the main thread to say */
}

/* The answering thread: polls every group, and a wake-up for when they change. */
static void *answer_loop(void *arg)
{
	(void)arg;
	struct pollfd fds[GUARD_MAX + 1];
	for (;;) {
		pthread_mutex_lock(&lock);
		bool done = stop;
		int n = 0;
		for (int i = 0; i < nguards; i++) fds[n++] = (struct pollfd){ .fd = guards[i].fan, .events = POLLIN };
		pthread_mutex_unlock(&lock);
		if (done) return NULL;
		fds[n] = (struct pollfd){ .fd = wake_fd, .events = POLLIN };
		if (poll(fds, n + 1, -1) < 0) continue; /* EINTR */
		if (fds[n].revents & POLLIN) {
			eventfd_t v;
			eventfd_read(wake_fd, &v);
		}
		pthread_mutex_lock(&lock);
		for (int i = 0; i < n; i++) {
			/* By fd under the lock: a group closed meanwhile is skipped (POLLNVAL, or not found). */
			struct guard *g = fds[i].revents & POLLIN ? guard_of_fd(fds[i].fd) : NULL;
			if (g) drain(g);
		}
		pthread_mutex_unlock(&lock);
	}
}

static void wake(void)
{
	if (wake_fd >= 0) eventfd_write(wake_fd, 1);
}

/* Starts the answering thread, once; it takes none of the loader's signals (the main thread's to handle). */
static int start_answering(void)
{
	if (answering) return 0;
	self_pid = getpid();
	wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	report_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (wake_fd < 0 || report_fd < 0) return -errno;
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int err = pthread_create(&answerer, NULL, answer_loop, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) return -err;
	answering = true;
	return 0;
}

static void put_report(const struct report *r)
{
	printf("{\"kind\":\"%s\",", r->open ? "open" : "exec");
	if (!r->open) fputs("\"denied\":true,", stdout);
	put_time(r->time);
	printf(",\"cgroupId\":%llu,\"container\":", (unsigned long long)r->cgroup);
	put_str(r->id, sizeof(r->id));
	printf(",\"pid\":%d,\"nspid\":%d,\"ppid\":%d,\"uid\":%u,\"gid\":%u,\"comm\":", r->c.pid, r->c.nspid, r->c.ppid,
	       r->c.uid, r->c.gid);
	put_str(r->c.comm, sizeof(r->c.comm));
	if (r->have_filename) {
		fputs(",\"filename\":", stdout);
		put_str(r->filename, sizeof(r->filename));
	}
	if (r->have_path || r->open) {
		fputs(",\"path\":", stdout);
		put_str(r->path, sizeof(r->path));
	}
	if (r->open)
		printf(",\"write\":%s,\"create\":%s,\"denied\":%s", r->write ? "true" : "false", r->create ? "true" : "false",
		       r->denied ? "true" : "false");
	if (r->written) fputs(",\"origin\":\"written\"", stdout); /* an allowed file, changed since */
	if (r->modified) fputs(",\"modified\":true", stdout);
	if (r->closed) fputs(",\"closed\":true", stdout);
	printf(",\"ino\":%llu,\"dev\":%llu}\n", (unsigned long long)r->ino, (unsigned long long)r->dev);
}

int guard_pollfds(struct pollfd *fds, int max)
{
	if (report_fd < 0 || max < 1) return 0;
	fds[0] = (struct pollfd){ .fd = report_fd, .events = POLLIN };
	return 1;
}

/* Prints what the answering thread queued, and the counts that changed; taken out under the
 * lock, printed outside it (printing may wait for the agent). */
void guard_handle(const struct pollfd *fds, int n)
{
	struct report *batch[REPORTS_MAX];
	struct { __u64 cgroup, errors; char id[257]; } said[GUARD_MAX];
	int nbatch, nsaid = 0;
	eventfd_t v;
	if (n < 1 || !(fds[0].revents & POLLIN)) return;
	eventfd_read(report_fd, &v);
	pthread_mutex_lock(&lock);
	nbatch = nreports;
	memcpy(batch, reports, nbatch * sizeof(*batch));
	nreports = 0;
	__u64 lost = reports_lost;
	for (int i = 0; i < nguards; i++) {
		struct guard *g = &guards[i];
		if (g->errors == g->errors_said) continue;
		said[nsaid].cgroup = g->cgroup;
		said[nsaid].errors = g->errors_said = g->errors;
		memcpy(said[nsaid++].id, g->id, sizeof(g->id));
	}
	pthread_mutex_unlock(&lock);
	for (int i = 0; i < nbatch; i++) {
		put_report(batch[i]);
		free(batch[i]);
	}
	for (int i = 0; i < nsaid; i++) {
		printf("{\"guardErrors\":%llu,\"cgroupId\":%llu,\"container\":", (unsigned long long)said[i].errors,
		       (unsigned long long)said[i].cgroup);
		put_str(said[i].id, sizeof(said[i].id));
		puts("}");
	}
	if (lost != lost_said) {
		printf("{\"guardLost\":%llu}\n", (unsigned long long)lost);
		lost_said = lost;
	}
}

/* ---- allow-exec: the file and the interpreters it names ---- */

struct chain {
	struct devino out[CHAIN_MAX];
	int fds[CHAIN_MAX]; /* O_PATH handles on them, for the ignore marks */
	int n;
	char error[PATH_MAX * 2 + 64];
};

/* The interpreter a file asks for: an ELF's PT_INTERP or a script's #! line; false when none. */
static bool interpreter_of(int fd, char *out, size_t size)
{
	unsigned char h[BINPRM_BUF];
	ssize_t n = pread(fd, h, sizeof(h), 0);
	if (n >= 2 && h[0] == '#' && h[1] == '!') {
		/* As the kernel reads it (fs/binfmt_script.c): blanks, then the name up to a blank or the end of the line. */
		size_t i = 2;
		while (i < (size_t)n && (h[i] == ' ' || h[i] == '\t')) i++;
		size_t start = i;
		while (i < (size_t)n && h[i] != ' ' && h[i] != '\t' && h[i] != '\n' && h[i] != 0) i++;
		if (i == start || i - start >= size) return false;
		memcpy(out, h + start, i - start);
		out[i - start] = 0;
		return true;
	}
	if (n < (ssize_t)EI_NIDENT || memcmp(h, ELFMAG, SELFMAG)) return false;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
	if (h[EI_DATA] != ELFDATA2LSB) return false; /* another architecture's program: it cannot run here */
#else
	if (h[EI_DATA] != ELFDATA2MSB) return false;
#endif
	__u64 phoff, off = 0, len = 0;
	unsigned phnum, phentsize;
	if (h[EI_CLASS] == ELFCLASS64 && n >= (ssize_t)sizeof(Elf64_Ehdr)) {
		Elf64_Ehdr e;
		memcpy(&e, h, sizeof(e));
		phoff = e.e_phoff, phnum = e.e_phnum, phentsize = e.e_phentsize;
		if (phentsize != sizeof(Elf64_Phdr)) return false;
	} else if (h[EI_CLASS] == ELFCLASS32 && n >= (ssize_t)sizeof(Elf32_Ehdr)) {
		Elf32_Ehdr e;
		memcpy(&e, h, sizeof(e));
		phoff = e.e_phoff, phnum = e.e_phnum, phentsize = e.e_phentsize;
		if (phentsize != sizeof(Elf32_Phdr)) return false;
	} else {
		return false;
	}
	if (phnum == 0 || phnum > PHDRS_MAX) return false;
	unsigned char ph[PHDRS_MAX * sizeof(Elf64_Phdr)];
	if (pread(fd, ph, (size_t)phnum * phentsize, phoff) != (ssize_t)(phnum * phentsize)) return false;
	for (unsigned i = 0; i < phnum; i++) {
		if (h[EI_CLASS] == ELFCLASS64) {
			Elf64_Phdr p;
			memcpy(&p, ph + i * phentsize, sizeof(p));
			if (p.p_type == PT_INTERP) { off = p.p_offset; len = p.p_filesz; break; }
		} else {
			Elf32_Phdr p;
			memcpy(&p, ph + i * phentsize, sizeof(p));
			if (p.p_type == PT_INTERP) { off = p.p_offset; len = p.p_filesz; break; }
		}
	}
	if (len < 2 || len > size) return false;
	if (pread(fd, out, len, off) != (ssize_t)len || out[len - 1] != 0) return false;
	return true;
}

/* Resolves `asked` in the container's root and follows its interpreters. Runs on the main
 * thread, without the lock: its reads of a guarded file are answered by the answering thread. */
static void resolve_chain(int root, const char *asked, struct chain *c)
{
	char path[PATH_MAX], next[PATH_MAX];
	snprintf(path, sizeof(path), "%s", asked);
	for (c->n = 0; c->n < CHAIN_MAX; ) {
		int fd = open_in_root(root, path, O_PATH);
		struct stat st;
		if (fd < 0 || fstat(fd, &st)) {
			int err = errno;
			if (fd >= 0) close(fd);
			if (c->n == 0) snprintf(c->error, sizeof(c->error), "%s: %s", path, strerror(err));
			else snprintf(c->error, sizeof(c->error), "%s: its interpreter %s: %s", asked, path, strerror(err));
			return;
		}
		if (S_ISDIR(st.st_mode)) {
			close(fd);
			snprintf(c->error, sizeof(c->error), "%s: is a directory", path);
			return;
		}
		c->fds[c->n] = fd;
		c->out[c->n++] = (struct devino){ .dev = st.st_dev, .ino = st.st_ino };
		if (!S_ISREG(st.st_mode)) return;
		/* Reopened through the O_PATH handle: the very file resolved, whatever is renamed meanwhile. */
		char link[64];
		snprintf(link, sizeof(link), "/proc/self/fd/%d", fd);
		int rfd = open(link, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (rfd < 0) {
			snprintf(c->error, sizeof(c->error), "%s: %s", path, strerror(errno));
			return;
		}
		bool more = interpreter_of(rfd, next, sizeof(next));
		close(rfd);
		if (!more) return;
		snprintf(path, sizeof(path), "%s", next);
	}
	snprintf(c->error, sizeof(c->error), "%s: more than %d interpreters deep", asked, CHAIN_MAX - 1);
}

/* ---- ops ---- */

static struct guard *guard_of(__u64 cgroup)
{
	for (int i = 0; i < nguards; i++)
		if (guards[i].cgroup == cgroup) return &guards[i];
	return NULL;
}

static void close_guard(struct guard *g)
{
	if (g->fan >= 0) close(g->fan); /* the kernel answers whatever is pending with allow */
	if (g->proc >= 0) close(g->proc);
	free(g->allow.slot);
	free(g->files.slot);
	free(g->reads.slot);
	free(g->written.slot);
}

static int container_root(const struct guard *g)
{
	int fd = openat(g->proc, "root", O_PATH | O_DIRECTORY | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/* Where cgroup v2 is mounted in the loader's namespace (/sys/fs/cgroup or …/unified on hybrid hosts). */
const char *cgroup2_mount(void)
{
	if (cgroup2_mnt[0]) return cgroup2_mnt;
	FILE *f = fopen("/proc/self/mountinfo", "re");
	char line[4096], mnt[PATH_MAX], type[64];
	while (f && fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (sep && sscanf(sep, " - %63s", type) == 1 && !strcmp(type, "cgroup2") &&
		    sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1) {
			snprintf(cgroup2_mnt, sizeof(cgroup2_mnt), "%s", mnt);
			break;
		}
	}
	if (f) fclose(f);
	return cgroup2_mnt[0] ? cgroup2_mnt : NULL;
}

/* A mountinfo field with its \ooo escapes undone. */
static void unescape(char *s)
{
	char *w = s;
	for (char *r = s; *r; ) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' && r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 4;
		} else {
			*w++ = *r++;
		}
	}
	*w = 0;
}

/* Mounts where no program can be: kernel interfaces, and whatever the runtime mounts below /proc
 * and /sys to mask them. */
static bool may_hold_programs(const char *type, const char *mnt)
{
	static const char *const pseudo[] = { "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs", "debugfs",
					      "tracefs", "bpf", "fusectl", "configfs", "pstore", "binfmt_misc", "efivarfs", NULL };
	for (int i = 0; pseudo[i]; i++)
		if (!strcmp(type, pseudo[i])) return false;
	for (const char *top = "/proc\0/sys\0"; *top; top += strlen(top) + 1) {
		size_t n = strlen(top);
		if (!strncmp(mnt, top, n) && (mnt[n] == 0 || mnt[n] == '/')) return false;
	}
	return true;
}

/* The container's own mounts a program could run from, marked FAN_OPEN_EXEC_PERM when `mark`.
 * Writes their mount points into `list` (up to MOUNTS_MAX); returns how many, or -errno, with the
 * first mount that failed named in `error`. */
static int exec_mounts(struct guard *g, bool mark, char list[][PATH_MAX], char *error, size_t esize)
{
	int mfd = openat(g->proc, "mountinfo", O_RDONLY | O_CLOEXEC);
	if (mfd < 0) return -errno;
	FILE *f = fdopen(mfd, "re");
	if (!f) { close(mfd); return -ENOMEM; }
	int root = container_root(g);
	if (root < 0) { fclose(f); return root; }
	char line[8192], mnt[PATH_MAX], type[64];
	int n = 0, err = 0;
	while (fgets(line, sizeof(line), f)) {
		const char *sep = strstr(line, " - ");
		if (!sep || sscanf(sep, " - %63s", type) != 1 || sscanf(line, "%*s %*s %*s %*s %4095s", mnt) != 1) continue;
		unescape(mnt);
		if (!may_hold_programs(type, mnt)) continue;
		bool seen = false;
		for (int i = 0; i < n; i++) seen |= !strcmp(list[i], mnt);
		if (seen) continue;
		if (mark) {
			/* The topmost mount there, as the container sees it: what a path it execs resolves to. */
			int fd = open_in_root(root, mnt, O_PATH);
			if (fd < 0 || mark_fd(g->fan, FAN_MARK_ADD | FAN_MARK_MOUNT, FAN_OPEN_EXEC_PERM, fd)) {
				if (!err) {
					err = -errno;
					snprintf(error, esize, "mark %s: %s", mnt, strerror(errno));
				}
				if (fd >= 0) close(fd);
				continue;
			}
			close(fd);
		}
		if (n < MOUNTS_MAX) snprintf(list[n++], PATH_MAX, "%s", mnt);
	}
	fclose(f);
	close(root);
	return err ? err : n;
}

static void reply_mounts(const char *op, char list[][PATH_MAX], int n)
{
	fputs("{\"reply\":", stdout);
	put_str(op, strlen(op));
	fputs(",\"ok\":true,\"mounts\":[", stdout);
	for (int i = 0; i < n; i++) {
		if (i) putchar(',');
		put_str(list[i], PATH_MAX);
	}
	puts("]}");
}

/* Checks that pid is one of the container's processes, in a mount namespace of its own: a wrong
 * pid would put the marks on the host. Returns /proc/PID (O_PATH) and writes the container's
 * cgroup-v2 path, or -1 with the reason in `error`. */
int adopt_process(__u64 cgroup, long pid, char *cgpath, size_t size, char *error, size_t esize)
{
	char path[64], cg[PATH_MAX], dir[PATH_MAX * 2];
	struct stat mine, theirs, st;
	snprintf(path, sizeof(path), "/proc/%ld", pid);
	int proc = open(path, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (proc < 0) return snprintf(error, esize, "process %ld: %s", pid, strerror(errno)), -1;
	if (stat("/proc/self/ns/mnt", &mine) || fstatat(proc, "ns/mnt", &theirs, 0)) {
		snprintf(error, esize, "process %ld: its mount namespace: %s", pid, strerror(errno));
		close(proc);
		return -1;
	}
	if (mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev) {
		close(proc);
		return snprintf(error, esize, "process %ld shares the loader's mount namespace: guarding it would guard the host", pid), -1;
	}
	const char *mnt = cgroup2_mount();
	if (task_cgroup(proc, "cgroup", cg, sizeof(cg)) || !mnt) {
		close(proc);
		return snprintf(error, esize, "process %ld: no cgroup v2 path", pid), -1;
	}
	/* The process is in the attached cgroup or below it (podman exec may use a child cgroup). */
	for (;;) {
		snprintf(dir, sizeof(dir), "%s%s", mnt, cg);
		if (!stat(dir, &st) && st.st_ino == cgroup) break;
		char *slash = strrchr(cg, '/');
		if (!slash || slash == cg) {
			close(proc);
			return snprintf(error, esize, "process %ld is not in the container's cgroup", pid), -1;
		}
		*slash = 0;
	}
	snprintf(cgpath, size, "%s", cg);
	return proc;
}

static bool json_bool(const char *line, const char *key, bool *out)
{
	const char *v = json_value(line, key);
	if (!v) return false;
	if (!strncmp(v, "true", 4)) *out = true;
	else if (!strncmp(v, "false", 5)) *out = false;
	else return false;
	return true;
}

/* The ops run on the main thread, the only one that changes the table: it reads it without the
 * lock and takes the lock only to change what the answering thread reads. Replies are printed
 * with the lock released. */

static void op_guard(const char *op, const char *line, __u64 cgroup, const char *id)
{
	static char error[PATH_MAX + 128], list[MOUNTS_MAX][PATH_MAX];
	char cgpath[PATH_MAX];
	const char *pv = json_value(line, "pid");
	char *end;
	long pid = pv ? strtol(pv, &end, 10) : 0;
	if (!pv || end == pv || pid <= 0 || pid > 4194304) return reply(op, "no \"pid\" of the container's process");
	struct guard *g = guard_of(cgroup);
	if (!g && nguards == GUARD_MAX) return reply(op, "too many guarded containers");
	error[0] = 0;
	int proc = adopt_process(cgroup, pid, cgpath, sizeof(cgpath), error, sizeof(error));
	if (proc < 0) return reply(op, error);
	if (!g) {
		int err = start_answering();
		if (err) {
			close(proc);
			return reply(op, strerror(-err));
		}
		/* FAN_REPORT_TID: the thread that opens, so its system call can be read in a
		 * multi-threaded program. O_NONBLOCK on the event's file: opening a FIFO in a guarded
		 * directory for the event must not wait for a writer. */
		int fan = fanotify_init(FAN_CLASS_CONTENT | FAN_CLOEXEC | FAN_NONBLOCK | FAN_REPORT_TID,
					O_RDONLY | O_LARGEFILE | O_CLOEXEC | O_NONBLOCK);
		if (fan < 0) {
			err = errno;
			close(proc);
			return reply(op, strerror(err));
		}
		static bool piped;
		if (!piped) {
			/* More room for lines the agent has not read yet: fewer reports lost when it lags
			 * (best effort; stdout may be no pipe). */
			fcntl(STDOUT_FILENO, F_SETPIPE_SZ, 1 << 20);
			piped = true;
		}
		pthread_mutex_lock(&lock);
		g = &guards[nguards++];
		*g = (struct guard){ .cgroup = cgroup, .fan = fan, .proc = proc };
		snprintf(g->id, sizeof(g->id), "%s", id);
		snprintf(g->cgpath, sizeof(g->cgpath), "%s", cgpath);
		pthread_mutex_unlock(&lock);
		wake(); /* to poll the new group */
	} else {
		/* Guarded again (another first process, a new mount): the marks follow when enforcing. */
		pthread_mutex_lock(&lock);
		int old = g->proc;
		g->proc = proc;
		snprintf(g->cgpath, sizeof(g->cgpath), "%s", cgpath);
		pthread_mutex_unlock(&lock);
		close(old);
	}
	int n = exec_mounts(g, g->exec_enforce, list, error, sizeof(error));
	if (n < 0) return reply(op, error[0] ? error : strerror(-n));
	reply_mounts(op, list, n);
}

static void op_allow_exec(const char *op, const char *line, struct guard *g)
{
	char path[PATH_MAX];
	if (!json_str(line, "path", path, sizeof(path)) || path[0] != '/') return reply(op, "no absolute \"path\"");
	int root = container_root(g);
	if (root < 0) return reply(op, "the container's process is gone");
	struct chain *c = calloc(1, sizeof(*c));
	if (!c) {
		close(root);
		return reply(op, "out of memory");
	}
	resolve_chain(root, path, c);
	close(root);
	const char *error = c->error[0] ? c->error : NULL;
	if (!error) {
		pthread_mutex_lock(&lock);
		for (int i = 0; i < c->n && !error; i++)
			if (set_add(&g->allow, c->out[i].dev, c->out[i].ino)) error = "out of memory";
		pthread_mutex_unlock(&lock);
	}
	/* Its execs stay in the kernel from now on. Marking through an O_PATH handle opens nothing.
	 * Allowing a file again (changed since) seals it anew. */
	for (int i = 0; i < c->n && !error; i++) {
		bool sealed = !seal_fd(g, c->fds[i], c->out[i].dev, c->out[i].ino, SEAL_EXEC);
		pthread_mutex_lock(&lock);
		struct devino *d = set_find(&g->allow, c->out[i].dev, c->out[i].ino);
		d->sealed = sealed;
		d->modified = false;
		if (!sealed) g->errors++; /* still allowed, through the set: only slower, and its writes unseen */
		pthread_mutex_unlock(&lock);
	}
	for (int i = 0; i < c->n; i++) close(c->fds[i]);
	reply(op, error);
	free(c);
}

/* The op's "path" resolved in the container's root (O_PATH) and its stat; -1 after replying the error. */
static int op_path(const char *op, const char *line, struct guard *g, char *path, struct stat *st)
{
	char error[PATH_MAX + 64];
	if (!json_str(line, "path", path, PATH_MAX) || path[0] != '/') return reply(op, "no absolute \"path\""), -1;
	int root = container_root(g);
	if (root < 0) return reply(op, "the container's process is gone"), -1;
	int fd = open_in_root(root, path, O_PATH);
	int err = errno;
	close(root);
	if (fd < 0 || fstat(fd, st)) {
		if (fd >= 0) err = errno, close(fd);
		snprintf(error, sizeof(error), "%s: %s", path, strerror(err));
		return reply(op, error), -1;
	}
	return fd;
}

/* guard-file / guard-dir: an inode mark on the file, or on the directory for its entries. */
static void op_guard_inode(const char *op, const char *line, struct guard *g, bool dir)
{
	char path[PATH_MAX], error[PATH_MAX + 64];
	struct stat st;
	int err, fd = op_path(op, line, g, path, &st);
	if (fd < 0) return;
	if (dir != S_ISDIR(st.st_mode)) {
		close(fd);
		snprintf(error, sizeof(error), "%s: %s", path, dir ? "not a directory" : "a directory (guard-dir guards one)");
		return reply(op, error);
	}
	if (!dir) {
		/* In the set before the mark: its first event must already count as the file's. */
		pthread_mutex_lock(&lock);
		err = set_add(&g->files, st.st_dev, st.st_ino);
		pthread_mutex_unlock(&lock);
		if (err) {
			close(fd);
			return reply(op, "out of memory");
		}
	}
	__u64 mask = dir ? FAN_OPEN_PERM | FAN_EVENT_ON_CHILD : FAN_OPEN_PERM;
	if (mark_fd(g->fan, FAN_MARK_ADD | (dir ? FAN_MARK_ONLYDIR : 0), mask, fd)) {
		snprintf(error, sizeof(error), "mark %s: %s", path, strerror(errno));
		close(fd);
		return reply(op, error);
	}
	close(fd);
	reply(op, NULL);
}

/* pass-read: a file every exec reads (the dynamic loader's cache) is read in the kernel alone, in
 * a guarded directory too; a write to it is reported when it happens (sealed, see the top). */
static void op_pass_read(const char *op, const char *line, struct guard *g)
{
	char path[PATH_MAX], error[PATH_MAX + 64];
	struct stat st;
	int err, fd = op_path(op, line, g, path, &st);
	if (fd < 0) return;
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		snprintf(error, sizeof(error), "%s: not a regular file", path);
		return reply(op, error);
	}
	pthread_mutex_lock(&lock);
	err = set_add(&g->reads, st.st_dev, st.st_ino);
	pthread_mutex_unlock(&lock);
	if (err) {
		close(fd);
		return reply(op, "out of memory");
	}
	bool sealed = !seal_fd(g, fd, st.st_dev, st.st_ino, SEAL_READ);
	err = errno;
	close(fd);
	pthread_mutex_lock(&lock);
	struct devino *d = set_find(&g->reads, st.st_dev, st.st_ino);
	d->sealed = sealed;
	d->modified = false;
	pthread_mutex_unlock(&lock);
	if (!sealed) {
		snprintf(error, sizeof(error), "mark %s: %s", path, strerror(err));
		return reply(op, error);
	}
	reply(op, NULL);
}

/* FAN_CLOSE_WRITE on the container's root mount: its image's file system, where nothing but the
 * declared writable paths should change. Volumes and tmpfs are mounts of their own, not marked. */
static int mark_writes(struct guard *g, bool on)
{
	int root = container_root(g);
	if (root < 0) return root;
	int fd = open_in_root(root, "/", O_PATH);
	int err = fd < 0 ? -errno : 0;
	close(root);
	if (err) return err;
	if (mark_fd(g->fan, (on ? FAN_MARK_ADD : FAN_MARK_REMOVE) | FAN_MARK_MOUNT, FAN_CLOSE_WRITE, fd) && (on || errno != ENOENT))
		err = -errno;
	close(fd);
	return err;
}

static void op_guard_writes(const char *op, const char *line, struct guard *g)
{
	bool on;
	if (!json_bool(line, "on", &on)) return reply(op, "no boolean \"on\"");
	int err = mark_writes(g, on);
	if (err) return reply(op, strerror(-err));
	pthread_mutex_lock(&lock);
	g->writes = on;
	pthread_mutex_unlock(&lock);
	reply(op, NULL);
}

static void op_enforce(const char *op, const char *line, struct guard *g, bool exec)
{
	static char error[PATH_MAX + 128], list[MOUNTS_MAX][PATH_MAX];
	bool on;
	if (!json_bool(line, "on", &on)) return reply(op, "no boolean \"on\"");
	pthread_mutex_lock(&lock);
	if (exec) g->exec_enforce = on;
	else g->files_enforce = on;
	pthread_mutex_unlock(&lock);
	if (!exec) return reply(op, NULL);
	if (!on) {
		/* Without enforcement the marks would only cost a round trip per exec: the tracepoint reports execs. */
		if (fanotify_mark(g->fan, FAN_MARK_FLUSH | FAN_MARK_MOUNT, 0, AT_FDCWD, NULL)) return reply(op, strerror(errno));
		/* The flush took guard-writes' mount mark too. */
		int err = g->writes ? mark_writes(g, true) : 0;
		return reply(op, err ? strerror(-err) : NULL);
	}
	error[0] = 0;
	int n = exec_mounts(g, true, list, error, sizeof(error));
	if (n < 0) return reply(op, error[0] ? error : strerror(-n)); /* what could be marked stays marked */
	reply_mounts(op, list, n);
}

bool guard_command(const char *op, const char *line, __u64 cgroup, const char *id)
{
	static const char *const ops[] = { "guard", "allow-exec", "exec-enforce", "guard-file", "guard-dir", "files-enforce", "pass-read", "guard-writes", NULL };
	int which = -1;
	for (int i = 0; ops[i]; i++)
		if (!strcmp(op, ops[i])) which = i;
	if (which < 0) return false;
	if (which == 0) {
		op_guard(op, line, cgroup, id);
		return true;
	}
	struct guard *g = guard_of(cgroup);
	if (!g) reply(op, "container not guarded (op guard first)");
	else if (which == 1) op_allow_exec(op, line, g);
	else if (which == 2) op_enforce(op, line, g, true);
	else if (which == 3) op_guard_inode(op, line, g, false);
	else if (which == 4) op_guard_inode(op, line, g, true);
	else if (which == 5) op_enforce(op, line, g, false);
	else if (which == 6) op_pass_read(op, line, g);
	else op_guard_writes(op, line, g);
	return true;
}

void guard_detach(__u64 cgroup)
{
	struct guard *g = guard_of(cgroup);
	if (!g) return;
	pthread_mutex_lock(&lock);
	close_guard(g);
	*g = guards[--nguards];
	pthread_mutex_unlock(&lock);
	/* The answering thread's poll holds the group until it returns: only then does the kernel
	 * release it and let pending callers through. */
	wake();
}

void guard_close_all(void)
{
	if (answering) {
		pthread_mutex_lock(&lock);
		stop = true;
		pthread_mutex_unlock(&lock);
		wake();
		pthread_join(answerer, NULL);
		answering = false;
	}
	for (int i = 0; i < nguards; i++) close_guard(&guards[i]);
	nguards = 0;
	for (int i = 0; i < nreports; i++) free(reports[i]);
	nreports = 0;
}
