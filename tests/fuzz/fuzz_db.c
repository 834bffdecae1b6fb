/* fuzz_db.c - see fuzz_db.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dbl_build.h"
#include "dbl_log.h"
#include "dbl_name.h"
#include "dbl_parse.h"
#include "fuzz_db.h"

static const char *const files[][2] = {
    {"ip4", "$SOA 1h ns1.bl.test hostmaster.bl.test 0 2h 30m 1w 5m\n"
            "$NS 1d ns1.bl.test\n"
            ":127.0.0.2:Listed $ see http://bl.test/?$\n"
            "127.0.0.2\n10.0.0.0/24\n!10.0.0.5\n10.1.0.0/16 :3:net\n192.168.1.1-20 :4\n"},
    {"ip6", "2001:db8::/32 :5:v6 $\n::ffff:7f00:2\n!2001:db8:1::/48\n"},
    {"dn", ":127.0.1.2:Domain $ listed\ntest\n*.wild.example\n.dot.example\n!x.dot.example\n"},
    {"gen", "@ A 127.0.0.1\n@ TXT \"hello\"\n@ MX 10 mail.bl.test.\nns1 A 127.0.0.53\n"},
    /* client ACL: fuzz_query picks the client so that every action is hit */
    {"acl", "127.0.0.1 :empty\n127.0.0.2 :refuse\n127.0.0.3 :127.0.0.9:always $\n"
            "127.0.0.4\n::1 :127.0.0.10:v6 $\n::2 :empty\n"},
};

static struct dbl_db *db;

const struct dbl_db *fuzz_db(void)
{
	char dir[] = "/tmp/dnsbl-fuzz-XXXXXX", path[256];
	const char *types[] = {"ip4set", "ip6trie", "dnset", "generic", "acl"};
	struct dbl_parse_opts po = {.now = time(NULL), .max_warnings = 0};
	struct dbl_build_zone z = {0};
	struct dbl_dsdata **all[5];
	struct dbl_build_opts bo = {.generation = 1, .now = time(NULL)};
	struct dbl_build_stats st;
	size_t nall[5];

	if (db)
		return db;
	dbl_log_init("fuzz", 0); /* quiet: the fuzzer prints enough */
	if (!mkdtemp(dir))
		abort();
	z.ds = calloc(16, sizeof *z.ds);
	dbl_wname_from_text(&z.name, "bl.test", 7);
	for (int i = 0; i < 5; i++) {
		struct dbl_zonespec zs;
		char spec[512], err[128];
		FILE *f;
		snprintf(path, sizeof path, "%s/%s", dir, files[i][0]);
		f = fopen(path, "w");
		if (!f)
			abort();
		fputs(files[i][1], f);
		fclose(f);
		snprintf(spec, sizeof spec, "bl.test:%s:%s", types[i], path);
		if (dbl_zonespec_parse(&zs, spec, err, sizeof err) ||
		    dbl_dataset_load(&zs, &po, &all[i], &nall[i]))
			abort();
		for (size_t k = 0; k < nall[i]; k++)
			z.ds[z.nds++] = all[i][k];
		dbl_zonespec_free(&zs);
		unlink(path);
	}
	snprintf(path, sizeof path, "%s/gen-1.mdb", dir);
	/* Opened as dnsbld opens it (resident: IPv4 lookups through the
	 * dense index, dbl_ip4idx.h); the B-tree's IPv4 path is compared with
	 * the index in tests/core/test_build.c. */
	if (dbl_build_write(path, &z, 1, &bo, &st) ||
	    dbl_db_open_file_flags(&db, path, DBL_DB_RESIDENT) || !db->ip4idx.ready)
		abort();
	/* The generation file is self-contained: the parsed data can go. */
	for (int i = 0; i < 5; i++) {
		for (size_t k = 0; k < nall[i]; k++)
			dbl_dsdata_free(all[i][k]);
		free(all[i]);
	}
	free(z.ds);
	/* The open map keeps the data alive after the unlink. */
	unlink(path);
	rmdir(dir);
	return db;
}
