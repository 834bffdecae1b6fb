/* ptest.h - helpers for the parser tests: temp files, loads, captured logs,
 * and a reference lookup that applies the dbl_dataset.h precedence rules
 * to parsed entries (so tests check meaning, not only the encoding). */
#ifndef TESTS_PTEST_H
#define TESTS_PTEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dbl_dataset.h"
#include "dbl_err.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "dbl_parse.h"

static char pt_dir[64];
static char pt_log[65536];
static size_t pt_loglen;
static unsigned pt_nwarn, pt_nerr;
static void (*pt_hook)(int level, const char *msg);

static void pt_sink(int level, const char *msg, void *arg)
{
	(void)arg;
	if (level == DBL_LOG_WARNING)
		pt_nwarn++;
	if (level == DBL_LOG_ERR)
		pt_nerr++;
	if (pt_loglen + strlen(msg) + 2 < sizeof pt_log) {
		memcpy(pt_log + pt_loglen, msg, strlen(msg));
		pt_loglen += strlen(msg);
		pt_log[pt_loglen++] = '\n';
		pt_log[pt_loglen] = 0;
	}
	if (pt_hook)
		pt_hook(level, msg);
}

__attribute__((unused)) static void pt_logreset(void)
{
	pt_loglen = 0;
	pt_log[0] = 0;
	pt_nwarn = pt_nerr = 0;
}

static void pt_init(void)
{
	snprintf(pt_dir, sizeof pt_dir, "/tmp/dbl-parse-test-XXXXXX");
	if (!mkdtemp(pt_dir)) {
		perror("mkdtemp");
		exit(2);
	}
	dbl_log_init("test", DBL_LOG_DEBUG);
	dbl_log_set_sink(pt_sink, NULL);
}

static void pt_cleanup(void)
{
	char cmd[128];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", pt_dir);
	if (system(cmd) != 0)
		fprintf(stderr, "cleanup failed\n");
}

/* Write content (len bytes, or strlen when len == (size_t)-1) to a file in
 * the temp dir; returns a static path (two rotating buffers). */
static const char *pt_write(const char *name, const char *content, size_t len)
{
	static char paths[4][256];
	static int k;
	char *p = paths[k++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", pt_dir, name);
	f = fopen(p, "wb");
	if (!f) {
		perror(p);
		exit(2);
	}
	fwrite(content, 1, len == (size_t)-1 ? strlen(content) : len, f);
	fclose(f);
	return p;
}

static struct dbl_parse_opts pt_opts = {.now = 1700000000, .max_warnings = 100};

/* Load a spec string. Returns the dbl_dataset_load code. */
static int pt_load_spec(const char *spec, struct dbl_dsdata ***ds, size_t *n)
{
	struct dbl_zonespec zs;
	char err[256];
	int rc = dbl_zonespec_parse(&zs, spec, err, sizeof err);

	*ds = NULL;
	*n = 0;
	if (rc) {
		fprintf(stderr, "spec '%s': %s\n", spec, err);
		return rc;
	}
	rc = dbl_dataset_load(&zs, &pt_opts, ds, n);
	dbl_zonespec_free(&zs);
	return rc;
}

/* Load content as a dataset of type type in zone bl.test. */
static int pt_load(const char *type, const char *content, struct dbl_dsdata ***ds, size_t *n)
{
	char spec[512];
	const char *p = pt_write("data", content, (size_t)-1);
	snprintf(spec, sizeof spec, "bl.test:%s:%s", type, p);
	pt_logreset();
	return pt_load_spec(spec, ds, n);
}

static void pt_free(struct dbl_dsdata **ds, size_t n)
{
	for (size_t i = 0; i < n; i++)
		dbl_dsdata_free(ds[i]);
	free(ds);
}

/* "a.b.c.d" / "a.b.c.d:txt" / "a.b.c.d:-" (no TXT) for a value. */
static const char *pt_val(const struct dbl_dsdata *d, int32_t vid)
{
	static char buf[4][400];
	static int k;
	char *b = buf[k++ % 4];
	const struct dbl_value *v;

	if (vid == DBL_VID_EXCLUDE)
		return "EXCL";
	if (vid < 0 || (size_t)vid >= d->nvalues)
		return "BADVID";
	v = &d->values[vid];
	snprintf(b, 400, "%u.%u.%u.%u:%s", v->a[0], v->a[1], v->a[2], v->a[3],
	         v->has_txt ? v->txt : "-");
	return b;
}

/* glibc's LCG step: random test data that reproduces from its seed. */
__attribute__((unused)) static uint32_t pt_rnd(uint32_t *state)
{
	return *state = *state * 1103515245u + 12345u;
}

static uint32_t pt_ip(const char *s)
{
	unsigned a, b, c, d;
	if (sscanf(s, "%u.%u.%u.%u", &a, &b, &c, &d) != 4)
		return 0;
	return (a << 24) | (b << 16) | (c << 8) | d;
}

/* Reference lookup of an IPv4 address in one dataset: the values of the
 * highest-priority entries covering it, joined with " + " ("" = not
 * listed; union at equal prio, an exclusion wins; FIRST keeps the first). */
__attribute__((unused)) static const char *pt_q4(const struct dbl_dsdata *d, const char *addr)
{
	static char out[2048];
	uint32_t a = pt_ip(addr);
	int best = -1;
	bool excl = false;

	out[0] = 0;
	for (size_t i = 0; i < d->nip4; i++)
		if (d->ip4[i].lo <= a && a <= d->ip4[i].hi && d->ip4[i].prio > best)
			best = d->ip4[i].prio;
	if (best < 0)
		return out;
	for (size_t i = 0; i < d->nip4; i++) {
		const struct dbl_ip4ent *e = &d->ip4[i];
		const char *v;
		if (!(e->lo <= a && a <= e->hi && e->prio == best))
			continue;
		if (e->vid == DBL_VID_EXCLUDE) {
			excl = true;
			if (d->merge == DBL_MERGE_FIRST)
				break;
			continue;
		}
		v = pt_val(d, e->vid);
		if (strstr(out, v))
			continue; /* identical values collapse */
		if (out[0])
			strcat(out, " + ");
		strcat(out, v);
		if (d->merge == DBL_MERGE_FIRST)
			break;
	}
	if (excl)
		out[0] = 0;
	return out;
}

/* Same for IPv6 (address in a[16]). */
__attribute__((unused)) static const char *pt_q6(const struct dbl_dsdata *d, const uint8_t a[16])
{
	static char out[2048];
	int best = -1;
	int32_t vid = 0;

	out[0] = 0;
	for (size_t i = 0; i < d->nip6; i++) {
		const struct dbl_ip6ent *e = &d->ip6[i];
		if (memcmp(e->lo, a, 16) <= 0 && memcmp(a, e->hi, 16) <= 0 && e->prio > best) {
			best = e->prio;
			vid = e->vid;
		} else if (memcmp(e->lo, a, 16) <= 0 && memcmp(a, e->hi, 16) <= 0 &&
		           e->prio == best && e->vid == DBL_VID_EXCLUDE) {
			vid = DBL_VID_EXCLUDE;
		}
	}
	if (best < 0 || vid == DBL_VID_EXCLUDE)
		return out;
	snprintf(out, sizeof out, "%s", pt_val(d, vid));
	return out;
}

/* pt_q6 with the address as text ("2001:db8::1"). */
__attribute__((unused)) static const char *pt_q6s(const struct dbl_dsdata *d, const char *text)
{
	uint8_t a[16];
	if (inet_pton(AF_INET6, text, a) != 1)
		return "BADADDR";
	return pt_q6(d, a);
}

/* Name entry lookup: "text" is a relative name like "www.example". */
__attribute__((unused)) static int pt_findname(const struct dbl_dsdata *d, const char *text,
                                               bool wild)
{
	uint8_t rel[256], key[256];
	int n = dbl_rel_from_text(rel, text, strlen(text));
	if (n < 0)
		return -2;
	dbl_namekey_from_rel(key, rel, (size_t)n);
	for (size_t i = 0; i < d->nnames; i++)
		if (d->names[i].wild == wild && d->names[i].keylen == n &&
		    memcmp(d->names[i].key, key, (size_t)n) == 0)
			return (int)i;
	return -1;
}

#endif
