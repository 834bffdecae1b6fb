"""Compare a reference (rbldnsd) response with ours, semantically, and
classify every difference into the deliberate differences of the behaviour
contract, section 6 (/work/shared/spec/behaviour.md). Anything that no
category explains exactly is a mismatch.

Compared: header (QR, opcode, AA, TC, RD, RA, AD, CD, rcode incl. extended),
the question (name case-sensitively, type, class), and the answer,
authority and additional sections as sorted lists of
(owner, class, type, TTL, canonical rdata): order does not matter, TTLs and
duplicates do; names compare case-insensitively except in the question.
The EDNS OPT record is compared separately.

Categories (each is a precise predicate; they are applied in this order,
each one rewriting the side that follows rbldnsd into what the contract
says, and the rewritten pair must then be equal):

  chaos-version   (3)    CH TXT version.bind/version.server: rbldnsd's
                         "rbldnsd ..." vs our "dnsbld ..." string, nothing else.
  notimp-opcode   (6.4)  query opcode != 0: both NOTIMP, we echo the opcode,
                         rbldnsd answers opcode 0.
  meta-qtypes     (6.4)  rbldnsd answers NOTIMP for every qtype >= 250. We:
                         AXFR/IXFR (252/251) -> REFUSED with empty sections;
                         qtypes >= 256 (CAA, URI, 65535 ...) -> exactly what
                         rbldnsd answers for the same name with qtype AAAA
                         (a data type it answers normally).
  edns-badvers    (6.3)  query EDNS version != 0: we answer BADVERS with an
                         OPT (version 0) and empty sections; the header
                         echoes the query's opcode and RD (rbldnsd may have
                         answered NOTIMP, e.g. for opcode != 0).
  v4mapped        (6.6)  ::ffff:a.b.c.d query in a zone part with IPv6 data:
                         our answer = rbldnsd's answer merged with rbldnsd's
                         answer from the same part's IPv6 data alone (the
                         '.v6aux' zones), records deduplicated, each type at
                         the smallest TTL.
  leading-zero    (6.9)  a 4-label decimal key with a leading-zero octet:
                         we answer NXDOMAIN with the zone's negative SOA
                         (rbldnsd answers it as the address).
  ent-nodata      (6.5)  rbldnsd NXDOMAIN, we NOERROR with an empty answer,
                         and the model (model.py, checked against rbldnsd
                         every run) has listed data strictly beneath the name.
  negative-ttl    (6.7)  negative answer, same SOA: rbldnsd's TTL is the SOA
                         minimum, ours min(SOA TTL, minimum).
  ns-authority    (6.8)  positive answer: rbldnsd has the zone's NS in
                         authority (and glue), we have an empty authority.
  txt-255         (6.10) a TXT string of 255 bytes where rbldnsd has the
                         same string cut to 254 bytes.
  udp-truncation  (6.2)  we set TC where rbldnsd's answer (with our OPT
                         record instead of its own) exceeded our UDP limit
                         (512, or the client's EDNS size capped at 1232) or where rbldnsd silently dropped records
                         (AA cleared; for class ANY queries, seen on the same
                         query with class IN); our records are a subset of
                         rbldnsd's (our full answer counting a byte more per
                         TXT string rbldnsd cut at 254: txt-255). Or rbldnsd
                         dropped records that fit in our limit and we sent
                         them all.
  edns-opt        (6.3)  query with EDNS version 0: we add OPT (version 0,
                         payload 1232, no options); rbldnsd has none (or its
                         own 2048-byte OPT on answers over 512 bytes).
"""

import copy

import struct

import dns.flags
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype

import model
import wire

NOERROR, SERVFAIL, NXDOMAIN, NOTIMP, REFUSED, BADVERS = 0, 2, 3, 4, 5, 16
A, NS, SOA, TXT, AAAA = 1, 2, 6, 16, 28
OUR_PAYLOAD = 1232
CATEGORIES = ["chaos-version", "notimp-opcode", "meta-qtypes", "edns-badvers", "v4mapped",
              "leading-zero", "ent-nodata", "negative-ttl", "ns-authority", "txt-255",
              "udp-truncation", "edns-opt", "freshness-record", "formerr-counts"]
FORMERR = 1
HEADER_FIELDS = ("qr", "opcode", "aa", "tc", "rd", "ra", "ad", "cd", "rcode")


class View:
    """A parsed response reduced to what is compared."""

    def __init__(self, raw):
        self.raw = raw
        self.error = None
        self.msg = None
        if raw is None:
            return
        try:
            m = wire.Message(raw)
        except (wire.WireError, struct.error) as e:
            self.error = str(e)
            return
        self.msg = m
        self.qr = m.flag(wire.QR)
        self.opcode = m.opcode
        self.aa = m.flag(wire.AA)
        self.tc = m.flag(wire.TC)
        self.rd = m.flag(wire.RD)
        self.ra = m.flag(wire.RA)
        self.ad = m.flag(wire.AD)
        self.cd = m.flag(wire.CD)
        self.rcode = m.rcode
        self.question = m.question
        self.answer, self.authority, self.additional = m.answer, m.authority, m.additional
        self.opt = m.opt
        self.size = m.size

    def ok(self):
        return self.msg is not None

    def positive(self):
        return self.rcode == NOERROR and bool(self.answer)

    def state(self):
        return {
            **{h: getattr(self, h) for h in HEADER_FIELDS},
            "question": self.question,
            "answer": sorted(r.key() for r in self.answer),
            "authority": sorted(r.key() for r in self.authority),
            "additional": sorted(r.key() for r in self.additional),
            "opt": self.opt,
        }

    def rcode_text(self):
        return self.msg.rcode_text()

    def text(self):
        if self.raw is None:
            return ";; no reply"
        if self.msg is None:
            return f";; unparsable reply ({self.error}): {self.raw.hex()}"
        m = self.msg
        lines = [f";; ->>HEADER<<- opcode: {dns.opcode.to_text(self.opcode)}, "
                 f"status: {m.rcode_text()}, size: {self.size}",
                 f";; flags: {m.flags_text()}; QUERY: {len(m.question)}, ANSWER: {len(self.answer)}, "
                 f"AUTHORITY: {len(self.authority)}, ADDITIONAL: {len(self.additional)}"]
        if self.opt:
            lines.append(f";; OPT: version {self.opt[0]}, udp {self.opt[1]}, "
                         f"flags {self.opt[2]:#06x}, options {list(self.opt[3])}")
        for q in self.question:
            lines.append(f";{q[0]}\t\t{dns.rdataclass.to_text(q[2])}\t{dns.rdatatype.to_text(q[1])}")
        for name, sec in (("ANSWER", self.answer), ("AUTHORITY", self.authority),
                          ("ADDITIONAL", self.additional)):
            if sec:
                lines.append(f";; {name} SECTION:")
                lines.extend(r.text() for r in sec)
        return "\n".join(lines)


def is_neg_soa(v):
    return not v.answer and len(v.authority) == 1 and v.authority[0].type == SOA


def key_labels(case):
    """The key part of the query name: relative to the zone, minus the
    combined subzone label if the name is in one."""
    if case.zone is None or case.rel is None:
        return None
    ctx, rel, sub = case.zone.context_for(case.rel)
    return rel


def multiset_subset(small, big):
    pool = [r.key() for r in big]
    for r in small:
        k = r.key()
        if k in pool:
            pool.remove(k)
        else:
            return False
    return True


def single_string(r):
    """The character-string of a TXT record that has exactly one, else None
    (rbldnsd's listings have one: the 254/255 cut concerns those)."""
    return r.strings[0] if r.type == TXT and r.strings and len(r.strings) == 1 else None


def cut_to_254(r):
    """The string rbldnsd sends for r's single 255-byte TXT string (its limit
    is 254), or None when r has no such string."""
    s = single_string(r)
    return s[:254] if s is not None and len(s) == 255 else None


def cut255(rrs):
    """RR keys with single 255-byte TXT strings cut to 254 (rbldnsd's limit)."""
    out = []
    for r in rrs:
        k = r.key()
        cut = cut_to_254(r)
        if cut is not None:
            k = k[:4] + (bytes([254]) + cut,)
        out.append(k)
    return out


def unify_ttls(rrs):
    """One answer: every RR of a type at the smallest TTL of that type;
    identical records once."""
    out, seen = [], set()
    mins = {}
    for r in rrs:
        mins[r.type] = min(mins.get(r.type, r.ttl), r.ttl)
    for r in rrs:
        k = (r.cls, r.type, r.data)
        if k in seen:
            continue
        seen.add(k)
        out.append(r.renamed(r.owner, mins[r.type]))
    return out


# ---------------------------------------------------------------- categories

def cat_chaos_version(c, R, O, comp):
    if c.qclass != 3 or c.qtype != TXT or (c.qname or "").lower() not in ("version.bind.",
                                                                          "version.server."):
        return False
    if len(R.answer) != 1 or len(O.answer) != 1 or R.answer[0].type != TXT or O.answer[0].type != TXT:
        return False
    rs, os_ = b"".join(R.answer[0].strings), b"".join(O.answer[0].strings)
    if not rs.startswith(b"rbldnsd") or not os_.startswith(b"dnsbld"):
        return False
    O.answer = [R.answer[0]]
    # rbldnsd copies AD/CD into this reply; dnsbld clears them in every
    # reply (README: "AD, CD and Z are cleared").
    O.ad, O.cd = R.ad, R.cd
    return True


def cat_notimp_opcode(c, R, O, comp):
    # NOTIMP for opcode != 0, and (as rbldnsd) for AA or TC set in a query
    if (c.opcode == 0 and not c.qflags & (wire.AA | wire.TC)) or R.rcode != NOTIMP or \
            O.rcode != NOTIMP:
        return False
    if R.opcode != 0 or O.opcode != c.opcode:
        return False
    # contract 6.4: the opcode is echoed; with it the header is a normal
    # reply header, so RD is copied too (rbldnsd clears it; README lists it).
    if R.rd or O.rd != bool(c.qflags & wire.RD):
        return False
    O.opcode, O.rd = 0, False
    return True


def cat_meta_qtypes(c, R, O, comp):
    if c.opcode != 0 or c.qtype is None or c.qtype < 250 or c.qtype == 255 or R.rcode != NOTIMP:
        return False
    if O.rcode == NOTIMP:
        return False
    if c.qtype in (251, 252):
        if O.rcode == REFUSED and not O.answer and not O.authority and not O.additional:
            R.rcode = REFUSED
            return True
        return False
    if c.qtype >= 256:
        X = comp.get("aaaa")
        if X is None or not X.ok() or X.rcode == NOTIMP:
            return False
        X = copy.copy(X)
        X.question = R.question
        R.__dict__.update({k: v for k, v in X.__dict__.items() if k not in ("raw", "msg")})
        return True
    return False


def cat_edns_badvers(c, R, O, comp):
    if c.edns is None or c.edns == 0 or O.rcode != BADVERS or O.opt is None or O.opt[0] != 0:
        return False
    if O.answer or O.authority or O.additional:
        return False
    # the BADVERS reply echoes the query's header (opcode, RD) like any reply
    R.rcode, R.answer, R.authority, R.additional, R.opt, R.aa = BADVERS, [], [], [], O.opt, O.aa
    R.opcode, R.rd = c.opcode, bool(c.qflags & wire.RD)
    # rbldnsd copies AD/CD into its version.bind reply; dnsbld clears them
    # in every reply (README)
    R.ad, R.cd = O.ad, O.cd
    return True


def cat_v4mapped(c, R, O, comp):
    X = comp.get("aux")
    if X is None or not X.ok() or R.rcode not in (NOERROR, NXDOMAIN) or X.rcode != NOERROR:
        return False
    key = key_labels(c)
    a6 = model.parse_ip6_key(key) if key else None
    if a6 is None or a6 >> 32 != 0xFFFF:
        return False
    owner = R.question[0][0].lower() if R.question else ""
    merged = unify_ttls(R.answer + [r.renamed(owner) for r in X.answer])
    if O.tc and not R.tc:
        # our merged answer did not fit: udp-truncation decides on the size
        # of the merged answer (rbldnsd's plus each added record: a 2-byte
        # owner pointer, 10 bytes of RR header, the rdata)
        keys = {(r.cls, r.type, r.data) for r in R.answer}
        added = [r for r in merged if (r.cls, r.type, r.data) not in keys]
        if not added:
            return False
        R.size += sum(12 + len(r.data) for r in added)
    elif sorted(cut255(merged)) != sorted(cut255(O.answer)):
        return False  # our answer is not the merged one (txt-255 checks the 255-byte strings)
    before = R.state()
    if merged:
        authority = R.authority if R.answer else []
    else:
        authority = R.authority
    R.rcode, R.answer, R.authority = NOERROR, merged, authority
    return R.state() != before


def cat_leading_zero(c, R, O, comp):
    key = key_labels(c)
    if not key or len(key) != 4:
        return False
    if not all(x.isdigit() and x.isascii() and len(x) <= 3 and int(x) <= 255 for x in key):
        return False
    if not any(len(x) > 1 and x[0] == "0" for x in key):
        return False
    if O.rcode != NXDOMAIN or O.answer or R.rcode == NXDOMAIN:
        return False
    S = comp.get("apexsoa")
    if S is None or not S.ok():
        return False
    auth = []
    if S.rcode == NOERROR:
        soa = [r for r in S.answer if r.type == SOA]
        if len(soa) != 1:
            return False
        r = soa[0]
        auth = [r.renamed(r.owner, r.minimum)]  # rbldnsd: negative SOA TTL = minimum
    elif S.rcode != REFUSED:  # REFUSED: the zone has no SOA
        return False
    R.rcode, R.answer, R.authority, R.additional = NXDOMAIN, [], auth, []
    R.aa, R.tc = c.qclass == 1, False  # rbldnsd: AA for class IN, nothing dropped
    return True


def cat_ent_nodata(c, R, O, comp):
    if c.zone is None or c.zone.expired or c.rel is None:
        return False
    if R.rcode != NXDOMAIN or O.rcode != NOERROR or O.answer:
        return False
    if not model.exists_beneath(c.zone, c.rel):
        return False
    R.rcode = NOERROR
    return True


def cat_negative_ttl(c, R, O, comp):
    if c.zone is None or c.zone.soa is None or not is_neg_soa(R) or not is_neg_soa(O):
        return False
    r, o = R.authority[0], O.authority[0]
    if (r.owner, r.cls, r.data) != (o.owner, o.cls, o.data) or r.ttl == o.ttl:
        return False
    minimum = r.minimum
    if r.ttl != minimum or o.ttl != min(c.zone.soa["ttl"], minimum):
        return False
    O.authority = [r]
    return True


def cat_ns_authority(c, R, O, comp):
    if not R.positive() or not R.authority or O.authority:
        return False
    if not all(r.type == NS and c.zone is not None and r.owner == c.zone.name + "."
               for r in R.authority):
        return False
    targets = {r.target for r in R.authority}
    R.authority = []
    R.additional = [r for r in R.additional if not (r.type in (A, AAAA) and r.owner in targets)]
    return True


def cat_txt_255(c, R, O, comp):
    changed = False
    new = []
    for o in O.answer:
        cut = cut_to_254(o)
        if cut is not None:
            match = [r for r in R.answer if r.type == TXT and r.owner == o.owner and r.ttl == o.ttl
                     and r.strings == (cut,)]
            if match:
                new.append(match[0])
                changed = True
                continue
        new.append(o)
    if changed:
        O.answer = unify_ttls(new)
    return changed


def our_udp_limit(c):
    if c.edns is None:
        return 512
    return max(512, min(c.payload or 512, OUR_PAYLOAD))


def ref_udp_limit(c):
    if c.edns is None or (c.payload or 0) < 523:
        return 512
    return min(c.payload, 2048) - 11


def cat_udp_truncation(c, R, O, comp):
    if R.tc or c.qclass not in (1, 255):
        return False
    if c.qclass == 1:
        dropped = R.rcode == NOERROR and not R.aa
    else:  # class ANY: no AA in any case; the same query with class IN tells
        X = comp.get("classin")
        dropped = X is not None and X.ok() and X.rcode == NOERROR and not X.aa and not X.tc
    if O.tc:
        # our full answer = rbldnsd's, with our OPT instead of its own, and
        # a byte more for each TXT string rbldnsd cut at 254 that we may
        # send at 255 (txt-255, 6.10: seed 1104 had one at exactly 512)
        full = (R.size - (11 if R.opt else 0) + (11 if c.edns is not None else 0)
                + sum(1 for r in R.answer if len(single_string(r) or b"") == 254))
        if not (full > our_udp_limit(c) or dropped):
            return False
        if not (multiset_subset(O.answer, R.answer) and multiset_subset(O.authority, R.authority)
                and multiset_subset(O.additional, R.additional)):
            return False
        O.tc, O.aa = False, R.aa
        O.answer, O.authority, O.additional = R.answer, R.authority, R.additional
        return True
    if R.rcode == NOERROR and dropped and O.aa == (c.qclass == 1) and O.rcode == NOERROR:
        osize = O.size - (11 if O.opt else 0)
        if osize <= ref_udp_limit(c):
            return False
        if not (multiset_subset(R.answer, O.answer) and multiset_subset(R.authority, O.authority)):
            return False
        R.aa = O.aa
        R.answer, R.authority, R.additional = O.answer, O.authority, O.additional
        return True
    return False


def cat_edns_opt(c, R, O, comp):
    if c.edns != 0 or O.opt is None:
        return False
    version, payload, flags, options = O.opt
    if version != 0 or payload != OUR_PAYLOAD or options or (flags & ~dns.flags.DO & 0xFFFF):
        return False
    if R.opt is not None and (R.opt[0] != 0 or R.opt[1] != 2048 or R.opt[3]):
        return False
    changed = R.opt != O.opt
    R.opt = O.opt = None
    return changed


def cat_freshness_record(c, R, O, comp):
    """Issue 3 (data freshness must be queryable): dnsbld serves a TXT record
    at _dnsbl.<zone> (state, generation, serial, load time ...) where
    rbldnsd has no such name (NXDOMAIN, or SERVFAIL in an expired zone).
    The README lists the reserved name among the deliberate differences."""
    if c.zone is None or c.rel != ["_dnsbl"] or O.rcode != NOERROR:
        return False
    if not (R.rcode == NXDOMAIN or (R.rcode == SERVFAIL and c.zone.expired)):
        return False
    if c.qtype in (TXT, 255):
        if len(O.answer) != 1 or O.answer[0].type != TXT or O.authority:
            return False
        if not any(s.startswith(b"state=") for s in O.answer[0].strings):
            return False
    elif O.answer:
        return False
    elif R.rcode == NXDOMAIN and [r.key() for r in O.authority] != [r.key() for r in R.authority]:
        return False
    elif R.rcode == SERVFAIL and any(r.type != SOA for r in O.authority):
        return False
    R.rcode, R.answer, R.authority, R.additional = NOERROR, O.answer, O.authority, O.additional
    R.aa = O.aa
    return True


def cat_formerr_counts(c, R, O, comp):
    """A query whose ANCOUNT/NSCOUNT promise records that are not there is
    malformed: dnsbld answers FORMERR (issue 6 hostile-packet list, RFC 1035
    4.1.1), rbldnsd ignores the counts and answers the question."""
    if c.kind != "odd-ancount-1" or O.rcode != FORMERR:
        return False
    if O.answer or O.authority or O.additional:
        return False
    R.rcode, R.answer, R.authority, R.additional, R.aa = FORMERR, [], [], [], O.aa
    return True



PIPELINE = [("chaos-version", cat_chaos_version), ("notimp-opcode", cat_notimp_opcode),
            ("meta-qtypes", cat_meta_qtypes), ("edns-badvers", cat_edns_badvers),
            ("v4mapped", cat_v4mapped), ("leading-zero", cat_leading_zero),
            ("ent-nodata", cat_ent_nodata), ("negative-ttl", cat_negative_ttl),
            ("ns-authority", cat_ns_authority), ("txt-255", cat_txt_255),
            ("udp-truncation", cat_udp_truncation), ("edns-opt", cat_edns_opt),
            ("freshness-record", cat_freshness_record), ("formerr-counts", cat_formerr_counts)]
assert [n for n, _ in PIPELINE] == CATEGORIES


class Result:
    def __init__(self, case, ref, ours, comps):
        self.case, self.ref, self.ours, self.comps = case, ref, ours, comps
        self.categories = []
        self.diff = []  # fields still different: a mismatch when not empty

    @property
    def identical(self):
        return not self.categories and not self.diff

    def signature(self):
        """A short grouping key for the report: where the query went, both
        rcodes and the fields that still differ."""
        c, r, o = self.case, self.ref, self.ours
        rc = r.rcode_text() if r.ok() else ("no-reply" if r.raw is None else "unparsable")
        oc = o.rcode_text() if o.ok() else ("no-reply" if o.raw is None else "unparsable")
        if c.malformed or c.kind.startswith("odd"):
            where = c.kind
        elif c.opcode or c.qflags & (wire.AA | wire.TC):
            where = "opcode/AA/TC in query"
        elif c.qclass == 3:
            where = "CHAOS"
        elif c.zone is None:
            where = "out of zone"
        elif c.rel == ["_dnsbl"]:
            where = "_dnsbl.<zone>"
        elif not c.rel:
            where = "zone apex"
        else:
            where = "in zone"
        return f"{where}: rbldnsd {rc} / ours {oc}; differs in {','.join(self.diff)}"

    def text(self):
        return "\n".join([f"QUERY {self.case.describe()}",
                          "  categories applied: " + (", ".join(self.categories) or "none"),
                          "  differs in: " + ", ".join(self.diff),
                          "--- rbldnsd", self.ref.text(), "--- ours", self.ours.text()])


def compare(case, ref_raw, ours_raw, comp_raw):
    R, O = View(ref_raw), View(ours_raw)
    res = Result(case, R, O, None)
    if ref_raw is None or ours_raw is None:
        if (ref_raw is None) != (ours_raw is None):
            res.diff = ["reply"]
        return res
    if not R.ok() or not O.ok():
        if ref_raw[2:] != ours_raw[2:]:
            res.diff = ["unparsable"]
        return res
    comps = {k: View(v) for k, v in comp_raw.items()}
    R2, O2 = copy.copy(R), copy.copy(O)
    rs, os_ = R2.state(), O2.state()
    for name, fn in PIPELINE:
        if rs == os_:
            break  # nothing left to explain
        if fn(case, R2, O2, comps):
            res.categories.append(name)
            rs, os_ = R2.state(), O2.state()
    res.diff = [k for k in rs if rs[k] != os_[k]]
    return res


def model_check(case, R):
    """Does the model agree with rbldnsd on listed / not listed? Returns None
    when the query does not test it, else (agrees, expected, got)."""
    if case.zone is None or case.rel is None or case.malformed or case.zone.expired:
        return None
    if case.opcode != 0 or case.qclass != 1 or (case.qtype >= 250 and case.qtype != 255):
        return None
    if case.qflags & (dns.flags.AA | dns.flags.TC):
        return None
    if not R.ok() or R.rcode not in (NOERROR, NXDOMAIN):
        return None
    want = model.name_listed(case.zone, case.rel)
    got = R.rcode == NOERROR
    return (want == got, want, got)
