#!/usr/bin/python3
"""compare.py - dnsbld vs rbldnsd vs the udp-echo floor on the same data (issue 4, targets 1-6).

    bench/compare.py [--scale S] [--scale10] [--repeat N] [--seconds T] [--quick]
                     [--build DIR] [--work DIR] [--results DIR]

One run does, on loopback only:
  1. generates scale-S feed files with gen_feed.py (kept in --work and reused)
     and a 100k-query list from them with dnsbl-bench --write-queries
     (30 % listed keys, 20 % domains, 5 % IPv6, 5 % TXT, seed 1);
  2. loads them with dnsbl-load (wall time, database file size) and measures
     rbldnsd's own load of the same files: the time from its start until it
     answers a SOA query, and its VmRSS after that (repeated --repeat times);
  3. starts udp-echo (the I/O floor), dnsbld --threads 1 and rbldnsd, each
     pinned to CPU 1 (taskset), and drives them from CPU 0:
       T1  CPU per answered query at 50,000 qps: dnsperf -Q 50000, server CPU
           time (utime + stime) from /proc/PID/stat before and after;
       T2  capacity: dnsbl-bench closed loop, the outstanding count stepped
           up; the best answer rate with under 0.1 % loss;
       T3  latency at 50,000 qps: dnsbl-bench --rate 50000 (p50/p99/p99.9),
           and a latency-vs-load sweep for the plot;
       T4  dnsbl-bench vs dnsperf answer rate, closed loop, 100 outstanding,
           against the same server (dnsbld, and udp-echo for reference);
       T5  load time and database size against rbldnsd (from step 2);
       T6  with --scale10: the same data at scale 10, its load time against
           scale S (scale-S and scale-10 loads alternate, --repeat pairs, the
           ratio taken per pair; reference rows give the same ratio for each
           phase of dnsbl-load's published line, for the intervals, names and
           value sets it wrote, and for rbldnsd's own loads of both scales,
           paired the same way), and CPU per query at 50,000 qps against
           scale S.
Key measurements are repeated --repeat times (default 3) with the server
order rotated; the table reports the median and the range, and every ratio
is taken within one repetition (same machine state) before the median.

Writes RESULTS_DIR/results.md (tables, commands, machine), results.json (raw
runs), latency.png (latency vs load) and the servers' logs. Installs dnsperf,
rbldnsd and python3-matplotlib with apt-get when missing (as root). Every
process started here is stopped on exit, also on Ctrl-C; every run is bounded
by --seconds and a timeout.
"""

import argparse
import datetime
import importlib.util
import json
import os
import re
import shutil
import signal
import socket
import statistics
import struct
import subprocess
import sys
import time

from compare_report import LOAD_PHASES, plot, report

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
TICK = os.sysconf("SC_CLK_TCK")
RATE_T1 = 50000  # the fixed load for targets 1 and 3
LOSS_MAX = 0.001  # target 2: "under 0.1 % loss"
CAP_STEPS = [8, 16, 32, 64, 128, 256, 512]  # outstanding queries, target 2
SWEEP = [10000, 25000, 50000, 75000, 100000, 125000, 150000, 200000]  # qps, plot

PROCS = []  # every process we started: stopped in cleanup()
COMMANDS = []  # the exact commands, for results.md


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ---- processes ----

def spawn(argv, logpath=None, cwd=None, env=None):
    """Start a long-running process; remembered for cleanup()."""
    out = open(logpath, "w") if logpath else subprocess.DEVNULL
    p = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                         cwd=cwd, env=env, start_new_session=True)
    PROCS.append(p)
    return p


def stop(p, timeout=5):
    """SIGTERM, then SIGKILL: only the process (group) we started."""
    if p.poll() is None:
        try:
            os.killpg(p.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass
        try:
            p.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, signal.SIGKILL)
            p.wait(timeout)
    if p in PROCS:
        PROCS.remove(p)


def cleanup(*_):
    for p in list(PROCS):
        try:
            stop(p)
        except Exception:  # keep stopping the others
            pass


def on_signal(signum, frame):
    cleanup()
    sys.exit(128 + signum)


def run(argv, timeout, cwd=None, record=True):
    if record:
        COMMANDS.append(" ".join(argv))
    return subprocess.run(argv, capture_output=True, text=True, timeout=timeout, cwd=cwd)


def proc_ticks(pid):
    """(utime, stime) of every thread of pid, in clock ticks (TICK a second)."""
    with open(f"/proc/{pid}/stat") as f:
        x = f.read().rsplit(")", 1)[1].split()
    return int(x[11]), int(x[12])


def proc_cpu(pid):
    """utime + stime of every thread of pid, in seconds."""
    return sum(proc_ticks(pid)) / TICK


def vmrss_kb(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def cpu_ticks():
    """The all-CPU tick counters so far: /proc/stat's first line (user, nice,
    system, idle, iowait, irq, softirq, steal, ...)."""
    with open("/proc/stat") as f:
        return [int(x) for x in f.readline().split()[1:]]


def tick_share(t0, t1, cols):
    """Share of all ticks between two cpu_ticks() readings spent in cols."""
    part = sum(t1[c] - t0[c] for c in cols if c < len(t1))
    return part / max(sum(t1) - sum(t0), 1)


def cpu_busy(interval=1.0):
    """Share of all CPUs busy over interval: not idle (3), not iowait (4)."""
    t0 = cpu_ticks()
    time.sleep(interval)
    return 1.0 - tick_share(t0, cpu_ticks(), (3, 4))


def steal_share(t0):
    """Share of all CPU time the hypervisor stole (column 7) since
    t0 = cpu_ticks().
    Steal is time a virtual CPU wanted to run and the host ran something
    else: it stalls servers and load tools alike. Much steal means a long
    latency tail (T3: 10 s runs with 2 % steal had p99 2.4-2.9 ms at echo
    and dnsbld alike, against 0.11-0.16 ms without); little steal does not
    mean a short one (the guest's own scheduling, e.g. ksoftirqd taking
    over the loopback's packet work, also reaches milliseconds)."""
    return tick_share(t0, cpu_ticks(), (7,))


def wait_idle(limit, patience):
    """Wait up to patience s for the machine to be at most limit busy;
    returns the last busy share (recorded with each run)."""
    deadline = time.monotonic() + patience
    while True:
        busy = cpu_busy()
        if busy <= limit or time.monotonic() > deadline:
            return busy
        log("  (machine %.0f%% busy, waiting)" % (busy * 100))
        time.sleep(2)


# ---- DNS probe ----

def soa_query(zone):
    qid = int.from_bytes(os.urandom(2), "big")
    name = b"".join(bytes([len(l)]) + l.encode() for l in zone.split(".")) + b"\0"
    return qid, struct.pack("!HHHHHH", qid, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", 6, 1)


def answers(port, zone, timeout=0.2):
    """True when the server on 127.0.0.1:port answers SOA zone NOERROR."""
    qid, q = soa_query(zone)
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        try:
            s.sendto(q, ("127.0.0.1", port))
            r = s.recv(4096)
        except OSError:
            return False
    return len(r) >= 12 and r[:2] == q[:2] and (r[3] & 0xF) == 0


def wait_answer(p, port, zone, limit, wait=0.2):
    """Seconds until p answers SOA zone NOERROR on port (each query waited
    for up to `wait` s, then 20 ms between queries)."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < limit:
        if p.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {p.returncode}")
        if answers(port, zone, wait):
            return time.monotonic() - t0
        time.sleep(0.02)
    raise SystemExit(f"server on port {port} did not answer within {limit} s")


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as u, \
            socket.socket(socket.AF_INET, socket.SOCK_STREAM) as t:
        u.bind(("127.0.0.1", 0))
        port = u.getsockname()[1]
        t.bind(("127.0.0.1", port))  # dnsbld wants TCP on the same port
        return port


# ---- set-up ----

def need_tools():
    missing = [pkg for tool, pkg in (("dnsperf", "dnsperf"), ("rbldnsd", "rbldnsd"),
                                     ("taskset", "util-linux"))
               if not shutil.which(tool) and not os.path.exists("/usr/sbin/" + tool)]
    if importlib.util.find_spec("matplotlib") is None:  # found, not imported: plot() does
        missing.append("python3-matplotlib")
    if missing:
        if os.geteuid() != 0:
            raise SystemExit("missing: %s (apt-get install -y %s)" % (missing, " ".join(missing)))
        log("installing", " ".join(missing))
        subprocess.run(["apt-get", "install", "-y", "--no-install-recommends"] + missing,
                       check=True, timeout=900, env=dict(os.environ, DEBIAN_FRONTEND="noninteractive"))


def build(bdir):
    targets = ["dnsd/dnsbld", "loader/dnsbl-load", "bench/dnsbl-bench", "bench/udp-echo"]
    if not os.path.exists(os.path.join(bdir, "build.ninja")):
        run(["meson", "setup", bdir, ROOT], 600)
    r = run(["ninja", "-C", bdir] + targets, 1200)
    if r.returncode:
        raise SystemExit("build failed:\n" + r.stdout + r.stderr)
    return {t.split("/")[1]: os.path.join(bdir, t) for t in targets}


def gen_data(work, scale):
    feed = os.path.join(work, f"feed-{scale:g}")
    stamp = os.path.join(feed, ".complete")
    if not os.path.exists(stamp):
        shutil.rmtree(feed, ignore_errors=True)
        log(f"generating scale {scale:g} data in {feed}")
        r = run([sys.executable, os.path.join(HERE, "gen_feed.py"), "--scale", f"{scale:g}",
                 "--seed", "1", "--out", feed], 7200)
        if r.returncode:
            raise SystemExit("gen_feed.py failed:\n" + r.stderr)
        open(stamp, "w").close()
    cache_feed(feed)
    with open(os.path.join(feed, "zones.conf")) as f:
        specs = [w for line in f for w in line.split("#")[0].split()]
    return feed, specs


def cache_feed(feed):
    """Read every file of feed once, so that no load below times the disk:
    run 18's first scale-10 load spent 10.8 s of 18.6 s parsing, its 512 MB
    of feed read from disk, against 2.6-3.3 s for the loads after it. T5's
    first dnsbl-load would pay the same for rbldnsd's later loads."""
    n = 0
    for root, _, files in os.walk(feed):
        for name in files:
            with open(os.path.join(root, name), "rb") as f:
                while chunk := f.read(1 << 20):
                    n += len(chunk)
    log(f"read {feed} ({n / 1e6:.0f} MB) into the page cache")


def make_queries(bins, feed, path):
    if not os.path.exists(path):
        r = run([bins["dnsbl-bench"], "--from-zones", "@" + os.path.join(feed, "zones.conf"),
                 "--listed-share", "0.3", "--count", "100000", "--seed", "1",
                 "--write-queries", path], 600)
        if r.returncode:
            raise SystemExit("dnsbl-bench --write-queries failed:\n" + r.stderr)
    return path


# What dnsbl-load's published line says it wrote ("... entries -> 2615382
# IPv4 + 50233 IPv6 intervals, 500002 names, 53308 value sets, ...").
LOAD_OUTPUT = re.compile(r"-> (\d+) IPv4 \+ (\d+) IPv6 intervals, (\d+) names, (\d+) value sets")


def load_dnsbld(bins, feed, specs, db, cpu):
    """Load specs into db: wall seconds, file size, the loader's own phase
    seconds ({} from a loader that does not report them) and what it wrote
    ({"intervals", "names", "vsets"}, or {})."""
    shutil.rmtree(db, ignore_errors=True)
    t0 = time.monotonic()
    r = run(["taskset", "-c", cpu, bins["dnsbl-load"], "--db", db] + specs, 7200, cwd=feed)
    wall = time.monotonic() - t0
    if r.returncode:
        raise SystemExit("dnsbl-load failed:\n" + r.stdout + r.stderr)
    gen = os.path.realpath(os.path.join(db, "current"))
    phases = {}
    for name in LOAD_PHASES:
        m = re.search(r"[;,] %s ([\d.]+) s," % name, r.stderr)
        if m:
            phases[name] = float(m.group(1))
    m = LOAD_OUTPUT.search(r.stderr)
    out = {"intervals": int(m.group(1)) + int(m.group(2)), "names": int(m.group(3)),
           "vsets": int(m.group(4))} if m else {}
    return wall, os.path.getsize(gen), phases, out


def start_rbldnsd(feed, specs, port, cpu, logpath):
    argv = ["taskset", "-c", cpu, shutil.which("rbldnsd") or "/usr/sbin/rbldnsd", "-n", "-a",
            "-u", "nobody", "-b", f"127.0.0.1/{port}", "-w", feed] + specs
    COMMANDS.append(" ".join(argv))
    t0 = time.monotonic()
    p = spawn(argv, logpath)
    wait_answer(p, port, "zen.bench", 1800)
    return p, time.monotonic() - t0


def start_dnsbld(bins, db, port, cpu, logpath, threads=1, exe=None):
    argv = ["taskset", "-c", cpu, exe or bins["dnsbld"], "--db", db, "--listen",
            f"127.0.0.1:{port}"] + (["--threads", str(threads)] if threads else [])
    if os.geteuid() == 0:
        argv += ["--user", "root"]  # dnsbld refuses root without --user
    COMMANDS.append(" ".join(argv))
    p = spawn(argv, logpath)
    wait_answer(p, port, "zen.bench", 600)
    return p


def start_echo(bins, port, cpu, logpath):
    argv = ["taskset", "-c", cpu, bins["udp-echo"], "--listen", f"127.0.0.1:{port}",
            "--lifetime", "86400"]
    COMMANDS.append(" ".join(argv))
    p = spawn(argv, logpath)
    time.sleep(0.3)
    if p.poll() is not None:
        raise SystemExit("udp-echo did not start")
    return p


# ---- load drivers ----

def dnsperf(port, queries, seconds, cpu, rate=None, outstanding=None):
    argv = ["taskset", "-c", cpu, "dnsperf", "-s", "127.0.0.1", "-p", str(port), "-d", queries,
            "-l", str(seconds)]
    if rate:
        argv += ["-Q", str(rate)]
    if outstanding:
        argv += ["-q", str(outstanding)]
    r = run(argv, seconds + 60)

    def num(pat):
        m = re.search(pat, r.stdout)
        return float(m.group(1)) if m else 0.0
    return {"completed": int(num(r"Queries completed:\s+(\d+)")),
            "lost": int(num(r"Queries lost:\s+(\d+)")),
            "sent": int(num(r"Queries sent:\s+(\d+)")),
            "qps": num(r"Queries per second:\s+([\d.]+)"),
            "avg_latency_us": num(r"Average Latency \(s\):\s+([\d.]+)") * 1e6}


def bench(bins, port, queries, seconds, cpu, rate=None, outstanding=None):
    argv = ["taskset", "-c", cpu, bins["dnsbl-bench"], "--server", f"127.0.0.1:{port}",
            "--queries", queries, "--duration", str(seconds), "--json"]
    argv += ["--rate", str(rate)] if rate else ["--outstanding", str(outstanding)]
    r = run(argv, seconds + 60)
    if r.returncode:
        raise SystemExit("dnsbl-bench failed:\n" + r.stderr)
    return json.loads(r.stdout)


# ---- measurements ----

def t1_cpu(servers, queries, args, rep, res, key="t1"):
    """CPU per answered query at RATE_T1 with dnsperf -Q."""
    order = list(servers)[rep % len(servers):] + list(servers)[:rep % len(servers)]
    for name in order:
        p, port = servers[name]
        busy = wait_idle(args.idle, args.patience)
        c0, s0 = proc_cpu(p.pid), cpu_ticks()
        d = dnsperf(port, queries, args.seconds, args.client_cpu, rate=RATE_T1)
        cpu = proc_cpu(p.pid) - c0
        d.update(server=name, rep=rep, cpu_s=cpu, busy_before=busy, steal=steal_share(s0),
                 us_per_query=cpu * 1e6 / d["completed"] if d["completed"] else None)
        res.setdefault(key, []).append(d)
        log(f"  {key} rep {rep} {name}: {d['qps']:.0f} qps, {d['us_per_query'] or 0:.2f} us/query")


def t3_latency(bins, servers, queries, args, rep, res):
    order = list(servers)[rep % len(servers):] + list(servers)[:rep % len(servers)]
    for name in order:
        p, port = servers[name]
        busy = wait_idle(args.idle, args.patience)
        s0 = cpu_ticks()
        j = bench(bins, port, queries, args.seconds, args.client_cpu, rate=RATE_T1)
        steal = steal_share(s0)
        lat = j["latency_us"] or {}
        res.setdefault("t3", []).append({"server": name, "rep": rep, "qps": j["qps"],
                                         "lost": j["lost"], "sent": j["sent"],
                                         "p50": lat.get("p50"), "p99": lat.get("p99"),
                                         "p99_9": lat.get("p99_9"), "busy_before": busy,
                                         "steal": steal})
        log(f"  t3 rep {rep} {name}: p50 {lat.get('p50')} p99 {lat.get('p99')} us, "
            f"lost {j['lost']}, steal {steal:.2%}")


def t2_capacity(bins, servers, queries, args, rep, res):
    for name, (p, port) in servers.items():
        best, steps = None, []
        wait_idle(args.idle, args.patience)
        for n in CAP_STEPS:
            j = bench(bins, port, queries, args.cap_seconds, args.client_cpu, outstanding=n)
            loss = j["lost"] / max(j["sent"], 1)
            steps.append({"outstanding": n, "qps": j["qps"], "loss": loss})
            if loss < LOSS_MAX and (best is None or j["qps"] > best["qps"]):
                best = {"outstanding": n, "qps": j["qps"], "loss": loss}
            if loss >= 0.05:
                break  # well past capacity
        res.setdefault("t2", []).append({"server": name, "rep": rep, "best": best,
                                         "steps": steps})
        log(f"  t2 rep {rep} {name}: {best}")


def t4_tools(bins, servers, queries, args, rep, res):
    for name in ("dnsbld", "echo"):
        p, port = servers[name]
        for tool in (("bench", "dnsperf") if rep % 2 == 0 else ("dnsperf", "bench")):
            busy = wait_idle(args.idle, args.patience)
            c0, s0 = proc_cpu(p.pid), cpu_ticks()
            if tool == "bench":
                j = bench(bins, port, queries, args.seconds, args.client_cpu, outstanding=100)
                qps, lost = j["qps"], j["lost"]
            else:
                d = dnsperf(port, queries, args.seconds, args.client_cpu, outstanding=100)
                qps, lost = d["qps"], d["lost"]
            srv = (proc_cpu(p.pid) - c0) / args.seconds
            res.setdefault("t4", []).append({"server": name, "tool": tool, "rep": rep,
                                             "qps": qps, "lost": lost, "server_busy": srv,
                                             "busy_before": busy, "steal": steal_share(s0)})
            log(f"  t4 rep {rep} {name} {tool}: {qps:.0f} qps (server {srv:.0%} busy)")


def sweep(bins, servers, queries, args, res):
    for name, (p, port) in servers.items():
        for rate in SWEEP:
            wait_idle(args.idle, args.patience)
            j = bench(bins, port, queries, args.sweep_seconds, args.client_cpu, rate=rate)
            lat = j["latency_us"] or {}
            loss = j["lost"] / max(j["sent"], 1)
            res.setdefault("sweep", []).append({"server": name, "rate": rate, "qps": j["qps"],
                                                "loss": loss, "p50": lat.get("p50"),
                                                "p99": lat.get("p99")})
            log(f"  sweep {name} {rate}: {j['qps']:.0f} qps, p99 {lat.get('p99')} us, "
                f"loss {loss:.2%}")
            if loss > 0.01:
                break  # saturated: higher rates only measure the queue


def machine():
    lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
    model = re.search(r"Model name:\s+(.*)", lscpu)
    with open("/proc/meminfo") as f:
        mem = int(f.readline().split()[1]) // 1024
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip()
    dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                           capture_output=True, text=True).stdout.strip()
    return {"nproc": os.cpu_count(), "model": model.group(1).strip() if model else "?",
            "mem_mib": mem, "kernel": os.uname().release, "commit": commit,
            "dirty": bool(dirty),
            "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")}


# ---- main ----

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=1.0)
    ap.add_argument("--scale10", action="store_true", help="also run target 6 (scale 10)")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=10, help="per T1/T3/T4 run")
    ap.add_argument("--quick", action="store_true", help="1 repetition, short runs (smoke test)")
    ap.add_argument("--build", default=os.path.join(ROOT, "build-perf"))
    ap.add_argument("--work", default="/tmp/dnsbl-compare")
    ap.add_argument("--results", default=None, help="default WORK/results")
    ap.add_argument("--server-cpu", default="1")
    ap.add_argument("--client-cpu", default="0")
    ap.add_argument("--idle", type=float, default=0.15,
                    help="wait for the machine to be at most this busy before a run")
    ap.add_argument("--patience", type=float, default=10, help="seconds to wait for that")
    ap.add_argument("--skip", default="", help="comma list of t1,t2,t3,t4,sweep to skip")
    ap.add_argument("--baseline", help="another dnsbld binary (e.g. an older build) measured "
                    "alongside in T1-T3 as 'baseline' (started without --threads)")
    args = ap.parse_args()
    # The programs run with other working directories (the feed's).
    args.build, args.work = os.path.abspath(args.build), os.path.abspath(args.work)
    if args.baseline:
        args.baseline = os.path.abspath(args.baseline)
    if args.quick:
        args.repeat, args.seconds = 1, 3
    args.cap_seconds = max(2, args.seconds // 2)
    args.sweep_seconds = max(2, args.seconds // 3)
    skip = set(args.skip.split(","))
    if os.cpu_count() < 2:
        args.server_cpu = args.client_cpu = "0"
        log("one CPU only: client and server share it; ratios still compare")
    results = args.results or os.path.join(args.work, "results")
    os.makedirs(results, exist_ok=True)
    os.makedirs(args.work, exist_ok=True)
    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    res = {"machine": machine(), "args": vars(args)}
    try:
        need_tools()
        bins = build(args.build)
        feed, specs = gen_data(args.work, args.scale)
        queries = make_queries(bins, feed, os.path.join(args.work, f"queries-{args.scale:g}.txt"))
        db = os.path.join(args.work, f"db-{args.scale:g}")

        log("T5: load times")
        res["load"] = []
        rbl_port = free_port()
        rbl = None
        for rep in range(args.repeat):
            wait_idle(args.idle, args.patience)
            wall, size, _, _ = load_dnsbld(bins, feed, specs, db, args.server_cpu)
            if rbl:
                stop(rbl)
            wait_idle(args.idle, args.patience)
            rbl, rt = start_rbldnsd(feed, specs, rbl_port, args.server_cpu,
                                    os.path.join(results, "rbldnsd.log"))
            res["load"].append({"rep": rep, "dnsbld_s": wall, "db_bytes": size,
                                "rbldnsd_s": rt, "rbldnsd_rss_kb": vmrss_kb(rbl.pid)})
            log(f"  load rep {rep}: dnsbl-load {wall:.2f} s ({size / 1e6:.1f} MB), "
                f"rbldnsd {rt:.2f} s ({res['load'][-1]['rbldnsd_rss_kb'] / 1024:.0f} MiB RSS)")

        ports = {"echo": free_port(), "dnsbld": free_port()}
        echo = start_echo(bins, ports["echo"], args.server_cpu, os.path.join(results, "echo.log"))
        dnsbld = start_dnsbld(bins, db, ports["dnsbld"], args.server_cpu,
                              os.path.join(results, "dnsbld.log"))
        res["dnsbld_rss_kb"] = vmrss_kb(dnsbld.pid)
        servers = {"echo": (echo, ports["echo"]), "dnsbld": (dnsbld, ports["dnsbld"]),
                   "rbldnsd": (rbl, rbl_port)}
        if args.baseline:
            ports["baseline"] = free_port()
            base = start_dnsbld(bins, db, ports["baseline"], args.server_cpu,
                                os.path.join(results, "baseline.log"), threads=0,
                                exe=args.baseline)
            servers["baseline"] = (base, ports["baseline"])
        for rep in range(args.repeat):
            log(f"repetition {rep + 1}/{args.repeat}")
            if "t1" not in skip:
                t1_cpu(servers, queries, args, rep, res)
            if "t3" not in skip:
                t3_latency(bins, servers, queries, args, rep, res)
            if "t4" not in skip:
                t4_tools(bins, servers, queries, args, rep, res)
            if "t2" not in skip:
                t2_capacity(bins, servers, queries, args, rep, res)
        if "sweep" not in skip:
            log("latency vs load sweep")
            sweep(bins, servers, queries, args, res)
            plot(res, os.path.join(results, "latency.png"), log)
        stop(rbl)

        if args.scale10:
            log("T6: scale 10")
            feed10, specs10 = gen_data(args.work, 10)
            db10 = os.path.join(args.work, "db-10")
            # Pairs of loads, scale S then scale 10, each ratio within its
            # pair (the rule of every other ratio here): T5's scale-S loads
            # ran minutes earlier, and these VMs' speed drifts (run 15:
            # T5's loads took 1.26 s, 0.84-0.89 s in the runs around it).
            # The scale-S database goes to its own folder: dnsbld serves db.
            db1 = os.path.join(args.work, f"db-{args.scale:g}-t6")
            # rbldnsd loads both scales too, paired the same way: the peer's
            # own ratio on this host and data (a reference row).
            walls10, walls1, phases, outs, rbl1, rbl10 = [], [], [], [], [], []
            rbl_port = free_port()
            for rep in range(args.repeat):
                wait_idle(args.idle, args.patience)
                wall1, _, ph1, out1 = load_dnsbld(bins, feed, specs, db1, args.server_cpu)
                wait_idle(args.idle, args.patience)
                wall10, size10, ph10, out10 = load_dnsbld(bins, feed10, specs10, db10,
                                                          args.server_cpu)
                walls1.append(wall1)
                walls10.append(wall10)
                phases.append({"scale": ph1, "scale10": ph10})
                outs.append({"scale": out1, "scale10": out10})
                for f, sp, walls, tag in ((feed, specs, rbl1, ""), (feed10, specs10, rbl10, "10")):
                    wait_idle(args.idle, args.patience)
                    p, rt = start_rbldnsd(f, sp, rbl_port, args.server_cpu,
                                          os.path.join(results, f"rbldnsd-t6{tag}.log"))
                    stop(p)
                    walls.append(rt)
                log(f"  T6 loads rep {rep}: scale {args.scale:g} {wall1:.2f} s, "
                    f"scale 10 {wall10:.1f} s; rbldnsd {rbl1[-1]:.2f} s, {rbl10[-1]:.1f} s")
            shutil.rmtree(db1, ignore_errors=True)
            wall10 = statistics.median(walls10)
            p10 = free_port()
            d10 = start_dnsbld(bins, db10, p10, args.server_cpu,
                               os.path.join(results, "dnsbld10.log"))
            q10 = make_queries(bins, feed10, os.path.join(args.work, "queries-10.txt"))
            res["scale10"] = {"load_s": wall10, "loads_s": walls10, "loads_scale_s": walls1,
                              "load_phases": phases, "load_output": outs,
                              "rbldnsd_loads_s": rbl10, "rbldnsd_loads_scale_s": rbl1,
                              "db_bytes": size10, "t1": []}
            log(f"  scale 10 load {wall10:.1f} s, {size10 / 1e6:.0f} MB")
            # Same run, same query mix drawn from each scale's own data.
            for rep in range(args.repeat):
                for name, (p, port, q) in (("dnsbld", (dnsbld, ports["dnsbld"], queries)),
                                           ("dnsbld10", (d10, p10, q10))):
                    t1_cpu({name: (p, port)}, q, args, rep, res["scale10"], key="t1")
            stop(d10)
    finally:
        cleanup()
        with open(os.path.join(results, "results.json"), "w") as f:
            json.dump(res, f, indent=1)
    report(res, args, os.path.join(results, "results.md"), COMMANDS)
    log("wrote", os.path.join(results, "results.md"))
    print(open(os.path.join(results, "results.md")).read())


if __name__ == "__main__":
    main()
