#!/usr/bin/python3
"""ab_open.py - how long dnsbld takes from its start until it answers, for
A/B comparisons of dnsbld builds in alternating runs (bench/RESULTS.md,
stop 31).

Usage: ab_open.py [-r ROUNDS] [--cpu N] [--name QNAME] [--timeout S]
                  --db DIR DNSBLD [DNSBLD ...]

Each round starts every DNSBLD binary in turn, pinned to CPU N (taskset;
default 1) with --threads 1 on a free 127.0.0.1 port, and sends the A
query QNAME (default 2.0.0.127.zen.bench) every 20 ms until an answer with
records comes back. That is the time to open the generation DIR/current
names: map the file and build the in-memory indexes, the same work dnsbld
does at every generation switch. The process's user and system time are
read at that moment, then it is stopped. At the end: per binary, the
median and range of the seconds and the medians of user and system time.
Each start is given at most S seconds (default 120). Loopback only.
"""

import argparse
import os
import socket
import statistics
import struct
import subprocess
import sys
import time

POLL = 0.02  # seconds between queries while dnsbld is opening its data


def query_packet(qid, name):
    """An A query for name, recursion not desired."""
    q = b"".join(bytes([len(x)]) + x.encode() for x in name.rstrip(".").split(".")) + b"\0"
    return struct.pack(">HHHHHH", qid, 0, 1, 0, 0, 0) + q + struct.pack(">HH", 1, 1)


def answered(resp, sent):
    """True when resp answers one of the first `sent` query ids (1..sent)
    with rcode 0 and at least one record. Any of them counts: queries sent
    while dnsbld was still opening its data wait in its socket and are
    answered first, in order."""
    if len(resp) < 12:
        return False
    rid, flags, _, ancount = struct.unpack(">HHHH", resp[:8])
    return 0 < rid <= sent and bool(flags & 0x8000) and flags & 0xF == 0 and ancount > 0


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid):
    """(user, system) seconds of a live process, from /proc/PID/stat."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    tick = os.sysconf("SC_CLK_TCK")
    return int(fields[11]) / tick, int(fields[12]) / tick


def open_once(exe, db, cpu, name, timeout):
    """Start exe on db; (seconds until it answered name, user, system)."""
    port = free_port()
    argv = ["taskset", "-c", str(cpu), exe, "--db", db, "--listen", f"127.0.0.1:{port}",
            "--threads", "1"]
    if os.geteuid() == 0:
        argv += ["--user", "root"]  # dnsbld refuses root without --user
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.settimeout(POLL)
    t0 = time.monotonic()
    p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        sent, done = 0, False
        while not done:
            if p.poll() is not None:
                err = p.stderr.read().decode(errors="replace").strip()
                raise SystemExit(f"ab_open: {exe} exited ({p.returncode}): {err}")
            if time.monotonic() - t0 > timeout or sent == 0xFFFF:
                raise SystemExit(f"ab_open: {exe} did not answer {name} in {timeout} s")
            sent += 1
            sock.sendto(query_packet(sent, name), ("127.0.0.1", port))
            try:
                while not done:  # every reply waiting, then one poll interval
                    done = answered(sock.recv(4096), sent)
            except socket.timeout:
                pass  # still opening its data
            except ConnectionRefusedError:
                time.sleep(POLL)  # not listening yet
        secs = time.monotonic() - t0
        user, system = cpu_seconds(p.pid)
        return secs, user, system
    finally:
        sock.close()
        p.terminate()
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        p.stderr.close()


def main():
    ap = argparse.ArgumentParser(
        description=__doc__.split("\n\n")[2],  # the paragraph after the usage
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="Example: ab_open.py -r 5 --db /tmp/perf/cmp/db-10 old/dnsbld new/dnsbld")
    ap.add_argument("-r", "--rounds", type=int, default=3, help="rounds (default 3)")
    ap.add_argument("--cpu", type=int, default=1, help="CPU to pin dnsbld to (default 1)")
    ap.add_argument("--name", default="2.0.0.127.zen.bench",
                    help="a listed name to ask for (default 2.0.0.127.zen.bench)")
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
    for r in range(args.rounds):
        for i, b in enumerate(args.dnsbld):
            secs, user, system = open_once(b, args.db, args.cpu, args.name, args.timeout)
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
