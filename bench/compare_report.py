#!/usr/bin/python3
"""compare_report.py - the results.md table (and latency.png) of a compare.py
run from its results.json rows; also renders the results.json of older runs
(fields added later, such as steal, are optional).

Every ratio is taken within one repetition (same machine state) before the
median; a verdict compares that median with the issue's bound.
"""
import re
import statistics

# The phases of dnsbl-load's published line ("parse 0.26 s, addresses
# 0.33 s, names 0.17 s, write and sync 0.07 s, total 0.83 s").
LOAD_PHASES = ("parse", "addresses", "names", "write and sync")
STEAL_QUIET = 0.005  # a run with less hypervisor steal than this counts as quiet (T3 reference)


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


def spread(xs, fmt="%.2f"):
    xs = [x for x in xs if x is not None]
    if not xs:
        return "n/a"
    return (fmt % statistics.median(xs)) + " (" + (fmt % min(xs)) + "-" + (fmt % max(xs)) + ")"


def per_rep_ratio(rows, key, num, den):
    """Median and range of num/den taken within each repetition."""
    out = []
    for rep in sorted({r["rep"] for r in rows}):
        a = [r[key] for r in rows if r["rep"] == rep and r["server"] == num and r[key]]
        b = [r[key] for r in rows if r["rep"] == rep and r["server"] == den and r[key]]
        if a and b:
            out.append(a[0] / b[0])
    return out


def verdict(xs, ok):
    """The verdict on the median of xs: "not run" when xs has no figure
    (a target skipped with --skip is not a target missed)."""
    m = med(xs)
    if m is None:
        return "not run"
    return "**met**" if ok(m) else "**not met**"


def plot(res, path, log):
    """latency.png: p50 and p99 against answered qps per server (the sweep)."""
    try:
        import matplotlib
    except ImportError:
        # The table matters more than the picture: never lose a run to it.
        log("  no plot: python3-matplotlib is not installed (apt-get install python3-matplotlib)")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(8, 5))
    for name, style in (("echo", ":"), ("dnsbld", "-"), ("rbldnsd", "--"), ("baseline", "-.")):
        pts = [x for x in res.get("sweep", []) if x["server"] == name and x["p99"]]
        if not pts:
            continue
        ax.plot([x["qps"] / 1000 for x in pts], [x["p99"] / 1000 for x in pts], style,
                marker="o", label=f"{name} p99")
        ax.plot([x["qps"] / 1000 for x in pts], [x["p50"] / 1000 for x in pts], style,
                marker=".", alpha=0.5, label=f"{name} p50")
    ax.set_yscale("log")
    ax.set_xlabel("answered queries per second (thousands), open loop")
    ax.set_ylabel("latency (ms)")
    ax.set_title("Latency vs load, one pinned server core (dnsbl-bench --rate)")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)


def report(res, args, path, commands):
    m = res["machine"]
    L = []
    w = L.append
    w(f"# dnsbld vs rbldnsd vs udp-echo, scale {args.scale:g}\n")
    w(f"- date: {m['date']}; commit {m['commit']}{' + uncommitted changes' if m['dirty'] else ''}")
    w(f"- machine: {m['nproc']} CPUs, {m['model']}, {m['mem_mib']} MiB, kernel {m['kernel']}")
    w(f"- servers pinned to CPU {args.server_cpu}, load tools to CPU {args.client_cpu}; "
      f"{args.repeat} repetitions, {args.seconds} s per run; median (min-max)")
    w("- busy share of the machine in the second before each run: "
      + spread([x["busy_before"] for k in ("t1", "t3", "t4") for x in res.get(k, [])],
               "%.2f"))
    # Older results.json files have no steal figures: no line for them.
    steal = [x["steal"] * 100 for k in ("t1", "t3", "t4") for x in res.get(k, []) if "steal" in x]
    if steal:
        w("- hypervisor steal during each run (share of all CPU time, /proc/stat): "
          + spread(steal, "%.2f") + " %")
    w("")
    rows = []
    t1 = res.get("t1", [])
    r_echo = per_rep_ratio(t1, "us_per_query", "dnsbld", "echo")
    r_rbl = per_rep_ratio(t1, "us_per_query", "rbldnsd", "echo")
    r_vs = per_rep_ratio(t1, "us_per_query", "dnsbld", "rbldnsd")
    for s in ("echo", "dnsbld", "rbldnsd"):
        rows.append((f"T1 CPU/answered query at 50k qps, {s}",
                     spread([x["us_per_query"] for x in t1 if x["server"] == s]) + " us",
                     "", ""))
    rows.append(("T1 dnsbld / echo", spread(r_echo, "%.3f"), "<= 1.15",
                 verdict(r_echo, lambda m: m <= 1.15)))
    rows.append(("T1 rbldnsd / echo (reference: 1.55 in the issue)", spread(r_rbl, "%.3f"), "",
                 ""))
    rows.append(("T1 dnsbld / rbldnsd", spread(r_vs, "%.3f"), "", ""))
    if any(x["server"] == "baseline" for x in t1):
        rows.append(("T1 CPU/answered query at 50k qps, baseline (%s)" % args.baseline,
                     spread([x["us_per_query"] for x in t1 if x["server"] == "baseline"]) +
                     " us", "", ""))
        rows.append(("T1 dnsbld / baseline", spread(per_rep_ratio(
            t1, "us_per_query", "dnsbld", "baseline"), "%.3f"), "", ""))
    rows.append(("T1 achieved qps (dnsperf -Q 50000): dnsbld / rbldnsd / echo",
                 " / ".join(spread([x["qps"] for x in t1 if x["server"] == s], "%.0f")
                            for s in ("dnsbld", "rbldnsd", "echo")), "", ""))
    t2 = res.get("t2", [])
    cap = {s: [x["best"]["qps"] if x["best"] else None for x in t2 if x["server"] == s]
           for s in ("echo", "dnsbld", "rbldnsd")}
    cap["baseline"] = [x["best"]["qps"] if x["best"] else None for x in t2
                       if x["server"] == "baseline"]
    for s in ("echo", "dnsbld", "rbldnsd", "baseline"):
        if cap[s]:
            rows.append((f"T2 capacity, {s} (qps, loss < 0.1 %)", spread(cap[s], "%.0f"),
                         "", ""))
    r2 = [a / b for a, b in zip(cap["dnsbld"], cap["rbldnsd"]) if a and b]
    rows.append(("T2 dnsbld / rbldnsd capacity", spread(r2, "%.2f"), ">= 2",
                 verdict(r2, lambda m: m >= 2)))
    t3 = res.get("t3", [])
    p99 = {s: [x["p99"] for x in t3 if x["server"] == s]
           for s in ("echo", "dnsbld", "rbldnsd", "baseline")}
    for s in [s for s in p99 if p99[s]]:
        rows.append((f"T3 p99 latency at 50k qps, {s}", spread(p99[s], "%.0f") + " us",
                     "", ""))
    # Lost queries are not in the percentiles (dnsbl-bench times answers
    # only); a lost query is a client timeout, so show them beside.
    lost3 = {s: [x["lost"] for x in t3 if x["server"] == s and x.get("lost") is not None]
             for s in ("echo", "dnsbld", "rbldnsd")}
    if any(lost3.values()):
        rows.append(("T3 queries lost at 50k qps (of about 500,000; not in the percentiles): "
                     "echo / dnsbld / rbldnsd",
                     " / ".join(spread(lost3[s], "%.0f") for s in lost3), "(reference)", ""))
    r3 = per_rep_ratio(t3, "p99", "dnsbld", "rbldnsd")
    rows.append(("T3 dnsbld p99 < 500 us", spread(p99["dnsbld"], "%.0f") + " us", "< 500",
                 verdict(p99["dnsbld"], lambda m: m < 500)))
    rows.append(("T3 dnsbld / rbldnsd p99", spread(r3, "%.2f"), "<= 0.5",
                 verdict(r3, lambda m: m <= 0.5)))
    if any("steal" in x for x in t3):
        st3 = {s: [x["steal"] * 100 for x in t3 if x["server"] == s and "steal" in x]
               for s in ("echo", "dnsbld", "rbldnsd")}
        rows.append(("T3 hypervisor steal during the run, % of CPU time: echo / dnsbld / rbldnsd",
                     " / ".join(spread(st3[s], "%.2f") for s in st3), "(reference)", ""))
        quiet = [x for x in t3 if x.get("steal", 1) < STEAL_QUIET]
        rq = per_rep_ratio(quiet, "p99", "dnsbld", "rbldnsd")
        rows.append(("T3 dnsbld / rbldnsd p99, repetitions where both runs had under "
                     f"{STEAL_QUIET:.1%} steal ({len(rq)} of {len(r3)})",
                     spread(rq, "%.2f"), "(reference)", ""))
    t4 = res.get("t4", [])
    for s in ("dnsbld", "echo"):
        b = [x["qps"] for x in t4 if x["server"] == s and x["tool"] == "bench"]
        d = [x["qps"] for x in t4 if x["server"] == s and x["tool"] == "dnsperf"]
        r4 = [x / y for x, y in zip(b, d) if y]
        busy = spread([x["server_busy"] * 100 for x in t4 if x["server"] == s], "%.0f")
        rows.append((f"T4 dnsbl-bench / dnsperf qps against {s} (bench {spread(b, '%.0f')}, "
                     f"dnsperf {spread(d, '%.0f')}; server busy {busy} %)",
                     spread(r4, "%.2f"), ">= 1.5" if s == "dnsbld" else "(reference)",
                     verdict(r4, lambda m: m >= 1.5) if s == "dnsbld" else ""))
    ld = res["load"]
    lt = [x["dnsbld_s"] / x["rbldnsd_s"] for x in ld]
    rows.append(("T5 load time: dnsbl-load / rbldnsd (%s s / %s s)" % (
        spread([x["dnsbld_s"] for x in ld]), spread([x["rbldnsd_s"] for x in ld])),
        spread(lt, "%.2f"), "<= 2", verdict(lt, lambda m: m <= 2)))
    size = ld[-1]["db_bytes"]
    rss = [x["rbldnsd_rss_kb"] * 1024 for x in ld]
    rr = [size / r for r in rss]
    rows.append(("T5 database file / rbldnsd VmRSS (%.1f MB / %s MB)" % (
        size / 1e6, spread([r / 1e6 for r in rss], "%.1f")), spread(rr, "%.2f"), "<= 1.5",
        verdict(rr, lambda m: m <= 1.5)))
    if "scale10" in res:
        s10 = res["scale10"]
        if "loads_scale_s" in s10:  # alternating pairs (since run 16)
            walls10, walls1 = s10["loads_s"], s10["loads_scale_s"]
            how = "alternating pairs"
        else:  # older results: scale-10 load(s) against T5's loads
            walls10 = s10.get("loads_s") or [s10["load_s"]]
            walls1 = [med([x["dnsbld_s"] for x in ld])] * len(walls10)
            how = "against T5's loads (results before pairs)"
        ratios = [a / b for a, b in zip(walls10, walls1)]
        rows.append(("T6 load time scale 10 / scale %g, %s (%s s / %s s)" % (
            args.scale, how, spread(walls10, "%.1f"), spread(walls1, "%.2f")),
            spread(ratios, "%.2f"), "<= 11", verdict(ratios, lambda m: m <= 11)))
        # Where the ratio comes from: each phase of the loader's published
        # line, scale 10 over scale S within each pair (reference rows).
        for name in LOAD_PHASES:
            pairs = [(p["scale10"][name], p["scale"][name]) for p in s10.get("load_phases", [])
                     if p["scale"].get(name) and name in p["scale10"]]
            if pairs:
                rows.append(("T6 load phase '%s', scale 10 / scale %g per pair (%s s / %s s)" % (
                    name, args.scale, spread([x for x, _ in pairs], "%.2f"),
                    spread([y for _, y in pairs], "%.2f")),
                    spread([x / y for x, y in pairs], "%.1f"), "(reference)", ""))
        # What the loader wrote at each scale (the same every pair): where
        # the scale-10 data overlaps more, it has more intervals than 10x.
        outs = [o for o in s10.get("load_output", []) if o["scale"] and o["scale10"]]
        if outs:
            a, b = outs[0]["scale10"], outs[0]["scale"]
            rows.append(("T6 dnsbl-load output, scale 10 / scale %g: address intervals (%d / %d; "
                         "names %.1fx, value sets %.1fx)" % (
                             args.scale, a["intervals"], b["intervals"],
                             a["names"] / b["names"], a["vsets"] / b["vsets"]),
                         "%.1f" % (a["intervals"] / b["intervals"]), "(reference)", ""))
        if s10.get("rbldnsd_loads_s"):  # since run 27
            r10, r1 = s10["rbldnsd_loads_s"], s10["rbldnsd_loads_scale_s"]
            rows.append(("T6 rbldnsd's own load (start until it answers), scale 10 / scale %g "
                         "per pair (%s s / %s s)" % (args.scale, spread(r10, "%.1f"),
                                                     spread(r1, "%.2f")),
                         spread([x / y for x, y in zip(r10, r1)], "%.2f"), "(reference)", ""))
        rc = per_rep_ratio(s10["t1"], "us_per_query", "dnsbld10", "dnsbld")
        rows.append(("T6 CPU/query scale 10 / scale %g at 50k qps" % args.scale,
                     spread(rc, "%.3f"), "<= 1.10", verdict(rc, lambda m: m <= 1.10)))
    else:
        rows.append(("T6 scale 10", "not run (use --scale10)", "", ""))
    w("| measurement | result | target | verdict |")
    w("|---|---|---|---|")
    for r in rows:
        w("| " + " | ".join(r) + " |")
    w("\nLatency vs load: `latency.png` (p50 and p99 per server, dnsbl-bench open loop).\n")
    w("## Commands\n\n```sh")
    seen = set()
    for c in commands:
        c = re.sub(r"127\.0\.0\.1([:/])\d+", r"127.0.0.1\1PORT", c)
        c = re.sub(r" -p \d+", " -p PORT", c)  # dnsperf's port option
        if c not in seen:
            seen.add(c)
            w(c)
    w("```")
    with open(path, "w") as f:
        f.write("\n".join(L) + "\n")
