"""Helpers for the refresh tests (issue 3: safe refresh from cron).

The shared harness (tests/harness.py) finds the programs under test (DNSBLD,
DNSBL_LOAD, set by tests/refresh/meson.build) and starts dnsbld on 127.0.0.1
port 0, reading its port back from its log. Every dnsbld (and every other
process) a test starts is killed at teardown. This file adds feed-file
writing (atomic replace, CKSUM, $TIMESTAMP) and answer signatures.
"""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import dns.rcode
import dns.rdatatype
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (AS_ROOT, Server as BaseServer, current, launch, make_query,  # noqa: E402,F401
                     procs, program, server_factory, wait_for)
from harness import run_load as harness_run_load  # noqa: E402

START_TIMEOUT = 10.0  # seconds for dnsbld to bind and answer
STOP_TIMEOUT = 5.0
LOAD_TIMEOUT = 120.0  # one dnsbl-load run, generous for ASan builds
SWITCH_TIMEOUT = 1.0  # dnsbld checks DIR/current every second (behaviour.md 5)
# Polling adds up to one query round trip and the switch itself opens the
# new file: the margin covers that, not a second check interval.
SWITCH_SLACK = 0.3


# ---- zone files ----

def write_atomic(path, text):
    """Replace path like a feed publisher does: temp file, then rename(2)."""
    path = str(path)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".new")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def cksum_of(data):
    """POSIX cksum CRC of data (bytes), from the real cksum(1)."""
    p = subprocess.run(["cksum"], input=data, stdout=subprocess.PIPE, check=True, timeout=30)
    crc, length = p.stdout.split()[:2]
    return int(crc), int(length)


def with_cksum(text, crc=None):
    """text plus a Spamhaus '# CKSUM <crc> <len>' trailer (the right crc by default)."""
    data = text.encode()
    good, length = cksum_of(data)
    return text + f"# CKSUM {good if crc is None else crc} {length}\n"


def soa(zone, serial=1):
    return (f"$SOA 3600 ns.{zone}. hostmaster.{zone}. {serial} 3600 600 86400 300\n"
            f"$NS 3600 ns.{zone}.\n")


def ts(t):
    """rbldnsd $TIMESTAMP form of unix time t (UTC)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


# ---- dnsbl-load ----

def run_load(db, specs, *opts, env=None, cwd=None, timeout=LOAD_TIMEOUT, check=False,
             preexec_fn=None):
    """Run dnsbl-load in the inherited environment without DNSBL_FAULT, plus
    env; returns the CompletedProcess (check: fail the test unless exit 0;
    preexec_fn: run in the child before exec)."""
    e = dict(os.environ)
    e.pop("DNSBL_FAULT", None)
    if env:
        e.update(env)
    return harness_run_load(db, specs, *opts, env=e, cwd=cwd, timeout=timeout, check=check,
                            preexec_fn=preexec_fn)


def load_ok(db, specs, *opts, **kw):
    return run_load(db, specs, *opts, check=True, **kw)


def published_gen(stderr):
    m = re.findall(r"published generation (\d+)", stderr)
    return int(m[-1]) if m else None


# ---- answers ----

def signature(msg):
    """What an answer says, without TTLs or ids: (rcode, sorted answer records).
    Records are ('A', '127.0.0.2') or ('TXT', 'text')."""
    recs = []
    for rrset in msg.answer:
        for rd in rrset:
            if rd.rdtype == dns.rdatatype.A:
                recs.append(("A", rd.address))
            elif rd.rdtype == dns.rdatatype.TXT:
                recs.append(("TXT", b"".join(rd.strings).decode(errors="replace")))
            else:
                recs.append((dns.rdatatype.to_text(rd.rdtype), rd.to_text()))
    return (dns.rcode.to_text(msg.rcode()), tuple(sorted(recs)))


def nx():
    return ("NXDOMAIN", ())


def listed(*recs):
    return ("NOERROR", tuple(sorted(recs)))


# ---- dnsbld ----

class Server(BaseServer):
    """A running dnsbld (tests/harness.py) that compares answers and reads
    its refresh log."""

    def sig(self, name, rdtype="A", timeout=2.0):
        return signature(self.query(name, rdtype, timeout=timeout))

    def sigs(self, probes):
        """{(name, type): signature} for every probe."""
        return {p: self.sig(*p) for p in probes}

    def generations_loaded(self):
        return [int(g) for g in re.findall(r"loaded generation (\d+)", self.log_text())]

    def stop(self):
        """SIGTERM; returns the 'stopped:' counter line (fails if it hangs)."""
        super().stop()
        lines = [ln for ln in self.log_text().splitlines() if "stopped:" in ln]
        return lines[-1] if lines else ""


def start_dnsbld(db, log, *extra):
    """Start dnsbld on 127.0.0.1 port 0 with options extra."""
    args = [program("DNSBLD"), "--db", str(db), "--listen", "127.0.0.1:0"] + AS_ROOT + list(extra)
    return launch(args, log, db, start_timeout=START_TIMEOUT, stop_timeout=STOP_TIMEOUT,
                  cls=Server)


@pytest.fixture
def dnsbld(tmp_path):
    """Factory: dnsbld(db, *options) starts a server; all are killed at teardown."""
    yield from server_factory(tmp_path, start_dnsbld)


def wait_switch(srv, probes, want, timeout=SWITCH_TIMEOUT + SWITCH_SLACK):
    """Seconds until every probe answers as in want ({probe: signature}), or None."""
    def ok():
        return all(srv.sig(*p, timeout=0.5) == want[p] for p in probes)
    return wait_for(ok, timeout, step=0.01)
