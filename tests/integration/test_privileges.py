"""Privilege drop, the root policy and the pidfile (dnsbld(8) --user,
--pidfile). The drop tests need root (CI runs as root) and are skipped
otherwise."""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from conftest import AS_ROOT, program, run_loader, start_dnsbld, write_zones

ROOT = os.geteuid() == 0
needs_root = pytest.mark.skipif(not ROOT, reason="privilege drop needs root")
NOBODY = pwd.getpwnam("nobody")


@pytest.fixture
def public_db():
    """A database in a directory nobody can traverse and read (tmp_path is 0700)."""
    d = Path(tempfile.mkdtemp(prefix="dnsbl-priv-"))
    os.chmod(d, 0o755)
    run_loader(d / "db", write_zones(d / "zones"))
    yield d / "db"
    shutil.rmtree(d, ignore_errors=True)


def ids(pid, task=None):
    path = f"/proc/{pid}/task/{task}/status" if task else f"/proc/{pid}/status"
    with open(path) as f:
        return {l.split(":")[0]: l.split()[1:] for l in f
                if l.startswith(("Uid:", "Gid:", "Groups:"))}


def run(*args):
    return subprocess.run([program("DNSBLD")] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=20)


@needs_root
def test_drops_to_nobody_and_still_answers(public_db, tmp_path):
    srv = start_dnsbld(public_db, tmp_path / "d.log", "--user", "nobody", "--threads", "3")
    try:
        uid, gid = str(NOBODY.pw_uid), str(NOBODY.pw_gid)
        # real, effective, saved and filesystem ids, in every thread
        for task in os.listdir(f"/proc/{srv.proc.pid}/task"):
            st = ids(srv.proc.pid, task)
            assert st["Uid"] == [uid] * 4 and st["Gid"] == [gid] * 4, st
            assert set(st["Groups"]) <= {gid}, st
        assert srv.query("2.0.0.127.bl.test").rcode() == 0
        assert [r.address for rr in srv.query("2.0.0.127.bl.test").answer for r in rr] == \
            ["127.0.0.2"]
        assert srv.query("2.0.0.127.bl.test", tcp=True).rcode() == 0
        assert "running as user nobody" in srv.log_text()
    finally:
        assert srv.stop() == 0


@needs_root
def test_unreadable_database_shows_after_the_drop(loaded_db, tmp_path):
    """tmp_path is 0700 root: as nobody the data cannot be opened, and that is
    logged at start (the database is opened after the drop), not later."""
    srv = start_dnsbld(loaded_db, tmp_path / "d.log", "--user", "nobody", wait_answer=False)
    try:
        deadline = time.monotonic() + 5
        while "Permission denied" not in srv.log_text() and time.monotonic() < deadline:
            time.sleep(0.02)
        assert "Permission denied" in srv.log_text(), srv.log_text()
        assert srv.query("2.0.0.127.bl.test").rcode() == 5  # REFUSED: no data
    finally:
        srv.kill()


@needs_root
def test_check_opens_the_database_as_the_user(public_db, loaded_db):
    """--check as root with --user: the database is opened as that user."""
    p = run("--db", str(public_db), "--user", "nobody", "--check")
    assert p.returncode == 0 and "check passed" in p.stdout, p.stderr
    p = run("--db", str(loaded_db), "--user", "nobody", "--check")  # under 0700 tmp_path
    assert p.returncode == 1, p.stdout
    assert f"database {loaded_db} as user nobody: " in p.stderr and "check FAILED" in p.stderr


@needs_root
def test_root_without_user_is_refused(loaded_db):
    p = run("--db", str(loaded_db), "--listen", "127.0.0.1:0")
    assert p.returncode == 1
    assert "refusing to run as root: give --user NAME" in p.stderr, p.stderr


@needs_root
def test_user_root_is_kept_with_a_warning(loaded_db, tmp_path):
    srv = start_dnsbld(loaded_db, tmp_path / "d.log")  # AS_ROOT: --user root
    try:
        assert "keeping root privileges (meant for containers and tests)" in srv.log_text()
        assert ids(srv.proc.pid)["Uid"][0] == "0"
    finally:
        srv.kill()


def test_unknown_user(loaded_db):
    p = run("--db", str(loaded_db), "--listen", "127.0.0.1:0", "--user", "no-such-user-x")
    assert p.returncode == 1 and "--user no-such-user-x: no such user" in p.stderr, p.stderr


@pytest.mark.skipif(ROOT, reason="needs a non-root user")
def test_non_root_cannot_switch(loaded_db):
    p = run("--db", str(loaded_db), "--listen", "127.0.0.1:0", "--user", "root")
    assert p.returncode == 1 and "not started as root" in p.stderr, p.stderr


@pytest.fixture
def piddir():
    """A directory the dropped user may create and delete files in."""
    d = Path(tempfile.mkdtemp(prefix="dnsbl-pid-"))
    if ROOT:
        os.chown(d, NOBODY.pw_uid, NOBODY.pw_gid)
    yield d
    shutil.rmtree(d, ignore_errors=True)


def test_pidfile_locked_and_removed(public_db, piddir, tmp_path):
    pidfile = piddir / "dnsbld.pid"
    user = ["--user", "nobody"] if ROOT else []
    srv = start_dnsbld(public_db, tmp_path / "a.log", "--pidfile", str(pidfile), *user)
    try:
        assert pidfile.read_text() == f"{srv.proc.pid}\n"
        p = run(*AS_ROOT, "--db", str(public_db), "--listen", "127.0.0.1:0", "--pidfile",
                str(pidfile))
        assert p.returncode == 1, p.stderr
        assert f"pidfile {pidfile} is locked by a running dnsbld (pid {srv.proc.pid})" \
            in p.stderr, p.stderr
        assert pidfile.read_text() == f"{srv.proc.pid}\n"  # untouched by the loser
        assert srv.query("2.0.0.127.bl.test").rcode() == 0
    finally:
        rc = srv.stop(signal.SIGTERM)
    assert rc == 0
    assert not pidfile.exists()
    # a stale pidfile (no lock held) is taken over
    pidfile.write_text("999999\n")
    srv = start_dnsbld(public_db, tmp_path / "b.log", "--pidfile", str(pidfile), *user)
    try:
        assert pidfile.read_text() == f"{srv.proc.pid}\n"
    finally:
        assert srv.stop() == 0
    assert not pidfile.exists()


def test_pidfile_symlink_is_refused(loaded_db, tmp_path):
    target = tmp_path / "target"
    link = tmp_path / "dnsbld.pid"
    link.symlink_to(target)
    p = run(*AS_ROOT, "--db", str(loaded_db), "--listen", "127.0.0.1:0", "--pidfile", str(link))
    assert p.returncode == 1 and f"pidfile {link}: is a symbolic link, refused" in p.stderr
    assert not target.exists()


def test_default_listen_is_loopback_only(loaded_db):
    p = run(*AS_ROOT, "--db", str(loaded_db), "--check")
    assert p.returncode == 0 and "; listen 127.0.0.1:53;" in p.stdout, p.stdout + p.stderr
