"""Helpers for the refresh tests (issue 3: safe refresh from cron).

Same approach as tests/integration/conftest.py: the programs under test come
from the environment (DNSBLD, DNSBL_LOAD, set by tests/refresh/meson.build),
dnsbld is started on 127.0.0.1 port 0 and its port is read from its log.
Every dnsbld (and every other process) a test starts is killed at teardown.
"""

import os
import re
import signal
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

# dnsbld refuses to run as root without --user (it drops privileges after
# binding); the tests run as root in CI, where "--user root" keeps root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []
START_TIMEOUT = 10.0  # seconds for dnsbld to bind and answer
STOP_TIMEOUT = 5.0
LOAD_TIMEOUT = 120.0  # one dnsbl-load run, generous for ASan builds
SWITCH_TIMEOUT = 1.0  # dnsbld checks DIR/current every second (behaviour.md 5)
# Polling adds up to one query round trip and the switch itself opens the
# new file: the margin covers that, not a second check interval.
SWITCH_SLACK = 0.3


def program(var):
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"environment variable {var} (path of the program under test) is not set;"
                    " run the tests through meson test", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path} is not an executable", pytrace=False)
    return path


def wait_for(pred, timeout, step=0.01):
    """Seconds until pred() was true, or None after timeout (bounded)."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 >= timeout:
            return None
        time.sleep(step)


# ---- zone files ----

def write_atomic(path, text):
    """Replace path like a feed publisher does: temp file, then rename(2)."""
    path = str(path)
    tmp = os.path.join(os.path.dirname(path), "." + os.path.basename(path) + ".new")
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


def cksum_of(data):
    """POSIX cksum CRC of data (bytes), from the real cksum(1)."""
    p = subprocess.run(["cksum"], input=data, stdout=subprocess.PIPE, check=True, timeout=30)
    crc, length = p.stdout.split()[:2]
    return int(crc), int(length)


def with_cksum(text, crc=None):
    """text plus a Spamhaus '# CKSUM <crc> <len>' trailer (the right crc by default)."""
    data = text.encode()
    good, length = cksum_of(data)
    return text + f"# CKSUM {good if crc is None else crc} {length}\n"


def soa(zone, serial=1):
    return (f"$SOA 3600 ns.{zone}. hostmaster.{zone}. {serial} 3600 600 86400 300\n"
            f"$NS 3600 ns.{zone}.\n")


def ts(t):
    """rbldnsd $TIMESTAMP form of unix time t (UTC)."""
    return time.strftime("%Y%m%d%H%M%S", time.gmtime(t))


# ---- dnsbl-load ----

def run_load(db, specs, *opts, env=None, cwd=None, timeout=LOAD_TIMEOUT):
    """Run dnsbl-load; returns the CompletedProcess (the caller checks it)."""
    e = dict(os.environ)
    e.pop("DNSBL_FAULT", None)
    if env:
        e.update(env)
    return subprocess.run([program("DNSBL_LOAD"), "--db", str(db)] + list(opts) + list(specs),
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          timeout=timeout, env=e, cwd=cwd)


def load_ok(db, specs, *opts, **kw):
    p = run_load(db, specs, *opts, **kw)
    if p.returncode != 0:
        pytest.fail(f"dnsbl-load exited {p.returncode}:\n{p.stdout}{p.stderr}", pytrace=False)
    return p


def current(db):
    """Target of DIR/current (e.g. 'gen-3.mdb'), or None."""
    try:
        return os.readlink(os.path.join(str(db), "current"))
    except FileNotFoundError:
        return None


def published_gen(stderr):
    m = re.findall(r"published generation (\d+)", stderr)
    return int(m[-1]) if m else None


# ---- answers ----

def make_query(name, rdtype="A", rdclass="IN"):
    return dns.message.make_query(name, dns.rdatatype.from_text(rdtype),
                                  dns.rdataclass.from_text(rdclass))


def signature(msg):
    """What an answer says, without TTLs or ids: (rcode, sorted answer records).
    Records are ('A', '127.0.0.2') or ('TXT', 'text')."""
    recs = []
    for rrset in msg.answer:
        for rd in rrset:
            if rd.rdtype == dns.rdatatype.A:
                recs.append(("A", rd.address))
            elif rd.rdtype == dns.rdatatype.TXT:
                recs.append(("TXT", b"".join(rd.strings).decode(errors="replace")))
            else:
                recs.append((dns.rdatatype.to_text(rd.rdtype), rd.to_text()))
    return (dns.rcode.to_text(msg.rcode()), tuple(sorted(recs)))


def nx():
    return ("NXDOMAIN", ())


def listed(*recs):
    return ("NOERROR", tuple(sorted(recs)))


# ---- dnsbld ----

class Server:
    def __init__(self, proc, log, db, host, port):
        self.proc, self.log, self.db, self.host, self.port = proc, log, db, host, port

    def log_text(self):
        return self.log.read_text(errors="replace")

    def query(self, name, rdtype="A", timeout=2.0):
        return dns.query.udp(make_query(name, rdtype), self.host, timeout=timeout,
                             port=self.port)

    def sig(self, name, rdtype="A", timeout=2.0):
        return signature(self.query(name, rdtype, timeout=timeout))

    def sigs(self, probes):
        """{(name, type): signature} for every probe."""
        return {p: self.sig(*p) for p in probes}

    def generations_loaded(self):
        return [int(g) for g in re.findall(r"loaded generation (\d+)", self.log_text())]

    def stop(self):
        """SIGTERM; returns the 'stopped:' counter line (fails if it hangs)."""
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"dnsbld did not exit within {STOP_TIMEOUT}s of SIGTERM")
        lines = [ln for ln in self.log_text().splitlines() if "stopped:" in ln]
        return lines[-1] if lines else ""

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


def start_dnsbld(db, log, *extra):
    args = [program("DNSBLD"), "--db", str(db), "--listen", "127.0.0.1:0"] + AS_ROOT + list(extra)
    with open(log, "w") as logf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            text = log.read_text(errors="replace")
            m = re.search(r"listening on (127\.0\.0\.1):(\d+)", text)
            if m:
                break
            if proc.poll() is not None:
                pytest.fail(f"dnsbld exited {proc.returncode} at start:\n{text}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"dnsbld did not report its listen address:\n{text}", pytrace=False)
            time.sleep(0.02)
        srv = Server(proc, log, db, m.group(1), int(m.group(2)))
        while True:
            try:
                dns.query.udp(make_query("version.bind", "TXT", "CH"), srv.host,
                              timeout=0.3, port=srv.port)
                break
            except dns.exception.Timeout:
                if proc.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"dnsbld does not answer:\n{srv.log_text()}", pytrace=False)
        return srv
    except BaseException:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        raise


@pytest.fixture
def dnsbld(tmp_path):
    """Factory: dnsbld(db, *options) starts a server; all are killed at teardown."""
    servers = []

    def start(db, *extra):
        srv = start_dnsbld(db, tmp_path / f"dnsbld-{len(servers)}.log", *extra)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.kill()


@pytest.fixture
def procs():
    """List to register Popen objects in; every one still running is killed at teardown."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGCONT)  # a stopped process must be able to die
            except ProcessLookupError:
                pass
            p.kill()
            try:
                p.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                pass


def wait_switch(srv, probes, want, timeout=SWITCH_TIMEOUT + SWITCH_SLACK):
    """Seconds until every probe answers as in want ({probe: signature}), or None."""
    def ok():
        return all(srv.sig(*p, timeout=0.5) == want[p] for p in probes)
    return wait_for(ok, timeout, step=0.01)
