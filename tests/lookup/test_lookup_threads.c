/* test_lookup_threads.c - the direct-lookup library (lookup/dnsbl.h) under
 * refreshes: real dnsbl-load runs publish generations that alternate
 * between two contents while reader threads look up without pause; every
 * answer must be the one of the generation it reports (no mix, no stale
 * read of a closed generation: ASan/TSan), and every reader must move on
 * to the newest generation. Also the API's error paths.
 *
 * Environment: DNSBL_LOAD (the loader; set by tests/lookup/meson.build).
 */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "dnsbl.h"

#define THREADS  4
#define RELOADS  8
#define CHECK_MS 20
#define ZONE     "bl.test"
#define PATH_LEN 512

/* Odd generations: 127.0.0.2 listed as 127.0.0.2, 127.0.0.3 not listed.
 * Even generations: both listed as 127.0.0.3. */
static const char *const content[2] = {
    ":127.0.0.3:B $\n127.0.0.2\n127.0.0.3\n",
    ":127.0.0.2:A $\n127.0.0.2\n",
};

static char dir[PATH_LEN], db[PATH_LEN + 8], zonefile[PATH_LEN + 8];
static atomic_bool stop;
static atomic_int bad;

static void sleep_ms(long ms)
{
	struct timespec ts = {ms / 1000, (ms % 1000) * 1000000};
	nanosleep(&ts, NULL);
}

/* Write the zone file for generation gen (by rename: the loader's
 * changed-while-read check never sees a half-written file) and load it. */
static int load(unsigned gen)
{
	char tmp[PATH_LEN + 16], cmd[4 * PATH_LEN];
	const char *loader = getenv("DNSBL_LOAD");
	FILE *f;

	snprintf(tmp, sizeof tmp, "%s.tmp", zonefile);
	if (!loader || !(f = fopen(tmp, "w")))
		return -1;
	fputs(content[gen & 1], f);
	fclose(f);
	if (rename(tmp, zonefile) != 0)
		return -1;
	snprintf(cmd, sizeof cmd, "'%s' -q --force --db '%s' " ZONE ":ip4set:'%s'", loader, db,
	         zonefile);
	return system(cmd);
}

/* Is res (rc) the answer generation res->generation gives for ip? */
static bool consistent(const char *ip, int rc, const struct dnsbl_result *res)
{
	bool odd = res->generation & 1;
	char want[64];

	if (rc < 0 || res->generation == 0)
		return false;
	if (odd && strcmp(ip, "127.0.0.3") == 0)
		return rc == DNSBL_NOT_LISTED && res->ncodes == 0 && res->ntxt == 0;
	snprintf(want, sizeof want, "%s %s", odd ? "A" : "B",
	         strcmp(ip, "127.0.0.3") == 0 ? "127.0.0.3" : "127.0.0.2");
	return rc == DNSBL_LISTED && res->ncodes == 1 && res->codes[0][3] == (odd ? 2 : 3) &&
	       res->ntxt == 1 && strcmp(res->txt[0], want) == 0;
}

struct worker {
	pthread_t t;
	struct dnsbl *h;
	unsigned long lookups;
	uint64_t max_gen;
};

static void *work(void *arg)
{
	static const char *const ips[] = {"127.0.0.2", "127.0.0.3", "::ffff:127.0.0.2"};
	struct worker *w = arg;
	struct dnsbl_reader *r;
	struct dnsbl_result res;

	if (dnsbl_reader_new(w->h, &r) != 0) {
		atomic_fetch_add(&bad, 1);
		return NULL;
	}
	while (!atomic_load(&stop)) {
		for (unsigned i = 0; i < 3; i++) {
			int rc = dnsbl_lookup_ip(r, ZONE, ips[i], 0, &res);
			/* the v4-mapped form answers as the IPv4 address */
			if (!consistent(i == 2 ? "127.0.0.2" : ips[i], rc, &res)) {
				if (atomic_fetch_add(&bad, 1) < 5)
					fprintf(stderr, "inconsistent: %s rc %d gen %llu\n", ips[i],
					        rc, (unsigned long long)res.generation);
			}
			if (res.generation > w->max_gen)
				w->max_gen = res.generation;
			w->lookups++;
		}
	}
	dnsbl_reader_free(r);
	return NULL;
}

/* The generation number DIR/current names (gen-N.mdb). */
static uint64_t current_gen(void)
{
	char link[PATH_LEN + 16], tgt[PATH_LEN];
	ssize_t n;
	const char *p;

	snprintf(link, sizeof link, "%s/current", db);
	n = readlink(link, tgt, sizeof tgt - 1);
	if (n < 0)
		return 0;
	tgt[n] = 0;
	p = strstr(tgt, "gen-");
	return p ? strtoull(p + 4, NULL, 10) : 0;
}

static void test_refresh_under_threads(void)
{
	struct worker w[THREADS];
	struct dnsbl *h;
	struct dnsbl_reader *r;
	struct dnsbl_result res;
	uint64_t gen = 0;
	int rc;

	CHECK_INT(load(1), 0);
	CHECK_INT(dnsbl_open(&h, db, CHECK_MS, 0), 0);
	if (!h)
		return;
	CHECK_INT(dnsbl_reader_new(h, &r), 0);
	for (unsigned i = 0; i < THREADS; i++) {
		memset(&w[i], 0, sizeof w[i]);
		w[i].h = h;
		CHECK_INT(pthread_create(&w[i].t, NULL, work, &w[i]), 0);
	}
	for (unsigned k = 0; k < RELOADS; k++) {
		sleep_ms(50);
		CHECK_INT(load((unsigned)current_gen() + 1), 0);
		gen = current_gen();
		/* picked up within the check interval (plus the coarse clock) */
		sleep_ms(CHECK_MS + 30);
		rc = dnsbl_lookup_ip(r, ZONE, "127.0.0.3", 0, &res);
		CHECK_INT(res.generation, gen);
		CHECK(consistent("127.0.0.3", rc, &res));
	}
	sleep_ms(CHECK_MS + 30);
	atomic_store(&stop, true);
	for (unsigned i = 0; i < THREADS; i++) {
		pthread_join(w[i].t, NULL);
		CHECK(w[i].lookups > 100);
		CHECK_INT(w[i].max_gen, gen); /* every reader moved to the newest */
	}
	CHECK_INT(atomic_load(&bad), 0);
	CHECK(gen >= RELOADS);
	CHECK_INT(dnsbl_close(h), -EBUSY); /* r is still open */
	dnsbl_reader_free(r);
	CHECK_INT(dnsbl_close(h), 0);
}

static void test_errors(void)
{
	struct dnsbl *h = NULL;
	struct dnsbl_reader *r;
	struct dnsbl_result res;
	char missing[PATH_LEN + 16];
	uint8_t a4[4] = {127, 0, 0, 2};

	snprintf(missing, sizeof missing, "%s/nonexistent", dir);
	CHECK_INT(dnsbl_open(&h, missing, 0, 0), -ENOENT);
	CHECK(h == NULL);
	CHECK_INT(dnsbl_open(&h, db, 0, DNSBL_OPEN_RESIDENT), 0);
	if (!h)
		return;
	CHECK_INT(dnsbl_reader_new(h, &r), 0);
	CHECK_INT(dnsbl_lookup_ip(r, ZONE, "127.0.0.256", 0, &res), DNSBL_EBADNAME);
	CHECK_INT(dnsbl_lookup_ip(r, "nosuch.test", "127.0.0.2", 0, &res), DNSBL_ENOZONE);
	CHECK_INT(res.generation, 0);
	CHECK_INT(dnsbl_lookup_domain(r, ZONE, "a..b", 0, &res), DNSBL_EBADNAME);
	CHECK_INT(dnsbl_lookup_domain(r, ZONE, "", 0, &res), DNSBL_EBADNAME);
	CHECK_INT(dnsbl_lookup_domain(r, ZONE, "_dnsbl", 0, &res), DNSBL_NOT_LISTED);
	CHECK_INT(dnsbl_lookup_addr(r, ZONE, 5, a4, 0, &res), -EINVAL);
	/* the key labels as a domain, and the zone with a trailing dot and
	 * upper case: the same query name */
	CHECK_INT(dnsbl_lookup_domain(r, "BL.test.", "2.0.0.127", DNSBL_NO_TXT, &res),
	          DNSBL_LISTED);
	CHECK_INT(res.ntxt, 0);
	CHECK_INT(dnsbl_lookup_addr(r, ZONE, 4, a4, 0, &res), DNSBL_LISTED);
	CHECK_INT(res.ntxt, 1);
	CHECK(strcmp(dnsbl_strerror(DNSBL_ENOZONE), dnsbl_strerror(DNSBL_EBADNAME)) != 0);
	CHECK(dnsbl_strerror(-ENOENT) != NULL && dnsbl_strerror(12345) != NULL);
	dnsbl_reader_free(r);
	CHECK_INT(dnsbl_close(h), 0);
}

static void setup(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof dir, "%s/dnsbl-lookup-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		exit(1);
	}
	snprintf(db, sizeof db, "%s/db", dir);
	snprintf(zonefile, sizeof zonefile, "%s/bl", dir);
}

static void cleanup(void)
{
	char cmd[PATH_LEN + 16];

	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
}

TEST_MAIN(setup, test_refresh_under_threads, test_errors, cleanup)
