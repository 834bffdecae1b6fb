"""What the pytest suites share: the programs under test, the test zones,
dnsbl-load runs, and a running dnsbld (tests/integration, tests/reliability
and tests/refresh; tests/lookup through tests/integration's conftest).

The programs come from the environment (DNSBLD, DNSBL_LOAD, set by each
suite's meson.build). dnsbld is started on port 0 of loopback addresses
only, so the kernel picks free ports and parallel tests cannot collide; its
log says which ports it bound, and that is where they are read from. Every
wait is bounded in time, and every process a test starts is killed at
teardown whatever the test did. Each suite's conftest.py imports from here
and keeps what only it needs (its timeouts, its Server methods).
"""

import os
import re
import signal
import socket
import subprocess
import time

import dns.exception
import dns.message
import dns.query
import dns.rdataclass
import dns.rdatatype
import pytest

# dnsbld refuses to run as root without --user (it drops privileges after
# binding); the tests run as root in CI, where "--user root" keeps root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []

LOAD_TIMEOUT = 180.0  # one dnsbl-load run of the small test zones, ASan builds included


def program(var):
    """The path in environment variable var; fails the test when it is not
    set or not an executable (the tests run through meson test)."""
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


def make_query(name, rdtype="A", rdclass="IN", **kw):
    return dns.message.make_query(name, dns.rdatatype.from_text(rdtype),
                                  dns.rdataclass.from_text(rdclass), **kw)


# ---- zone data ----

# An ip4set with SOA/NS, a default value, a listing, a range with an
# exclusion inside it; a dnset with "test" and a wildcard.
SOA_SERIAL = 2024010101
BL_ZONE = f"""\
# ip4set test data
$SOA 3600 ns.bl.test. hostmaster.bl.test. {SOA_SERIAL} 3600 600 86400 300
$NS 3600 ns.bl.test.
:127.0.0.2:Listed $
127.0.0.2
10.0.0.0/24
!10.0.0.5
"""

DBL_ZONE = f"""\
$SOA 3600 ns.dbl.test. hostmaster.dbl.test. {SOA_SERIAL} 3600 600 86400 300
$NS 3600 ns.dbl.test.
:127.0.0.3:Domain $ listed
test
.example.com
"""


def write_zones(zdir, bl_extra=""):
    """Write the test zones into zdir (created); returns their zone specs."""
    zdir.mkdir(parents=True, exist_ok=True)
    (zdir / "bl").write_text(BL_ZONE + bl_extra)
    (zdir / "dbl").write_text(DBL_ZONE)
    return [f"bl.test:ip4set:{zdir / 'bl'}", f"dbl.test:dnset:{zdir / 'dbl'}"]


# ---- dnsbl-load ----

def run_load(db, specs, *opts, env=None, cwd=None, timeout=LOAD_TIMEOUT, check=False,
             preexec_fn=None):
    """Run dnsbl-load --db db opts specs; returns the CompletedProcess. env:
    the whole environment (None: inherited); check: fail the test with the
    loader's output unless it exits 0; preexec_fn: run in the child before
    exec (limits)."""
    p = subprocess.run([program("DNSBL_LOAD"), "--db", str(db)] + list(opts) + list(specs),
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=timeout, env=env, cwd=cwd, preexec_fn=preexec_fn)
    if check and p.returncode != 0:
        pytest.fail(f"dnsbl-load exited {p.returncode}:\n{p.stdout}{p.stderr}", pytrace=False)
    return p


def load_ok(db, specs, *opts, **kw):
    """run_load that fails the test unless dnsbl-load exits 0."""
    return run_load(db, specs, *opts, check=True, **kw)


def current(db):
    """The file name DIR/current points to (e.g. 'gen-3.mdb'), or None."""
    try:
        return os.readlink(os.path.join(str(db), "current"))
    except OSError:
        return None


# ---- dnsbld ----

class Server:
    """A running dnsbld (the Popen, its log file, its database directory and
    the (host, port) pairs it reported); stop() or kill() it. The suites'
    dnsbld fixtures kill every server at teardown."""

    def __init__(self, proc, log, db, addrs, stop_timeout=5.0):
        self.proc, self.log, self.db, self.addrs = proc, log, db, addrs
        self.host, self.port = addrs[0]
        self.stop_timeout = stop_timeout

    def log_text(self):
        return self.log.read_text(errors="replace")

    def alive(self):
        return self.proc.poll() is None

    def udp(self, q, host=None, port=None, timeout=2.0):
        return dns.query.udp(q, host or self.host, timeout=timeout, port=port or self.port)

    def tcp(self, q, host=None, port=None, timeout=2.0):
        return dns.query.tcp(q, host or self.host, timeout=timeout, port=port or self.port)

    def query(self, name, rdtype="A", tcp=False, timeout=2.0, **kw):
        q = make_query(name, rdtype, **kw)
        return self.tcp(q, timeout=timeout) if tcp else self.udp(q, timeout=timeout)

    def connect(self, host=None, port=None):
        """A TCP connection to the server (3 s timeout); the caller closes it."""
        fam = socket.AF_INET6 if ":" in (host or self.host) else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3.0)
        s.connect((host or self.host, port or self.port))
        return s

    def stop(self, sig=signal.SIGTERM):
        """Send sig and return the exit status (fails if it does not exit)."""
        self.proc.send_signal(sig)
        try:
            return self.proc.wait(self.stop_timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            pytest.fail(f"dnsbld did not exit within {self.stop_timeout}s of signal {sig}")

    def kill(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(self.stop_timeout)


LISTEN_RE = re.compile(r"listening on (\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):(\d+)")


def launch(args, log, db, nlisten=1, start_timeout=10.0, stop_timeout=5.0, wait_answer=True,
           cls=Server, **popen_kw):
    """Start dnsbld with the full argv args, output to the file log; wait
    until it has logged nlisten listen addresses and (wait_answer) answers
    version.bind on the first. Returns cls(proc, log, db, addrs,
    stop_timeout); fails the test, the process killed, when it exits or
    does not get there within start_timeout seconds."""
    with open(log, "w") as logf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                **popen_kw)
    deadline = time.monotonic() + start_timeout
    try:
        while True:
            text = log.read_text(errors="replace")
            found = LISTEN_RE.findall(text)
            if len(found) >= nlisten:
                addrs = [(h.strip("[]"), int(p)) for h, p in found[:nlisten]]
                break
            if proc.poll() is not None:
                pytest.fail(f"dnsbld exited {proc.returncode} at start:\n{text}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"dnsbld did not report its listen addresses:\n{text}", pytrace=False)
            time.sleep(0.02)
        srv = cls(proc, log, db, addrs, stop_timeout)
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


def server_factory(tmp_path, start):
    """Body of a suite's dnsbld fixture: yields start-like function
    f(db, *options, **kw) that logs to tmp_path/dnsbld-N.log; kills every
    server it started when resumed (teardown)."""
    servers = []

    def started(db, *extra, **kw):
        srv = start(db, tmp_path / f"dnsbld-{len(servers)}.log", *extra, **kw)
        servers.append(srv)
        return srv

    yield started
    for srv in servers:
        srv.kill()


@pytest.fixture
def procs():
    """List to register other Popen objects in; every one still running is
    killed at teardown (a stopped one is continued first, so it can die)."""
    started = []
    yield started
    for p in started:
        if p.poll() is None:
            try:
                p.send_signal(signal.SIGCONT)
            except ProcessLookupError:
                pass
            p.kill()
            try:
                p.wait(10.0)
            except subprocess.TimeoutExpired:
                pass
