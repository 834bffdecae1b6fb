"""Differential test of client ACLs (contract section 4): the real rbldnsd
and dnsbld serve the generated data of test_diff.py plus per-zone ACL
files (bl.test, dbl.test, zen.test) and a global ACL (`:acl:file`), and
answer the same queries sent from many loopback source addresses, one for
each action and each precedence case. Every difference must be one of the
deliberate differences (compare.py), as in test_diff.py.

Run by meson (suite 'diff'), or by hand:
  DNSBLD=build/dnsd/dnsbld DNSBL_LOAD=build/loader/dnsbl-load \\
      /usr/bin/python3 -m pytest -q tests/diff/test_diff_acl.py
Environment: RBLDNSD, DNSBLD, DNSBL_LOAD, DIFF_SEED, DIFF_KEEP=1.
"""

import collections
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import compare  # noqa: E402
import dnsio  # noqa: E402
import gen_data  # noqa: E402
import gen_queries  # noqa: E402
from test_diff import DEFAULT_SEED, _finish, _workdir, program  # noqa: E402

QUERIES_PER_SOURCE = 300

GLOBAL_ACL = """\
# global: applies to every zone
127.0.1.0/24 :empty
127.0.2.1 :127.0.0.10:global always $
127.0.3.0/24 :refuse
127.0.3.7 :pass
127.0.4.1 :ignore
2001:db8::/32 :refuse
"""

ZONE_ACLS = {
    "bl.test": """\
127.0.0.2 :refuse
127.0.0.3 :empty
127.0.0.4 :127.0.0.9:Always listed for client $
127.0.0.5
127.0.2.1 :refuse
127.0.1.5 :127.0.0.9:zone always
127.0.5.0/24 =blackhole
127.0.5.128/25 :pass
""",
    "dbl.test": """\
:127.0.0.11:dnset always $
127.0.0.0/24
127.0.0.1 :pass
127.0.0.6 :ignore
127.0.3.7 :empty
""",
    "zen.test": """\
127.0.0.0/16 :refuse
127.0.0.0/24 :pass
127.0.0.4 :127.0.0.12
127.0.2.1 :127.0.0.13:zone $
""",
}

# (source address, what it exercises)
SOURCES = [
    ("127.0.0.1", "no entry except dbl.test pass"),
    ("127.0.0.2", "bl.test refuse, dbl.test always"),
    ("127.0.0.3", "bl.test empty"),
    ("127.0.0.4", "always in bl.test and zen.test"),
    ("127.0.0.5", "bl.test default action ignore"),
    ("127.0.0.6", "dbl.test ignore"),
    ("127.0.1.5", "global empty beats zone always"),
    ("127.0.2.1", "global always vs zone refuse / zone always"),
    ("127.0.3.7", "global pass inside refuse, dbl.test empty"),
    ("127.0.3.8", "global refuse"),
    ("127.0.4.1", "global ignore"),
    ("127.0.5.9", "blackhole alias"),
    ("127.0.5.200", "pass inside blackhole"),
    ("127.1.0.1", "zen.test refuse /16"),
]


def run(workdir, seed, rbldnsd, dnsbld, loader):
    datadir = os.path.join(workdir, "data")
    data = gen_data.generate(seed, datadir)
    cases = [c for c in gen_queries.generate(data, seed, QUERIES_PER_SOURCE * 2)
             if not c.malformed][:QUERIES_PER_SOURCE]
    acl_specs = []
    for zone, text in ZONE_ACLS.items():
        with open(os.path.join(datadir, f"acl-{zone}"), "w") as f:
            f.write(text)
        acl_specs.append(f"{zone}:acl:acl-{zone}")
    # rbldnsd's '.v6aux' helper zones (the v4mapped predicate asks them)
    # stand for parts of the real zones: they get the same ACL
    aux_acl = []
    for spec in data.aux_specs:
        aux = spec.split(":")[0]
        for zone in ZONE_ACLS:
            if aux == f"{zone}.v6aux" or aux.endswith(f".{zone}.v6aux"):
                aux_acl.append(f"{aux}:acl:acl-{zone}")
    with open(os.path.join(datadir, "acl-global"), "w") as f:
        f.write(GLOBAL_ACL)
    acl_specs.append(":acl:acl-global")
    os.chmod(datadir, 0o755)
    for name in os.listdir(datadir):
        os.chmod(os.path.join(datadir, name), 0o644)
    stats = collections.Counter()
    mismatches, categories = [], collections.Counter()
    with dnsio.Servers(workdir, seed) as srv:
        ref = srv.start_rbldnsd(rbldnsd, datadir,
                                data.specs + data.aux_specs + acl_specs + aux_acl,
                                name="rbldnsd-acl")
        db = os.path.join(workdir, "db")
        srv.load_dnsbl(loader, datadir, db, data.specs + acl_specs)
        ours = srv.start_dnsbld(dnsbld, db)
        comp_keys = [(i, k) for i, c in enumerate(cases) for k in c.companions]
        for src, _ in SOURCES:
            ref_ans = dnsio.exchange(ref.port, [c.wire for c in cases] +
                                     [cases[i].companions[k] for i, k in comp_keys],
                                     window=150, timeout=0.5, retries=1, source=src)
            our_ans = dnsio.exchange(ours.port, [c.wire for c in cases], window=150, timeout=0.5,
                                     retries=1, source=src)
            comps = [dict() for _ in cases]
            for j, (i, k) in enumerate(comp_keys):
                comps[i][k] = ref_ans[len(cases) + j]
            for i, c in enumerate(cases):
                res = compare.compare(c, ref_ans[i], our_ans[i], comps[i])
                stats[(src, "replied" if ref_ans[i] is not None else "no reply")] += 1
                stats["total"] += 1
                stats["identical"] += res.identical
                categories.update(res.categories)
                if res.diff:
                    mismatches.append((src, res))
        for p in (ref, ours):
            if p.proc.poll() is not None:
                mismatches.append((None, f"{p.name} exited: {p.log_text()[-2000:]}"))
    return stats, categories, mismatches


def test_differential_acl():
    rbldnsd = program("RBLDNSD", "/usr/sbin/rbldnsd")
    dnsbld, loader = program("DNSBLD"), program("DNSBL_LOAD")
    seed = int(os.environ.get("DIFF_SEED", DEFAULT_SEED))
    workdir = _workdir()
    stats, categories, mismatches = run(workdir, seed, rbldnsd, dnsbld, loader)
    lines = [f"ACL differential test: {stats['total']} queries from {len(SOURCES)} sources, "
             f"{stats['identical']} identical, classified {dict(categories)}, "
             f"{len(mismatches)} mismatches"]
    for src, why in SOURCES:
        lines.append(f"  {src:<12} {why}: {stats[(src, 'replied')]} replied, "
                     f"{stats[(src, 'no reply')]} no reply")
    for src, res in mismatches[:8]:
        lines.append(f"\nfrom {src}:\n{res if isinstance(res, str) else res.text()}")

    class Rep:
        def text(self):
            return "\n".join(lines)
    text = _finish(workdir, Rep(), "diff-report-acl.txt")
    print(text)
    assert stats["total"] == QUERIES_PER_SOURCE * len(SOURCES), text
    # the ACLs really applied: ignore sources got no reply from rbldnsd
    assert stats[("127.0.4.1", "replied")] == 0, text
    assert stats[("127.0.0.1", "replied")] > QUERIES_PER_SOURCE * 0.9, text
    assert not mismatches, text
