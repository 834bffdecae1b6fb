/* test_bench_query.c - dnsperf query-file parsing, name codec, round trip. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "bench_query.h"

static int read_str(struct bench_queries *q, const char *text, char *err, size_t errlen)
{
	FILE *f = fmemopen((void *)text, strlen(text), "r");
	int rc;

	err[0] = 0;
	rc = bench_queries_read(q, f, "mem", err, errlen);
	fclose(f);
	return rc;
}

static void test_parse_ok(void)
{
	struct bench_queries q;
	char err[256];
	static const uint8_t first[] = {1,   '2', 1,   '0', 1,   '0', 3,   '1', '2',
	                                '7', 3,   'z', 'e', 'n', 5,   'b', 'e', 'n',
	                                'c', 'h', 0,   0,   1,   0,   1};

	bench_queries_init(&q);
	CHECK_INT(read_str(&q,
	                   "; dnsperf comment\n"
	                   "# also a comment\n"
	                   "\n"
	                   "2.0.0.127.zen.bench A\n"
	                   "  2.0.0.127.zen.bench.\ttxt  \r\n"
	                   "example.com.dbl.bench AAAA\n"
	                   "x.y TYPE65\n"
	                   "last.example ANY", /* no final newline */
	                   err, sizeof err),
	          0);
	CHECK_INT(q.n, 5);
	CHECK_INT(q.qlen[0], sizeof first);
	CHECK(memcmp(q.wire + q.off[0], first, sizeof first) == 0);
	/* trailing dot and tab separator: same name, type TXT */
	CHECK_INT(q.qlen[1], sizeof first);
	CHECK(memcmp(q.wire + q.off[1], first, sizeof first - 4) == 0);
	CHECK_INT(q.wire[q.off[1] + q.qlen[1] - 3], 16);
	CHECK_INT(q.wire[q.off[2] + q.qlen[2] - 3], 28);
	CHECK_INT(q.wire[q.off[3] + q.qlen[3] - 3], 65);
	CHECK_INT(q.wire[q.off[4] + q.qlen[4] - 3], 255);
	bench_queries_free(&q);
}

static void expect_error(const char *text, const char *msg_part)
{
	struct bench_queries q;
	char err[256];

	bench_queries_init(&q);
	CHECK_INT(read_str(&q, text, err, sizeof err), -EINVAL);
	if (!strstr(err, msg_part)) {
		fprintf(stderr, "  error for %s was \"%s\", expected \"%s\"\n", text, err,
		        msg_part);
		CHECK(0);
	}
	bench_queries_free(&q);
}

static void test_parse_errors(void)
{
	char long_label[200], long_name[400];

	expect_error("a.example A\nb.example\n", "mem:2: expected \"name TYPE\"");
	expect_error("a.example BOGUS\n", "mem:1: unknown query type \"BOGUS\"");
	expect_error("a.example A extra\n", "mem:1: unexpected text after the type");
	expect_error("a..example A\n", "mem:1: invalid domain name");
	expect_error(".a.example A\n", "invalid domain name");
	expect_error("a.example TYPE65536\n", "unknown query type");
	/* 64-byte label */
	memset(long_label, 'x', 64);
	strcpy(long_label + 64, ".example A\n");
	expect_error(long_label, "invalid domain name");
	/* 63-byte label is fine */
	{
		struct bench_queries q;
		char err[256];

		bench_queries_init(&q);
		CHECK_INT(read_str(&q, long_label + 1, err, sizeof err), 0);
		bench_queries_free(&q);
	}
	/* name over 255 bytes: 26 labels of 9 + dots = 260 on the wire */
	long_name[0] = 0;
	for (int i = 0; i < 26; i++)
		strcat(long_name, "abcdefghi.");
	strcat(long_name, " A\n");
	expect_error(long_name, "invalid domain name");
}

static void test_name_codec(void)
{
	uint8_t w[300];
	char text[1100];

	CHECK_INT(bench_name_to_wire(".", w, sizeof w), 1);
	CHECK_INT(bench_name_from_wire(w, 1, text, sizeof text), 1);
	CHECK(strcmp(text, ".") == 0);
	/* escapes: \. inside a label, \DDD */
	CHECK_INT(bench_name_to_wire("a\\.b.\\065c", w, sizeof w), 1 + 3 + 1 + 2 + 1);
	CHECK(memcmp(w, "\003a.b\002Ac\000", 8) == 0);
	CHECK_INT(bench_name_from_wire(w, 8, text, sizeof text), 8);
	CHECK(strcmp(text, "a\\046b.Ac") == 0);
	CHECK_INT(bench_name_to_wire("a\\256", w, sizeof w), -EINVAL);
	CHECK_INT(bench_name_to_wire("a\\", w, sizeof w), -EINVAL);
	CHECK_INT(bench_name_to_wire("", w, sizeof w), -EINVAL);
	/* spaces and ';' would break a dnsperf line: escaped on output */
	CHECK_INT(bench_name_to_wire("a\\032b\\;", w, sizeof w), 6);
	bench_name_from_wire(w, 6, text, sizeof text);
	CHECK(strcmp(text, "a\\032b\\059") == 0);
}

static void test_round_trip(void)
{
	struct bench_queries a, b;
	char err[256], *buf = NULL;
	size_t len = 0;
	FILE *f;

	bench_queries_init(&a);
	bench_queries_init(&b);
	CHECK_INT(bench_queries_add(&a, "1.2.3.4.zen.bench", 1), 0);
	CHECK_INT(bench_queries_add(&a, "Mixed.Case.dbl.bench.", 16), 0);
	CHECK_INT(bench_queries_add(&a, "odd\\032label.x", 1234), 0);
	CHECK_INT(bench_queries_add(&a, ".", 6), 0);
	f = open_memstream(&buf, &len);
	CHECK_INT(bench_queries_write(&a, f), 0);
	fclose(f);
	CHECK(strcmp(buf, "1.2.3.4.zen.bench A\n"
	                  "Mixed.Case.dbl.bench TXT\n"
	                  "odd\\032label.x TYPE1234\n"
	                  ". SOA\n") == 0);
	CHECK_INT(read_str(&b, buf, err, sizeof err), 0);
	CHECK_INT(b.n, a.n);
	CHECK_INT(b.wire_len, a.wire_len);
	CHECK(b.wire_len == a.wire_len && memcmp(a.wire, b.wire, a.wire_len) == 0);
	free(buf);
	bench_queries_free(&a);
	bench_queries_free(&b);
}

static void test_types(void)
{
	uint16_t t = 0;
	char buf[16];

	CHECK_INT(bench_type_parse("a", &t), 0);
	CHECK_INT(t, 1);
	CHECK_INT(bench_type_parse("Txt", &t), 0);
	CHECK_INT(t, 16);
	CHECK_INT(bench_type_parse("TYPE0", &t), 0);
	CHECK_INT(t, 0);
	CHECK_INT(bench_type_parse("TYPE", &t), -EINVAL);
	CHECK_INT(bench_type_parse("TYPE-1", &t), -EINVAL);
	CHECK(strcmp(bench_type_name(28, buf, sizeof buf), "AAAA") == 0);
	CHECK(strcmp(bench_type_name(4321, buf, sizeof buf), "TYPE4321") == 0);
	CHECK(strcmp(bench_rcode_name(3), "NXDOMAIN") == 0);
}

TEST_MAIN(test_parse_ok, test_parse_errors, test_name_codec, test_round_trip, test_types)
