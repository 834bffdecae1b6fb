/* bench_opts.c - dnsbl-bench command line (see bench_opts.h). */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "bench_opts.h"
#include "bench_query.h"

/* Split by section: C11 only guarantees 4095-byte string literals. */
static const char *const usage_text[] = {
    "NAME\n"
    "    dnsbl-bench - UDP load generator for DNSBL servers\n"
    "\n",
    "SYNOPSIS\n"
    "    dnsbl-bench --server ADDR[:PORT] [--server ...] [--outstanding N | --rate QPS]\n"
    "                [--duration SECONDS] [--threads N] [--timeout MS] [--json]\n"
    "                [--queries FILE | --from-zones SPEC... | --zone NAME] [options]\n"
    "    dnsbl-bench --from-zones SPEC... --write-queries FILE [generation options]\n"
    "\n",
    "DESCRIPTION\n"
    "    Sends DNSBL queries over UDP and reports the answer rate, losses, the RCODE\n"
    "    mix and latency percentiles. Each thread owns one connected UDP socket per\n"
    "    server and moves packets with sendmmsg/recvmmsg in batches, so one core\n"
    "    drives about twice the load of a tool making one system call per query.\n"
    "    Replies are matched by query ID and must repeat the question (the name\n"
    "    compared case-insensitively); others count as mismatched.\n"
    "\n"
    "    Two load models:\n"
    "    closed loop (--outstanding N, the default with N=100) keeps N queries in\n"
    "        flight and sends a new one for each answer or loss: it finds the\n"
    "        server's capacity.\n"
    "    open loop (--rate QPS) sends on a fixed schedule from a monotonic clock,\n"
    "        whether or not answers come back; a slow server shows as latency and\n"
    "        loss instead of a lower send rate.\n"
    "\n",
    "TARGET\n"
    "    --server ADDR[:PORT]\n"
    "        Server to query (port 53 if omitted): 127.0.0.1:5300, [::1]:5300.\n"
    "        Numeric addresses only. Repeat for several servers; every thread\n"
    "        spreads its batches over all of them. Addresses outside 127.0.0.0/8\n"
    "        and ::1 are refused unless --allow-remote is given.\n"
    "    --allow-remote\n"
    "        Permit servers outside loopback. Only for networks you are allowed\n"
    "        to load; the default protects everything else.\n"
    "\n",
    "LOAD\n"
    "    --outstanding N\n"
    "        Closed loop with N queries in flight in total (split over threads;\n"
    "        1..32768 per thread). Default 100.\n"
    "    --rate QPS\n"
    "        Open loop at QPS queries per second in total (split over threads),\n"
    "        paced in batches of whatever is due. Excludes --outstanding.\n"
    "    --duration SECONDS\n"
    "        Length of the sending phase (default 10, at most 3600, fractions\n"
    "        allowed). Sending stops at this time whatever else happens; the\n"
    "        tool then waits at most --timeout for the last answers, so it\n"
    "        always exits within SECONDS + MS/1000 (plus setup time).\n"
    "    --threads N\n"
    "        Sending threads, each with its own sockets, query-ID space and\n"
    "        statistics (default 1, at most 64).\n"
    "    --timeout MS\n"
    "        A query unanswered after MS milliseconds is counted as lost\n"
    "        (default 1000, 1..10000). An answer arriving later is counted as\n"
    "        late, not answered (its query stays lost), and its latency is not\n"
    "        recorded.\n"
    "    --batch N\n"
    "        Messages per sendmmsg/recvmmsg call (default 64, 1..1024).\n"
    "\n",
    "QUERIES\n"
    "    Queries are sent in list order, cycling; thread t starts at position\n"
    "    t*n/threads. Without --queries or zone specs, --count random unlisted\n"
    "    IPv4 queries for --zone are generated.\n"
    "    --queries FILE\n"
    "        dnsperf data file: one \"name TYPE\" per line (TYPE is A, TXT, AAAA,\n"
    "        ANY, ... or TYPEnnn); blank lines and lines starting with ';' or '#'\n"
    "        are skipped.\n"
    "    --from-zones SPEC\n"
    "        Generate queries from rbldnsd zone files. SPEC is zone:type:file[,file]\n"
    "        as for rbldnsd and dnsbl-load, type one of ip4set ip4tset ip4trie\n"
    "        ip6tset ip6trie dnset. Repeatable; arguments after the options are\n"
    "        taken as further specs. @FILE reads specs from FILE (whitespace-\n"
    "        separated, '#' comments, file names relative to FILE's directory),\n"
    "        e.g. the zones.conf written by gen_feed.py. Listed keys are read from\n"
    "        the entries (values, specials, exclusions and unparsable lines are\n"
    "        skipped); unlisted queries use random addresses and names.\n"
    "    --zone NAME\n"
    "        Zone of the synthetic default source (default zen.bench).\n"
    "    --count N\n"
    "        Number of queries to generate (default 100000, at most 50000000).\n"
    "    --listed-share F\n"
    "        Fraction of queries for listed keys (default 0.1).\n"
    "    --ipv6-share F\n"
    "        Fraction of IP queries that are IPv6, when both IPv4 and IPv6\n"
    "        datasets exist (default 0.05).\n"
    "    --domain-share F\n"
    "        Fraction of queries for dnset zones, when IP zones exist too\n"
    "        (default 0.2).\n"
    "    --txt-share F\n"
    "        Fraction of TXT queries; the rest ask for A (default 0.05).\n"
    "    --seed N\n"
    "        Random seed (default 1). Same seed, options and files give the same\n"
    "        query list.\n"
    "    --write-queries FILE\n"
    "        Write the query list in dnsperf format (so dnsperf -d FILE replays the\n"
    "        same queries). Without --server the tool exits after writing.\n"
    "\n",
    "OUTPUT\n"
    "    --json\n"
    "        Print one JSON object at the end instead of the text report. Fields:\n"
    "        tool, version, mode (closed|open), servers[], threads, outstanding\n"
    "        and rate (one is null), batch, timeout_ms, duration_s, elapsed_s\n"
    "        (sending phase), drain_s, source (file|zones|synthetic), queries\n"
    "        (distinct), query_mix{listed, unlisted, ip4, ip6, domain, txt} (for\n"
    "        generated lists), sent, answered, answered_in_window, lost, late,\n"
    "        mismatched, unexpected, malformed, truncated (TC set), skipped (open\n"
    "        loop, no free query ID), send_errors, recv_errors, qps, sent_qps,\n"
    "        rcodes{NAME: count}, latency_us{min, mean, p50, p90, p99, p99_9, max}\n"
    "        (null without answers).\n"
    "    --progress, --no-progress\n"
    "        Force the once-per-second progress line on or off (default: on when\n"
    "        stdout is a terminal).\n"
    "\n"
    "    qps is answers received during the sending phase divided by its length;\n"
    "    sent_qps is the send rate. Latency is measured per batch from just\n"
    "    before sendmmsg to just after recvmmsg on a monotonic clock and kept in\n"
    "    a log-linear histogram (1/128 relative bucket width: percentiles are\n"
    "    within 0.8% of the exact value, range up to 10 s).\n"
    "\n",
    "EXIT STATUS\n"
    "    0 run completed (whatever the loss), 1 runtime error (file, socket),\n"
    "    2 bad arguments.\n"
    "\n",
    "EXAMPLES\n"
    "    dnsbl-bench --server 127.0.0.1:5300 --outstanding 200 --duration 10\n"
    "    dnsbl-bench --server 127.0.0.1:5300 --rate 50000 --threads 2 --json\n"
    "    dnsbl-bench --from-zones @feed/zones.conf --listed-share 0.3 \\\n"
    "                --write-queries q.txt\n"
    "    dnsperf -s 127.0.0.1 -p 5300 -d q.txt -l 10   # same queries\n",
};

void bench_opts_usage(FILE *f)
{
	for (size_t i = 0; i < sizeof usage_text / sizeof usage_text[0]; i++)
		fputs(usage_text[i], f);
}

enum {
	OPT_SERVER = 256,
	OPT_ALLOW_REMOTE,
	OPT_RATE,
	OPT_OUTSTANDING,
	OPT_DURATION,
	OPT_THREADS,
	OPT_TIMEOUT,
	OPT_BATCH,
	OPT_QUERIES,
	OPT_FROM_ZONES,
	OPT_ZONE,
	OPT_COUNT,
	OPT_LISTED,
	OPT_IPV6,
	OPT_DOMAIN,
	OPT_TXT,
	OPT_SEED,
	OPT_WRITE,
	OPT_JSON,
	OPT_PROGRESS,
	OPT_NO_PROGRESS,
	OPT_VERSION,
};

static const struct option long_opts[] = {
    {"server", required_argument, NULL, OPT_SERVER},
    {"allow-remote", no_argument, NULL, OPT_ALLOW_REMOTE},
    {"rate", required_argument, NULL, OPT_RATE},
    {"outstanding", required_argument, NULL, OPT_OUTSTANDING},
    {"duration", required_argument, NULL, OPT_DURATION},
    {"threads", required_argument, NULL, OPT_THREADS},
    {"timeout", required_argument, NULL, OPT_TIMEOUT},
    {"batch", required_argument, NULL, OPT_BATCH},
    {"queries", required_argument, NULL, OPT_QUERIES},
    {"from-zones", required_argument, NULL, OPT_FROM_ZONES},
    {"zone", required_argument, NULL, OPT_ZONE},
    {"count", required_argument, NULL, OPT_COUNT},
    {"listed-share", required_argument, NULL, OPT_LISTED},
    {"ipv6-share", required_argument, NULL, OPT_IPV6},
    {"domain-share", required_argument, NULL, OPT_DOMAIN},
    {"txt-share", required_argument, NULL, OPT_TXT},
    {"seed", required_argument, NULL, OPT_SEED},
    {"write-queries", required_argument, NULL, OPT_WRITE},
    {"json", no_argument, NULL, OPT_JSON},
    {"progress", no_argument, NULL, OPT_PROGRESS},
    {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, OPT_VERSION},
    {NULL, 0, NULL, 0},
};

static int num_double(const char *opt, const char *s, double min, double max, double *out,
                      char *err, size_t errlen)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (end == s || *end || errno || !isfinite(v) || v < min || v > max) {
		snprintf(err, errlen, "--%s: expected a number from %g to %g, got \"%s\"", opt, min,
		         max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int num_u64(const char *opt, const char *s, uint64_t min, uint64_t max, uint64_t *out,
                   char *err, size_t errlen)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (*s < '0' || *s > '9' || *end || errno || v < min || v > max) {
		snprintf(err, errlen, "--%s: expected an integer from %llu to %llu, got \"%s\"",
		         opt, (unsigned long long)min, (unsigned long long)max, s);
		return -EINVAL;
	}
	*out = v;
	return 0;
}

static int check(struct bench_opts *o, bool rate_set, bool outstanding_set, char *err,
                 size_t errlen)
{
	if (rate_set && outstanding_set) {
		snprintf(err, errlen,
		         "--rate (open loop) and --outstanding (closed loop) exclude "
		         "each other");
		return -EINVAL;
	}
	if (o->queries_file && o->n_zone_specs) {
		snprintf(err, errlen, "--queries and zone specs exclude each other");
		return -EINVAL;
	}
	if (!o->n_servers && !o->write_queries) {
		snprintf(err, errlen, "no --server given (nothing to do)");
		return -EINVAL;
	}
	if (o->threads * o->n_servers > BENCH_MAX_SOCKETS) {
		snprintf(err, errlen, "--threads %u x %zu servers: at most %d sockets", o->threads,
		         o->n_servers, BENCH_MAX_SOCKETS);
		return -EINVAL;
	}
	if (o->mode == BENCH_CLOSED) {
		if (o->outstanding < o->threads) {
			snprintf(err, errlen, "--outstanding %u is less than --threads %u",
			         o->outstanding, o->threads);
			return -EINVAL;
		}
		if ((uint64_t)o->outstanding >
		    (uint64_t)BENCH_MAX_OUTSTANDING_PER_THREAD * o->threads) {
			snprintf(err, errlen,
			         "--outstanding %u: at most %u per thread; add --threads",
			         o->outstanding, BENCH_MAX_OUTSTANDING_PER_THREAD);
			return -EINVAL;
		}
	}
	for (size_t i = 0; i < o->n_servers; i++) {
		char buf[BENCH_ADDR_STRLEN];

		bench_addr_format(&o->servers[i], buf, sizeof buf);
		if (bench_addr_port(&o->servers[i]) == 0) {
			snprintf(err, errlen, "--server %s: port 0 is not a server port", buf);
			return -EINVAL;
		}
		if (!o->allow_remote && !bench_addr_is_loopback(&o->servers[i])) {
			snprintf(err, errlen,
			         "--server %s: not a loopback address (127.0.0.0/8, ::1); traffic "
			         "elsewhere needs --allow-remote",
			         buf);
			return -EINVAL;
		}
	}
	return 0;
}

int bench_opts_parse(struct bench_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	bool rate_set = false, outstanding_set = false;
	uint64_t u;
	int c, rc = 0;

	memset(o, 0, sizeof *o);
	o->mode = BENCH_CLOSED;
	o->outstanding = 100;
	o->duration_s = 10;
	o->threads = 1;
	o->timeout_ms = 1000;
	o->batch = 64;
	o->zone = "zen.bench";
	o->count = 100000;
	o->listed_share = 0.1;
	o->ipv6_share = 0.05;
	o->domain_share = 0.2;
	o->txt_share = 0.05;
	o->seed = 1;
	o->progress = -1;
	/* every spec is an argv element, so argc bounds the array */
	o->zone_specs = calloc((size_t)argc + 1, sizeof *o->zone_specs);
	if (!o->zone_specs) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	optind = 1;
	opterr = 0;
	while (rc == 0 && (c = getopt_long(argc, argv, ":h", long_opts, NULL)) != -1) {
		const char *name = optind > 1 && optind <= argc ? argv[optind - 1] : "?";

		switch (c) {
		case OPT_SERVER:
			if (o->n_servers == BENCH_MAX_SERVERS) {
				snprintf(err, errlen, "--server: at most %d servers",
				         BENCH_MAX_SERVERS);
				return -EINVAL;
			}
			if (bench_addr_parse(optarg, 53, &o->servers[o->n_servers]) < 0) {
				snprintf(err, errlen,
				         "--server \"%s\": expected a numeric address and optional "
				         "port: 127.0.0.1:5300 or [::1]:5300",
				         optarg);
				return -EINVAL;
			}
			o->n_servers++;
			break;
		case OPT_ALLOW_REMOTE:
			o->allow_remote = true;
			break;
		case OPT_RATE:
			rc = num_double("rate", optarg, 1, 1e8, &o->rate, err, errlen);
			o->mode = BENCH_OPEN;
			rate_set = true;
			break;
		case OPT_OUTSTANDING:
			rc = num_u64("outstanding", optarg, 1,
			             (uint64_t)BENCH_MAX_OUTSTANDING_PER_THREAD * BENCH_MAX_THREADS,
			             &u, err, errlen);
			o->outstanding = (uint32_t)u;
			outstanding_set = true;
			break;
		case OPT_DURATION:
			rc = num_double("duration", optarg, 0.001, BENCH_MAX_DURATION_S,
			                &o->duration_s, err, errlen);
			break;
		case OPT_THREADS:
			rc = num_u64("threads", optarg, 1, BENCH_MAX_THREADS, &u, err, errlen);
			o->threads = (unsigned)u;
			break;
		case OPT_TIMEOUT:
			rc = num_u64("timeout", optarg, 1, BENCH_MAX_TIMEOUT_MS, &u, err, errlen);
			o->timeout_ms = (unsigned)u;
			break;
		case OPT_BATCH:
			rc = num_u64("batch", optarg, 1, BENCH_MAX_BATCH, &u, err, errlen);
			o->batch = (unsigned)u;
			break;
		case OPT_QUERIES:
			o->queries_file = optarg;
			break;
		case OPT_FROM_ZONES:
			o->zone_specs[o->n_zone_specs++] = optarg;
			break;
		case OPT_ZONE:
			o->zone = optarg;
			break;
		case OPT_COUNT:
			rc = num_u64("count", optarg, 1, BENCH_QUERIES_MAX, &u, err, errlen);
			o->count = (size_t)u;
			break;
		case OPT_LISTED:
			rc =
			    num_double("listed-share", optarg, 0, 1, &o->listed_share, err, errlen);
			break;
		case OPT_IPV6:
			rc = num_double("ipv6-share", optarg, 0, 1, &o->ipv6_share, err, errlen);
			break;
		case OPT_DOMAIN:
			rc =
			    num_double("domain-share", optarg, 0, 1, &o->domain_share, err, errlen);
			break;
		case OPT_TXT:
			rc = num_double("txt-share", optarg, 0, 1, &o->txt_share, err, errlen);
			break;
		case OPT_SEED:
			rc = num_u64("seed", optarg, 0, UINT64_MAX, &o->seed, err, errlen);
			break;
		case OPT_WRITE:
			o->write_queries = optarg;
			break;
		case OPT_JSON:
			o->json = true;
			break;
		case OPT_PROGRESS:
			o->progress = 1;
			break;
		case OPT_NO_PROGRESS:
			o->progress = 0;
			break;
		case 'h':
			bench_opts_usage(stdout);
			return 1;
		case OPT_VERSION:
			printf("dnsbl-bench %s\n", DNSBL_VERSION);
			return 1;
		case ':':
			snprintf(err, errlen, "%s: missing argument", name);
			return -EINVAL;
		default:
			snprintf(err, errlen, "unknown option \"%s\" (see --help)", name);
			return -EINVAL;
		}
	}
	if (rc < 0)
		return rc;
	for (int i = optind; i < argc; i++)
		o->zone_specs[o->n_zone_specs++] = argv[i];
	return check(o, rate_set, outstanding_set, err, errlen);
}

void bench_opts_free(struct bench_opts *o)
{
	free(o->zone_specs);
	o->zone_specs = NULL;
	o->n_zone_specs = 0;
}
