/* fuzz_query.c - libFuzzer target: any bytes as a DNS request to dbl_query()
 * against a small real database. Asserts the response invariants: never
 * longer than the buffer, header echoes the ID, QR set. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_db.h"
#include "dbl_err.h"
#include "dbl_query.h"
#include "fuzz_db.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t resp[65535];
	const struct dbl_query_opts o = {
	    .default_ttl = 2100, .version = "dnsbld fuzz", .edns_payload = 1232};
	struct dbl_query_env env = {.now = 1700000000, .tcp = size & 1};
	struct dbl_rtxn r;
	struct dbl_query_info info;
	int n;

	/* The client, from the size: none, 127.0.0.0-4 or ::0-2, so every ACL
	 * action of fuzz_db's acl is exercised. */
	static const int families[3] = {0, 4, 6};
	env.client_family = families[size % 3];
	if (env.client_family == 4) {
		env.client_addr[0] = 127;
		env.client_addr[3] = (uint8_t)(size % 5);
	} else if (env.client_family == 6) {
		env.client_addr[15] = (uint8_t)(size % 3);
	}

	if (dbl_rtxn_begin(&r, fuzz_db()))
		abort();
	{
		/* dnsbld's prefetch pass runs on the raw datagram first */
		uint32_t a;
		if (dbl_query_ip4_hint(data, size, &a) == 0 && r.db->ip4idx.ready)
			for (int stage = 0; stage <= 1; stage++)
				dbl_ip4idx_prefetch(&r.db->ip4idx, a, stage);
	}
	n = dbl_query(&r, &o, &env, data, size, resp, env.tcp ? sizeof resp : 512, &info);
	dbl_rtxn_end(&r);
	if (n > 0) {
		if ((size_t)n > (env.tcp ? sizeof resp : 512) || n < 12)
			abort();
		if (size >= 2 && memcmp(resp, data, 2) != 0)
			abort();
		if (!(resp[2] & 0x80))
			abort();
	} else if (n != DBL_EDROP) {
		abort();
	}
	return 0;
}
