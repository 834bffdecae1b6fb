#!/usr/bin/python3
"""Write the seed corpora for the fuzz targets (run once; output is committed).

query/: DNS requests covering the answer path (listed, unlisted, apex, EDNS,
        TCP-sized, malformed). zoneline/: one file per dataset type (first
        byte = type index of fuzz_zoneline.c) with every key syntax.
"""
import os
import struct

HERE = os.path.dirname(os.path.abspath(__file__))


def name(n):
    out = b""
    for label in n.strip(".").split("."):
        if label:
            out += bytes([len(label)]) + label.encode()
    return out + b"\0"


def query(qname, qtype=1, qclass=1, flags=0x0100, opt=None, qid=0x1234):
    hdr = struct.pack(">HHHHHH", qid, flags, 1, 0, 0, 1 if opt is not None else 0)
    pkt = hdr + name(qname) + struct.pack(">HH", qtype, qclass)
    if opt is not None:
        payload, version, do = opt
        pkt += b"\0" + struct.pack(">HHBBHH", 41, payload, 0, version, 0x8000 if do else 0, 0)
    return pkt


def write(sub, fname, data):
    d = os.path.join(HERE, "corpus", sub)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, fname), "wb") as f:
        f.write(data)


seeds = {
    "listed-a": query("2.0.0.127.bl.test"),
    "listed-txt": query("2.0.0.127.bl.test", 16),
    "listed-any": query("2.0.0.127.bl.test", 255),
    "unlisted": query("1.0.0.127.bl.test"),
    "excluded": query("5.0.0.10.bl.test"),
    "ent": query("0.0.127.bl.test"),
    "leading-zero": query("002.0.0.127.bl.test"),
    "v6": query(".".join("2.0.0.0.0.0.f.7.f.f.f.f".split(".")) + ".0" * 20 + ".bl.test"),
    "dn-wild": query("a.wild.example.bl.test"),
    "dn-test": query("TEST.bl.test", 16),
    "apex-soa": query("bl.test", 6),
    "apex-ns": query("bl.test", 2),
    "apex-any": query("bl.test", 255),
    "refused": query("example.org"),
    "edns": query("2.0.0.127.bl.test", 16, opt=(4096, 0, True)),
    "edns-badvers": query("2.0.0.127.bl.test", opt=(1232, 1, False)),
    "chaos": query("version.bind", 16, 3),
    "notimp": query("2.0.0.127.bl.test", flags=0x2900),
    "axfr": query("bl.test", 252),
    "caa": query("2.0.0.127.bl.test", 257),
    "qr-set": query("2.0.0.127.bl.test", flags=0x8100),
    "short": b"\x12\x34\x01",
    "pointer": struct.pack(">HHHHHH", 1, 0x100, 1, 0, 0, 0) + b"\xc0\x0c\x00\x01\x00\x01",
    # RFC 8906 8.1.4: opcode 15, header only (NOTIMP, no question), and with an OPT
    "notimp-header-only": struct.pack(">HHHHHH", 1, 0x7800, 0, 0, 0, 0),
    "notimp-header-only-opt": struct.pack(">HHHHHH", 1, 0x7800, 0, 0, 0, 1)
    + b"\0" + struct.pack(">HHBBHH", 41, 1232, 0, 0, 0x8000, 0),
}
for k, v in seeds.items():
    write("query", k, v)

zone = {
    0: "$SOA 1h ns hm 0 1h 1h 1w 5m\n$TTL 5m\n:127.0.0.2:Listed $ $1 $$ $=\n$1 var\n"
       "1.2.3.4\n1.2.3\n10/8\n10.0.0.0/9 :3\n10.1.1.1-10.1.2.5\n127.0.0.1-255\n127.16-31\n!1.2.3.5\n"
       "1.2.3.6 :4:\n1.2.3.7 text only\n192.168.0.0/33\n300.1.1.1\n",
    1: ":127.0.0.4:XBL $\n1.2.3.4\n5.6.7.8 ignored\n10.0.0.0/24\n",
    2: "10.0.0.0/8 :2:a\n!10.1.0.0/16\n10.1.1.0/24 :5\n0.0.0.0/0 :9\n",
    3: ":127.0.0.5:v6\n2001:db8:1:2\n!2001:db8:1:2::1\n",
    4: "2001:db8::/32 :2:$\n::ffff:7f00:2\n!2001:db8:1::/48\n2001:21ab:c000/36\n",
    5: ":127.0.1.2:dbl $\ntest\n*.wild.example\n.dot.example\n!x.dot.example\nEXAMPLE.COM.\n",
    6: "@ A 127.0.0.1\nwww 300 IN TXT \"hi there\"\n@ MX 10 mail.example.\n",
    7: "$SOA 1h ns hm 0 1h 1h 1w 5m\n$DATASET ip4set sbl @\n:2:SBL\n127.0.0.2\n"
       "$DATASET dnset:dbl dbl\n:127.0.1.2\ntest\n",
    8: "$ORIGIN fuzz.test.\n$TTL 300\n@ IN SOA ns hm 1 2 3 4 5\n@ NS ns\nns A 127.0.0.53\n"
       "*.10 A 127.0.0.2\n2.0.0.127 TXT \"listed\"\n",
}
for t, text in zone.items():
    write("zoneline", "type%d" % t, bytes([t]) + text.encode())
    write("zoneline", "type%d-crlf" % t, bytes([t]) + text.replace("\n", "\r\n").encode())
