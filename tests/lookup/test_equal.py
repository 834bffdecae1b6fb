"""Direct lookups (lookup/ through dnsbl-check) give exactly dnsbld's answers.

The data and queries are the differential test's (tests/diff gen_data.py and
gen_queries.py): every zone type, combined subzones, IPv6 with v4-mapped and
6to4 keys, wildcards, exclusions, TXT templates, an expired zone. Every
class IN A/TXT/ANY query aimed at a key becomes an input (IPv4 address, IPv6
address or domain, as dnsbl-check takes them); dnsbld is asked A and TXT for
it with dnspython (TCP when truncated) and dnsbl-check must report the same
A codes in the same order, the same TXT strings when listed, and an error
exactly where dnsbld answers SERVFAIL (expired zone) or REFUSED (no zone).
The same inputs through dnsbl-check --server must give the same lines.
"""

import ipaddress
import json
import os
import re
import subprocess
import sys

import dns.message
import dns.query
import dns.rcode
import dns.rdatatype
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "diff"))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

import gen_data  # noqa: E402  (tests/diff)
import gen_queries  # noqa: E402
from conftest import program, start_dnsbld  # noqa: E402  (tests/integration)

SEED = int(os.environ.get("LOOKUP_SEED", "7"))
CASES = 14000  # generated queries; about half become distinct inputs
LABEL = re.compile(r"^[a-z0-9_*-]+$")


def input_of(rel):
    """The dnsbl-check input whose query name is <rel>.<zone>."""
    if len(rel) == 4 and all(x.isdigit() and str(int(x)) == x and int(x) < 256 for x in rel):
        return ".".join(reversed(rel))
    if len(rel) == 32 and all(len(x) == 1 and x in "0123456789abcdef" for x in rel):
        return str(ipaddress.IPv6Address(int("".join(reversed(rel)), 16)))
    return ".".join(rel)


def inputs_by_zone(cases):
    zones = {}
    for c in cases:
        if (c.malformed or c.zone is None or c.qclass != 1 or c.opcode != 0 or not c.rel
                or c.qtype not in (1, 16, 255) or c.rel[0] == "_dnsbl"
                or not all(LABEL.match(x) for x in c.rel)):
            continue
        zones.setdefault(c.zone.name, {})[input_of(c.rel)] = ".".join(c.rel)
    return zones


def ask(srv, qname, rdtype):
    q = dns.message.make_query(qname, rdtype)
    host, port = srv.addrs[0]
    r, _ = dns.query.udp_with_fallback(q, host, port=port, timeout=3.0)
    return r


def dnsbld_answer(srv, qname):
    """What an MTA concludes: ('error', rcode) or ('ok', codes, txts)."""
    a = ask(srv, qname, "A")
    rc = a.rcode()
    if rc not in (dns.rcode.NOERROR, dns.rcode.NXDOMAIN):
        return ("error", dns.rcode.to_text(rc))
    codes = [r.address for rs in a.answer if rs.rdtype == dns.rdatatype.A for r in rs]
    txts = []
    if codes:
        t = ask(srv, qname, "TXT")
        txts = [b"".join(r.strings) for rs in t.answer if rs.rdtype == dns.rdatatype.TXT
                for r in rs]
    return ("ok", codes, txts)


CODES_MAX = TXTS_MAX = 32  # lookup/dnsbl.h: DNSBL_CODES_MAX, DNSBL_TXTS_MAX


def check_answer(line):
    """dnsbl-check's answer, and whether it says it kept only the first
    CODES_MAX codes / TXTS_MAX strings."""
    o = json.loads(line)
    if "error" in o:
        kind = "REFUSED" if o["error"].startswith("no such zone") else "SERVFAIL"
        return o["input"], ("error", kind), False
    return (o["input"], ("ok", o["codes"], [t.encode("latin-1") for t in o["txt"]]),
            bool(o.get("truncated")))


def kept(want):
    """dnsbld's answer as the library keeps it, and whether that cuts it."""
    if want[0] == "error":
        return want, False
    _, codes, txts = want
    return (("ok", codes[:CODES_MAX], txts[:TXTS_MAX]),
            len(codes) > CODES_MAX or len(txts) > TXTS_MAX)


def run_check(args, inputs):
    p = subprocess.run([program("DNSBL_CHECK"), "--json"] + args, input="\n".join(inputs) + "\n",
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=300)
    assert p.returncode in (0, 1, 2), p.stderr
    lines = p.stdout.splitlines()
    assert len(lines) == len(inputs), p.stderr
    return lines


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("equal")
    datadir = tmp / "data"
    data = gen_data.generate(SEED, str(datadir))
    db = tmp / "db"
    p = subprocess.run([program("DNSBL_LOAD"), "--db", str(db)] + data.specs, cwd=datadir,
                       stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0, p.stdout
    srv = start_dnsbld(db, tmp / "dnsbld.log", "--threads", "1", ipv6=False)
    yield data, db, srv
    srv.kill()


def test_library_equals_dnsbld(served):
    data, db, srv = served
    zones = inputs_by_zone(gen_queries.generate(data, SEED, CASES))
    total = listed = txt = v6 = names = errors = cut = 0
    mismatches = []
    for zone, inputs in sorted(zones.items()):
        keys = sorted(inputs)
        lines = run_check(["--db", str(db), zone], keys)
        for key, line in zip(keys, lines):
            got_input, got, got_cut = check_answer(line)
            assert got_input == key
            want = dnsbld_answer(srv, f"{inputs[key]}.{zone}")
            cut += got_cut
            total += 1
            if want[0] == "error":
                errors += 1
            elif want[1]:
                listed += 1
                txt += bool(want[2])
            v6 += ":" in key
            names += not re.match(r"^[0-9.:a-f]+$", key)
            if (got, got_cut) != kept(want):
                mismatches.append(f"{zone} {key}: dnsbl-check {got} dnsbld {want}"[:400])
        # the --server path of dnsbl-check: the same lines
        host, port = srv.addrs[0]
        over_dns = run_check(["--server", f"{host}:{port}", zone], keys)
        for key, a, b in zip(keys, lines, over_dns):
            if check_answer(a) != check_answer(b):
                mismatches.append(f"{zone} {key}: library {a} --server {b}"[:400])
    print(f"{total} inputs in {len(zones)} zones: {listed} listed ({txt} with TXT), "
          f"{v6} IPv6, {names} names, {errors} errors, {cut} cut to the library's maximum")
    assert not mismatches, "\n".join(mismatches[:20]) + f"\n({len(mismatches)} in all)"
    # the generated set covers what it must
    assert total >= 3000 and listed >= 500 and txt >= 300 and v6 >= 200 and names >= 300
    assert errors >= 10 and total - listed - errors >= 500
