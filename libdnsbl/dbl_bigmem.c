/* dbl_bigmem.c - large tables on huge pages (see dbl_bigmem.h). */
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dbl_bigmem.h"

static size_t huge_round(size_t size)
{
	return (size + DBL_BIG_PAGE - 1) & ~(DBL_BIG_PAGE - 1);
}

void *dbl_big_alloc(size_t size)
{
	size_t len = huge_round(size);
	uint8_t *p, *a;

	if (size < DBL_BIG_PAGE)
		return calloc(1, size ? size : 1);
	/* One huge page more than needed, then the unaligned ends cut off. */
	p = mmap(NULL, len + DBL_BIG_PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1,
	         0);
	if (p == MAP_FAILED)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + DBL_BIG_PAGE - 1) & ~(uintptr_t)(DBL_BIG_PAGE - 1));
	if (a > p)
		munmap(p, (size_t)(a - p));
	if (p + len + DBL_BIG_PAGE > a + len)
		munmap(a + len, (size_t)(p + len + DBL_BIG_PAGE - (a + len)));
	madvise(a, len, MADV_HUGEPAGE);
	return a;
}

void dbl_big_free(void *p, size_t size)
{
	if (!p)
		return;
	if (size < DBL_BIG_PAGE)
		free(p);
	else
		munmap(p, huge_round(size));
}

void dbl_big_drop_read(void *base, size_t upto, size_t *done)
{
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	uintptr_t b = (uintptr_t)base;
	uintptr_t from = (b + *done + page - 1) & ~(uintptr_t)(page - 1);
	uintptr_t to = (b + upto) & ~(uintptr_t)(page - 1);

	if (to <= from)
		return;
	/* Advice: if the kernel refuses, the pages stay, nothing else changes. */
	madvise((void *)from, (size_t)(to - from), MADV_DONTNEED);
	*done = (size_t)(to - b);
}
