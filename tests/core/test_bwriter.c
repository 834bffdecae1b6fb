/* test_bwriter.c - the generation-file writer (dbl_bwriter.h): the file
 * holds exactly the pages written (no sparse map-sized tail, every byte
 * allocated), the records read back in order across the writer's own
 * transaction commits, and a write the kernel refuses (RLIMIT_FSIZE, as a
 * full disk would) is an error returned to the caller, not a signal. */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "dbl_bwriter.h"
#include "dbl_err.h"

static char tmpdir[] = "/tmp/dbl-test-bwriter-XXXXXX";

/* More than one transaction: the writer commits every DBL_BUILD_TXN_PUTS. */
#define NREC (DBL_BUILD_TXN_PUTS + 1000u)

static void key_of(uint32_t i, uint8_t key[8])
{
	memset(key, 0, 4);
	key[4] = (uint8_t)(i >> 24);
	key[5] = (uint8_t)(i >> 16);
	key[6] = (uint8_t)(i >> 8);
	key[7] = (uint8_t)i;
}

static void test_dense_file(void)
{
	struct dbl_bwriter w = {0};
	char path[PATH_MAX];
	uint8_t key[8], val[8] = {1, 2, 3, 4, 5, 6, 7, 8};
	size_t bytes = 0, n = 0;
	struct stat sb;
	MDB_env *env;
	MDB_txn *txn;
	MDB_cursor *c;
	MDB_dbi dbi;
	MDB_val k, v;
	bool in_order = true;
	int rc;

	snprintf(path, sizeof path, "%s/gen.mdb", tmpdir);
	CHECK_INT(dbl_bwriter_open(&w, path, 0), 0);
	for (uint32_t i = 0; i < NREC; i++) {
		key_of(i, key);
		rc = dbl_bwriter_put(&w, w.ip4, key, 8, val, 8, MDB_APPEND);
		if (rc) {
			CHECK_INT(rc, 0);
			break;
		}
	}
	CHECK_INT(dbl_bwriter_finish(&w, path, &bytes), 0);
	CHECK(stat(path, &sb) == 0);
	CHECK_INT(sb.st_size, bytes);
	/* NREC records of 8 + 8 bytes (+ 8 of node header): a few MB, not
	 * the 64 GiB of address space the map reserves. */
	CHECK(bytes > (size_t)NREC * 16 && bytes < (size_t)NREC * 64);
	/* Written, not a sparse file: the blocks cover the size. */
	CHECK((size_t)sb.st_blocks * 512 >= bytes);

	CHECK_INT(mdb_env_create(&env), 0);
	mdb_env_set_maxdbs(env, 8);
	CHECK_INT(mdb_env_open(env, path, MDB_NOSUBDIR | MDB_RDONLY | MDB_NOLOCK, 0644), 0);
	CHECK_INT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn), 0);
	CHECK_INT(mdb_dbi_open(txn, "ip4", 0, &dbi), 0);
	CHECK_INT(mdb_cursor_open(txn, dbi, &c), 0);
	for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
	     rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), n++) {
		key_of((uint32_t)n, key);
		if (k.mv_size != 8 || memcmp(k.mv_data, key, 8) != 0 || v.mv_size != 8 ||
		    memcmp(v.mv_data, val, 8) != 0)
			in_order = false;
	}
	CHECK_INT(rc, MDB_NOTFOUND);
	CHECK_INT(n, NREC);
	CHECK(in_order);
	mdb_cursor_close(c);
	mdb_txn_abort(txn);
	mdb_env_close(env);
	unlink(path);
}

/* Write nrec records under a file size limit of limit bytes; the first
 * error of open, put or finish. The kernel refuses writes past
 * RLIMIT_FSIZE (a short write, then EFBIG; SIGXFSZ ignored as the
 * loader's tests do): what a full disk does to LMDB's pwritev. */
static int write_limited(uint32_t nrec, rlim_t limit)
{
	struct dbl_bwriter w = {0};
	struct rlimit old, small;
	char path[PATH_MAX];
	uint8_t key[8], val[8] = {0};
	size_t bytes = 0;
	int rc;

	snprintf(path, sizeof path, "%s/full.mdb", tmpdir);
	CHECK(getrlimit(RLIMIT_FSIZE, &old) == 0);
	small = (struct rlimit){limit, old.rlim_max};
	signal(SIGXFSZ, SIG_IGN);
	CHECK(setrlimit(RLIMIT_FSIZE, &small) == 0);
	rc = dbl_bwriter_open(&w, path, 0);
	for (uint32_t i = 0; rc == 0 && i < nrec; i++) {
		key_of(i, key);
		rc = dbl_bwriter_put(&w, w.ip4, key, 8, val, 8, MDB_APPEND);
	}
	if (rc == 0)
		rc = dbl_bwriter_finish(&w, path, &bytes);
	dbl_bwriter_abort(&w);
	CHECK(setrlimit(RLIMIT_FSIZE, &old) == 0);
	signal(SIGXFSZ, SIG_DFL);
	unlink(path);
	return rc;
}

static void test_write_refused(void)
{
	int rc;

	/* Refused in the commit of a put (the first DBL_BUILD_TXN_PUTS
	 * records are several MB) and in finish's commit (1000 records are
	 * a few pages, past 16 KiB with the two meta pages). LMDB reports
	 * a short pwritev as EIO, a refused one as EFBIG. */
	rc = write_limited(NREC, 256 * 1024);
	CHECK(rc == -EIO || rc == -EFBIG);
	printf("note: refused in a put's commit: %s\n", dbl_strerror(rc));
	rc = write_limited(1000, 16 * 1024);
	CHECK(rc == -EIO || rc == -EFBIG);
	printf("note: refused in finish: %s\n", dbl_strerror(rc));
	/* The same writes with room succeed (the limit is what failed them). */
	CHECK_INT(write_limited(1000, 1024 * 1024), 0);
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

TEST_MAIN(test_setup, test_dense_file, test_write_refused, test_cleanup)
