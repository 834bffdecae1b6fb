/* dbl_conf_keys.c - the registry of configuration keys (dbl_conf.h).
 *
 * Every long option of every program, with the programs that take it. A
 * program reads its own keys from its getopt table, so an option missing
 * here still works in the file for that program; the registry is what lets
 * the other programs skip the key and what marks repeatable and path
 * keys. tests/ops/test_config.py fails when a program's --help names an
 * option that is missing here.
 */
#include <string.h>

#include "dbl_conf.h"

#define D DBL_PROG_DNSBLD
#define L DBL_PROG_LOAD
#define B DBL_PROG_BENCH

const struct dbl_conf_key dbl_conf_keys[] = {
    /* command line only */
    {"config", D | L, DBL_KEY_CLI_ONLY},
    {"check", D | L, DBL_KEY_CLI_ONLY},
    {"help", D | L | B, DBL_KEY_CLI_ONLY},
    {"version", D | L | B, DBL_KEY_CLI_ONLY},
    /* shared */
    {"db", D | L, DBL_KEY_PATH},
    {"log", D | L, 0},
    {"syslog", D | L, 0},
    /* dnsbld */
    {"listen", D, DBL_KEY_REPEAT},
    {"ttl", D, 0},
    {"ns-in-auth", D, 0},
    {"hide-version", D, 0},
    {"edns-payload", D, 0},
    {"tcp-idle", D, 0},
    {"tcp-max", D, 0},
    {"threads", D | B, 0},
    {"verbose", D, 0},
    {"debug", D, 0},
    {"user", D, 0},
    {"pidfile", D, DBL_KEY_PATH},
    /* being added on other branches (issue 5): metrics endpoint, query log */
    {"metrics", D, 0},
    {"query-log", D, DBL_KEY_PATH},
    /* dnsbl-load */
    {"zone", L | B, DBL_KEY_REPEAT | DBL_KEY_ZONESPEC},
    {"accept-host-bits", L, 0},
    {"max-warnings", L, 0},
    {"keep", L, 0},
    {"mapsize", L, 0},
    {"dry-run", L, 0},
    {"max-shrink", L, 0},
    {"force", L, 0},
    {"rebuild", L, 0},
    {"sync", L, DBL_KEY_REPEAT},
    {"staging", L, DBL_KEY_PATH},
    {"sync-timeout", L, 0},
    {"quiet", L, 0},
    /* dnsbl-bench (no --config: its --zone is a query-generator option,
     * and its target is chosen per run) */
    {"server", B, 0},
    {"allow-remote", B, 0},
    {"rate", B, 0},
    {"outstanding", B, 0},
    {"duration", B, 0},
    {"timeout", B, 0},
    {"batch", B, 0},
    {"queries", B, 0},
    {"from-zones", B, 0},
    {"count", B, 0},
    {"listed-share", B, 0},
    {"ipv6-share", B, 0},
    {"domain-share", B, 0},
    {"txt-share", B, 0},
    {"seed", B, 0},
    {"write-queries", B, 0},
    {"json", B, 0},
    {"progress", B, 0},
    {"no-progress", B, 0},
    {NULL, 0, 0},
};

const struct dbl_conf_key *dbl_conf_key_find(const char *name)
{
	for (const struct dbl_conf_key *k = dbl_conf_keys; k->name; k++)
		if (strcmp(k->name, name) == 0)
			return k;
	return NULL;
}
