"""Fixtures for the dnsbld end-to-end tests.

The shared harness (tests/harness.py) finds the programs under test (DNSBLD
and DNSBL_LOAD, set by tests/integration/meson.build), writes the test zones,
runs the loader and starts dnsbld on 127.0.0.1 (and ::1 when the host has
it) port 0, reading the bound ports back from its log. Every server started
here is killed in teardown, whatever the test did. This file adds what the
end-to-end tests need besides: the README's tested blocks, the bundled
zones, TCP framing, dig.
"""

import os
import re
import shutil
import socket
import struct
import subprocess
import sys
import time
from pathlib import Path

import dns.message
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from harness import (AS_ROOT, SOA_SERIAL, Server as BaseServer, launch, load_ok,  # noqa: E402,F401
                     make_query, program, server_factory, write_zones)

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


def have_ipv6():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


HAVE_IPV6 = have_ipv6()


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
    return load_ok(db, specs)


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


class Server(BaseServer):
    """A running dnsbld (tests/harness.py) that can also run dig against itself."""

    def dig(self, *args, host=None, port=None):
        """Run dig against this server; returns stdout (fails on dig errors)."""
        cmd = ["dig", "-p", str(port or self.port), f"@{host or self.host}", "+time=2",
               "+tries=1"]
        p = subprocess.run(cmd + list(args), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                           text=True, timeout=15)
        assert p.returncode == 0, f"dig {' '.join(args)} exited {p.returncode}: {p.stderr}"
        return p.stdout


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
    return launch(args, log, db, nlisten=len(listens), start_timeout=START_TIMEOUT,
                  stop_timeout=STOP_TIMEOUT, wait_answer=wait_answer, cls=Server, env=env)


@pytest.fixture
def dnsbld(tmp_path):
    """Factory: dnsbld(db, *options) starts a server; all are killed at teardown."""
    yield from server_factory(tmp_path, start_dnsbld)


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
