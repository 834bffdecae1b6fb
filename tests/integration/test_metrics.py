"""Prometheus /metrics (--metrics) scraped with the real curl after a known
query mix, the HTTP handler's limits, and the query log (--query-log)."""

import os
import re
import signal
import socket
import subprocess
import time

import pytest

from conftest import make_query, wait_closed

SAMPLE = re.compile(r'^([a-z_]+)(?:\{(.*)\})? (\S+)$')


def metrics_url(srv):
    m = re.search(r"metrics on (http://\S+/metrics)", srv.log_text())
    assert m, f"no 'metrics on' line:\n{srv.log_text()}"
    return m.group(1)


def curl(url, *args):
    """Run curl; returns (http status, body). curl fails the test on errors."""
    p = subprocess.run(["curl", "-sS", "--max-time", "5", "-o", "-", "-w", "\n%{http_code}"]
                       + list(args) + [url], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                       text=True, timeout=15)
    assert p.returncode == 0, f"curl {url} exited {p.returncode}: {p.stderr}"
    body, _, code = p.stdout.rpartition("\n")
    return int(code), body


def scrape(srv):
    """Samples of one scrape: {(name, labels): value}."""
    code, body = curl(metrics_url(srv))
    assert code == 200, body
    samples = {}
    for line in body.splitlines():
        if not line or line.startswith("#"):
            continue
        m = SAMPLE.match(line)
        assert m, f"not a text-format sample: {line!r}"
        samples[(m.group(1), m.group(2) or "")] = float(m.group(3))
    return samples


def delta(after, before, name, labels=""):
    return after.get((name, labels), 0) - before.get((name, labels), 0)


@pytest.fixture
def msrv(dnsbld, loaded_db, tmp_path):
    return dnsbld(loaded_db, "--metrics", "127.0.0.1:0", "--threads", "2",
                  "--query-log", str(tmp_path / "query.log"))


def udp_raw(srv, data):
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.sendto(data, (srv.host, srv.port))


def test_counters_after_known_query_mix(msrv):
    before = scrape(msrv)
    for _ in range(3):
        assert msrv.query("2.0.0.127.bl.test").rcode() == 0
    for _ in range(2):
        assert msrv.query("1.0.0.127.bl.test").rcode() == 3
    assert msrv.query("2.0.0.127.bl.test", "TXT").rcode() == 0
    assert msrv.query("test.dbl.test", tcp=True).rcode() == 0  # one TCP connection
    assert msrv.query("nope.dbl.test").rcode() == 3
    assert msrv.query("x.unknown.example").rcode() == 5  # REFUSED, no zone
    udp_raw(msrv, b"abc")  # shorter than a header: dropped
    udp_raw(msrv, b"\x12\x34" + b"\x00" * 3)
    # A query after the drops: its answer shows the drops were processed.
    assert msrv.query("1.0.0.127.bl.test").rcode() == 3
    time.sleep(0.2)
    after = scrape(msrv)

    expected = {
        ("dnsbld_queries_total", 'zone="bl.test"'): 7,
        ("dnsbld_queries_total", 'zone="dbl.test"'): 2,
        ("dnsbld_queries_total", 'zone=""'): 3,  # REFUSED + 2 dropped
        ("dnsbld_listed_total", 'zone="bl.test"'): 4,
        ("dnsbld_listed_total", 'zone="dbl.test"'): 1,
        ("dnsbld_responses_total", 'rcode="NOERROR"'): 5,
        ("dnsbld_responses_total", 'rcode="NXDOMAIN"'): 4,
        ("dnsbld_responses_total", 'rcode="REFUSED"'): 1,
        ("dnsbld_responses_total", 'rcode="SERVFAIL"'): 0,
        ("dnsbld_qtype_total", 'qtype="A"'): 9,
        ("dnsbld_qtype_total", 'qtype="TXT"'): 1,
        ("dnsbld_hits_total", 'result="listed"'): 5,
        ("dnsbld_hits_total", 'result="unlisted"'): 4,
        ("dnsbld_dropped_total", 'reason="malformed"'): 2,
        ("dnsbld_tcp_connections_accepted_total", ""): 1,
    }
    got = {k: delta(after, before, *k) for k in expected}
    assert got == expected
    assert after[("dnsbld_tcp_connections_refused_total", "")] == 0
    # Histogram: one observation per query, buckets cumulative.
    total = sum(v for (n, _), v in after.items() if n == "dnsbld_queries_total")
    assert after[("dnsbld_answer_latency_seconds_count", "")] == total
    assert after[("dnsbld_answer_latency_seconds_bucket", 'le="+Inf"')] == total
    buckets = [v for (n, _), v in after.items() if n == "dnsbld_answer_latency_seconds_bucket"]
    assert buckets == sorted(buckets)
    assert after[("dnsbld_answer_latency_seconds_sum", "")] > 0
    # Data version and age per zone, the generation, build info, threads.
    for z in ("bl.test", "dbl.test"):
        assert after[("dnsbld_zone_version", f'zone="{z}"')] == 1
        assert 0 <= after[("dnsbld_zone_data_age_seconds", f'zone="{z}"')] < 3600
        assert after[("dnsbld_zone_loaded_timestamp_seconds", f'zone="{z}"')] > 1.7e9
    assert after[("dnsbld_data_generation", "")] == 1
    assert after[("dnsbld_threads", "")] == 2
    assert any(n == "dnsbld_build_info" for n, _ in after)


def test_tcp_connection_gauge(msrv):
    with msrv.connect():
        deadline = time.monotonic() + 3
        while scrape(msrv)[("dnsbld_tcp_connections", "")] != 1:
            assert time.monotonic() < deadline, "open connection not counted"
            time.sleep(0.05)
    deadline = time.monotonic() + 3
    while scrape(msrv)[("dnsbld_tcp_connections", "")] != 0:
        assert time.monotonic() < deadline, "closed connection still counted"
        time.sleep(0.05)


def test_content_type_and_head(msrv):
    p = subprocess.run(["curl", "-sS", "-I", "--max-time", "5", metrics_url(msrv)],
                       stdout=subprocess.PIPE, text=True, timeout=15)
    assert p.returncode == 0
    assert p.stdout.startswith("HTTP/1.1 200")
    assert "Content-Type: text/plain; version=0.0.4" in p.stdout
    code, body = curl(metrics_url(msrv), "--http1.0")
    assert code == 200 and "dnsbld_queries_total" in body


def test_wrong_path_and_method(msrv):
    base = metrics_url(msrv).rsplit("/", 1)[0]
    assert curl(base + "/")[0] == 404
    assert curl(base + "/metricsx")[0] == 404
    assert curl(base + "/metrics?name[]=x")[0] == 200
    assert curl(metrics_url(msrv), "-X", "POST", "-d", "x")[0] == 405


def raw_http(srv, data, timeout=3.0):
    host, port = re.match(r"http://([\d.]+):(\d+)/", metrics_url(srv)).groups()
    with socket.create_connection((host, int(port)), timeout=timeout) as s:
        try:
            s.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        out = b""
        try:
            while chunk := s.recv(65536):
                out += chunk
        except ConnectionResetError:
            pass
        return out


def test_garbage_and_oversize_requests(msrv):
    assert raw_http(msrv, b"hello\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw_http(msrv, b"GET /metrics SPDY/3\r\n\r\n").startswith(b"HTTP/1.1 400 ")
    assert raw_http(msrv, b"\x00\xff\x16\x03\x01\n\n").startswith(b"HTTP/1.1 400 ")
    big = b"GET /metrics HTTP/1.1\r\nX-Pad: " + b"a" * 5000 + b"\r\n\r\n"
    assert raw_http(msrv, big).startswith(b"HTTP/1.1 431 ")
    # Headers are read but not interpreted; a bare-LF request works too.
    assert raw_http(msrv, b"GET /metrics HTTP/1.0\nHost: x\n\n").startswith(b"HTTP/1.1 200 ")
    assert msrv.proc.poll() is None
    assert curl(metrics_url(msrv))[0] == 200


def test_idle_and_connection_cap(msrv):
    host, port = re.match(r"http://([\d.]+):(\d+)/", metrics_url(msrv)).groups()
    held = [socket.create_connection((host, int(port)), timeout=3) for _ in range(16)]
    try:
        held[0].sendall(b"GET /met")  # partial request: does not restart the timer
        time.sleep(0.2)
        extra = socket.create_connection((host, int(port)), timeout=3)
        assert wait_closed(extra, 2.0) is not None, "17th connection not closed at once"
        extra.close()
        # Every held connection is closed by the 5 s idle timeout.
        for s in held:
            assert wait_closed(s, 8.0) is not None, "idle connection not closed"
    finally:
        for s in held:
            s.close()
    assert curl(metrics_url(msrv))[0] == 200


def test_non_loopback_metrics_address_refused(loaded_db):
    from conftest import AS_ROOT, program
    p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--metrics", "192.0.2.1:9153"]
                       + AS_ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                       timeout=10)
    assert p.returncode == 2
    assert "--metrics" in p.stderr and "loopback" in p.stderr
    p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--metrics", "nonsense"],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert p.returncode == 2 and "nonsense" in p.stderr


def qlog_lines(path, want, timeout=3.0):
    """Lines of the query log, without the start-up probes (version.bind)."""
    deadline = time.monotonic() + timeout
    while True:
        lines = path.read_text().splitlines() if path.exists() else []
        lines = [ln for ln in lines if " version.bind. " not in ln]
        if len(lines) >= want or time.monotonic() > deadline:
            return lines
        time.sleep(0.05)


LINE = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ (\S+) (udp|tcp) (\S+) (\S+) (\S+) (\S+)$")


def test_query_log_lines(msrv, tmp_path):
    log = tmp_path / "query.log"
    msrv.query("2.0.0.127.bl.test")
    msrv.query("1.0.0.127.bl.test", "TXT", tcp=True)
    udp_raw(msrv, b"abc")
    msrv.query("x.unknown.example")
    lines = qlog_lines(log, 4)
    fields = [LINE.match(line).groups() for line in lines if LINE.match(line)]
    assert len(fields) == len(lines) == 4, lines
    assert ("127.0.0.1", "udp", "2.0.0.127.bl.test.", "A", "NOERROR", "listed") in fields
    assert ("127.0.0.1", "tcp", "1.0.0.127.bl.test.", "TXT", "NXDOMAIN", "-") in fields
    assert ("127.0.0.1", "udp", "(short)", "-", "DROP", "-") in fields
    assert ("127.0.0.1", "udp", "x.unknown.example.", "A", "REFUSED", "-") in fields


def test_query_log_reopened_on_rotation_and_sighup(msrv, tmp_path):
    log = tmp_path / "query.log"
    msrv.query("2.0.0.127.bl.test")
    assert len(qlog_lines(log, 1)) == 1
    # logrotate's default: rename, then the server must create a new file.
    os.rename(log, tmp_path / "query.log.1")
    deadline = time.monotonic() + 5
    while not log.exists():
        assert time.monotonic() < deadline, "query log not reopened after rename"
        time.sleep(0.05)
    msrv.query("test.dbl.test")
    assert [ln.split()[3] for ln in qlog_lines(log, 1)] == ["test.dbl.test."]
    # SIGHUP reopens at once.
    os.rename(log, tmp_path / "query.log.2")
    msrv.proc.send_signal(signal.SIGHUP)
    deadline = time.monotonic() + 3
    while not log.exists():
        assert time.monotonic() < deadline, "query log not reopened on SIGHUP"
        time.sleep(0.02)
    msrv.query("1.0.0.127.bl.test")
    assert [ln.split()[3] for ln in qlog_lines(log, 1)] == ["1.0.0.127.bl.test."]
    assert len(qlog_lines(tmp_path / "query.log.1", 1)) == 1
    assert msrv.proc.poll() is None


def test_query_log_unwritable_is_a_start_error(loaded_db, tmp_path):
    from conftest import AS_ROOT, program
    p = subprocess.run([program("DNSBLD"), "--db", str(loaded_db), "--listen", "127.0.0.1:0",
                        "--query-log", str(tmp_path / "no" / "such" / "dir" / "q.log")] + AS_ROOT,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=10)
    assert p.returncode == 1
    assert "query log" in p.stderr and "q.log" in p.stderr


def test_off_by_default(dnsbld, loaded_db, tmp_path):
    srv = dnsbld(loaded_db)
    assert "metrics on" not in srv.log_text()
    assert "query log" not in srv.log_text()


def test_zone_labels_bounded(dnsbld, tmp_path):
    """64 zones get their own label; queries to further zones count as
    zone="other", so a catalog of many zones cannot blow up the label set."""
    from conftest import run_loader
    zdir = tmp_path / "zones"
    zdir.mkdir()
    specs = []
    for i in range(66):
        (zdir / f"z{i}").write_text("127.0.0.2\n")
        specs.append(f"z{i}.test:ip4set:{zdir / f'z{i}'}")
    run_loader(tmp_path / "db", specs)
    srv = dnsbld(tmp_path / "db", "--metrics", "127.0.0.1:0", "--threads", "1")
    for i in range(66):
        assert srv.query(f"2.0.0.127.z{i}.test").rcode() == 0
    m = scrape(srv)
    labelled = [k for k, v in m.items() if k[0] == "dnsbld_queries_total" and v == 1
                and k[1] not in ('zone="other"', 'zone=""')]
    assert len(labelled) == 64
    assert m[("dnsbld_queries_total", 'zone="other"')] == 2
    assert m[("dnsbld_listed_total", 'zone="other"')] == 2
    # Every served zone still has its data gauges.
    assert sum(1 for k in m if k[0] == "dnsbld_zone_version") == 66


def test_rrl_outcomes_counted(dnsbld, loaded_db):
    """--rrl: every reply the query function made is counted by rcode; the
    limiter's slipped (TC) and dropped replies are counted on top."""
    srv = dnsbld(loaded_db, "--metrics", "127.0.0.1:0", "--threads", "1", "--rrl", "5",
                 "--rrl-slip", "2", "--rrl-loopback")
    before = scrape(srv)
    q = make_query("1.0.0.127.bl.test").to_wire()
    n, got = 60, 0
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.settimeout(0.3)
        for _ in range(n):  # well over 5/s with a burst of one second
            s.sendto(q, (srv.host, srv.port))
        try:
            while True:
                s.recv(4096)
                got += 1
        except socket.timeout:
            pass
    time.sleep(0.2)
    after = scrape(srv)
    assert delta(after, before, "dnsbld_responses_total", 'rcode="NXDOMAIN"') == n
    slipped = delta(after, before, "dnsbld_rrl_total", 'action="slipped"')
    dropped = delta(after, before, "dnsbld_rrl_total", 'action="dropped"')
    assert slipped > 0 and dropped > 0, (slipped, dropped)
    # every request is either sent in full, sent as TC, or dropped
    assert got + dropped == n, (got, slipped, dropped)
