/* load_main.c - dnsbl-load: parse rbldnsd-format zone files and publish
 * them as a new LMDB generation that dnsbld picks up by itself.
 *
 * Nothing is published unless every file parsed and verified: a failed run
 * leaves the live generation untouched and exits non-zero.
 */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "dbl_build.h"
#include "dbl_conf.h"
#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_fault.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "dbl_parse.h"
#include "load_plan.h"
#include "load_sync.h"

#define EXIT_DATA  1 /* a file could not be used: nothing published */
#define EXIT_USAGE 2

static const char usage_text[] =
    "Usage: dnsbl-load --db DIR [OPTIONS] ZONESPEC...\n"
    "       dnsbl-load --config FILE [OPTIONS] [ZONESPEC...]\n"
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
    "               bind (a BIND master-format zone file), acl (client access\n"
    "               list: zone:acl:file for one zone, :acl:file for all zones)\n"
    "\n"
    "Options:\n"
    "  -d, --db DIR           database directory (created if missing; required)\n"
    "  -e, --accept-host-bits accept CIDRs with host bits set by masking them\n"
    "                         (rbldnsd -e); default: warn and skip such lines\n"
    "  -w, --max-warnings N   bad-line warnings printed per file (default 5);\n"
    "                         the rest are counted\n"
    "  -k, --keep N           older generations kept besides the new one\n"
    "                         (default 1)\n"
    "  -m, --mapsize BYTES    maximum database size (default 64G of address\n"
    "                         space; the file holds only the pages written)\n"
    "  -n, --dry-run          parse and verify only, publish nothing\n"
    "  -s, --max-shrink PCT   refuse a zone whose entry count drops by more than\n"
    "                         PCT percent against the live data (default 50):\n"
    "                         an empty or stub feed file must not unlist everyone\n"
    "  -f, --force            publish even when the shrink gate would refuse\n"
    "  -r, --rebuild          rebuild every zone, even unchanged ones\n"
    "  -S, --sync SOURCE      before loading, mirror SOURCE (rsync://host/module/\n"
    "                         or any rsync source) into the staging directory with\n"
    "                         the rsync client; repeatable. Files are replaced by\n"
    "                         rename only (never --partial/--inplace)\n"
    "  -T, --staging DIR      where --sync puts files (default: the current\n"
    "                         directory, against which ZONESPEC files resolve)\n"
    "  -t, --sync-timeout S   rsync I/O timeout in seconds (default 300)\n"
    "  -z, --zone ZONESPEC    a zone spec, same as a ZONESPEC argument; repeatable\n"
    "                         (in a config file: zone ZONESPEC..., files relative\n"
    "                         to the file's directory)\n"
    "  -c, --config FILE      read options from FILE: one 'key value' per line,\n"
    "                         key = long option name (dnsbl.conf(5)); options and\n"
    "                         ZONESPECs on the command line replace the file's\n"
    "      --check            validate the configuration, the command line and\n"
    "                         every zone file (readable), print the result,\n"
    "                         exit 0 or 1; loads nothing\n"
    "      --log TARGET       'stderr' (default) or 'syslog' (facility daemon)\n"
    "      --syslog           same as --log syslog\n"
    "  -q, --quiet            print errors and warnings only\n"
    "  -h, --help             this text\n"
    "  -V, --version          program version\n"
    "\n"
    "Only zones whose files changed (name, inode, size, mtime) are parsed\n"
    "again; the others are copied from the live generation. When nothing\n"
    "changed, nothing is written. A zone whose files cannot be used (I/O\n"
    "error, CKSUM mismatch, file changed while read, $TIMESTAMP in the future,\n"
    "shrink gate) keeps its previous data; the other zones are still published.\n"
    "\n"
    "Exit status: 0 published, or nothing to do; 1 at least one zone was\n"
    "refused (its previous data kept), an rsync fetch failed, the database\n"
    "could not be written, or --check failed; 2 usage or config file error.\n"
    "\n"
    "From cron, one line does the whole refresh, e.g. every minute:\n"
    "  * * * * * cd /var/lib/dnsbl/feeds && dnsbl-load -q --db /var/lib/dnsbl/db \\\n"
    "      --sync rsync://rsync.example.net/zen/ zen.local:ip4set:sbl \\\n"
    "      zen.local:ip4set:xbl zen.local:ip4set:pbl dbl.local:dnset:dbl\n"
    "\n"
    "Files in DIR: gen-N.mdb (one generation each), current (symlink to the\n"
    "live generation), .lock (serialises concurrent loader runs).\n";

struct load_opts {
	const char *db;
	struct dbl_parse_opts popts;
	unsigned keep;
	size_t mapsize;
	unsigned max_shrink; /* percent */
	int dry_run, quiet, force, rebuild;
	char **sync; /* rsync sources, NULL-terminated, owned */
	size_t nsync;
	char **specs; /* --zone values then ZONESPEC arguments, owned array */
	int nspecs;
	int check, log_syslog;
	struct dbl_conf conf; /* argv merged with --config FILE; strings borrowed from it */
	const char *staging;
	unsigned sync_timeout;
};

/* One loaded dataset group, shared by every zone spec with the same
 * type and files (rbldnsd loads such a dataset once). */
struct loaded {
	char key[4096];
	int rc; /* result of the load; ds valid when 0 */
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

enum { OPT_CHECK = 256, OPT_LOG, OPT_SYSLOG };

/* Every long option is also a config file key (dnsbl.conf(5)). */
static const struct option longopts[] = {
    {"db", required_argument, NULL, 'd'},
    {"zone", required_argument, NULL, 'z'},
    {"accept-host-bits", no_argument, NULL, 'e'},
    {"max-warnings", required_argument, NULL, 'w'},
    {"keep", required_argument, NULL, 'k'},
    {"mapsize", required_argument, NULL, 'm'},
    {"dry-run", no_argument, NULL, 'n'},
    {"max-shrink", required_argument, NULL, 's'},
    {"force", no_argument, NULL, 'f'},
    {"rebuild", no_argument, NULL, 'r'},
    {"sync", required_argument, NULL, 'S'},
    {"staging", required_argument, NULL, 'T'},
    {"sync-timeout", required_argument, NULL, 't'},
    {"config", required_argument, NULL, 'c'},
    {"check", no_argument, NULL, OPT_CHECK},
    {"log", required_argument, NULL, OPT_LOG},
    {"syslog", no_argument, NULL, OPT_SYSLOG},
    {"quiet", no_argument, NULL, 'q'},
    {"help", no_argument, NULL, 'h'},
    {"version", no_argument, NULL, 'V'},
    {NULL, 0, NULL, 0},
};
#define SHORTOPTS "d:z:ew:k:m:ns:frS:T:t:c:qhV"

static int add_str(char ***arr, size_t n, char *s)
{
	char **a = realloc(*arr, (n + 2) * sizeof *a);
	if (!a)
		return -1;
	a[n] = s;
	a[n + 1] = NULL;
	*arr = a;
	return 0;
}

static const char *opt_name(int c)
{
	for (const struct option *l = longopts; l->name; l++)
		if (l->val == c)
			return l->name;
	return "?";
}

static int parse_args(int argc, char **argv, struct load_opts *o)
{
	unsigned long long v;
	int c;

	if (dbl_conf_merge(&o->conf, "dnsbl-load", DBL_PROG_LOAD, longopts, SHORTOPTS, argc, argv))
		return -1;
	argc = o->conf.argc;
	argv = o->conf.argv;
	optind = 1;
	while ((c = getopt_long(argc, argv, SHORTOPTS, longopts, NULL)) != -1) {
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
		case 's':
			if (parse_uint(optarg, 100, &v))
				goto badnum;
			o->max_shrink = (unsigned)v;
			break;
		case 'f':
			o->force = 1;
			break;
		case 'r':
			o->rebuild = 1;
			break;
		case 'S':
			if (add_str(&o->sync, o->nsync++, optarg))
				return -1;
			break;
		case 'z':
			if (add_str(&o->specs, (size_t)o->nspecs++, optarg))
				return -1;
			break;
		case 'c':
			break; /* merged by dbl_conf_merge() */
		case OPT_CHECK:
			o->check = 1;
			break;
		case OPT_LOG:
			if (strcmp(optarg, "syslog") != 0 && strcmp(optarg, "stderr") != 0) {
				dbl_conf_bad_value(&o->conf, "dnsbl-load", optind - 1, "log",
				                   optarg, "expected 'stderr' or 'syslog'");
				return -1;
			}
			o->log_syslog = optarg[1] == 'y';
			break;
		case OPT_SYSLOG:
			o->log_syslog = 1;
			break;
		case 'T':
			o->staging = optarg;
			break;
		case 't':
			if (parse_uint(optarg, 86400, &v) || v == 0)
				goto badnum;
			o->sync_timeout = (unsigned)v;
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
	for (int i = optind; i < argc; i++)
		if (add_str(&o->specs, (size_t)o->nspecs++, argv[i]))
			return -1;
	if (o->nspecs == 0) {
		fprintf(stderr, "dnsbl-load: no ZONESPEC given (zone:type:file[,file...])\n"
		                "Try 'dnsbl-load --help'.\n");
		return -1;
	}
	return 0;
badnum:
	dbl_conf_bad_value(&o->conf, "dnsbl-load", optind - 1, opt_name(c), optarg,
	                   c == 'w'   ? "expected a number from 0 to 1000000"
	                   : c == 'k' ? "expected a number from 0 to 1000"
	                   : c == 'm' ? "expected a size from 1M to 16T (k/M/G suffixes)"
	                   : c == 's' ? "expected a percentage from 0 to 100"
	                              : "expected seconds from 1 to 86400");
	return -1;
}

/* --check: every zone spec parses and every file it names is readable
 * (missing files are only warned about when --sync will fetch them). */
static int check(const struct load_opts *o)
{
	size_t nfiles = 0;
	int bad = 0;

	for (int i = 0; i < o->nspecs; i++) {
		struct dbl_zonespec zs;
		char err[256];
		/* --zone values from the file come first in o->specs, in the
		 * order of o->conf.argv's "--zone=" words */
		const char *where = NULL;
		for (int a = 1, k = 0; a <= (int)o->conf.nfile; a++)
			if (strncmp(o->conf.argv[a], "--zone=", 7) == 0 && k++ == i)
				where = dbl_conf_where(&o->conf, a);
		if (dbl_zonespec_parse(&zs, o->specs[i], err, sizeof err)) {
			fprintf(stderr, "dnsbl-load: %s%s%s\n", where ? where : "",
			        where ? ": " : "", err);
			bad++;
			continue;
		}
		for (size_t f = 0; f < zs.nfiles; f++, nfiles++) {
			if (access(zs.files[f], R_OK) == 0)
				continue;
			int e = errno;
			fprintf(stderr, "dnsbl-load: %s%s%s: %s: %s\n", where ? where : "",
			        where ? ": " : "",
			        o->nsync && e == ENOENT ? "warning" : "zone file", zs.files[f],
			        strerror(e));
			bad += !(o->nsync && e == ENOENT);
		}
		dbl_zonespec_free(&zs);
	}
	if (bad) {
		fprintf(stderr, "dnsbl-load: check FAILED: %d problem(s)\n", bad);
		return EXIT_DATA;
	}
	printf("dnsbl-load: configuration OK: database %s; %d zone spec(s), %zu file(s); %zu "
	       "sync source(s)\ndnsbl-load: check passed\n",
	       o->db ? o->db : "(none, --dry-run)", o->nspecs, nfiles, o->nsync);
	return 0;
}

static void spec_key(const struct dbl_zonespec *zs, char *key, size_t cap)
{
	size_t o = (size_t)snprintf(key, cap, "%s", zs->type);
	for (size_t f = 0; f < zs->nfiles && o < cap; f++)
		o += (size_t)snprintf(key + o, cap - o, ":%s", zs->files[f]);
}

/* Parse every spec of a zone being rebuilt (each type:files only once per
 * run) and fill bz. Refuses the zone on the first unusable spec. */
static void load_zone(struct load_zone *z, const struct load_opts *o, struct loaded *ld,
                      size_t *nld, struct dbl_build_zone *bz)
{
	size_t entries = 0;

	for (size_t s = 0; s < z->nspecs; s++) {
		const struct dbl_zonespec *zs = &z->specs[s];
		char key[4096];
		struct loaded *l = NULL;
		spec_key(zs, key, sizeof key);
		for (size_t k = 0; k < *nld && !l; k++)
			if (strcmp(ld[k].key, key) == 0)
				l = &ld[k];
		if (!l) {
			l = &ld[(*nld)++];
			snprintf(l->key, sizeof l->key, "%s", key);
			l->rc = dbl_dataset_load(zs, &o->popts, &l->ds, &l->nds);
		}
		if (l->rc) {
			load_plan_refuse(z, "%s:%s not loaded: %s", zs->type, zs->files[0],
			                 dbl_strerror(l->rc));
			bz->nds = 0;
			return;
		}
		for (size_t k = 0; k < l->nds; k++) {
			const struct dbl_dsdata *d = l->ds[k];
			bz->ds[bz->nds++] = l->ds[k];
			entries += d->nip4 + d->nip6 + d->nnames + d->nrrs;
		}
	}
	/* Shrink gate: a feed that suddenly lost most of its entries is far
	 * more likely a stub or truncated download than a clean Internet. */
	if (z->old && !o->force && z->old->entries > 0 &&
	    (double)entries < (double)z->old->entries * (100 - o->max_shrink) / 100.0) {
		load_plan_refuse(z,
		                 "entries would drop from %llu to %zu (-%.0f%%), more than "
		                 "--max-shrink %u%% (use --force to accept)",
		                 (unsigned long long)z->old->entries, entries,
		                 100.0 - 100.0 * (double)entries / (double)z->old->entries,
		                 o->max_shrink);
		bz->nds = 0;
	}
}

/* Does another zone read one of zone i's type:files (the same dataset,
 * loaded once)? Such a zone is parsed before the build; any other is
 * parsed at its turn in it (struct deferred). */
static bool files_shared(const struct load_plan *p, size_t i)
{
	for (size_t s = 0; s < p->zones[i].nspecs; s++) {
		char a[4096], b[4096];
		spec_key(&p->zones[i].specs[s], a, sizeof a);
		for (size_t j = 0; j < p->nzones; j++)
			for (size_t t = 0; j != i && t < p->zones[j].nspecs; t++) {
				spec_key(&p->zones[j].specs[t], b, sizeof b);
				if (strcmp(a, b) == 0)
					return true;
			}
	}
	return false;
}

/* After zone z's parse (or its plan alone): where bz's records come from. */
static void zone_source(const struct load_plan *p, const struct load_zone *z,
                        struct dbl_build_zone *bz, int *refused)
{
	if (z->action == LOAD_COPY || z->action == LOAD_KEEP) {
		bz->copy_db = p->old;
		bz->copy_zone = z->old;
	} else if (z->action == LOAD_FAILED) {
		bz->flags |= DBL_ZONE_FAILED;
	}
	*refused += z->action == LOAD_KEEP || z->action == LOAD_FAILED;
}

/* After a failed write of the new generation: for an error a write can
 * get from the kernel (LMDB turns a short write, as on a full disk, into
 * EIO), the room left on dir's file system, so the log says whether the
 * disk filled; "" otherwise. */
static const char *space_note(const char *dir, int rc, char *buf, size_t cap)
{
	struct statvfs sv;

	if (rc != -EIO && rc != -EFBIG && rc != -EDQUOT && rc != DBL_ESPACE)
		return "";
	if (statvfs(dir, &sv) != 0)
		return "";
	snprintf(buf, cap, " (%.1f MB free on the file system of %s)",
	         (double)sv.f_bavail * (double)sv.f_frsize / 1e6, dir);
	return buf;
}

/* A new generation is needed when a zone was rebuilt or newly failed, or
 * the zone list differs from the live generation's. */
static bool publish_needed(const struct load_plan *p)
{
	if (!p->old || p->old->cat.nzones != p->nzones)
		return true;
	for (size_t i = 0; i < p->nzones; i++) {
		const struct load_zone *z = &p->zones[i];
		if (z->action == LOAD_BUILD || z->action == LOAD_FAILED ||
		    z->old != &p->old->cat.zones[i])
			return true;
	}
	return false;
}

/* When publish_needed says no: the live generation already holds this
 * data. Logs so; the exit code (EXIT_DATA when a zone was refused). */
static int live_stays(const struct load_plan *p, int refused)
{
	dbl_log(DBL_LOG_INFO, "nothing new to publish: generation %llu stays live",
	        (unsigned long long)p->old->generation);
	return refused ? EXIT_DATA : 0;
}

static void report_zone(const struct load_zone *z, const struct dbl_build_zone *bz, int quiet)
{
	static const char *what[] = {"rebuilt", "unchanged", "REFUSED, previous data kept",
	                             "REFUSED, no previous data: SERVFAIL"};
	size_t entries = 0, warnings = 0;

	if (quiet)
		return;
	for (size_t d = 0; d < bz->nds; d++) {
		const struct dbl_dsdata *ds = bz->ds[d];
		entries += ds->nip4 + ds->nip6 + ds->nnames + ds->nrrs;
		warnings += ds->nwarnings;
	}
	if (z->action == LOAD_BUILD)
		dbl_log(DBL_LOG_INFO,
		        "zone %s: rebuilt: %zu dataset(s), %zu entries, %zu bad line(s) skipped",
		        z->text, bz->nds, entries, warnings);
	else
		dbl_log(DBL_LOG_INFO, "zone %s: %s (%llu entries)", z->text, what[z->action],
		        z->old ? (unsigned long long)z->old->entries : 0ull);
}

/* A zone parsed at its turn in the build (dbl_build_opts.prepare_zone):
 * its data is then not resident while the zones before it are built (at
 * scale 10 the DBL-like zone's 190 MB of parsed names were held through
 * the ZEN-like zone's address phase, the load's peak: 1.03 -> 0.83 GB,
 * bench/RESULTS.md, stop 28). */
struct deferred {
	struct load_plan *plan;
	const struct load_opts *o;
	struct loaded *ld;
	size_t *nld;
	struct dbl_build_zone *zones;
	int refused;    /* zones refused at their turn */
	double parse_s; /* their parse time */
	size_t ld_from; /* the last parsed zone's loaded groups: ld[ld_from, *nld) */
};

static int parse_deferred(void *ctx, size_t i)
{
	struct deferred *d = ctx;
	struct load_zone *z = &d->plan->zones[i];
	double t = dbl_build_now();

	d->ld_from = *d->nld;
	load_zone(z, d->o, d->ld, d->nld, &d->zones[i]);
	zone_source(d->plan, z, &d->zones[i], &d->refused);
	d->parse_s += dbl_build_now() - t;
	report_zone(z, &d->zones[i], d->o->quiet);
	return 0;
}

/* After zone i's key spaces are written (dbl_build_opts.zone_built): a
 * zone parsed at its turn is the only reader of the groups its parse
 * loaded, so their datasets go now, before the next zone's parse (and for
 * the last zone, before the value sets and the sync), except those with
 * ordinary records: the zone records' glue reads them at the end (a BIND
 * or generic zone's few records). */
static void free_built(void *ctx, size_t i)
{
	struct deferred *d = ctx;
	struct dbl_build_zone *bz = &d->zones[i];
	size_t kept = 0;

	if (!bz->deferred)
		return;
	for (size_t k = 0; k < bz->nds; k++)
		if (bz->ds[k]->nrrs)
			bz->ds[kept++] = bz->ds[k];
	bz->nds = kept;
	for (size_t l = d->ld_from; l < *d->nld; l++)
		for (size_t k = 0; k < d->ld[l].nds; k++)
			if (d->ld[l].ds[k] && !d->ld[l].ds[k]->nrrs) {
				dbl_dsdata_free(d->ld[l].ds[k]);
				d->ld[l].ds[k] = NULL;
			}
}

int main(int argc, char **argv)
{
	struct load_opts o = {0};
	struct load_plan plan;
	struct loaded *ld = NULL;
	struct dbl_build_zone *zones = NULL;
	struct dbl_build_stats st;
	struct dbl_build_opts bo = {0};
	struct deferred dz = {0};
	size_t nld = 0;
	char tmp[PATH_MAX + 8], final[PATH_MAX];
	double t0 = dbl_build_now(), t1;
	int rc, lockfd = -1, nspecs, refused = 0;
	bool check_mode = false;

	dbl_log_init("dnsbl-load", DBL_LOG_INFO);
	o.popts.max_warnings = 5;
	o.keep = 1;
	o.max_shrink = 50;
	for (int i = 1; i < argc; i++)
		check_mode |= strcmp(argv[i], "--check") == 0;
	if (parse_args(argc, argv, &o)) {
		if (check_mode)
			fprintf(stderr, "dnsbl-load: check FAILED\n");
		rc = check_mode ? EXIT_DATA : EXIT_USAGE;
		goto out_opts;
	}
	if (o.quiet)
		dbl_log_init("dnsbl-load", DBL_LOG_WARNING);
	if (o.check) {
		rc = check(&o);
		goto out_opts;
	}
	if (o.log_syslog)
		dbl_log_use_syslog();
	o.popts.now = time(NULL);
	nspecs = o.nspecs;
	if (!o.dry_run) {
		if (mkdir(o.db, 0755) != 0 && errno != EEXIST) {
			dbl_log(DBL_LOG_ERR, "%s: cannot create directory: %s", o.db,
			        strerror(errno));
			rc = EXIT_DATA;
			goto out_opts;
		}
		/* Serialise loader runs: a second one waits for the first. */
		lockfd = dbl_db_lock(o.db, 0);
		if (lockfd < 0) {
			dbl_log(DBL_LOG_ERR, "%s/.lock: %s", o.db, dbl_strerror(lockfd));
			rc = EXIT_DATA;
			goto out_opts;
		}
	}
	if (o.nsync) {
		int f = load_sync(o.sync, o.nsync, o.staging ? o.staging : ".",
		                  o.sync_timeout ? o.sync_timeout : 300);
		if (f < 0) {
			if (lockfd >= 0)
				close(lockfd);
			rc = EXIT_DATA;
			goto out_opts;
		}
		refused += f;
	}
	rc = load_plan_make(&plan, o.specs, nspecs);
	if (rc) {
		load_plan_free(&plan);
		if (lockfd >= 0)
			close(lockfd);
		rc = rc == DBL_ESYNTAX ? EXIT_USAGE : EXIT_DATA;
		goto out_opts;
	}
	if (!o.dry_run && load_plan_compare(&plan, o.db, o.rebuild)) {
		dbl_log(DBL_LOG_INFO, "no input changed: generation %llu stays live (%.2f s)",
		        (unsigned long long)plan.old->generation, dbl_build_now() - t0);
		rc = refused ? EXIT_DATA : 0; /* a failed --sync still fails the run */
		goto out;
	}
	ld = calloc((size_t)nspecs, sizeof *ld);
	zones = calloc(plan.nzones, sizeof *zones);
	if (!ld || !zones) {
		rc = EXIT_DATA;
		goto out;
	}
	for (size_t i = 0; i < plan.nzones; i++) {
		struct load_zone *z = &plan.zones[i];
		struct dbl_build_zone *bz = &zones[i];
		bz->name = z->name;
		bz->fingerprint = z->fingerprint;
		bz->ds = calloc((size_t)nspecs * DBL_SCOPES_MAX, sizeof *bz->ds);
		if (!bz->ds) {
			rc = EXIT_DATA;
			goto out;
		}
		if (z->name.len == 1)
			bz->flags |= DBL_ZONE_GLOBAL_ACL; /* the ':acl:file' spec */
		if (z->action == LOAD_BUILD && !o.dry_run && z->name.len != 1 &&
		    !files_shared(&plan, i)) {
			bz->deferred = true; /* parsed by parse_deferred */
			continue;
		}
		if (z->action == LOAD_BUILD || o.dry_run)
			load_zone(z, &o, ld, &nld, bz);
		zone_source(&plan, z, bz, &refused);
	}
	t1 = dbl_build_now();
	if (dbl_fault_point("after-parse"))
		raise(SIGKILL);
	for (size_t i = 0; i < plan.nzones; i++)
		if (!zones[i].deferred)
			report_zone(&plan.zones[i], &zones[i], o.quiet);
	if (!o.dry_run && !publish_needed(&plan)) {
		/* Every zone is unchanged or refused-and-kept: the live
		 * generation already holds exactly this data. */
		rc = live_stays(&plan, refused);
		goto out;
	}
	if (o.dry_run) {
		dbl_log(DBL_LOG_INFO, "dry run: %zu zone(s) parsed in %.2f s, nothing published",
		        plan.nzones, t1 - t0);
		rc = refused ? EXIT_DATA : 0;
		goto out;
	}
	bo.generation = dbl_db_next_generation(o.db);
	bo.now = o.popts.now;
	bo.mapsize = o.mapsize;
	bo.release_entries = true; /* the datasets are freed after the build anyway */
	snprintf(final, sizeof final, "%s/gen-%llu.mdb", o.db, (unsigned long long)bo.generation);
	snprintf(tmp, sizeof tmp, "%s.tmp", final);
	dz = (struct deferred){&plan, &o, ld, &nld, zones, 0, 0.0, 0};
	bo.prepare_zone = parse_deferred;
	bo.zone_built = free_built;
	bo.ctx = &dz;
	rc = dbl_build_write(tmp, zones, plan.nzones, &bo, &st);
	refused += dz.refused;
	if (rc) {
		char note[PATH_MAX + 64];
		dbl_log(DBL_LOG_ERR, "%s: cannot write database: %s%s; nothing published", tmp,
		        dbl_strerror(rc), space_note(o.db, rc, note, sizeof note));
		rc = EXIT_DATA;
		goto out;
	}
	if (!publish_needed(&plan)) {
		/* Every zone parsed in the build was refused (its old data
		 * kept), and the others were unchanged or kept as well. */
		unlink(tmp);
		rc = live_stays(&plan, refused); /* refused > 0 here: EXIT_DATA */
		goto out;
	}
	if (dbl_fault_point("before-publish"))
		raise(SIGKILL);
	if (rename(tmp, final) != 0 || (rc = dbl_db_publish(o.db, bo.generation, o.keep)) != 0) {
		dbl_log(DBL_LOG_ERR, "%s: cannot publish: %s", final,
		        rc ? dbl_strerror(rc) : strerror(errno));
		unlink(tmp);
		rc = EXIT_DATA;
		goto out;
	}
	dbl_log(DBL_LOG_INFO,
	        "published generation %llu: %zu zone(s) (%zu copied unchanged), %zu entries -> "
	        "%zu IPv4 + %zu IPv6 intervals, %zu names, %zu value sets, %.1f MB; parse %.2f s, "
	        "addresses %.2f s, names %.2f s, write and sync %.2f s, total %.2f s",
	        (unsigned long long)bo.generation, plan.nzones, st.zones_copied, st.entries,
	        st.ip4_intervals, st.ip6_intervals, st.names, st.vsets, st.bytes / 1e6,
	        t1 - t0 + dz.parse_s, st.addr_s, st.names_s, st.finish_s, dbl_build_now() - t0);
	rc = refused ? EXIT_DATA : 0;
out:
	for (size_t i = 0; i < nld; i++) {
		for (size_t k = 0; k < ld[i].nds; k++)
			dbl_dsdata_free(ld[i].ds[k]);
		free(ld[i].ds);
	}
	for (size_t i = 0; zones && i < plan.nzones; i++)
		free(zones[i].ds);
	free(ld);
	free(zones);
	load_plan_free(&plan);
	if (lockfd >= 0)
		close(lockfd);
out_opts:
	free(o.sync);
	free(o.specs);
	dbl_conf_free(&o.conf);
	return rc;
}
