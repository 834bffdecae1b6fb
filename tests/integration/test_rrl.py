"""Response-rate limiting end to end (dnsbld --rrl): off by default, the
limited rate observed, slip producing TC=1 replies, loopback clients exempt
unless --rrl-loopback, TCP never limited, counters in the stop log.

Each burst is sent back to back from one source address and then read
for a bounded time, so the run takes well under a second per burst."""

import re
import socket
import subprocess
import time

import dns.flags
import dns.message
import dns.rcode

from conftest import AS_ROOT, make_query, program

BURST = 60


def burst(srv, source="127.0.5.9", n=BURST, name="2.0.0.127.bl.test"):
    """Send n queries at once from source; returns (full answers, TC replies).
    The default source is outside 127.0.0.0/24, whose bucket the start-up
    probes (from 127.0.0.1) have already drawn on."""
    wire = make_query(name, "A").to_wire()
    full = tc = 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind((source, 0))
        for _ in range(n):
            s.sendto(wire, (srv.host, srv.port))
        deadline = time.monotonic() + 1.0
        while full + tc < n and time.monotonic() < deadline:
            s.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                m = dns.message.from_wire(s.recv(4096))
            except socket.timeout:
                break
            if m.flags & dns.flags.TC:
                assert not m.answer  # a slipped reply carries the question only
                tc += 1
            else:
                assert m.rcode() == dns.rcode.NOERROR and m.answer
                full += 1
    return full, tc


def stop_counters(srv):
    srv.stop()
    m = re.search(r"rrl: limited (\d+) \(slipped (\d+), dropped (\d+)\)", srv.log_text())
    assert m, srv.log_text()
    return tuple(int(x) for x in m.groups())


def test_off_by_default(loaded_db, dnsbld):
    srv = dnsbld(loaded_db)
    assert burst(srv) == (BURST, 0)
    srv.stop()
    assert "rrl" not in srv.log_text()


def test_rate_limited_with_slip(loaded_db, dnsbld):
    srv = dnsbld(loaded_db, "--rrl", "5", "--rrl-slip", "2", "--rrl-loopback", "--threads", "1")
    full, tc = burst(srv)
    # a bucket of 5 (one second of burst) plus what refills during the
    # burst (well under a second: at most a few more)
    assert 5 <= full <= 10, (full, tc)
    limited = BURST - full
    # every second limited response slips: about half of them
    assert limited // 2 - 2 <= tc <= limited // 2 + 2, (full, tc)
    # other prefixes have their own bucket
    assert burst(srv, source="127.0.6.9", n=5) == (5, 0)
    # TCP is never limited: a slipped client gets its answer there
    r = srv.query("2.0.0.127.bl.test", tcp=True)
    assert r.rcode() == dns.rcode.NOERROR and r.answer
    lim, slipped, dropped = stop_counters(srv)
    assert lim == limited and slipped == tc and dropped == lim - tc


def test_slip_zero_drops_all(loaded_db, dnsbld):
    srv = dnsbld(loaded_db, "--rrl", "3", "--rrl-slip", "0", "--rrl-loopback", "--threads", "1")
    full, tc = burst(srv)
    assert 3 <= full <= 8 and tc == 0, (full, tc)
    lim, slipped, dropped = stop_counters(srv)
    assert slipped == 0 and dropped == lim == BURST - full


def test_loopback_exempt_unless_asked(loaded_db, dnsbld):
    srv = dnsbld(loaded_db, "--rrl", "2", "--threads", "1")
    assert burst(srv) == (BURST, 0)
    assert stop_counters(srv) == (0, 0, 0)


def test_rrl_options_rejected(loaded_db):
    for args, why in ((["--rrl", "0"], "--rrl"), (["--rrl", "x"], "--rrl"),
                      (["--rrl", "5", "--rrl-slip", "101"], "--rrl-slip")):
        p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--check"] + AS_ROOT + args,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=30)
        assert p.returncode in (1, 2) and why in p.stdout, p.stdout
