"""Generate DNS queries (wire format) aimed at the generated data.

    cases = generate(data, seed, n)

Each Case carries the query wire (ID bytes are replaced when sent), what it
asks (zone, context, relative labels, qtype, class, flags, EDNS) and
'companions': extra queries sent to the reference server only, whose
answers compare.py needs to check a contract-6 category precisely:
  aaaa     the same question with qtype AAAA (6.4: a qtype >= 256 such as
           CAA must be answered like any data type; rbldnsd answers NOTIMP)
  aux      the same key in the '<context>.v6aux' zone, which holds only the
           context's IPv6 data (6.6: v4-mapped names consult IPv4 and IPv6)
  apexsoa  the zone's apex SOA (6.9: leading-zero octets are NXDOMAIN)
  classin  the same query with class IN (6.2: whether rbldnsd dropped
           records from a class ANY answer, which never has AA)
"""

import random
import struct

import dns.flags
import dns.opcode
import dns.rdataclass
import dns.rdatatype

import model
import wire
from model import ip4s

QTYPES = [  # (qtype, weight)
    (1, 45), (16, 18), (255, 10), (28, 5), (15, 3), (2, 3), (6, 3), (5, 1), (12, 1),
    (65, 1), (99, 1), (249, 0.5), (0, 0.3), (257, 1.5), (65535, 0.3), (256, 0.3),
    (252, 0.4), (251, 0.4), (250, 0.3), (253, 0.2), (254, 0.2),
]
APEX_QTYPES = [(6, 30), (2, 25), (255, 15), (1, 10), (16, 8), (15, 5), (28, 4), (257, 2), (252, 1)]

ZONE_WEIGHTS = {"bl.test": 25, "zen.test": 20, "dbl.test": 12, "trie.test": 10, "v6.test": 10,
                "nosoa.test": 8, "sub.bl.test": 6, "ts.test": 5, "expired.test": 2, "adj.test": 2}


class Case:
    def __init__(self, **kw):
        self.kind = kw.get("kind")
        self.wire = kw.get("wire")
        self.qname = kw.get("qname")  # text as sent (case preserved)
        self.qtype = kw.get("qtype")
        self.qclass = kw.get("qclass", 1)
        self.opcode = kw.get("opcode", 0)
        self.edns = kw.get("edns")  # None or EDNS version
        self.payload = kw.get("payload")
        self.do = kw.get("do", False)
        self.qflags = kw.get("qflags", 0)
        self.zone = kw.get("zone")  # model.Zone or None
        self.rel = kw.get("rel")  # labels relative to the zone, lowercase
        self.companions = kw.get("companions", {})
        self.malformed = kw.get("malformed", False)

    def describe(self):
        if self.malformed:
            return f"[{self.kind}] raw {self.wire.hex()}"
        t = dns.rdatatype.to_text(self.qtype)
        c = dns.rdataclass.to_text(self.qclass)
        e = "" if self.edns is None else f" +edns={self.edns} +bufsize={self.payload}" + \
            (" +dnssec" if self.do else "")
        flags = dns.flags.to_text(self.qflags) or "-"
        op = "" if self.opcode == 0 else f" opcode={dns.opcode.to_text(self.opcode)}"
        return f"[{self.kind}] {self.qname} {c} {t}{e} flags={flags}{op}"


def build(qname, qtype, qclass=1, flags=dns.flags.RD, edns=None, payload=1232, do=False,
          opcode=0):
    return wire.build_query(qname, qtype, qclass, flags, edns, payload, do, opcode)


class QGen:
    def __init__(self, data, seed):
        self.data = data
        self.rng = random.Random(seed * 7919 + 17)
        self.cases = []
        self.aux_zones = {s.split(":", 1)[0] for s in data.aux_specs}

    # ---- small helpers ----
    def wchoice(self, pairs):
        total = sum(w for _, w in pairs)
        x = self.rng.uniform(0, total)
        for v, w in pairs:
            x -= w
            if x <= 0:
                return v
        return pairs[-1][0]

    def randcase(self, text):
        if self.rng.random() < 0.08:
            return "".join(c.upper() if self.rng.random() < 0.5 else c for c in text)
        return text

    def header(self):
        """(flags, edns, payload, do, qclass, opcode) for an ordinary query."""
        rng = self.rng
        flags = dns.flags.RD if rng.random() < 0.7 else 0
        if rng.random() < 0.03:
            flags |= dns.flags.AD
        if rng.random() < 0.03:
            flags |= dns.flags.CD
        edns = payload = None
        do = False
        r = rng.random()
        if r < 0.35:
            edns = 0
            payload = rng.choice([512, 600, 1232, 1232, 1400, 4096])
            do = rng.random() < 0.2
        elif r < 0.36:
            edns = 1
            payload = 1232
        qclass = 1
        r = rng.random()
        if r < 0.01:
            qclass = 255
        elif r < 0.013:
            qclass = 4  # HS
        elif r < 0.015:
            qclass = 254  # NONE
        opcode = 0
        r = rng.random()
        if r < 0.006:
            opcode = rng.choice([1, 2, 4, 5])
        elif r < 0.009:
            flags |= rng.choice([dns.flags.AA, dns.flags.TC])
        return flags, edns, payload, do, qclass, opcode

    def add(self, kind, zone, rel, qtype=None, apex=False, ctx=None):
        if qtype is None:
            qtype = self.wchoice(APEX_QTYPES if apex else QTYPES)
        flags, edns, payload, do, qclass, opcode = self.header()
        zname = zone.name if zone else None
        owner = ".".join(list(rel) + ([zname] if zname else []))
        qname = self.randcase(owner) + "."
        wire = build(qname, qtype, qclass, flags, edns, payload, do, opcode)
        comp = {}
        if qtype >= 250 and qtype != 255:
            comp["aaaa"] = build(qname, 28, qclass, flags, edns, payload, do, opcode)
        if qclass == 255:
            comp["classin"] = build(qname, qtype, 1, flags, edns, payload, do, opcode)
        if zone is not None and ctx is not None:
            key = rel[:len(rel) - (0 if ctx is zone.ctx else 1)]
            a6 = model.parse_ip6_key([x.lower() for x in key])
            if a6 is not None and a6 >> 32 == 0xFFFF:
                aux = ctx.name + ".v6aux"
                if aux in self.aux_zones:
                    # meta qtypes are compared with the AAAA answer (see "aaaa")
                    atype = 28 if qtype >= 250 and qtype != 255 else qtype
                    comp["aux"] = build(".".join(key) + "." + aux + ".", atype, qclass, flags,
                                        edns, payload, do, opcode)
        if zone is not None and any(len(x) > 1 and x[0] == "0" and x.isdigit() for x in rel):
            comp["apexsoa"] = build(zone.name + ".", 6)
        self.cases.append(Case(kind=kind, wire=wire, qname=qname, qtype=qtype, qclass=qclass,
                               opcode=opcode, edns=edns, payload=payload, do=do, qflags=flags,
                               zone=zone, rel=[x.lower() for x in rel], companions=comp))

    # ---- key makers ----
    def ip4_point(self, pts):
        rng = self.rng
        if not pts.ip4 or rng.random() < 0.08:
            base = rng.choice(["10.0", "10.1", "10.2", "10.3", "172.16", "172.17", "192.168", "127.0",
                               "44.1", "11.0", "100.64"])
            return model.ip4(f"{base}.{rng.randint(0, 255)}.{rng.randint(0, 255)}")
        lo, hi, _ = rng.choice(pts.ip4)
        r = rng.random()
        if r < 0.3:
            x = lo
        elif r < 0.45:
            x = hi
        elif r < 0.55:
            x = lo - 1
        elif r < 0.65:
            x = hi + 1
        elif r < 0.9:
            x = rng.randint(lo, hi)
        else:
            x = (lo & ~0xFFFF) | rng.randint(0, 0xFFFF)
        return x & 0xFFFFFFFF

    def ip4_labels(self, a):
        return list(reversed(ip4s(a).split(".")))

    def ip6_point(self, pts, zone):
        rng = self.rng
        r = rng.random()
        if zone.has_ip4 and r < 0.3:
            a = self.ip4_point(self.data.points.get(zone.name)) if rng.random() < 0.9 else \
                model.ip4(rng.choice(["127.0.0.1", "127.0.0.2"]))
            if rng.random() < 0.8:
                return model.V4MAPPED | a
            return (model.SIXTOFOUR << 112) | (a << 80) | rng.getrandbits(16)
        if not pts.ip6 or rng.random() < 0.08:
            if rng.random() < 0.3:
                return model.V4MAPPED | model.ip4(rng.choice(["127.0.0.1", "127.0.0.2", "10.0.0.1"]))
            return (model.ip6("2001:db8::") | rng.getrandbits(96))
        lo, hi, _ = rng.choice(pts.ip6)
        r = rng.random()
        if r < 0.3:
            x = lo
        elif r < 0.45:
            x = hi
        elif r < 0.55:
            x = lo - 1
        elif r < 0.65:
            x = hi + 1
        else:
            x = rng.randint(lo, hi)
        return x % (1 << 128)

    def ip6_labels(self, a):
        nib = f"{a:032x}"
        labels = list(reversed(nib))
        if self.rng.random() < 0.05:
            labels = [c.upper() for c in labels]
        return labels

    def name_point(self, pts):
        rng = self.rng
        if not pts.names or rng.random() < 0.08:
            return [rng.choice(["invalid", "test", "example", "nonexistent", "www", "a.b.c"])]
        name, form, _ = rng.choice(pts.names)
        labels = name.split(".") if name else []
        r = rng.random()
        if r < 0.35:
            out = labels
        elif r < 0.6:
            out = [rng.choice(["a", "www", "zz"])] + labels
        elif r < 0.7:
            out = ["b", rng.choice(["a", "www"])] + labels
        elif r < 0.85 and len(labels) > 1:
            out = labels[1:]  # a parent: an empty non-terminal when something is beneath
        else:
            out = [rng.choice(["x", "ok", "safe"])] + labels
        return out or ["test"]

    # ---- query kinds ----
    def contexts(self, zone):
        """(context, prefix labels) pairs: the zone itself and its subzones."""
        out = [(zone.ctx, [])]
        for label, ctx in zone.subzones.items():
            out.append((ctx, [label]))
        return out

    def one(self, zone):
        rng = self.rng
        ctx, pre = rng.choice(self.contexts(zone))
        pts = self.data.points.get(ctx.name) or self.data.context_points(ctx.name)
        fams = {d.family for d in ctx.datasets}
        named = any(d.kind in ("dnset", "generic") for d in ctx.datasets)
        kinds = []
        if 4 in fams:
            kinds += [("ip4", 35), ("ent4", 5), ("noncanon4", 4)]
        if 6 in fams or 4 in fams:
            kinds += [("ip6", 14 if 6 in fams else 4), ("ent6", 3), ("noncanon6", 1)]
        if named:
            kinds += [("name", 25)]
        kinds += [("apex", 5), ("other", 2)]
        kind = self.wchoice(kinds)
        if kind == "ip4":
            rel = self.ip4_labels(self.ip4_point(pts))
        elif kind == "ent4":
            rel = self.ip4_labels(self.ip4_point(pts))[rng.randint(1, 3):]
        elif kind == "noncanon4":
            lab = self.ip4_labels(self.ip4_point(pts))
            r = rng.random()
            short = [i for i in range(4) if len(lab[i]) < 3]
            if r < 0.55 and short:
                i = rng.choice(short)
                lab[i] = "0" * rng.randint(1, 3 - len(lab[i])) + lab[i]  # leading zeros
            elif r < 0.7:
                lab = ["1"] + lab  # 5 labels
            else:
                lab[rng.randrange(4)] = rng.choice(["256", "999", "1000", "a", "-1", "0x1"])
            rel = lab
        elif kind == "ip6":
            rel = self.ip6_labels(self.ip6_point(pts, zone))
        elif kind == "ent6":
            rel = self.ip6_labels(self.ip6_point(pts, zone))[rng.randint(1, 31):]
        elif kind == "noncanon6":
            lab = self.ip6_labels(self.ip6_point(pts, zone))
            r = rng.random()
            if r < 0.4:
                lab = ["0"] + lab  # 33 nibbles
            elif r < 0.7:
                lab[rng.randrange(32)] = rng.choice(["g", "00", "ff", "x"])
            else:
                lab = lab[1:]  # 31 nibbles
            rel = lab
        elif kind == "name":
            rel = self.name_point(pts)
        elif kind == "apex":
            self.add("apex", zone, pre, apex=True, ctx=ctx)
            return
        else:
            rel = [rng.choice(["www", "ns1", "mail", "info", "deep", "www2", "deep.www2", "x",
                               "sbl", "dbl", "v6", "xbl", "tr", "pbl", "_dnsbl"])]
            rel = rel[0].split(".")
        self.add(kind, zone, rel + pre, ctx=ctx)

    def out_of_zone(self):
        rng = self.rng
        name = rng.choice(["example.com", "test", "xbl.test", "abl.test", "bl.test.example",
                           "2.0.0.127.zen.test.com", "2.0.0.127.example.org", "v6aux",
                           "1.2.3.4.in-addr.arpa", "zen", "org", "zen.test.v6aux.invalid"])
        flags, edns, payload, do, qclass, opcode = self.header()
        qtype = self.wchoice(QTYPES)
        qname = self.randcase(name) + "."
        comp = {}
        if qtype >= 250 and qtype != 255:
            comp["aaaa"] = build(qname, 28, qclass, flags, edns, payload, do, opcode)
        self.cases.append(Case(kind="outzone", wire=build(qname, qtype, qclass, flags, edns,
                                                           payload, do, opcode),
                               qname=qname, qtype=qtype, qclass=qclass, opcode=opcode, edns=edns,
                               payload=payload, do=do, qflags=flags, zone=None, rel=None,
                               companions=comp))

    def chaos(self):
        rng = self.rng
        name = rng.choice(["version.bind.", "version.server.", "VERSION.BIND.", "hostname.bind.",
                           "id.server."])
        qtype = rng.choice([16, 16, 16, 1, 255])
        flags, edns, payload, do, _, _ = self.header()
        self.cases.append(Case(kind="chaos", wire=build(name, qtype, 3, flags, edns, payload, do),
                               qname=name, qtype=qtype, qclass=3, edns=edns, payload=payload,
                               do=do, qflags=flags))

    def special_points(self):
        """The RFC 5782 test points and a few fixed interesting names in
        every zone, with several qtypes."""
        for zname, z in self.data.zones.items():
            for ctx, pre in self.contexts(z):
                for rel in (["2", "0", "0", "127"], ["1", "0", "0", "127"], ["0", "0", "127"],
                            ["0", "127"], ["127"], ["test"], ["invalid"],
                            list(reversed("00000000000000000000ffff7f000002")),
                            list(reversed("00000000000000000000ffff7f000001")),
                            ["002", "0", "0", "127"]):
                    for qtype in (1, 16, 255, 28):
                        self.add("fixed", z, rel + pre, qtype=qtype, ctx=ctx)

    def malformed(self):
        hdr = lambda qd=1, f=0x0100, an=0, ns=0, ar=0: struct.pack("!HHHHHH", 0, f, qd, an, ns, ar)
        q = b"\x012\x010\x010\x03127\x02bl\x04test\x00" + struct.pack("!HH", 1, 1)
        pkts = {
            "short-6": b"\x00\x00\x01\x00\x00\x01",
            "header-only": hdr(),
            "qr-set": hdr(f=0x8100) + q,
            "qdcount-0": hdr(qd=0) + q,
            "qdcount-2": hdr(qd=2) + q + q,
            "pointer-in-qname": hdr() + b"\x012\xc0\x0c" + struct.pack("!HH", 1, 1),
            "label-64": hdr() + b"\x40" + b"a" * 64 + b"\x02bl\x04test\x00" + struct.pack("!HH", 1, 1),
            "name-over-255": hdr() + b"\x3f" + b"a" * 63 + b"\x3f" + b"b" * 63 + b"\x3f" + b"c" * 63 +
                             b"\x3f" + b"d" * 63 + b"\x02bl\x04test\x00" + struct.pack("!HH", 1, 1),
            "no-qtype": hdr() + q[:-4],
            "half-qclass": hdr() + q[:-1],
            "name-unterminated": hdr() + b"\x012\x010\x010",
        }
        for kind, raw in pkts.items():
            self.cases.append(Case(kind="malformed-" + kind, wire=raw, malformed=True))
        # odd but parseable: trailing garbage, non-zero counts of empty sections
        for kind, raw in (("trailing-garbage", hdr() + q + b"\xde\xad\xbe\xef"),
                          ("ancount-1", hdr(an=1) + q)):
            self.cases.append(Case(kind="odd-" + kind, wire=raw, qname="2.0.0.127.bl.test.",
                                   qtype=1, qflags=dns.flags.RD,
                                   zone=self.data.zones["bl.test"], rel=["2", "0", "0", "127"]))

    def run(self, n):
        zones = [(self.data.zones[z], w) for z, w in ZONE_WEIGHTS.items() if z in self.data.zones]
        self.special_points()
        self.malformed()
        guard = 0
        while len(self.cases) < n and guard < 10 * n:
            guard += 1
            r = self.rng.random()
            if r < 0.02:
                self.out_of_zone()
            elif r < 0.025:
                self.chaos()
            else:
                self.one(self.wchoice(zones))
        return self.cases


def generate(data, seed, n):
    return QGen(data, seed).run(n)
