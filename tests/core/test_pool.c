/* test_pool.c - the parser's storage pool (dbl_pool_alloc): every block
 * keeps its bytes whatever is allocated after it (keys, big RR blocks
 * between them), and a pool that grows past a few MB gets chunks advised
 * for transparent huge pages (the name merge reads its keys at random). */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "dbl_dsb.h"

#define NBLK 300000

/* The VmFlags of the mapping holding p (from /proc/self/smaps) into out;
 * false when none is found. */
static bool flags_of(const void *p, char *out, size_t cap)
{
	FILE *f = fopen("/proc/self/smaps", "r");
	char line[512];
	bool inside = false, found = false;
	uintptr_t a = (uintptr_t)p;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned long lo, hi;
		if (sscanf(line, "%lx-%lx ", &lo, &hi) == 2 &&
		    strchr(line, '-') < strchr(line, ' '))
			inside = a >= lo && a < hi;
		else if (inside && strncmp(line, "VmFlags:", 8) == 0) {
			size_t n = strlen(line + 8) < cap ? strlen(line + 8) : cap - 1;
			memcpy(out, line + 8, n);
			out[n] = '\0';
			found = true;
		}
	}
	fclose(f);
	return found;
}

static void test_blocks_kept(void)
{
	void *pool = NULL;
	uint8_t **blk = calloc(NBLK, sizeof *blk);
	size_t *len = calloc(NBLK, sizeof *len);
	size_t total = 0, bad = 0;
	char flags[256];
	bool huge_seen = false;

	CHECK(blk && len);
	if (!blk || !len)
		return;
	for (size_t i = 0; i < NBLK; i++) {
		/* key-sized blocks, every 5000th one a block of its own chunk */
		len[i] = i % 5000 == 4999 ? 20000 + i % 7 : 1 + (i * 7919) % 255;
		blk[i] = dbl_pool_alloc(&pool, len[i]);
		CHECK(blk[i] != NULL);
		if (!blk[i])
			return;
		memset(blk[i], (int)(i * 31 + 7), len[i]);
		total += len[i];
	}
	for (size_t i = 0; i < NBLK; i++)
		for (size_t j = 0; j < len[i]; j++)
			bad += blk[i][j] != (uint8_t)(i * 31 + 7);
	CHECK_INT(bad, 0);
	/* 40 MB in all: the last key-sized block lies in a 2 MiB chunk. */
	CHECK(total > (size_t)32 << 20);
	if (flags_of(blk[NBLK - 2], flags, sizeof flags))
		huge_seen = strstr(flags, " hg") != NULL;
	else
		CHECK(!"the last block is in no mapping");
	/* hg: VM_HUGEPAGE, set by madvise(MADV_HUGEPAGE) on a kernel with
	 * transparent huge pages (whatever its policy; without them the
	 * advice fails and the pool works as before) */
	if (access("/sys/kernel/mm/transparent_hugepage", F_OK) == 0)
		CHECK(huge_seen);
	else
		printf("note: no transparent huge pages here, advice not checked\n");
	dbl_pool_free(pool);
	free(blk);
	free(len);
}

/* Blocks of a small pool lie next to each other in its first chunk. */
static void test_small_pool(void)
{
	void *pool = NULL;
	uint8_t *a = dbl_pool_alloc(&pool, 10), *b = dbl_pool_alloc(&pool, 10);

	CHECK(a && b && b == a + 10);
	dbl_pool_free(pool);
}

TEST_MAIN(test_blocks_kept, test_small_pool)
