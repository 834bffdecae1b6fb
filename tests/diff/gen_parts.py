"""Building blocks of the differential test's data generator (gen_data.py):
the zone-file writer (File), the model's test points (Points, Data) and the
generator of each dataset type's lines (Gen), all drawing from one seeded
random.Random so a seed gives the same files and model every time.

gen_data.py lays these out into the fixed set of zones its docstring lists."""

import gzip
import os
import random

import model
from model import ip4, ip4s, ip6, ip6s

DEFAULT_TTL = 2100
MTIME_BASE = 1700000000  # fixed mtimes: SOA serial 0 = newest file mtime

WORDS = ("spam", "relay", "proxy", "bot", "dialup", "dynamic", "policy", "abuse", "phish",
         "malware", "botnet", "snowshoe", "hijacked", "drop", "exploit", "scanner")


def time_text(rng, seconds):
    """seconds as a plain number or with an s/m/h/d/w suffix when exact."""
    forms = [str(seconds)]
    for unit, mult in (("s", 1), ("m", 60), ("h", 3600), ("d", 86400), ("w", 604800)):
        if seconds % mult == 0 and seconds >= mult:
            forms.append(f"{seconds // mult}{unit}")
    return rng.choice(forms)


class File:
    def __init__(self, name):
        self.name = name
        self.lines = []
        self.gzip = False
        self.cksum = False
        self.rsync = False

    def add(self, line):
        self.lines.append(line)

    def write(self, directory, mtime):
        lines = list(self.lines)
        if self.rsync:
            lines.insert(0, "#RSYNC: 0 1 1 0 0 0")
        body = "".join(line + "\n" for line in lines)
        if self.cksum:
            body += f"# CKSUM {posix_cksum(body.encode())} {len(body.encode())}\n"
        data = body.encode()
        if self.gzip:
            data = gzip.compress(data, mtime=0)
        path = os.path.join(directory, self.name)
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        os.utime(path, (mtime, mtime))


def posix_cksum(data):
    """POSIX cksum CRC (the `cksum` command's first field)."""
    crc = 0
    for b in data:
        crc ^= b << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    n = len(data)
    while n:
        c = n & 0xFF
        n >>= 8
        crc ^= c << 24
        for _ in range(8):
            crc = ((crc << 1) ^ 0x04C11DB7) if crc & 0x80000000 else (crc << 1)
            crc &= 0xFFFFFFFF
    return (~crc) & 0xFFFFFFFF


class Points:
    """What the query generator aims at, per dataset."""

    def __init__(self):
        self.ip4 = []  # (lo, hi, listed)
        self.ip6 = []  # (lo, hi, listed)
        self.names = []  # (name, form, listed)  form: exact|wild|dot|generic


class Data:
    def __init__(self, directory):
        self.dir = directory
        self.specs = []
        self.aux_specs = []
        self.zones = {}
        self.points = {}  # context name -> Points
        self.files = []

    def context_points(self, ctx_name):
        return self.points.setdefault(ctx_name, Points())


class Gen:
    def __init__(self, seed, directory):
        self.rng = random.Random(seed)
        self.data = Data(directory)
        self.files = []
        self.nfile = 0

    # ---------- helpers ----------
    def new_file(self, name):
        f = File(name)
        self.files.append(f)
        return f

    def words(self, n):
        return " ".join(self.rng.choice(WORDS) for _ in range(n))

    def txt(self, style="ip", nvars=0, long_ok=True):
        """A TXT template: words, $ (the subject), $$, $n, literal text."""
        rng = self.rng
        parts = [self.words(rng.randint(1, 3))]
        r = rng.random()
        if r < 0.55:
            parts.append(rng.choice(["$", "see http://bl.example/q?$", "[$]", "$."]))
        elif r < 0.65:
            parts.append("costs $$5")
        elif r < 0.8 and nvars:
            parts.append(f"${rng.randint(1, nvars)}")
        elif r < 0.85:
            parts.append("$9 undefined")  # stays literal
        elif r < 0.9:
            parts.append("$x")  # subject followed by x
        t = " ".join(parts)
        if long_ok and rng.random() < 0.03:
            # around the 254/255 byte limits, before and after expansion
            t = (t + " " + "x" * 300)[: rng.randint(235, 262)]
            if rng.random() < 0.5:
                t = t[:-1] + "$"
        return t

    def a_value(self):
        rng = self.rng
        r = rng.random()
        if r < 0.75:
            return f"127.0.0.{rng.choice([2, 2, 3, 4, 5, 9, 10, 11])}"
        if r < 0.9:
            return f"127.0.{rng.randint(0, 3)}.{rng.randint(1, 254)}"
        return f"127.{rng.randint(1, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"

    def value(self, nvars=0, allow_eq=False):
        """An entry value: '', ':N', ':A', ':A:', ':A:TXT', 'TXT'."""
        rng = self.rng
        r = rng.random()
        if r < 0.35:
            return ""
        if r < 0.45:
            return f" :{rng.randint(2, 11)}"
        if r < 0.55:
            return f" :{self.a_value()}"
        if r < 0.62:
            return f" :{self.a_value()}:"
        if r < 0.64:
            return f" :127.{rng.randint(2, 9)}"  # inet_aton short form 127.N = 127.0.0.N
        t = self.txt(nvars=nvars)
        if allow_eq and rng.random() < 0.3:
            t = "=" + t  # bypasses the $= base template
        if r < 0.9:
            return f" :{self.a_value()}:{t}"
        return " " + t

    def default_line(self, nvars=0):
        rng = self.rng
        r = rng.random()
        if r < 0.6:
            return f":{self.a_value()}:{self.txt(nvars=nvars)}"
        if r < 0.8:
            return f":{rng.randint(2, 11)}"
        return f":{self.a_value()}:"

    def soa_ns(self, f, zone, ns=True, soa=True, serial=None, prefix="$"):
        rng = self.rng
        if soa:
            ttl = rng.choice([0, 300, 900, 3600, 7200])
            minimum = rng.choice([60, 300, 600, 900, 3600, 10800])
            serial = serial if serial is not None else rng.choice([0, 0, 2024010101, 42])
            mname = rng.choice([f"ns1.{zone.name}.", "ns.example.net.", "localhost."])
            rname = rng.choice([f"hostmaster.{zone.name}.", "abuse.example.net."])
            f.add(f"{prefix}SOA {time_text(rng, ttl) if ttl else '0'} {mname} {rname} {serial} "
                  f"{time_text(rng, 3600)} {time_text(rng, 600)} {time_text(rng, 604800)} "
                  f"{time_text(rng, minimum)}")
            if zone.soa is None:
                zone.soa = dict(ttl=ttl or DEFAULT_TTL, mname=mname, rname=rname, serial=serial,
                                minimum=minimum)
        if ns:
            names = [f"ns1.{zone.name}.", "ns2.example.net."]
            if rng.random() < 0.5:
                names.append("-ns3.example.net.")  # disabled
            f.add(f"{prefix}NS {time_text(rng, rng.choice([3600, 86400]))} {' '.join(names)}")
            if not zone.ns:
                zone.ns = [n for n in names if not n.startswith("-")]

    # ---------- IPv4 keys ----------
    def ip4_key(self, base16, kind):
        """(lo, hi, text) for an ip4set key of the given syntax inside the /16
        base16 (an int with the low 16 bits zero)."""
        rng = self.rng
        a, b = base16 >> 24, (base16 >> 16) & 255
        c = rng.randint(0, 255)
        d = rng.randint(0, 255)
        if kind == "full":
            x = base16 | (c << 8) | d
            return x, x, ip4s(x)
        if kind == "p3":
            lo = base16 | (c << 8)
            return lo, lo + 255, f"{a}.{b}.{c}"
        if kind == "p3slash":
            lo = base16 | (c << 8)
            return lo, lo + 255, f"{a}.{b}.{c}/24"
        if kind == "p2":
            return base16, base16 + 65535, rng.choice([f"{a}.{b}", f"{a}.{b}/16"])
        if kind == "cidr":
            n = rng.choice([17, 20, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32])
            size = 1 << (32 - n)
            x = base16 | (c << 8) | d
            lo = x - (x % size)
            if lo < base16:
                lo = base16
            return lo, lo + size - 1, f"{ip4s(lo)}/{n}"
        if kind == "range4":
            lo = base16 | (c << 8) | d
            hi = min(lo + rng.randint(0, 700), base16 | 0xFFFF)
            return lo, hi, f"{ip4s(lo)}-{ip4s(hi)}"
        if kind == "range3":
            e = min(255, c + rng.randint(0, 3))
            return base16 | (c << 8), base16 | (e << 8) | 255, f"{a}.{b}.{c}-{a}.{b}.{e}"
        if kind == "suffix4":
            e = min(255, d + rng.randint(0, 40))
            return base16 | (c << 8) | d, base16 | (c << 8) | e, f"{a}.{b}.{c}.{d}-{e}"
        if kind == "suffix2":  # a.b-c: a.b.0.0 - a.c.255.255 (127.16-31)
            e = min(255, b + rng.randint(0, 1))
            return base16, ((a << 24) | (e << 16)) | 0xFFFF, f"{a}.{b}-{e}"
        if kind == "range2":  # a.b-a.c
            e = min(255, b + rng.randint(0, 1))
            return base16, ((a << 24) | (e << 16)) | 0xFFFF, f"{a}.{b}-{a}.{e}"
        if kind == "suffix3":
            e = min(255, c + rng.randint(0, 3))
            return base16 | (c << 8), base16 | (e << 8) | 255, f"{a}.{b}.{c}-{e}"
        raise ValueError(kind)

    def ip4_sub_key(self, lo, hi):
        """A key inside [lo, hi], for exclusions and multi-level overlaps."""
        rng = self.rng
        x = rng.randint(lo, hi)
        r = rng.random()
        if r < 0.55 or hi - lo < 255:
            if hi > lo and rng.random() < 0.3:
                y = min(hi, x + rng.randint(1, 10))
                if (x >> 8) == (y >> 8):
                    return x, y, f"{ip4s(x)}-{y & 255}"
            return x, x, ip4s(x)
        if r < 0.85 or hi - lo < 65535:
            blo = x & ~255
            if blo >= lo and blo + 255 <= hi:
                return blo, blo + 255, rng.choice([ip4s(blo).rsplit(".", 1)[0], f"{ip4s(blo)}/24"])
            return x, x, ip4s(x)
        blo = x & ~0xFFFF
        if blo >= lo and blo + 0xFFFF <= hi:
            return blo, blo + 0xFFFF, ".".join(ip4s(blo).split(".")[:2])
        return x, x, ip4s(x)

    def ip4set(self, f, ds, pts, bases, n, nvars=0, allow_eq=False, maxrange=None,
               slash8=None, multi=True):
        rng = self.rng
        kinds = ["full"] * 30 + ["p3"] * 6 + ["p3slash"] * 3 + ["p2"] * 1 + ["cidr"] * 14 + \
                ["range4"] * 5 + ["range3"] * 3 + ["suffix4"] * 6 + ["suffix3"] * 3 + \
                ["suffix2"] * 1 + ["range2"] * 1
        listed = []
        for _ in range(n):
            r = rng.random()
            if r < 0.04:
                f.add(self.default_line(nvars))
                continue
            if r < 0.06:
                f.add(rng.choice(["# comment", "; comment", ""]))
                continue
            if r < 0.22 and listed:
                # an exclusion (or a more specific listing) inside a listing
                lo0, hi0 = rng.choice(listed)
                lo, hi, text = self.ip4_sub_key(lo0, hi0)
                if rng.random() < 0.7:
                    f.add("!" + text + (" :5:ignored value" if rng.random() < 0.1 else ""))
                    self.ip4_add(ds, pts, lo, hi, False, maxrange)
                else:
                    f.add(text + self.value(nvars, allow_eq))
                    self.ip4_add(ds, pts, lo, hi, True, maxrange)
                continue
            base = rng.choice(bases)
            lo, hi, text = self.ip4_key(base, rng.choice(kinds))
            f.add(text + self.value(nvars, allow_eq))
            self.ip4_add(ds, pts, lo, hi, True, maxrange)
            listed.append((lo, hi))
            if multi and rng.random() < 0.06:
                # the same key with several values: several A and TXT records
                for _ in range(rng.choice([1, 2, 3, 12, 25])):
                    f.add(text + f" :{self.a_value()}:{self.txt(nvars=nvars, long_ok=False)}"
                          f" {self.words(rng.randint(3, 9))}")
        if slash8 is not None:
            f.add(f"{slash8}/8" + self.value(nvars, allow_eq))
            self.ip4_add(ds, pts, slash8 << 24, (slash8 << 24) + 0xFFFFFF, True, maxrange)
            x = (slash8 << 24) | rng.randint(0, 0xFFFFFF)
            f.add("!" + ip4s(x))
            self.ip4_add(ds, pts, x, x, False, maxrange)
        # keys that rbldnsd rejects (warning, line skipped): both must skip them
        for bad in rng.sample(["10.6.0.0/12", "300.1.2.3", "10", "1.2.3.4/33", "0.0.0.0/0",
                               "1.2.3.4-1.2.3", "abc", "1.2.3.4/24"], 3):
            f.add(bad)

    def ip4_add(self, ds, pts, lo, hi, listed, maxrange):
        if maxrange is not None and hi - lo + 1 > maxrange:
            return  # ignored by $MAXRANGE4
        ds.add(lo, hi, listed)
        pts.ip4.append((lo, hi, listed))

    # ---------- IPv6 keys ----------
    def ip6_base(self):
        rng = self.rng
        return rng.choice([ip6("2001:db8::"), ip6("2001:db8:4a1::"), ip6("fd00:1234::"),
                           ip6("2a02:c0::"), ip6("2002:a00::")])  # 2002:a00::/24 = 6to4 of 10/8

    def ip6trie(self, f, ds, pts, n, v4targets=(), nvars=0):
        rng = self.rng
        listed = []
        for _ in range(n):
            r = rng.random()
            if r < 0.04:
                f.add(self.default_line(nvars))
                continue
            if r < 0.2 and listed:
                lo0, plen0 = rng.choice(listed)
                plen = rng.choice([p for p in (48, 56, 60, 64, 96, 120, 127, 128) if p > plen0] or [128])
                x = lo0 | rng.getrandbits(128 - plen0)
                net = x >> (128 - plen) << (128 - plen)
                excl = rng.random() < 0.7
                f.add(("!" if excl else "") + self.ip6_text(net, plen)
                      + ("" if excl else self.value(nvars)))
                ds.add(net, plen, not excl)
                pts.ip6.append((net, net + (1 << (128 - plen)) - 1, not excl))
                continue
            plen = rng.choice([32, 36, 40, 48, 48, 56, 64, 64, 64, 96, 112, 128, 128])
            net = (self.ip6_base() | rng.getrandbits(96)) >> (128 - plen) << (128 - plen)
            f.add(self.ip6_text(net, plen) + self.value(nvars))
            ds.add(net, plen, True)
            pts.ip6.append((net, net + (1 << (128 - plen)) - 1, True))
            listed.append((net, plen))
        # v4-mapped entries (the RFC 5782 IPv6 test point and some IPv4 targets)
        for a in [ip4("127.0.0.2")] + list(v4targets):
            x = model.V4MAPPED | a
            excl = a != ip4("127.0.0.2") and rng.random() < 0.2
            f.add(("!" if excl else "") + rng.choice([ip6s(x), f"{ip6s(x)}/128"])
                  + ("" if excl else self.value(nvars)))
            ds.add(x, 128, not excl)
            pts.ip6.append((x, x, not excl))
        for bad in rng.sample(["2001:db8::/129", "2001", "::ffff:1.2.3.4", "gggg::1", "2001:db8::1-2"], 2):
            f.add(bad)

    def ip6_text(self, net, plen):
        rng = self.rng
        groups = ipaddress_groups(net)
        if plen == 64 and rng.random() < 0.4:
            t = ":".join(f"{g:x}" for g in groups[:4])  # 4 groups = /64
        elif plen % 16 == 4 and plen <= 60 and rng.random() < 0.5:
            k = (plen + 15) // 16
            t = ":".join(f"{g:x}" for g in groups[:k]) + f"/{plen}"  # trailing groups omitted
        elif plen == 128 and rng.random() < 0.6:
            t = ip6s(net)
        else:
            t = f"{ip6s(net)}/{plen}"
        return t.upper() if rng.random() < 0.1 else t

    def ip6tset(self, f, ds, pts, n):
        rng = self.rng
        nets = []
        f.add(f":{self.a_value()}:{self.txt()}")
        for _ in range(n):
            if nets and rng.random() < 0.2:
                net = rng.choice(nets)
                x = (net << 64) | rng.getrandbits(64)
                if rng.random() < 0.5:
                    x = (net << 64) | rng.randint(0, 20)
                f.add("!" + ip6s(x))
                ds.exclude(x)
                pts.ip6.append((x, x, False))
                continue
            net = (self.ip6_base() | rng.getrandbits(96)) >> 64
            if nets and rng.random() < 0.3:
                net = rng.choice(nets) + rng.randint(-2, 2)
            g = ipaddress_groups(net << 64)
            f.add(":".join(f"{x:x}" for x in g[:4]))
            ds.add(net)
            nets.append(net)
            pts.ip6.append((net << 64, ((net + 1) << 64) - 1, True))
        f.add(f":{self.a_value()}:second default line, ignored")
        f.add("2001:db8:1:2:3::/80")  # not a /64: rejected

    # ---------- names ----------
    def dn_name(self, depth):
        rng = self.rng
        tlds = ["example", "example.com", "example.net", "test", "xn--bcher-kva.example"]
        labels = [rng.choice(["www", "mail", "a", "b", "shop", "cdn", "login", "x1", "deep", "mx",
                              "bad-site", "promo", "tracker", "node7"]) for _ in range(depth)]
        return ".".join(labels + [rng.choice(tlds)])

    def dnset(self, f, ds, pts, n, nvars=0, test_point=True):
        rng = self.rng
        if test_point:
            f.add("test" + self.value(nvars))
            ds.add("test", "exact", True)
            pts.names.append(("test", "exact", True))
        entries = []
        for _ in range(n):
            r = rng.random()
            if r < 0.04:
                f.add(self.default_line(nvars))
                continue
            if r < 0.2 and entries:
                name0, form0 = rng.choice(entries)
                # exclusions and entries under / at an existing one
                name = rng.choice([name0, f"{rng.choice(['www', 'safe', 'ok'])}.{name0}"])
                form = rng.choice(["exact", "exact", "wild", "dot"])
                excl = rng.random() < 0.75
                f.add(("!" if excl else "") + self.dn_form(name, form)
                      + ("" if excl else self.value(nvars)))
                ds.add(name, form, not excl)
                pts.names.append((name.lower(), form, not excl))
                continue
            name = self.dn_name(rng.choice([0, 1, 1, 1, 2, 2, 3]))
            form = rng.choice(["exact", "exact", "exact", "wild", "wild", "dot"])
            f.add(self.dn_form(name, form) + self.value(nvars))
            ds.add(name, form, True)
            pts.names.append((name.lower(), form, True))
            entries.append((name, form))
            if rng.random() < 0.05:
                for _ in range(rng.choice([1, 2, 12])):
                    f.add(self.dn_form(name, form) + f" :{self.a_value()}:{self.txt(long_ok=False)}")
        f.add("!")  # no name: rejected

    def dn_form(self, name, form):
        rng = self.rng
        if rng.random() < 0.1:
            name = name.upper()
        if rng.random() < 0.05:
            name += "."  # trailing dot is ignored
        return {"exact": name, "wild": "*." + name, "dot": "." + name}[form]

    def generic(self, f, ds, pts, zone):
        rng = self.rng
        recs = [("@", "A", "127.0.0.1"), ("@", "TXT", '"apex text for ' + zone.name + '"'),
                ("@", "MX", "10 mail." + zone.name + "."), ("www", "A", "192.0.2.80"),
                ("www", "A", "192.0.2.81"), ("www", "TXT", "unquoted web text"),
                ("ns1", "A", "127.0.0.53"), ("mail", "MX", "20 mx.example.net."),
                ("deep.www2", "A", "192.0.2.82"), ("info", "TXT", '"' + "i" * 255 + '"')]
        for name, typ, data in recs:
            ttl = f" {time_text(rng, rng.choice([300, 600]))}" if rng.random() < 0.3 else ""
            cls = " IN" if rng.random() < 0.5 else ""
            f.add(f"{name}{ttl}{cls} {typ} {data}")
            rel = "" if name == "@" else name
            ds.add(rel, typ)
            pts.names.append((rel, "generic", True))

    # ---------- zones ----------
    def zone(self, name):
        z = model.Zone(name)
        self.data.zones[name] = z
        return z

    def spec(self, zone, typ, *files):
        self.data.specs.append(f"{zone.name}:{typ}:{','.join(fl.name for fl in files)}")

    def ip4trie(self, f, ds, pts, n, bases):
        rng = self.rng
        listed = []
        f.add("!0.0.0.0/0")  # /0 is a valid trie prefix
        ds.add(0, 0, False)
        for _ in range(n):
            r = rng.random()
            if r < 0.03:
                f.add(self.default_line())
                continue
            if r < 0.22 and listed:
                net0, plen0 = rng.choice(listed)
                plen = rng.choice([p for p in (20, 24, 25, 28, 30, 32) if p > plen0] or [32])
                x = net0 | rng.getrandbits(32 - plen0)
                net = x >> (32 - plen) << (32 - plen)
                excl = rng.random() < 0.6
                f.add(("!" if excl else "") + self.ip4_cidr_text(net, plen)
                      + ("" if excl else self.value()))
                ds.add(net, plen, not excl)
                pts.ip4.append((net, net + (1 << (32 - plen)) - 1, not excl))
                continue
            plen = rng.choice([8, 12, 16, 19, 20, 22, 24, 24, 26, 28, 31, 32, 32, 32])
            base = rng.choice(bases)
            if plen <= 12:
                base = rng.choice([ip4("11.0.0.0"), ip4("100.64.0.0")])
            net = (base | rng.getrandbits(16)) >> (32 - plen) << (32 - plen)
            f.add(self.ip4_cidr_text(net, plen) + self.value())
            ds.add(net, plen, True)
            pts.ip4.append((net, net + (1 << (32 - plen)) - 1, True))
            listed.append((net, plen))
            if rng.random() < 0.05:
                f.add(self.ip4_cidr_text(net, plen) + " :127.0.0.99:duplicate prefix, first wins")
        f.add("127.0.0.2/32 :2:trie test point $")
        ds.add(ip4("127.0.0.2"), 32, True)
        pts.ip4.append((ip4("127.0.0.2"),) * 2 + (True,))
        for bad in ["10.0.0.1-10.0.0.5", "10.6.0.0/12", "1.2.3.4/40"]:
            f.add(bad)

    def ip4_cidr_text(self, net, plen):
        rng = self.rng
        if plen == 32 and rng.random() < 0.5:
            return ip4s(net)
        if plen == 24 and rng.random() < 0.5:
            return ip4s(net).rsplit(".", 1)[0]  # 1.2.3 = /24
        return f"{ip4s(net)}/{plen}"


def ipaddress_groups(n):
    return [(n >> (16 * (7 - i))) & 0xFFFF for i in range(8)]
