#!/usr/bin/python3
"""ab_open.py - how long dnsbld takes from its start until it answers, for
A/B comparisons of dnsbld builds in alternating runs (bench/RESULTS.md,
stop 31).

Usage: ab_open.py [-r ROUNDS] [--cpu N] [--zone ZONE] [--timeout S]
                  --db DIR DNSBLD [DNSBLD ...]

Each round starts every DNSBLD binary in turn, pinned to CPU N (taskset;
default 1) with --threads 1 on a free 127.0.0.1 port, and asks for the SOA
of ZONE (default zen.bench) until it answers NOERROR (each query waited
for 20 ms, the next 20 ms later; until its data is open dnsbld answers
nothing but REFUSED), as compare.py waits for its servers. That is the
time to open the generation DIR/current names: map the file and build the
in-memory indexes, the same work dnsbld does at every generation switch.
The process's user and system time are read at that moment, then it is
stopped. At the end: per binary, the median and range of the seconds and
the medians of user and system time. Each start is given at most S
seconds (default 120). Loopback only.
"""

import argparse
import os
import statistics
import sys
import tempfile

# compare.py's process and readiness helpers: the same free port (UDP and
# TCP), process group, SOA poll every 20 ms and CPU ticks as its T5/T6 runs.
from compare import TICK, free_port, proc_ticks, spawn, stop, wait_answer


def open_once(exe, db, cpu, zone, timeout, logdir):
    """Start exe on db; (seconds until it answered SOA zone, user, system)."""
    port = free_port()
    argv = ["taskset", "-c", str(cpu), exe, "--db", db, "--listen", f"127.0.0.1:{port}",
            "--threads", "1"]
    if os.geteuid() == 0:
        argv += ["--user", "root"]  # dnsbld refuses root without --user
    logpath = os.path.join(logdir, "dnsbld.log")
    p = spawn(argv, logpath)
    try:
        try:
            # 20 ms a query, not compare.py's 200: a query sent before
            # dnsbld has bound its socket is lost, and its wait would be
            # the whole start-up at scale 1 (0.08 s).
            secs = wait_answer(p, port, zone, timeout, wait=0.02)
        except SystemExit as e:
            with open(logpath) as f:
                raise SystemExit(f"ab_open: {exe}: {e}: {f.read().strip()}")
        user, system = (t / TICK for t in proc_ticks(p.pid))
        return secs, user, system
    finally:
        stop(p)


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[2],  # the paragraph after the usage
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: ab_open.py -r 5 --db /tmp/perf/cmp/db-10 old/dnsbld new/dnsbld")
    ap.add_argument("-r", "--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--cpu", type=int, default=1, help="CPU to pin dnsbld to (default 1)")
    ap.add_argument("--zone", default="zen.bench",
                    help="a zone of the data, asked for its SOA (default zen.bench)")
    ap.add_argument("--timeout", type=float, default=120,
                    help="seconds one start may take (default 120)")
    ap.add_argument("--db", required=True, help="database folder written by dnsbl-load")
    ap.add_argument("dnsbld", nargs="+", help="dnsbld binaries to compare")
    args = ap.parse_args()
    if args.rounds < 1 or args.timeout <= 0:
        ap.error("--rounds must be at least 1 and --timeout positive")
    if not os.path.exists(os.path.join(args.db, "current")):
        ap.error(f"{args.db}/current does not exist: not a database folder of dnsbl-load")
    # A binary named twice (a baseline against itself) is two columns.
    labels = [b if args.dnsbld.count(b) == 1 else f"{b}#{i + 1}"
              for i, b in enumerate(args.dnsbld)]
    res = [[] for _ in args.dnsbld]
    with tempfile.TemporaryDirectory(prefix="ab_open-") as logdir:
        for r in range(args.rounds):
            for i, b in enumerate(args.dnsbld):
                secs, user, system = open_once(b, args.db, args.cpu, args.zone, args.timeout,
                                               logdir)
                res[i].append((secs, user, system))
                print(f"round {r + 1} {labels[i]}: {secs:.3f} s (user {user:.2f} s, "
                      f"system {system:.2f} s)", flush=True)
    for label, rows in zip(labels, res):
        s = [x[0] for x in rows]
        print(f"{label}: median {statistics.median(s):.3f} s ({min(s):.3f}-{max(s):.3f}), "
              f"user {statistics.median(x[1] for x in rows):.2f} s, "
              f"system {statistics.median(x[2] for x in rows):.2f} s")


if __name__ == "__main__":
    sys.exit(main())
