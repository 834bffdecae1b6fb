"""Refresh under query load (behaviour.md section 5).

A thread keeps a steady UDP query load on dnsbld (several sockets, ids
matched, no retries) while the test publishes 20 refreshes alternating
between data versions A and B. Every answer must be exactly the A or the B
answer for its question (a mix of old and new data in one answer, e.g. an A
code of each version, fails), no query may go unanswered, and after each
loader exit the new data must be served within the server's 1 s check
interval.
"""

import os
import random
import select
import socket
import threading
import time

import dns.message

from conftest import (SWITCH_SLACK, SWITCH_TIMEOUT, current, listed, load_ok, make_query, nx,
                      published_gen, signature, soa, wait_for, write_atomic)

REFRESHES = 20
RATE = 2500  # queries per second, spread over SOCKETS sockets
SOCKETS = 4
LOST_AFTER = 5.0  # an answer later than this counts as lost (no retries)
PAD = 20000  # entries per file besides the probes, so each load does real work
MAX_SECONDS = 240  # hard bound on the load thread

CODES = {"A": (2, 4), "B": (3, 5)}


def bl1(v):
    c = CODES[v][0]
    only = "10.0.1.0/24" if v == "A" else "10.0.2.0/24"
    pad = "".join(f"172.16.{i >> 7 & 255}.{(i & 127) * 2}\n" for i in range(PAD))
    return soa("bl.test", 1 if v == "A" else 2) + f":127.0.0.{c}:{v} one\n10.0.0.0/24\n{only}\n" + pad


def bl2(v):
    c = CODES[v][1]
    pad = "".join(f"172.17.{i >> 7 & 255}.{(i & 127) * 2}\n" for i in range(PAD))
    return f":127.0.0.{c}:{v} two\n10.0.0.0/24\n" + pad


def dbl(v):
    c = CODES[v][0]
    pad = "".join(f"host{i}.pad{i % 50}.example\n" for i in range(PAD))
    return soa("dbl.test") + f":127.0.0.{c}:{v} dom\nboth.example\n{v.lower()}only.example\n" + pad


def expectations():
    """{(qname, qtype): {version: signature}} derived from the data above."""
    e = {}
    for v in "AB":
        c1, c2 = CODES[v]
        a1, a2 = f"127.0.0.{c1}", f"127.0.0.{c2}"
        rows = {
            ("1.0.0.10.bl.test", "A"): listed(("A", a1), ("A", a2)),
            ("1.0.0.10.bl.test", "TXT"): listed(("TXT", f"{v} one"), ("TXT", f"{v} two")),
            ("9.1.0.10.bl.test", "A"): listed(("A", a1)) if v == "A" else nx(),
            ("9.2.0.10.bl.test", "TXT"): listed(("TXT", f"{v} one")) if v == "B" else nx(),
            ("4.0.16.172.bl.test", "A"): listed(("A", a1)),
            ("4.0.17.172.bl.test", "A"): listed(("A", a2)),
            ("1.1.1.192.bl.test", "A"): nx(),
            ("both.example.dbl.test", "TXT"): listed(("TXT", f"{v} dom")),
            ("aonly.example.dbl.test", "A"): listed(("A", a1)) if v == "A" else nx(),
            ("bonly.example.dbl.test", "A"): listed(("A", a1)) if v == "B" else nx(),
            ("nothing.example.dbl.test", "A"): nx(),
        }
        for q, s in rows.items():
            e.setdefault(q, {})[v] = s
    return e


def write_version(zdir, v):
    write_atomic(zdir / "bl1", bl1(v))
    write_atomic(zdir / "bl2", bl2(v))
    write_atomic(zdir / "dbl", dbl(v))


def specs(zdir):
    return [f"bl.test:ip4set:{zdir / 'bl1'}", f"bl.test:ip4set:{zdir / 'bl2'}",
            f"dbl.test:dnset:{zdir / 'dbl'}"]


class Load(threading.Thread):
    """Steady UDP load; every answer is matched to its query by socket and id
    and classified against the allowed signatures."""

    def __init__(self, host, port, expect, rate=RATE, nsocks=SOCKETS):
        super().__init__(daemon=True)
        self.addr = (host, port)
        self.rate = rate
        self.queries = list(expect)
        self.allowed = {q: {s: v for v, s in expect[q].items()} for q in expect}
        self.wires = []
        for q in self.queries:
            w = make_query(*q).to_wire()
            self.wires.append(bytearray(w))
        self.socks = []
        for _ in range(nsocks):
            s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 21)
            s.bind(("127.0.0.1", 0))
            s.setblocking(False)
            self.socks.append(s)
        self.stop_sending = threading.Event()
        self.sent = 0
        self.answered = 0
        self.lost = 0
        self.unexpected = 0  # answers matching no outstanding query
        self.send_errors = 0
        self.id_busy = 0
        self.bad = []  # (question, signature) of answers that are neither A nor B
        self.seen = {"A": 0, "B": 0}
        self.latencies = []
        self.error = None
        self.duration = 0.0

    def run(self):
        try:
            self._run()
        except BaseException as e:  # reported by the test
            self.error = repr(e)
        finally:
            for s in self.socks:
                s.close()

    def _run(self):
        out = {}  # (sock index, id) -> (query index, send time)
        cache = {}  # (query index, answer bytes without id) -> version or None
        ids = [random.randrange(65536) for _ in self.socks]
        fd_index = {s.fileno(): i for i, s in enumerate(self.socks)}
        t0 = time.monotonic()
        stop_at = None
        last_expire = t0
        while True:
            now = time.monotonic()
            if now - t0 > MAX_SECONDS:
                self.error = f"load thread ran over {MAX_SECONDS} s"
                self.stop_sending.set()
            if not self.stop_sending.is_set():
                due = min(int((now - t0) * self.rate) - self.sent, 200)
                for _ in range(due):
                    si = self.sent % len(self.socks)
                    qi = self.sent % len(self.queries)
                    qid = ids[si]
                    ids[si] = (qid + 1) & 0xFFFF
                    self.sent += 1
                    if (si, qid) in out:  # would be ambiguous: skip this slot
                        self.id_busy += 1
                        continue
                    w = self.wires[qi]
                    w[0], w[1] = qid >> 8, qid & 0xFF
                    try:
                        self.socks[si].sendto(w, self.addr)
                    except (BlockingIOError, InterruptedError):
                        self.send_errors += 1
                        continue
                    out[(si, qid)] = (qi, now)
            elif stop_at is None:
                stop_at = now
            if stop_at is not None and (not out or now - stop_at > LOST_AFTER + 0.5):
                break
            r, _, _ = select.select(self.socks, [], [], 0.002)
            for s in r:
                si = fd_index[s.fileno()]
                while True:
                    try:
                        data = s.recv(4096)
                    except (BlockingIOError, InterruptedError):
                        break
                    t = time.monotonic()
                    if len(data) < 12:
                        self.unexpected += 1
                        continue
                    key = (si, data[0] << 8 | data[1])
                    ent = out.pop(key, None)
                    if ent is None:
                        self.unexpected += 1
                        continue
                    qi, ts = ent
                    self.latencies.append(t - ts)
                    self.answered += 1
                    ck = (qi, bytes(data[2:]))
                    if ck not in cache:
                        q = self.queries[qi]
                        try:
                            msg = dns.message.from_wire(data)
                            qq = msg.question[0]
                            if (qq.name.to_text(omit_final_dot=True).lower(), qq.rdtype) != \
                                    (q[0], make_query(*q).question[0].rdtype):
                                sig = ("wrong question", qq.to_text())
                            else:
                                sig = signature(msg)
                        except Exception as e:  # malformed answer
                            sig = ("unparsable", repr(e))
                        cache[ck] = self.allowed[q].get(sig)
                        if cache[ck] is None and len(self.bad) < 20:
                            self.bad.append((q, sig))
                    v = cache[ck]
                    if v is None:
                        if len(self.bad) < 20:
                            self.bad.append((self.queries[qi], "(same bad answer again)"))
                    else:
                        self.seen[v] += 1
            # expire twice a second: anything older than LOST_AFTER is lost
            if out and now - last_expire > 0.5:
                last_expire = now
                for k in [k for k, (qi, ts) in out.items() if now - ts > LOST_AFTER]:
                    del out[k]
                    self.lost += 1
        self.lost += len(out)
        self.duration = time.monotonic() - t0

    def summary(self):
        lat = sorted(self.latencies) or [0.0]
        return (f"sent {self.sent} (id busy {self.id_busy}, send errors {self.send_errors}), "
                f"answered {self.answered}, lost {self.lost}, unexpected {self.unexpected}, "
                f"A {self.seen['A']}, B {self.seen['B']}, bad {len(self.bad)}; "
                f"latency p50 {lat[len(lat) // 2] * 1e3:.2f} ms, "
                f"p99 {lat[int(len(lat) * 0.99)] * 1e3:.2f} ms, max {lat[-1] * 1e3:.1f} ms; "
                f"{self.duration:.1f} s, {self.sent / max(self.duration, 1e-9):.0f} qps")


def test_refreshes_under_load(tmp_path, dnsbld):
    zdir, db = tmp_path / "zones", tmp_path / "db"
    zdir.mkdir()
    expect = expectations()
    probes = list(expect)
    write_version(zdir, "A")
    load_ok(db, specs(zdir))
    srv = dnsbld(db)
    want = {v: {q: expect[q][v] for q in probes} for v in "AB"}
    assert srv.sigs(probes) == want["A"], "version A is not served as expected before the load"

    load = Load(srv.host, srv.port, expect)
    rnd = random.Random(int(os.environ.get("REFRESH_SEED", "3")))
    failures, switch_times = [], []
    load.start()
    try:
        time.sleep(1.0)  # steady state before the first refresh
        version = "A"
        for i in range(REFRESHES):
            version = "B" if version == "A" else "A"
            before = current(db)
            write_version(zdir, version)
            p = load_ok(db, specs(zdir))
            gen = published_gen(p.stderr)
            if gen is None or current(db) == before:
                failures.append(f"refresh {i}: nothing published:\n{p.stderr}")
                continue
            took = wait_for(lambda: srv.sigs(probes) == want[version],
                            SWITCH_TIMEOUT + SWITCH_SLACK, step=0.01)
            if took is None:
                failures.append(f"refresh {i} (generation {gen}, version {version}): not "
                                f"served within {SWITCH_TIMEOUT + SWITCH_SLACK} s: "
                                f"{srv.sigs(probes)}")
                # let it settle so the next refresh starts from a known state
                wait_for(lambda: srv.sigs(probes) == want[version], 5.0, step=0.05)
            else:
                switch_times.append(took)
            time.sleep(rnd.uniform(0.0, 0.3))  # vary the phase against the 1 s check
        time.sleep(0.5)
    finally:
        load.stop_sending.set()
        load.join(LOST_AFTER + 30)
    assert not load.is_alive(), "load thread did not finish"
    info = load.summary() + (f"; switch after loader exit: max {max(switch_times):.3f} s"
                             if switch_times else "")
    print(info)
    assert load.error is None, load.error
    assert load.lost == 0, "queries went unanswered: " + info
    assert not failures, "\n".join(failures) + "\n" + info
    assert load.unexpected == 0, "answers to no outstanding query: " + info
    assert not load.bad, f"answers that are neither version A nor B: {load.bad}\n{info}"
    assert load.sent >= RATE * 10, "the load was not sustained: " + info
    # the load really spanned the switches: both versions were seen
    assert load.seen["A"] > 0 and load.seen["B"] > 0, info
    loaded = srv.generations_loaded()
    assert len(loaded) >= REFRESHES + 1, srv.log_text()
    counters = srv.stop()
    assert "dropped 0 " in counters, counters
