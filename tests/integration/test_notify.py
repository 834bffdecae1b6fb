"""systemd notification protocol, for real: a unix datagram socket stands in
for systemd; dnsbld runs with NOTIFY_SOCKET and WATCHDOG_USEC set, and must
send READY=1 (once answering), STATUS=, WATCHDOG=1 every half interval,
RELOADING=1/READY=1 around SIGHUP and STOPPING=1 on SIGTERM."""

import os
import signal
import socket
import time

import pytest

from conftest import start_dnsbld

pytestmark = pytest.mark.skipif(os.environ.get("HAVE_SYSTEMD") != "1",
                                reason="dnsbld built without libsystemd (notify is a no-op)")

WATCHDOG_USEC = 200000  # WATCHDOG=1 expected every 100 ms


def receive(sock, until, timeout):
    """Messages (lists of lines) until one satisfies until(), or timeout."""
    got = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            msg = sock.recv(4096).decode().split("\n")
        except socket.timeout:
            break
        got.append(msg)
        if until(msg):
            break
    return got


def test_notify_ready_watchdog_reload_stopping(loaded_db, tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path, WATCHDOG_USEC=str(WATCHDOG_USEC))
    env.pop("WATCHDOG_PID", None)
    srv = start_dnsbld(loaded_db, tmp_path / "d.log", env=env, wait_answer=False)
    try:
        msgs = receive(sock, lambda m: "READY=1" in m, 10)
        ready = [m for m in msgs if "READY=1" in m]
        assert ready, (msgs, srv.log_text())
        # READY=1 means answering: sockets bound and data open
        assert srv.query("2.0.0.127.bl.test").rcode() == 0
        assert any(l.startswith("STATUS=serving generation 1 (2 zones)") for l in ready[0]), msgs
        # watchdog: >= 5 pings in 1 s at a 100 ms period
        t0 = time.monotonic()
        pings = [m for m in receive(sock, lambda m: False, 1.0) if m == ["WATCHDOG=1"]]
        assert 5 <= len(pings) <= 15, pings
        # SIGHUP: RELOADING=1, then READY=1
        srv.proc.send_signal(signal.SIGHUP)
        msgs = [m for m in receive(sock, lambda m: m == ["READY=1"], 5) if m != ["WATCHDOG=1"]]
        assert msgs[-2:] == [["RELOADING=1"], ["READY=1"]], msgs
        srv.proc.send_signal(signal.SIGTERM)
        msgs = receive(sock, lambda m: "STOPPING=1" in m, 5)
        assert ["STOPPING=1"] in msgs, msgs
        assert srv.proc.wait(5) == 0
        assert time.monotonic() - t0 < 10
    finally:
        srv.kill()
        sock.close()


def test_no_watchdog_without_watchdog_usec(loaded_db, tmp_path):
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    env = dict(os.environ, NOTIFY_SOCKET=path)
    env.pop("WATCHDOG_USEC", None)
    srv = start_dnsbld(loaded_db, tmp_path / "d.log", env=env)
    try:
        assert any("READY=1" in m for m in receive(sock, lambda m: "READY=1" in m, 10))
        assert ["WATCHDOG=1"] not in receive(sock, lambda m: False, 0.5)
    finally:
        srv.kill()
        sock.close()
