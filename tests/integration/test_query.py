"""dnsbld answers over UDP and TCP: listed, not listed, out of zone, IPv6,
malformed input. One server (module fixture) over the conftest zones."""

import socket

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import pytest

from conftest import HAVE_IPV6, SOA_SERIAL, make_query


def rrset(msg, section, rdtype):
    for rr in getattr(msg, section):
        if rr.rdtype == dns.rdatatype.from_text(rdtype):
            return rr
    return None


def txt_strings(rr):
    return sorted(b"".join(r.strings).decode() for r in rr)


# ---- dig ----

def test_dig_listed_a_udp(server):
    out = server.dig("+short", "+notcp", "2.0.0.127.bl.test", "A")
    assert out.split() == ["127.0.0.2"]


def test_dig_listed_txt_udp(server):
    out = server.dig("+short", "+notcp", "2.0.0.127.bl.test", "TXT")
    assert out.strip() == '"Listed 127.0.0.2"'


def test_dig_listed_tcp(server):
    out = server.dig("+short", "+tcp", "2.0.0.127.bl.test", "A")
    assert out.split() == ["127.0.0.2"]
    out = server.dig("+short", "+tcp", "test.dbl.test", "TXT")
    assert out.strip() == '"Domain test listed"'


def test_dig_nxdomain_has_soa(server):
    out = server.dig("+noall", "+comments", "+authority", "+notcp", "1.0.0.127.bl.test", "A")
    assert "status: NXDOMAIN" in out
    soa = [line.split() for line in out.splitlines()
           if line and not line.startswith(";") and "SOA" in line.split()]
    assert len(soa) == 1, out
    assert soa[0][0] == "bl.test."
    assert soa[0][4:6] == ["ns.bl.test.", "hostmaster.bl.test."]
    assert int(soa[0][6]) == SOA_SERIAL


def test_dig_refused_out_of_zone(server):
    out = server.dig("+noall", "+comments", "+notcp", "www.example.org", "A")
    assert "status: REFUSED" in out
    flags = out.split("flags:")[1].split(";")[0].split()
    assert "aa" not in flags


# ---- dnspython, UDP ----

def test_listed_a_and_txt(server):
    r = server.query("2.0.0.127.bl.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert r.flags & dns.flags.AA
    a = rrset(r, "answer", "A")
    assert a is not None and [x.address for x in a] == ["127.0.0.2"]
    r = server.query("2.0.0.127.bl.test", "TXT")
    assert txt_strings(rrset(r, "answer", "TXT")) == ["Listed 127.0.0.2"]


def test_range_listed_with_exclusion(server):
    r = server.query("6.0.0.10.bl.test", "A")
    assert r.rcode() == dns.rcode.NOERROR
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.2"]
    r = server.query("5.0.0.10.bl.test", "A")  # !10.0.0.5
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert rrset(r, "answer", "A") is None


def test_nxdomain_soa_in_authority(server):
    r = server.query("1.0.0.127.bl.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert r.flags & dns.flags.AA
    soa = rrset(r, "authority", "SOA")
    assert soa is not None and soa.name.to_text() == "bl.test."
    assert soa[0].serial == SOA_SERIAL


def test_dnset(server):
    r = server.query("test.dbl.test", "A")
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.3"]
    r = server.query("www.example.com.dbl.test", "TXT")
    assert txt_strings(rrset(r, "answer", "TXT")) == ["Domain example.com listed"]
    r = server.query("other.dbl.test", "A")
    assert r.rcode() == dns.rcode.NXDOMAIN


def test_refused_out_of_zone(server):
    r = server.query("www.example.org", "A")
    assert r.rcode() == dns.rcode.REFUSED
    assert not r.flags & dns.flags.AA


def test_reply_id_matches(server):
    for i in range(5):
        q = make_query("2.0.0.127.bl.test", "A")
        r = server.udp(q)
        assert r.id == q.id


# ---- dnspython, TCP ----

def test_tcp_listed_and_nxdomain(server):
    r = server.query("2.0.0.127.bl.test", "TXT", tcp=True)
    assert txt_strings(rrset(r, "answer", "TXT")) == ["Listed 127.0.0.2"]
    r = server.query("1.0.0.127.bl.test", "A", tcp=True)
    assert r.rcode() == dns.rcode.NXDOMAIN
    assert rrset(r, "authority", "SOA") is not None


@pytest.mark.skipif(not HAVE_IPV6, reason="no ::1 on this host")
def test_ipv6_listener(server):
    host, port = server.addrs[1]
    assert host == "::1"
    r = server.udp(make_query("2.0.0.127.bl.test", "A"), host=host, port=port)
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.2"]
    r = server.tcp(make_query("test.dbl.test", "A"), host=host, port=port)
    assert [x.address for x in rrset(r, "answer", "A")] == ["127.0.0.3"]
    out = server.dig("+short", "+notcp", "2.0.0.127.bl.test", "A", host=host, port=port)
    assert out.split() == ["127.0.0.2"]


# ---- malformed input ----

def udp_raw(server, payload, timeout=0.5):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(timeout)
        s.sendto(payload, (server.host, server.port))
        try:
            return s.recv(65535)
        except socket.timeout:
            return None


@pytest.mark.parametrize("payload", [
    b"",                                  # empty datagram
    b"\x12\x34\x01",                       # shorter than a header
    b"\x12\x34\x81\x00" + b"\x00" * 8,     # QR=1 (a response), no question
    b"\xff" * 40,                          # garbage
])
def test_malformed_dropped_server_survives(server, payload):
    assert udp_raw(server, payload) is None
    r = server.query("2.0.0.127.bl.test", "A")
    assert r.rcode() == dns.rcode.NOERROR


def test_query_response_bit_dropped(server):
    q = make_query("2.0.0.127.bl.test", "A")
    wire = bytearray(q.to_wire())
    wire[2] |= 0x80  # QR=1: never answer a response (reflection loops)
    assert udp_raw(server, bytes(wire)) is None
