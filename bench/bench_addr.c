/* bench_addr.c - numeric socket addresses (see bench_addr.h). */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_addr.h"

static int parse_port(const char *s, uint16_t *port)
{
	char *end;
	unsigned long v;

	if (*s < '0' || *s > '9')
		return -EINVAL;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno || *end || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

int bench_addr_parse(const char *s, uint16_t default_port, struct bench_addr *out)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port_s = NULL;
	uint16_t port = default_port;
	size_t hl;

	memset(out, 0, sizeof *out);
	if (!s || !*s)
		return -EINVAL;
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close)
			return -EINVAL;
		hl = (size_t)(close - s - 1);
		if (close[1] == ':')
			port_s = close + 2;
		else if (close[1])
			return -EINVAL;
		if (hl == 0 || hl >= sizeof host)
			return -EINVAL;
		memcpy(host, s + 1, hl);
		host[hl] = 0;
	} else {
		const char *colon = strchr(s, ':');

		/* More than one colon without brackets: a bare IPv6 address
		 * (no way to tell a port apart, so none is taken). */
		if (colon && !strchr(colon + 1, ':')) {
			hl = (size_t)(colon - s);
			port_s = colon + 1;
		} else {
			hl = strlen(s);
		}
		if (hl == 0 || hl >= sizeof host)
			return -EINVAL;
		memcpy(host, s, hl);
		host[hl] = 0;
	}
	if (port_s && parse_port(port_s, &port) < 0)
		return -EINVAL;

	struct sockaddr_in *sin = (struct sockaddr_in *)&out->ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&out->ss;

	if (s[0] != '[' && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		sin->sin_port = htons(port);
		out->len = sizeof *sin;
		return 0;
	}
	if (inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		sin6->sin6_port = htons(port);
		out->len = sizeof *sin6;
		return 0;
	}
	memset(out, 0, sizeof *out);
	return -EINVAL;
}

bool bench_addr_is_loopback(const struct bench_addr *a)
{
	if (a->ss.ss_family == AF_INET) {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)&a->ss;

		return (ntohl(sin->sin_addr.s_addr) >> 24) == 127;
	}
	if (a->ss.ss_family == AF_INET6) {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&a->ss;

		return IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr);
	}
	return false;
}

uint16_t bench_addr_port(const struct bench_addr *a)
{
	if (a->ss.ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
	if (a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return 0;
}

void bench_addr_format(const struct bench_addr *a, char *buf, size_t len)
{
	char host[INET6_ADDRSTRLEN];

	if (!len)
		return;
	if (a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, host,
		          sizeof host);
		snprintf(buf, len, "%s:%u", host, bench_addr_port(a));
	} else if (a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr, host,
		          sizeof host);
		snprintf(buf, len, "[%s]:%u", host, bench_addr_port(a));
	} else {
		snprintf(buf, len, "?");
	}
}
