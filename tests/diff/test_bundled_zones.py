"""The bundled data (zones/): CKSUM trailers verify, and the real rbldnsd
and our dnsbld give the answers zones/README promises (RFC 5782 test points
in every zone, multi-list answers, exclusions, dnset forms).

Environment as test_diff.py: RBLDNSD (default /usr/sbin/rbldnsd), DNSBLD and
DNSBL_LOAD (our server is skipped when they are not set).
"""

import os
import shutil
import subprocess
import sys

import pytest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import dnsio  # noqa: E402
import gen_data  # noqa: E402
import test_diff  # noqa: E402
import wire  # noqa: E402

ZONES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "zones")
NOERROR, NXDOMAIN = 0, 3


def nibbles(addr):
    return ".".join(reversed(f"{gen_data.ip6(addr):032x}"))


# (name, qtype, expected rcode, expected A values (None: not checked), TXT count or None)
EXPECT = [("2.0.0.127.zen.local", 1, NOERROR, {"127.0.0.2", "127.0.0.4", "127.0.0.10"}, None),
          ("2.0.0.127.zen.local", 16, NOERROR, None, 3),
          ("2.0.0.127.sbl.local", 1, NOERROR, {"127.0.0.2"}, None),
          ("2.0.0.127.xbl.local", 1, NOERROR, {"127.0.0.4"}, None),
          ("2.0.0.127.pbl.local", 1, NOERROR, {"127.0.0.10"}, None),
          ("test.dbl.local", 1, NOERROR, {"127.0.1.2"}, None),
          ("test.dbl.local", 16, NOERROR, None, 1),
          ("invalid.dbl.local", 1, NXDOMAIN, None, None),
          ("1.130.18.198.zen.local", 1, NOERROR, {"127.0.0.2", "127.0.0.9"}, None),
          ("7.2.0.192.zen.local", 1, NOERROR, {"127.0.0.2", "127.0.0.4"}, None),
          ("130.2.0.192.zen.local", 1, NOERROR, {"127.0.0.4", "127.0.0.10"}, None),
          ("3.2.1.10.zen.local", 1, NOERROR, {"127.0.0.4", "127.0.0.11"}, None),
          ("53.100.51.198.sbl.local", 1, NXDOMAIN, None, None),
          ("1.1.168.192.pbl.local", 1, NXDOMAIN, None, None),
          (nibbles("2001:db8:4a1:7c01::1") + ".zen.local", 1, NOERROR, {"127.0.0.2"}, None),
          ("x.cheap-pills.example.dbl.local", 1, NOERROR, {"127.0.1.2"}, None),
          ("www.cheap-pills.example.dbl.local", 1, NXDOMAIN, None, None),
          ("a.dl.example.org.dbl.local", 1, NOERROR, {"127.0.1.5"}, None),
          ("safe.redir.example.net.dbl.local", 1, NXDOMAIN, None, None),
          ("x.redir.example.net.dbl.local", 1, NOERROR, {"127.0.1.103"}, None)]
for z, code in (("zen", {"127.0.0.2", "127.0.0.4", "127.0.0.10"}), ("sbl", {"127.0.0.2"}),
                ("xbl", {"127.0.0.4"}), ("pbl", {"127.0.0.10"})):
    EXPECT += [(f"1.0.0.127.{z}.local", 1, NXDOMAIN, None, None),
               (f"{nibbles('::ffff:7f00:2')}.{z}.local", 1, NOERROR, code, None),
               (f"{nibbles('::ffff:7f00:1')}.{z}.local", 1, NXDOMAIN, None, None)]
# contract 6.5: only *.dl.example.org is listed, so dl.example.org is an
# empty non-terminal: rbldnsd NXDOMAIN, dnsbld NOERROR/NODATA
ENT = ("dl.example.org.dbl.local", 1)


def zone_specs():
    with open(os.path.join(ZONES, "zones.conf")) as f:
        return [ln.strip() for ln in f if ln.strip() and not ln.lstrip().startswith("#")]


def zone_files():
    return sorted({fn for spec in zone_specs() for fn in spec.split(":", 2)[2].split(",")})


def test_cksum_trailers():
    for name in zone_files():
        with open(os.path.join(ZONES, name), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        assert lines and b"CKSUM" in lines[-1], f"{name}: no CKSUM trailer"
        body = b"".join(lines[:-1])
        want = lines[-1].split()[2].decode()
        assert want == str(gen_data.posix_cksum(body)), f"{name}: CKSUM does not verify"
        if shutil.which("cksum"):
            out = subprocess.run(["cksum"], input=body, stdout=subprocess.PIPE, check=True).stdout
            assert out.split()[0].decode() == want, f"{name}: differs from cksum(1)"
        assert lines[0].startswith(b"#RSYNC:"), f"{name}: no #RSYNC: header"


def check(port, who):
    qs = EXPECT + [(ENT[0], ENT[1], None, None, None)]
    replies = dnsio.exchange(port, [wire.build_query(n + ".", t) for n, t, *_ in qs])
    errors = []
    for (name, qtype, rcode, avals, ntxt), raw in zip(qs, replies):
        if raw is None:
            errors.append(f"{name}: no reply")
            continue
        m = wire.Message(raw)
        if name == ENT[0]:
            want = NXDOMAIN if who == "rbldnsd" else NOERROR
            if m.rcode != want or m.answer:
                errors.append(f"{name}: rcode {m.rcode}, want {want} and no answer")
            continue
        if m.rcode != rcode:
            errors.append(f"{name} type {qtype}: rcode {m.rcode}, want {rcode}")
        got_a = {r.rdtext for r in m.answer if r.type == 1}
        if avals is not None and got_a != avals:
            errors.append(f"{name}: A {sorted(got_a)}, want {sorted(avals)}")
        if ntxt is not None and sum(r.type == 16 for r in m.answer) != ntxt:
            errors.append(f"{name}: {sum(r.type == 16 for r in m.answer)} TXT, want {ntxt}")
    return errors


def test_bundled_zones_answer():
    rbldnsd = test_diff.program("RBLDNSD", "/usr/sbin/rbldnsd")
    workdir = test_diff._workdir()
    data = os.path.join(workdir, "zones")
    try:
        os.mkdir(data)
        os.chmod(data, 0o755)
        for name in zone_files():  # a copy rbldnsd (user nobody) can read
            shutil.copy(os.path.join(ZONES, name), data)
            os.chmod(os.path.join(data, name), 0o644)
        with dnsio.Servers(workdir) as srv:
            ref = srv.start_rbldnsd(rbldnsd, data, zone_specs())
            errors = [f"rbldnsd: {e}" for e in check(ref.port, "rbldnsd")]
            if os.environ.get("DNSBLD") and os.environ.get("DNSBL_LOAD"):
                db = os.path.join(workdir, "db")
                srv.load_dnsbl(os.path.abspath(os.environ["DNSBL_LOAD"]), data, db, zone_specs())
                ours = srv.start_dnsbld(os.path.abspath(os.environ["DNSBLD"]), db)
                errors += [f"dnsbld: {e}" for e in check(ours.port, "dnsbld")]
        assert not errors, "\n".join(errors)
        if not os.environ.get("DNSBLD"):
            pytest.skip("DNSBLD/DNSBL_LOAD not set: only rbldnsd was checked")
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
