"""Helpers for the reliability tests (issue 6: hostile traffic and faults).

The shared harness (tests/harness.py) finds the programs under test (DNSBLD,
DNSBL_LOAD, set by tests/reliability/meson.build), writes the test zones and
starts dnsbld on 127.0.0.1 port 0, reading its port back from its log; every
process a test starts is killed at teardown whatever the test did. Only
loopback is used; every loop is bounded in count and in time. The timeouts
here are longer than the other suites': the ASan/UBSan build starts slower.
"""

import os
import sys
from pathlib import Path

import dns.exception
import dns.rdatatype
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (AS_ROOT, Server as BaseServer, current, launch, make_query,  # noqa: E402,F401
                     procs, program, run_load, server_factory, wait_for, write_zones)

START_TIMEOUT = 20.0  # seconds for dnsbld to bind and answer (ASan builds start slower)
STOP_TIMEOUT = 10.0


def sanitized(path):
    """True when the binary is built with AddressSanitizer (slower, more memory)."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def loader(db, specs, *opts, check=True, env=None):
    """Run dnsbl-load; returns the CompletedProcess (check: fail unless exit 0)."""
    return run_load(db, specs, *opts, env=env, check=check)


current_gen = current


# ---- queries ----

def a_addrs(r):
    return sorted(rr.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A
                  for rr in rrset)


def rss_kib(pid):
    """VmRSS of pid in KiB, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Server(BaseServer):
    """A running dnsbld (tests/harness.py) that can say what it lists."""

    def listed(self, name="2.0.0.127.bl.test", timeout=2.0):
        """The A addresses answered for name (UDP), or None on timeout."""
        try:
            return a_addrs(self.query(name, timeout=timeout))
        except dns.exception.Timeout:
            return None


def start_dnsbld(db, log, *extra, preexec_fn=None, wait_answer=True):
    """Start dnsbld on 127.0.0.1 port 0 with options extra."""
    args = [program("DNSBLD"), "--db", str(db), "--listen", "127.0.0.1:0"] + AS_ROOT + list(extra)
    return launch(args, log, db, start_timeout=START_TIMEOUT, stop_timeout=STOP_TIMEOUT,
                  wait_answer=wait_answer, cls=Server, preexec_fn=preexec_fn)


@pytest.fixture
def dnsbld(tmp_path):
    """Factory: dnsbld(db, *options) starts a server; all are killed at teardown."""
    yield from server_factory(tmp_path, start_dnsbld)
