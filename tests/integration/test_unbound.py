"""Resolver integration: a real unbound on loopback with stub-zones for
zen.local and dbl.local pointing at dnsbld, queried with dig through unbound.

unbound gets its own config in the test's tmp dir: the README's block
marked 'tested: unbound' (read from README.md) plus TEST_ONLY below: no root hints are ever needed
(every query is inside a stub zone), no trust anchor, the validator module
is off, and outgoing queries are bound to 127.0.0.1, so nothing can leave
the host. The dnsbld query log shows which queries reached dnsbld."""

import re
import socket
import subprocess
import time

import pytest

from conftest import need, readme_block, run_loader


ZEN = """\
$SOA 3600 ns.zen.local. hostmaster.zen.local. 1 3600 600 86400 120
$NS 3600 ns.zen.local.
:127.0.0.2:Listed, see https://example.invalid/$
127.0.0.2
"""
DBL = """\
$SOA 3600 ns.dbl.local. hostmaster.dbl.local. 1 3600 600 86400 120
:127.0.1.2:Domain listed
test
"""

def readme_unbound(port):
    """The README's unbound block with dnsbld's port in place of 5300."""
    block = readme_block("unbound")
    assert "127.0.0.1@5300" in block
    return block.replace("127.0.0.1@5300", f"127.0.0.1@{port}")


TEST_ONLY = """\
server:
    interface: 127.0.0.1
    port: {uport}
    do-ip6: no
    outgoing-interface: 127.0.0.1
    username: ""
    chroot: ""
    directory: "{tmp}"
    pidfile: "{tmp}/unbound.pid"
    use-syslog: no
    logfile: ""
    verbosity: 1
    num-threads: 1
    so-reuseport: no
    module-config: "iterator"
    qname-minimisation: yes
remote-control:
    control-enable: no
"""

TTL = 300


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dig(port, *args):
    p = subprocess.run(["dig", "-p", str(port), "@127.0.0.1", "+time=3", "+tries=1"] + list(args),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=20)
    assert p.returncode == 0, f"dig {args} exited {p.returncode}: {p.stdout}{p.stderr}"
    return p.stdout


def answer(out):
    """(rcode, [(name, ttl, type, data)]) of dig's ANSWER section."""
    rcode = re.search(r"status: (\w+)", out).group(1)
    rrs, sect = [], None
    for line in out.splitlines():
        if line.startswith(";; ANSWER SECTION"):
            sect = "an"
        elif line.startswith(";;"):
            sect = None if line.strip() == "" or "SECTION" in line else sect
        elif sect == "an" and line.strip():
            f = line.split(None, 4)
            rrs.append((f[0], int(f[1]), f[3], f[4]))
    return rcode, rrs


@pytest.fixture
def resolver(dnsbld, tmp_path):
    need("unbound")
    zdir = tmp_path / "zones"
    zdir.mkdir()
    (zdir / "zen").write_text(ZEN)
    (zdir / "dbl").write_text(DBL)
    db = tmp_path / "db"
    run_loader(db, [f"zen.local:ip4set:{zdir / 'zen'}", f"dbl.local:dnset:{zdir / 'dbl'}"])
    qlog = tmp_path / "query.log"
    srv = dnsbld(db, "--ttl", str(TTL), "--query-log", str(qlog), ipv6=False)
    conf = tmp_path / "unbound.conf"
    proc = None
    for _ in range(5):  # a free port may be taken between the check and the bind
        uport = free_port()
        conf.write_text(TEST_ONLY.format(uport=uport, tmp=tmp_path) +
                        readme_unbound(srv.port))
        chk = subprocess.run(["unbound-checkconf", str(conf)], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, text=True, timeout=30)
        assert chk.returncode == 0, chk.stdout
        ulog = open(tmp_path / "unbound.log", "w")
        proc = subprocess.Popen(["unbound", "-d", "-c", str(conf)], stdout=ulog,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        ulog.close()
        deadline = time.monotonic() + 10
        up = False
        while time.monotonic() < deadline and proc.poll() is None:
            try:
                out = dig(uport, "+time=1", "zen.local", "SOA")
                up = "status: NOERROR" in out
                if up:
                    break
            except AssertionError:
                pass
            time.sleep(0.1)
        if up:
            break
        if proc.poll() is None:
            proc.kill()
        proc.wait()
        proc = None
    if proc is None:
        pytest.fail("unbound did not start:\n" + (tmp_path / "unbound.log").read_text())
    try:
        yield uport, srv, qlog
    finally:
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def reached_dnsbld(qlog, name, qtype):
    """Queries for exactly name/qtype that reached dnsbld (query log)."""
    time.sleep(0.1)
    return sum(1 for ln in qlog.read_text().splitlines()
               if ln.split()[3:5] == [name, qtype])


def test_listed_unlisted_txt_through_unbound(resolver):
    uport, srv, qlog = resolver
    rcode, rrs = answer(dig(uport, "2.0.0.127.zen.local", "A"))
    assert rcode == "NOERROR"
    assert [(r[2], r[3]) for r in rrs] == [("A", "127.0.0.2")]
    rcode, rrs = answer(dig(uport, "2.0.0.127.zen.local", "TXT"))
    assert rcode == "NOERROR"
    assert rrs and rrs[0][2] == "TXT"
    assert rrs[0][3] == '"Listed, see https://example.invalid/127.0.0.2"'
    rcode, rrs = answer(dig(uport, "1.0.0.127.zen.local", "A"))
    assert rcode == "NXDOMAIN" and rrs == []
    rcode, rrs = answer(dig(uport, "test.dbl.local", "A"))
    assert rcode == "NOERROR" and [(r[2], r[3]) for r in rrs] == [("A", "127.0.1.2")]
    rcode, _ = answer(dig(uport, "example.dbl.local", "A"))
    assert rcode == "NXDOMAIN"
    assert reached_dnsbld(qlog, "2.0.0.127.zen.local.", "A") == 1


def test_answer_ttl_and_caching(resolver):
    uport, srv, qlog = resolver
    _, rrs = answer(dig(uport, "2.0.0.127.zen.local", "A"))
    assert TTL - 2 <= rrs[0][1] <= TTL  # dnsbld's --ttl reaches the client
    time.sleep(1.2)
    _, rrs2 = answer(dig(uport, "2.0.0.127.zen.local", "A"))
    assert rrs2[0][3] == "127.0.0.2"
    assert rrs2[0][1] < rrs[0][1]  # from unbound's cache, counting down
    assert reached_dnsbld(qlog, "2.0.0.127.zen.local.", "A") == 1
    # Negative answers are cached too (SOA minimum 120 < SOA TTL 3600:
    # RFC 2308 negative TTL 120), the SOA comes along in AUTHORITY.
    out = dig(uport, "9.9.9.9.zen.local", "A")
    assert "status: NXDOMAIN" in out
    soa = re.search(r"^zen\.local\.\s+(\d+)\s+IN\s+SOA", out, re.M)
    assert soa and 110 <= int(soa.group(1)) <= 120, out
    dig(uport, "9.9.9.9.zen.local", "A")
    assert reached_dnsbld(qlog, "9.9.9.9.zen.local.", "A") == 1


def test_readme_bind_snippet_passes_named_checkconf(tmp_path):
    need("named-checkconf")
    conf = tmp_path / "named.conf"
    conf.write_text('options { directory "%s"; dnssec-validation auto;\n'
                    '  validate-except { "zen.local"; "dbl.local"; }; };\n' % tmp_path
                    + readme_block("bind"))
    p = subprocess.run(["named-checkconf", str(conf)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=30)
    assert p.returncode == 0, p.stdout
    # The check can fail: a typo in the block is reported.
    conf.write_text(readme_block("bind").replace("forward only", "forward onlyy"))
    assert subprocess.run(["named-checkconf", str(conf)], stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL, timeout=30).returncode != 0
