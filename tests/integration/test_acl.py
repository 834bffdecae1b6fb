"""Client ACLs end to end (behaviour contract section 4): dnsbl-load with
per-zone and global `acl` datasets, the real dnsbld on loopback, queries
sent from different source addresses (127.x.y.z with dnspython and dig -b;
::1 for IPv6, with an ACL file per test since it is the only IPv6 loopback
address)."""

import subprocess

import dns.exception
import dns.flags
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

from conftest import HAVE_IPV6, make_query, program, run_loader, write_zones

ZONE_ACL = """\
127.0.0.2 :refuse
127.0.0.3 :empty
127.0.0.4 :127.0.0.9:Always listed for client $
127.0.0.5
127.0.0.128/25 :refuse
127.0.0.200 :pass
"""

GLOBAL_ACL = """\
127.0.0.6 :ignore
127.0.0.7 :127.0.0.10:global $
127.0.0.8 :empty
"""


def load(tmp_path, zone_acl=None, global_acl=None):
    db = tmp_path / "db"
    specs = write_zones(tmp_path / "zones")
    if zone_acl is not None:
        (tmp_path / "zacl").write_text(zone_acl)
        specs.append(f"bl.test:acl:{tmp_path / 'zacl'}")
    if global_acl is not None:
        (tmp_path / "gacl").write_text(global_acl)
        specs.append(f":acl:{tmp_path / 'gacl'}")
    run_loader(db, specs)
    return db


def ask(srv, name, rdtype="A", source=None, tcp=False, host=None):
    """The response, or None when the server sent nothing."""
    q = make_query(name, rdtype)
    port = srv.port
    if host:  # each listen address has its own port (port 0)
        port = next(p for h, p in srv.addrs if h == host)
    try:
        if tcp:
            return dns.query.tcp(q, host or srv.host, port=port, source=source, timeout=1.0)
        return dns.query.udp(q, host or srv.host, port=port, source=source, timeout=1.0)
    except (dns.exception.Timeout, ConnectionError, EOFError):
        return None


def answers(r):
    return sorted(str(rd) for rrset in r.answer for rd in rrset)


@pytest.fixture
def acl_server(tmp_path, dnsbld):
    return dnsbld(load(tmp_path, ZONE_ACL, GLOBAL_ACL))


def test_no_acl_entry_answers_normally(acl_server):
    for src in ("127.0.0.1", "127.0.0.9", "127.0.0.200"):  # .200: pass inside a refuse /25
        r = ask(acl_server, "2.0.0.127.bl.test", source=src)
        assert r is not None and r.rcode() == dns.rcode.NOERROR, src
        assert answers(r) == ["127.0.0.2"]


def test_refuse_ipv4(acl_server):
    for src in ("127.0.0.2", "127.0.0.129"):
        for name, rdtype in (("2.0.0.127.bl.test", "A"), ("bl.test", "SOA"),
                             ("_dnsbl.bl.test", "TXT")):
            r = ask(acl_server, name, rdtype, source=src)
            assert r.rcode() == dns.rcode.REFUSED and not r.answer, (src, name)
            assert not r.flags & dns.flags.AA
        # another zone is not affected
        assert ask(acl_server, "test.dbl.test", source=src).rcode() == dns.rcode.NOERROR


def test_empty_ipv4(acl_server):
    for src in ("127.0.0.3", "127.0.0.8"):  # zone ACL, global ACL
        r = ask(acl_server, "2.0.0.127.bl.test", source=src)
        assert r.rcode() == dns.rcode.NXDOMAIN and not r.answer
        assert r.authority and r.authority[0].rdtype == dns.rdatatype.SOA
        assert ask(acl_server, "bl.test", "SOA", source=src).rcode() == dns.rcode.NOERROR
    # the global one empties every zone
    assert ask(acl_server, "test.dbl.test", source="127.0.0.8").rcode() == dns.rcode.NXDOMAIN
    assert ask(acl_server, "test.dbl.test", source="127.0.0.3").rcode() == dns.rcode.NOERROR


def test_always_ipv4(acl_server):
    r = ask(acl_server, "1.1.1.1.bl.test", source="127.0.0.4")
    assert r.rcode() == dns.rcode.NOERROR and answers(r) == ["127.0.0.9"]
    r = ask(acl_server, "2.0.0.127.bl.test", "TXT", source="127.0.0.4")
    assert answers(r) == ['"Always listed for client 127.0.0.4"']
    # global: every zone; dnset: any name
    r = ask(acl_server, "anything.dbl.test", "TXT", source="127.0.0.7")
    assert answers(r) == ['"global 127.0.0.7"']
    # dig -b, as an operator would check it
    out = acl_server.dig("-b", "127.0.0.4", "+short", "7.7.7.7.bl.test")
    assert out.split() == ["127.0.0.9"]
    out = acl_server.dig("-b", "127.0.0.4", "+short", "7.7.7.7.bl.test", "TXT")
    assert out.strip() == '"Always listed for client 127.0.0.4"'


def test_ignore_ipv4(acl_server):
    # zone ACL default action (no value) is ignore: that zone only
    assert ask(acl_server, "2.0.0.127.bl.test", source="127.0.0.5") is None
    assert ask(acl_server, "test.dbl.test", source="127.0.0.5").rcode() == dns.rcode.NOERROR
    # global ignore: nothing at all, UDP or TCP
    assert ask(acl_server, "test.dbl.test", source="127.0.0.6") is None
    assert ask(acl_server, "version.bind", "TXT", source="127.0.0.6") is None
    assert ask(acl_server, "2.0.0.127.bl.test", source="127.0.0.6", tcp=True) is None
    # the server is still there for everyone else
    assert ask(acl_server, "2.0.0.127.bl.test", source="127.0.0.1") is not None


def test_refuse_over_tcp(acl_server):
    r = ask(acl_server, "2.0.0.127.bl.test", source="127.0.0.2", tcp=True)
    assert r.rcode() == dns.rcode.REFUSED


def test_acl_counts_in_stop_log(acl_server):
    for _ in range(3):
        assert ask(acl_server, "2.0.0.127.bl.test", source="127.0.0.5") is None
    acl_server.stop()
    assert "malformed/ignored 3" in acl_server.log_text()


V6_CASES = [
    # (zone ACL line, global ACL line, rcode or None (no reply), answers)
    ("::1 :refuse", None, dns.rcode.REFUSED, []),
    ("::1 :empty", None, dns.rcode.NXDOMAIN, []),
    ("::1 :127.0.0.9:v6 $", None, dns.rcode.NOERROR, ["127.0.0.9"]),
    ("::1 :ignore", None, None, []),
    ("::/0 :refuse\n::1 :pass", None, dns.rcode.NOERROR, ["127.0.0.2"]),
    (None, "::1 :ignore", None, []),
    (None, "::1 :127.0.0.10:g $", dns.rcode.NOERROR, ["127.0.0.10"]),
    # precedence: ignore > refuse > empty > always, global always first
    ("::1 :empty", "::1 :127.0.0.10:g", dns.rcode.NXDOMAIN, []),
    ("::1 :ignore", "::1 :refuse", None, []),
    ("::1 :refuse", "::1 :empty", dns.rcode.REFUSED, []),
    ("::1 :127.0.0.9:z", "::1 :127.0.0.10:g", dns.rcode.NOERROR, ["127.0.0.10"]),
]


@pytest.mark.skipif(not HAVE_IPV6, reason="no ::1 on this host")
@pytest.mark.parametrize("zone_acl,global_acl,rcode,want", V6_CASES)
def test_ipv6_client(tmp_path, dnsbld, zone_acl, global_acl, rcode, want):
    srv = dnsbld(load(tmp_path, zone_acl, global_acl))
    # 127.0.0.2 is listed: the answer shows whether the ACL applied
    r = ask(srv, "2.0.0.127.bl.test", source="::1", host="::1")
    if rcode is None:
        assert r is None
    else:
        assert r is not None and r.rcode() == rcode
        assert answers(r) == want
    # IPv4 clients are not in these ACLs
    assert answers(ask(srv, "2.0.0.127.bl.test", source="127.0.0.1")) == ["127.0.0.2"]


@pytest.mark.skipif(not HAVE_IPV6, reason="no ::1 on this host")
def test_ipv6_always_txt_has_client(tmp_path, dnsbld):
    srv = dnsbld(load(tmp_path, "::1 :127.0.0.9:client $ listed"))
    r = ask(srv, "1.1.1.1.bl.test", "TXT", source="::1", host="::1")
    assert answers(r) == ['"client ::1 listed"']
    out = srv.dig("-b", "::1", "+short", "1.1.1.1.bl.test", "TXT", host="::1",
                  port=srv.addrs[1][1])
    assert out.strip() == '"client ::1 listed"'


def test_loader_refuses_bad_acl_specs(tmp_path):
    specs = write_zones(tmp_path / "zones")
    (tmp_path / "a").write_text("127.0.0.1 :refuse\n")
    for extra, why in (([f"bl.test:acl:{tmp_path / 'a'}", f"bl.test:acl:{tmp_path / 'a'}"],
                        "more than one acl dataset"),
                       ([f"only.test:acl:{tmp_path / 'a'}"], "missing data for zone"),
                       ([f":ip4set:{tmp_path / 'a'}"], "missing domain name")):
        p = subprocess.run([program("DNSBL_LOAD"), "--db", str(tmp_path / "db")] + specs + extra,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=60)
        assert p.returncode != 0 and why in p.stdout, p.stdout
