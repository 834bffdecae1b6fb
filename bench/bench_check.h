/* bench_check.h - tiny unit-test harness for the bench tests (kept apart
 * from tests/check.h so bench/ depends on nothing else in the tree).
 *
 * CHECK(cond) and CHECK_INT(a, b) print "file:line: CHECK failed: ..." and
 * count the failure; BENCH_TEST_MAIN(f1, f2, ...) runs the functions and
 * exits 1 if any check failed. Header-only: every test is one .c file.
 */
#ifndef BENCH_CHECK_H
#define BENCH_CHECK_H

#include <stdio.h>

static int check_failures;
static int check_count;

#define CHECK(cond)                                                                                \
	do {                                                                                       \
		check_count++;                                                                     \
		if (!(cond)) {                                                                     \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);   \
		}                                                                                  \
	} while (0)

#define CHECK_INT(a, b)                                                                            \
	do {                                                                                       \
		long long check_a_ = (long long)(a), check_b_ = (long long)(b);                    \
		check_count++;                                                                     \
		if (check_a_ != check_b_) {                                                        \
			check_failures++;                                                          \
			fprintf(stderr, "%s:%d: CHECK failed: %s == %s (%lld != %lld)\n",          \
			        __FILE__, __LINE__, #a, #b, check_a_, check_b_);                   \
		}                                                                                  \
	} while (0)

#define BENCH_TEST_MAIN(...)                                                                       \
	int main(void)                                                                             \
	{                                                                                          \
		void (*tests_[])(void) = {__VA_ARGS__};                                            \
		for (size_t i_ = 0; i_ < sizeof tests_ / sizeof tests_[0]; i_++)                   \
			tests_[i_]();                                                              \
		printf("%d checks, %d failed\n", check_count, check_failures);                     \
		return check_failures ? 1 : 0;                                                     \
	}

#endif
