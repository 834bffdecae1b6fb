/* test_bwriter.c - the generation-file writer (dbl_bwriter.h): in WRITEMAP
 * mode the map is advised for random access (no read-ahead zero-filling
 * of the sparse file on each write fault), and finish cuts the sparse
 * tail so the file holds only the pages written. */
#include <limits.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dbl_bwriter.h"

static char tmpdir[] = "/tmp/dbl-test-bwriter-XXXXXX";

/* The VmFlags line of the mapping of path in /proc/self/smaps, copied to
 * out; false when path is not mapped. */
static bool smaps_flags(const char *path, char *out, size_t outlen)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[PATH_MAX + 256];
	bool inside = false, found = false;
	size_t plen = strlen(path);

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		size_t n = strlen(line);
		char *sp;

		if (n && line[n - 1] == '\n')
			line[--n] = '\0';
		/* A mapping's header: "lo-hi perms offset dev inode   path". */
		if ((sp = strchr(line, ' ')) && strchr(line, '-') && strchr(line, '-') < sp)
			inside = n >= plen && strcmp(line + n - plen, path) == 0;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			size_t l = strlen(line + 8) < outlen ? strlen(line + 8) : outlen - 1;
			memcpy(out, line + 8, l); /* flags only: a short prefix is enough */
			out[l] = '\0';
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void test_writemap_random(void)
{
	struct dbl_bwriter w = {0};
	char path[PATH_MAX], flags[256];
	uint8_t key[8] = {0}, val[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t bytes = 0;
	struct stat sb;

	snprintf(path, sizeof path, "%s/gen.mdb", tmpdir);
	CHECK_INT(dbl_bwriter_open(&w, path, 0), 0);
	if (!w.writemap) {
		/* The file system refused a sparse file of the map size: the
		 * plain mode has no shared map to advise. */
		printf("note: %s refused WRITEMAP, read-ahead check skipped\n", tmpdir);
	} else {
		CHECK(smaps_flags(path, flags, sizeof flags));
		/* rr: VM_RAND_READ, set by madvise(MADV_RANDOM) over the map. */
		CHECK(strstr(flags, " rr") != NULL);
	}
	for (unsigned i = 0; i < 1000; i++) {
		key[6] = (uint8_t)(i >> 8);
		key[7] = (uint8_t)i;
		CHECK_INT(dbl_bwriter_put(&w, w.ip4, key, 8, val, 8, MDB_APPEND), 0);
	}
	CHECK_INT(dbl_bwriter_finish(&w, path, &bytes), 0);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_size, bytes);
	/* 1000 records of 16 bytes: a few pages, not the 64 GiB map. */
	CHECK(bytes > 0 && bytes < (size_t)1 << 20);
	unlink(path);
}

static void test_setup(void)
{
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		exit(1);
	}
}

static void test_cleanup(void)
{
	rmdir(tmpdir);
}

TEST_MAIN(test_setup, test_writemap_random, test_cleanup)
