"""Helpers for the reliability tests (issue 6: hostile traffic and faults).

Same approach as tests/integration/conftest.py: the programs under test come
from the environment (DNSBLD, DNSBL_LOAD, set by tests/reliability/meson.build),
every dnsbld is started on 127.0.0.1 port 0 and its port is read back from its
log, and every process a test starts is killed at teardown whatever the test
did. Only loopback is used; every loop is bounded in count and in time.
"""

import os
import re
import signal
import subprocess
import time

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

# dnsbld refuses to run as root without --user (it drops privileges after
# binding); the tests run as root in CI, where "--user root" keeps root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []
START_TIMEOUT = 20.0  # seconds for dnsbld to bind and answer (ASan builds start slower)
STOP_TIMEOUT = 10.0
LOAD_TIMEOUT = 180.0  # one dnsbl-load run


def program(var):
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"environment variable {var} (path of the program under test) is not set;"
                    " run the tests through meson test", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path} is not an executable", pytrace=False)
    return path


def sanitized(path):
    """True when the binary is built with AddressSanitizer (slower, more memory)."""
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def wait_for(pred, timeout, step=0.02):
    """Seconds until pred() was true, or None after timeout (bounded)."""
    t0 = time.monotonic()
    while True:
        if pred():
            return time.monotonic() - t0
        if time.monotonic() - t0 >= timeout:
            return None
        time.sleep(step)


# ---- zone data ----

SERIAL = 2024010101
BL_ZONE = f"""\
$SOA 3600 ns.bl.test. hostmaster.bl.test. {SERIAL} 3600 600 86400 300
$NS 3600 ns.bl.test.
:127.0.0.2:Listed $
127.0.0.2
10.0.0.0/24
!10.0.0.5
"""

DBL_ZONE = f"""\
$SOA 3600 ns.dbl.test. hostmaster.dbl.test. {SERIAL} 3600 600 86400 300
$NS 3600 ns.dbl.test.
:127.0.0.3:Domain $ listed
test
.example.com
"""


def write_zones(zdir, bl_extra=""):
    zdir.mkdir(parents=True, exist_ok=True)
    (zdir / "bl").write_text(BL_ZONE + bl_extra)
    (zdir / "dbl").write_text(DBL_ZONE)
    return [f"bl.test:ip4set:{zdir / 'bl'}", f"dbl.test:dnset:{zdir / 'dbl'}"]


def loader(db, specs, *opts, check=True, env=None):
    """Run dnsbl-load; returns the CompletedProcess (check: fail unless exit 0)."""
    p = subprocess.run([program("DNSBL_LOAD"), "--db", str(db)] + list(opts) + list(specs),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=LOAD_TIMEOUT, env=env)
    if check and p.returncode != 0:
        pytest.fail(f"dnsbl-load exited {p.returncode}:\n{p.stdout}{p.stderr}", pytrace=False)
    return p


def current_gen(db):
    """The file name DIR/current points to, or None."""
    try:
        return os.readlink(os.path.join(str(db), "current"))
    except OSError:
        return None


# ---- queries ----

def make_query(name, rdtype="A", rdclass="IN", **kw):
    return dns.message.make_query(name, dns.rdatatype.from_text(rdtype),
                                  dns.rdataclass.from_text(rdclass), **kw)


def a_addrs(r):
    return sorted(rr.address for rrset in r.answer if rrset.rdtype == dns.rdatatype.A
                  for rr in rrset)


def rss_kib(pid):
    """VmRSS of pid in KiB, from /proc/PID/status."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError(f"no VmRSS for pid {pid}")


def fd_count(pid):
    return len(os.listdir(f"/proc/{pid}/fd"))


class Server:
    """A running dnsbld; teardown always kills it."""

    def __init__(self, proc, log, db, host, port):
        self.proc, self.log, self.db, self.host, self.port = proc, log, db, host, port

    def log_text(self):
        return self.log.read_text(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def udp(self, q, timeout=2.0):
        return dns.query.udp(q, self.host, timeout=timeout, port=self.port)

    def tcp(self, q, timeout=2.0):
        return dns.query.tcp(q, self.host, timeout=timeout, port=self.port)

    def query(self, name, rdtype="A", tcp=False, timeout=2.0, **kw):
        q = make_query(name, rdtype, **kw)
        return self.tcp(q, timeout=timeout) if tcp else self.udp(q, timeout=timeout)

    def listed(self, name="2.0.0.127.bl.test", timeout=2.0):
        """The A addresses answered for name (UDP), or None on timeout."""
        try:
            return a_addrs(self.query(name, timeout=timeout))
        except dns.exception.Timeout:
            return None

    def stop(self, sig=signal.SIGTERM):
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"dnsbld did not exit within {STOP_TIMEOUT}s of signal {sig}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(STOP_TIMEOUT)


def start_dnsbld(db, log, *extra, preexec_fn=None, wait_answer=True):
    args = [program("DNSBLD"), "--db", str(db), "--listen", "127.0.0.1:0"] + AS_ROOT + list(extra)
    with open(log, "w") as logf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                preexec_fn=preexec_fn)
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            text = log.read_text(errors="replace")
            m = re.search(r"listening on (\d+\.\d+\.\d+\.\d+):(\d+)", text)
            if m:
                break
            if proc.poll() is not None:
                pytest.fail(f"dnsbld exited {proc.returncode} at start:\n{text}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"dnsbld did not report its listen address:\n{text}", pytrace=False)
            time.sleep(0.02)
        srv = Server(proc, log, db, m.group(1), int(m.group(2)))
        while wait_answer:
            try:
                srv.udp(make_query("version.bind", "TXT", "CH"), timeout=0.3)
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

    def start(db, *extra, **kw):
        srv = start_dnsbld(db, tmp_path / f"dnsbld-{len(servers)}.log", *extra, **kw)
        servers.append(srv)
        return srv

    yield start
    for srv in servers:
        srv.kill()


@pytest.fixture
def procs():
    """Other processes a test starts (Popen objects); killed at teardown."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            p.kill()
            p.wait(STOP_TIMEOUT)
