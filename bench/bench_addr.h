/* bench_addr.h - numeric "ADDR:PORT" socket addresses for the bench tools.
 *
 * Only numeric addresses are accepted (inet_pton, never a resolver), so
 * parsing an argument can never itself send a packet anywhere. The
 * loopback test is what enforces the workplace rule that benchmark
 * traffic stays on 127.0.0.0/8 and ::1 unless the user opts out.
 *
 * struct bench_addr is a plain value: no pointers, copy it freely.
 */
#ifndef BENCH_ADDR_H
#define BENCH_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

struct bench_addr {
	struct sockaddr_storage ss; /* AF_INET or AF_INET6 */
	socklen_t len;
};

/* Longest text bench_addr_format writes: "[" v6 "]:" port NUL. */
#define BENCH_ADDR_STRLEN 56

/* Parse "1.2.3.4:53", "1.2.3.4", "[::1]:53", "[::1]" or a bare "::1".
 * A missing port means default_port. Port 0 is accepted (the caller
 * decides whether an ephemeral port makes sense). Returns 0 or -EINVAL. */
int bench_addr_parse(const char *s, uint16_t default_port, struct bench_addr *out);

/* True for 127.0.0.0/8 and ::1 only (not v4-mapped forms, not ::). */
bool bench_addr_is_loopback(const struct bench_addr *a);

uint16_t bench_addr_port(const struct bench_addr *a);

/* "127.0.0.1:53" or "[::1]:53" into buf (always NUL-terminated). */
void bench_addr_format(const struct bench_addr *a, char *buf, size_t len);

#endif
