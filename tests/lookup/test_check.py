"""dnsbl-check: batch mode on 100,000 inputs, output formats, exit codes,
--server, the config file. Data: tests/integration's test zones (bl.test:
127.0.0.2 and 10.0.0.0/24 listed except 10.0.0.5; dbl.test: test and
*.example.com listed)."""

import ipaddress
import json
import os
import random
import subprocess
import sys
import time

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from conftest import program, run_loader, start_dnsbld, write_zones  # noqa: E402

BATCH = 100_000


def check(*args, stdin=None, timeout=120):
    return subprocess.run([program("DNSBL_CHECK")] + [str(a) for a in args], input=stdin,
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout)


def bl_listed(text):
    """The model of bl.test for an IPv4 or v4-mapped IPv6 input."""
    a = ipaddress.ip_address(text)
    if a.version == 6:
        a = a.ipv4_mapped
        if a is None:
            return False
    return a == ipaddress.IPv4Address("127.0.0.2") or (
        a in ipaddress.ip_network("10.0.0.0/24") and a != ipaddress.IPv4Address("10.0.0.5"))


@pytest.fixture(scope="module")
def db(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("check")
    run_loader(tmp / "db", write_zones(tmp / "zones"))
    return tmp / "db"


def batch_inputs(rng):
    """100,000 inputs: IPv4 around the listed /24, v4-mapped and plain IPv6,
    plus blank and comment lines (skipped, no output line)."""
    out = []
    for _ in range(BATCH):
        r = rng.random()
        v4 = ipaddress.IPv4Address(0x0A000000 + rng.randrange(512))  # 10.0.0.0/23
        if r < 0.8:
            out.append(str(v4))
        elif r < 0.9:
            out.append(f"::ffff:{v4}")
        else:
            out.append(str(ipaddress.IPv6Address(rng.getrandbits(128))))
    return out


def test_batch_100k(db):
    rng = random.Random(5)
    inputs = batch_inputs(rng)
    text = "# comment\n\n" + "\n".join(f"  {x}\r" if i % 1000 == 0 else x
                                       for i, x in enumerate(inputs)) + "\n"
    t0 = time.monotonic()
    p = check("--db", db, "bl.test", stdin=text)
    elapsed = time.monotonic() - t0
    assert p.returncode == 0, p.stderr  # some listed, no error
    lines = p.stdout.splitlines()
    assert len(lines) == BATCH
    listed = 0
    for x, line in zip(inputs, lines):
        word = line.split(" ")
        assert word[0] == x
        if bl_listed(x):
            listed += 1
            assert word[1] == "listed" and word[2] in ("127.0.0.2",), line
            a = ipaddress.ip_address(x)
            subject = a.ipv4_mapped if a.version == 6 else a
            assert line.endswith(f'"Listed {subject}"'), line
        else:
            assert line == f"{x} not-listed"
    assert 30_000 < listed < 60_000
    print(f"{BATCH} inputs in {elapsed:.2f} s, {listed} listed")

    # spot checks: 200 random inputs one by one (one-shot mode, own process)
    for i in rng.sample(range(BATCH), 200):
        one = check("--db", db, "bl.test", inputs[i])
        assert one.stdout.strip() == lines[i]
        assert one.returncode == (0 if bl_listed(inputs[i]) else 1)

    # the same as JSON lines
    pj = check("--db", db, "--json", "bl.test", stdin=text)
    assert pj.returncode == 0
    objs = [json.loads(x) for x in pj.stdout.splitlines()]
    assert len(objs) == BATCH
    for x, o in zip(inputs[:20000], objs):
        assert o["input"] == x and o["zone"] == "bl.test"
        assert o["listed"] == bl_listed(x)
        assert o["codes"] == (["127.0.0.2"] if o["listed"] else [])
        assert len(o["txt"]) == (1 if o["listed"] else 0)


def test_exit_codes_one_shot(db, tmp_path):
    assert check("--db", db, "bl.test", "127.0.0.2").returncode == 0
    assert check("--db", db, "bl.test", "10.0.0.5").returncode == 1
    assert check("--db", db, "dbl.test", "www.example.com").returncode == 0
    assert check("--db", db, "dbl.test", "example.net").returncode == 1
    assert check("--db", db, "--no-txt", "bl.test", "127.0.0.2").stdout == \
        "127.0.0.2 listed 127.0.0.2\n"
    for args, why in [(["nosuch.test", "1.2.3.4"], "no such zone"),
                      (["bl.test", "a..b"], "not a valid"),
                      (["dbl.test", "x" * 64], "not a valid")]:
        p = check("--db", db, *args)
        assert p.returncode == 2 and why in p.stdout, (args, p.stdout)
    p = check("--db", tmp_path / "missing", "bl.test", "127.0.0.2")
    assert p.returncode == 2 and "database" in p.stderr and p.stdout == ""
    for args in (["--db", db], ["--db", db, "--bogus", "bl.test", "1.2.3.4"],
                 ["--db", db, "--timeout", "0", "bl.test", "1.2.3.4"],
                 ["--db", db, "--tries", "x", "bl.test", "1.2.3.4"],
                 ["--server", "localhost:53", "bl.test", "1.2.3.4"]):
        p = check(*args)
        assert p.returncode == 2 and p.stderr, args
    h = check("--help")
    assert h.returncode == 0 and "Exit status" in h.stdout


def test_exit_codes_batch(db):
    assert check("--db", db, "bl.test", stdin="1.2.3.4\n10.0.0.5\n").returncode == 1
    assert check("--db", db, "bl.test", stdin="1.2.3.4\n127.0.0.2\n").returncode == 0
    p = check("--db", db, "bl.test", stdin="127.0.0.2\nbad..name\n1.2.3.4\n")
    assert p.returncode == 2  # an input could not be checked: its line says why
    assert p.stdout.splitlines() == ['127.0.0.2 listed 127.0.0.2 "Listed 127.0.0.2"',
                                     "bad..name error not a valid address or domain name",
                                     "1.2.3.4 not-listed"]
    assert check("--db", db, "bl.test", "1.2.3.4", "127.0.0.2").returncode == 0
    assert check("--db", db, "bl.test", stdin="").returncode == 1  # nothing listed


def test_server_mode(db, tmp_path):
    srv = start_dnsbld(db, tmp_path / "dnsbld.log", ipv6=False)
    try:
        host, port = srv.addrs[0]
        s = f"{host}:{port}"
        p = check("--server", s, "bl.test", "127.0.0.2", "10.0.0.5", "::ffff:10.0.0.7")
        assert p.returncode == 0
        assert p.stdout.splitlines() == ['127.0.0.2 listed 127.0.0.2 "Listed 127.0.0.2"',
                                         "10.0.0.5 not-listed",
                                         '::ffff:10.0.0.7 listed 127.0.0.2 "Listed 10.0.0.7"']
        assert check("--server", s, "bl.test", "10.0.0.5").returncode == 1
        p = check("--server", s, "nosuch.test", "1.2.3.4")
        assert p.returncode == 2 and "REFUSED" in p.stdout
    finally:
        srv.kill()
    # nothing answers any more: every attempt times out, then exit 2
    t0 = time.monotonic()
    p = check("--server", s, "--timeout", "100", "--tries", "2", "bl.test", "1.2.3.4")
    assert p.returncode == 2 and "timed out" in p.stdout
    assert 0.19 < time.monotonic() - t0 < 5


def test_config_file(db, tmp_path):
    conf = tmp_path / "dnsbl.conf"
    conf.write_text(f"db {db}\nlisten 127.0.0.1:5353\nzone x:ip4set:y\n")  # others' keys skipped
    assert check("--config", conf, "bl.test", "127.0.0.2").returncode == 0
    conf.write_text("db a\ndb b\n")
    p = check("--config", conf, "bl.test", "127.0.0.2")
    assert p.returncode == 2 and f"{conf}:2" in p.stderr
    conf.write_text("nosuchkey 1\n")
    p = check("--config", conf, "bl.test", "127.0.0.2")
    assert p.returncode == 2 and f"{conf}:1" in p.stderr
