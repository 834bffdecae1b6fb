"""Minimal DNS wire format: build queries, parse responses.

dnspython is correct but too slow for 50,000+ messages per run; this parser
only does what the comparison needs, strictly and bounded: names with
compression (at most 64 pointer jumps, 255 bytes), the header, the question,
every RR with its own TTL (no merging into RRsets), canonical rdata for the
types a DNSBL server returns (A, AAAA, NS, CNAME, PTR, MX, SOA, TXT, OPT) and
raw bytes for any other type. dnspython is used for type/class/rcode names.
"""

import socket
import struct

import dns.rcode
import dns.rdataclass
import dns.rdatatype

QR, AA, TC, RD, RA, AD, CD = 0x8000, 0x0400, 0x0200, 0x0100, 0x0080, 0x0020, 0x0010
FLAG_NAMES = (("qr", QR), ("aa", AA), ("tc", TC), ("rd", RD), ("ra", RA), ("ad", AD), ("cd", CD))
DO = 0x8000


class WireError(Exception):
    pass


def encode_name(text):
    text = text.rstrip(".")
    out = b""
    if text:
        for label in text.split("."):
            b = label.encode("ascii")
            if not 0 < len(b) <= 63:
                raise ValueError(f"bad label in {text!r}")
            out += bytes([len(b)]) + b
    return out + b"\x00"


def build_query(qname, qtype, qclass=1, flags=RD, edns=None, payload=1232, do=False, opcode=0,
                qid=0):
    h = struct.pack("!HHHHHH", qid, (flags & ~0x7800 & 0xFFFF) | (opcode << 11), 1, 0, 0,
                    1 if edns is not None else 0)
    q = encode_name(qname) + struct.pack("!HH", qtype, qclass)
    if edns is not None:
        q += b"\x00" + struct.pack("!HHIH", 41, payload, (edns << 16) | (DO if do else 0), 0)
    return h + q


_PLAIN = bytes(c for c in range(0x21, 0x7F) if c not in b'.\\"();@$')


def _label_text(b):
    if not b.translate(None, _PLAIN):
        return b.decode("ascii")  # the usual case: nothing to escape
    out = []
    for ch in b:
        if ch in (0x2E, 0x5C, 0x22, 0x28, 0x29, 0x3B, 0x40, 0x24):  # . \ " ( ) ; @ $
            out.append("\\" + chr(ch))
        elif 0x21 <= ch <= 0x7E:
            out.append(chr(ch))
        else:
            out.append(f"\\{ch:03d}")
    return "".join(out)


def read_name(raw, off):
    """(text with trailing dot, wire length consumed at off)."""
    labels = []
    total = 0
    jumps = 0
    end = None
    pos = off
    while True:
        if pos >= len(raw):
            raise WireError("name runs past the end")
        ln = raw[pos]
        if ln & 0xC0 == 0xC0:
            if pos + 1 >= len(raw):
                raise WireError("truncated pointer")
            if end is None:
                end = pos + 2
            jumps += 1
            if jumps > 64:
                raise WireError("pointer loop")
            pos = ((ln & 0x3F) << 8) | raw[pos + 1]
            continue
        if ln & 0xC0:
            raise WireError("bad label type")
        if ln == 0:
            if end is None:
                end = pos + 1
            break
        if pos + 1 + ln > len(raw):
            raise WireError("label runs past the end")
        labels.append(_label_text(raw[pos + 1:pos + 1 + ln]))
        total += ln + 1
        if total > 255:
            raise WireError("name over 255 bytes")
        pos += 1 + ln
    return (".".join(labels) + ".") if labels else ".", end - off


class RR:
    __slots__ = ("owner", "cls", "type", "ttl", "data", "rdtext", "strings", "minimum", "target")

    def __init__(self, owner, cls, typ, ttl, data, rdtext, strings=None, minimum=None, target=None):
        self.owner, self.cls, self.type, self.ttl = owner, cls, typ, ttl
        self.data, self.rdtext = data, rdtext
        self.strings, self.minimum, self.target = strings, minimum, target

    def key(self):
        return (self.owner, self.cls, self.type, self.ttl, self.data)

    def renamed(self, owner, ttl=None):
        return RR(owner, self.cls, self.type, self.ttl if ttl is None else ttl, self.data,
                  self.rdtext, self.strings, self.minimum, self.target)

    def text(self):
        return f"{self.owner}\t{self.ttl}\t{dns.rdataclass.to_text(self.cls)}\t" \
               f"{dns.rdatatype.to_text(self.type)}\t{self.rdtext}"


def _txt_quote(s):
    out = []
    for ch in s:
        if ch in (0x22, 0x5C):
            out.append("\\" + chr(ch))
        elif 0x20 <= ch <= 0x7E:
            out.append(chr(ch))
        else:
            out.append(f"\\{ch:03d}")
    return '"' + "".join(out) + '"'


def parse_rdata(raw, off, rdlen, typ):
    """(canonical bytes, text, extras dict)."""
    rd = raw[off:off + rdlen]
    end = off + rdlen
    if typ == 1 and rdlen == 4:
        return rd, socket.inet_ntop(socket.AF_INET, rd), {}
    if typ == 28 and rdlen == 16:
        return rd, socket.inet_ntop(socket.AF_INET6, rd), {}
    if typ in (2, 5, 12):
        name, n = read_name(raw, off)
        if n != rdlen:
            raise WireError("name rdata length")
        return name.lower().encode(), name, {"target": name.lower()}
    if typ == 15:
        if rdlen < 3:
            raise WireError("MX rdata")
        pref = struct.unpack("!H", rd[:2])[0]
        name, n = read_name(raw, off + 2)
        if n + 2 != rdlen:
            raise WireError("MX rdata length")
        return rd[:2] + name.lower().encode(), f"{pref} {name}", {}
    if typ == 6:
        m, n1 = read_name(raw, off)
        r, n2 = read_name(raw, off + n1)
        if n1 + n2 + 20 != rdlen:
            raise WireError("SOA rdata length")
        nums = struct.unpack("!IIIII", raw[off + n1 + n2:end])
        return (m.lower() + " " + r.lower()).encode() + raw[off + n1 + n2:end], \
            f"{m} {r} " + " ".join(str(x) for x in nums), {"minimum": nums[4]}
    if typ == 16:
        strings = []
        p = 0
        while p < rdlen:
            ln = rd[p]
            if p + 1 + ln > rdlen:
                raise WireError("TXT string past rdata")
            strings.append(rd[p + 1:p + 1 + ln])
            p += 1 + ln
        return rd, " ".join(_txt_quote(s) for s in strings), {"strings": tuple(strings)}
    return rd, "\\# %d %s" % (rdlen, rd.hex()), {}


class Message:
    """A parsed response. Raises WireError on malformed input."""

    def __init__(self, raw):
        if len(raw) < 12:
            raise WireError("shorter than a header")
        self.id, self.flags, qd, an, ns, ar = struct.unpack("!HHHHHH", raw[:12])
        self.opcode = (self.flags >> 11) & 0xF
        off = 12
        self.question = []
        for _ in range(qd):
            name, n = read_name(raw, off)
            off += n
            if off + 4 > len(raw):
                raise WireError("truncated question")
            qtype, qclass = struct.unpack("!HH", raw[off:off + 4])
            off += 4
            self.question.append((name, qtype, qclass))
        self.opt = None
        ext_rcode = 0
        sections = []
        for count, is_add in ((an, False), (ns, False), (ar, True)):
            rrs = []
            for _ in range(count):
                name, n = read_name(raw, off)
                off += n
                if off + 10 > len(raw):
                    raise WireError("truncated RR header")
                typ, cls, ttl, rdlen = struct.unpack("!HHIH", raw[off:off + 10])
                off += 10
                if off + rdlen > len(raw):
                    raise WireError("rdata past the end")
                if typ == 41:
                    if not is_add or name != "." or self.opt is not None:
                        raise WireError("misplaced or repeated OPT")
                    ext_rcode = ttl >> 24
                    opts = []
                    p = off
                    while p < off + rdlen:
                        if p + 4 > off + rdlen:
                            raise WireError("truncated EDNS option")
                        code, olen = struct.unpack("!HH", raw[p:p + 4])
                        if p + 4 + olen > off + rdlen:
                            raise WireError("EDNS option past rdata")
                        opts.append((code, raw[p + 4:p + 4 + olen]))
                        p += 4 + olen
                    self.opt = ((ttl >> 16) & 0xFF, cls, ttl & 0xFFFF, tuple(opts))
                else:
                    data, text, extra = parse_rdata(raw, off, rdlen, typ)
                    rrs.append(RR(name.lower(), cls, typ, ttl, data, text, **extra))
                off += rdlen
            sections.append(rrs)
        self.answer, self.authority, self.additional = sections
        self.rcode = (self.flags & 0xF) | (ext_rcode << 4)
        self.size = len(raw)

    def flag(self, bit):
        return bool(self.flags & bit)

    def flags_text(self):
        return " ".join(n for n, b in FLAG_NAMES if self.flags & b)

    def rcode_text(self):
        try:
            return dns.rcode.to_text(self.rcode)
        except ValueError:
            return f"RCODE{self.rcode}"
