/* check_out.h - dnsbl-check result lines: text and JSON lines.
 *
 * Text:  INPUT listed 127.0.0.2,127.0.0.4 "reason one" "reason two"
 *        INPUT not-listed
 *        INPUT error MESSAGE
 * TXT strings are quoted as dig prints them (\" \\ and \DDD for bytes
 * outside printable ASCII). JSON, one object per line:
 *   {"input":"1.2.3.4","zone":"zen.local","listed":true,
 *    "codes":["127.0.0.2"],"txt":["..."]}   (+ "truncated":true when more
 *    codes or TXT strings than a struct dnsbl_result holds were answered)
 *   {"input":"x","zone":"zen.local","error":"MESSAGE"}
 * Strings are JSON-escaped (bytes >= 0x80 as \u00XX, i.e. Latin-1).
 */
#ifndef CHECK_OUT_H
#define CHECK_OUT_H

#include <stdbool.h>
#include <stdio.h>

#include "dnsbl.h"

/* Print one result line for input to f. rc: DNSBL_LISTED, DNSBL_NOT_LISTED
 * or an error (then err is its text). Everything is borrowed. */
void chk_out_result(FILE *f, bool json, const char *zone, const char *input, int rc,
                    const struct dnsbl_result *res, const char *err);

#endif
