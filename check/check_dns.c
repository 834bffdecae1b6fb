/* check_dns.c - the DNS client of dnsbl-check --server (see check_dns.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "check_dns.h"

#define HDR     12 /* RFC 1035 4.1.1 */
#define T_A     1
#define T_TXT   16
#define QMAX    (HDR + 255 + 4)
#define UDP_MAX 512 /* no EDNS: the RFC 1035 limit; larger answers come over TCP */

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int parse_server(struct chk_dns *c, const char *s)
{
	char host[64];
	const char *port = NULL, *end;
	struct sockaddr_in *a4 = (struct sockaddr_in *)&c->addr;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&c->addr;
	unsigned long p = 53;
	size_t n;

	if (s[0] == '[') {
		if (!(end = strchr(s, ']')) || (end[1] && end[1] != ':'))
			return -EINVAL;
		n = (size_t)(end - s - 1);
		s++;
		port = end[1] ? end + 2 : NULL;
	} else if ((end = strchr(s, ':')) && !strchr(end + 1, ':')) {
		n = (size_t)(end - s);
		port = end + 1;
	} else {
		n = strlen(s); /* an IPv6 address without brackets, or no port */
	}
	if (n == 0 || n >= sizeof host)
		return -EINVAL;
	memcpy(host, s, n);
	host[n] = 0;
	if (port) {
		char *e;
		errno = 0;
		p = strtoul(port, &e, 10);
		if (!*port || *e || errno || p == 0 || p > 65535)
			return -EINVAL;
	}
	memset(&c->addr, 0, sizeof c->addr);
	if (inet_pton(AF_INET, host, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)p);
		c->alen = sizeof *a4;
	} else if (inet_pton(AF_INET6, host, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)p);
		c->alen = sizeof *a6;
	} else {
		return -EINVAL;
	}
	return 0;
}

int chk_dns_open(struct chk_dns *c, const char *server, unsigned timeout_ms, unsigned tries)
{
	int rc = parse_server(c, server);

	c->fd = -1;
	if (rc)
		return rc;
	c->timeout_ms = timeout_ms;
	c->tries = tries ? tries : 1;
	c->id = (uint16_t)(getpid() ^ (unsigned)time(NULL));
	c->fd = socket(c->addr.ss_family, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
		return -errno;
	if (connect(c->fd, (struct sockaddr *)&c->addr, c->alen) != 0) {
		rc = -errno;
		close(c->fd);
		c->fd = -1;
	}
	return rc;
}

void chk_dns_close(struct chk_dns *c)
{
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
}

/* The query message for qname/qtype into q; its length, or -1. */
static int make_query(uint16_t id, const char *qname, uint16_t qtype, uint8_t *q)
{
	size_t off = HDR, n = strlen(qname);

	memset(q, 0, HDR);
	q[0] = (uint8_t)(id >> 8);
	q[1] = (uint8_t)id;
	q[2] = 0x01; /* RD, as stub resolvers send it */
	q[5] = 1;
	if (n && qname[n - 1] == '.')
		n--;
	while (n) {
		const char *dot = memchr(qname, '.', n);
		size_t l = dot ? (size_t)(dot - qname) : n;
		if (l == 0 || l > 63 || off + 1 + l > HDR + 254)
			return -1;
		q[off++] = (uint8_t)l;
		memcpy(q + off, qname, l);
		off += l;
		if (!dot)
			break;
		qname += l + 1;
		n -= l + 1;
	}
	q[off++] = 0;
	q[off++] = (uint8_t)(qtype >> 8);
	q[off++] = (uint8_t)qtype;
	q[off++] = 0;
	q[off++] = 1; /* IN */
	return (int)off;
}

/* Skip a (possibly compressed) name at off; the offset after it or 0. */
static size_t skip_name(const uint8_t *m, size_t len, size_t off)
{
	while (off < len) {
		if (m[off] == 0)
			return off + 1;
		if ((m[off] & 0xC0) == 0xC0)
			return off + 2 <= len ? off + 2 : 0;
		if (m[off] & 0xC0)
			return 0;
		off += (size_t)m[off] + 1;
	}
	return 0;
}

/* Does reply r (n bytes) answer query q (qlen bytes)? ID, QR, the same
 * question (name compared case-insensitively). */
static bool matches(const uint8_t *q, size_t qlen, const uint8_t *r, size_t n)
{
	if (n < qlen || r[0] != q[0] || r[1] != q[1] || !(r[2] & 0x80) || r[5] != 1 || r[4] != 0)
		return false;
	for (size_t i = HDR; i < qlen; i++) {
		uint8_t a = q[i], b = r[i];
		if (a >= 'A' && a <= 'Z')
			a += 32;
		if (b >= 'A' && b <= 'Z')
			b += 32;
		if (a != b)
			return false;
	}
	return true;
}

/* One UDP exchange with retries. Returns the reply length or -errno. */
static ssize_t udp_ask(struct chk_dns *c, const uint8_t *q, size_t qlen)
{
	for (unsigned t = 0; t < c->tries; t++) {
		int64_t deadline = mono_ms() + c->timeout_ms;
		if (send(c->fd, q, qlen, 0) < 0 && errno != ECONNREFUSED)
			return -errno;
		for (;;) {
			int64_t left = deadline - mono_ms();
			struct pollfd p = {c->fd, POLLIN, 0};
			ssize_t n;
			if (left <= 0 || poll(&p, 1, (int)left) <= 0)
				break;
			n = recv(c->fd, c->buf, sizeof c->buf, 0);
			if (n < 0 && errno == ECONNREFUSED)
				continue; /* ICMP from a dead server: wait out the timeout */
			if (n < 0)
				return -errno;
			if (matches(q, qlen, c->buf, (size_t)n))
				return n;
		}
		c->retries++;
	}
	return -ETIMEDOUT;
}

static int io_full(int fd, void *p, size_t n, bool wr, int64_t deadline)
{
	uint8_t *b = p;

	while (n) {
		struct pollfd pf = {fd, wr ? POLLOUT : POLLIN, 0};
		int64_t left = deadline - mono_ms();
		ssize_t k;
		if (left <= 0 || poll(&pf, 1, (int)left) <= 0)
			return -ETIMEDOUT;
		k = wr ? send(fd, b, n, MSG_NOSIGNAL) : recv(fd, b, n, 0);
		if (k < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (k <= 0)
			return k == 0 ? -ECONNRESET : -errno;
		b += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The same question over TCP (after TC). Reply length or -errno. */
static ssize_t tcp_ask(struct chk_dns *c, const uint8_t *q, size_t qlen)
{
	int64_t deadline = mono_ms() + (int64_t)c->timeout_ms * c->tries;
	uint8_t pre[2 + QMAX];
	int fd, rc;
	size_t n;

	fd = socket(c->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&c->addr, c->alen) != 0 && errno != EINPROGRESS) {
		rc = -errno;
		close(fd);
		return rc;
	}
	pre[0] = (uint8_t)(qlen >> 8);
	pre[1] = (uint8_t)qlen;
	memcpy(pre + 2, q, qlen);
	rc = io_full(fd, pre, qlen + 2, true, deadline);
	if (rc == 0)
		rc = io_full(fd, c->buf, 2, false, deadline);
	n = (size_t)c->buf[0] << 8 | c->buf[1];
	if (rc == 0)
		rc = io_full(fd, c->buf, n, false, deadline);
	close(fd);
	if (rc)
		return rc;
	return matches(q, qlen, c->buf, n) ? (ssize_t)n : -EPROTO;
}

/* Ask qname/qtype; on success the reply is in c->buf. Returns its rcode
 * (>= 0) or -errno. */
static int ask(struct chk_dns *c, const char *qname, uint16_t qtype, size_t *len)
{
	uint8_t q[QMAX];
	int qlen = make_query(++c->id, qname, qtype, q);
	ssize_t n;

	if (qlen < 0)
		return DNSBL_EBADNAME;
	n = udp_ask(c, q, (size_t)qlen);
	if (n >= 0 && (c->buf[2] & 0x02))
		n = tcp_ask(c, q, (size_t)qlen); /* TC: RFC 7766 */
	if (n < 0)
		return (int)n;
	*len = (size_t)n;
	return c->buf[3] & 0x0F;
}

/* Walk the answer section of the reply in c->buf for qtype records. */
static int collect(struct chk_dns *c, size_t len, uint16_t qtype, struct dnsbl_result *res)
{
	const uint8_t *m = c->buf;
	unsigned an = (unsigned)(m[6] << 8 | m[7]);
	size_t off = skip_name(m, len, HDR);

	if (!off || off + 4 > len)
		return -EPROTO;
	off += 4;
	for (unsigned i = 0; i < an; i++) {
		size_t rdlen;
		uint16_t type;
		if (!(off = skip_name(m, len, off)) || off + 10 > len)
			return -EPROTO;
		type = (uint16_t)(m[off] << 8 | m[off + 1]);
		rdlen = (size_t)(m[off + 8] << 8 | m[off + 9]);
		off += 10;
		if (off + rdlen > len)
			return -EPROTO;
		if (type == T_A && qtype == T_A && rdlen == 4) {
			if (res->ncodes < DNSBL_CODES_MAX)
				memcpy(res->codes[res->ncodes++], m + off, 4);
			else
				res->truncated = true;
		} else if (type == T_TXT && qtype == T_TXT) {
			char *t = res->txt[res->ntxt];
			size_t n = 0;
			if (res->ntxt == DNSBL_TXTS_MAX) {
				res->truncated = true;
				off += rdlen;
				continue;
			}
			for (size_t j = 0; j < rdlen; j += (size_t)m[off + j] + 1) {
				size_t l = m[off + j];
				if (j + 1 + l > rdlen)
					return -EPROTO;
				if (n + l > DNSBL_TXT_MAX) {
					l = DNSBL_TXT_MAX - n;
					res->truncated = true;
				}
				memcpy(t + n, m + off + j + 1, l);
				n += l;
			}
			t[n] = 0;
			res->txtlen[res->ntxt++] = (uint16_t)n;
		}
		off += rdlen;
	}
	return 0;
}

int chk_dns_lookup(struct chk_dns *c, const char *qname, int no_txt, struct dnsbl_result *res)
{
	size_t len = 0;
	int rc;

	res->generation = 0;
	res->ncodes = res->ntxt = 0;
	res->truncated = false;
	rc = ask(c, qname, T_A, &len);
	if (rc < 0)
		return rc;
	if (rc == 3)
		return DNSBL_NOT_LISTED; /* NXDOMAIN */
	if (rc != 0) {
		c->rcode = rc;
		return CHK_ERCODE;
	}
	if ((rc = collect(c, len, T_A, res)))
		return rc;
	if (res->ncodes == 0)
		return DNSBL_NOT_LISTED; /* NODATA */
	if (no_txt)
		return DNSBL_LISTED;
	rc = ask(c, qname, T_TXT, &len);
	if (rc < 0)
		return rc;
	if (rc != 0 && rc != 3) {
		c->rcode = rc;
		return CHK_ERCODE;
	}
	if (rc == 0 && (rc = collect(c, len, T_TXT, res)))
		return rc;
	return DNSBL_LISTED;
}
