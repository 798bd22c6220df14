/* The first layer's refusals as events: AUDIT_SECCOMP records read from the audit multicast group
 * (audit.c, docs/sensor.md "Seccomp refusals"). The main loop polls one descriptor and calls
 * audit_handle when it is readable. */
#ifndef CHARTER_AUDIT_H
#define CHARTER_AUDIT_H

#include <stddef.h>
#include <linux/types.h>

/* Subscribes to the audit multicast group; prints {"seccompAudit":true} or, once,
 * {"seccompAudit":false,"error":"…"} and returns -1 (the sensor carries on without it). */
int audit_open(void);
/* A process of a watched container (its exec or exit event): records that arrive after it exited
 * are still attributed. */
void audit_note_pid(__u32 pid, __u64 cgroup);
/* Reads every pending record; prints one "seccomp" line per record of a watched container. */
void audit_handle(int fd);
/* Prints {"auditLost":N} (records lost to the socket's overflow) / {"auditGone":N} (records of
 * processes that could not be attributed) when a count changed since the last call. */
void audit_report(void);
/* One record's text (not NUL-terminated), after the netlink header: its line, or a count. */
void audit_record(const char *text, size_t len);

/* --parse-audit: reads NUL-separated records from stdin and prints their lines, every record taken
 * as a watched container's (cgroupId 0, container "test"); for the parser's test. */
int audit_parse_stdin(void);

/* Defined by charter-sensor.c: the container id attached with this cgroup id, or NULL. */
const char *container_id_of(__u64 cgroup);

#endif
