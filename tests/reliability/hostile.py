"""Malformed and hostile DNS requests for the flood tests, as raw bytes.

The same cases as the packet-level table of tests/query/test_hostile.c
(shorter than a header, QR=1, every opcode, QDCOUNT 0/2, answer/authority
counts, two OPTs, trailing bytes, compression pointers, label types, long
labels and names, root name, EDNS versions/options/flags, classes, meta
qtypes, out of zone, header bits) plus random bytes and random mutations
of valid queries. Everything is drawn from a seeded random.Random, so a
failing run is reproducible.
"""

import struct

LISTED = "2.0.0.127.bl.test"


def wire_name(name):
    out = b""
    for label in name.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def header(qid, flags=0x0100, qd=1, an=0, ns=0, ar=0):
    return struct.pack(">HHHHHH", qid, flags, qd, an, ns, ar)


def opt(payload=1232, version=0, eflags=0, options=b"", ext_rcode=0):
    return b"\0" + struct.pack(">HHBBHH", 41, payload, ext_rcode, version, eflags,
                               len(options)) + options


def query(qid, name=LISTED, qtype=1, qclass=1, flags=0x0100, edns=None):
    """edns: None, or the bytes of an OPT RR (ARCOUNT set to 1)."""
    pkt = header(qid, flags, 1, 0, 0, 1 if edns is not None else 0)
    pkt += wire_name(name) + struct.pack(">HH", qtype, qclass)
    return pkt + (edns or b"")


RR_A = b"\xc0\x0c" + struct.pack(">HHIH", 1, 1, 60, 4) + bytes([127, 0, 0, 2])


def cases(rng):
    """A list of builders: each takes a query ID and returns one request."""
    qt = lambda **kw: (lambda i: query(i, **kw))  # noqa: E731
    long_name = ".".join(["x" * 63] * 3 + ["x" * 61]) + ".bl.test"  # 256 bytes
    c = [
        lambda i: b"",
        lambda i: header(i)[: rng.randrange(1, 12)],
        lambda i: header(i),
        lambda i: query(i)[: rng.randrange(12, len(query(i)))],
        qt(flags=0x8100),                                 # QR=1
        qt(flags=0x8500),                                 # QR=1 AA
        lambda i: query(i, flags=(rng.randrange(1, 16) << 11) | 0x0100),  # opcodes 1-15
        lambda i: header(i, (rng.randrange(1, 16) << 11), qd=0),          # header-only
        lambda i: header(i, 0x7800, qd=0, ar=1) + opt(),                  # opcode 15 + OPT
        lambda i: header(i, qd=0) + query(i)[12:],        # QDCOUNT 0
        lambda i: header(i, qd=0, ar=1) + opt(),          # QDCOUNT 0 + OPT
        lambda i: header(i, qd=2) + query(i)[12:] * 2,    # QDCOUNT 2
        lambda i: header(i, an=1) + query(i)[12:],        # ANCOUNT 1, no record
        lambda i: header(i, an=1) + query(i)[12:] + RR_A,  # ANCOUNT 1, a record
        lambda i: header(i, ns=1) + query(i)[12:],
        lambda i: header(i, an=0xFFFF, ns=0xFFFF, ar=0xFFFF) + query(i)[12:] + RR_A,
        lambda i: header(i, ar=2) + query(i)[12:] + opt() + opt(),  # two OPTs
        lambda i: header(i, an=1) + query(i)[12:] + opt(),          # OPT in answer
        lambda i: header(i, ar=1) + query(i)[12:] + b"\x01x" + opt()[1:],  # OPT owner
        lambda i: header(i, ar=1) + query(i)[12:] + opt()[:-2] + b"\x00\x08",  # rdlen
        lambda i: query(i) + rng.randbytes(rng.randrange(1, 64)),
        lambda i: header(i) + b"\xc0\x12\x00\x01\x00\x01\x01a\x00",  # forward pointer
        lambda i: header(i) + b"\xc0\x0c\x00\x01\x00\x01",          # self pointer
        lambda i: header(i) + b"\x01a\xc0",                          # pointer, last byte
        lambda i: header(i) + b"\x01a\xc0\x00\x00\x01\x00\x01",      # into the header
        lambda i: header(i) + b"\x41a" + query(i)[12:],              # label type 0x40
        lambda i: header(i) + b"\x81a" + query(i)[12:],              # label type 0x80
        lambda i: query(i, name="a" * 64 + ".bl.test"),              # label 64
        lambda i: query(i, name=long_name),                          # name 256
        lambda i: header(i) + b"\x01a" * 128 + b"\0\0\x01\0\x01",    # 128 labels
        lambda i: header(i) + b"\0\0\x01\0\x01",                     # root name
        lambda i: header(i) + b"\0\0\x06\0\x01",                     # root SOA
        qt(edns=opt(version=1)),
        qt(edns=opt(version=rng.randrange(1, 256), eflags=0xFFFF)),
        qt(edns=opt(options=b"\x00\x64\x00\x04abcd")),               # unknown option
        qt(edns=opt(eflags=0x7FFF)),                                 # unknown flags
        qt(edns=opt(payload=0)),
        qt(edns=opt(payload=65535, eflags=0x8000)),
        qt(edns=opt(options=b"\x00\x0a\x00\x03abc")),                # bad cookie length
        qt(qclass=3), qt(qclass=4), qt(qclass=254), qt(qclass=255), qt(qclass=0),
        qt(name="version.bind", qtype=16, qclass=3),
        qt(qtype=0), qt(qtype=250), qt(qtype=251), qt(qtype=252), qt(qtype=253),
        qt(qtype=254), qt(qtype=255), qt(qtype=1000), qt(qtype=41),
        qt(name="2.0.0.127.example.org"), qt(name="bl.test.org"), qt(name="."),
        lambda i: query(i, flags=0x0100 | 0x0070),                  # Z, AD, CD
        lambda i: query(i, flags=0x0500), lambda i: query(i, flags=0x0300),  # AA, TC
    ]
    return c


def random_bytes(rng, qid):
    n = rng.randrange(0, 600)
    b = bytearray(rng.randbytes(n))
    if n >= 12 and rng.random() < 0.5:
        b[0:2] = struct.pack(">H", qid)
        b[2] &= 0x7F  # QR=0 so the parser gets further
        b[4:6] = b"\x00\x01"
    return bytes(b)


def mutated(rng, qid):
    b = bytearray(query(qid, name=rng.choice([LISTED, "1.0.0.127.bl.test", "test.dbl.test"]),
                        qtype=rng.choice([1, 16, 255]),
                        edns=opt() if rng.random() < 0.5 else None))
    for _ in range(rng.randrange(1, 5)):
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
    if rng.random() < 0.3:
        del b[rng.randrange(len(b)):]
    return bytes(b)


class Generator:
    """next(qid) -> one malformed request, cycling kinds: half from the
    hostile list, a quarter random bytes, a quarter mutated queries."""

    def __init__(self, rng):
        self.rng = rng
        self.cases = cases(rng)

    def next(self, qid):
        k = self.rng.random()
        if k < 0.5:
            return self.rng.choice(self.cases)(qid)
        if k < 0.75:
            return random_bytes(self.rng, qid)
        return mutated(self.rng, qid)
