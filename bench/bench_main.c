/* bench_main.c - dnsbl-bench: options -> query list -> run -> report.
 *
 * Exit status: 0 run completed, 1 runtime error (file, socket, memory),
 * 2 bad arguments (see bench_opts_usage).
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "bench_gen.h"
#include "bench_opts.h"
#include "bench_query.h"
#include "bench_report.h"
#include "bench_run.h"
#include "bench_zones.h"

/* Main-thread poll interval while the workers run: bounds how long a
 * Ctrl-C or the end of the run goes unnoticed. */
#define TICK_NS 100000000L

static volatile sig_atomic_t got_signal;

static void on_signal(int sig)
{
	got_signal = sig;
}

/* Build the query list from the file, the zone specs or the synthetic
 * source. Returns 0, or the exit status to use (1 or 2). */
static int build_queries(const struct bench_opts *o, struct bench_queries *q,
                         struct bench_gen_stats *gs, struct bench_report_info *ri)
{
	struct bench_zoneset zs;
	struct bench_gen_opts go = {
	    .count = o->count,
	    .listed_share = o->listed_share,
	    .ipv6_share = o->ipv6_share,
	    .domain_share = o->domain_share,
	    .txt_share = o->txt_share,
	    .seed = o->seed,
	};
	char err[512];
	int rc = 0;

	if (o->queries_file) {
		ri->source = "file";
		if (bench_queries_load(q, o->queries_file, err, sizeof err) < 0) {
			fprintf(stderr, "dnsbl-bench: %s\n", err);
			return 1;
		}
		ri->n_queries = q->n;
		return 0;
	}
	bench_zoneset_init(&zs);
	ri->source = o->n_zone_specs ? "zones" : "synthetic";
	for (size_t i = 0; i < o->n_zone_specs && rc == 0; i++) {
		const char *s = o->zone_specs[i];

		rc = s[0] == '@' ? bench_zoneset_add_conf(&zs, s + 1, err, sizeof err)
		                 : bench_zoneset_add_spec(&zs, s, NULL, err, sizeof err);
	}
	if (rc == 0 && !o->n_zone_specs)
		rc = bench_zoneset_add_empty(&zs, o->zone);
	if (rc == 0 && (rc = bench_zoneset_finish(&zs)) < 0)
		snprintf(err, sizeof err, "out of memory");
	if (rc == 0 && !zs.n) {
		snprintf(err, sizeof err, "no zone specs in the zone list");
		rc = -EINVAL;
	}
	if (rc == 0)
		rc = bench_gen_queries(&zs, &go, q, gs, err, sizeof err);
	if (rc == 0 && o->n_zone_specs)
		fprintf(stderr,
		        "dnsbl-bench: %zu queries from %zu zone(s): %llu keys read, %llu lines "
		        "not understood\n",
		        q->n, zs.n, (unsigned long long)zs.keys, (unsigned long long)zs.skipped);
	bench_zoneset_free(&zs);
	if (rc < 0) {
		fprintf(stderr, "dnsbl-bench: %s\n", err);
		/* a malformed spec is a bad argument; an unreadable file is not */
		return rc == -EINVAL ? 2 : 1;
	}
	ri->n_queries = q->n;
	ri->gen = gs;
	return 0;
}

static int write_queries(const struct bench_opts *o, const struct bench_queries *q)
{
	FILE *f = fopen(o->write_queries, "w");

	if (!f) {
		fprintf(stderr, "dnsbl-bench: %s: %s\n", o->write_queries, strerror(errno));
		return 1;
	}
	if (bench_queries_write(q, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "dnsbl-bench: %s: write failed\n", o->write_queries);
		return 1;
	}
	return 0;
}

static double seconds_since(const struct timespec *a)
{
	struct timespec b;

	clock_gettime(CLOCK_MONOTONIC, &b);
	return (double)(b.tv_sec - a->tv_sec) + (double)(b.tv_nsec - a->tv_nsec) / 1e9;
}

/* Wait for the workers, forwarding signals and drawing the progress line. */
static void supervise(struct bench_run *run, bool progress)
{
	struct bench_progress now, prev;
	struct timespec start, tick = {0, TICK_NS};
	double last = 0;

	clock_gettime(CLOCK_MONOTONIC, &start);
	memset(&prev, 0, sizeof prev);
	for (;;) {
		nanosleep(&tick, NULL);
		if (got_signal)
			bench_run_stop(run);
		bench_run_progress(run, &now);
		if (!now.running)
			break;
		double t = seconds_since(&start);

		if (progress && t - last >= 1.0) {
			bench_report_progress(stdout, t, &now, &prev, t - last);
			prev = now;
			last = t;
		}
	}
	if (progress)
		bench_report_progress_clear(stdout);
}

int main(int argc, char **argv)
{
	struct bench_opts o;
	struct bench_queries q;
	struct bench_gen_stats gs;
	struct bench_report_info ri = {0};
	struct bench_run *run = NULL;
	struct bench_totals *t = NULL;
	struct sigaction sa;
	char err[512];
	int rc, status = 0;

	rc = bench_opts_parse(&o, argc, argv, err, sizeof err);
	if (rc != 0) {
		bench_opts_free(&o);
		if (rc > 0)
			return 0;
		fprintf(stderr, "dnsbl-bench: %s\nTry 'dnsbl-bench --help'.\n", err);
		return 2;
	}
	bench_queries_init(&q);
	status = build_queries(&o, &q, &gs, &ri);
	if (status == 0 && o.write_queries)
		status = write_queries(&o, &q);
	if (status != 0 || !o.n_servers)
		goto out;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sa.sa_flags = SA_RESETHAND; /* a second Ctrl-C kills at once */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	/* the totals hold a 28 KiB histogram: keep it off the stack */
	t = malloc(sizeof *t);
	if (!t || bench_run_create(&run, &o, &q, err, sizeof err) < 0 ||
	    bench_run_start(run, err, sizeof err) < 0) {
		fprintf(stderr, "dnsbl-bench: %s\n", t ? err : "out of memory");
		status = 1;
		goto out;
	}
	supervise(run, o.progress == 1 || (o.progress == -1 && isatty(STDOUT_FILENO)));
	bench_run_finish(run, t);
	if (o.json)
		bench_report_json(stdout, &o, &ri, t);
	else
		bench_report_text(stdout, &o, &ri, t);
	if (fflush(stdout) != 0)
		status = 1;
out:
	bench_run_free(run);
	free(t);
	bench_queries_free(&q);
	bench_opts_free(&o);
	return status;
}
