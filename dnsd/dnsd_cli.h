/* dnsd_cli.h - dnsbld command line: options, their defaults and limits, usage text.
 *
 * Parsing is separate from the server so it has no side effects besides
 * printing: dnsd_cli_parse() fills a caller-owned struct dnsd_opts and
 * tells main() whether to run, exit 0 (--help, --version) or exit 2.
 */
#ifndef DNSD_CLI_H
#define DNSD_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/socket.h>

#include "dbl_conf.h"
#include "dnsd_rrl.h"

#define DNSD_LISTEN_MAX 16 /* 16 --listen options: far more than a mirror needs */

/* Defaults (documented in the usage text, keep in sync). */
#define DNSD_DEFAULT_TTL      2100u /* rbldnsd's default record TTL (35 min) */
#define DNSD_DEFAULT_EDNS     1232u /* DNS Flag Day 2020: no IP fragmentation */
#define DNSD_DEFAULT_TCP_IDLE 10u   /* seconds; RFC 7766 6.2.3 suggests "a few seconds" */
#define DNSD_DEFAULT_TCP_MAX  256u
#define DNSD_DEFAULT_LISTEN   "127.0.0.1:53"
#define DNSD_DEFAULT_RRL_SLIP 2u /* as BIND and NSD: every other limited reply is TC=1 */
#define DNSD_RRL_SLIP_MAX     100u

/* Limits enforced on option values. */
#define DNSD_TTL_MAX      2147483647u /* RFC 2181 8: TTL is 31 bits */
#define DNSD_EDNS_MIN     512u        /* RFC 6891 6.2.5: below 512 counts as 512 */
#define DNSD_EDNS_MAX     4096u       /* larger values only invite fragmentation */
#define DNSD_TCP_IDLE_MAX 3600u
#define DNSD_TCP_MAX_MAX  65535u
/* 256 threads: each holds ~1.4 MiB of UDP buffers (dnsd_udp.h) and one
 * socket per --listen; beyond the core counts of today's servers. */
#define DNSD_THREADS_MAX 256u
/* --udp-io blocking has a thread per socket: --threads x listen addresses,
 * at most this many (each thread: ~1.4 MiB of buffers, an 8 MiB stack
 * reservation, two descriptors). */
#define DNSD_UDP_THREADS_MAX 1024u

struct dnsd_opts {
	const char *db_dir; /* borrowed from argv */
	unsigned nlisten;
	struct sockaddr_storage listen[DNSD_LISTEN_MAX];
	uint32_t ttl;
	bool ns_in_auth;
	bool hide_version;
	uint16_t edns_payload;
	uint32_t tcp_idle; /* seconds */
	uint32_t tcp_max;
	uint32_t threads;    /* UDP threads, 1..DNSD_THREADS_MAX (default: usable CPUs) */
	bool udp_libuv;      /* --udp-io libuv: UDP on the threads' event loops */
	int log_level;       /* DBL_LOG_NOTICE, _INFO (--verbose) or _DEBUG (--debug) */
	bool log_syslog;     /* --log syslog / --syslog */
	bool check;          /* --check: validate, open the database, exit */
	const char *user;    /* --user NAME: drop to it after binding (borrowed) */
	const char *pidfile; /* --pidfile FILE (borrowed) */
	bool metrics_on;     /* --metrics ADDR:PORT given */
	bool metrics_remote; /* --metrics-allow-remote: non-loopback allowed */
	struct sockaddr_storage metrics;
	const char *query_log;    /* --query-log FILE (borrowed) */
	struct dnsd_rrl_conf rrl; /* --rrl, --rrl-slip, --rrl-loopback (rate 0 = off) */
	/* Command line merged with --config FILE; every borrowed string above
	 * points into conf.argv or argv. Freed by dnsd_cli_free(). */
	struct dbl_conf conf;
};

enum {
	DNSD_CLI_RUN = 0,  /* options valid: start the server */
	DNSD_CLI_EXIT = 1, /* --help or --version printed: exit 0 */
	DNSD_CLI_USAGE = 2 /* bad arguments, message printed to stderr: exit 2 */
};

/* Parse argv, merged with the --config FILE it names (dbl_conf.h), into *o
 * (caller-owned; strings are borrowed from argv and o->conf). Messages go to stdout (--help,
 * --version) or stderr (errors). Returns DNSD_CLI_RUN, DNSD_CLI_EXIT or DNSD_CLI_USAGE. */
int dnsd_cli_parse(struct dnsd_opts *o, int argc, char **argv);

/* Release o->conf (the strings borrowed from it die with it). */
void dnsd_cli_free(struct dnsd_opts *o);

/* Default for --threads: the CPUs this process may run on (the online
 * CPUs, narrowed by taskset/cpusets), clamped to 1..DNSD_THREADS_MAX. */
uint32_t dnsd_default_threads(void);

/* Write the full usage text to f. */
void dnsd_cli_usage(FILE *f);

/* Time value: decimal seconds with optional s/m/h/d/w suffixes, which may
 * be combined ("1h30m"). Returns 0, or -EINVAL (syntax) / -ERANGE (> max). */
int dnsd_parse_time(const char *s, uint32_t max, uint32_t *out);

/* Listen address: "A.B.C.D[:PORT]", "[IPv6][:PORT]" or a bare IPv6
 * address; PORT defaults to 53. Port 0 picks a free port (logged at
 * start). Returns 0 or -EINVAL. */
int dnsd_parse_listen(const char *s, struct sockaddr_storage *ss);

/* True for 127.0.0.0/8, ::1 and ::ffff:127.0.0.0/104. */
bool dnsd_addr_is_loopback(const struct sockaddr_storage *a);

/* "addr:port" / "[addr]:port" text of sa into buf (cap >= 64). */
const char *dnsd_addr_str(const struct sockaddr *sa, char *buf, size_t cap);

#endif
