/* fuzz_conf.c - libFuzzer target for the configuration file reader
 * (dbl_conf_merge): any bytes as a config file, read through a memfd, with
 * a dnsbld-like option table. Asserts the result is well formed: 0 or -1,
 * and on 0 every option from the file is one "--key[=value]" word with its
 * FILE:LINE, followed by the command line unchanged. include lines may
 * name the file itself: the depth and total-files limits keep that bounded.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "dbl_conf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct option opts[] = {
    {"db", required_argument, NULL, 'd'},   {"listen", required_argument, NULL, 'l'},
    {"ttl", required_argument, NULL, 't'},  {"ns-in-auth", no_argument, NULL, 'a'},
    {"user", required_argument, NULL, 256}, {"pidfile", required_argument, NULL, 257},
    {"zone", required_argument, NULL, 'z'}, {"config", required_argument, NULL, 'c'},
    {"check", no_argument, NULL, 258},      {NULL, 0, NULL, 0},
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int fd = -1, devnull = -1, saved_err = -1;
	static char path[64];
	struct dbl_conf c;
	char *argv[] = {"prog", "--config", path, "--ttl", "5", "spec", NULL};

	if (fd < 0) {
		fd = memfd_create("fuzz-conf", 0);
		if (fd < 0)
			abort();
		snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		saved_err = dup(2);
		if (devnull < 0 || saved_err < 0)
			abort();
	}
	if (ftruncate(fd, 0) != 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
		abort();
	/* The reader's messages are expected output, not findings: silence
	 * fd 2 around the call only (libFuzzer reports through it). */
	dup2(devnull, 2);
	int rc = dbl_conf_merge(&c, "fuzz", DBL_PROG_DNSBLD, opts, "d:l:t:z:c:a", 6, argv);
	dup2(saved_err, 2);
	if (rc != 0 && rc != -1)
		abort();
	if (rc == 0) {
		if (c.argc != (int)c.nfile + 6 || c.argv[c.argc] != NULL)
			abort();
		for (unsigned i = 1; i <= c.nfile; i++)
			if (strncmp(c.argv[i], "--", 2) != 0 || !dbl_conf_where(&c, (int)i))
				abort();
		for (int i = 1; i < 6; i++)
			if (c.argv[c.nfile + (unsigned)i] != argv[i])
				abort();
	}
	dbl_conf_free(&c);
	return 0;
}
