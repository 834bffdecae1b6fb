"""--syslog / "log syslog": the start, stop and refresh lines go to syslog
(facility daemon) and not to stderr. /dev/log is replaced by the test's own
datagram socket inside a private mount namespace (needs root and unshare)."""

import os
import shutil
import signal
import socket
import subprocess

import pytest

from conftest import AS_ROOT, program, write_zones

pytestmark = pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("unshare"),
                                reason="needs root and unshare(1) to stand in for /dev/log")


def log_socket(tmp_path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(str(tmp_path / "log.sock"))
    return sock


def start_with_log(sock, *argv):
    """argv in a private mount namespace whose /dev/log is sock. unshare
    execs sh, sh execs the program: one pid throughout."""
    script = f'mount -t tmpfs tmpfs /dev && ln -s {sock.getsockname()} /dev/log && exec "$@"'
    return subprocess.Popen(["unshare", "--mount", "--propagation", "private", "sh", "-c", script,
                             "sh"] + list(argv), stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def test_loader_syslog(tmp_path):
    sock = log_socket(tmp_path)
    specs = write_zones(tmp_path / "zones")
    proc = start_with_log(sock, program("DNSBL_LOAD"), "--syslog", "--db", str(tmp_path / "db"),
                          *specs)
    out, err = proc.communicate(timeout=60)
    sock.settimeout(1)
    msgs = []
    try:
        while True:
            msgs.append(sock.recv(4096).decode())
    except socket.timeout:
        pass
    sock.close()
    assert proc.returncode == 0 and err == "", err
    # info (6) at facility daemon: <30>
    assert any(m.startswith("<30>") and f"dnsbl-load[{proc.pid}]: published generation 1" in m
               for m in msgs), msgs


def test_syslog_lines(loaded_db, tmp_path):
    sock = log_socket(tmp_path)
    conf = tmp_path / "c.conf"
    conf.write_text(f"db {loaded_db}\nlisten 127.0.0.1:0\nlog syslog\n")
    proc = start_with_log(sock, program("DNSBLD"), "--config", str(conf), *AS_ROOT)
    msgs = []
    try:
        sock.settimeout(10)
        while not any("started: db" in m for m in msgs):
            msgs.append(sock.recv(4096).decode())
        proc.send_signal(signal.SIGTERM)
        out, err = proc.communicate(timeout=10)
        sock.settimeout(1)
        while not any("stopped: queries" in m for m in msgs):
            msgs.append(sock.recv(4096).decode())
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        sock.close()
    assert proc.returncode == 0, err
    assert err == "", err  # nothing on stderr
    tag = f"dnsbld[{proc.pid}]: "
    # <PRI> = facility daemon (3) * 8 + level: notice 5, warning 4
    assert any(m.startswith("<29>") and tag + "listening on 127.0.0.1:" in m for m in msgs), msgs
    assert any(m.startswith("<29>") and tag + "loaded generation 1" in m for m in msgs), msgs
    assert any(m.startswith("<29>") and tag + "stopping (SIGTERM)" in m for m in msgs), msgs
    assert any(m.startswith("<28>") and "keeping root privileges" in m for m in msgs), msgs
