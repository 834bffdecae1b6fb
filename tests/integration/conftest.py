"""Fixtures for the dnsbld end-to-end tests.

The paths of the programs under test come from the environment (set by
tests/integration/meson.build): DNSBLD and DNSBL_LOAD. Every server is
started on 127.0.0.1 (and ::1 when the host has it) with port 0, so the
kernel picks a free port; dnsbld logs the bound ports, which we read back.
Every server started here is killed in teardown, whatever the test did.
"""

import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import time
from pathlib import Path

import dns.exception
import dns.flags
import dns.message
import dns.query
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import pytest

# --udp-io of every server started here (meson runs some files in both
# modes: tests/integration/meson.build); tests that count per-thread
# queries read it to know the thread layout.
UDP_IO = os.environ.get("DNSBLD_UDP_IO", "blocking")

START_TIMEOUT = 10.0  # seconds for dnsbld to bind and answer
STOP_TIMEOUT = 5.0  # seconds for a clean exit after SIGTERM


# The source tree (meson passes DNSBL_SRCDIR; default: two levels up).
SRC = Path(os.environ.get("DNSBL_SRCDIR", Path(__file__).resolve().parents[2]))


def need(prog, package=None):
    """Fail (not skip) when a program the test drives is missing: CI
    installs it, so its absence is a broken setup, not a reason to pass."""
    if shutil.which(prog) is None:
        pytest.fail(f"{prog} is required (tests/deps.sh installs {package or 'it'})",
                    pytrace=False)


def program(var):
    path = os.environ.get(var)
    if not path:
        pytest.fail(f"environment variable {var} (path of the program under test) is not set;"
                    " run the tests through meson test", pytrace=False)
    if not os.access(path, os.X_OK):
        pytest.fail(f"{var}={path} is not an executable", pytrace=False)
    return path


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = have_ipv6()

# dnsbld refuses to run as root without --user (it drops privileges after
# binding); the tests run as root in CI, where "--user root" keeps root.
AS_ROOT = ["--user", "root"] if os.geteuid() == 0 else []

# Zone files: an ip4set with SOA/NS, a default value, a listing, a range with
# an exclusion inside it; a dnset with "test" and a wildcard.
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
    zdir.mkdir(parents=True, exist_ok=True)
    (zdir / "bl").write_text(BL_ZONE + bl_extra)
    (zdir / "dbl").write_text(DBL_ZONE)
    return [f"bl.test:ip4set:{zdir / 'bl'}", f"dbl.test:dnset:{zdir / 'dbl'}"]


def readme_block(tag):
    """The fenced block after '<!-- tested: TAG -->' in README.md: the
    resolver and MTA snippets that the tests paste into real programs."""
    text = (SRC / "README.md").read_text()
    m = re.search(r"<!-- tested: " + re.escape(tag) + r" -->\n```\n(.*?)```", text, re.S)
    assert m, f"README.md has no block marked 'tested: {tag}'"
    return m.group(1)


def bundled_specs():
    """The zone specs of zones/zones.conf (the bundled sample data), with
    absolute file names."""
    zones = SRC / "zones"
    specs = []
    for line in (zones / "zones.conf").read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            zone, dtype, files = line.split(":", 2)  # files relative to zones/
            specs.append(f"{zone}:{dtype}:" + ",".join(str(zones / n) for n in files.split(",")))
    return specs


def run_loader(db, specs):
    """Run dnsbl-load; fail the test with its output if it does not exit 0."""
    p = subprocess.run([program("DNSBL_LOAD"), "--db", str(db)] + specs,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    if p.returncode != 0:
        pytest.fail(f"dnsbl-load exited {p.returncode}:\n{p.stdout}{p.stderr}", pytrace=False)
    return p


def help_options(text):
    """Long options defined in a --help text: the "--name" words at the start
    of its option lines ("  -d, --db DIR", "      --hide-version",
    "    --progress, --no-progress")."""
    opts = set()
    for line in text.splitlines():
        m = re.match(r"^\s*(?:-\w, )?(--[a-z].*?)(?:\s\s|$)", line)
        if m:
            opts.update(re.findall(r"--([a-z][a-z0-9-]+)", m.group(1)))
    return opts


def make_query(name, rdtype="A", rdclass="IN", **kw):
    return dns.message.make_query(name, dns.rdatatype.from_text(rdtype),
                                  dns.rdataclass.from_text(rdclass), **kw)


def frame(msg):
    """RFC 7766 framing: 2-byte big-endian length, then the message."""
    wire = msg.to_wire() if isinstance(msg, dns.message.Message) else msg
    return struct.pack("!H", len(wire)) + wire


def recv_exact(sock, n, deadline):
    buf = b""
    while len(buf) < n:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = sock.recv(n - len(buf))
        if not chunk:
            return None  # EOF
        buf += chunk
    return buf


def read_framed(sock, timeout=3.0):
    """One framed response from a TCP socket; None at EOF."""
    deadline = time.monotonic() + timeout
    hdr = recv_exact(sock, 2, deadline)
    if hdr is None:
        return None
    body = recv_exact(sock, struct.unpack("!H", hdr)[0], deadline)
    if body is None:
        return None
    return dns.message.from_wire(body)


def wait_closed(sock, timeout):
    """Seconds until the peer closed sock (EOF or reset), or None on timeout."""
    t0 = time.monotonic()
    deadline = t0 + timeout
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            if sock.recv(4096) == b"":
                return time.monotonic() - t0
        except socket.timeout:
            return None
        except (ConnectionResetError, BrokenPipeError):
            return time.monotonic() - t0
    return None


class Server:
    """A running dnsbld; stop() or kill() it (teardown always kills)."""

    def __init__(self, proc, log, db, addrs):
        self.proc, self.log, self.db, self.addrs = proc, log, db, addrs
        self.host, self.port = addrs[0]

    def log_text(self):
        return self.log.read_text(errors="replace")

    def udp(self, q, host=None, port=None, timeout=2.0):
        return dns.query.udp(q, host or self.host, timeout=timeout, port=port or self.port)

    def tcp(self, q, host=None, port=None, timeout=2.0):
        return dns.query.tcp(q, host or self.host, timeout=timeout, port=port or self.port)

    def query(self, name, rdtype="A", tcp=False, timeout=2.0, **kw):
        q = make_query(name, rdtype, **kw)
        return self.tcp(q, timeout=timeout) if tcp else self.udp(q, timeout=timeout)

    def connect(self, host=None, port=None):
        fam = socket.AF_INET6 if ":" in (host or self.host) else socket.AF_INET
        s = socket.socket(fam, socket.SOCK_STREAM)
        s.settimeout(3.0)
        s.connect((host or self.host, port or self.port))
        return s

    def dig(self, *args, host=None, port=None):
        """Run dig against this server; returns stdout (fails on dig errors)."""
        cmd = ["dig", "-p", str(port or self.port), f"@{host or self.host}", "+time=2",
               "+tries=1"]
        p = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=15)
        assert p.returncode == 0, f"dig {' '.join(args)} exited {p.returncode}: {p.stderr}"
        return p.stdout

    def stop(self, sig=signal.SIGTERM):
        """Send sig and return the exit status (fails if it hangs)."""
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


def start_dnsbld(db, log, *extra, ipv6=HAVE_IPV6, wait_answer=True, argv=None, nlisten=1,
                 env=None):
    """Start dnsbld on port 0 of 127.0.0.1 (and ::1), or with exactly argv
    (after the program and AS_ROOT) and nlisten listen addresses; env: the
    environment (default: inherited)."""
    if argv is None:
        listens = ["127.0.0.1:0"] + (["[::1]:0"] if ipv6 else [])
        args = [program("DNSBLD"), "--db", str(db), "--udp-io", UDP_IO] + AS_ROOT
        for addr in listens:
            args += ["--listen", addr]
        args += list(extra)
    else:
        listens = [None] * nlisten
        args = [program("DNSBLD")] + AS_ROOT + list(argv)
    with open(log, "w") as logf:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=logf, stderr=logf,
                                env=env)
    addrs = []
    deadline = time.monotonic() + START_TIMEOUT
    try:
        while True:
            text = log.read_text(errors="replace")
            found = re.findall(r"listening on (\d+\.\d+\.\d+\.\d+|\[[0-9a-fA-F:]+\]):(\d+)", text)
            if len(found) == len(listens):
                addrs = [(h.strip("[]"), int(p)) for h, p in found]
                break
            if proc.poll() is not None:
                pytest.fail(f"dnsbld exited {proc.returncode} at start:\n{text}", pytrace=False)
            if time.monotonic() > deadline:
                pytest.fail(f"dnsbld did not report its listen addresses:\n{text}", pytrace=False)
            time.sleep(0.02)
        srv = Server(proc, log, db, addrs)
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
def loaded_db(tmp_path):
    """A database directory with one published generation of the test zones."""
    db = tmp_path / "db"
    specs = write_zones(tmp_path / "zones")
    run_loader(db, specs)
    return db


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """One dnsbld with default options over the test zones, shared by a module."""
    tmp = tmp_path_factory.mktemp("served")
    db = tmp / "db"
    run_loader(db, write_zones(tmp / "zones"))
    srv = start_dnsbld(db, tmp / "dnsbld.log")
    yield srv
    srv.kill()


def pytest_configure(config):
    # dig is part of the contract (tests parse its output); say so clearly.
    if shutil.which("dig") is None:
        raise pytest.UsageError("dig is required (Debian package bind9-dnsutils)")
