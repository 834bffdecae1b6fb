"""A loader killed at any point leaves the served data intact.

DNSBL_FAULT=after-parse | mid-write | before-publish makes dnsbl-load
SIGKILL itself at that point (libdnsbl/dbl_fault.h); a write the kernel
refuses (RLIMIT_FSIZE, as a full disk would) must end as a clean exit 1;
random SIGKILLs during a larger load cover the points in between. After each kill the running
dnsbld and a freshly started one both serve the old data (or, for a random
kill after the publish, all of the new data: never a mix), and the next
normal run succeeds, publishes the new data and cleans up the leftovers.
"""

import os
import random
import re
import resource
import signal
import subprocess
import time

import pytest

from conftest import (SWITCH_SLACK, SWITCH_TIMEOUT, current, listed, load_ok, nx, program,
                      published_gen, run_load, soa, start_dnsbld, wait_for, write_atomic)

BIG = 200000  # ip4set lines of the larger load
NAMES = 50000  # dnset lines
RANDOM_KILLS = 6


def bl_text(v, n):
    code = 2 if v == "A" else 3
    lines = [soa("bl.test", 1 if v == "A" else 2), f":127.0.0.{code}:version {v}\n"]
    # sparse addresses (every 4th): one interval each, a real build
    for i in range(n):
        a = 0x0A000000 + i * 4
        lines.append(f"{a >> 24}.{a >> 16 & 255}.{a >> 8 & 255}.{a & 255}\n")
    lines.append("192.0.2.1\n" if v == "A" else "192.0.2.2\n")
    return "".join(lines)


def dbl_text(v, n):
    code = 2 if v == "A" else 3
    return (soa("dbl.test") + f":127.0.0.{code}:version {v}\n{v.lower()}only.example\n" +
            "".join(f"host{i}.zone{i % 97}.example\n" for i in range(n)))


def expect(v):
    code = 2 if v == "A" else 3
    return {
        ("0.0.0.10.bl.test", "A"): listed(("A", f"127.0.0.{code}")),
        ("0.0.0.10.bl.test", "TXT"): listed(("TXT", f"version {v}")),
        ("1.2.0.192.bl.test", "A"): listed(("A", "127.0.0.2")) if v == "A" else nx(),
        ("2.2.0.192.bl.test", "A"): listed(("A", "127.0.0.3")) if v == "B" else nx(),
        ("host7.zone7.example.dbl.test", "TXT"): listed(("TXT", f"version {v}")),
        ("aonly.example.dbl.test", "A"): listed(("A", "127.0.0.2")) if v == "A" else nx(),
        ("bonly.example.dbl.test", "A"): listed(("A", "127.0.0.3")) if v == "B" else nx(),
    }


PROBES = list(expect("A"))


class Data:
    def __init__(self, tmp_path, n, names):
        self.zdir = tmp_path / "zones"
        self.zdir.mkdir()
        self.db = tmp_path / "db"
        self.n, self.names = n, names
        self.text = {v: (bl_text(v, n), dbl_text(v, names)) for v in "AB"}
        self.specs = [f"bl.test:ip4set:{self.zdir / 'bl'}",
                      f"dbl.test:dnset:{self.zdir / 'dbl'}"]

    def write(self, v):
        write_atomic(self.zdir / "bl", self.text[v][0])
        write_atomic(self.zdir / "dbl", self.text[v][1])


def leftovers(db):
    return sorted(n for n in os.listdir(db) if n.endswith(".tmp"))


def version_served(srv):
    """'A' or 'B' when every probe agrees on one version, else the raw answers."""
    got = srv.sigs(PROBES)
    for v in "AB":
        if got == expect(v):
            return v
    return got


def fresh_server_version(db, log):
    srv = start_dnsbld(db, log)
    try:
        return version_served(srv)
    finally:
        srv.kill()


@pytest.mark.parametrize("point", ["after-parse", "mid-write", "before-publish"])
def test_fault_point_keeps_old_data(tmp_path, dnsbld, point):
    d = Data(tmp_path, 20000, 5000)
    d.write("A")
    load_ok(d.db, d.specs)
    srv = dnsbld(d.db)
    assert version_served(srv) == "A"
    before = current(d.db)
    gens_before = sorted(os.listdir(d.db))
    d.write("B")
    p = run_load(d.db, d.specs, env={"DNSBL_FAULT": point})
    assert p.returncode == -signal.SIGKILL, f"exit {p.returncode}: the fault point did not fire\n" \
                                            f"{p.stderr}"
    assert current(d.db) == before
    # evidence of where it died: the unpublished file exists only once writing began
    tmp = leftovers(d.db)
    if point == "after-parse":
        assert sorted(os.listdir(d.db)) == gens_before, os.listdir(d.db)
    else:
        assert tmp and re.fullmatch(r"gen-\d+\.mdb\.tmp", tmp[0]), os.listdir(d.db)
    time.sleep(SWITCH_TIMEOUT + 0.2)  # a server check interval passes
    assert version_served(srv) == "A"
    assert fresh_server_version(d.db, tmp_path / "fresh.log") == "A"
    # the next normal run publishes the new data and removes the leftovers
    p = load_ok(d.db, d.specs)
    gen = published_gen(p.stderr)
    assert gen is not None, p.stderr
    assert current(d.db) == f"gen-{gen}.mdb"
    assert leftovers(d.db) == [], os.listdir(d.db)
    took = wait_for(lambda: version_served(srv) == "B", SWITCH_TIMEOUT + SWITCH_SLACK)
    assert took is not None, version_served(srv)
    assert "cannot open" not in srv.log_text(), srv.log_text()


def file_size_limit(nbytes):
    """A preexec_fn: the child may write files of at most nbytes (the
    kernel refuses the rest, as a full disk does) and gets EFBIG, not
    SIGXFSZ, past it."""
    def limit():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
        resource.setrlimit(resource.RLIMIT_FSIZE, (nbytes, hard))
    return limit


def test_disk_full_while_writing(tmp_path, dnsbld):
    """A write of the new generation that the kernel refuses (RLIMIT_FSIZE
    here: a short write, as on a full disk) is a clean failure naming the
    file and the room left, the live generation untouched."""
    d = Data(tmp_path, 20000, 5000)
    d.write("A")
    first = load_ok(d.db, d.specs)
    size = os.path.getsize(os.path.join(d.db, current(d.db)))
    srv = dnsbld(d.db)
    before = current(d.db)
    d.write("B")
    p = run_load(d.db, d.specs, preexec_fn=file_size_limit(size // 2))
    assert p.returncode == 1, f"exit {p.returncode}\n{p.stderr}"
    assert re.search(r"dnsbl-load: error: \S+/gen-\d+\.mdb\.tmp: cannot write database: "
                     r"(Input/output error|File too large) \([0-9.]+ MB free on the file "
                     r"system of \S+\); nothing published", p.stderr), p.stderr
    assert published_gen(first.stderr) is not None
    assert current(d.db) == before
    assert leftovers(d.db) == [], os.listdir(d.db)  # the unpublished file is removed
    time.sleep(SWITCH_TIMEOUT + 0.2)
    assert version_served(srv) == "A"
    p = load_ok(d.db, d.specs)
    took = wait_for(lambda: version_served(srv) == "B", SWITCH_TIMEOUT + SWITCH_SLACK)
    assert took is not None, version_served(srv)


def test_random_kills_during_large_load(tmp_path, dnsbld):
    seed = int(os.environ.get("REFRESH_SEED", "0")) or random.randrange(1 << 30)
    rnd = random.Random(seed)
    d = Data(tmp_path, BIG, NAMES)
    d.write("A")
    t0 = time.monotonic()
    load_ok(d.db, d.specs)
    full = time.monotonic() - t0  # duration of a full run on this host
    srv = dnsbld(d.db)
    assert version_served(srv) == "A"
    live = "A"
    outcomes = []
    env = dict(os.environ)
    env.pop("DNSBL_FAULT", None)
    for k in range(RANDOM_KILLS):
        new = "B" if live == "A" else "A"
        d.write(new)
        # stratified over [0, 1.1 * full): early (parse) to late (write, publish)
        delay = full * 1.1 * (k + rnd.random()) / RANDOM_KILLS
        p = subprocess.Popen([program("DNSBL_LOAD"), "--db", str(d.db)] + d.specs,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
        try:
            time.sleep(delay)
            p.send_signal(signal.SIGKILL)
            out, err = p.communicate(timeout=120)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        # the directory is consistent: current names a complete generation
        tgt = current(d.db)
        assert tgt and (d.db / tgt).is_file(), os.listdir(d.db)
        fresh = fresh_server_version(d.db, tmp_path / f"fresh-{k}.log")
        assert fresh in ("A", "B"), f"kill {k} after {delay:.3f} s (seed {seed}): {fresh}"
        if p.returncode == -signal.SIGKILL and published_gen(err) is None:
            # killed before "published" was logged: old or (killed right after
            # the symlink was replaced) new, but whole
            pass
        else:
            # "published" was logged: the new generation is live even when the
            # kill landed afterwards (while the parsed data was being freed)
            assert p.returncode in (0, -signal.SIGKILL) and fresh == new, \
                (p.returncode, fresh, err)
        # the running server settles on the same version within one check
        took = wait_for(lambda: version_served(srv) == fresh, SWITCH_TIMEOUT + SWITCH_SLACK)
        assert took is not None, f"kill {k} (seed {seed}): running server {version_served(srv)}" \
                                 f", fresh {fresh}"
        outcomes.append((round(delay, 3), p.returncode, "new" if fresh == new else "old"))
        # the next normal run succeeds and the new data is served
        q = load_ok(d.db, d.specs)
        assert fresh == new or published_gen(q.stderr) is not None, q.stderr
        assert leftovers(d.db) == [], os.listdir(d.db)
        took = wait_for(lambda: version_served(srv) == new, SWITCH_TIMEOUT + SWITCH_SLACK)
        assert took is not None, f"after kill {k} (seed {seed}): {version_served(srv)}"
        live = new
    print(f"seed {seed}, full run {full:.3f} s, kills (delay, exit, served after): {outcomes}")
    # at least one kill really interrupted a run and left the old data live
    assert any(served == "old" for _, _, served in outcomes), \
        f"no kill interrupted a run (seed {seed}): {outcomes}"
    assert srv.proc.poll() is None
    assert "cannot open" not in srv.log_text(), srv.log_text()
