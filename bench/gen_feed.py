#!/usr/bin/python3
"""gen_feed.py - synthetic Spamhaus-shaped rbldnsd feed files for benchmarks.

Writes into --out DIR, sized by --scale (1.0 = the sizes below), fully
determined by --seed:

  sbl  ip4set   ~40k CIDRs, per-entry A + TXT (127.0.0.2 SBL, .3 CSS,
                .9 DROP) and some !exclusions
  xbl  ip4set   2M single IPs, one default line :127.0.0.4:...$
  pbl  ip4set   250k ranges in mixed syntax (CIDR, a-b ranges, suffix
                ranges, prefixes): a .10 section then a .11 section
  dbl  dnset    500k domains as exact, *.wildcard and .dot entries, codes
                127.0.1.2 .. 127.0.1.106
  v6   ip6tset  50k IPv6 /64s and a few /128 exclusions
  zones.conf    the zone specs: zen.bench = sbl+xbl+pbl+v6, dbl.bench = dbl

Every feed file starts with a "#RSYNC:" schedule comment and $SOA/$NS
lines, and ends with a Spamhaus integrity trailer "# CKSUM <crc> <len>"
where crc and len are what `head -n -1 FILE | cksum` prints (POSIX cksum
of every other line). The data is random and not real: addresses and
names carry no reputation. Test points: 127.0.0.2 is listed in sbl, xbl
and pbl (RFC 5782), 127.0.0.1 nowhere; dbltest.com and test in dbl.

    gen_feed.py --scale 1 --seed 1 --out /tmp/feed     # ~1 minute budget
    gen_feed.py --check /tmp/feed/xbl                   # verify a trailer

Standard library only.
"""

import argparse
import os
import random
import sys
import time
import zlib

BASE_COUNTS = {"sbl": 40000, "xbl": 2000000, "pbl": 250000, "dbl": 500000, "v6": 50000}
ZONES_CONF = [
    "zen.bench:ip4set:sbl",
    "zen.bench:ip4set:xbl",
    "zen.bench:ip4set:pbl",
    "zen.bench:ip6tset:v6",
    "dbl.bench:dnset:dbl",
]
SOA = "$SOA 900 ns1.bench. hostmaster.bench. 2025010100 3600 600 432000 900\n"
NS = "$NS 900 ns1.bench. ns2.bench.\n"
URL = "https://check.spamhaus.org"
M32 = 0xFFFFFFFF
# Lines are buffered and written in chunks of this many: bounded memory
# even for the 2M-line XBL.
CHUNK_LINES = 65536

# --- POSIX cksum ----------------------------------------------------------
# cksum is CRC-32 with polynomial 0x04C11DB7, MSB-first (not reflected),
# initial value 0, over the data followed by its length (little-endian,
# only the significant bytes), complemented at the end. zlib.crc32 is the
# reflected variant of the same polynomial; run on bit-reversed bytes it
# yields the bit-reversed register of the MSB-first CRC. That keeps the
# byte loop in C: a pure-Python loop would take a minute on the 30 MB XBL.
_REV = bytes(int("{:08b}".format(i)[::-1], 2) for i in range(256))
_REV_TABLE = bytes.maketrans(bytes(range(256)), _REV)


def _rev32(x):
    return int("{:032b}".format(x)[::-1], 2)


class Cksum:
    """Incremental POSIX cksum: update(bytes) ..., then value() -> (crc, length)."""

    def __init__(self):
        self.z = M32  # zlib's argument for an internal register of 0
        self.length = 0

    def update(self, data):
        self.z = zlib.crc32(data.translate(_REV_TABLE), self.z)
        self.length += len(data)

    def value(self):
        n, tail = self.length, bytearray()
        while n:
            tail.append(n & 0xFF)
            n >>= 8
        z = zlib.crc32(bytes(tail).translate(_REV_TABLE), self.z)
        register = _rev32(~z & M32)
        return (~register & M32, self.length)


def cksum_bytes(data):
    c = Cksum()
    c.update(data)
    return c.value()


class FeedWriter:
    """Writes lines to path.tmp, checksumming as it goes; close() appends
    the CKSUM trailer and renames into place (readers never see a partial
    file, as with rsync)."""

    def __init__(self, path):
        self.path = path
        self.tmp = path + ".tmp"
        self.f = open(self.tmp, "wb")
        self.ck = Cksum()
        self.buf = []
        self.lines = 0

    def line(self, s):
        self.buf.append(s)
        if len(self.buf) >= CHUNK_LINES:
            self.flush()

    def flush(self):
        if self.buf:
            data = "".join(self.buf).encode("ascii")
            self.f.write(data)
            self.ck.update(data)
            self.lines += len(self.buf)
            self.buf = []

    def close(self):
        self.flush()
        crc, length = self.ck.value()
        self.f.write("# CKSUM {} {}\n".format(crc, length).encode("ascii"))
        self.f.close()
        os.replace(self.tmp, self.path)
        return self.lines + 1


def header(w, name, rsync, seed, scale):
    # Schedule header within the first 5 lines, as spamhaus-sync.sh expects:
    # "#RSYNC: S G W Z B BZ" (start minute, interval, window, gz available,
    # rsync block sizes).
    w.line("#RSYNC: {}\n".format(rsync))
    w.line("# {} - synthetic Spamhaus-shaped data from gen_feed.py "
           "(seed {}, scale {}); not real listings\n".format(name, seed, scale))
    w.line(SOA)
    w.line(NS)


# --- addresses ------------------------------------------------------------
def mix32(x):
    """A bijection on 32-bit integers (lowbias32): distinct inputs give
    distinct, well-scattered outputs, so "unique random addresses" need no
    2M-entry set."""
    x ^= x >> 16
    x = (x * 0x7FEB352D) & M32
    x ^= x >> 15
    x = (x * 0x846CA68B) & M32
    x ^= x >> 16
    return x


def public(a):
    """Unicast, not 0/8, 10/8, 127/8, 172.16/12, 192.168/16 or class D/E."""
    o = a >> 24
    if o in (0, 10, 127) or o >= 224:
        return False
    if o == 172 and (a >> 20) & 0xF == 1:
        return False
    return not (o == 192 and (a >> 16) & 0xFF == 168)


def ip(a):
    return "%d.%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255)


def random_public(rnd):
    while True:
        a = rnd.getrandbits(32)
        if public(a):
            return a


# --- feeds ----------------------------------------------------------------
def gen_sbl(path, n, rnd, seed, scale):
    w = FeedWriter(path)
    header(w, "sbl", "0 1 1 1 0 0", seed, scale)
    w.line("127.0.0.2 :127.0.0.2:{}/sbl/query/SBL2\n".format(URL))
    sbl_id = 100000
    for i in range(n):
        sbl_id += 1 + rnd.getrandbits(4)
        kind = rnd.random()
        if kind < 0.15:  # CSS: snowshoe single IPs, automated
            a, plen, code = random_public(rnd), 32, 3
            txt = "Listed by CSS, see {}/sbl/query/SBL{}".format(URL, sbl_id)
        elif kind < 0.30:  # DROP: hijacked blocks, larger
            plen, code = rnd.randint(16, 22), 9
            a = random_public(rnd) & (M32 << (32 - plen)) & M32
            txt = "{}/sbl/query/SBL{} (DROP)".format(URL, sbl_id)
        else:
            plen, code = rnd.choice((24, 24, 25, 26, 27, 28, 29, 30, 32, 32, 22, 23)), 2
            a = random_public(rnd) & (M32 << (32 - plen)) & M32
            txt = "{}/sbl/query/SBL{}".format(URL, sbl_id)
        key = ip(a) if plen == 32 else "%s/%d" % (ip(a), plen)
        w.line("%s :127.0.0.%d:%s\n" % (key, code, txt))
        # an exclusion inside a listed block now and then (~2%)
        if plen <= 28 and rnd.random() < 0.08:
            hole = a + rnd.randrange(1 << (32 - plen))
            w.line("!%s\n" % ip(hole))
    return w.close()


def gen_xbl(path, n, rnd, seed, scale):
    w = FeedWriter(path)
    header(w, "xbl", "0 1 1 1 0 0", seed, scale)
    w.line(":127.0.0.4:{}/query/ip/$\n".format(URL))
    w.line("127.0.0.2\n")
    key = rnd.getrandbits(32)
    written, i = 0, 0
    lines = []
    while written < n:
        a = mix32((i + key) & M32)
        i += 1
        if public(a):
            lines.append("%d.%d.%d.%d\n" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255, a & 255))
            written += 1
            if len(lines) >= CHUNK_LINES:
                w.buf.extend(lines)
                w.flush()
                lines = []
    w.buf.extend(lines)
    return w.close()


def pbl_key(rnd):
    """One PBL-style range in one of rbldnsd's ip4set syntaxes."""
    a = random_public(rnd)
    form = rnd.randrange(6)
    if form == 0:  # CIDR
        plen = rnd.randint(16, 29)
        return "%s/%d" % (ip(a & (M32 << (32 - plen)) & M32), plen)
    if form == 1:  # full a-b range inside one /24
        lo = rnd.randrange(0, 255)
        hi = rnd.randrange(lo, 256)
        base = a & 0xFFFFFF00
        return "%s-%s" % (ip(base | lo), ip(base | hi))
    if form == 2:  # suffix range on the last octet: 1.2.3.0-127
        lo = rnd.randrange(0, 255)
        return "%s-%d" % (ip((a & 0xFFFFFF00) | lo), rnd.randrange(lo, 256))
    if form == 3:  # 3-octet a-b range: 1.2.3-1.2.9 (= 1.2.3.0 - 1.2.9.255)
        c = (a >> 8) & 255
        c = min(c, 250)
        return "%d.%d.%d-%d.%d.%d" % (a >> 24, (a >> 16) & 255, c, a >> 24, (a >> 16) & 255,
                                      c + rnd.randrange(0, 6))
    if form == 4:  # 3-octet suffix range: 1.2.16-31
        c = min((a >> 8) & 255, 240)
        return "%d.%d.%d-%d" % (a >> 24, (a >> 16) & 255, c, c + rnd.randrange(0, 16))
    return "%d.%d.%d" % (a >> 24, (a >> 16) & 255, (a >> 8) & 255)  # /24 prefix


def gen_pbl(path, n, rnd, seed, scale):
    w = FeedWriter(path)
    header(w, "pbl", "0 1 1 1 0 0", seed, scale)
    # ip4set default lines hold until the next one: an ISP-maintained (.10)
    # section, then a Spamhaus-maintained (.11) one
    w.line(":127.0.0.10:{}/query/ip/$\n".format(URL))
    w.line("127.0.0.2\n")
    split = int(n * 0.7)
    for i in range(n):
        if i == split:
            w.line(":127.0.0.11:{}/query/ip/$\n".format(URL))
        w.line(pbl_key(rnd) + "\n")
    return w.close()


DBL_CODES = [(2, 0.70), (4, 0.08), (5, 0.07), (6, 0.03), (102, 0.05), (103, 0.02),
             (104, 0.02), (105, 0.02), (106, 0.01)]
TLDS = ["com", "net", "org", "info", "biz", "xyz", "top", "online", "site", "ru", "cn", "de",
        "co.uk", "com.br", "io", "shop", "club", "icu"]
ALNUM = "abcdefghijklmnopqrstuvwxyz0123456789"


def domain(rnd):
    n = rnd.randint(5, 15)
    label = rnd.choice(ALNUM[:26]) + "".join(rnd.choice(ALNUM) for _ in range(n - 1))
    if n > 8 and rnd.random() < 0.2:
        cut = rnd.randint(2, n - 3)
        label = label[:cut] + "-" + label[cut:]
    name = label + "." + rnd.choice(TLDS)
    if rnd.random() < 0.1:  # a hostname under a free-hosting-like parent
        name = "".join(rnd.choice(ALNUM[:26]) for _ in range(rnd.randint(3, 8))) + "." + name
    return name


def gen_dbl(path, n, rnd, seed, scale):
    w = FeedWriter(path)
    header(w, "dbl", "0 1 1 1 0 0", seed, scale)
    w.line(":127.0.1.2:{}/query/domain/$\n".format(URL))
    w.line("dbltest.com\n")
    w.line("test\n")  # RFC 5782 test point
    codes = [c for c, _ in DBL_CODES]
    weights = [p for _, p in DBL_CODES]
    seen = {"dbltest.com", "test"}
    written = 0
    while written < n:
        name = domain(rnd)
        if name in seen:
            continue
        seen.add(name)
        form = rnd.random()
        key = name if form < 0.6 else ("*." + name if form < 0.8 else "." + name)
        code = rnd.choices(codes, weights)[0]
        if code == 2:
            w.line(key + "\n")
        else:
            w.line("%s :127.0.1.%d:%s/query/domain/$\n" % (key, code, URL))
        written += 1
    return w.close()


def gen_v6(path, n, rnd, seed, scale):
    w = FeedWriter(path)
    header(w, "v6", "0 1 1 1 0 0", seed, scale)
    # ip6tset: one default for the whole dataset, /64 keys of 4 groups,
    # exclusions only as full /128 addresses
    w.line(":127.0.0.2:{}/query/ip/$\n".format(URL))
    seen = set()
    while len(seen) < n:
        first = rnd.randint(0x2001, 0x2C0F)
        p = (first, rnd.getrandbits(16), rnd.getrandbits(16), rnd.getrandbits(16))
        if p in seen:
            continue
        seen.add(p)
        w.line("%x:%x:%x:%x\n" % p)
        if rnd.random() < 0.005:
            w.line("!%x:%x:%x:%x::%x\n" % (p + (rnd.randint(1, 0xFFFF),)))
    return w.close()


GENERATORS = [("sbl", gen_sbl), ("xbl", gen_xbl), ("pbl", gen_pbl), ("dbl", gen_dbl),
              ("v6", gen_v6)]


def check_file(path):
    """Verify a CKSUM trailer the way spamhaus-sync.sh does. Returns an
    error string or None."""
    with open(path, "rb") as f:
        data = f.read()
    if not data.endswith(b"\n"):
        return "no final newline"
    cut = data.rfind(b"\n", 0, len(data) - 1) + 1
    last = data[cut:].split()
    if b"CKSUM" not in data[cut:] or len(last) < 3:
        return "last line has no CKSUM trailer"
    crc, length = cksum_bytes(data[:cut])
    if last[2] != str(crc).encode() or (len(last) > 3 and last[3] != str(length).encode()):
        return "CKSUM mismatch: trailer says %s, data gives %d %d" % (
            b" ".join(last[2:4]).decode(), crc, length)
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(
        description="Write synthetic Spamhaus-shaped rbldnsd feed files (sbl, xbl, pbl, "
                    "dbl, v6) and zones.conf into --out.",
        epilog="At scale 1: sbl 40k, xbl 2M, pbl 250k, dbl 500k, v6 50k entries "
               "(~50 MB, ~10 s). Output depends only on --scale and --seed.")
    ap.add_argument("--scale", type=float, default=1.0, help="size factor (default 1.0)")
    ap.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    ap.add_argument("--out", help="output directory (created if missing)")
    ap.add_argument("--check", nargs="+", metavar="FILE",
                    help="only verify the CKSUM trailers of existing files")
    args = ap.parse_args(argv)

    if args.check:
        bad = 0
        for p in args.check:
            err = check_file(p)
            print("%s: %s" % (p, err or "OK"))
            bad += err is not None
        return 1 if bad else 0
    if not args.out:
        ap.error("--out DIR is required")
    if not (0 < args.scale <= 100):
        ap.error("--scale must be in (0, 100]")
    os.makedirs(args.out, exist_ok=True)
    t0 = time.monotonic()
    for name, fn in GENERATORS:
        n = max(1, int(round(BASE_COUNTS[name] * args.scale)))
        # one RNG per file, derived from the seed: a file does not change
        # when another generator changes
        rnd = random.Random("%d/%s" % (args.seed, name))
        t = time.monotonic()
        lines = fn(os.path.join(args.out, name), n, rnd, args.seed, args.scale)
        size = os.path.getsize(os.path.join(args.out, name))
        print("%-4s %9d entries %10d lines %12d bytes %6.1f s" % (
            name, n, lines, size, time.monotonic() - t))
    with open(os.path.join(args.out, "zones.conf"), "w") as f:
        f.write("# Zone specs (rbldnsd / dnsbl-load syntax), file names relative to this\n"
                "# directory: cd here and run `dnsbl-load --db DB $(grep -v '^#' zones.conf)`,\n"
                "# or `dnsbl-bench --from-zones @zones.conf`.\n")
        for spec in ZONES_CONF:
            f.write(spec + "\n")
    print("wrote %s in %.1f s" % (args.out, time.monotonic() - t0))
    return 0


if __name__ == "__main__":
    sys.exit(main())
