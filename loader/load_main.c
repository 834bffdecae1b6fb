/* load_main.c - dnsbl-load: parse rbldnsd-format zone files and publish
 * them as a new LMDB generation that dnsbld picks up by itself.
 *
 * Nothing is published unless every file parsed and verified: a failed run
 * leaves the live generation untouched and exits non-zero.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dbl_build.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "dbl_parse.h"

#define EXIT_DATA  1 /* a file could not be used: nothing published */
#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: dnsbl-load --db DIR [OPTIONS] ZONESPEC...\n"
    "\n"
    "Parse DNSBL zone files in rbldnsd format and publish them as a new\n"
    "database generation in DIR. A running dnsbld notices the new generation\n"
    "within a second and switches to it atomically. If any file cannot be\n"
    "used, nothing is published and the data being served stays as it was.\n"
    "\n"
    "ZONESPEC is rbldnsd's zone:type:file[,file...], for example\n"
    "  zen.local:ip4set:sbl,sbl-extra   zen.local:ip4set:xbl   dbl.local:dnset:dbl\n"
    "The same zone may be named several times; its datasets are merged. File\n"
    "names are relative to the current directory. Files may be gzip-compressed\n"
    "and may end in a Spamhaus CKSUM line, which must verify.\n"
    "\n"
    "Dataset types: ip4set ip4tset ip4trie ip6tset ip6trie dnset combined generic\n"
    "               bind (a BIND master-format zone file)\n"
    "\n"
    "Options:\n"
    "  -d, --db DIR           database directory (created if missing; required)\n"
    "  -e, --accept-host-bits accept CIDRs with host bits set by masking them\n"
    "                         (rbldnsd -e); default: warn and skip such lines\n"
    "  -w, --max-warnings N   bad-line warnings printed per file (default 5);\n"
    "                         the rest are counted\n"
    "  -k, --keep N           older generations kept besides the new one\n"
    "                         (default 1)\n"
    "  -m, --mapsize BYTES    maximum database size (default 64G, sparse)\n"
    "  -n, --dry-run          parse and verify only, publish nothing\n"
    "  -q, --quiet            print errors and warnings only\n"
    "  -h, --help             this text\n"
    "  -V, --version          program version\n"
    "\n"
    "Exit status: 0 published (or verified with --dry-run); 1 a file could not\n"
    "be used or the database could not be written (nothing published);\n"
    "2 usage error.\n"
    "\n"
    "Files in DIR: gen-N.mdb (one generation each), current (symlink to the\n"
    "live generation), .lock (serialises concurrent loader runs).\n";

struct load_opts {
	const char *db;
	struct dbl_parse_opts popts;
	unsigned keep;
	size_t mapsize;
	int dry_run, quiet;
};

/* One loaded dataset group, shared by every zone spec with the same
 * "type:files" text (rbldnsd loads such a dataset once). */
struct loaded {
	char key[4096];
	struct dbl_dsdata **ds;
	size_t nds;
};

static int parse_uint(const char *s, unsigned long long max, unsigned long long *out)
{
	char *end;
	unsigned long long v;

	errno = 0;
	if (!*s || *s == '-')
		return -1;
	v = strtoull(s, &end, 10);
	if (errno || v > max)
		return -1;
	if (*end == 'k' || *end == 'K')
		v <<= 10, end++;
	else if (*end == 'm' || *end == 'M')
		v <<= 20, end++;
	else if (*end == 'g' || *end == 'G')
		v <<= 30, end++;
	if (*end)
		return -1;
	*out = v;
	return 0;
}

static int parse_args(int argc, char **argv, struct load_opts *o)
{
	static const struct option longopts[] = {
	    {"db", required_argument, NULL, 'd'},
	    {"accept-host-bits", no_argument, NULL, 'e'},
	    {"max-warnings", required_argument, NULL, 'w'},
	    {"keep", required_argument, NULL, 'k'},
	    {"mapsize", required_argument, NULL, 'm'},
	    {"dry-run", no_argument, NULL, 'n'},
	    {"quiet", no_argument, NULL, 'q'},
	    {"help", no_argument, NULL, 'h'},
	    {"version", no_argument, NULL, 'V'},
	    {NULL, 0, NULL, 0},
	};
	unsigned long long v;
	int c;

	while ((c = getopt_long(argc, argv, "d:ew:k:m:nqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'd':
			o->db = optarg;
			break;
		case 'e':
			o->popts.accept_host_bits = true;
			break;
		case 'w':
			if (parse_uint(optarg, 1000000, &v))
				goto badnum;
			o->popts.max_warnings = (unsigned)v;
			break;
		case 'k':
			if (parse_uint(optarg, 1000, &v))
				goto badnum;
			o->keep = (unsigned)v;
			break;
		case 'm':
			if (parse_uint(optarg, 1ull << 44, &v) || v < (1u << 20))
				goto badnum;
			o->mapsize = (size_t)v;
			break;
		case 'n':
			o->dry_run = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			fputs(usage_text, stdout);
			exit(0);
		case 'V':
			printf("dnsbl-load %s\n", DNSBL_VERSION);
			exit(0);
		default:
			fprintf(stderr, "Try 'dnsbl-load --help'.\n");
			return -1;
		}
	}
	if (!o->db && !o->dry_run) {
		fprintf(stderr, "dnsbl-load: --db DIR is required\nTry 'dnsbl-load --help'.\n");
		return -1;
	}
	if (optind >= argc) {
		fprintf(stderr, "dnsbl-load: no ZONESPEC given (zone:type:file[,file...])\n"
				"Try 'dnsbl-load --help'.\n");
		return -1;
	}
	return 0;
badnum:
	fprintf(stderr, "dnsbl-load: invalid number '%s' for option -%c\n", optarg, c);
	return -1;
}

static double now_mono(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Load every spec; group datasets by zone in order of first appearance. */
static int load_all(char **specs, int nspecs, const struct load_opts *o, struct loaded *ld,
		    size_t *nld, struct dbl_build_zone *zones, size_t *nzones)
{
	for (int i = 0; i < nspecs; i++) {
		struct dbl_zonespec zs;
		char err[256];
		struct loaded *l = NULL;
		struct dbl_build_zone *z = NULL;
		const char *tf;
		int rc;

		if (dbl_zonespec_parse(&zs, specs[i], err, sizeof err)) {
			dbl_log(DBL_LOG_ERR, "zone spec '%s': %s", specs[i], err);
			return EXIT_USAGE;
		}
		tf = strchr(specs[i], ':');
		tf = tf ? tf + 1 : specs[i];
		for (size_t k = 0; k < *nld && !l; k++)
			if (strcmp(ld[k].key, tf) == 0)
				l = &ld[k];
		if (!l) {
			l = &ld[(*nld)++];
			snprintf(l->key, sizeof l->key, "%s", tf);
			rc = dbl_dataset_load(&zs, &o->popts, &l->ds, &l->nds);
			if (rc) {
				dbl_log(DBL_LOG_ERR, "%s: not loaded: %s; nothing published",
					specs[i], dbl_strerror(rc));
				dbl_zonespec_free(&zs);
				(*nld)--;
				return EXIT_DATA;
			}
		}
		for (size_t k = 0; k < *nzones && !z; k++)
			if (zones[k].name.len == zs.zone.len &&
			    memcmp(zones[k].name.b, zs.zone.b, zs.zone.len) == 0)
				z = &zones[k];
		if (!z) {
			z = &zones[(*nzones)++];
			memset(z, 0, sizeof *z);
			z->name = zs.zone;
			z->ds = calloc((size_t)nspecs * 64, sizeof *z->ds);
			if (!z->ds)
				return EXIT_DATA;
		}
		for (size_t k = 0; k < l->nds && z->nds < (size_t)nspecs * 64; k++)
			z->ds[z->nds++] = l->ds[k];
		dbl_zonespec_free(&zs);
	}
	return 0;
}

static void report(const struct dbl_build_zone *zones, size_t nzones, int quiet)
{
	for (size_t i = 0; i < nzones && !quiet; i++) {
		char name[1024];
		size_t entries = 0, warnings = 0;
		for (size_t d = 0; d < zones[i].nds; d++) {
			const struct dbl_dsdata *ds = zones[i].ds[d];
			entries += ds->nip4 + ds->nip6 + ds->nnames + ds->nrrs;
			warnings += ds->nwarnings;
		}
		dbl_wname_to_text(zones[i].name.b, name, sizeof name);
		dbl_log(DBL_LOG_INFO, "zone %s: %zu dataset(s), %zu entries, %zu bad line(s) skipped",
			name, zones[i].nds, entries, warnings);
	}
}

int main(int argc, char **argv)
{
	struct load_opts o = {0};
	struct loaded *ld;
	struct dbl_build_zone *zones;
	struct dbl_build_stats st;
	struct dbl_build_opts bo = {0};
	size_t nld = 0, nzones = 0;
	char tmp[PATH_MAX], final[PATH_MAX];
	double t0 = now_mono(), t1;
	int rc, lockfd = -1, nspecs;

	dbl_log_init("dnsbl-load", DBL_LOG_INFO);
	o.popts.max_warnings = 5;
	o.keep = 1;
	if (parse_args(argc, argv, &o))
		return EXIT_USAGE;
	if (o.quiet)
		dbl_log_init("dnsbl-load", DBL_LOG_WARNING);
	o.popts.now = time(NULL);
	nspecs = argc - optind;
	ld = calloc((size_t)nspecs, sizeof *ld);
	zones = calloc((size_t)nspecs, sizeof *zones);
	if (!ld || !zones)
		return EXIT_DATA;
	if (!o.dry_run) {
		if (mkdir(o.db, 0755) != 0 && errno != EEXIST) {
			dbl_log(DBL_LOG_ERR, "%s: cannot create directory: %s", o.db, strerror(errno));
			return EXIT_DATA;
		}
		lockfd = dbl_db_lock(o.db, 0);
		if (lockfd < 0) {
			dbl_log(DBL_LOG_ERR, "%s/.lock: %s", o.db, dbl_strerror(lockfd));
			return EXIT_DATA;
		}
	}
	rc = load_all(argv + optind, nspecs, &o, ld, &nld, zones, &nzones);
	if (rc)
		goto out;
	t1 = now_mono();
	report(zones, nzones, o.quiet);
	if (o.dry_run) {
		dbl_log(DBL_LOG_INFO, "dry run: %zu zone(s) parsed in %.2f s, nothing published",
			nzones, t1 - t0);
		goto out;
	}
	bo.generation = dbl_db_next_generation(o.db);
	bo.now = o.popts.now;
	bo.mapsize = o.mapsize;
	snprintf(final, sizeof final, "%s/gen-%" PRIu64 ".mdb", o.db, bo.generation);
	snprintf(tmp, sizeof tmp, "%s.tmp", final);
	rc = dbl_build_write(tmp, zones, nzones, &bo, &st);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "%s: cannot write database: %s; nothing published", tmp,
			dbl_strerror(rc));
		rc = EXIT_DATA;
		goto out;
	}
	if (rename(tmp, final) != 0 || (rc = dbl_db_publish(o.db, bo.generation, o.keep)) != 0) {
		dbl_log(DBL_LOG_ERR, "%s: cannot publish: %s", final,
			rc ? dbl_strerror(rc) : strerror(errno));
		unlink(tmp);
		rc = EXIT_DATA;
		goto out;
	}
	dbl_log(DBL_LOG_INFO,
		"published generation %" PRIu64 ": %zu zone(s), %zu entries -> %zu IPv4 + %zu "
		"IPv6 intervals, %zu names, %zu value sets, %.1f MB; parse %.2f s, total %.2f s",
		bo.generation, nzones, st.entries, st.ip4_intervals, st.ip6_intervals, st.names,
		st.vsets, st.bytes / 1e6, t1 - t0, now_mono() - t0);
out:
	for (size_t i = 0; i < nld; i++) {
		for (size_t k = 0; k < ld[i].nds; k++)
			dbl_dsdata_free(ld[i].ds[k]);
		free(ld[i].ds);
	}
	for (size_t i = 0; i < nzones; i++)
		free(zones[i].ds);
	free(ld);
	free(zones);
	if (lockfd >= 0)
		close(lockfd);
	return rc;
}
