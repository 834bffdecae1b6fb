#!/usr/bin/python3
"""test_gen_feed.py GEN_FEED - gen_feed.py at a tiny scale, checked against the real cksum.

Every feed file's "# CKSUM <crc> <len>" trailer must equal what
`head -n -1 FILE | cksum` prints; the files must have the Spamhaus header
shape and valid rbldnsd syntax, and the output must depend only on
--scale and --seed.
"""

import importlib.util
import ipaddress
import os
import random
import re
import subprocess
import sys
import tempfile

from checks import check, status

FEEDS = ["sbl", "xbl", "pbl", "dbl", "v6"]


def real_cksum(data):
    out = subprocess.run(["cksum"], input=data, capture_output=True, check=True, timeout=30)
    crc, length = out.stdout.split()[:2]
    return int(crc), int(length)


def head_cksum(path):
    """Exactly the command from the Spamhaus sync script's check."""
    out = subprocess.run("head -n -1 '%s' | cksum" % path, shell=True, capture_output=True,
                         check=True, timeout=30)
    crc, length = out.stdout.split()[:2]
    return int(crc), int(length)


def run_gen(gen, *args):
    return subprocess.run([sys.executable, gen] + list(args), capture_output=True, text=True,
                          timeout=120)


def read_lines(path):
    with open(path) as f:
        return f.read().split("\n")[:-1]


def data_lines(lines):
    return [l for l in lines if l and not l.startswith(("#", "$", ":"))]


IP4 = r"(?:\d{1,3}\.){3}\d{1,3}"


def check_syntax(out):
    # xbl: dotted quads only
    xbl = data_lines(read_lines(os.path.join(out, "xbl")))
    check(all(re.fullmatch(IP4, l) for l in xbl), "xbl: every entry is a single IPv4 address")
    check(len(xbl) == 2001, "xbl: 2000 entries + the 127.0.0.2 test point (got %d)" % len(xbl))
    check(len(set(xbl)) == len(xbl), "xbl: no duplicate entries")
    # sbl: network-aligned CIDRs (rbldnsd rejects unaligned ones), codes .2/.3/.9
    for l in data_lines(read_lines(os.path.join(out, "sbl"))):
        if l.startswith("!"):
            check(re.fullmatch("!" + IP4, l), "sbl exclusion: %r" % l)
            continue
        m = re.fullmatch(r"(%s(?:/\d+)?) :127\.0\.0\.(2|3|9):\S.*" % IP4, l)
        check(m, "sbl entry: %r" % l)
        if m:
            ipaddress.ip_network(m.group(1), strict=True)  # raises if unaligned
    # pbl: two default sections, mixed range syntax
    pbl = read_lines(os.path.join(out, "pbl"))
    check(sum(l.startswith(":127.0.0.10:") for l in pbl) == 1, "pbl: one .10 default line")
    check(sum(l.startswith(":127.0.0.11:") for l in pbl) == 1, "pbl: one .11 default line")
    forms = set()
    for l in data_lines(pbl):
        if re.fullmatch(r"%s/\d+" % IP4, l):
            ipaddress.ip_network(l, strict=True)
            forms.add("cidr")
        elif re.fullmatch(r"%s-%s" % (IP4, IP4), l):
            forms.add("range4")
        elif re.fullmatch(r"%s-\d{1,3}" % IP4, l):
            forms.add("suffix4")
        elif re.fullmatch(r"\d+\.\d+\.\d+-\d+\.\d+\.\d+", l):
            forms.add("range3")
        elif re.fullmatch(r"\d+\.\d+\.\d+-\d+", l):
            forms.add("suffix3")
        elif re.fullmatch(r"\d+\.\d+\.\d+", l):
            forms.add("prefix")
        elif l == "127.0.0.2":
            forms.add("test")
        else:
            check(False, "pbl entry: %r" % l)
    check(len(forms) == 7, "pbl: all syntaxes present (got %s)" % sorted(forms))
    # dbl: exact, *.wild and .dot names, codes 127.0.1.x
    dforms = set()
    for l in data_lines(read_lines(os.path.join(out, "dbl"))):
        m = re.fullmatch(r"(\*\.|\.)?([a-z0-9.-]+)(?: :127\.0\.1\.(\d+):\S+)?", l)
        check(m, "dbl entry: %r" % l)
        if m:
            dforms.add(m.group(1) or "exact")
    check(dforms == {"exact", "*.", "."}, "dbl: all three forms present (got %s)" % dforms)
    # v6: /64s written as 4 groups (ip6tset), exclusions as full addresses
    for l in data_lines(read_lines(os.path.join(out, "v6"))):
        if l.startswith("!"):
            check(ipaddress.ip_address(l[1:]).version == 6, "v6 exclusion: %r" % l)
        else:
            check(re.fullmatch(r"[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){3}", l), "v6 entry: %r" % l)


def main():
    gen = os.path.abspath(sys.argv[1])
    spec = importlib.util.spec_from_file_location("gen_feed", gen)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)

    # The CRC code alone against cksum(1), including the length-encoding
    # edge cases (0 bytes, 255/256, 65535/65536).
    rnd = random.Random(5)
    for n in (0, 1, 2, 255, 256, 1000, 65535, 65536, 70001):
        data = bytes(rnd.getrandbits(8) for _ in range(n))
        check(mod.cksum_bytes(data) == real_cksum(data), "cksum of %d random bytes" % n)

    with tempfile.TemporaryDirectory() as tmp:
        out, out2, out3 = (os.path.join(tmp, d) for d in ("a", "b", "c"))
        r = run_gen(gen, "--scale", "0.001", "--seed", "42", "--out", out)
        check(r.returncode == 0, "gen_feed exit status %d: %s" % (r.returncode, r.stderr))
        for name in FEEDS:
            path = os.path.join(out, name)
            lines = read_lines(path)
            m = re.fullmatch(r"# CKSUM (\d+) (\d+)", lines[-1])
            check(m, "%s: last line is a CKSUM trailer: %r" % (name, lines[-1]))
            if m:
                crc, length = int(m.group(1)), int(m.group(2))
                check((crc, length) == head_cksum(path),
                      "%s: trailer %d %d equals `head -n -1 | cksum` %s" % (
                          name, crc, length, head_cksum(path)))
            check(any(l.startswith("#RSYNC: ") for l in lines[:5]),
                  "%s: #RSYNC: header within the first 5 lines" % name)
            check(any(l.startswith("$SOA ") for l in lines[:6]), "%s: $SOA line" % name)
            check(any(l.startswith("$NS ") for l in lines[:6]), "%s: $NS line" % name)
            r = run_gen(gen, "--check", path)
            check(r.returncode == 0 and r.stdout.strip().endswith("OK"), "%s: --check" % name)
        with open(os.path.join(out, "zones.conf")) as f:
            specs = [w for l in f for w in l.split("#")[0].split()]
        check(specs == ["zen.bench:ip4set:sbl", "zen.bench:ip4set:xbl", "zen.bench:ip4set:pbl",
                        "zen.bench:ip6tset:v6", "dbl.bench:dnset:dbl"],
              "zones.conf specs: %s" % specs)
        check_syntax(out)

        # reproducible for a seed, different for another
        run_gen(gen, "--scale", "0.001", "--seed", "42", "--out", out2)
        run_gen(gen, "--scale", "0.001", "--seed", "43", "--out", out3)
        for name in FEEDS:
            a, b, c = (open(os.path.join(d, name), "rb").read() for d in (out, out2, out3))
            check(a == b, "%s: same seed, same bytes" % name)
            check(a != c, "%s: other seed, other bytes" % name)

        # a corrupted file fails both the real check and --check
        bad = os.path.join(tmp, "bad")
        data = bytearray(open(os.path.join(out, "xbl"), "rb").read())
        data[200] = ord("7") if data[200] != ord("7") else ord("8")
        open(bad, "wb").write(data)
        m = re.fullmatch(rb"# CKSUM (\d+) (\d+)\n", data[data.rfind(b"\n", 0, -1) + 1:])
        check(int(m.group(1)) != head_cksum(bad)[0], "corrupted file: real cksum differs")
        check(run_gen(gen, "--check", bad).returncode == 1, "corrupted file: --check fails")

        r = run_gen(gen, "--scale", "0", "--out", out)
        check(r.returncode == 2, "--scale 0 is rejected")

    return status()


if __name__ == "__main__":
    sys.exit(main())
