"""Concurrent loader runs are serialised by DIR/.lock (flock).

Two cron jobs that overlap must not both write generation N or publish a
half-written file: each run gets its own generation, the final state is
exactly one of the two inputs, and every generation left in DIR is intact.
"""

import fcntl
import os
import re
import shutil
import subprocess
import time

from conftest import (current, listed, load_ok, nx, program, published_gen, soa, start_dnsbld,
                      wait_for, write_atomic)

PAD = 100000  # entries per version: a run takes long enough to overlap
ROUNDS = 4


def version_text(v, code):
    pad = "".join(f"10.{i >> 14 & 255}.{i >> 6 & 255}.{(i & 63) * 4}\n" for i in range(PAD))
    return soa("bl.test") + f":127.0.0.{code}:version {v}\n" + pad + f"192.0.2.{code}\n"


def dbl_text(v):
    return soa("dbl.test") + f":127.0.0.{2 if v == 'X' else 3}:{v}\n{v.lower()}.example\n"


def expect(v):
    code = 2 if v == "X" else 3
    other = 3 if v == "X" else 2
    return {
        ("0.0.0.10.bl.test", "A"): listed(("A", f"127.0.0.{code}")),
        ("0.0.0.10.bl.test", "TXT"): listed(("TXT", f"version {v}")),
        (f"{code}.2.0.192.bl.test", "A"): listed(("A", f"127.0.0.{code}")),
        (f"{other}.2.0.192.bl.test", "A"): nx(),
        (f"{v.lower()}.example.dbl.test", "A"): listed(("A", f"127.0.0.{code}")),
        (f"{'y' if v == 'X' else 'x'}.example.dbl.test", "A"): nx(),
    }


def make_inputs(tmp_path):
    dirs = {}
    for v, code in (("X", 2), ("Y", 3)):
        d = tmp_path / v
        d.mkdir()
        write_atomic(d / "bl", version_text(v, code))
        write_atomic(d / "dbl", dbl_text(v))
        dirs[v] = d
    return dirs


def specs(d):
    return [f"bl.test:ip4set:{d / 'bl'}", f"dbl.test:dnset:{d / 'dbl'}"]


def loader(db, spec, procs, env=None):
    e = dict(os.environ)
    e.pop("DNSBL_FAULT", None)
    e.update(env or {})
    p = subprocess.Popen([program("DNSBL_LOAD"), "--db", str(db)] + spec,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=e)
    procs.append(p)
    return p


def check_generations_intact(db):
    """Every gen-N.mdb in db is a complete LMDB file (mdb_stat reads it)."""
    if shutil.which("mdb_stat") is None:
        return
    for name in os.listdir(db):
        if re.fullmatch(r"gen-\d+\.mdb", name):
            p = subprocess.run(["mdb_stat", "-n", "-a", str(db / name)], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True, timeout=30)
            assert p.returncode == 0, f"{name}: {p.stdout}"


def test_loader_waits_for_the_lock(tmp_path, dnsbld, procs):
    dirs = make_inputs(tmp_path)
    db = tmp_path / "db"
    load_ok(db, specs(dirs["X"]))
    srv = dnsbld(db)
    before = current(db)
    with open(db / ".lock", "a") as lk:
        fcntl.flock(lk, fcntl.LOCK_EX)  # what a running loader holds
        p = loader(db, specs(dirs["Y"]), procs)
        time.sleep(1.5)
        assert p.poll() is None, f"the loader did not wait for DIR/.lock:\n{p.communicate()}"
        assert current(db) == before
        assert not [n for n in os.listdir(db) if n.endswith(".tmp")], os.listdir(db)
    # lock released by closing the file
    out, err = p.communicate(timeout=120)
    assert p.returncode == 0, err
    assert published_gen(err) is not None, err
    probes = list(expect("Y"))
    assert wait_for(lambda: srv.sigs(probes) == expect("Y"), 3.0) is not None


def test_two_loaders_at_once_are_serialised(tmp_path, dnsbld, procs):
    dirs = make_inputs(tmp_path)
    db = tmp_path / "db"
    load_ok(db, specs(dirs["X"]))
    srv = dnsbld(db)
    probes = list(expect("X"))
    allowed = {p: {expect("X")[p], expect("Y")[p]} for p in probes}
    seen_finals = set()
    for rnd in range(ROUNDS):
        order = ("X", "Y") if rnd % 2 == 0 else ("Y", "X")
        # fresh copies of both inputs: neither run is a no-op against the live data
        for v, code in (("X", 2), ("Y", 3)):
            write_atomic(dirs[v] / "bl", version_text(v, code))
        # both started back to back: the second one's stat/plan overlaps the first
        ps = {v: loader(db, specs(dirs[v]), procs) for v in order}
        # queries meanwhile: always one version or the other, never a mix
        deadline = time.monotonic() + 120
        while any(p.poll() is None for p in ps.values()) and time.monotonic() < deadline:
            for q in probes:
                s = srv.sig(*q)
                assert s in allowed[q], f"round {rnd}: {q} answered {s}"
            time.sleep(0.01)
        res = {}
        for v, p in ps.items():
            out, err = p.communicate(timeout=120)
            res[v] = (p.returncode, err)
        gens = {}
        for v, (rc, err) in res.items():
            assert rc == 0, f"round {rnd}: loader {v} exited {rc}:\n{err}"
            gens[v] = published_gen(err)
            assert gens[v] is not None, f"round {rnd}: loader {v} published nothing:\n{err}"
        published = list(gens.values())
        assert len(set(published)) == 2, \
            f"round {rnd}: two runs published the same generation {gens}:\n{res}"
        last = max(published)
        winner = [v for v, g in gens.items() if g == last][0]
        assert current(db) == f"gen-{last}.mdb", (current(db), gens)
        assert not [n for n in os.listdir(db) if n.endswith(".tmp")], os.listdir(db)
        check_generations_intact(db)
        took = wait_for(lambda: srv.sigs(probes) == expect(winner), 3.0)
        assert took is not None, f"round {rnd}: {srv.sigs(probes)} != version {winner}"
        seen_finals.add(winner)
        # a fresh server reading the directory from scratch agrees
        fresh = start_dnsbld(db, tmp_path / f"fresh-{rnd}.log")
        try:
            assert fresh.sigs(probes) == expect(winner)
        finally:
            fresh.kill()
    assert srv.proc.poll() is None
    assert "cannot open" not in srv.log_text(), srv.log_text()


def test_many_loaders_at_once(tmp_path, dnsbld, procs):
    """Four loaders, alternating inputs, started together: all finish, the
    generations they publish are distinct and the last one is live."""
    dirs = make_inputs(tmp_path)
    db = tmp_path / "db"
    load_ok(db, specs(dirs["Y"]))
    ps = [loader(db, specs(dirs["XY"[i % 2]]), procs) for i in range(4)]
    gens = []
    for i, p in enumerate(ps):
        out, err = p.communicate(timeout=180)
        assert p.returncode == 0, f"loader {i} exited {p.returncode}:\n{err}"
        g = published_gen(err)
        assert g is not None or "no input changed" in err, err
        if g is not None:
            gens.append((g, "XY"[i % 2]))
    assert len({g for g, _ in gens}) == len(gens), gens
    last, winner = max(gens)
    assert current(db) == f"gen-{last}.mdb"
    check_generations_intact(db)
    srv = dnsbld(db)
    assert srv.sigs(list(expect(winner))) == expect(winner)
