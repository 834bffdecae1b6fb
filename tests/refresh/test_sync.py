"""dnsbl-load --sync against a real rsync daemon on 127.0.0.1.

The test starts `rsync --daemon` on a free loopback port with its own
config and a module holding feed files, and runs the loader the way cron
does: --sync rsync://127.0.0.1:PORT/feed/ into a staging directory, then
load. A failed fetch exits 1 and keeps the last data served; rsync's
temporary and other dot-files in the staging directory are never loaded.
"""

import os
import shutil
import socket
import subprocess
import time

import pytest

from conftest import (SWITCH_SLACK, SWITCH_TIMEOUT, current, listed, nx, published_gen,
                      run_load, soa, wait_for, write_atomic)

if shutil.which("rsync") is None:
    pytest.skip("rsync is not installed (tests/deps.sh installs it)", allow_module_level=True)


def bl_text(extra=""):
    return soa("bl.test") + ":127.0.0.2:Listed $\n" + "".join(
        f"10.0.0.{i}\n" for i in range(1, 51)) + extra


def dbl_text(extra=""):
    return soa("dbl.test") + ":127.0.0.3:Domain $\nexample.com\n" + extra


SPECS = ["bl.test:ip4set:bl", "dbl.test:dnset:dbl"]  # relative to the staging directory

BASE = {
    ("1.0.0.10.bl.test", "A"): listed(("A", "127.0.0.2")),
    ("9.9.9.10.bl.test", "A"): nx(),
    ("example.com.dbl.test", "A"): listed(("A", "127.0.0.3")),
}


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rsyncd:
    def __init__(self, tmp_path):
        self.module = tmp_path / "module"
        self.module.mkdir()
        self.conf = tmp_path / "rsyncd.conf"
        self.log = tmp_path / "rsyncd.log"
        self.proc = None
        self.port = None

    def start(self):
        # Run as ourselves (a root daemon would switch to "nobody", which
        # cannot read pytest's private tmp directories); no chroot.
        self.conf.write_text(
            f"uid = {os.geteuid()}\ngid = {os.getegid()}\nuse chroot = no\n"
            f"max connections = 8\nreverse lookup = no\n"
            f"[feed]\n    path = {self.module}\n    read only = yes\n"
            f"    hosts allow = 127.0.0.1\n")
        for _ in range(5):  # the free port may be taken in between: retry
            port = free_port()
            self.proc = subprocess.Popen(
                ["rsync", "--daemon", "--no-detach", f"--config={self.conf}",
                 "--address=127.0.0.1", f"--port={port}", f"--log-file={self.log}"],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.proc.poll() is None:
                try:
                    with socket.create_connection(("127.0.0.1", port), timeout=0.5) as c:
                        if c.recv(64).startswith(b"@RSYNCD:"):
                            self.port = port
                            return self
                except OSError:
                    time.sleep(0.05)
            self.stop()
        pytest.fail(f"rsync --daemon did not start:\n{self.log_text()}")

    def url(self):
        return f"rsync://127.0.0.1:{self.port}/feed/"

    def log_text(self):
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(5)


@pytest.fixture
def rsyncd(tmp_path):
    d = Rsyncd(tmp_path)
    write_atomic(d.module / "bl", bl_text())
    write_atomic(d.module / "dbl", dbl_text())
    d.start()
    yield d
    d.stop()


@pytest.fixture
def closed_port():
    """A loopback port bound but not listening: connections are refused."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.bind(("127.0.0.1", 0))
    yield s.getsockname()[1]
    s.close()


def sync_load(db, staging, *sources, extra=(), timeout_s="20"):
    opts = []
    for s in sources:
        opts += ["--sync", s]
    opts += ["--sync-timeout", timeout_s] + list(extra)
    return run_load(db, SPECS, *opts, cwd=str(staging))


def test_sync_fetches_loads_and_updates(tmp_path, rsyncd, dnsbld):
    staging, db = tmp_path / "staging", tmp_path / "db"
    staging.mkdir()
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0, p.stderr + rsyncd.log_text()
    assert "rsync" in p.stderr and published_gen(p.stderr) == 1, p.stderr
    assert (staging / "bl").read_text() == bl_text()
    srv = dnsbld(db)
    assert srv.sigs(BASE) == BASE
    # the feed publishes a change: the next run fetches and publishes it
    write_atomic(rsyncd.module / "bl", bl_text(extra="10.9.9.9\n"))
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0, p.stderr
    assert "zone dbl.test.: unchanged" in p.stderr, p.stderr
    gen = published_gen(p.stderr)
    assert gen == 2 and current(db) == "gen-2.mdb", p.stderr
    took = wait_for(lambda: srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2")),
                    SWITCH_TIMEOUT + SWITCH_SLACK)
    assert took is not None, srv.log_text()
    # nothing new on the feed: a cheap no-op, exit 0
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0 and "no input changed" in p.stderr, p.stderr
    assert current(db) == "gen-2.mdb"


def test_explicit_staging_directory(tmp_path, rsyncd, dnsbld):
    staging, db = tmp_path / "feeds", tmp_path / "db"
    staging.mkdir()
    specs = [f"bl.test:ip4set:{staging / 'bl'}", f"dbl.test:dnset:{staging / 'dbl'}"]
    p = run_load(db, specs, "--sync", rsyncd.url(), "--staging", str(staging),
                 "--sync-timeout", "20", cwd=str(tmp_path))
    assert p.returncode == 0, p.stderr
    assert not (tmp_path / "bl").exists()  # fetched into --staging, not the cwd
    assert dnsbld(db).sigs(BASE) == BASE


def test_unreachable_source_fails_and_keeps_data(tmp_path, rsyncd, dnsbld, closed_port):
    staging, db = tmp_path / "staging", tmp_path / "db"
    staging.mkdir()
    assert sync_load(db, staging, rsyncd.url()).returncode == 0
    srv = dnsbld(db)
    before = current(db)
    bad = f"rsync://127.0.0.1:{closed_port}/feed/"
    t0 = time.monotonic()
    p = sync_load(db, staging, bad)
    assert time.monotonic() - t0 < 15
    assert p.returncode == 1, f"exit {p.returncode}, want 1:\n{p.stderr}"
    assert bad in p.stderr and "exit status" in p.stderr, p.stderr
    assert current(db) == before
    time.sleep(SWITCH_TIMEOUT + 0.2)
    assert srv.sigs(BASE) == BASE
    # one failed source of two: the good one is still fetched and published, exit 1
    write_atomic(rsyncd.module / "bl", bl_text(extra="10.9.9.9\n"))
    p = sync_load(db, staging, bad, rsyncd.url())
    assert p.returncode == 1, p.stderr
    assert published_gen(p.stderr) is not None, p.stderr
    took = wait_for(lambda: srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2")),
                    SWITCH_TIMEOUT + SWITCH_SLACK)
    assert took is not None
    # the source is back: exit 0 again
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0, p.stderr


def test_unknown_module_fails(tmp_path, rsyncd, dnsbld):
    staging, db = tmp_path / "staging", tmp_path / "db"
    staging.mkdir()
    assert sync_load(db, staging, rsyncd.url()).returncode == 0
    srv = dnsbld(db)
    p = sync_load(db, staging, f"rsync://127.0.0.1:{rsyncd.port}/nosuchmodule/")
    assert p.returncode == 1, p.stderr
    assert "nosuchmodule" in p.stderr, p.stderr
    assert srv.sigs(BASE) == BASE


def test_hung_source_times_out(tmp_path, rsyncd, dnsbld, procs):
    """A server that accepts and never speaks must not hang a cron run:
    --sync-timeout bounds it."""
    staging, db = tmp_path / "staging", tmp_path / "db"
    staging.mkdir()
    assert sync_load(db, staging, rsyncd.url()).returncode == 0
    srv = dnsbld(db)
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as ls:
        ls.bind(("127.0.0.1", 0))
        ls.listen(4)
        port = ls.getsockname()[1]
        t0 = time.monotonic()
        p = sync_load(db, staging, f"rsync://127.0.0.1:{port}/feed/", timeout_s="2")
        took = time.monotonic() - t0
    assert p.returncode == 1, p.stderr
    assert took < 20, f"--sync-timeout 2 took {took:.1f} s"
    assert srv.sigs(BASE) == BASE


def test_dot_files_ignored(tmp_path, rsyncd, dnsbld):
    """Temporary and hidden files on either side never reach the database:
    the module's dot-files are not fetched, and rsync leftovers in the
    staging directory (its .name.XXXXXX temp files and .~tmp~ holding
    directory of --delay-updates, from an interrupted run) are not loaded
    and do not corrupt the files that are."""
    staging, db = tmp_path / "staging", tmp_path / "db"
    staging.mkdir()
    junk = "this is not a zone file\n" * 10 + "10.66.66.66\n"
    (rsyncd.module / ".bl.a1B2c3").write_text(junk)
    (rsyncd.module / ".hidden").write_text(junk)
    (staging / ".bl.XyZ123").write_text(junk)  # an rsync temp file left by a killed run
    (staging / ".~tmp~").mkdir()
    (staging / ".~tmp~" / "bl").write_text(junk)  # a --delay-updates holding file
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0, p.stderr
    assert not (staging / ".hidden").exists() and not (staging / ".bl.a1B2c3").exists()
    assert (staging / "bl").read_text() == bl_text()
    assert (staging / "dbl").read_text() == dbl_text()
    srv = dnsbld(db)
    assert srv.sigs(BASE) == BASE
    assert srv.sig("66.66.66.10.bl.test") == nx()
    # an update over the leftovers is still fetched whole
    write_atomic(rsyncd.module / "bl", bl_text(extra="10.9.9.9\n"))
    p = sync_load(db, staging, rsyncd.url())
    assert p.returncode == 0, p.stderr
    assert (staging / "bl").read_text() == bl_text(extra="10.9.9.9\n")
    took = wait_for(lambda: srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2")),
                    SWITCH_TIMEOUT + SWITCH_SLACK)
    assert took is not None
    assert srv.sig("66.66.66.10.bl.test") == nx()
