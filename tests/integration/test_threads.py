"""dnsbld with several server threads (--threads): SO_REUSEPORT UDP sockets
share one port (port 0 resolved once), every thread answers, a new
generation reaches every thread and the old one is closed, TCP keeps
working, and bad --threads values are refused."""

import re
import socket
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import (AS_ROOT, HAVE_IPV6, UDP_IO, frame, make_query, program, read_framed,
                      run_loader, write_zones)

CLIENTS = 32  # client sockets: all of them hashing to one thread has odds 2**-31


def a_addrs(msg):
    return [r.address for rr in msg.answer if rr.rdtype == dns.rdatatype.A for r in rr]


def udp_from(sock, q, host, port, timeout=2.0):
    """One query over an existing client socket (its own source port)."""
    sock.settimeout(timeout)
    sock.sendto(q.to_wire(), (host, port))
    deadline = time.monotonic() + timeout
    while True:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        data, _ = sock.recvfrom(65535)
        r = dns.message.from_wire(data)
        if r.id == q.id:
            return r


def client_sockets(host, n=CLIENTS):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    socks = []
    for _ in range(n):
        s = socket.socket(fam, socket.SOCK_DGRAM)
        s.bind((host, 0))
        socks.append(s)
    return socks


def per_thread_queries(log):
    """{thread: queries} from the per-thread lines dnsbld -v logs at stop."""
    return {int(t): int(q) for t, q in re.findall(r"thread (\d+): queries (\d+)", log)}


def udp_threads(srv, n, first_address=False):
    """Numbers of the UDP threads of a server started with --threads n:
    blocking mode, n per listen address (address a: a*n .. a*n+n-1);
    libuv mode, n in all, each with a socket per address."""
    per_addr = 1 if UDP_IO == "libuv" or first_address else len(srv.addrs)
    return list(range(n * per_addr))


def stop_line(log):
    lines = [ln for ln in log.splitlines() if "stopped:" in ln]
    assert lines, log
    return lines[0]


def test_two_threads_answer_udp_from_many_sockets(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--threads", "2", "--verbose")
    assert "threads 2" in srv.log_text()
    hosts = [a[0] for a in srv.addrs]
    for host, port in srv.addrs:
        socks = client_sockets(host)
        try:
            for s in socks:
                r = udp_from(s, make_query("2.0.0.127.bl.test", "A"), host, port)
                assert a_addrs(r) == ["127.0.0.2"]
                r = udp_from(s, make_query("1.0.0.127.bl.test", "A"), host, port)
                assert r.rcode() == dns.rcode.NXDOMAIN
        finally:
            for s in socks:
                s.close()
    assert srv.stop() == 0
    log = srv.log_text()
    line = stop_line(log)
    q = int(line.split("queries ")[1].split(",")[0])
    assert q >= 2 * CLIENTS * len(hosts) and "dropped 0 " in line, line
    per = per_thread_queries(log)
    assert sorted(per) == udp_threads(srv, 2), log
    # SO_REUSEPORT spreads client sockets over both threads' sockets.
    assert all(n > 0 for n in per.values()), per


def test_threads_share_one_port_and_keep_it_private(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--threads", "3")
    host, port = srv.addrs[0]
    # SO_REUSEADDR (which uv_udp_open turns on) is off again: no other
    # socket can take over the port that way.
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        with pytest.raises(OSError):
            s.bind((host, port))
    # The TCP port is held exclusively: a second dnsbld cannot start there.
    p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--threads", "2"] + AS_ROOT + [
                        "--listen", f"{host}:{port}"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert p.returncode == 1 and "cannot listen" in p.stderr, p.stderr
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]


def test_one_thread_uses_no_reuseport(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--threads", "1")
    host, port = srv.addrs[0]
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
        with pytest.raises(OSError):
            s.bind((host, port))
    assert a_addrs(srv.query("2.0.0.127.bl.test", "A")) == ["127.0.0.2"]


def test_generation_switch_seen_by_all_threads(dnsbld, tmp_path):
    db, zones = tmp_path / "db", tmp_path / "zones"
    run_loader(db, write_zones(zones))
    srv = dnsbld(db, "--threads", "2", "--verbose")
    host, port = srv.addrs[0]
    socks = client_sockets(host)
    try:
        for s in socks:
            r = udp_from(s, make_query("1.1.1.10.bl.test", "A"), host, port)
            assert r.rcode() == dns.rcode.NXDOMAIN
        run_loader(db, write_zones(zones, bl_extra="10.1.1.1 :127.0.0.9:New $\n"))
        # Every client socket (so every thread) must see the new data.
        deadline = time.monotonic() + 3.0
        pending = list(socks)
        while pending and time.monotonic() < deadline:
            pending = [s for s in pending
                       if a_addrs(udp_from(s, make_query("1.1.1.10.bl.test", "A"), host,
                                           port)) != ["127.0.0.9"]]
            if pending:
                time.sleep(0.05)
        assert not pending, f"{len(pending)} clients still see the old data:\n" + srv.log_text()
        for s in socks:  # old data is still served from the new generation
            assert a_addrs(udp_from(s, make_query("2.0.0.127.bl.test", "A"), host,
                                    port)) == ["127.0.0.2"]
    finally:
        for s in socks:
            s.close()
    # The old generation is closed once both threads let go of it (an idle
    # thread is woken for that), and it is opened only once per process.
    took = None
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline:
        if "closed generation 1 " in srv.log_text():
            took = True
            break
        time.sleep(0.05)
    assert took, srv.log_text()
    log = srv.log_text()
    assert log.count("loaded generation") == 2, log
    assert srv.stop() == 0
    per = per_thread_queries(srv.log_text())
    assert sorted(per) == udp_threads(srv, 2), per
    # The clients used the first address: both of its threads answered.
    assert all(per[t] > 0 for t in udp_threads(srv, 2, first_address=True)), per


def test_idle_threads_release_old_generation(dnsbld, tmp_path):
    """No query at all after the switch: the old file is still closed."""
    db, zones = tmp_path / "db", tmp_path / "zones"
    run_loader(db, write_zones(zones))
    srv = dnsbld(db, "--threads", "4", "--verbose")
    run_loader(db, write_zones(zones, bl_extra="10.1.1.1\n"))
    deadline = time.monotonic() + 3.0
    while time.monotonic() < deadline and "closed generation 1 " not in srv.log_text():
        time.sleep(0.05)
    assert "closed generation 1 " in srv.log_text(), srv.log_text()


def test_tcp_works_with_threads(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--threads", "2")
    for host, port in srv.addrs:
        q1 = make_query("2.0.0.127.bl.test", "A")
        q2 = make_query("test.dbl.test", "A")
        with srv.connect(host, port) as s:
            s.sendall(frame(q1) + frame(q2))  # pipelined
            r1, r2 = read_framed(s), read_framed(s)
        assert r1 is not None and r2 is not None
        assert (r1.id, r2.id) == (q1.id, q2.id)
        assert a_addrs(r1) == ["127.0.0.2"] and a_addrs(r2) == ["127.0.0.3"]
        r = dns.query.tcp(make_query("1.0.0.127.bl.test", "A"), host, port=port, timeout=2)
        assert r.rcode() == dns.rcode.NXDOMAIN
    assert srv.dig("+short", "+tcp", "2.0.0.127.bl.test", "TXT").strip() == '"Listed 127.0.0.2"'
    assert srv.stop() == 0
    line = stop_line(srv.log_text())
    # two connections per listen address, one for dig
    assert f"tcp accepted {2 * len(srv.addrs) + 1}," in line and "dropped 0 " in line, line


@pytest.mark.parametrize("value", ["0", "257", "-1", "abc", "", "2x", "99999999999"])
def test_bad_threads_exit_2(loaded_db, value):
    p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--threads", value],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert p.returncode == 2, p.stderr
    assert "--threads" in p.stderr and "--help" in p.stderr, p.stderr


def test_help_documents_threads():
    p = subprocess.run([program("DNSBLD"), "--help"], stdout=subprocess.PIPE, text=True,
                       timeout=10)
    assert p.returncode == 0 and "--threads" in p.stdout and "SO_REUSEPORT" in p.stdout


@pytest.mark.skipif(not HAVE_IPV6, reason="no ::1")
def test_ipv6_listen_with_threads(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--threads", "2")
    host, port = srv.addrs[1]
    assert ":" in host
    socks = client_sockets(host, 8)
    try:
        for s in socks:
            r = udp_from(s, make_query("2.0.0.127.bl.test", "A"), host, port)
            assert a_addrs(r) == ["127.0.0.2"]
    finally:
        for s in socks:
            s.close()
