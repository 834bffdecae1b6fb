/* dbl_fault.h - deterministic fault injection for crash-safety tests.
 *
 * DNSBL_FAULT=<point> in the environment makes the named point act (the
 * loader kills itself with SIGKILL there), so tests can prove that a loader
 * killed at any stage leaves the served data intact. Points: after-parse,
 * mid-write, before-publish. (A full disk needs no fault point: the tests
 * cap the loader's file size with RLIMIT_FSIZE, a real write error.)
 * Unset in production: one getenv per call site, never on the query path.
 */
#ifndef DBL_FAULT_H
#define DBL_FAULT_H

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

static inline bool dbl_fault_point(const char *point)
{
	const char *f = getenv("DNSBL_FAULT");
	return f && strcmp(f, point) == 0;
}

#endif
