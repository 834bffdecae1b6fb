/* test_bench_zones.c - zone-key parsing, the zone reader and reproducible generation. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "bench_gen.h"
#include "bench_zones.h"

#define IP(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (d))

static void ip4(const char *s, int rc, uint32_t lo, uint32_t hi)
{
	uint32_t l = 0, h = 0;
	int got = bench_parse_ip4_key(s, &l, &h);

	CHECK_INT(got, rc);
	if (rc == 0 && (l != lo || h != hi)) {
		fprintf(stderr, "  %s: got %08x-%08x\n", s, l, h);
		CHECK(0);
	}
}

static void test_ip4_keys(void)
{
	ip4("10.8.60.0/24", 0, IP(10, 8, 60, 0), IP(10, 8, 60, 255));
	ip4("1.2.3.4", 0, IP(1, 2, 3, 4), IP(1, 2, 3, 4));
	ip4("192.168", 0, IP(192, 168, 0, 0), IP(192, 168, 255, 255));
	ip4("127/8", 0, IP(127, 0, 0, 0), IP(127, 255, 255, 255));
	ip4("10.10.5-129", 0, IP(10, 10, 5, 0), IP(10, 10, 129, 255));
	ip4("127.0.0.1-255", 0, IP(127, 0, 0, 1), IP(127, 0, 0, 255));
	ip4("1.2.3.0-1.2.4.255", 0, IP(1, 2, 3, 0), IP(1, 2, 4, 255));
	ip4("127.16-127.31", 0, IP(127, 16, 0, 0), IP(127, 31, 255, 255));
	ip4("0.0.0.0/0", 0, 0, 0xffffffffu);
	ip4("10", -EINVAL, 0, 0);
	ip4("1.2.3.256", -EINVAL, 0, 0);
	ip4("1.2.3.4/33", -EINVAL, 0, 0);
	ip4("1.2.3.9-1.2.3.1", -EINVAL, 0, 0);
	ip4("1.2.3.4-1.2", -EINVAL, 0, 0);
	ip4("1.2.3.x", -EINVAL, 0, 0);
}

static void test_ip6_keys(void)
{
	uint8_t a[16], len = 0;
	static const uint8_t p36[16] = {0x20, 0x01, 0x21, 0xab, 0xc0};
	static const uint8_t p64[16] = {0x20, 0x01, 0x21, 0xab, 0xde, 0xf7, 0x42, 0x42};

	CHECK_INT(bench_parse_ip6_key("2001:21ab:c000/36", a, &len), 0);
	CHECK_INT(len, 36);
	CHECK(memcmp(a, p36, 16) == 0);
	CHECK_INT(bench_parse_ip6_key("2001:21ab:def7:4242", a, &len), 0);
	CHECK_INT(len, 64);
	CHECK(memcmp(a, p64, 16) == 0);
	CHECK_INT(bench_parse_ip6_key("2605:6001:42::bead", a, &len), 0);
	CHECK_INT(len, 128);
	CHECK_INT(bench_parse_ip6_key("2001:db8::/32", a, &len), 0);
	CHECK_INT(len, 32);
	CHECK_INT(bench_parse_ip6_key("2001", a, &len), -EINVAL);
	CHECK_INT(bench_parse_ip6_key("2001:db8::/129", a, &len), -EINVAL);
	CHECK_INT(bench_parse_ip6_key("2001:zz::", a, &len), -EINVAL);
}

static char dir[] = "/tmp/bench-zones-XXXXXX";

static void write_file(const char *name, const char *text)
{
	char path[256];
	FILE *f;

	snprintf(path, sizeof path, "%s/%s", dir, name);
	f = fopen(path, "w");
	fputs(text, f);
	fclose(f);
}

static void test_reader_and_gen(void)
{
	struct bench_zoneset zs;
	struct bench_queries q1, q2, q3;
	struct bench_gen_stats st;
	struct bench_gen_opts go = {.count = 20000,
	                            .listed_share = 0.5,
	                            .ipv6_share = 0.2,
	                            .domain_share = 0.3,
	                            .txt_share = 0.1,
	                            .seed = 7};
	char err[256], spec[512];

	CHECK(mkdtemp(dir) != NULL);
	write_file("ip4", "#RSYNC: 0 1 1 0 0 0\n"
	                  "$SOA 900 ns.bench. hostmaster.bench. 1 3600 600 432000 900\n"
	                  ":127.0.0.2:Listed $\n"
	                  "10.8.60.0/24 :127.0.0.3:Private\n"
	                  "192.168 Dialup\n"
	                  "!10.8.60.7\n"
	                  "10.10.5-129\n"
	                  "not-an-address\n"
	                  "1.2.3.4:3:\n");
	write_file("ip6", ":127.0.0.4:v6 $\n2001:db8:1:2\n!2001:db8:1:2::1\n2001:db8:ff00/40\n");
	write_file("dn",
	           ":127.0.1.2:dom $\nexample.com\n*.wild.example\n.both.example :127.0.1.4:\n"
	           "!excluded.example\n");
	write_file("conf", "# zones\nzen.test:ip4set:ip4 zen.test:ip6tset:ip6\n"
	                   "dbl.test:dnset:dn\n");

	bench_zoneset_init(&zs);
	snprintf(spec, sizeof spec, "%s/conf", dir);
	CHECK_INT(bench_zoneset_add_conf(&zs, spec, err, sizeof err), 0);
	CHECK_INT(bench_zoneset_finish(&zs), 0);
	CHECK_INT(zs.n, 2);
	CHECK_INT(zs.zones[0].n_ip4, 4);
	CHECK_INT(zs.zones[0].n_ip6, 2);
	CHECK_INT(zs.zones[1].n_dn, 3);
	CHECK_INT(zs.skipped, 1); /* not-an-address */
	CHECK(bench_zone_ip4_listed(&zs.zones[0], IP(10, 8, 60, 9)));
	CHECK(bench_zone_ip4_listed(&zs.zones[0], IP(10, 10, 100, 1)));
	CHECK(bench_zone_ip4_listed(&zs.zones[0], IP(1, 2, 3, 4)));
	CHECK(!bench_zone_ip4_listed(&zs.zones[0], IP(10, 8, 61, 0)));
	CHECK(!bench_zone_ip4_listed(&zs.zones[0], IP(1, 2, 3, 5)));
	CHECK(!bench_zone_ip4_listed(&zs.zones[0], 0));

	/* spec errors */
	CHECK_INT(bench_zoneset_add_spec(&zs, "zen.test:combined:x", NULL, err, sizeof err),
	          -EINVAL);
	CHECK(strstr(err, "type must be") != NULL);
	CHECK_INT(bench_zoneset_add_spec(&zs, "zen.test:ip4set", NULL, err, sizeof err), -EINVAL);
	CHECK_INT(bench_zoneset_add_spec(&zs, "z:ip4set:/nonexistent/file", NULL, err, sizeof err),
	          -ENOENT);

	bench_queries_init(&q1);
	bench_queries_init(&q2);
	bench_queries_init(&q3);
	CHECK_INT(bench_gen_queries(&zs, &go, &q1, &st, err, sizeof err), 0);
	CHECK_INT(q1.n, 20000);
	/* shares within a few percent of the request */
	CHECK(st.domain > 5400 && st.domain < 6600);  /* 30% */
	CHECK(st.ip6 > 2400 && st.ip6 < 3200);        /* 20% of 70% */
	CHECK(st.listed > 9400 && st.listed < 10600); /* 50% */
	CHECK(st.txt > 1700 && st.txt < 2300);        /* 10% */
	CHECK_INT(st.ip4 + st.ip6 + st.domain, 20000);
	/* reproducible: same seed, same bytes; another seed differs */
	CHECK_INT(bench_gen_queries(&zs, &go, &q2, &st, err, sizeof err), 0);
	CHECK(q1.wire_len == q2.wire_len && memcmp(q1.wire, q2.wire, q1.wire_len) == 0);
	go.seed = 8;
	CHECK_INT(bench_gen_queries(&zs, &go, &q3, &st, err, sizeof err), 0);
	CHECK(q1.wire_len != q3.wire_len || memcmp(q1.wire, q3.wire, q1.wire_len) != 0);

	bench_queries_free(&q1);
	bench_queries_free(&q2);
	bench_queries_free(&q3);
	bench_zoneset_free(&zs);
	for (const char *f = "ip4\0ip6\0dn\0conf\0"; *f; f += strlen(f) + 1) {
		snprintf(spec, sizeof spec, "%s/%s", dir, f);
		unlink(spec);
	}
	rmdir(dir);
}

TEST_MAIN(test_ip4_keys, test_ip6_keys, test_reader_and_gen)
