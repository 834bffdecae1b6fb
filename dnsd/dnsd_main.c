/* dnsd_main.c - dnsbld: DNSBL server answering from LMDB generations.
 *
 * main() only wires the pieces: command line (dnsd_cli), server (dnsd_server)
 * with its worker threads, UDP/TCP front ends and data watcher, and the
 * main libuv loop. See dnsd_cli.c for the user documentation.
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
	static struct dnsd_server srv; /* zeroed; lives until exit */
	uv_loop_t loop;
	int rc, started;

	rc = dnsd_cli_parse(&opts, argc, argv);
	if (rc == DNSD_CLI_EXIT)
		return 0;
	if (rc != DNSD_CLI_RUN)
		return 2;
	dbl_log_init("dnsbld", opts.log_level);

	rc = uv_loop_init(&loop);
	if (rc) {
		dbl_log(DBL_LOG_ERR, "cannot create the event loop: %s", uv_strerror(rc));
		return 1;
	}
	started = dnsd_server_start(&srv, &loop, &opts) == 0;
	if (!started) {
		/* Logged. Stop what was started (threads included) and close
		 * whatever else was opened (uv_walk visits only initialised
		 * handles), so the exit is clean under LeakSanitizer. */
		dnsd_server_stop(&srv, NULL);
		uv_walk(&loop, close_handle, NULL);
	}
	uv_run(&loop, UV_RUN_DEFAULT);
	/* uv_run returns once dnsd_server_stop() closed every handle of the
	 * main loop and their close callbacks ran (TCP connection memory is
	 * freed there); the worker threads end on their own loops. */
	dnsd_server_finish(&srv, started);
	rc = uv_loop_close(&loop);
	if (rc)
		dbl_log(DBL_LOG_WARNING, "event loop not empty at exit: %s", uv_strerror(rc));
	return started ? 0 : 1;
}
