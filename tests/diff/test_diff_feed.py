"""Differential test on feed-shaped data: the real rbldnsd and our dnsbld
serve the benchmark's synthetic Spamhaus-shaped files (bench/gen_feed.py:
SBL CIDRs with per-entry TXT and exclusions, XBL single addresses, PBL
ranges in mixed syntax with two codes, DBL names in exact, wildcard and
dot forms, IPv6 /64s), and every name of a dnsbl-bench query list
(--from-zones, the lists the benchmarks send) is asked as A, TXT and ANY.

gen_data.py (test_diff.py) draws small zones that reach every corner of the
formats; this test takes the overlaps of real feeds at their real density
instead (XBL addresses inside PBL ranges inside SBL blocks, many value
sets), the data that every figure in bench/RESULTS.md was measured on. The
replies must agree in rcode, the AA and TC flags, and the answer and
authority sections (owner, type, TTL, data; order ignored).

Environment as test_diff.py (RBLDNSD, DNSBLD, DNSBL_LOAD) plus DNSBL_BENCH
and GEN_FEED (bench/gen_feed.py); FEED_SCALE (default 0.05), FEED_SEED
(default 7), FEED_NAMES (default 20000). By hand:
  DNSBLD=build/dnsd/dnsbld DNSBL_LOAD=build/loader/dnsbl-load \\
  DNSBL_BENCH=build/bench/dnsbl-bench GEN_FEED=bench/gen_feed.py \\
      /usr/bin/python3 -m pytest -q tests/diff/test_diff_feed.py
"""

import collections
import os
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dnsio  # noqa: E402
import test_diff  # noqa: E402
import wire  # noqa: E402

NOERROR, NXDOMAIN = 0, 3
QTYPES = (1, 16, 255)  # A, TXT, ANY: what MTAs and their tools ask
SHOW = 10  # differences printed in a failure


def section(rrs):
    return sorted((r.owner.lower(), r.type, r.ttl, r.rdtext) for r in rrs)


def canon(raw):
    """What must agree between the two servers' replies, or None."""
    if raw is None:
        return None
    m = wire.Message(raw)
    return (m.rcode, m.flag(wire.AA), m.flag(wire.TC), section(m.answer), section(m.authority))


def generate(workdir, scale, seed, names):
    """Feed files and a query list in workdir/feed; returns (feed dir,
    zone specs, query names)."""
    feed = os.path.join(workdir, "feed")
    subprocess.run([sys.executable, test_diff.program("GEN_FEED"), "--scale", str(scale),
                    "--seed", str(seed), "--out", feed], check=True, stdout=subprocess.DEVNULL,
                   timeout=300)
    os.chmod(feed, 0o755)  # rbldnsd runs as nobody
    for f in os.listdir(feed):
        os.chmod(os.path.join(feed, f), 0o644)
    with open(os.path.join(feed, "zones.conf")) as f:
        specs = [ln.strip() for ln in f if ln.strip() and not ln.startswith("#")]
    qfile = os.path.join(workdir, "queries.txt")
    subprocess.run([test_diff.program("DNSBL_BENCH"), "--from-zones",
                    "@" + os.path.join(feed, "zones.conf"), "--listed-share", "0.3", "--count",
                    str(names), "--seed", str(seed), "--write-queries", qfile], check=True,
                   stdout=subprocess.DEVNULL, timeout=300)
    with open(qfile) as f:
        qnames = [ln.split()[0] for ln in f if ln.strip()]
    return feed, specs, qnames


def test_feed_shaped_data():
    rbldnsd = test_diff.program("RBLDNSD", "/usr/sbin/rbldnsd")
    # absolute: the loader runs in the feed directory
    dnsbld, loader = (os.path.abspath(test_diff.program(v)) for v in ("DNSBLD", "DNSBL_LOAD"))
    scale = float(os.environ.get("FEED_SCALE", "0.05"))
    seed = int(os.environ.get("FEED_SEED", "7"))
    names = int(os.environ.get("FEED_NAMES", "20000"))
    workdir = test_diff._workdir()
    try:
        feed, specs, qnames = generate(workdir, scale, seed, names)
        qs = [(n, t) for n in qnames for t in QTYPES]
        packets = [wire.build_query(n + ".", t) for n, t in qs]
        with dnsio.Servers(workdir, seed) as srv:
            ref = srv.start_rbldnsd(rbldnsd, feed, specs)
            db = os.path.join(workdir, "db")
            srv.load_dnsbl(loader, feed, db, specs)
            ours = srv.start_dnsbld(dnsbld, db)
            ref_ans = dnsio.exchange(ref.port, packets, time_limit=300)
            our_ans = dnsio.exchange(ours.port, packets, time_limit=300)
        rcodes = collections.Counter()
        diffs = []
        for (name, qtype), r, o in zip(qs, ref_ans, our_ans):
            a, b = canon(r), canon(o)
            rcodes[a[0] if a else None] += 1
            if a is None or a != b:
                diffs.append(f"{name} type {qtype}:\n  rbldnsd {a}\n  dnsbld  {b}")
        summary = (f"feed scale {scale} seed {seed}: {len(qs)} queries ({len(qnames)} names x "
                   f"A/TXT/ANY), rbldnsd rcodes {dict(rcodes)}, {len(diffs)} differences")
        print(summary)
        assert not diffs, summary + "\n" + "\n".join(diffs[:SHOW])
        # The list must reach listed data, else agreement means little:
        # dnsbl-bench draws 30 % listed keys.
        assert rcodes[NOERROR] >= 0.2 * len(qs) and rcodes[NXDOMAIN] >= 0.2 * len(qs), summary
    finally:
        if not os.environ.get("DIFF_KEEP"):
            shutil.rmtree(workdir, ignore_errors=True)
