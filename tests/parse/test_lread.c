/* test_lread.c - input layer: CKSUM (against the real cksum binary),
 * Spamhaus trailers, gzip, CRLF, long lines, changed-while-read, warning cap,
 * comments and specials prefixes. */
#include <zlib.h>

#include "dbl_lread.h"
#include "ptest.h"

static struct dbl_dsdata **ds;
static size_t nds;

static void done(void)
{
	pt_free(ds, nds);
	ds = NULL;
	nds = 0;
}

/* CRC printed by `cksum` for the bytes of path. */
static long real_cksum(const char *path)
{
	char cmd[400];
	unsigned long v = 0;
	FILE *p;

	snprintf(cmd, sizeof cmd, "cksum < '%s'", path);
	if (!(p = popen(cmd, "r")))
		return -1;
	if (fscanf(p, "%lu", &v) != 1)
		v = (unsigned long)-1;
	pclose(p);
	return (long)v;
}

static void test_cksum_vs_binary(void)
{
	static const size_t sizes[] = {0,  1,   2,   7,   8,     9,     15,    16,
	                               17, 255, 256, 257, 65535, 65536, 100003};
	char *buf = malloc(100003);
	uint32_t x = 12345;

	for (size_t i = 0; i < 100003; i++)
		buf[i] = (char)(pt_rnd(&x) >> 16);
	for (size_t k = 0; k < sizeof sizes / sizeof sizes[0]; k++) {
		struct dbl_cksum c = {0, 0};
		const char *p = pt_write("ck", buf, sizes[k]);
		/* feed in two pieces: the state must be incremental */
		dbl_cksum_update(&c, buf, sizes[k] / 3);
		dbl_cksum_update(&c, buf + sizes[k] / 3, sizes[k] - sizes[k] / 3);
		CHECK_INT(dbl_cksum_final(&c), real_cksum(p));
	}
	free(buf);
}

/* Build "body + CKSUM trailer" with the CRC from `sed '$d' | cksum`. */
static const char *with_trailer(const char *body, const char *fmt, int delta)
{
	static char out[8192];
	const char *p = pt_write("body", body, (size_t)-1);
	long crc = real_cksum(p);

	snprintf(out, sizeof out, "%s", body);
	snprintf(out + strlen(out), sizeof out - strlen(out), fmt, (unsigned long)(crc + delta));
	return out;
}

static void test_cksum_trailer(void)
{
	const char *body = "#RSYNC: 0 1 1 1 0 0\n# Spamhaus test feed\n1.2.3.4\n5.6.7.0/24 :3:x\n";
	const char *f = with_trailer(body, "; CKSUM %lu 12345\n", 0);
	int rc = pt_load("ip4set", f, &ds, &nds);

	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(ds[0]->nwarnings, 0);
		CHECK_STR(pt_q4(ds[0], "1.2.3.4"), "127.0.0.2:-");
		CHECK_STR(pt_q4(ds[0], "5.6.7.8"), "127.0.0.3:x");
	}
	done();
	/* a trailer that is not a comment is not data either */
	f = with_trailer(body, "CKSUM: %lu\n", 0);
	CHECK_INT(pt_load("ip4set", f, &ds, &nds), DBL_ECKSUM); /* third field absent */
	done();
	f = with_trailer(body, "x CKSUM %lu\n\n  \n", 0); /* blank lines after it */
	rc = pt_load("ip4set", f, &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc)
		CHECK_INT(ds[0]->nwarnings, 0);
	done();
	/* mismatch: refused, with file:line */
	f = with_trailer(body, "; CKSUM %lu\n", 1);
	rc = pt_load("ip4set", f, &ds, &nds);
	CHECK_INT(rc, DBL_ECKSUM);
	CHECK_INT(nds, 0);
	CHECK(strstr(pt_log, "/data:5: CKSUM mismatch") != NULL);
	done();
	/* truncated transfer: the data no longer matches */
	f = with_trailer(body, "; CKSUM %lu\n", 0);
	{
		char cut[8192];
		snprintf(cut, sizeof cut, "%s", f);
		memmove(cut + 40, cut + 50, strlen(cut + 50) + 1);
		CHECK_INT(pt_load("ip4set", cut, &ds, &nds), DBL_ECKSUM);
		done();
	}
	/* a CKSUM line that is not the last one is ordinary data */
	rc = pt_load("ip4set", "1.2.3.4\nCKSUM 1 2\n5.6.7.8\n", &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK_INT(ds[0]->nwarnings, 1);
		CHECK(strstr(pt_log, "data:2: invalid address") != NULL);
		CHECK_STR(pt_q4(ds[0], "5.6.7.8"), "127.0.0.2:-");
	}
	done();
	/* two CKSUM lines: the first is data, the last the trailer */
	f = with_trailer("1.1.1.1\n# CKSUM 0 0\n", "# CKSUM %lu\n", 0);
	rc = pt_load("ip4set", f, &ds, &nds);
	CHECK_INT(rc, 0);
	done();
}

static void test_crlf_comments_specials(void)
{
	int rc = pt_load("ip4set",
	                 "# comment\r\n; comment\r\n1.2.3.4 :5:text\r\n"
	                 "  \t 2.2.2.2 \t \r\n#$TTL 1h\r\n;$0 v0\r\n:$1 v1\r\n"
	                 "3.3.3.3 :6:$0 $1\r\n",
	                 &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_INT(ds[0]->nwarnings, 0);
	CHECK_STR(pt_q4(ds[0], "1.2.3.4"), "127.0.0.5:text");
	CHECK_STR(pt_q4(ds[0], "2.2.2.2"), "127.0.0.2:-");
	CHECK_STR(pt_q4(ds[0], "3.3.3.3"), "127.0.0.6:v0 v1");
	CHECK_INT(ds[0]->ttl, 3600);
	done();
}

static void test_gzip(void)
{
	char path[300], spec[400];
	const char *text = ":127.0.0.4:gz $\n10.0.0.0/8\n1.2.3.4\r\n";
	gzFile g;
	int rc;

	snprintf(path, sizeof path, "%s/feed.gz", pt_dir);
	g = gzopen(path, "wb9");
	CHECK(g != NULL);
	if (!g)
		return;
	gzwrite(g, text, (unsigned)strlen(text));
	gzclose(g);
	snprintf(spec, sizeof spec, "bl.test:ip4set:%s", path);
	pt_logreset();
	rc = pt_load_spec(spec, &ds, &nds);
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_STR(pt_q4(ds[0], "10.9.9.9"), "127.0.0.4:gz $");
	CHECK_STR(pt_q4(ds[0], "1.2.3.4"), "127.0.0.4:gz $");
	CHECK_INT(ds[0]->nwarnings, 0);
	done();
}

static void test_long_and_noeol(void)
{
	size_t n = 40000;
	char *big = malloc(n + 64);
	int rc;

	/* a 40000-byte line: cut to 32767 bytes with a warning; the next
	 * line and an unterminated last line still load */
	strcpy(big, "1.1.1.1 ");
	memset(big + 8, 'x', n - 8);
	strcpy(big + n, "\n2.2.2.2\n3.3.3.3");
	rc = pt_load("ip4set", big, &ds, &nds);
	CHECK_INT(rc, 0);
	if (!rc) {
		CHECK(strstr(pt_log, "data:1: long line") != NULL);
		CHECK(strstr(pt_log, "data:1: TXT RR truncated to 255 bytes") != NULL);
		CHECK_STR(pt_q4(ds[0], "2.2.2.2"), "127.0.0.2:-");
		CHECK_STR(pt_q4(ds[0], "3.3.3.3"), "127.0.0.2:-");
		CHECK_INT(ds[0]->nwarnings, 2);
		CHECK_INT(ds[0]->values[ds[0]->ip4[0].vid].txtlen, 255);
	}
	done();
	free(big);
}

static const char *grow_path;
static void grow_hook(int level, const char *msg)
{
	FILE *f;
	if (level != DBL_LOG_WARNING || !strstr(msg, ":1: invalid address"))
		return;
	f = fopen(grow_path, "a");
	if (f) {
		fputs("9.9.9.9\n", f);
		fclose(f);
	}
}

static void test_changed_while_read(void)
{
	char spec[400];
	int rc;

	/* the warning for line 1 arrives while the file is open: appending to
	 * the file then is a writer racing the reader, deterministically */
	grow_path = pt_write("growing", "bad-line\n1.2.3.4\n", (size_t)-1);
	snprintf(spec, sizeof spec, "bl.test:ip4set:%s", grow_path);
	pt_hook = grow_hook;
	pt_logreset();
	rc = pt_load_spec(spec, &ds, &nds);
	pt_hook = NULL;
	CHECK_INT(rc, DBL_ECHANGED);
	CHECK_INT(nds, 0);
	CHECK(strstr(pt_log, "growing: file changed while being read") != NULL);
	done();
	/* unchanged: fine */
	rc = pt_load_spec(spec, &ds, &nds);
	CHECK_INT(rc, 0);
	done();
}

static void test_missing_file(void)
{
	char spec[400];
	snprintf(spec, sizeof spec, "bl.test:ip4set:%s/nope", pt_dir);
	pt_logreset();
	CHECK_INT(pt_load_spec(spec, &ds, &nds), -ENOENT);
	CHECK(strstr(pt_log, "/nope: cannot open") != NULL);
	CHECK_INT(pt_nerr, 1);
	done();
	snprintf(spec, sizeof spec, "bl.test:ip4set:%s", pt_dir);
	CHECK_INT(pt_load_spec(spec, &ds, &nds), -EISDIR);
	done();
}

static void test_warning_cap(void)
{
	char spec[600];
	const char *a = pt_write("wa", "x1\nx2\nx3\nx4\nx5\nx6\nx7\n1.1.1.1\n", (size_t)-1);
	const char *b = pt_write("wb", "y1\ny2\n", (size_t)-1);
	int rc;

	snprintf(spec, sizeof spec, "bl.test:ip4set:%s,%s", a, b);
	pt_opts.max_warnings = 3;
	pt_logreset();
	rc = pt_load_spec(spec, &ds, &nds);
	pt_opts.max_warnings = 100;
	CHECK_INT(rc, 0);
	if (rc)
		return;
	CHECK_INT(ds[0]->nwarnings, 9);
	/* 3 lines for wa plus its summary, 2 lines for wb (cap is per file) */
	CHECK_INT(pt_nwarn, 6);
	CHECK(strstr(pt_log, "wa: 4 more warning(s) suppressed") != NULL);
	CHECK(strstr(pt_log, "wa:4:") == NULL);
	CHECK(strstr(pt_log, "wb:2: invalid address") != NULL);
	done();
}

int main(void)
{
	pt_init();
	test_cksum_vs_binary();
	test_cksum_trailer();
	test_crlf_comments_specials();
	test_gzip();
	test_long_and_noeol();
	test_changed_while_read();
	test_missing_file();
	test_warning_cap();
	pt_cleanup();
	printf("%d checks, %d failed\n", check_count, check_failures);
	return check_failures ? 1 : 0;
}
