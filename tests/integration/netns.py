"""netns.py - run an MTA test inside a private network, mount and PID
namespace (`unshare`, as root), with dnsbld answering on 127.0.0.1:53.

Used by the tests of programs that resolve through /etc/resolv.conf, which
cannot name a port (Postfix), or that must not be able to reach any other
host (rspamd fetches maps and talks to fuzzy servers by default): in the
namespace `lo` is the only interface, /etc/resolv.conf is a bind mount
naming 127.0.0.1, and the program under test is the namespace's init, so
nothing it starts outlives it.

The test file is both sides: the pytest side calls run_inside(__file__,
work), which runs `python3 FILE --inside WORK` in the namespace; that side
calls setup() and start_dnsbld(), does its work and prints one JSON object
(its last line of output), which run_inside returns. Only the standard
library here: the inside side does not import pytest or dnspython."""

import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def namespaces_work():
    """Can this process make the namespaces (root, and a container that
    allows unshare)?"""
    if os.geteuid() != 0:
        return False
    return subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "true"],
                          capture_output=True).returncode == 0


def make_workdir(prefix):
    """A world-readable temporary directory: the daemons under test drop to
    their own users, which cannot enter pytest's tmp dirs (mode 0700). The
    caller removes it."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    os.chmod(work, 0o755)
    return work


def run_inside(script, work, timeout=240):
    """Run `python3 script --inside work` in the namespaces; its last line
    of output, parsed as JSON. Raises AssertionError with the output if
    it failed."""
    # --kill-child: if unshare is killed (a timeout here, or meson killing
    # the test's process group), its child, the namespace's init, gets
    # SIGKILL, and with it everything in the namespace.
    p = subprocess.run(["unshare", "--net", "--mount", "--pid", "--fork", "--mount-proc",
                        "--kill-child", "--",
                        sys.executable, str(script), "--inside", str(work)],
                       capture_output=True, text=True, timeout=timeout)
    assert p.returncode == 0, p.stdout + p.stderr
    return json.loads(p.stdout.strip().splitlines()[-1])


def _exit_on_signal(signum, frame):
    sys.exit(128 + signum)  # runs the caller's finally: blocks, then init exits


def setup(work):
    """Inside: loopback up, /etc/resolv.conf -> nameserver 127.0.0.1. Also
    makes SIGTERM/SIGINT end this program: as the namespace's init it would
    ignore them otherwise (no default action for init), and when it exits
    the kernel kills everything left in the namespace."""
    signal.signal(signal.SIGTERM, _exit_on_signal)
    signal.signal(signal.SIGINT, _exit_on_signal)
    subprocess.run(["ip", "link", "set", "lo", "up"], check=True)
    (work / "resolv.conf").write_text("nameserver 127.0.0.1\n")
    subprocess.run(["mount", "--bind", str(work / "resolv.conf"), "/etc/resolv.conf"],
                   check=True)


def start_dnsbld(work):
    """Inside: dnsbld on 127.0.0.1:53 over work/db (the pytest side loaded
    it), logging to work/dnsbld.log; returns the Popen once it listens."""
    log = open(work / "dnsbld.log", "w")
    proc = subprocess.Popen([os.environ["DNSBLD"], "--db", str(work / "db"), "--listen",
                             "127.0.0.1:53", "--user", "root"],
                            stdin=subprocess.DEVNULL, stdout=log, stderr=log)
    for _ in range(200):
        if "listening on" in (work / "dnsbld.log").read_text() or proc.poll() is not None:
            break
        time.sleep(0.05)
    return proc


def wait_tcp(ports, seconds=10):
    """Inside: wait until every TCP port in ports is listening."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        ss = subprocess.run(["ss", "-ltn"], capture_output=True, text=True).stdout
        if all(f":{p} " in ss for p in ports):
            return True
        time.sleep(0.1)
    return False
