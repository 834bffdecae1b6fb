"""Fault tests (issue 6): bad database files, a full disk, a read-only data
directory, running out of file descriptors.

Database file faults, each at dnsbld startup and at refresh (DIR/current
switched to the bad file, as a broken publisher or a bad restore would):
missing, empty, truncated, random bytes, another schema version (the
"schema" meta value patched with mdb_dump/mdb_load). dnsbld must refuse the
file with a log line that names it and says why, keep serving the last good
data (or answer REFUSED, never "not listed", when it has none), stay up,
and take the next good generation. dnsbl-load must treat an unreadable live
generation as "rebuild every zone" and still publish.

A full disk (a tiny tmpfs when we may mount one, and --mapsize in any case):
the loader exits 1, publishes nothing, leaves no temporary file, and the old
data stays served. A read-only data directory: dnsbld (as an unprivileged
user when we are root) serves and switches generations without writing.
Out of file descriptors: dnsbld keeps answering UDP while TCP connections
exhaust its descriptors and serves TCP again once they close.
"""

import os
import re
import resource
import shutil
import socket
import subprocess
import tempfile
import time

import dns.exception
import dns.rcode
import pytest

from conftest import a_addrs, current_gen, fd_count, loader, make_query, wait_for, write_zones

SWITCH_TIMEOUT = 5.0  # dnsbld checks DIR/current every second; generous for ASan
NEW = "1.1.1.1.bl.test"  # listed only in the second generation ("new data")
NEW_LINE = "1.1.1.1 :127.0.0.9:new\n"


def big_zone(path, n=400_000):
    """An ip4set of n distinct addresses with 50 values: ~1.4 MB of LMDB
    (adjacent runs take 2-3 bytes each in schema 4), more than the 1 MiB
    map and the 512 KiB tmpfs below."""
    with open(path, "w") as f:
        f.write("$SOA 3600 ns.bl.test. hm.bl.test. 1 3600 600 86400 300\n")
        f.write(":127.0.0.2:Listed $\n127.0.0.2\n")
        for i in range(n):
            f.write(f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255} :{2 + i % 50}:x\n")


def other_schema(src, dst):
    """Copy generation src to dst with the "schema" meta value one above
    the one dnsbl-load wrote (a future format)."""
    shutil.copyfile(src, dst)
    dump = subprocess.run(["mdb_dump", "-n", "-s", "meta", str(src)], stdout=subprocess.PIPE,
                          text=True, check=True, timeout=30).stdout.splitlines()
    key = " " + b"schema".hex()
    assert key in dump, "no schema key in the meta table"
    i = dump.index(key)
    assert len(dump[i + 1]) == 9, dump[i + 1]  # " " + a big-endian u32 in hex
    dump[i + 1] = " %08x" % (int(dump[i + 1], 16) + 1)
    subprocess.run(["mdb_load", "-n", "-s", "meta", str(dst)], input="\n".join(dump) + "\n",
                   text=True, check=True, timeout=30, stderr=subprocess.DEVNULL)
    for extra in (str(dst) + "-lock",):
        if os.path.exists(extra):
            os.unlink(extra)


def make_bad(db, kind):
    """Create DIR/gen-900.mdb of the given kind (from the live generation);
    returns its name (not yet pointed to). "missing" returns a name only."""
    live = db / current_gen(db)
    bad = db / "gen-900.mdb"
    if kind == "empty":
        bad.write_bytes(b"")
    elif kind == "truncated":
        data = live.read_bytes()
        bad.write_bytes(data[: len(data) // 2])
    elif kind == "random":
        bad.write_bytes(os.urandom(len(live.read_bytes())))
    elif kind == "schema":
        other_schema(live, bad)
    return bad.name


# what dnsbld must say about each kind (besides naming the file)
REASON = {
    "missing": "No such file",
    "empty": "empty file",
    "truncated": "truncated",
    "random": "corrupt",
    "schema": "schema version 5, this program reads version 4",
}
KINDS = list(REASON)


def point_current(db, name):
    """Replace DIR/current with a symlink to name, atomically."""
    tmp = db / "current.tmp-test"
    if os.path.lexists(tmp):
        os.unlink(tmp)
    os.symlink(name, tmp)
    os.replace(tmp, db / "current")


def listed(srv, name="2.0.0.127.bl.test"):
    try:
        return a_addrs(srv.query(name, timeout=2.0))
    except dns.exception.Timeout:
        return None


@pytest.mark.parametrize("kind", KINDS)
def test_bad_generation_at_startup(tmp_path, dnsbld, kind):
    db, zones = tmp_path / "db", tmp_path / "zones"
    loader(db, write_zones(zones))
    point_current(db, make_bad(db, kind) if kind != "missing" else "gen-900.mdb")
    for f in db.glob("gen-1.mdb"):
        f.unlink()  # no good generation anywhere
    srv = dnsbld(db, wait_answer=False)
    try:
        r = srv.query("2.0.0.127.bl.test", timeout=5.0)
    except dns.exception.Timeout:
        pytest.fail(f"no answer; dnsbld exit {srv.proc.poll()}:\n{srv.log_text()}")
    assert r.rcode() == dns.rcode.REFUSED, "garbage must never answer 'not listed'"
    log = srv.log_text()
    assert ("current" if kind == "missing" else "gen-900.mdb") in log, log
    assert REASON[kind] in log, log
    assert srv.alive()
    # the loader rebuilds everything and publishes
    p = loader(db, write_zones(zones, bl_extra=NEW_LINE))
    if kind != "missing":
        assert "cannot read the live generation" in p.stderr + p.stdout
        assert "every zone is rebuilt" in p.stderr + p.stdout
    assert current_gen(db) != "gen-900.mdb"
    took = wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT)
    assert took is not None, srv.log_text()
    assert listed(srv) == ["127.0.0.2"]


@pytest.mark.parametrize("kind", KINDS)
def test_bad_generation_at_refresh(tmp_path, dnsbld, kind):
    db, zones = tmp_path / "db", tmp_path / "zones"
    loader(db, write_zones(zones))
    srv = dnsbld(db)
    assert listed(srv) == ["127.0.0.2"]
    point_current(db, make_bad(db, kind) if kind != "missing" else "gen-900.mdb")
    # the last good data stays live: every query meanwhile is answered from it
    t_end = time.monotonic() + SWITCH_TIMEOUT

    def reported():  # the reason, and what it keeps serving (the open runs off the main loop)
        lines = [l for l in srv.log_text().splitlines() if "gen-900" in l or REASON[kind] in l]
        return REASON[kind] in srv.log_text() and any("generation 1" in l for l in lines)

    n = 0
    while time.monotonic() < t_end and (n < 20 or not reported()):
        assert srv.alive(), f"dnsbld died (exit {srv.proc.poll()}):\n{srv.log_text()}"
        assert listed(srv) == ["127.0.0.2"], srv.log_text()
        assert srv.query("1.0.0.127.bl.test").rcode() == dns.rcode.NXDOMAIN
        n += 1
    assert REASON[kind] in srv.log_text(), srv.log_text()
    lines = [l for l in srv.log_text().splitlines() if "gen-900" in l or REASON[kind] in l]
    assert any("generation 1" in l for l in lines), lines  # says what it keeps serving
    assert len(lines) <= 2, lines  # logged once (and the reason once), not every second
    assert srv.alive()
    # the next good publication is taken (the loader rebuilds everything)
    p = loader(db, write_zones(zones, bl_extra=NEW_LINE))
    if kind != "missing":
        assert "every zone is rebuilt" in p.stderr + p.stdout
    took = wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT)
    assert took is not None, srv.log_text()
    assert srv.alive()


def published_files(db):
    return sorted(p.name for p in db.iterdir() if p.name != ".lock")


def check_full_disk_refused(db, srv, p, before):
    out = p.stdout + p.stderr
    assert p.returncode == 1, out
    assert "nothing published" in out, out
    assert published_files(db) == before, "a failed load must leave nothing behind"
    assert listed(srv) == ["127.0.0.2"]
    assert listed(srv, NEW) == []
    return out


def test_map_full_publishes_nothing(tmp_path, dnsbld):
    db, zones = tmp_path / "db", tmp_path / "zones"
    loader(db, write_zones(zones))
    srv = dnsbld(db)
    before = published_files(db)
    big_zone(zones / "big")
    p = loader(db, [f"bl.test:ip4set:{zones / 'big'}"], "--mapsize", "1048576", check=False)
    out = check_full_disk_refused(db, srv, p, before)
    assert "full" in out, out
    time.sleep(1.2)  # a check interval: still the old data
    assert listed(srv) == ["127.0.0.2"]
    # with room, the same load goes through
    loader(db, write_zones(zones, bl_extra=NEW_LINE))
    assert wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT) is not None


@pytest.fixture
def tiny_tmpfs(tmp_path):
    """A 512 KiB tmpfs mounted for the test (skipped when we may not mount)."""
    mnt = tmp_path / "tmpfs"
    mnt.mkdir()
    try:
        p = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=512k,mode=0755", "tmpfs",
                            str(mnt)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as e:
        pytest.skip(f"cannot mount a tmpfs: {e}")
    if p.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs (not root?): {p.stdout.strip()}")
    yield mnt
    subprocess.run(["umount", "-l", str(mnt)], timeout=30)


def test_disk_full_publishes_nothing(tmp_path, dnsbld, tiny_tmpfs):
    db, zones = tiny_tmpfs / "db", tmp_path / "zones"
    loader(db, write_zones(zones))
    srv = dnsbld(db)
    before = published_files(db)
    big_zone(zones / "big")
    p = loader(db, [f"bl.test:ip4set:{zones / 'big'}"], check=False)
    out = check_full_disk_refused(db, srv, p, before)
    assert "cannot write database" in out, out
    assert re.search(r"\([0-9.]+ MB free on the file system of ", out), out
    st = os.statvfs(tiny_tmpfs)
    assert st.f_bfree * st.f_frsize > 256 * 1024, "the failed load's space was not given back"
    # after the failure there is room again for a normal generation
    loader(db, write_zones(zones, bl_extra=NEW_LINE))
    assert wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT) is not None
    srv.kill()  # before the tmpfs goes away


@pytest.fixture
def public_dir():
    """A directory other users can traverse and read (tmp_path is 0700)."""
    d = tempfile.mkdtemp(prefix="dnsbl-ro-")
    os.chmod(d, 0o755)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_read_only_data_dir(public_dir, tmp_path, dnsbld):
    from pathlib import Path
    db, zones = Path(public_dir) / "db", Path(public_dir) / "zones"
    loader(db, write_zones(zones))
    if os.geteuid() == 0:
        # root writes everywhere: dnsbld drops to nobody (--user, given
        # after the helper's "--user root"), for whom the root-owned
        # 0755/0644 data directory is read-only
        srv = dnsbld(db, "--user", "nobody")
        with open(f"/proc/{srv.proc.pid}/status") as f:
            uids = [l.split()[1:] for l in f if l.startswith("Uid:")][0]
        assert uids[0] == "65534" and uids[1] == "65534"
    else:
        os.chmod(db, 0o555)
        srv = dnsbld(db)
    before = sorted(os.listdir(db))
    assert listed(srv) == ["127.0.0.2"]
    # a new generation published by the (privileged) loader is taken
    if os.geteuid() != 0:
        os.chmod(db, 0o755)
    loader(db, write_zones(zones, bl_extra=NEW_LINE))
    if os.geteuid() != 0:
        os.chmod(db, 0o555)
    assert wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT) is not None, \
        srv.log_text()
    assert srv.alive()
    # dnsbld wrote nothing there (no lock file, no temp file)
    after = set(os.listdir(db))
    assert not {n for n in after - set(before) if not n.startswith("gen-")} - {"current"}, after
    assert "error" not in srv.log_text().lower(), srv.log_text()


def exhaust(srv, n=200):
    """Open up to n TCP connections (the server drops some); returns them."""
    conns = []
    for _ in range(n):
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.settimeout(2.0)
        try:
            s.connect((srv.host, srv.port))
        except OSError:
            s.close()
            break
        conns.append(s)
    return conns


def limit_fds(srv, spare):
    """Lower dnsbld's RLIMIT_NOFILE (soft and hard) to what it has open now
    plus spare, so that a few TCP connections exhaust it."""
    n = fd_count(srv.proc.pid)
    resource.prlimit(srv.proc.pid, resource.RLIMIT_NOFILE, (n + spare, n + spare))
    return n


def test_fd_exhaustion_tcp(tmp_path, dnsbld):
    db = tmp_path / "db"
    loader(db, write_zones(tmp_path / "zones"))
    srv = dnsbld(db, "--threads", "2")
    base = limit_fds(srv, 12)
    conns = exhaust(srv, 200)
    try:
        time.sleep(0.5)
        assert fd_count(srv.proc.pid) <= base + 12
        # UDP keeps working while TCP is out of descriptors
        for i in range(50):
            assert listed(srv) == ["127.0.0.2"], f"UDP query {i} during fd exhaustion"
        # a new TCP client is refused (reset or closed), never hangs the server
        try:
            srv.query("2.0.0.127.bl.test", tcp=True, timeout=2.0)
        except (ConnectionError, dns.exception.DNSException, OSError, EOFError):
            pass
        # connections that were accepted are served
        served = 0
        for s in conns[:5]:
            w = make_query("2.0.0.127.bl.test").to_wire()
            try:
                s.sendall(len(w).to_bytes(2, "big") + w)
                served += len(s.recv(2)) == 2
            except OSError:
                pass
        assert served >= 1
        assert srv.alive()
    finally:
        for s in conns:
            s.close()
    # recovery: descriptors come back and TCP answers again
    assert wait_for(lambda: fd_count(srv.proc.pid) <= base, 5.0) is not None
    ok = wait_for(lambda: tcp_ok(srv), 5.0, step=0.2)
    assert ok is not None, srv.log_text()
    assert listed(srv) == ["127.0.0.2"]
    print(f"\nfd exhaustion: {len(conns)} connections opened against {base}+12 fds;"
          f" UDP answered throughout, TCP back after {ok:.2f}s")


def tcp_ok(srv):
    try:
        return a_addrs(srv.query("2.0.0.127.bl.test", tcp=True, timeout=1.0)) == ["127.0.0.2"]
    except (ConnectionError, dns.exception.DNSException, OSError, EOFError):
        return False


def test_generation_published_during_fd_exhaustion(tmp_path, dnsbld):
    db, zones = tmp_path / "db", tmp_path / "zones"
    loader(db, write_zones(zones))
    srv = dnsbld(db, "--threads", "2")
    limit_fds(srv, 8)
    conns = exhaust(srv, 100)
    try:
        loader(db, write_zones(zones, bl_extra=NEW_LINE))
        wait_for(lambda: "Too many open files" in srv.log_text(), SWITCH_TIMEOUT)
        assert listed(srv) == ["127.0.0.2"]  # old data meanwhile
    finally:
        for s in conns:
            s.close()
    took = wait_for(lambda: listed(srv, NEW) == ["127.0.0.9"], SWITCH_TIMEOUT)
    assert took is not None, "new generation not served after the fds came back:\n" + \
        srv.log_text()[-2000:]
