#!/usr/bin/python3
"""compare_dnsperf.py - dnsbl-bench vs dnsperf against udp-echo, closed loop, one core each.

    compare_dnsperf.py --bench build/bench/dnsbl-bench --echo build/bench/udp-echo \\
        [--seconds 10] [--outstanding 100 ...] [--repeat 1] [--queries FILE]

udp-echo runs pinned (taskset) to --echo-cpu, each load tool in turn to
--tool-cpu, both with the same query file and the same number of
outstanding queries. For every run it prints the answer rate, the load
tool's CPU time per answered query (what "load per core" means) and how
busy the echo server was; a row per run in Markdown. Before each run it
waits (up to 5 minutes) for the machine to be idle, because a shared
machine otherwise measures its neighbours.

Needs dnsperf (apt-get install dnsperf), taskset and 2 CPUs. Loopback only;
the echo server is killed on exit.
"""

import argparse
import json
import os
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time

TICK = os.sysconf("SC_CLK_TCK")


def cpu_busy(interval=1.0):
    """Fraction of all CPUs busy over interval, from /proc/stat."""
    def snap():
        with open("/proc/stat") as f:
            v = [int(x) for x in f.readline().split()[1:]]
        return sum(v), v[3] + v[4]  # total, idle + iowait
    t0, i0 = snap()
    time.sleep(interval)
    t1, i1 = snap()
    return 1.0 - (i1 - i0) / max(t1 - t0, 1)


def wait_idle(limit=0.10, patience=300):
    deadline = time.monotonic() + patience
    while True:
        busy = cpu_busy()
        if busy <= limit or time.monotonic() > deadline:
            return busy
        print("  (machine %.0f%% busy, waiting)" % (busy * 100), file=sys.stderr)
        time.sleep(4)


def proc_cpu(pid):
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK  # utime + stime


def children_cpu():
    r = resource.getrusage(resource.RUSAGE_CHILDREN)
    return r.ru_utime + r.ru_stime


def run_tool(argv, timeout):
    c0, t0 = children_cpu(), time.monotonic()
    r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout)
    return r, children_cpu() - c0, time.monotonic() - t0


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--bench", required=True)
    ap.add_argument("--echo", required=True)
    ap.add_argument("--seconds", type=float, default=10)
    ap.add_argument("--outstanding", type=int, nargs="+", default=[100])
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--queries", help="dnsperf-format file (default: 100k synthetic)")
    ap.add_argument("--tool-cpu", type=int, default=0)
    ap.add_argument("--echo-cpu", type=int, default=1)
    args = ap.parse_args()
    for tool in ("dnsperf", "taskset"):
        if not shutil.which(tool):
            sys.exit("%s not found (apt-get install -y %s)" % (
                tool, "dnsperf" if tool == "dnsperf" else "util-linux"))

    tmp = tempfile.mkdtemp(prefix="compare-dnsperf-")
    queries = args.queries or os.path.join(tmp, "queries.txt")
    if not args.queries:
        subprocess.run([args.bench, "--count", "100000", "--write-queries", queries],
                       check=True, timeout=60)
    echo = subprocess.Popen(["taskset", "-c", str(args.echo_cpu), args.echo, "--listen",
                             "127.0.0.1:0", "--lifetime", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        line = echo.stdout.readline()
        m = re.search(r"listening on (127\.0\.0\.1:\d+)", line)
        if not m:
            sys.exit("udp-echo did not start: %r" % line)
        server = m.group(1)
        port = server.split(":")[1]
        print("| tool | outstanding | qps | lost | tool CPU s | tool CPU us/query "
              "| echo CPU | idle before |")
        print("|---|---:|---:|---:|---:|---:|---:|---:|")
        for n in args.outstanding:
            for rep in range(args.repeat):
                order = ["dnsbl-bench", "dnsperf"]
                if rep % 2:
                    order.reverse()
                for tool in order:
                    busy = wait_idle()
                    e0 = proc_cpu(echo.pid)
                    if tool == "dnsbl-bench":
                        argv = ["taskset", "-c", str(args.tool_cpu), args.bench, "--server",
                                server, "--queries", queries, "--outstanding", str(n),
                                "--duration", str(args.seconds), "--json"]
                        r, cpu, wall = run_tool(argv, args.seconds + 30)
                        j = json.loads(r.stdout)
                        qps, lost, answered = j["qps"], j["lost"], j["answered"]
                    else:
                        argv = ["taskset", "-c", str(args.tool_cpu), "dnsperf", "-s",
                                "127.0.0.1", "-p", port, "-d", queries, "-l",
                                str(args.seconds), "-q", str(n)]
                        r, cpu, wall = run_tool(argv, args.seconds + 30)
                        qps = float(re.search(r"Queries per second:\s+([\d.]+)",
                                              r.stdout).group(1))
                        answered = int(re.search(r"Queries completed:\s+(\d+)",
                                                 r.stdout).group(1))
                        lost = int(re.search(r"Queries lost:\s+(\d+)", r.stdout).group(1))
                    echo_cpu = (proc_cpu(echo.pid) - e0) / wall
                    print("| %s | %d | %.0f | %d | %.2f | %.2f | %.0f%% | %.0f%% |" % (
                        tool, n, qps, lost, cpu, cpu * 1e6 / max(answered, 1),
                        echo_cpu * 100, (1 - busy) * 100), flush=True)
    finally:
        echo.terminate()
        try:
            echo.wait(5)
        except subprocess.TimeoutExpired:
            echo.kill()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
