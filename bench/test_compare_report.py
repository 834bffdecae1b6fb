#!/usr/bin/python3
"""test_compare_report.py COMPARE_REPORT - compare.py's results table from made-up rows.

The verdicts of bench/RESULTS.md come from compare_report.report(): each
ratio taken within one repetition, then the median against the issue's
bound. This renders results.json-shaped rows whose answers are known by
hand: a met and a missed target, a skipped one ("not run", not "not
met"), the steal rows (and their absence for older results), and the
commands with their ports replaced.
"""

import argparse
import importlib.util
import os
import sys
import tempfile

from checks import check, status


def load(path):
    spec = importlib.util.spec_from_file_location("compare_report", path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def t1_rows(pairs):
    """T1 rows: per repetition (dnsbld us, echo us), rbldnsd at 2x echo."""
    rows = []
    for rep, (d, e) in enumerate(pairs):
        for name, us in (("echo", e), ("dnsbld", d), ("rbldnsd", 2 * e)):
            rows.append({"server": name, "rep": rep, "us_per_query": us, "qps": 50000,
                         "busy_before": 0.0, "steal": 0.0})
    return rows


def t3_rows(reps):
    """T3 rows: per repetition {server: (p99, steal)}."""
    rows = []
    for rep, d in enumerate(reps):
        for name, (p99, steal) in d.items():
            rows.append({"server": name, "rep": rep, "p99": p99, "p50": 50, "lost": 0,
                         "busy_before": 0.0, "steal": steal})
    return rows


def results(t1, t3, with_steal=True):
    res = {"machine": {"date": "2026-11-24 00:00 UTC", "commit": "abc1234", "dirty": False,
                       "nproc": 2, "model": "test", "mem_mib": 1024, "kernel": "6"},
           "t1": t1, "t3": t3,
           "load": [{"rep": 0, "dnsbld_s": 1.0, "rbldnsd_s": 0.8, "db_bytes": 50_000_000,
                     "rbldnsd_rss_kb": 100_000}]}
    if not with_steal:
        for x in t1 + t3:
            x.pop("steal", None)
    return res


def render(cr, res, commands=()):
    args = argparse.Namespace(scale=1.0, server_cpu="1", client_cpu="0", repeat=3, seconds=10)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "results.md")
        cr.report(res, args, path, list(commands))
        return open(path).read()


def row(md, start):
    """The cells of the table row whose first cell starts with start."""
    for line in md.splitlines():
        if line.startswith("| " + start):
            return [c.strip() for c in line.strip("|").split("|")]
    return None


def main():
    cr = load(sys.argv[1])

    # Ratios are taken within each repetition, then the median: 1.10, 1.20,
    # 1.30 -> 1.20 (not met). The echo medians alone (10) against dnsbld's
    # (12) would give the same here; the next case tells them apart.
    md = render(cr, results(t1_rows([(11, 10), (12, 10), (13, 10)]), []))
    r = row(md, "T1 dnsbld / echo")
    check(r is not None and r[1].startswith("1.200 (1.100-1.300)"), "T1 ratio median and range")
    check(r is not None and r[3] == "**not met**", "T1 1.2 is not met")
    # Per repetition: 10/9, 11/10, 20/19 -> 1.10 median (met); the ratio
    # of medians would be 11/10 as well, but the range shows the pairing.
    md = render(cr, results(t1_rows([(10, 9), (11, 10), (20, 19)]), []))
    r = row(md, "T1 dnsbld / echo")
    check(r is not None and r[1] == "1.100 (1.053-1.111)", "T1 ratios paired by repetition")
    check(r is not None and r[3] == "**met**", "T1 1.10 is met")

    # T2 and T4 had no rows: "not run", never "not met".
    check(row(md, "T2 dnsbld / rbldnsd")[3] == "not run", "T2 skipped reads 'not run'")
    check(row(md, "T4 dnsbl-bench / dnsperf qps against dnsbld")[3] == "not run",
          "T4 skipped reads 'not run'")
    check(row(md, "T3 dnsbld / rbldnsd p99")[3] == "not run", "T3 skipped reads 'not run'")
    # T5: 1.0 s / 0.8 s = 1.25 (met); 50 MB / 102.4 MB = 0.49 (met)
    r = row(md, "T5 load time")
    check(r is not None and r[1].startswith("1.25") and r[3] == "**met**", "T5 load ratio")

    # T3 with steal: repetition 1 had 2 % steal at dnsbld, so the quiet-only
    # ratio uses repetitions 0 and 2 (0.4 and 0.6 -> 0.50), while all three
    # (0.4, 3.0, 0.6) give 0.60 and "not met".
    t3 = t3_rows([{"echo": (100, 0.0), "dnsbld": (200, 0.001), "rbldnsd": (500, 0.0)},
                  {"echo": (900, 0.02), "dnsbld": (3000, 0.02), "rbldnsd": (1000, 0.0)},
                  {"echo": (100, 0.0), "dnsbld": (300, 0.0), "rbldnsd": (500, 0.0)}])
    md = render(cr, results(t1_rows([(11, 10)]), t3),
                ["dnsperf -s 127.0.0.1 -p 40000 -Q 50000", "udp-echo --listen 127.0.0.1:39999"])
    r = row(md, "T3 dnsbld / rbldnsd p99")
    check(r is not None and r[1] == "0.60 (0.40-3.00)" and r[3] == "**not met**",
          "T3 ratio over all repetitions")
    r = row(md, "T3 dnsbld / rbldnsd p99, repetitions where both runs had under")
    check(r is not None and r[0].endswith("(2 of 3)") and r[1] == "0.50 (0.40-0.60)",
          "T3 quiet repetitions only")
    r = row(md, "T3 hypervisor steal")
    check(r is not None and r[1].startswith("0.00 (0.00-2.00) / 0.10 (0.00-2.00)"),
          "T3 steal per server in percent")
    check("- hypervisor steal during each run" in md, "steal header line")
    r = row(md, "T3 dnsbld p99 < 500 us")
    check(r is not None and r[1].startswith("300 (200-3000)") and r[3] == "**met**",
          "T3 p99 median under 500 us")
    check("-p PORT -Q" in md and "127.0.0.1:PORT" in md and "40000" not in md,
          "commands: ports replaced")

    # Results from before steal was recorded: no steal lines at all.
    md = render(cr, results(t1_rows([(11, 10)]), t3_rows([{"dnsbld": (200, 0),
                                                              "rbldnsd": (500, 0)}]),
                            with_steal=False))
    check("steal" not in md, "older results: no steal lines")
    check(row(md, "T3 dnsbld / rbldnsd p99")[1] == "0.40 (0.40-0.40)", "older results: T3")

    # T6: the load ratio per pair (10/1, 12/1, 13/1 -> 12, not met), the
    # loader's output from the first pair with counts (15x intervals), and
    # rbldnsd's own pairs (11/1, 12.5/1.25 -> 10.5, the median of 11 and 10).
    res = results(t1_rows([(11, 10)]), [])
    out = {"scale": {"intervals": 200, "names": 50, "vsets": 10},
           "scale10": {"intervals": 3000, "names": 500, "vsets": 140}}
    res["scale10"] = {"loads_s": [10.0, 12.0, 13.0], "loads_scale_s": [1.0, 1.0, 1.0],
                      "load_phases": [], "load_output": [{"scale": {}, "scale10": {}}, out],
                      "rbldnsd_loads_s": [11.0, 12.5], "rbldnsd_loads_scale_s": [1.0, 1.25],
                      "t1": []}
    md = render(cr, res)
    r = row(md, "T6 load time")
    check(r is not None and r[1] == "12.00 (10.00-13.00)" and r[3] == "**not met**",
          "T6 load ratio per pair")
    r = row(md, "T6 dnsbl-load output")
    check(r is not None and "(3000 / 200; names 10.0x, value sets 14.0x)" in r[0] and
          r[1] == "15.0" and r[2] == "(reference)", "T6 loader output row")
    r = row(md, "T6 rbldnsd's own load")
    check(r is not None and r[1] == "10.50 (10.00-11.00)" and r[2] == "(reference)",
          "T6 rbldnsd's load ratio per pair")
    check(row(md, "T6 CPU/query")[3] == "not run", "T6 CPU without rows reads 'not run'")
    del res["scale10"]["rbldnsd_loads_s"], res["scale10"]["load_output"]
    md = render(cr, res)
    check(row(md, "T6 rbldnsd's own load") is None and row(md, "T6 dnsbl-load output") is None,
          "older results: no T6 reference rows for rbldnsd or the output")

    return status()


if __name__ == "__main__":
    sys.exit(main())
