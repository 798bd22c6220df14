/* The record the kernel side hands the loader through the ring buffer: one layout for every kind,
 * so the loader reads one struct and the ring buffer needs no per-kind framing. Shared by
 * charter-sensor.bpf.c and charter-sensor.c; keep the two in step. */
#ifndef CHARTER_SENSOR_H
#define CHARTER_SENSOR_H

#define CS_FILENAME_LEN 256
#define CS_COMM_LEN 16
/* argv as the new program's stack holds it (NUL-separated); longer command lines are cut. */
#define CS_ARGS_LEN 1024
/* The executed file's path, as components walked up from its dentry (deepest first). A path
 * deeper than CS_PATH_DEPTH or with a longer name is reported incomplete. */
#define CS_PATH_DEPTH 16
#define CS_NAME_LEN 64
/* A multi-call binary's own name and an applet's name, NUL included: names of at most 31 bytes. */
#define CS_APPLET_LEN 32
/* The longest argv[0] whose basename the kernel looks for; a longer one names no applet (killed). */
#define CS_ARG0_LEN 4096
/* The ring buffer: 16 MiB, about 6,800 records, a second of 3,300 execs (an exec and an exit each).
 * With 4 MiB, exec loops saturating both cores of the test machine starved the agent, its pipe
 * filled, the loader waited on it and the ring buffer overflowed in one run of three (1,574 and
 * 5,079 of 36,000–60,000 records lost). Falco's default is 8 MiB per CPU. */
#define CS_RINGBUF_SIZE (1 << 24)
/* The loader drains the ring buffer at least this often; programs wake it earlier only for a
 * batch (charter-sensor.bpf.c, submit). 10 ms keeps an alert well inside the agent's 50 ms budget
 * from event to alert line; 100 idle wake-ups a second cost nothing measurable. */
#define CS_DRAIN_MS 10

enum cs_kind {
	CS_EXEC = 1,
	CS_EXIT = 2,
	CS_CONNECT = 3,
	CS_SOCKET = 4, /* a raw IP or ICMP ping socket created */
	CS_SEND = 5,   /* a datagram sent without connect (UDP sendto) */
	CS_LISTEN = 6, /* a TCP socket listening, a UDP socket bound */
	CS_ACCEPT = 7, /* a TCP connection accepted */
};
/* Where an executed file lives: the overlay's upper layer means written after the container started. */
enum cs_origin { CS_ORIGIN_UNKNOWN = 0, CS_ORIGIN_IMAGE = 1, CS_ORIGIN_WRITTEN = 2, CS_ORIGIN_MEMORY = 3 };

struct cs_event {
	__u64 time_ns; /* CLOCK_BOOTTIME; the loader turns it into wall time */
	__u64 cgroup;  /* the watched (container) cgroup, not the task's own sub-cgroup */
	__u64 ino;
	__u32 kind;
	__u32 pid;    /* host tgid */
	__u32 nspid;  /* tgid as the task's own pid namespace numbers it */
	__u32 ppid;
	__u32 uid;
	__u32 gid;
	__u32 dev;
	__s32 exit_code;
	__u16 family; /* AF_INET / AF_INET6 */
	__u16 dport;  /* host byte order; the peer's for an accept */
	__u8 protocol; /* IPPROTO_* */
	__u8 origin;
	__u8 denied;   /* refused: connect or send outside the allow map, a raw socket not granted */
	__u8 args_truncated;
	__u8 path_depth;
	__u8 path_complete;
	__u8 killed;   /* exec: SIGKILLed before its first instruction (enum cs_kill: why) */
	__u8 socktype; /* socket: SOCK_* */
	__u32 args_len;
	__u16 sport;   /* listen, accept: the local port, host byte order */
	__u16 pad;
	char applet[CS_APPLET_LEN]; /* exec killed as an applet: the applet's name as judged ("" when none) */
	__u8 daddr[16]; /* connect, send: destination; accept: peer */
	__u8 saddr[16]; /* listen, accept: the local address */
	char comm[CS_COMM_LEN];
	char filename[CS_FILENAME_LEN];
	char args[CS_ARGS_LEN];
	char path[CS_PATH_DEPTH][CS_NAME_LEN];
};

/* Why an exec was killed (cs_event.killed). */
enum cs_kill { CS_KILL_DRIFT = 1, CS_KILL_APPLET = 2 };

/* What the loader was told about a watched container (the `watched` map's value). */
enum cs_mode { CS_MODE_OBSERVE = 1, CS_MODE_ENFORCE = 2 };
struct cs_watch {
	__u8 mode;         /* enum cs_mode */
	__u8 allow_raw;    /* raw and ping sockets granted under enforcement */
	__u8 kill_drift;   /* under enforcement, SIGKILL an exec of a written or in-memory file */
	__u8 kill_applets; /* in any mode, SIGKILL an exec of a multi-call file as an applet not allowed */
};

/* A file of a container (the `multicall` map's key). `dev` is the kernel's encoding of the file's
 * super block (MAJOR << 20 | MINOR, as inode->i_sb->s_dev holds it): the loader converts what
 * stat(2) says (charter-sensor.c, kernel_dev). */
struct cs_file_key {
	__u64 cgroup;
	__u64 ino;
	__u32 dev;
	__u32 pad;
};

/* A multi-call file registered for a container: its own name (`busybox`), under which its first
 * argument names the applet. */
struct cs_multicall {
	char name[CS_APPLET_LEN];
};

/* An applet a container may run a multi-call file as (the `applets` map's key), the name
 * zero-padded. */
struct cs_applet_key {
	__u64 cgroup;
	__u64 ino;
	__u32 dev;
	__u32 pad;
	char name[CS_APPLET_LEN];
};

/* A destination or peer already reported for a container: an allowed send or an accept is reported
 * once per key, not once per datagram or connection. `kind` is CS_SEND or CS_ACCEPT. */
struct cs_seen_key {
	__u64 cgroup;
	__u8 addr[16];
	__u16 port;
	__u8 family;
	__u8 kind;
	__u32 pad;
};

/* The allow map's key: an address of all zeroes means "any address on this port". */
struct cs_allow_key {
	__u64 cgroup;
	__u8 addr[16];
	__u16 port;
	__u16 family;
	__u32 pad;
};

#endif
