/* fuzz_keys.c - libFuzzer target for the key encodings: DNS names (text ->
 * rel -> name key and back) and the IPv4/IPv6 key syntaxes of the parsers.
 * Asserts round trips and bounds: a name key is a label-for-label reversal
 * of the rel name, the presentation form parses back to the same wire name,
 * every address parser stays inside the input and returns sane ranges, and
 * the "ip4" value decoder (values come from a file on disk) reads only the
 * bytes it is given and yields ascending runs that encode back to the same
 * block. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dbl_addr.h"
#include "dbl_ip4blk.h"
#include "dbl_name.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_name(const char *text, size_t len)
{
	uint8_t rel[DBL_NAME_MAX], key[DBL_NAME_MAX], back[DBL_NAME_MAX];
	struct dbl_wname w, w2;
	char pres[1024];
	int n = dbl_rel_from_text(rel, text, len);

	if (n < 0)
		return;
	if (n > DBL_NAME_MAX - 1)
		abort();
	if (dbl_namekey_from_rel(key, rel, (size_t)n) != (size_t)n)
		abort();
	/* reversing twice gives the rel name back */
	dbl_namekey_from_rel(back, key, (size_t)n);
	if (memcmp(back, rel, (size_t)n) != 0)
		abort();
	if (dbl_namekey_labels(key, (size_t)n) != dbl_rel_labels(rel, (size_t)n))
		abort();
	/* presentation form round trip (absolute name) */
	if (dbl_wname_from_text(&w, text, len) != 0)
		return;
	dbl_wname_to_text(w.b, pres, sizeof pres);
	if (dbl_wname_from_text(&w2, pres, strlen(pres)) != 0 || w2.len != w.len ||
	    memcmp(w2.b, w.b, w.len) != 0)
		abort();
}

static void check_addr(const char *s)
{
	const char *end;
	uint32_t a, b;
	uint8_t a6[16];
	int r;

	if ((r = dbl_ip4range(s, &a, &b, &end)) >= 0 && (a > b || r > 32 || end < s))
		abort();
	if ((r = dbl_ip4cidr(s, &a, &end)) >= 0 && r > 32)
		abort();
	if ((r = dbl_ip4prefix(s, &a, &end)) >= 0 && r != 8 && r != 16 && r != 24 && r != 32)
		abort();
	if ((r = dbl_ip6cidr(s, a6, &end)) >= 0 && r > 128)
		abort();
	if ((r = dbl_ip6prefix(s, a6, &end)) >= 0 && (r < 16 || r > 128))
		abort();
}

static void check_ip4blk(const uint8_t *data, size_t size)
{
	uint8_t *v = malloc(size ? size : 1), enc[DBL_IP4BLK_MAX];
	struct dbl_ip4blk b = {0}, b2 = {0}; /* zeroed: memcmp below reads every slot */
	uint32_t lo, hi, vs, prev = 0;

	if (!v)
		return;
	memcpy(v, data, size); /* exactly size bytes: ASan sees any read past them */
	if (dbl_ip4blk_decode(v, size, &b) == 0) {
		if (b.n < 1 || b.n > DBL_IP4BLK_RUNS)
			abort();
		for (uint32_t i = 0; i < b.n; i++) {
			dbl_ip4blk_run(&b, i, &lo, &hi, &vs);
			if (lo > hi || (i && lo != prev + 1))
				abort();
			prev = hi;
		}
		/* not byte for byte (a varint may carry extra 0x80 bytes) */
		if (dbl_ip4blk_decode(enc, dbl_ip4blk_encode(&b, enc), &b2) != 0 ||
		    memcmp(&b, &b2, sizeof b) != 0)
			abort();
		if (dbl_ip4blk_find(v, size, b.first, &vs) == 0 && vs != b.vsid[0])
			abort();
	}
	if (size >= 8) {
		uint32_t a = (uint32_t)data[size - 1] << 24 | (uint32_t)data[size - 2] << 16;
		(void)dbl_ip4blk_find(v, size, a, &vs);
		(void)dbl_ip4blk_any(v, size, a, a + data[size - 3]);
	}
	free(v);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = 0;
	check_name(s, size);
	check_addr(s);
	free(s);
	check_ip4blk(data, size);
	return 0;
}
