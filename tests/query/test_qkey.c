/* test_qkey.c - key decoding (contract 3, 6.9), subject texts (rbldnsd
 * ip6atos / dns_dntop forms) and TXT expansion (contract 6.10). */
#include <arpa/inet.h>
#include <string.h>

#include "check.h"
#include "dbl_name.h"
#include "dbl_qkey.h"
#include "dbl_schema.h"

static size_t rel(uint8_t *out, const char *text)
{
	int n = dbl_rel_from_text(out, text, strlen(text));
	return n < 0 ? 0 : (size_t)n;
}

static void test_ip4_keys(void)
{
	uint8_t r[256];
	uint32_t a = 0, lo = 0, hi = 0;
	size_t n;

	n = rel(r, "2.0.0.127");
	CHECK(dbl_key_ip4(r, n, &a));
	CHECK_INT(a, 0x7F000002);
	n = rel(r, "255.255.255.255");
	CHECK(dbl_key_ip4(r, n, &a) && a == 0xFFFFFFFFu);
	n = rel(r, "0.0.0.0");
	CHECK(dbl_key_ip4(r, n, &a) && a == 0);
	/* contract 6.9: leading zeros are not canonical */
	n = rel(r, "002.0.0.127");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "02.0.0.127");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "256.0.0.127");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "1.2.3");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "1.2.3.4.5");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "a.0.0.127");
	CHECK(!dbl_key_ip4(r, n, &a));
	n = rel(r, "1234.0.0.127");
	CHECK(!dbl_key_ip4(r, n, &a));
	/* partial keys: blocks */
	n = rel(r, "0.0.127");
	CHECK(dbl_key_ip4_block(r, n, &lo, &hi));
	CHECK_INT(lo, 0x7F000000);
	CHECK_INT(hi, 0x7F0000FF);
	n = rel(r, "127");
	CHECK(dbl_key_ip4_block(r, n, &lo, &hi) && lo == 0x7F000000 && hi == 0x7FFFFFFF);
	n = rel(r, "00.127");
	CHECK(!dbl_key_ip4_block(r, n, &lo, &hi));
	n = rel(r, "2.0.0.127");
	CHECK(!dbl_key_ip4_block(r, n, &lo, &hi));
	CHECK(!dbl_key_ip4_block(r, 0, &lo, &hi));
}

static void nibbles(char *out, const char *addr, int count)
{
	uint8_t a[16];
	size_t o = 0;
	inet_pton(AF_INET6, addr, a);
	/* the top count nibbles, least significant first */
	for (int i = count - 1; i >= 0; i--) {
		unsigned v = (a[i / 2] >> (i % 2 ? 0 : 4)) & 0xF;
		out[o++] = "0123456789abcdef"[v];
		out[o++] = '.';
	}
	out[o ? o - 1 : 0] = 0;
}

static void test_ip6_keys(void)
{
	uint8_t r[256], a[16], want[16], lo[16], hi[16];
	char t[128];
	uint32_t v4 = 0, l4[2], h4[2];
	size_t n;

	nibbles(t, "2001:db8::5", 32);
	n = rel(r, t);
	CHECK(dbl_key_ip6(r, n, a));
	inet_pton(AF_INET6, "2001:db8::5", want);
	CHECK(memcmp(a, want, 16) == 0);
	/* upper case hex is the same key (lowercased before, and accepted) */
	n = rel(r, "5.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.B.D.0.1.0.0.2");
	CHECK(dbl_key_ip6(r, n, a) && memcmp(a, want, 16) == 0);
	/* 31 nibbles: a block; two-character label: nothing */
	nibbles(t, "2001:db8::", 31);
	n = rel(r, t);
	CHECK(!dbl_key_ip6(r, n, a));
	CHECK(dbl_key_ip6_block(r, n, lo, hi));
	n = rel(r, "8.b.d.0.1.0.0.2");
	CHECK(dbl_key_ip6_block(r, n, lo, hi));
	inet_pton(AF_INET6, "2001:db8::", want);
	CHECK(memcmp(lo, want, 16) == 0);
	inet_pton(AF_INET6, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", want);
	CHECK(memcmp(hi, want, 16) == 0);
	n = rel(r, "10.0.0.2");
	CHECK(!dbl_key_ip6_block(r, n, lo, hi));
	n = rel(r, "g.0.0.2");
	CHECK(!dbl_key_ip6_block(r, n, lo, hi));
	/* mapped addresses */
	inet_pton(AF_INET6, "::ffff:127.0.0.2", a);
	CHECK(dbl_ip6_v4mapped(a, &v4) && v4 == 0x7F000002);
	CHECK(!dbl_ip6_6to4(a, &v4));
	inet_pton(AF_INET6, "2002:7f00:2::1", a);
	CHECK(dbl_ip6_6to4(a, &v4) && v4 == 0x7F000002);
	inet_pton(AF_INET6, "::7f00:2", a);
	CHECK(!dbl_ip6_v4mapped(a, &v4));
	/* partial keys on the way down to mapped addresses */
	nibbles(t, "::ffff:127.0.0.0", 26);
	n = rel(r, t);
	CHECK_INT(dbl_key_ip6_v4blocks(r, n, l4, h4), 1);
	CHECK_INT(l4[0], 0x7F000000);
	CHECK_INT(h4[0], 0x7FFFFFFF);
	nibbles(t, "::", 5);
	n = rel(r, t);
	CHECK_INT(dbl_key_ip6_v4blocks(r, n, l4, h4), 1);
	CHECK_INT(l4[0], 0);
	CHECK_INT(h4[0], 0xFFFFFFFFu);
	n = rel(r, "2.0.0.2");
	CHECK_INT(dbl_key_ip6_v4blocks(r, n, l4, h4), 1);
	CHECK(l4[0] == 0 && h4[0] == 0xFFFFFFFFu);
	nibbles(t, "2002:7f00:2::", 20);
	n = rel(r, t);
	CHECK_INT(dbl_key_ip6_v4blocks(r, n, l4, h4), 1);
	CHECK(l4[0] == 0x7F000002 && h4[0] == 0x7F000002);
	n = rel(r, "1.0.0.2");
	CHECK_INT(dbl_key_ip6_v4blocks(r, n, l4, h4), 0);
}

static const char *ip6t(const char *s)
{
	static char buf[DBL_IP6_TEXT_MAX];
	uint8_t a[16];
	inet_pton(AF_INET6, s, a);
	dbl_ip6_text(a, buf);
	return buf;
}

static void test_texts(void)
{
	char b[300];
	uint8_t r[256];
	size_t n;

	CHECK_INT(dbl_ip4_text(0x7F000002, b), 9);
	CHECK_STR(b, "127.0.0.2");
	dbl_ip4_text(0xFFFFFFFFu, b);
	CHECK_STR(b, "255.255.255.255");
	dbl_ip4_text(0, b);
	CHECK_STR(b, "0.0.0.0");
	/* rbldnsd ip6atos (its own self-tests): */
	CHECK_STR(ip6t("::1"), "::1");
	CHECK_STR(ip6t("1::"), "1::");
	CHECK_STR(ip6t("1::4:0:0:0:8"), "1:0:0:4::8");
	CHECK_STR(ip6t("::"), "::");
	CHECK_STR(ip6t("2001:db8::5"), "2001:db8::5");
	CHECK_STR(ip6t("::ffff:127.0.0.2"), "::ffff:7f00:2");
	CHECK_STR(ip6t("2001:db8:0:1:2:3:4:5"), "2001:db8:0:1:2:3:4:5"); /* one zero group: kept */
	CHECK_STR(ip6t("1:0:0:2:0:0:3:4"), "1::2:0:0:3:4");              /* tie: first run */
	CHECK_STR(ip6t("abcd:ef01:2345:6789:abcd:ef01:2345:6789"),
	          "abcd:ef01:2345:6789:abcd:ef01:2345:6789");
	/* dns_dntop form of names */
	n = rel(r, "a.wild.example");
	dbl_rel_text(r, n, 0, b, sizeof b);
	CHECK_STR(b, "a.wild.example");
	dbl_rel_text(r, n, 2, b, sizeof b);
	CHECK_STR(b, "wild.example");
	dbl_rel_text(r, n, 9, b, sizeof b);
	CHECK_STR(b, "a.wild.example");
	memcpy(r, "\5a$b@c\2x;\3\001 .", 13);
	dbl_rel_text(r, 13, 0, b, sizeof b);
	CHECK_STR(b, "a\\$b\\@c.x\\;.\\001\\032\\.");
	n = rel(r, "abcdef");
	CHECK_INT(dbl_rel_text(r, n, 0, b, 4), 3);
	CHECK_STR(b, "abc");
}

static void test_txt_expand(void)
{
	uint8_t out[300];
	size_t n;
	char big[400];

	n = dbl_txt_expand((const uint8_t *)"ip=$ cost $$5", 13, "1.2.3.4", 7, out);
	CHECK_INT(n, 18);
	CHECK(memcmp(out, "ip=1.2.3.4 cost $5", 18) == 0);
	n = dbl_txt_expand((const uint8_t *)"$x$", 3, "S", 1, out);
	CHECK(n == 3 && memcmp(out, "SxS", 3) == 0);
	n = dbl_txt_expand((const uint8_t *)"", 0, "S", 1, out);
	CHECK_INT(n, 0);
	/* contract 6.10: 255 bytes, longer is cut */
	memset(big, 'a', 250);
	big[250] = '$';
	n = dbl_txt_expand((const uint8_t *)big, 251, "1.2.3.4", 7, out);
	CHECK_INT(n, 255);
	CHECK(memcmp(out + 250, "1.2.3", 5) == 0);
	memset(big, 'b', 300);
	n = dbl_txt_expand((const uint8_t *)big, 300, "", 0, out);
	CHECK_INT(n, DBL_TXT_MAX);
}

TEST_MAIN(test_ip4_keys, test_ip6_keys, test_texts, test_txt_expand)
