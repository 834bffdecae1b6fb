"""dnsbld lifecycle: command line, signals, options reaching the answers,
missing data, generation switches and bad generations."""

import os
import signal
import socket
import subprocess
import time

import dns.flags
import dns.rcode
import dns.rdatatype
import pytest

from conftest import AS_ROOT, program, run_loader, write_zones


def a_addrs(msg):
    return [r.address for rr in msg.answer if rr.rdtype == dns.rdatatype.A for r in rr]


def run_dnsbld(*args, timeout=10):
    return subprocess.run([program("DNSBLD")] + AS_ROOT + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=timeout)


def wait_for(pred, timeout, step=0.05):
    """Seconds until pred() was true, or None after timeout."""
    t0 = time.monotonic()
    while time.monotonic() - t0 < timeout:
        if pred():
            return time.monotonic() - t0
        time.sleep(step)
    return None


# ---- command line ----

def test_help_exits_0_and_documents_every_option():
    p = run_dnsbld("--help")
    assert p.returncode == 0
    for word in ("Usage:", "--db", "--listen", "--ttl", "--ns-in-auth", "--hide-version",
                 "--edns-payload", "--tcp-idle", "--tcp-max", "--verbose", "--debug",
                 "--version", "2100", "1232", "256", "Exit status", "SIGHUP", "Examples"):
        assert word in p.stdout, f"--help does not mention {word}"


def test_version_exits_0():
    p = run_dnsbld("--version")
    assert p.returncode == 0 and p.stdout.startswith("dnsbld ")


@pytest.mark.parametrize("args,named", [
    ([], "--db"),
    (["--db"], "--db"),
    (["--db", "x", "--bogus"], "--bogus"),
    (["--db", "x", "--ttl", "abc"], "abc"),
    (["--db", "x", "--ttl", "99999999999"], "99999999999"),
    (["--db", "x", "--listen", "1.2.3.4:70000"], "1.2.3.4:70000"),
    (["--db", "x", "--listen", "localhost:53"], "localhost:53"),
    (["--db", "x", "--listen", "[::1:53"], "[::1:53"),
    (["--db", "x", "--edns-payload", "100"], "100"),
    (["--db", "x", "--tcp-max", "0"], "--tcp-max"),
    (["--db", "x", "--tcp-idle", "0"], "--tcp-idle"),
    (["--db", "x", "--tcp-idle", "-5"], "-5"),
    (["--db", "x", "stray"], "stray"),
])
def test_bad_arguments_exit_2(args, named):
    p = run_dnsbld(*args)
    assert p.returncode == 2, f"exit {p.returncode}: {p.stderr}"
    assert named in p.stderr, p.stderr
    assert "--help" in p.stderr


def test_bind_failure_exits_1(tmp_path):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
        p = run_dnsbld("--db", str(tmp_path), "--listen", f"127.0.0.1:{port}")
    assert p.returncode == 1
    assert "cannot listen" in p.stderr and str(port) in p.stderr


# ---- signals ----

@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_stops_cleanly_with_counters(dnsbld, loaded_db, sig):
    srv = dnsbld(loaded_db)
    for _ in range(3):
        srv.query("2.0.0.127.bl.test", "A")
    srv.query("2.0.0.127.bl.test", "A", tcp=True)
    assert srv.stop(sig) == 0
    log = srv.log_text()
    line = [ln for ln in log.splitlines() if "stopped:" in ln]
    assert line, log
    # 4 queries plus at least one readiness probe
    q = int(line[0].split("queries ")[1].split(",")[0])
    a = int(line[0].split("answered ")[1].split(",")[0])
    assert q >= 5 and a >= 5 and "dropped 0 " in line[0], line[0]


def test_sighup_rechecks_data_and_keeps_running(dnsbld, tmp_path):
    db = tmp_path / "db"
    db.mkdir()
    srv = dnsbld(db, "--verbose")
    run_loader(db, write_zones(tmp_path / "zones"))
    srv.proc.send_signal(signal.SIGHUP)  # the default action would kill it
    assert wait_for(lambda: "SIGHUP: checking" in srv.log_text(), 2.0) is not None
    assert wait_for(lambda: "loaded generation" in srv.log_text(), 2.0) is not None
    assert srv.proc.poll() is None
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]


# ---- options reach dbl_query ----

def test_default_ttl_and_ttl_option(dnsbld, loaded_db):
    r = dnsbld(loaded_db).query("2.0.0.127.bl.test", "A")
    assert r.answer[0].ttl == 2100
    r = dnsbld(loaded_db, "--ttl", "1h").query("2.0.0.127.bl.test", "A")
    assert r.answer[0].ttl == 3600


def test_ns_in_auth_option(dnsbld, loaded_db):
    r = dnsbld(loaded_db).query("2.0.0.127.bl.test", "A")
    assert not [rr for rr in r.authority if rr.rdtype == dns.rdatatype.NS]
    r = dnsbld(loaded_db, "--ns-in-auth").query("2.0.0.127.bl.test", "A")
    assert [rr for rr in r.authority if rr.rdtype == dns.rdatatype.NS]


def test_hide_version_option(dnsbld, loaded_db):
    r = dnsbld(loaded_db).query("version.bind", "TXT", rdclass="CH")
    assert r.rcode() == dns.rcode.NOERROR
    assert b"dnsbld" in b"".join(s for rr in r.answer for x in rr for s in x.strings)
    r = dnsbld(loaded_db, "--hide-version").query("version.bind", "TXT", rdclass="CH")
    assert r.rcode() == dns.rcode.REFUSED and not r.answer


def test_edns_payload_option(dnsbld, loaded_db):
    r = dnsbld(loaded_db).query("2.0.0.127.bl.test", "A", use_edns=0)
    assert r.edns == 0 and r.payload == 1232
    r = dnsbld(loaded_db, "--edns-payload", "4096").query("2.0.0.127.bl.test", "A", use_edns=0)
    assert r.payload == 4096


def test_debug_logs_each_query(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--debug")
    srv.query("1.0.0.127.bl.test", "A")
    assert wait_for(lambda: "1.0.0.127.bl.test" in srv.log_text(), 2.0) is not None
    quiet = dnsbld(loaded_db)
    quiet.query("1.0.0.127.bl.test", "A")
    time.sleep(0.2)
    assert "1.0.0.127.bl.test" not in quiet.log_text()


# ---- data generations ----

def test_missing_data_refused_until_loaded(dnsbld, tmp_path):
    db = tmp_path / "db"
    srv = dnsbld(db)  # directory does not even exist yet
    assert "no data" in srv.log_text() or "waiting" in srv.log_text()
    r = srv.query("2.0.0.127.bl.test", "A")
    assert r.rcode() == dns.rcode.REFUSED
    run_loader(db, write_zones(tmp_path / "zones"))
    took = wait_for(lambda: srv.query("2.0.0.127.bl.test", "A").rcode() == dns.rcode.NOERROR,
                    3.0)
    assert took is not None, srv.log_text()
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]


def test_generation_switch_without_restart(dnsbld, tmp_path):
    db, zones = tmp_path / "db", tmp_path / "zones"
    run_loader(db, write_zones(zones))
    srv = dnsbld(db)
    assert srv.query("1.1.1.10.bl.test", "A").rcode() == dns.rcode.NXDOMAIN
    run_loader(db, write_zones(zones, bl_extra="10.1.1.1 :127.0.0.9:New $\n"))
    took = wait_for(lambda: a_addrs(srv.query("1.1.1.10.bl.test", "A")) == ["127.0.0.9"], 3.0)
    assert took is not None, "new generation not served within 3 s:\n" + srv.log_text()
    assert took < 2.5
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]  # old data kept
    assert srv.log_text().count("loaded generation") == 2
    assert srv.proc.poll() is None


def test_queries_during_switches_never_fail(dnsbld, tmp_path):
    db, zones = tmp_path / "db", tmp_path / "zones"
    run_loader(db, write_zones(zones))
    srv = dnsbld(db)
    for i in range(3):
        run_loader(db, write_zones(zones, bl_extra=f"10.2.2.{i} :127.0.0.9:x\n"))
        t_end = time.monotonic() + 1.2  # span at least one periodic check
        while time.monotonic() < t_end:
            r = srv.query("2.0.0.127.bl.test", "A", timeout=1.0)
            assert a_addrs(r) == ["127.0.0.2"]
    assert srv.log_text().count("loaded generation") == 4


def test_bad_generation_keeps_old(dnsbld, loaded_db):
    srv = dnsbld(loaded_db)
    bad = loaded_db / "gen-999999.mdb"
    bad.write_bytes(os.urandom(8192))
    tmp_link = loaded_db / "current.tmp-test"
    os.symlink(bad.name, tmp_link)
    os.replace(tmp_link, loaded_db / "current")  # what a broken publisher would do
    took = wait_for(lambda: "cannot open" in srv.log_text(), 3.0)
    assert took is not None, srv.log_text()
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]
    time.sleep(1.2)  # logged once, not every second
    assert srv.log_text().count("cannot open") == 1
    assert srv.proc.poll() is None
