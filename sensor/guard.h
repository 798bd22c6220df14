/* Inline enforcement with fanotify permission events: exec allow sets and guarded files, one
 * fanotify group per container, answered by a thread of the guard's own (guard.c, docs/sensor.md
 * "Exec and file guard"). The main loop only runs the ops and prints what the guard reports. */
#ifndef CHARTER_GUARD_H
#define CHARTER_GUARD_H

#include <poll.h>
#include <stdbool.h>
#include <linux/types.h>

/* At most one group per attached container. */
#define GUARD_MAX 256
/* The descriptors guard_pollfds may add to the main loop's poll. */
#define GUARD_POLLFDS 1

/* Runs a guard op (guard, allow-exec, exec-enforce, guard-file, guard-dir, files-enforce) for the
 * attached container `id` of cgroup `cgroup` and writes its reply; false when `op` is not one. */
bool guard_command(const char *op, const char *line, __u64 cgroup, const char *id);
/* What the main loop polls for the guard's reports: at most GUARD_POLLFDS, how many it wrote. */
int guard_pollfds(struct pollfd *fds, int max);
/* Prints the reports (refused execs, guarded opens) and counts the guard queued, when poll says so. */
void guard_handle(const struct pollfd *fds, int n);
/* The container stopped: its group is closed (the kernel lets pending and future opens through). */
void guard_detach(__u64 cgroup);
/* Stops the answering thread and closes every group. */
void guard_close_all(void);

/* Shared with the loader's other parts. `path` opened inside the container root `root`
 * (openat2 RESOLVE_IN_ROOT: absolute symlinks and ".." stay inside it); -1 with errno. */
int open_in_root(int root, const char *path, __u64 flags);
/* Where cgroup v2 is mounted in the loader's namespace, or NULL. */
const char *cgroup2_mount(void);
/* Checks that `pid` is a process of the container whose cgroup-v2 directory has inode `cgroup` (in
 * it or below it) and has a mount namespace other than the loader's (a wrong pid would act on the
 * host). Returns /proc/PID (O_PATH) and writes its cgroup path, or -1 with the reason in `error`. */
int adopt_process(__u64 cgroup, long pid, char *cgpath, size_t size, char *error, size_t esize);

#endif
