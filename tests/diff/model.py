"""In-memory model of the generated data: which keys are listed.

gen_data.py builds these objects while it writes the zone files, so the model
never parses files. The model only answers "is this key listed" (not the A/TXT
values: the reference server is the oracle for values). It is used to aim
queries at interesting keys and by compare.py for one predicate that no
reference query can decide: whether a name has listed data beneath it
(contract 6.5, empty non-terminals). The harness checks the model against
rbldnsd on every run (report line "model check") so that predicate rests on a
verified model.

Semantics follow /work/shared/reference/rbldnsd.md section 4.
"""

import bisect
import ipaddress

IP4_LEVELS = (32, 24, 16, 8)
SOA_FIELDS = ("ttl", "mname", "rname", "serial", "refresh", "retry", "expire", "minimum")


def ip4(text):
    return int(ipaddress.IPv4Address(text))


def ip4s(n):
    return str(ipaddress.IPv4Address(n))


def ip6(text):
    return int(ipaddress.IPv6Address(text))


def ip6s(n):
    """Compressed hex form, never with an embedded dotted quad (rbldnsd does
    not parse those): RFC 5952 style, longest run of >= 2 zero groups."""
    groups = [(n >> (16 * (7 - i))) & 0xFFFF for i in range(8)]
    best, blen, i = -1, 1, 0
    while i < 8:
        if groups[i] == 0:
            j = i
            while j < 8 and groups[j] == 0:
                j += 1
            if j - i > blen:
                best, blen = i, j - i
            i = j
        else:
            i += 1
    hexs = [f"{g:x}" for g in groups]
    if best < 0:
        return ":".join(hexs)
    return ":".join(hexs[:best]) + "::" + ":".join(hexs[best + blen:])


def ip4_blocks(lo, hi):
    """Split [lo, hi] into octet-aligned blocks the way rbldnsd's ip4set
    stores a range: (level, block number) with level in 32/24/16/8."""
    out = []
    while lo <= hi:
        for level in (8, 16, 24, 32):
            size = 1 << (32 - level)
            if lo % size == 0 and lo + size - 1 <= hi:
                out.append((level, lo >> (32 - level)))
                lo += size
                break
    return out


class IP4Set:
    kind = "ip4set"
    family = 4

    def __init__(self):
        self.levels = {lv: {} for lv in IP4_LEVELS}
        self.bounds = set()

    def add(self, lo, hi, listed):
        for level, blk in ip4_blocks(lo, hi):
            self.levels[level].setdefault(blk, set()).add(bool(listed))
            size = 1 << (32 - level)
            start = blk << (32 - level)
            self.bounds.update((start, start + size))

    def listed(self, a):
        for level in IP4_LEVELS:
            vals = self.levels[level].get(a >> (32 - level))
            if vals is not None:
                return False not in vals
        return False

    def points(self):
        return self.bounds


class IP4TSet:
    kind = "ip4tset"
    family = 4

    def __init__(self):
        self.addrs = set()

    def add(self, a):
        self.addrs.add(a)

    def listed(self, a):
        return a in self.addrs

    def points(self):
        return {p for a in self.addrs for p in (a, a + 1)}


class Trie:
    """ip4trie / ip6trie: longest prefix wins; an exclusion is a prefix with
    no value; a duplicate prefix keeps the first line."""

    def __init__(self, bits, kind):
        self.bits, self.kind = bits, kind
        self.family = 4 if bits == 32 else 6
        self.prefixes = {}

    def add(self, net, plen, listed):
        key = (plen, net >> (self.bits - plen) if plen else 0)
        self.prefixes.setdefault(key, bool(listed))

    def listed(self, a):
        for plen in range(self.bits, -1, -1):
            v = self.prefixes.get((plen, a >> (self.bits - plen) if plen else 0))
            if v is not None:
                return v
        return False

    def points(self):
        out = set()
        for (plen, pfx) in self.prefixes:
            size = 1 << (self.bits - plen)
            out.update((pfx * size, pfx * size + size))
        return out


class IP6TSet:
    kind = "ip6tset"
    family = 6

    def __init__(self):
        self.nets = set()  # /64 numbers
        self.excl = set()  # /128 addresses

    def add(self, net64):
        self.nets.add(net64)

    def exclude(self, a):
        self.excl.add(a)

    def listed(self, a):
        return a not in self.excl and (a >> 64) in self.nets

    def points(self):
        out = set()
        for n in self.nets:
            out.update((n << 64, (n + 1) << 64))
        for a in self.excl:
            out.update((a, a + 1))
        return out


class DNSet:
    """dnset: exact names, and wildcards (*.name: subdomains; .name: both).
    At one key an exclusion wins; lookup is exact first, then the longest
    wildcard suffix with at least one label removed."""
    kind = "dnset"
    family = None

    def __init__(self):
        self.exact = {}
        self.wild = {}

    def add(self, name, form, listed):
        name = name.lower().rstrip(".")
        if form in ("exact", "dot"):
            self.exact.setdefault(name, set()).add(bool(listed))
        if form in ("wild", "dot"):
            self.wild.setdefault(name, set()).add(bool(listed))

    def listed(self, name):
        v = self.exact.get(name)
        if v is not None:
            return False not in v
        labels = name.split(".")
        for i in range(1, len(labels)):
            v = self.wild.get(".".join(labels[i:]))
            if v is not None:
                return False not in v
        return False

    def names(self):
        return set(self.exact) | set(self.wild)


class Generic:
    kind = "generic"
    family = None

    def __init__(self):
        self.records = {}  # relative name ("" = apex) -> set of types

    def add(self, name, rtype):
        self.records.setdefault(name.lower(), set()).add(rtype)

    def listed(self, name):
        return name in self.records

    def names(self):
        return set(self.records)


class Context:
    """The datasets answering one part of a zone: a plain zone, the @ part of a
    zone with combined datasets, or one combined subzone."""

    def __init__(self, name):
        self.name = name  # absolute, lowercase, no trailing dot
        self.datasets = []

    def by_family(self, fam):
        return [d for d in self.datasets if d.family == fam]

    def named(self):
        return [d for d in self.datasets if d.kind in ("dnset", "generic")]


class Zone:
    def __init__(self, name):
        self.name = name
        self.soa = None  # dict with SOA_FIELDS, ttl already resolved (0 -> default)
        self.ns = []
        self.ctx = Context(name)  # plain datasets and combined @ sections
        self.subzones = {}  # label -> Context
        self.expired = False
        self.has_ip4 = False  # rbldnsd's zone-wide flags (any dataset, also nested)
        self.has_ip6 = False

    def context_for(self, labels):
        """(context, labels relative to it) for labels relative to the zone
        (leftmost first). A subzone owns the names beneath and at it."""
        if labels and labels[-1] in self.subzones:
            return self.subzones[labels[-1]], labels[:-1], True
        return self.ctx, labels, False


def parse_ip4_key(labels):
    """4 canonical decimal labels (reversed) -> int, else None."""
    if len(labels) != 4 or not all(canonical_octet(x) for x in labels):
        return None
    a, b, c, d = (int(x) for x in reversed(labels))
    return (a << 24) | (b << 16) | (c << 8) | d


def canonical_octet(x):
    return x.isdigit() and x.isascii() and len(x) <= 3 and int(x) <= 255 and (x == "0" or x[0] != "0")


def is_nibble(x):
    return len(x) == 1 and x in "0123456789abcdef"


def parse_ip6_key(labels):
    if len(labels) != 32 or not all(is_nibble(x) for x in labels):
        return None
    return int("".join(reversed(labels)), 16)


V4MAPPED = 0xFFFF << 32  # ::ffff:0:0/96
SIXTOFOUR = 0x2002  # 2002::/16


def ctx_flags(zone, ctx):
    """(has IPv4 data, has IPv6 data) as rbldnsd decides how to read a
    query name: zone-wide for the zone itself (its plain datasets and the @
    part of combined ones), per subzone inside a combined dataset."""
    if ctx is zone.ctx:
        return zone.has_ip4, zone.has_ip6
    return bool(ctx.by_family(4)), bool(ctx.by_family(6))


def ip6_listed(zone, ctx, a, mapped_both):
    """rbldnsd: ::ffff:V4 consults only the IPv4 data when the zone has any
    IPv4 dataset; 2002:V4::/16 consults IPv4 and IPv6. With mapped_both
    (contract 6.6) a v4-mapped address consults both."""
    v4 = None
    only_v4 = False
    has4, _ = ctx_flags(zone, ctx)
    if has4:
        if a >> 32 == 0xFFFF:
            v4 = a & 0xFFFFFFFF
            only_v4 = not mapped_both
        elif a >> 112 == SIXTOFOUR:
            v4 = (a >> 80) & 0xFFFFFFFF
    if v4 is not None and any(d.listed(v4) for d in ctx.by_family(4)):
        return True
    if only_v4:
        return False
    return any(d.listed(a) for d in ctx.by_family(6))


def name_listed(zone, labels, mapped_both=False):
    """Does the (lowercase) name, given as labels relative to the zone, get a
    positive (NOERROR) answer from the data? The apex and subzone apexes
    always do."""
    if zone.expired:
        return None
    ctx, rel, sub = zone.context_for(labels)
    if not rel:
        return True
    name = ".".join(rel)
    if any(d.listed(name) for d in ctx.named()):
        return True
    has4, has6 = ctx_flags(zone, ctx)
    a4 = parse_ip4_key_loose(rel) if has4 else None
    if a4 is not None and any(d.listed(a4) for d in ctx.by_family(4)):
        return True
    a6 = parse_ip6_key(rel) if (has4 or has6) else None
    if a6 is not None and ip6_listed(zone, ctx, a6, mapped_both):
        return True
    return False


def parse_ip4_key_loose(labels):
    """rbldnsd accepts leading zeros (002.0.0.127)."""
    if len(labels) != 4 or not all(x.isdigit() and x.isascii() and len(x) <= 3 and int(x) <= 255
                                   for x in labels):
        return None
    a, b, c, d = (int(x) for x in reversed(labels))
    return (a << 24) | (b << 16) | (c << 8) | d


def _any_in_block(datasets, lo, hi, pred):
    """Is any address in [lo, hi] listed? Listing status only changes at the
    datasets' block boundaries, so testing lo and every boundary inside the
    block is exact."""
    cands = {lo}
    for d in datasets:
        pts = sorted_points(d)
        cands.update(pts[bisect.bisect_right(pts, lo):bisect.bisect_right(pts, hi)])
    return any(pred(a) for a in cands)


def sorted_points(d):
    pts = getattr(d, "_sorted_points", None)
    if pts is None:
        pts = sorted(d.points())
        d._sorted_points = pts
    return pts


def exists_beneath(zone, labels):
    """Contract 6.5: is there listed data strictly beneath this name (labels
    relative to the zone, lowercase)? Evaluated with our semantics (6.6:
    v4-mapped names consult IPv4 and IPv6 data)."""
    ctx, rel, sub = zone.context_for(labels)
    if not rel and sub:
        return False  # a subzone apex is not an empty non-terminal
    named = ctx.named()
    if rel and named:
        n0 = ".".join(rel)
        cands = {"zz9fresh." + n0}
        for d in named:
            for n in d.names():
                if n.endswith("." + n0):
                    cands.update((n, "zz9fresh." + n))
        if any(d.listed(c) for c in cands for d in named):
            return True
    # a partial IPv4 key: 1..3 canonical octets
    v4 = ctx.by_family(4)
    has4, has6 = ctx_flags(zone, ctx)
    if has4 and v4 and 1 <= len(rel) <= 3 and all(canonical_octet(x) for x in rel):
        octs = [int(x) for x in reversed(rel)]
        lo = 0
        for o in octs:
            lo = (lo << 8) | o
        shift = 8 * (4 - len(octs))
        lo <<= shift
        hi = lo + (1 << shift) - 1
        if _any_in_block(v4, lo, hi, lambda a: any(d.listed(a) for d in v4)):
            return True
    # a partial IPv6 key: 1..31 nibbles
    if (has4 or has6) and 1 <= len(rel) <= 31 and all(is_nibble(x) for x in rel):
        n = len(rel)
        pfx = int("".join(reversed(rel)), 16)
        shift = 4 * (32 - n)
        lo = pfx << shift
        hi = lo + (1 << shift) - 1
        dsets = ctx.by_family(6)
        cands_ds = list(dsets)

        if v4:
            v4pts = set()
            for d in v4:
                v4pts.update(d.points())
            extra = {V4MAPPED, SIXTOFOUR << 112}
            extra.update(V4MAPPED + p for p in v4pts)
            extra.update((SIXTOFOUR << 112) + (p << 80) for p in v4pts)
            cands_ds.append(PointSet(extra))
        if _any_in_block(cands_ds, lo, hi, lambda a: ip6_listed(zone, ctx, a, True)):
            return True
    return False


class PointSet:
    def __init__(self, pts):
        self.pts = pts

    def points(self):
        return self.pts
