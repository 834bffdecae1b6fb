/* dnsd_cli.c - dnsbld command line parsing and usage text. */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <netinet/in.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dnsd_cli.h"

#define PROG "dnsbld"

void dnsd_cli_usage(FILE *f)
{
	fputs("Usage: " PROG " --db DIR [--listen ADDR:PORT]... [OPTION]...\n"
	      "       " PROG " --config FILE [OPTION]...\n"
	      "\n"
	      "Serve DNS blocklists (DNSBL zones) read-only from an LMDB database built\n"
	      "by dnsbl-load: a drop-in replacement for the query side of rbldnsd.\n"
	      "\n"
	      "dnsbld answers over UDP and TCP (RFC 7766) on every --listen address and\n"
	      "runs in the foreground, logging to stderr or syslog; under systemd\n"
	      "(Type=notify) it reports READY=1, STATUS= and WATCHDOG=1. It serves\n"
	      "the generation that DIR/current points to and checks that symlink\n"
	      "every second: when dnsbl-load publishes a new generation it is opened\n"
	      "and swapped in between two packets, without a restart and without\n"
	      "losing queries. A generation that fails to open is logged and the\n"
	      "previous one stays live. Until any data exists, every query for a\n"
	      "zone is answered REFUSED.\n"
	      "\n"
	      "Options:\n"
	      "  -d, --db DIR           database directory written by dnsbl-load (required)\n"
	      "  -l, --listen ADDR:PORT address to serve on, UDP and TCP; repeatable (up to\n"
	      "                         16). IPv4 as 127.0.0.1:5300, IPv6 as [::1]:5300;\n"
	      "                         the port defaults to 53, port 0 picks a free one\n"
	      "                         (logged). Default: " DNSD_DEFAULT_LISTEN "\n"
	      "  -t, --ttl TIME         TTL of records whose zone sets no $TTL\n"
	      "                         (default 2100). TIME is seconds, or a number with\n"
	      "                         an s/m/h/d/w suffix; units combine: 1h30m\n"
	      "  -a, --ns-in-auth       add the zone's NS records to the AUTHORITY section\n"
	      "                         of positive answers (default: omitted, as rbldnsd -a)\n"
	      "      --hide-version     answer CHAOS TXT version.bind/version.server with\n"
	      "                         REFUSED instead of the server name and version\n"
	      "      --edns-payload N   EDNS(0) UDP payload size advertised and used for\n"
	      "                         UDP answers, 512..4096 (default 1232, DNS Flag Day\n"
	      "                         2020); larger answers are sent with TC set\n"
	      "      --tcp-idle TIME    close a TCP connection that completes no query for\n"
	      "                         TIME, 1s..1h (default 10); also bounds how long a\n"
	      "                         client may take to send one query (slowloris)\n"
	      "      --tcp-max N        at most N TCP connections at once, 1..65535\n"
	      "                         (default 256); further connections are accepted and\n"
	      "                         closed at once. Each takes up to 128 KiB of buffers\n"
	      "      --rrl RATE         response-rate limiting (default off): at most RATE\n"
	      "                         UDP responses per second to one client prefix\n"
	      "                         (IPv4 /24, IPv6 /56), 1..1000000, bursts of one\n"
	      "                         second; the excess is dropped or slipped. TCP is\n"
	      "                         never limited\n"
	      "      --rrl-slip N       send every Nth limited response as an empty reply\n"
	      "                         with TC set, so real clients retry over TCP;\n"
	      "                         0 drops them all, 0..100 (default 2)\n"
	      "      --rrl-loopback     also limit loopback clients (127.0.0.0/8, ::1),\n"
	      "                         which are exempt by default\n"
	      "  -T, --threads N        UDP threads, 1..256 (default: the number of CPUs\n"
	      "                         dnsbld may run on): N SO_REUSEPORT sockets per\n"
	      "                         --listen address (the kernel spreads clients over\n"
	      "                         them), each served by a thread of its own\n"
	      "                         (blocking; at most 1024 in all), or N event loops\n"
	      "                         over one socket per address each (libuv)\n"
	      "      --udp-io MODE      how UDP threads wait for queries: 'blocking'\n"
	      "                         (default: each thread sleeps in recvmmsg on its\n"
	      "                         one socket; TCP, /metrics and the data watcher run\n"
	      "                         on the main thread) or 'libuv' (each thread runs an\n"
	      "                         event loop over its sockets; the first thread is\n"
	      "                         the main thread and also serves TCP). Blocking\n"
	      "                         costs fewer system calls per query (bench/RESULTS.md)\n"
	      "  -c, --config FILE      read options from FILE: one 'key value' per line,\n"
	      "                         key = long option name (dnsbl.conf(5)); options\n"
	      "                         on the command line replace the file's\n"
	      "      --check            validate the configuration and the command line,\n"
	      "                         open the database (as --user), print the result,\n"
	      "                         exit 0 or 1\n"
	      "      --user NAME        after binding, drop to user NAME and its groups\n"
	      "                         (required when started as root; '--user root'\n"
	      "                         keeps root, for containers and tests, with a\n"
	      "                         warning)\n"
	      "      --pidfile FILE     write the process id to FILE, locked while\n"
	      "                         running (a second dnsbld refuses to start);\n"
	      "                         removed on exit\n"
	      "      --metrics ADDR:PORT serve Prometheus metrics at http://ADDR:PORT/metrics\n"
	      "                         (off by default). Loopback addresses only, unless\n"
	      "                         --metrics-allow-remote is also given\n"
	      "      --metrics-allow-remote  allow a --metrics address that is not loopback\n"
	      "                         (the endpoint has no access control of its own)\n"
	      "      --query-log FILE   append one line per query to FILE (time, client,\n"
	      "                         transport, name, type, rcode, listed); off by\n"
	      "                         default. Reopened on SIGHUP and when the file is\n"
	      "                         renamed or deleted (logrotate), checked every second\n"
	      "      --log TARGET       'stderr' (default) or 'syslog' (facility daemon)\n"
	      "      --syslog           same as --log syslog\n"
	      "  -v, --verbose          also log informational messages (refused TCP\n"
	      "                         connections, generation checks)\n"
	      "      --debug            log one line per query (client, name, type, rcode)\n"
	      "  -V, --version          print the version and exit\n"
	      "  -h, --help             print this help and exit\n"
	      "\n"
	      "Signals:\n"
	      "  SIGHUP                 check DIR/current for a new generation now, reopen\n"
	      "                         the --query-log file\n"
	      "                         (systemd: RELOADING=1, then READY=1)\n"
	      "  SIGTERM, SIGINT        stop: close sockets and the database, log counters\n"
	      "                         (queries, answered, dropped) and exit 0\n"
	      "\n"
	      "Files:\n"
	      "  DIR/current            symlink to the live generation, replaced atomically\n"
	      "                         by dnsbl-load\n"
	      "  DIR/gen-N.mdb          one complete generation (read-only LMDB file)\n"
	      "\n"
	      "Exit status:\n"
	      "  0  stopped by SIGTERM/SIGINT, or --help/--version\n"
	      "  1  could not start (address in use, permission denied, out of memory,\n"
	      "     pidfile held by another dnsbld, root without --user); --check failed\n"
	      "  2  invalid command line or configuration file\n"
	      "\n"
	      "Examples:\n"
	      "  dnsbl-load --db /var/lib/dnsbl bl.example:ip4set:/srv/zones/bl\n"
	      "  " PROG " --db /var/lib/dnsbl --listen 127.0.0.1:53 --listen [::1]:53\n"
	      "  " PROG " --db /var/lib/dnsbl --listen 127.0.0.1:5300 --ttl 1h --debug\n"
	      "  dig -p 5300 @127.0.0.1 2.0.0.127.bl.example TXT\n"
	      "\n"
	      "Malformed packets are dropped without a reply. dnsbld never writes to DIR.\n"
	      "Started as root it binds its sockets, then drops to --user; otherwise run\n"
	      "it as an unprivileged user with CAP_NET_BIND_SERVICE for port 53.\n",
	      f);
}

int dnsd_parse_time(const char *s, uint32_t max, uint32_t *out)
{
	uint64_t total = 0;
	const char *p = s;

	if (!*p)
		return -EINVAL;
	while (*p) {
		uint64_t n = 0, mul = 1;

		if (*p < '0' || *p > '9')
			return -EINVAL;
		for (; *p >= '0' && *p <= '9'; p++) {
			n = n * 10 + (uint64_t)(*p - '0');
			if (n > UINT32_MAX)
				return -ERANGE;
		}
		if (*p) {
			static const char units[] = "smhdw";
			static const uint32_t secs[] = {1, 60, 3600, 86400, 604800};
			const char *u = strchr(units, *p | 0x20); /* ASCII lowercase */
			if (!u)
				return -EINVAL;
			mul = secs[u - units];
			p++;
		}
		total += n * mul;
		if (total > max)
			return -ERANGE;
	}
	*out = (uint32_t)total;
	return 0;
}

static int parse_port(const char *s, uint16_t *port)
{
	unsigned long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int dnsd_parse_listen(const char *s, struct sockaddr_storage *ss)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s = NULL, *colon;
	uint16_t port = 53;
	size_t hlen;

	memset(ss, 0, sizeof *ss);
	if (s[0] == '[') {
		const char *close = strchr(s, ']');
		if (!close)
			return -EINVAL;
		hlen = (size_t)(close - s - 1);
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1])
			return -EINVAL;
		s++;
	} else if ((colon = strchr(s, ':')) && !strchr(colon + 1, ':')) {
		hlen = (size_t)(colon - s); /* exactly one colon: IPv4:port */
		port_s = colon + 1;
	} else {
		hlen = strlen(s); /* no colon (IPv4) or bare IPv6 */
	}
	if (hlen == 0 || hlen >= sizeof host)
		return -EINVAL;
	memcpy(host, s, hlen);
	host[hlen] = 0;
	if (port_s && parse_port(port_s, &port))
		return -EINVAL;

	struct sockaddr_in *a4 = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)ss;
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons(port);
		return 0;
	}
	if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons(port);
		return 0;
	}
	return -EINVAL;
}

const char *dnsd_addr_str(const struct sockaddr *sa, char *buf, size_t cap)
{
	char host[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a4 = (const struct sockaddr_in *)sa;
		inet_ntop(AF_INET, &a4->sin_addr, host, sizeof host);
		snprintf(buf, cap, "%s:%u", host, ntohs(a4->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a6 = (const struct sockaddr_in6 *)sa;
		inet_ntop(AF_INET6, &a6->sin6_addr, host, sizeof host);
		snprintf(buf, cap, "[%s]:%u", host, ntohs(a6->sin6_port));
	} else {
		snprintf(buf, cap, "(family %d)", sa->sa_family);
	}
	return buf;
}

bool dnsd_addr_is_loopback(const struct sockaddr_storage *a)
{
	if (a->ss_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)a)->sin_addr.s_addr) >> 24) == 127;
	if (a->ss_family == AF_INET6) {
		const struct in6_addr *x = &((const struct sockaddr_in6 *)a)->sin6_addr;
		return IN6_IS_ADDR_LOOPBACK(x) ||
		       (IN6_IS_ADDR_V4MAPPED(x) && x->s6_addr[12] == 127);
	}
	return false;
}

/* Unsigned decimal option in [lo, hi]. */
static int parse_uint(const char *s, uint32_t lo, uint32_t hi, uint32_t *out)
{
	unsigned long long v;
	char *end;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || *end)
		return -EINVAL;
	if (v < lo || v > hi)
		return -ERANGE;
	*out = (uint32_t)v;
	return 0;
}

uint32_t dnsd_default_threads(void)
{
	cpu_set_t set;
	long n = 0;

	if (sched_getaffinity(0, sizeof set, &set) == 0)
		n = CPU_COUNT(&set);
	if (n <= 0)
		n = sysconf(_SC_NPROCESSORS_ONLN);
	if (n < 1)
		n = 1;
	return n > (long)DNSD_THREADS_MAX ? DNSD_THREADS_MAX : (uint32_t)n;
}

enum {
	OPT_HIDE_VERSION = 256,
	OPT_EDNS,
	OPT_TCP_IDLE,
	OPT_TCP_MAX,
	OPT_DEBUG,
	OPT_CONFIG,
	OPT_CHECK,
	OPT_USER,
	OPT_PIDFILE,
	OPT_LOG,
	OPT_SYSLOG,
	OPT_RRL,
	OPT_RRL_SLIP,
	OPT_RRL_LOOPBACK,
	OPT_METRICS,
	OPT_METRICS_REMOTE,
	OPT_QUERY_LOG,
	OPT_UDP_IO
};

/* Every long option is also a config file key (dnsbl.conf(5)). */
static const struct option longopts[] = {
    {"db", required_argument, NULL, 'd'},
    {"listen", required_argument, NULL, 'l'},
    {"ttl", required_argument, NULL, 't'},
    {"ns-in-auth", no_argument, NULL, 'a'},
    {"hide-version", no_argument, NULL, OPT_HIDE_VERSION},
    {"edns-payload", required_argument, NULL, OPT_EDNS},
    {"tcp-idle", required_argument, NULL, OPT_TCP_IDLE},
    {"tcp-max", required_argument, NULL, OPT_TCP_MAX},
    {"threads", required_argument, NULL, 'T'},
    {"udp-io", required_argument, NULL, OPT_UDP_IO},
    {"rrl", required_argument, NULL, OPT_RRL},
    {"rrl-slip", required_argument, NULL, OPT_RRL_SLIP},
    {"rrl-loopback", no_argument, NULL, OPT_RRL_LOOPBACK},
    {"user", required_argument, NULL, OPT_USER},
    {"pidfile", required_argument, NULL, OPT_PIDFILE},
    {"log", required_argument, NULL, OPT_LOG},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"metrics", required_argument, NULL, OPT_METRICS},
    {"metrics-allow-remote", no_argument, NULL, OPT_METRICS_REMOTE},
    {"query-log", required_argument, NULL, OPT_QUERY_LOG},
    {"verbose", no_argument, NULL, 'v'},
    {"debug", no_argument, NULL, OPT_DEBUG},
    {"config", required_argument, NULL, 'c'},
    {"check", no_argument, NULL, OPT_CHECK},
    {"version", no_argument, NULL, 'V'},
    {"help", no_argument, NULL, 'h'},
    {NULL, 0, NULL, 0},
};
#define SHORTOPTS ":d:l:t:T:c:avVh"

/* The option being parsed: for messages naming the config line. */
static const struct dnsd_opts *cur_opts;

static int bad(const char *opt, const char *arg, const char *why)
{
	dbl_conf_bad_value(&cur_opts->conf, PROG, optind - 1, opt + 2, arg, why);
	fprintf(stderr, "Try '" PROG " --help' for more information.\n");
	return DNSD_CLI_USAGE;
}

void dnsd_cli_free(struct dnsd_opts *o)
{
	dbl_conf_free(&o->conf);
}

int dnsd_cli_parse(struct dnsd_opts *o, int argc, char **argv)
{
	uint32_t v;
	int c, rc;

	memset(o, 0, sizeof *o);
	o->ttl = DNSD_DEFAULT_TTL;
	o->edns_payload = DNSD_DEFAULT_EDNS;
	o->tcp_idle = DNSD_DEFAULT_TCP_IDLE;
	o->tcp_max = DNSD_DEFAULT_TCP_MAX;
	o->threads = 0; /* 0: not given, dnsd_default_threads() after parsing */
	o->log_level = DBL_LOG_NOTICE;
	o->rrl.slip = DNSD_DEFAULT_RRL_SLIP;
	cur_opts = o;
	if (dbl_conf_merge(&o->conf, PROG, DBL_PROG_DNSBLD, longopts, SHORTOPTS, argc, argv))
		return DNSD_CLI_USAGE;
	argc = o->conf.argc;
	argv = o->conf.argv;

	opterr = 0; /* our own messages name the offending argument */
	optind = 1;
	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1) {
		const char *arg = optarg;
		switch (c) {
		case 'd':
			if (!*arg)
				return bad("--db", arg, "empty directory name");
			o->db_dir = arg;
			break;
		case 'l':
			if (o->nlisten == DNSD_LISTEN_MAX)
				return bad("--listen", arg, "too many listen addresses (max 16)");
			if (dnsd_parse_listen(arg, &o->listen[o->nlisten]))
				return bad("--listen", arg,
				           "expected IPv4:PORT (127.0.0.1:5300) or [IPv6]:PORT "
				           "([::1]:5300)");
			o->nlisten++;
			break;
		case 't':
			rc = dnsd_parse_time(arg, DNSD_TTL_MAX, &o->ttl);
			if (rc)
				return bad("--ttl", arg,
				           rc == -ERANGE
				               ? "larger than 2147483647 seconds"
				               : "expected seconds with optional s/m/h/d/w suffix");
			break;
		case 'a':
			o->ns_in_auth = true;
			break;
		case OPT_HIDE_VERSION:
			o->hide_version = true;
			break;
		case OPT_EDNS:
			if (parse_uint(arg, DNSD_EDNS_MIN, DNSD_EDNS_MAX, &v))
				return bad("--edns-payload", arg,
				           "expected a number from 512 to 4096");
			o->edns_payload = (uint16_t)v;
			break;
		case OPT_TCP_IDLE:
			rc = dnsd_parse_time(arg, DNSD_TCP_IDLE_MAX, &o->tcp_idle);
			if (rc || o->tcp_idle == 0)
				return bad("--tcp-idle", arg, "expected a time from 1s to 1h");
			break;
		case OPT_TCP_MAX:
			if (parse_uint(arg, 1, DNSD_TCP_MAX_MAX, &o->tcp_max))
				return bad("--tcp-max", arg, "expected a number from 1 to 65535");
			break;
		case 'T':
			if (parse_uint(arg, 1, DNSD_THREADS_MAX, &o->threads))
				return bad("--threads", arg, "expected a number from 1 to 256");
			break;
		case OPT_UDP_IO:
			if (strcmp(arg, "blocking") != 0 && strcmp(arg, "libuv") != 0)
				return bad("--udp-io", arg, "expected 'blocking' or 'libuv'");
			o->udp_libuv = arg[0] == 'l';
			break;
		case OPT_RRL:
			if (parse_uint(arg, 1, DNSD_RRL_RATE_MAX, &o->rrl.rate))
				return bad("--rrl", arg,
				           "expected responses per second, 1 to 1000000");
			break;
		case OPT_RRL_SLIP:
			if (parse_uint(arg, 0, DNSD_RRL_SLIP_MAX, &o->rrl.slip))
				return bad("--rrl-slip", arg, "expected a number from 0 to 100");
			break;
		case OPT_RRL_LOOPBACK:
			o->rrl.loopback = true;
			break;
		case 'v':
			if (o->log_level < DBL_LOG_INFO)
				o->log_level = DBL_LOG_INFO;
			break;
		case OPT_DEBUG:
			o->log_level = DBL_LOG_DEBUG;
			break;
		case 'c':
			break; /* merged by dbl_conf_merge() */
		case OPT_CHECK:
			o->check = true;
			break;
		case OPT_USER:
			if (!*arg)
				return bad("--user", arg, "expected a user name");
			o->user = arg;
			break;
		case OPT_PIDFILE:
			if (!*arg)
				return bad("--pidfile", arg, "expected a file name");
			o->pidfile = arg;
			break;
		case OPT_LOG:
			if (strcmp(arg, "syslog") != 0 && strcmp(arg, "stderr") != 0)
				return bad("--log", arg, "expected 'stderr' or 'syslog'");
			o->log_syslog = arg[1] == 'y';
			break;
		case OPT_SYSLOG:
			o->log_syslog = true;
			break;
		case OPT_METRICS:
			if (dnsd_parse_listen(arg, &o->metrics))
				return bad("--metrics", arg,
				           "expected IPv4:PORT (127.0.0.1:9153) or [IPv6]:PORT "
				           "([::1]:9153)");
			o->metrics_on = true;
			break;
		case OPT_METRICS_REMOTE:
			o->metrics_remote = true;
			break;
		case OPT_QUERY_LOG:
			if (!*arg)
				return bad("--query-log", arg, "expected a file name");
			o->query_log = arg;
			break;
		case 'V':
			printf(PROG " " DNSBL_VERSION "\n");
			return DNSD_CLI_EXIT;
		case 'h':
			dnsd_cli_usage(stdout);
			return DNSD_CLI_EXIT;
		case ':':
			fprintf(stderr, PROG ": option '%s' requires an argument\n",
			        argv[optind - 1]);
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			return DNSD_CLI_USAGE;
		default:
			/* optopt names an unknown short option; long ones only
			 * appear in argv (getopt leaves optopt 0 or the val). */
			if (strncmp(argv[optind - 1], "--", 2) == 0 || !optopt)
				fprintf(stderr, PROG ": unknown option '%s'\n", argv[optind - 1]);
			else
				fprintf(stderr, PROG ": unknown option '-%c'\n", optopt);
			fprintf(stderr, "Try '" PROG " --help' for more information.\n");
			return DNSD_CLI_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, PROG ": unexpected argument '%s' (zones are given to dnsbl-load)\n",
		        argv[optind]);
		fprintf(stderr, "Try '" PROG " --help' for more information.\n");
		return DNSD_CLI_USAGE;
	}
	if (!o->db_dir) {
		fprintf(stderr, PROG ": missing required option --db DIR\n");
		fprintf(stderr, "Try '" PROG " --help' for more information.\n");
		return DNSD_CLI_USAGE;
	}
	if (o->metrics_on && !o->metrics_remote && !dnsd_addr_is_loopback(&o->metrics)) {
		fprintf(stderr, PROG
		        ": --metrics: not a loopback address; the metrics endpoint has no "
		        "access control (add --metrics-allow-remote to serve it there anyway)\n");
		return DNSD_CLI_USAGE;
	}
	if (o->nlisten == 0)
		dnsd_parse_listen(DNSD_DEFAULT_LISTEN, &o->listen[o->nlisten++]);
	if (o->threads == 0)
		o->threads = dnsd_default_threads();
	if (!o->udp_libuv && o->threads * o->nlisten > DNSD_UDP_THREADS_MAX) {
		fprintf(stderr,
		        PROG ": --threads %u x %u listen addresses = %u UDP threads, more than %u; "
		             "lower --threads or use --udp-io libuv\n",
		        o->threads, o->nlisten, o->threads * o->nlisten, DNSD_UDP_THREADS_MAX);
		return DNSD_CLI_USAGE;
	}
	return DNSD_CLI_RUN;
}
