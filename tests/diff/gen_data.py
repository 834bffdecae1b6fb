"""Generate, from a seed, a set of rbldnsd-format zone files that exercises
every dataset type dnsbl-load supports except acl (and ldns 'bind', which
rbldnsd does not have), plus the model of what is listed (model.py).

    data = generate(seed, directory)
    data.specs      zone specs for both servers (file names relative to directory)
    data.aux_specs  extra zones for the reference server only (see below)
    data.zones      {zone name: model.Zone}

Zones (names fixed, content from the seed):
  bl.test       ip4set (2 files, SOA/NS/TTL, every key syntax, exclusions at
                every octet level, multi-value keys, default lines, $ $n $=
                templates), a 2nd ip4set ($= base template, gzip, CKSUM
                trailer), ip4tset, ip6trie, generic (apex A/TXT/MX, glue)
  sub.bl.test   ip4set: a zone nested in another one
  trie.test     ip4trie + ip6tset, $SOA but no $NS
  v6.test       ip6trie + ip6tset only (pure IPv6)
  dbl.test      two dnsets: exact, *.wildcard, .dot forms, exclusions
  nosoa.test    ip4set + dnset, no $SOA and no $NS
  zen.test      combined ($DATASET subzones and @: ip4set, ip4tset, ip4trie,
                ip6trie, dnset, generic) plus a plain ip4set
  ts.test       ip4set with $TIMESTAMP expiring after 2038 and $MAXRANGE4
  expired.test  ip4set whose $TIMESTAMP has expired (SERVFAIL)
  adj.test      two ip4set datasets whose ranges touch (10.5.3/24, 10.5.4/24)

aux_specs: for every part of a zone that has IPv6 data, a zone
"<part>.v6aux" holding only that IPv6 data. rbldnsd answers ::ffff:a.b.c.d
there from the IPv6 data, which is what compare.py needs to check contract
6.6 (v4-mapped names consult IPv4 and IPv6 data) against the reference.
"""

import os

import model
from gen_parts import MTIME_BASE, Gen, Points, posix_cksum, time_text  # noqa: F401
from model import ip4, ip4s, ip6  # noqa: F401  (ip6: used by importers)


class ZoneGen(Gen):
    """The fixed zone layout (module docstring) over Gen's dataset writers."""

    def build(self):
        rng = self.rng
        d = self.data
        bases_a = [ip4(x) for x in ("10.0.0.0", "10.1.0.0", "10.2.0.0", "172.16.0.0", "192.168.0.0")]
        bases_b = [ip4(x) for x in ("10.0.0.0", "10.1.0.0", "172.17.0.0", "192.168.1.0")]
        bases_b = [b & ~0xFFFF for b in bases_b]

        # ---- bl.test ----
        z = self.zone("bl.test")
        pts = d.context_points(z.name)
        ds = model.IP4Set()
        f1, f2 = self.new_file("bl-a1"), self.new_file("bl-a2")
        f1.add("# main list, file 1 of 2")
        self.soa_ns(f1, z)
        f1.add(f"$TTL {time_text(rng, rng.choice([600, 900, 1800]))}")
        f1.add("$1 see http://bl.test/lookup")
        f1.add("$2 listed since 2024")
        f1.add("$1 second definition is ignored")
        f1.add(self.default_line(nvars=2))
        f1.add("127.0.0.2 :127.0.0.2:RFC 5782 test point $")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        pts.ip4.append((ip4("127.0.0.2"),) * 2 + (True,))
        self.ip4set(f1, ds, pts, bases_a, 140, nvars=2, slash8=44)
        f2.add(self.default_line(nvars=2))
        f2.add("#$TTL 1200")  # the #$ form of a special; the last $TTL of the dataset wins
        self.ip4set(f2, ds, pts, bases_a, 100, nvars=2)
        f2.add("!10.1.0.0/16")  # an exclusion at the /16 level
        ds.add(ip4("10.1.0.0"), ip4("10.1.255.255"), False)
        pts.ip4.append((ip4("10.1.0.0"), ip4("10.1.255.255"), False))
        f2.add("!44/8")  # an exclusion at the /8 level (44/8 is listed in bl-a1) ...
        ds.add(ip4("44.0.0.0"), ip4("44.255.255.255"), False)
        pts.ip4.append((ip4("44.0.0.0"), ip4("44.255.255.255"), False))
        for text, lo, hi in (("44.1.2.3 :3", "44.1.2.3", "44.1.2.3"),  # ... with listings under it
                             ("44.1.5", "44.1.5.0", "44.1.5.255"), ("44.2/16", "44.2.0.0", "44.2.255.255")):
            f2.add(text)
            ds.add(ip4(lo), ip4(hi), True)
            pts.ip4.append((ip4(lo), ip4(hi), True))
        z.ctx.datasets.append(ds)
        self.spec(z, "ip4set", f1, f2)

        ds = model.IP4Set()
        fb = self.new_file("bl-b")
        fb.gzip = True
        fb.add(f";$TTL {time_text(rng, 300)}")  # the ;$ form of a special
        fb.add("$= [XBL] $= (see http://bl.test/xbl/$)")
        fb.add(":127.0.0.4:infected host")
        fb.add("127.0.0.2")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        self.ip4set(fb, ds, pts, bases_b, 120, allow_eq=True)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip4set", fb)

        ds = model.IP4TSet()
        ft = self.new_file("bl-t")
        ft.rsync = ft.cksum = True
        ft.add("$TTL 3600")
        addrs = []
        for i in range(120):
            if i == 7:
                ft.add(f":127.0.0.{rng.choice([5, 6, 7])}:tset listed $")
            if i == 50:
                ft.add(":127.0.0.99:second default line, ignored")
            a = rng.choice(bases_a + bases_b) | rng.randint(0, 0xFFFF)
            if addrs and rng.random() < 0.2:
                a = rng.choice(addrs) + rng.choice([-1, 1, 2])
            addrs.append(a)
            ft.add(ip4s(a) + (" ignored trailing text" if rng.random() < 0.1 else ""))
            ds.add(a)
            pts.ip4.append((a, a, True))
        ft.add("10.0.0/24")  # not a single address: rejected
        ft.add("!10.0.0.1")  # no exclusions in ip4tset: rejected
        z.ctx.datasets.append(ds)
        self.spec(z, "ip4tset", ft)

        ds = model.Trie(128, "ip6trie")
        f6 = self.new_file("bl-6")
        f6.add(f"$TTL {time_text(rng, 900)}")
        v4t = [rng.choice(pts.ip4)[0] for _ in range(12)] + [ip4("10.9.9.9")]
        self.ip6trie(f6, ds, pts, 70, v4targets=v4t)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip6trie", f6)

        ds = model.Generic()
        fg = self.new_file("bl-g")
        self.generic(fg, ds, pts, z)
        z.ctx.datasets.append(ds)
        self.spec(z, "generic", fg)
        z.has_ip4 = z.has_ip6 = True
        d.aux_specs.append(f"bl.test.v6aux:ip6trie:{f6.name}")

        # ---- sub.bl.test ----
        z = self.zone("sub.bl.test")
        pts = d.context_points(z.name)
        ds = model.IP4Set()
        fs = self.new_file("sub")
        self.soa_ns(fs, z)
        fs.add("127.0.0.2 :7:sub zone")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        self.ip4set(fs, ds, pts, bases_a[:2], 40)
        z.ctx.datasets.append(ds)
        z.has_ip4 = True
        self.spec(z, "ip4set", fs)

        # ---- trie.test: ip4trie + ip6tset, SOA without NS ----
        z = self.zone("trie.test")
        pts = d.context_points(z.name)
        ds = model.Trie(32, "ip4trie")
        fr = self.new_file("trie4")
        self.soa_ns(fr, z, ns=False)
        fr.add(self.default_line())
        self.ip4trie(fr, ds, pts, 120, bases_a + bases_b)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip4trie", fr)
        ds = model.IP6TSet()
        fq = self.new_file("trie6")
        self.ip6tset(fq, ds, pts, 60)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip6tset", fq)
        z.has_ip4 = z.has_ip6 = True
        d.aux_specs.append(f"trie.test.v6aux:ip6tset:{fq.name}")

        # ---- v6.test: IPv6 only ----
        z = self.zone("v6.test")
        pts = d.context_points(z.name)
        ds = model.Trie(128, "ip6trie")
        fv = self.new_file("v6trie")
        self.soa_ns(fv, z)
        fv.add(":127.0.0.2:v6 listed $")
        self.ip6trie(fv, ds, pts, 90, v4targets=[ip4("10.0.0.1"), ip4("127.0.0.3")])
        z.ctx.datasets.append(ds)
        self.spec(z, "ip6trie", fv)
        ds = model.IP6TSet()
        fw = self.new_file("v6tset")
        self.ip6tset(fw, ds, pts, 50)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip6tset", fw)
        z.has_ip6 = True

        # ---- dbl.test: two dnsets ----
        z = self.zone("dbl.test")
        pts = d.context_points(z.name)
        for i, fname in enumerate(("dbl-1", "dbl-2")):
            ds = model.DNSet()
            fd = self.new_file(fname)
            if i == 0:
                fd.rsync = fd.cksum = True
                self.soa_ns(fd, z)
                fd.add("$TTL 10m")
                fd.add("$1 https://dbl.example/lookup")
                fd.add(":127.0.1.2:domain $ listed, $1")
            else:
                fd.add(":127.0.1.4:phish $")
            self.dnset(fd, ds, pts, 110, nvars=1 if i == 0 else 0, test_point=(i == 0))
            z.ctx.datasets.append(ds)
            self.spec(z, "dnset", fd)

        # ---- nosoa.test ----
        z = self.zone("nosoa.test")
        pts = d.context_points(z.name)
        ds = model.IP4Set()
        fn = self.new_file("nosoa4")
        fn.add("127.0.0.2")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        self.ip4set(fn, ds, pts, bases_b, 50)
        z.ctx.datasets.append(ds)
        self.spec(z, "ip4set", fn)
        ds = model.DNSet()
        fm = self.new_file("nosoa-dn")
        self.dnset(fm, ds, pts, 40)
        z.ctx.datasets.append(ds)
        self.spec(z, "dnset", fm)
        z.has_ip4 = True

        # ---- zen.test: combined ----
        self.combined()

        # ---- ts.test: $TIMESTAMP past 2038, $MAXRANGE4 ----
        z = self.zone("ts.test")
        pts = d.context_points(z.name)
        ds = model.IP4Set()
        fx = self.new_file("ts")
        self.soa_ns(fx, z)
        fx.add("$TIMESTAMP 2020:01:01 2099:12:31")
        fx.add("$MAXRANGE4 /20")
        fx.add("$MAXRANGE4 /12")  # a later line may lower the limit, never raise it
        fx.add("127.0.0.2")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        self.ip4set(fx, ds, pts, bases_a, 50, maxrange=4096, multi=False)
        z.ctx.datasets.append(ds)
        z.has_ip4 = True
        self.spec(z, "ip4set", fx)

        # ---- expired.test ----
        z = self.zone("expired.test")
        pts = d.context_points(z.name)
        ds = model.IP4Set()
        fe = self.new_file("expired")
        self.soa_ns(fe, z)
        fe.add("$TIMESTAMP 2020:01:01 2021:01:01")
        fe.add("127.0.0.2")
        ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
        pts.ip4.append((ip4("127.0.0.2"),) * 2 + (True,))
        z.ctx.datasets.append(ds)
        z.has_ip4 = True
        z.expired = True
        self.spec(z, "ip4set", fe)

        # ---- adj.test: two ip4set datasets whose ranges touch ----
        # Each file's first value has index 0 in its own table; the loader
        # once merged B's first range into A's last, answering A's value.
        # No random draws here: the other zones' data stays as it was.
        z = self.zone("adj.test")
        pts = d.context_points(z.name)
        for fname, base, code in (("adj-a", "10.5.3.0", 2), ("adj-b", "10.5.4.0", 3)):
            ds = model.IP4Set()
            fl = self.new_file(fname)
            fl.add(f":127.0.0.{code}:listed in {fname}: $")
            fl.add(f"{base}/24")
            ds.add(ip4(base), ip4(base) + 255, True)
            pts.ip4.append((ip4(base), ip4(base) + 255, True))
            z.ctx.datasets.append(ds)
            self.spec(z, "ip4set", fl)
        z.has_ip4 = True

        # write the files with distinct fixed mtimes
        for i, fl in enumerate(self.files):
            fl.write(d.dir, MTIME_BASE + 1000 * i + rng.randint(0, 999))
            d.files.append(fl.name)
        # SOA serial 0 = the newest mtime of the zone's files
        mt = {fl.name: int(os.stat(os.path.join(d.dir, fl.name)).st_mtime) for fl in self.files}
        for spec in d.specs:
            zname, _, files = spec.split(":", 2)
            zz = d.zones[zname]
            zz.files = getattr(zz, "files", []) + files.split(",")
        for zz in d.zones.values():
            if zz.soa and zz.soa["serial"] == 0:
                zz.soa["serial"] = max(mt[x] for x in zz.files)
        return d

    def combined(self):
        rng = self.rng
        d = self.data
        z = self.zone("zen.test")
        f = self.new_file("zen")
        f.add("# combined dataset: common section, then $DATASET sections")
        self.soa_ns(f, z)
        f.add(f"$TTL {time_text(rng, 1800)}")
        f.add("$1 https://zen.test/q")
        bases = [ip4(x) for x in ("10.0.0.0", "10.3.0.0", "192.168.0.0")]
        at = z.ctx
        pts_at = d.context_points(z.name)

        def sub(label):
            if label not in z.subzones:
                z.subzones[label] = model.Context(f"{label}.{z.name}")
            return z.subzones[label]

        def section(typ, name, labels):
            f.add(f"$DATASET {typ}:{name} {' '.join(labels)}")

        sections = [
            ("ip4set", "sbl", ["sbl", "@"]),
            ("ip4set", "xbl", ["xbl", "@"]),
            ("ip4tset", "pbl", ["pbl"]),
            ("ip4trie", "tr", ["tr"]),
            ("dnset", "dbl", ["dbl"]),
            ("ip6trie", "v6", ["v6", "@"]),
            ("generic", "g", ["@"]),
        ]
        for typ, name, labels in sections:
            section(typ, name, labels)
            ctxs = [at if lb == "@" else sub(lb) for lb in labels]
            if typ == "ip4set":
                ds = model.IP4Set()
                if name == "xbl":
                    f.add("$TTL 5m")
                    f.add(":127.0.0.4:XBL $ $1")
                else:
                    f.add(":127.0.0.2:SBL $1/sbl?ip=$")
                f.add("127.0.0.2")
                ds.add(ip4("127.0.0.2"), ip4("127.0.0.2"), True)
                tmp = Points()
                self.ip4set(f, ds, tmp, bases, 60, nvars=1)
                for c in ctxs:
                    d.context_points(c.name).ip4.extend(tmp.ip4 + [(ip4("127.0.0.2"),) * 2 + (True,)])
            elif typ == "ip4tset":
                ds = model.IP4TSet()
                f.add(":127.0.0.10:PBL $")
                tmp = Points()
                for _ in range(40):
                    a = rng.choice(bases) | rng.randint(0, 0xFFFF)
                    f.add(ip4s(a))
                    ds.add(a)
                    tmp.ip4.append((a, a, True))
                for c in ctxs:
                    d.context_points(c.name).ip4.extend(tmp.ip4)
            elif typ == "ip4trie":
                ds = model.Trie(32, "ip4trie")
                tmp = Points()
                self.ip4trie(f, ds, tmp, 40, bases)
                for c in ctxs:
                    d.context_points(c.name).ip4.extend(tmp.ip4)
            elif typ == "dnset":
                ds = model.DNSet()
                tmp = Points()
                self.dnset(f, ds, tmp, 50, nvars=1)
                for c in ctxs:
                    d.context_points(c.name).names.extend(tmp.names)
            elif typ == "ip6trie":
                ds = model.Trie(128, "ip6trie")
                tmp = Points()
                f.add("$TTL 20m")
                self.ip6trie(f, ds, tmp, 40, v4targets=[ip4("10.0.0.1")], nvars=1)
                for c in ctxs:
                    d.context_points(c.name).ip6.extend(tmp.ip6)
                # the IPv6 section as a plain file, for the reference-only aux zones
                aux = self.new_file("zen-v6aux")
                aux.add("$TTL 20m")
                aux.add("$1 https://zen.test/q")
                start = len(f.lines) - 1
                while not f.lines[start].startswith("$DATASET"):
                    start -= 1
                for line in f.lines[start + 1:]:
                    if line != "$TTL 20m":
                        aux.add(line)
                for c in ctxs:
                    d.aux_specs.append(f"{c.name}.v6aux:ip6trie:{aux.name}")
            else:
                ds = model.Generic()
                self.generic(f, ds, pts_at, z)
            for c in ctxs:
                c.datasets.append(ds)
        self.spec(z, "combined", f)
        # a plain dataset of the same zone next to the combined one
        ds = model.IP4Set()
        fp = self.new_file("zen-extra")
        fp.add(":127.0.0.20:extra $")
        self.ip4set(fp, ds, pts_at, bases[:1], 30)
        at.datasets.append(ds)
        self.spec(z, "ip4set", fp)
        z.has_ip4 = z.has_ip6 = True


def generate(seed, directory):
    os.makedirs(directory, exist_ok=True)
    os.chmod(directory, 0o755)  # rbldnsd runs as nobody
    return ZoneGen(seed, directory).build()


if __name__ == "__main__":
    import sys
    import tempfile
    out = sys.argv[2] if len(sys.argv) > 2 else tempfile.mkdtemp(prefix="diffdata-")
    data = generate(int(sys.argv[1]) if len(sys.argv) > 1 else 1, out)
    print(out)
    print("\n".join(data.specs))
    print("aux:", " ".join(data.aux_specs))
