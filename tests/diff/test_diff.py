"""Differential test: the real rbldnsd and our dnsbld on the same generated
files, 20,000+ generated queries, every difference classified into the
deliberate differences of the behaviour contract (section 6) or reported as
a mismatch.

Run by meson (suite 'diff'), or by hand:
  DNSBLD=build/dnsd/dnsbld DNSBL_LOAD=build/loader/dnsbl-load \\
      /usr/bin/python3 -m pytest -q tests/diff
  /usr/bin/python3 tests/diff/test_diff.py --ours build/dnsd/dnsbld \\
      --loader build/loader/dnsbl-load [--seed N] [--queries N] [--show N]
  /usr/bin/python3 tests/diff/test_diff.py --self    # rbldnsd against itself

Environment: RBLDNSD (default /usr/sbin/rbldnsd), DNSBLD, DNSBL_LOAD,
DIFF_SEED (default 20241122), DIFF_QUERIES (default 24000),
DIFF_KEEP=1 keeps the temporary directory (data files, logs, report).
"""

import argparse
import collections
import os
import shutil
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import dnsio  # noqa: E402
import gen_data  # noqa: E402
import gen_queries  # noqa: E402

MIN_QUERIES = 20000
DEFAULT_SEED = 20241122
DEFAULT_QUERIES = 24000


class Report:
    def __init__(self):
        self.results = []
        self.total = 0
        self.identical = 0
        self.categories = collections.Counter()
        self.mismatches = []
        self.model = collections.Counter()
        self.model_bad = []
        self.notes = []
        self.seconds = 0.0
        self.examples = collections.defaultdict(list)  # category -> results

    def text(self, show=8):
        out = [f"differential test: {self.total} queries compared in {self.seconds:.1f} s",
               f"  identical:               {self.identical}",
               f"  classified (contract 6): {self.total - self.identical - len(self.mismatches)}"]
        for cat in compare.CATEGORIES:
            out.append(f"    {cat:<22} {self.categories.get(cat, 0)}")
        out.append(f"  MISMATCHES:              {len(self.mismatches)}")
        out.append(f"  model check (listed/unlisted vs rbldnsd): {self.model['agree']} agree, "
                   f"{self.model['disagree']} disagree")
        out.extend("  note: " + n for n in self.notes)
        if self.mismatches:
            sig = collections.Counter(r.signature() for r in self.mismatches)
            out.append("mismatch kinds (count, signature):")
            out.extend(f"  {n:6d}  {s}" for s, n in sig.most_common(40))
            out.append(f"first {min(show, len(self.mismatches))} mismatches in full "
                       "(one per signature first):")
            shown, seen = [], set()
            for r in self.mismatches:
                if r.signature() not in seen:
                    seen.add(r.signature())
                    shown.append(r)
            for r in self.mismatches:
                if len(shown) >= show:
                    break
                if r not in shown:
                    shown.append(r)
            for r in shown[:show]:
                out.append("")
                out.append(r.text())
        if self.model_bad:
            out.append("model disagreements (first 5):")
            for c, want, got in self.model_bad[:5]:
                out.append(f"  {c.describe()}: model {'listed' if want else 'unlisted'}, "
                           f"rbldnsd {'NOERROR' if got else 'NXDOMAIN'}")
        return "\n".join(out)


def run(workdir, seed=DEFAULT_SEED, nqueries=DEFAULT_QUERIES, rbldnsd="/usr/sbin/rbldnsd",
        dnsbld=None, loader=None, self_mode=False, log=print):
    """Generate, serve with both, query both, compare. Returns a Report."""
    t0 = time.monotonic()
    rbldnsd, dnsbld, loader = (os.path.abspath(p) if p else p for p in (rbldnsd, dnsbld, loader))
    datadir = os.path.join(workdir, "data")
    data = gen_data.generate(seed, datadir)
    cases = gen_queries.generate(data, seed, nqueries)
    rep = Report()
    with dnsio.Servers(workdir, seed) as srv:
        ref = srv.start_rbldnsd(rbldnsd, datadir, data.specs + data.aux_specs, name="rbldnsd-ref")
        if self_mode:
            ours = srv.start_rbldnsd(rbldnsd, datadir, data.specs, name="rbldnsd-other")
        else:
            db = os.path.join(workdir, "db")
            out = srv.load_dnsbl(loader, datadir, db, data.specs)
            with open(os.path.join(workdir, "dnsbl-load.log"), "w") as f:
                f.write(out)
            ours = srv.start_dnsbld(dnsbld, db)
        log(f"servers: rbldnsd on 127.0.0.1:{ref.port}, "
            f"{'rbldnsd' if self_mode else 'dnsbld'} on 127.0.0.1:{ours.port}; "
            f"{len(cases)} queries, data in {datadir}")
        normal = [i for i, c in enumerate(cases) if not c.malformed]
        bad = [i for i, c in enumerate(cases) if c.malformed]
        comp_keys = [(i, k) for i in normal for k in cases[i].companions]
        ref_pkts = [cases[i].wire for i in normal] + [cases[i].companions[k] for i, k in comp_keys]
        ref_ans = dnsio.exchange(ref.port, ref_pkts)
        our_ans = dnsio.exchange(ours.port, [cases[i].wire for i in normal])
        ref_bad = dnsio.exchange(ref.port, [cases[i].wire for i in bad], retries=0)
        our_bad = dnsio.exchange(ours.port, [cases[i].wire for i in bad], retries=0)
        for p in (ref, ours):
            if p.proc.poll() is not None:
                rep.notes.append(f"{p.name} exited with status {p.proc.returncode} during the run:"
                                 f"\n{p.log_text()[-3000:]}")
    refs = [None] * len(cases)
    ours_ = [None] * len(cases)
    comps = [dict() for _ in cases]
    for j, i in enumerate(normal):
        refs[i], ours_[i] = ref_ans[j], our_ans[j]
    for j, (i, k) in enumerate(comp_keys):
        comps[i][k] = ref_ans[len(normal) + j]
    for j, i in enumerate(bad):
        refs[i], ours_[i] = ref_bad[j], our_bad[j]
    no_ref = sum(1 for i in normal if refs[i] is None)
    if no_ref:
        rep.notes.append(f"{no_ref} ordinary queries got no reply from rbldnsd")
    for i, c in enumerate(cases):
        res = compare.compare(c, refs[i], ours_[i], comps[i])
        rep.total += 1
        if res.identical:
            rep.identical += 1
        rep.categories.update(res.categories)
        for cat in res.categories:
            if len(rep.examples[cat]) < 50:
                rep.examples[cat].append(res)
        if res.diff:
            rep.mismatches.append(res)
        mc = compare.model_check(c, res.ref) if refs[i] is not None else None
        if mc is not None:
            rep.model["agree" if mc[0] else "disagree"] += 1
            if not mc[0]:
                rep.model_bad.append((c, mc[1], mc[2]))
    rep.seconds = time.monotonic() - t0
    return rep


def program(var, default=None):
    path = os.environ.get(var, default)
    if not path or not os.access(path, os.X_OK):
        raise RuntimeError(f"environment variable {var} must name an executable (got {path!r})")
    return path


def _traversable(path):
    """Can any user (rbldnsd runs as nobody) reach files under path?"""
    path = os.path.abspath(path)
    while True:
        if not os.stat(path).st_mode & 0o001:
            return False
        parent = os.path.dirname(path)
        if parent == path:
            return True
        path = parent


def _workdir():
    base = tempfile.gettempdir()
    if not _traversable(base):
        base = "/tmp"
    d = tempfile.mkdtemp(prefix="dnsbl-diff-", dir=base)
    os.chmod(d, 0o755)  # rbldnsd runs as nobody and reads d/data
    return d


def _finish(workdir, rep, name):
    text = rep.text()
    dirs = [workdir] + ([os.environ["DIFF_REPORT_DIR"]] if os.environ.get("DIFF_REPORT_DIR") else [])
    for d in dirs:
        with open(os.path.join(d, name), "w") as f:
            f.write(text + "\n")
    if os.environ.get("DIFF_KEEP"):
        print(f"kept {workdir}")
    else:
        shutil.rmtree(workdir, ignore_errors=True)
    return text


def test_differential():
    """rbldnsd vs dnsbld: no unclassified difference over >= 20,000 queries."""
    rbldnsd = program("RBLDNSD", "/usr/sbin/rbldnsd")
    dnsbld, loader = program("DNSBLD"), program("DNSBL_LOAD")
    seed = int(os.environ.get("DIFF_SEED", DEFAULT_SEED))
    n = int(os.environ.get("DIFF_QUERIES", DEFAULT_QUERIES))
    workdir = _workdir()
    rep = run(workdir, seed, n, rbldnsd, dnsbld, loader)
    text = _finish(workdir, rep, "diff-report.txt")
    print(text)
    assert rep.total >= MIN_QUERIES, f"only {rep.total} queries compared\n{text}"
    assert rep.model["disagree"] == 0, f"harness error: the data model disagrees with rbldnsd\n{text}"
    assert not rep.mismatches, f"{len(rep.mismatches)} unclassified differences (seed {seed})\n{text}"


def test_harness_against_itself():
    """The harness itself: rbldnsd against a second rbldnsd on the same files
    must give zero differences, and the data model (used by the ent-nodata
    predicate) must agree with rbldnsd on every listed/unlisted answer."""
    rbldnsd = program("RBLDNSD", "/usr/sbin/rbldnsd")
    seed = int(os.environ.get("DIFF_SEED", DEFAULT_SEED)) + 1
    workdir = _workdir()
    rep = run(workdir, seed, 8000, rbldnsd, self_mode=True)
    text = _finish(workdir, rep, "diff-report-self.txt")
    print(text)
    assert not rep.mismatches and not rep.categories, text
    assert rep.model["disagree"] == 0 and rep.model["agree"] > 4000, text


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--seed", type=int, default=int(os.environ.get("DIFF_SEED", DEFAULT_SEED)))
    ap.add_argument("--queries", type=int, default=int(os.environ.get("DIFF_QUERIES", DEFAULT_QUERIES)))
    ap.add_argument("--rbldnsd", default=os.environ.get("RBLDNSD", "/usr/sbin/rbldnsd"))
    ap.add_argument("--ours", default=os.environ.get("DNSBLD"))
    ap.add_argument("--loader", default=os.environ.get("DNSBL_LOAD"))
    ap.add_argument("--self", dest="self_mode", action="store_true",
                    help="compare rbldnsd with a second rbldnsd (harness check)")
    ap.add_argument("--show", type=int, default=8, help="mismatches shown in full")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory")
    ap.add_argument("--examples", type=int, default=0, metavar="N",
                    help="also show N classified differences of each category in full")
    a = ap.parse_args(argv)
    if a.keep:
        os.environ["DIFF_KEEP"] = "1"
    workdir = _workdir()
    try:
        rep = run(workdir, a.seed, a.queries, a.rbldnsd, a.ours, a.loader, a.self_mode)
    except BaseException:
        print(f"failed; files in {workdir}", file=sys.stderr)
        raise
    text = rep.text(show=a.show)
    _finish(workdir, rep, "diff-report.txt")
    print(text)
    for cat in compare.CATEGORIES:
        for r in rep.examples.get(cat, [])[:a.examples]:
            print(f"\n== example of {cat}")
            print(r.text())
    ok = not rep.mismatches and rep.total >= MIN_QUERIES
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
