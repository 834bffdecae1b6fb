/* check_out.c - dnsbl-check result lines (see check_out.h). */
#include <stdint.h>
#include <string.h>

#include "check_out.h"

static void json_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void text_str(FILE *f, const char *s, size_t n)
{
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(f, "\\%03u", c);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

static void codes(FILE *f, const struct dnsbl_result *res, bool json)
{
	for (unsigned i = 0; i < res->ncodes; i++) {
		const uint8_t *a = res->codes[i];
		fprintf(f, json ? "%s\"%u.%u.%u.%u\"" : "%s%u.%u.%u.%u", i ? "," : "", a[0], a[1],
		        a[2], a[3]);
	}
}

void chk_out_result(FILE *f, bool json, const char *zone, const char *input, int rc,
                    const struct dnsbl_result *res, const char *err)
{
	if (!json) {
		/* the input as read: a line holds no newline, and an odd byte
		 * in it is the caller's own */
		fputs(input, f);
		if (rc == DNSBL_LISTED) {
			fputs(" listed ", f);
			codes(f, res, false);
			for (unsigned i = 0; i < res->ntxt; i++) {
				fputc(' ', f);
				text_str(f, res->txt[i], res->txtlen[i]);
			}
		} else if (rc == DNSBL_NOT_LISTED) {
			fputs(" not-listed", f);
		} else {
			fprintf(f, " error %s", err);
		}
		fputc('\n', f);
		return;
	}
	fputs("{\"input\":", f);
	json_str(f, input, strlen(input));
	fputs(",\"zone\":", f);
	json_str(f, zone, strlen(zone));
	if (rc == DNSBL_LISTED || rc == DNSBL_NOT_LISTED) {
		fprintf(f, ",\"listed\":%s,\"codes\":[", rc == DNSBL_LISTED ? "true" : "false");
		codes(f, res, true);
		fputs("],\"txt\":[", f);
		for (unsigned i = 0; i < res->ntxt; i++) {
			if (i)
				fputc(',', f);
			json_str(f, res->txt[i], res->txtlen[i]);
		}
		fputc(']', f);
		if (res->truncated)
			fputs(",\"truncated\":true", f);
	} else {
		fputs(",\"error\":", f);
		json_str(f, err, strlen(err));
	}
	fputs("}\n", f);
}
