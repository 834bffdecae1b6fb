/* test_rrl_unit.c - dnsd_rrl (response-rate limiting) on its own: token
 * bucket arithmetic with a simulated clock, slip, prefixes (/24, /56),
 * loopback exemption, a full table (bounded probing, reuse), the TC reply. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "check.h"
#include "dnsd_rrl.h"

static struct sockaddr_storage ss;

static const struct sockaddr *addr(const char *a)
{
	memset(&ss, 0, sizeof ss);
	if (strchr(a, ':')) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		s6->sin6_family = AF_INET6;
		inet_pton(AF_INET6, a, &s6->sin6_addr);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		s4->sin_family = AF_INET;
		inet_pton(AF_INET, a, &s4->sin_addr);
	}
	return (const struct sockaddr *)&ss;
}

/* n responses to a at time t: how many were sent, slipped, dropped */
static void charge(struct dnsd_rrl *r, const char *a, uint64_t t, int n, int *send, int *slip,
                   int *drop)
{
	*send = *slip = *drop = 0;
	for (int i = 0; i < n; i++) {
		switch (dnsd_rrl_check(r, addr(a), t)) {
		case DNSD_RRL_SEND:
			++*send;
			break;
		case DNSD_RRL_SLIP:
			++*slip;
			break;
		case DNSD_RRL_DROP:
			++*drop;
			break;
		}
	}
}

static void test_off(void)
{
	struct dnsd_rrl r;
	struct dnsd_rrl_conf c = {0};
	int s, sl, d;

	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	CHECK(r.tab == NULL);
	charge(&r, "192.0.2.1", 1000, 1000, &s, &sl, &d);
	CHECK_INT(s, 1000);
	dnsd_rrl_free(&r);
}

static void test_bucket_and_slip(void)
{
	struct dnsd_rrl r;
	struct dnsd_rrl_conf c = {.rate = 10, .slip = 3};
	int s, sl, d;

	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	/* a full bucket: 10 at once, then limited; every 3rd limited slips */
	charge(&r, "192.0.2.1", 1000, 40, &s, &sl, &d);
	CHECK_INT(s, 10);
	CHECK_INT(sl, 10);
	CHECK_INT(d, 20);
	CHECK_INT(r.st.rrl_limited, 30);
	CHECK_INT(r.st.rrl_slipped, 10);
	CHECK_INT(r.st.rrl_dropped, 20);
	/* the same /24, another address: the same bucket */
	charge(&r, "192.0.2.200", 1000, 1, &s, &sl, &d);
	CHECK_INT(s, 0);
	/* another /24: its own bucket */
	charge(&r, "192.0.3.1", 1000, 10, &s, &sl, &d);
	CHECK_INT(s, 10);
	/* 100 ms later: one token back (10/s) */
	charge(&r, "192.0.2.1", 1100, 3, &s, &sl, &d);
	CHECK_INT(s, 1);
	/* 50 ms: half a token, nothing yet; 50 more: one */
	charge(&r, "192.0.2.1", 1150, 1, &s, &sl, &d);
	CHECK_INT(s, 0);
	charge(&r, "192.0.2.1", 1200, 1, &s, &sl, &d);
	CHECK_INT(s, 1);
	/* an hour idle: the bucket holds one second's worth, no more */
	charge(&r, "192.0.2.1", 3600000, 20, &s, &sl, &d);
	CHECK_INT(s, 10);
	/* a clock that goes backwards refills nothing */
	charge(&r, "192.0.2.1", 5, 1, &s, &sl, &d);
	CHECK_INT(s, 0);
	dnsd_rrl_free(&r);

	c.slip = 0; /* drop them all */
	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	charge(&r, "192.0.2.1", 1000, 30, &s, &sl, &d);
	CHECK(s == 10 && sl == 0 && d == 20);
	dnsd_rrl_free(&r);
}

static void test_prefixes_and_loopback(void)
{
	struct dnsd_rrl r;
	struct dnsd_rrl_conf c = {.rate = 1, .slip = 0};
	int s, sl, d;

	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	/* IPv6 /56: 2001:db8:0:ff00::/56 shared, :100:: is another /56 */
	charge(&r, "2001:db8:0:ff01::1", 1000, 1, &s, &sl, &d);
	CHECK_INT(s, 1);
	charge(&r, "2001:db8:0:ffff::9", 1000, 1, &s, &sl, &d);
	CHECK_INT(s, 0);
	charge(&r, "2001:db8:0:100::1", 1000, 1, &s, &sl, &d);
	CHECK_INT(s, 1);
	/* v4-mapped IPv6 peers count as IPv4 */
	charge(&r, "198.51.100.7", 1000, 1, &s, &sl, &d);
	charge(&r, "::ffff:198.51.100.9", 1000, 1, &s, &sl, &d);
	CHECK_INT(s, 0);
	/* loopback is exempt by default */
	charge(&r, "127.0.0.1", 1000, 100, &s, &sl, &d);
	CHECK_INT(s, 100);
	charge(&r, "::1", 1000, 100, &s, &sl, &d);
	CHECK_INT(s, 100);
	charge(&r, "::ffff:127.0.0.2", 1000, 100, &s, &sl, &d);
	CHECK_INT(s, 100);
	dnsd_rrl_free(&r);
	c.loopback = true;
	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	charge(&r, "127.0.0.1", 1000, 100, &s, &sl, &d);
	CHECK_INT(s, 1);
	charge(&r, "::1", 1000, 100, &s, &sl, &d);
	CHECK_INT(s, 1);
	dnsd_rrl_free(&r);
}

static void test_full_table(void)
{
	struct dnsd_rrl r;
	struct dnsd_rrl_conf c = {.rate = 1, .slip = 0};
	char a[32];
	int s, sl, d, sent = 0;

	CHECK_INT(dnsd_rrl_init(&r, &c), 0);
	/* 4x more prefixes than slots: every lookup stays bounded, old
	 * buckets are reused, and no prefix is ever limited on its first
	 * response (a reused bucket starts full) */
	for (unsigned i = 0; i < 4 * DNSD_RRL_SLOTS; i++) {
		snprintf(a, sizeof a, "10.%u.%u.1", (i >> 8) & 255, i & 255);
		if (i >= 65536)
			snprintf(a, sizeof a, "11.%u.%u.1", ((i - 65536) >> 8) & 255, i & 255);
		charge(&r, a, 1000 + i, 1, &s, &sl, &d);
		sent += s;
	}
	CHECK_INT(sent, 4 * DNSD_RRL_SLOTS);
	CHECK(r.st.rrl_evicted >= 2 * DNSD_RRL_SLOTS);
	CHECK_INT(r.st.rrl_limited, 0);
	dnsd_rrl_free(&r);
}

static void test_slip_packet(void)
{
	/* header (ANCOUNT 1, ARCOUNT 1, AA), question, answer, OPT */
	uint8_t p[] = {0x12, 0x34, 0x85, 0x00, 0,   1, 0,    1, 0, 0,  0, 1, 1,   'a',
	               4,    't',  'e',  's',  't', 0, 0,    1, 0, 1, /* question */
	               0xc0, 12,   0,    1,    0,   1, 0,    0, 0, 60, 0, 4, 127, 0,
	               0,    2,    0,    0,    41,  4, 0xd0, 0, 0, 0,  0, 0, 0};
	size_t n = dnsd_rrl_slip(p, sizeof p);

	CHECK_INT(n, 12 + 8 + 4);
	CHECK(p[2] & 0x02);    /* TC */
	CHECK(!(p[2] & 0x04)); /* no AA */
	CHECK(p[2] & 0x80 && p[0] == 0x12 && p[1] == 0x34);
	CHECK(p[6] == 0 && p[7] == 0 && p[10] == 0 && p[11] == 0);
	/* a response without a whole question is not touched */
	CHECK_INT(dnsd_rrl_slip(p, 15), 0);
	p[12] = 70; /* not a label length */
	CHECK_INT(dnsd_rrl_slip(p, sizeof p), 0);
}

int main(void)
{
	test_off();
	test_bucket_and_slip();
	test_prefixes_and_loopback();
	test_full_table();
	test_slip_packet();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
