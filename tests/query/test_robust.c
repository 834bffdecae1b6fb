/* test_robust.c - malformed-input robustness of dbl_query() (reliability.md
 * section 1): deterministic mutations of valid queries (bit flips, cuts,
 * random bytes, random counts, random caps, UDP/TCP), checking that every
 * call either drops or returns a well-formed response within the cap that
 * echoes the ID and has QR set. Run under ASan/UBSan by tests/run.sh, this
 * also catches any read past the request. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "dbl_err.h"
#include "qtest.h"

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint32_t rnd(void)
{
	/* xorshift64*: fixed seed, so a failure reproduces */
	rng ^= rng >> 12;
	rng ^= rng << 25;
	rng ^= rng >> 27;
	return (uint32_t)((rng * 2685821657736338717u) >> 32);
}

static const char *names[] = {
    "2.0.0.127.bl.test",
    "bl.test",
    "1.0.0.127.bl.test",
    "2.0.0.127.zen.test",
    "a.wild.example.dbl.test",
    "version.bind",
    "sbl.zen.test",
    "2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.zen.test",
    "0.0.127.bl.test",
    "2.0.0.127.big.test",
    "anything.gen.test",
    "x.example.org",
};
static const uint16_t types[] = {1, 16, 255, 6, 2, 28, 15, 257, 252, 250, 0, 41};

static void one(const uint8_t *req, size_t len)
{
	size_t caps[] = {512, 1232, 65535, 300, 17 + rnd() % 600};
	size_t cap = caps[rnd() % 5];
	struct qt_resp *p;

	/* an exact-size heap copy: ASan sees any read past len */
	uint8_t *h = malloc(len ? len : 1);
	memcpy(h, req, len);
	qt_env.tcp = rnd() & 1;
	p = qt_run(h, len, cap);
	if (p->n != DBL_EDROP && p->n != DBL_ETOOBIG) {
		CHECK(p->n >= 12 && (size_t)p->n <= cap);
		CHECK(len >= 2 && memcmp(p->b, h, 2) == 0);
		CHECK(p->qr);
		CHECK(p->parse_ok);
		if (!p->parse_ok || p->n < 12)
			fprintf(stderr, "  (len %zu cap %zu n %d)\n", len, cap, p->n);
	}
	free(h);
}

static void test_mutations(void)
{
	uint8_t base[700], req[700];

	for (int i = 0; i < 200000 && check_failures < 20; i++) {
		const char *name = names[rnd() % (sizeof names / sizeof names[0])];
		uint16_t type = types[rnd() % (sizeof types / sizeof types[0])];
		int edns = rnd() % 3 ? -1 : (int)(rnd() % 5000);
		size_t n = qt_req(base, (uint16_t)rnd(), (uint8_t)(rnd() % 4 ? 1 : rnd()), name,
		                  type, rnd() % 8 ? 1 : (uint16_t)rnd(), edns,
		                  (uint8_t)(rnd() % 4 ? 0 : 1), (uint16_t)rnd());
		unsigned k = rnd() % 6;
		memcpy(req, base, n);
		if (k == 0) { /* bit flips */
			for (unsigned f = 1 + rnd() % 4; f; f--)
				req[rnd() % n] ^= (uint8_t)(1u << (rnd() % 8));
		} else if (k == 1) { /* cut */
			n = rnd() % (n + 1);
		} else if (k == 2) { /* random tail with random counts */
			size_t extra = rnd() % 64;
			for (size_t j = 0; j < extra; j++)
				req[n + j] = (uint8_t)rnd();
			n += extra;
			req[6] = (uint8_t)(rnd() % 2), req[7] = (uint8_t)rnd();
			req[8] = (uint8_t)(rnd() % 2), req[9] = (uint8_t)rnd();
			req[10] = (uint8_t)(rnd() % 2), req[11] = (uint8_t)rnd();
		} else if (k == 3) { /* random bytes */
			n = rnd() % 300;
			for (size_t j = 0; j < n; j++)
				req[j] = (uint8_t)rnd();
			if (n > 5 && rnd() % 2)
				req[2] &= 0x7F, req[4] = 0, req[5] = 1;
		} else if (k == 4) { /* random label bytes */
			for (unsigned f = 1 + rnd() % 3; f; f--)
				req[12 + rnd() % (n - 12)] = (uint8_t)rnd();
		}
		one(req, n);
	}
	qt_reset_opts();
}

static void setup(void)
{
	qt_open();
}

static void teardown(void)
{
	qt_close();
}

TEST_MAIN(setup, test_mutations, teardown)
