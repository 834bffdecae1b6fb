"""TCP per RFC 7766: framing, pipelining, reassembly, idle timeout,
slowloris, connection cap. Raw sockets, so every byte boundary is ours."""

import time

import dns.rcode
import dns.rdatatype

from conftest import frame, make_query, read_framed, wait_closed


def a_addrs(msg):
    return [r.address for rr in msg.answer if rr.rdtype == dns.rdatatype.A for r in rr]


def test_pipelined_queries_one_send(server):
    q1 = make_query("2.0.0.127.bl.test", "A")
    q2 = make_query("1.0.0.127.bl.test", "A")
    q3 = make_query("test.dbl.test", "A")
    with server.connect() as s:
        s.sendall(frame(q1) + frame(q2) + frame(q3))  # one segment, three queries
        r1, r2, r3 = (read_framed(s) for _ in range(3))
    assert None not in (r1, r2, r3), "connection closed before all answers"
    assert (r1.id, r2.id, r3.id) == (q1.id, q2.id, q3.id)  # in order
    assert a_addrs(r1) == ["127.0.0.2"]
    assert r2.rcode() == dns.rcode.NXDOMAIN
    assert a_addrs(r3) == ["127.0.0.3"]


def test_query_split_across_sends(server):
    q = make_query("2.0.0.127.bl.test", "TXT")
    data = frame(q)
    with server.connect() as s:
        s.sendall(data[:1])  # half of the length prefix
        time.sleep(0.2)
        s.sendall(data[1:9])
        time.sleep(0.2)
        s.sendall(data[9:])
        r = read_framed(s)
    assert r is not None and r.id == q.id
    assert [b"".join(x.strings) for rr in r.answer for x in rr] == [b"Listed 127.0.0.2"]


def test_second_query_straddles_segments(server):
    q1 = make_query("2.0.0.127.bl.test", "A")
    q2 = make_query("test.dbl.test", "A")
    d1, d2 = frame(q1), frame(q2)
    with server.connect() as s:
        s.sendall(d1 + d2[:5])
        r1 = read_framed(s)
        time.sleep(0.2)
        s.sendall(d2[5:])
        r2 = read_framed(s)
    assert r1 is not None and r1.id == q1.id and a_addrs(r1) == ["127.0.0.2"]
    assert r2 is not None and r2.id == q2.id and a_addrs(r2) == ["127.0.0.3"]


def test_many_sequential_queries_one_connection(server):
    with server.connect() as s:
        for i in range(50):
            q = make_query("2.0.0.127.bl.test", "A")
            s.sendall(frame(q))
            r = read_framed(s)
            assert r is not None, f"closed after {i} queries"
            assert r.id == q.id and a_addrs(r) == ["127.0.0.2"]


def test_half_close_still_answered(server):
    q = make_query("2.0.0.127.bl.test", "A")
    with server.connect() as s:
        s.sendall(frame(q) + frame(q))
        s.shutdown(1)  # SHUT_WR: "no more queries", answers still due
        r1, r2 = read_framed(s), read_framed(s)
        assert r1 is not None and r2 is not None
        assert wait_closed(s, 3.0) is not None, "server did not close after answering"


def test_oversized_length_prefix_does_not_hang_server(server):
    # A prefix announcing 65535 bytes that never come: the connection just
    # waits (and later times out); other clients are served meanwhile.
    with server.connect() as s:
        s.sendall(b"\xff\xff" + b"x" * 100)
        r = server.query("2.0.0.127.bl.test", "A", tcp=True)
        assert a_addrs(r) == ["127.0.0.2"]


def test_idle_timeout_closes(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--tcp-idle", "1")
    with srv.connect() as s:
        took = wait_closed(s, 5.0)
    assert took is not None, "idle connection was not closed within 5 s"
    assert 0.7 <= took <= 3.0, f"closed after {took:.2f}s, expected ~1 s"


def test_active_connection_survives_idle_timeout(dnsbld, loaded_db):
    # Complete queries restart the idle timer: 6 queries 0.5 s apart span
    # 3 s, three times --tcp-idle, on one connection.
    srv = dnsbld(loaded_db, "--tcp-idle", "1")
    with srv.connect() as s:
        for i in range(6):
            q = make_query("2.0.0.127.bl.test", "A")
            s.sendall(frame(q))
            r = read_framed(s)
            assert r is not None and r.id == q.id, f"closed at query {i}"
            time.sleep(0.5)


def test_slowloris_closed(dnsbld, loaded_db):
    # One byte every 0.3 s never completes a query within --tcp-idle: the
    # trickle must not keep the connection open.
    srv = dnsbld(loaded_db, "--tcp-idle", "1")
    data = frame(make_query("2.0.0.127.bl.test", "A"))
    t0 = time.monotonic()
    closed_after = None
    with srv.connect() as s:
        for b in data:
            try:
                s.sendall(bytes([b]))
            except (BrokenPipeError, ConnectionResetError):
                closed_after = time.monotonic() - t0
                break
            if wait_closed(s, 0.3) is not None:
                closed_after = time.monotonic() - t0
                break
    assert closed_after is not None, "slow sender kept the connection open"
    assert closed_after <= 3.0


def test_connection_cap(dnsbld, loaded_db):
    srv = dnsbld(loaded_db, "--tcp-max", "2")
    c1, c2 = srv.connect(), srv.connect()
    try:
        for c in (c1, c2):  # both accepted and served
            q = make_query("2.0.0.127.bl.test", "A")
            c.sendall(frame(q))
            r = read_framed(c)
            assert r is not None and r.id == q.id
        with srv.connect() as c3:  # the kernel completes the handshake...
            assert wait_closed(c3, 3.0) is not None, "third connection not closed at cap"
        c1.close()
        time.sleep(0.3)  # let the server see the close
        with srv.connect() as c4:  # a slot is free again
            q = make_query("2.0.0.127.bl.test", "A")
            c4.sendall(frame(q))
            r = read_framed(c4)
            assert r is not None and r.id == q.id and a_addrs(r) == ["127.0.0.2"]
    finally:
        c1.close()
        c2.close()
    assert srv.stop() == 0
    assert "refused 1," in srv.log_text()


def test_tcp_max_not_hit_by_sequential_connections(dnsbld, loaded_db):
    # Closed connections give their slot back: 10 connections in a row
    # through a cap of 1.
    srv = dnsbld(loaded_db, "--tcp-max", "1")
    for i in range(10):
        with srv.connect() as s:
            q = make_query("2.0.0.127.bl.test", "A")
            s.sendall(frame(q))
            r = read_framed(s)
            assert r is not None, f"connection {i} refused"
        time.sleep(0.1)
