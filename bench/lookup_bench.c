/* lookup_bench.c - dnsbl-lookup-bench: direct lookups per second through
 * the library (lookup/dnsbl.h), on the query files dnsbl-bench writes
 * (--write-queries: "NAME TYPE" per line), so the figure compares with
 * dnsbld's DNS queries per second on the same query set.
 *
 * Each query name is split once, before timing, into zone + key (IPv4,
 * IPv6 or domain, as dnsbl-check takes them); type A becomes a lookup with
 * DNSBL_NO_TXT (dnsbld answers an A query without expanding TXT), TXT and
 * ANY a full one. Every thread replays the whole list from its own offset
 * with its own reader for --seconds; the result is lookups per second per
 * thread and in all. Not installed: a development tool.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "dnsbl.h"

#define ZONES_MAX   16
#define THREADS_MAX 64

struct q {
	const char *zone;
	int family; /* 4, 6, or 0: domain */
	uint8_t addr[16];
	char *domain;
	unsigned flags;
};

static struct q *qs;
static size_t nq;
static double seconds = 5;
static struct dnsbl *h;
static bool resident;

struct worker {
	pthread_t t;
	size_t start;
	unsigned long lookups, listed, errors;
	double elapsed, cpu; /* wall and thread CPU seconds */
};

static double clock_s(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* key = the labels of name before ".zone"; text form for inet_pton. */
static int parse_key(char *key, struct q *q)
{
	char *lab[33], text[64];
	unsigned n = 0;

	for (char *s = key; n < 33;) {
		lab[n++] = s;
		if (!(s = strchr(s, '.')))
			break;
		*s++ = 0;
	}
	if (n == 4) {
		snprintf(text, sizeof text, "%s.%s.%s.%s", lab[3], lab[2], lab[1], lab[0]);
		if (inet_pton(AF_INET, text, q->addr) == 1) {
			q->family = 4;
			return 0;
		}
	}
	if (n == 32) {
		for (unsigned i = 0; i < 32; i += 2) {
			char b[3] = {lab[31 - i][0], lab[30 - i][0], 0};
			q->addr[i / 2] = (uint8_t)strtoul(b, NULL, 16);
		}
		q->family = 6;
		return 0;
	}
	for (unsigned i = 1; i < n; i++)
		lab[i][-1] = '.'; /* back to one string */
	q->domain = strdup(key);
	return q->domain ? 0 : -ENOMEM;
}

static int load_queries(const char *file, char **zones, unsigned nz)
{
	FILE *f = fopen(file, "r");
	char line[1024], name[512], type[16];
	size_t cap = 0;

	if (!f)
		return -errno;
	while (fgets(line, sizeof line, f)) {
		size_t nl;
		unsigned z;
		if (sscanf(line, "%511s %15s", name, type) != 2)
			continue;
		nl = strlen(name);
		if (nl && name[nl - 1] == '.')
			name[--nl] = 0;
		for (z = 0; z < nz; z++) {
			size_t zl = strlen(zones[z]);
			if (nl > zl + 1 && name[nl - zl - 1] == '.' &&
			    strcasecmp(name + nl - zl, zones[z]) == 0)
				break;
		}
		if (z == nz)
			continue; /* not in a --zone */
		if (nq == cap) {
			cap = cap ? 2 * cap : 4096;
			if (!(qs = realloc(qs, cap * sizeof *qs)))
				return -ENOMEM;
		}
		memset(&qs[nq], 0, sizeof qs[nq]);
		qs[nq].zone = zones[z];
		qs[nq].flags = strcasecmp(type, "A") == 0 ? DNSBL_NO_TXT : 0;
		name[nl - strlen(zones[z]) - 1] = 0;
		if (parse_key(name, &qs[nq]) != 0)
			return -ENOMEM;
		nq++;
	}
	fclose(f);
	return 0;
}

static void *work(void *arg)
{
	struct worker *w = arg;
	struct dnsbl_reader *r;
	struct dnsbl_result res;
	double t0, c0, t;
	size_t i = w->start;

	if (dnsbl_reader_new(h, &r) != 0)
		return NULL;
	t0 = now_s();
	c0 = clock_s(CLOCK_THREAD_CPUTIME_ID);
	do {
		/* 1024 lookups between clock reads */
		for (unsigned k = 0; k < 1024; k++) {
			const struct q *q = &qs[i];
			int rc =
			    q->family
			        ? dnsbl_lookup_addr(r, q->zone, q->family, q->addr, q->flags, &res)
			        : dnsbl_lookup_domain(r, q->zone, q->domain, q->flags, &res);
			w->listed += rc == DNSBL_LISTED;
			w->errors += rc < 0;
			if (++i == nq)
				i = 0;
		}
		w->lookups += 1024;
		t = now_s() - t0;
	} while (t < seconds);
	w->elapsed = t;
	w->cpu = clock_s(CLOCK_THREAD_CPUTIME_ID) - c0;
	dnsbl_reader_free(r);
	return NULL;
}

int main(int argc, char **argv)
{
	const char *db = NULL, *file = NULL;
	char *zones[ZONES_MAX];
	unsigned nz = 0, threads = 1;
	struct worker w[THREADS_MAX];
	double total = 0, total_cpu = 0;
	int rc;

	for (int i = 1; i < argc; i += 2) {
		if (!strcmp(argv[i], "--resident")) {
			resident = true;
			i--;
		} else if (i + 1 == argc)
			argc = 0; /* usage */
		else if (!strcmp(argv[i], "--db"))
			db = argv[i + 1];
		else if (!strcmp(argv[i], "--queries"))
			file = argv[i + 1];
		else if (!strcmp(argv[i], "--zone") && nz < ZONES_MAX)
			zones[nz++] = argv[i + 1];
		else if (!strcmp(argv[i], "--seconds"))
			seconds = atof(argv[i + 1]);
		else if (!strcmp(argv[i], "--threads"))
			threads = (unsigned)atoi(argv[i + 1]);
		else
			argc = 0; /* usage */
	}
	if (!db || !file || !nz || threads < 1 || threads > THREADS_MAX || seconds <= 0) {
		fprintf(stderr, "usage: dnsbl-lookup-bench --db DIR --queries FILE --zone ZONE... "
		                "[--seconds S] [--threads N] [--resident]\n");
		return 2;
	}
	if ((rc = load_queries(file, zones, nz)) || nq == 0) {
		fprintf(stderr, "%s: %s\n", file, rc ? strerror(-rc) : "no queries in the zones");
		return 2;
	}
	if ((rc = dnsbl_open(&h, db, 1000, resident ? DNSBL_OPEN_RESIDENT : 0)) != 0) {
		fprintf(stderr, "%s: %s\n", db, dnsbl_strerror(rc));
		return 2;
	}
	for (unsigned i = 0; i < threads; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].start = nq / threads * i;
		pthread_create(&w[i].t, NULL, work, &w[i]);
	}
	for (unsigned i = 0; i < threads; i++) {
		pthread_join(w[i].t, NULL);
		total += (double)w[i].lookups / w[i].elapsed;
		total_cpu += (double)w[i].lookups / w[i].cpu;
		printf("thread %u: %lu lookups in %.2f s (%.2f s CPU) = %.0f/s wall, %.0f per CPU "
		       "second (%.0f ns each), %.1f%% listed, %lu errors\n",
		       i, w[i].lookups, w[i].elapsed, w[i].cpu, (double)w[i].lookups / w[i].elapsed,
		       (double)w[i].lookups / w[i].cpu, w[i].cpu * 1e9 / (double)w[i].lookups,
		       100.0 * (double)w[i].listed / (double)w[i].lookups, w[i].errors);
	}
	printf("queries %zu, threads %u%s: %.0f lookups/s wall, %.0f per CPU second, in all\n", nq,
	       threads, resident ? ", resident" : "", total, total_cpu);
	dnsbl_close(h);
	for (size_t i = 0; i < nq; i++)
		free(qs[i].domain);
	free(qs);
	return 0;
}
