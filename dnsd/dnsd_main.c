/* dnsd_main.c - dnsbld: DNSBL server answering from LMDB generations.
 *
 * main() only wires the pieces: command line (dnsd_cli), server context
 * (dnsd_server) with its UDP/TCP front ends and data watcher, one libuv
 * loop. See dnsd_cli.c for the user documentation.
 */
#include <stdlib.h>

#include "dbl_log.h"
#include "dnsd_cli.h"
#include "dnsd_server.h"

static void close_handle(uv_handle_t *h, void *arg)
{
	if (!uv_is_closing(h))
		uv_close(h, NULL);
}

int main(int argc, char **argv)
{
	static struct dnsd_opts opts;
	struct dnsd_server *s;
	uv_loop_t loop;
	int rc;

	rc = dnsd_cli_parse(&opts, argc, argv);
	if (rc == DNSD_CLI_EXIT)
		return 0;
	if (rc != DNSD_CLI_RUN)
		return 2;
	dbl_log_init("dnsbld", opts.log_level);

	/* ~1.2 MiB (per-socket receive buffers, the shared response buffer):
	 * allocated once, zeroed, and never freed before exit. */
	s = calloc(1, sizeof *s);
	if (!s) {
		dbl_log(DBL_LOG_ERR, "out of memory");
		return 1;
	}
	rc = uv_loop_init(&loop);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot create the event loop: %s", uv_strerror(rc));
		return 1;
	}
	if (dnsd_server_start(s, &loop, &opts) != 0) {
		/* Logged. Close whatever was opened (uv_walk visits only
		 * initialised handles) so the exit is clean under LeakSanitizer. */
		uv_walk(&loop, close_handle, NULL);
		uv_run(&loop, UV_RUN_DEFAULT);
		uv_loop_close(&loop);
		if (s->data.db) {
			dbl_rtxn_end(&s->data.txn);
			dbl_db_close(s->data.db);
		}
		free(s);
		return 1;
	}

	uv_run(&loop, UV_RUN_DEFAULT);
	/* uv_run returns once dnsd_server_stop() closed every handle and
	 * their close callbacks ran (TCP connection memory is freed there). */
	rc = uv_loop_close(&loop);
	if (rc)
		dbl_log(DBL_LOG_WARNING, "event loop not empty at exit: %s", uv_strerror(rc));
	dnsd_server_log_stats(s);
	free(s);
	return 0;
}
