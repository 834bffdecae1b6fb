/* check_dns.h - dnsbl-check --server: a DNSBL stub resolver over DNS.
 *
 * As an MTA's stub resolver asks (RFC 5782 2.1 and 2.2): an A query for
 * the key name; when it is listed, a TXT query for the reasons. UDP with a
 * timeout per attempt and a bounded number of attempts; a truncated (TC)
 * reply is asked again over TCP (RFC 7766). One query in flight at a time.
 * Only the numeric address given is ever contacted.
 */
#ifndef CHECK_DNS_H
#define CHECK_DNS_H

#include <stdint.h>
#include <sys/socket.h>

#include "dnsbl.h"

#define CHK_ERCODE (-30000) /* the server answered SERVFAIL/REFUSED/...: see rcode */

struct chk_dns {
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd; /* the UDP socket, connected to addr */
	unsigned timeout_ms, tries;
	uint16_t id;
	int rcode;             /* rcode of the last error answer (CHK_ERCODE) */
	unsigned long retries; /* UDP attempts that timed out (for statistics) */
	uint8_t buf[65535 + 2];
};

/* Parse "ADDR:PORT", "[V6]:PORT" or "ADDR" (port 53) into c and open the
 * socket. c is caller-owned; chk_dns_close() releases the socket. Returns 0,
 * -EINVAL (bad address) or -errno. */
int chk_dns_open(struct chk_dns *c, const char *server, unsigned timeout_ms, unsigned tries);
void chk_dns_close(struct chk_dns *c);

/* Ask for the presentation name qname (no escapes). Fills res as
 * dnsbl_lookup_*() does (no_txt: no TXT query). Returns DNSBL_LISTED,
 * DNSBL_NOT_LISTED (NXDOMAIN, or NOERROR without A records), CHK_ERCODE
 * (c->rcode set), -ETIMEDOUT after every attempt timed out,
 * DNSBL_EBADNAME, -EPROTO for an answer that does not parse, or -errno. */
int chk_dns_lookup(struct chk_dns *c, const char *qname, int no_txt, struct dnsbl_result *res);

#endif
