/* fuzz_zoneline.c - libFuzzer target: the first byte picks a dataset type,
 * the rest is written as a zone file and loaded by the real parser. Any
 * outcome but a crash, hang or leak is fine; a successful load must produce
 * consistent entries. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "dbl_log.h"
#include "dbl_parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const types[] = {"ip4set", "ip4tset", "ip4trie",  "ip6tset", "ip6trie",
                                    "dnset",  "generic", "combined", "bind",    "acl"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char path[64];
	struct dbl_parse_opts po = {.now = 1700000000, .max_warnings = 0};
	struct dbl_zonespec zs;
	struct dbl_dsdata **ds;
	size_t nds;
	char spec[128], err[128];
	FILE *f;

	if (size < 1)
		return 0;
	if (!path[0]) {
		dbl_log_init("fuzz", 0);
		snprintf(path, sizeof path, "/tmp/dnsbl-fuzz-zone-%d", (int)getpid());
	}
	f = fopen(path, "wb");
	if (!f)
		abort();
	fwrite(data + 1, 1, size - 1, f);
	fclose(f);
	snprintf(spec, sizeof spec, "fuzz.test:%s:%s",
	         types[data[0] % (sizeof types / sizeof types[0])], path);
	if (dbl_zonespec_parse(&zs, spec, err, sizeof err))
		abort();
	if (dbl_dataset_load(&zs, &po, &ds, &nds) == 0) {
		for (size_t i = 0; i < nds; i++) {
			for (size_t k = 0; k < ds[i]->nip4; k++)
				if (ds[i]->ip4[k].lo > ds[i]->ip4[k].hi ||
				    ds[i]->ip4[k].vid >= (int32_t)ds[i]->nvalues)
					abort();
			for (size_t k = 0; k < ds[i]->nnames; k++)
				if (ds[i]->names[k].vid >= (int32_t)ds[i]->nvalues)
					abort();
			dbl_dsdata_free(ds[i]);
		}
		free(ds);
	}
	dbl_zonespec_free(&zs);
	unlink(path);
	return 0;
}
