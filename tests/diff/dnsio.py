"""Start/stop the servers under comparison and exchange UDP queries with
many in flight.

Network rules: everything binds 127.0.0.1 only, ports are random, every loop
is bounded in count and in time, and every server started here is killed by
Servers.close() (use it as a context manager).
"""

import os
import random
import re
import select
import socket
import struct
import subprocess
import time
from collections import deque

START_TIMEOUT = 20.0


class ServerError(Exception):
    pass


def free_udp_port(rng):
    """A random port in 20000..59999 that is free for UDP and TCP now."""
    for _ in range(50):
        port = rng.randint(20000, 59999)
        try:
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
                s.bind(("127.0.0.1", port))
            with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                s.bind(("127.0.0.1", port))
            return port
        except OSError:
            continue
    raise ServerError("no free port found")


def probe(port, timeout):
    """True once something answers a CHAOS version.bind query on port."""
    q = struct.pack("!HHHHHH", 0x4242, 0, 1, 0, 0, 0) + b"\x07version\x04bind\x00" + \
        struct.pack("!HH", 16, 3)
    deadline = time.monotonic() + timeout
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        while time.monotonic() < deadline:
            s.sendto(q, ("127.0.0.1", port))
            r, _, _ = select.select([s], [], [], 0.2)
            if r:
                data, _ = s.recvfrom(4096)
                if data[:2] == q[:2]:
                    return True
    return False


class Proc:
    def __init__(self, name, proc, port, log):
        self.name, self.proc, self.port, self.log = name, proc, port, log

    def log_text(self):
        try:
            with open(self.log, errors="replace") as f:
                return f.read()
        except OSError:
            return ""

    def kill(self):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


class Servers:
    """Holds every process started; close() kills them all."""

    def __init__(self, workdir, seed=0):
        self.workdir = workdir
        self.procs = []
        self.rng = random.Random(seed ^ 0x5EED)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        for p in self.procs:
            p.kill()

    def start_rbldnsd(self, rbldnsd, datadir, specs, name="rbldnsd"):
        """rbldnsd -n -a [-u nobody] -b 127.0.0.1/PORT -w DATADIR specs..."""
        last = ""
        for attempt in range(5):
            port = free_udp_port(self.rng)
            log = os.path.join(self.workdir, f"{name}.log")
            args = [rbldnsd, "-n", "-a"]
            if os.geteuid() == 0:
                args += ["-u", "nobody"]  # rbldnsd refuses to run as root
            args += ["-b", f"127.0.0.1/{port}", "-w", datadir] + list(specs)
            with open(log, "w") as lf:
                proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf,
                                        cwd=datadir)
            p = Proc(name, proc, port, log)
            self.procs.append(p)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and proc.poll() is None:
                if "started" in p.log_text():
                    break
                time.sleep(0.05)
            if proc.poll() is None and probe(port, max(1.0, deadline - time.monotonic())):
                return p
            last = p.log_text()
            p.kill()
            if "ddress already in use" not in last:
                break
        raise ServerError(f"{name} did not start:\n{last}")

    def load_dnsbl(self, loader, datadir, db, specs):
        p = subprocess.run([loader, "--db", db] + list(specs), cwd=datadir,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=120)
        if p.returncode != 0:
            raise ServerError(f"dnsbl-load exited {p.returncode}:\n{p.stdout}")
        return p.stdout

    def start_dnsbld(self, dnsbld, db, name="dnsbld", extra=()):
        log = os.path.join(self.workdir, f"{name}.log")
        # dnsbld refuses root without --user; tests run as root in CI
        as_root = ["--user", "root"] if os.geteuid() == 0 else []
        args = [dnsbld, "--db", db, "--listen", "127.0.0.1:0"] + as_root + list(extra)
        with open(log, "w") as lf:
            proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=lf, stderr=lf)
        p = Proc(name, proc, None, log)
        self.procs.append(p)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline and proc.poll() is None:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", p.log_text())
            if m:
                p.port = int(m.group(1))
                break
            time.sleep(0.05)
        if p.port is None or not probe(p.port, max(1.0, deadline - time.monotonic())):
            text = p.log_text()
            p.kill()
            raise ServerError(f"{name} did not start:\n{text}")
        return p


def exchange(port, packets, window=48, timeout=1.0, retries=2, time_limit=120.0,
             source="127.0.0.1"):
    """Send every packet (its first 2 bytes are replaced by a fresh ID) to
    127.0.0.1:port over one UDP socket, keeping up to `window` in flight;
    match replies by ID. A packet without a reply is sent again after
    `timeout` seconds, at most `retries` times. Returns a list parallel to
    packets: reply bytes, or None for no reply. IDs of packets that were
    resent are never reused (a late reply cannot be mistaken). source: the
    loopback address the packets are sent from (client ACL tests)."""
    results = [None] * len(packets)
    ids = list(range(65536))
    random.Random(port).shuffle(ids)
    free = deque(ids)
    pending = {}  # id -> [index, deadline, tries, wire]
    todo = deque(range(len(packets)))
    stop_at = time.monotonic() + time_limit
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
        sock.bind((source, 0))
        sock.connect(("127.0.0.1", port))
        sock.setblocking(False)
        while (todo or pending) and time.monotonic() < stop_at:
            now = time.monotonic()
            while todo and len(pending) < window and free:
                i = todo.popleft()
                qid = free.popleft()
                wire = struct.pack("!H", qid) + packets[i][2:] if len(packets[i]) >= 2 else packets[i]
                try:
                    sock.send(wire)
                except (BlockingIOError, ConnectionRefusedError):
                    pass  # counts as lost; resent after timeout
                pending[qid] = [i, now + timeout, 1, wire]
            wait = min((p[1] for p in pending.values()), default=now) - time.monotonic()
            r, _, _ = select.select([sock], [], [], max(0.0, min(wait, 0.2)))
            if r:
                for _ in range(1000):
                    try:
                        data = sock.recv(65535)
                    except (BlockingIOError, InterruptedError):
                        break
                    except ConnectionRefusedError:
                        continue
                    if len(data) < 2:
                        continue
                    qid = struct.unpack("!H", data[:2])[0]
                    ent = pending.pop(qid, None)
                    if ent is None:
                        continue  # late or duplicate reply
                    results[ent[0]] = data
                    if ent[2] == 1:
                        free.append(qid)
            now = time.monotonic()
            for qid in [q for q, p in pending.items() if p[1] <= now]:
                ent = pending[qid]
                if ent[2] > retries:
                    del pending[qid]  # no reply; this ID is never reused
                    continue
                ent[2] += 1
                ent[1] = now + timeout
                try:
                    sock.send(ent[3])
                except (BlockingIOError, ConnectionRefusedError):
                    pass
    finally:
        sock.close()
    return results
