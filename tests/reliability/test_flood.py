"""Flood test (issue 6): 100,000 malformed packets interleaved with valid
queries, at speed, against a real dnsbld on 127.0.0.1.

The malformed packets (hostile.py: the hostile-packet list, random bytes,
mutated queries) go out in bursts of BURST packets, each burst followed by
one valid query on the same socket. A socket's datagrams reach the same
server thread in order, so the answer to the valid query proves that the
burst before it was read and handled, and keeps the server's receive buffer
bounded: the kernel never has to drop a packet (its drop count for the
server's sockets, from /proc/net/udp, is reported and must be 0). Every
valid query must be answered, correctly, within
VALID_TIMEOUT, with no retry. The server must stay up, and its RSS (VmRSS
from /proc/PID/status) may not grow by more than a small bound between the
end of the warm-up and the end of the flood. A second test does the same
over TCP with framed garbage on many connections.
"""

import os
import random
import socket
import struct
import time

import dns.exception
import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import a_addrs, fd_count, loader, make_query, program, rss_kib, sanitized, \
    wait_for, write_zones
from hostile import Generator

N_MALFORMED = 100_000
BURST = 50             # malformed packets per valid query
WARMUP = 10_000        # malformed packets before the RSS baseline
VALID_TIMEOUT = 5.0    # seconds for one valid answer (no retry)
SOCKETS = 4            # client sockets, round robin (spread over server threads)
RSS_BOUND_KIB = 1024   # growth allowed after warm-up (normal build)
RSS_BOUND_ASAN_KIB = 4096  # ASan: shadow memory and allocator caches move more
TIME_LIMIT = 240.0     # the whole flood, seconds (ASan + 2 parallel tests)

# Valid queries and the exact answer each must get.
VALID = [
    ("2.0.0.127.bl.test", "A", dns.rcode.NOERROR, ["127.0.0.2"]),
    ("1.0.0.127.bl.test", "A", dns.rcode.NXDOMAIN, []),
    ("5.0.0.10.bl.test", "A", dns.rcode.NXDOMAIN, []),
    ("7.0.0.10.bl.test", "A", dns.rcode.NOERROR, ["127.0.0.2"]),
    ("test.dbl.test", "A", dns.rcode.NOERROR, ["127.0.0.3"]),
    ("a.example.com.dbl.test", "A", dns.rcode.NOERROR, ["127.0.0.3"]),
    ("2.0.0.127.bl.test", "TXT", dns.rcode.NOERROR, None),
]


RCODES = {0: "NOERROR", 1: "FORMERR", 2: "SERVFAIL", 3: "NXDOMAIN", 4: "NOTIMP", 5: "REFUSED"}


def udp_drops(port):
    """Datagrams the kernel dropped on the server's UDP sockets bound to port
    (the drops column of /proc/net/udp, summed over SO_REUSEPORT sockets)."""
    total = 0
    with open("/proc/net/udp") as f:
        next(f)
        for line in f:
            cols = line.split()
            if int(cols[1].split(":")[1], 16) == port:
                total += int(cols[-1])
    return total


def check_valid(r, name, rdtype, rcode, addrs):
    """'' if r is the right answer, else what is wrong."""
    if r.rcode() != rcode:
        return f"{name} {rdtype}: rcode {dns.rcode.to_text(r.rcode())}"
    if not (r.flags & dns.flags.AA):
        return f"{name} {rdtype}: no AA"
    if addrs is not None and a_addrs(r) != addrs:
        return f"{name} {rdtype}: A {a_addrs(r)} != {addrs}"
    if rdtype == "TXT":
        txt = [b"".join(rr.strings) for s in r.answer if s.rdtype == dns.rdatatype.TXT
               for rr in s]
        if txt != [b"Listed 127.0.0.2"]:
            return f"{name} TXT: {txt}"
    return ""


def low_id(pkt):
    """pkt with the ID's top bit cleared (bit flips may have set it)."""
    return bytes([pkt[0] & 0x7F]) + pkt[1:] if pkt else pkt


@pytest.fixture
def flood_server(tmp_path, dnsbld):
    db = tmp_path / "db"
    loader(db, write_zones(tmp_path / "zones"))
    return dnsbld(db)


def test_udp_flood(flood_server):
    srv = flood_server
    asan = sanitized(program("DNSBLD"))
    rng = random.Random(20240606)
    gen = Generator(rng)
    # generated up front, so the flood itself goes at socket speed
    # Malformed packets carry IDs below 0x8000 and valid queries IDs from
    # 0x8000 up, so a reply to a malformed copy of a valid query (a mutated
    # one can keep its question) is never taken for the valid answer.
    packets = [low_id(gen.next(rng.randrange(0x8000))) for _ in range(N_MALFORMED)]
    socks = []
    for _ in range(SOCKETS):
        s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        s.connect((srv.host, srv.port))
        socks.append(s)
    sent = valid = answered = replies = 0
    rcodes = {}
    wrong, lost = [], []
    rss_warm = None
    rss_start = rss_kib(srv.proc.pid)
    rss_max = rss_start
    fds_start = fd_count(srv.proc.pid)
    drops0 = udp_drops(srv.port)
    t0 = time.monotonic()
    try:
        while sent < N_MALFORMED:
            assert time.monotonic() - t0 < TIME_LIMIT, \
                f"flood not done in {TIME_LIMIT}s: {sent} packets sent"
            s = socks[(sent // BURST) % SOCKETS]
            name, rdtype, rcode, addrs = VALID[valid % len(VALID)]
            q = make_query(name, rdtype)
            q.id = 0x8000 | (valid & 0x7FFF)
            try:
                for pkt in packets[sent:sent + BURST]:
                    s.send(pkt)
                    sent += 1
                valid += 1
                s.send(q.to_wire())
            except ConnectionRefusedError:  # ICMP port unreachable: nobody listens
                pytest.fail(f"dnsbld gone after {sent} packets (exit {srv.proc.poll()}):\n"
                            f"{srv.log_text()[-3000:]}", pytrace=False)
            deadline = time.monotonic() + VALID_TIMEOUT
            while True:
                s.settimeout(max(0.001, deadline - time.monotonic()))
                try:
                    data = s.recv(65535)
                except socket.timeout:
                    lost.append(f"#{valid} {name} {rdtype}")
                    break
                replies += 1
                if len(data) >= 12 and data[:2] == q.to_wire()[:2]:
                    try:
                        r = dns.message.from_wire(data)
                    except (dns.exception.DNSException, ValueError):
                        r = None
                    if r is not None and r.question == q.question:
                        answered += 1
                        err = check_valid(r, name, rdtype, rcode, addrs)
                        if err:
                            wrong.append(err)
                        break
                # a reply to a malformed packet: tally its rcode from the header
                k = RCODES.get(data[3] & 15, f"RCODE{data[3] & 15}") if len(data) >= 12 \
                    else "short"
                rcodes[k] = rcodes.get(k, 0) + 1
            assert srv.alive(), f"dnsbld died after {sent} packets:\n{srv.log_text()[-3000:]}"
            if rss_warm is None and sent >= WARMUP:
                rss_warm = rss_kib(srv.proc.pid)
            if valid % 100 == 0:
                rss_max = max(rss_max, rss_kib(srv.proc.pid))
        took = time.monotonic() - t0
        rss_end = rss_kib(srv.proc.pid)
        rss_max = max(rss_max, rss_end)
        fds_end = fd_count(srv.proc.pid)
    finally:
        for s in socks:
            s.close()
    drops = udp_drops(srv.port) - drops0
    bound = RSS_BOUND_ASAN_KIB if asan else RSS_BOUND_KIB
    print(f"\nflood: {sent} malformed + {valid} valid packets in {took:.1f}s "
          f"({(sent + valid) / took:.0f} pkt/s){' [ASan]' if asan else ''}")
    print(f"flood: valid answered {answered}/{valid}, wrong {len(wrong)}, lost {len(lost)}; "
          f"other replies {replies - answered} by header rcode {dict(sorted(rcodes.items()))}")
    print(f"flood: RSS start {rss_start} KiB, after warm-up ({WARMUP}) {rss_warm} KiB, "
          f"end {rss_end} KiB, max {rss_max} KiB, growth after warm-up "
          f"{rss_end - rss_warm} KiB (bound {bound}); fds {fds_start} -> {fds_end}; "
          f"kernel drops on the server's sockets {drops}")
    assert srv.alive()
    assert not lost, f"{len(lost)} valid queries unanswered (kernel drops {drops}): {lost[:10]}"
    assert not wrong, f"{len(wrong)} wrong answers: {wrong[:10]}"
    assert answered == valid
    assert drops == 0, f"the kernel dropped {drops} datagrams for the server"
    assert rss_end - rss_warm <= bound, \
        f"RSS grew {rss_end - rss_warm} KiB after warm-up (bound {bound} KiB)"
    assert fds_end <= fds_start
    # still fully functional, over both transports
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A", tcp=True)) == ["127.0.0.2"]


def test_tcp_flood(flood_server):
    """Framed hostile messages over many TCP connections: every connection
    ends (answered, closed or reset), the server stays up, a valid query on
    a fresh connection is answered, and no fd leaks."""
    srv = flood_server
    rng = random.Random(7)
    gen = Generator(rng)
    fds_start = fd_count(srv.proc.pid)
    t0 = time.monotonic()
    conns, msgs = 0, 0
    for c in range(200):
        assert time.monotonic() - t0 < TIME_LIMIT
        with socket.create_connection((srv.host, srv.port), timeout=5.0) as s:
            conns += 1
            out = b""
            for _ in range(rng.randrange(1, 50)):
                m = gen.next(rng.randrange(65536))
                out += struct.pack(">H", len(m)) + m
                msgs += 1
            kind = c % 4
            if kind == 1:
                out += b"\xff\xff" + os.urandom(100)  # a length that never completes
            elif kind == 2:
                out += b"\x00"  # half a length prefix
            elif kind == 3:
                out += b"\x00\x00"  # a zero-length message
            try:
                s.sendall(out)
                s.shutdown(socket.SHUT_WR)
                s.settimeout(5.0)
                while s.recv(65536):
                    pass
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                pass
        assert srv.alive(), f"dnsbld died on TCP connection {c}:\n{srv.log_text()[-3000:]}"
    took = time.monotonic() - t0
    r = srv.query("2.0.0.127.bl.test", "A", tcp=True, timeout=5.0)
    assert a_addrs(r) == ["127.0.0.2"]
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]
    wait_for(lambda: fd_count(srv.proc.pid) <= fds_start, 5.0)  # closes in flight
    fds_end = fd_count(srv.proc.pid)
    print(f"\ntcp flood: {conns} connections, {msgs} framed messages in {took:.1f}s; "
          f"fds {fds_start} -> {fds_end}")
    assert fds_end <= fds_start, f"fd leak: {fds_start} -> {fds_end}"
