"""The shared configuration file (dnsbl.conf(5)) and --check, for dnsbld and
dnsbl-load: errors name FILE:LINE and what was expected, a server started
from the bundled zones/dnsbl.conf answers like one started from the
equivalent command line, and command-line options replace the file's lines.
"""

import os
import re
import shutil
import subprocess

import dns.rcode
import dns.rdatatype
import pytest

from conftest import AS_ROOT, help_options, program, SRC, start_dnsbld, write_zones



def run(var, *args, cwd=None):
    return subprocess.run([program(var)] + list(args), stdout=subprocess.PIPE,
                          stderr=subprocess.PIPE, text=True, timeout=30, cwd=cwd)


def answers(srv, name, rdtype="A"):
    r = srv.query(name, rdtype)
    return dns.rcode.to_text(r.rcode()), sorted(
        str(x) for rr in r.answer if rr.rdtype == dns.rdatatype.from_text(rdtype) for x in rr)


BUNDLED_QUERIES = [
    ("2.0.0.127.zen.local", "A"), ("2.0.0.127.zen.local", "TXT"), ("1.0.0.127.zen.local", "A"),
    ("test.dbl.local", "A"), ("invalid.dbl.local", "A"), ("7.2.0.192.zen.local", "A"),
    ("3.2.1.10.zen.local", "A"), ("1.1.168.192.pbl.local", "A"), ("zen.local", "SOA"),
    ("2.0.0.0.0.0.f.7.f.f.f.f.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.zen.local", "A"),
]


@pytest.fixture
def bundled(tmp_path):
    """A copy of zones/ (feed files + dnsbl.conf) whose config listens on port 0."""
    z = tmp_path / "zones"
    shutil.copytree(SRC / "zones", z, ignore=shutil.ignore_patterns("db", "systemd"))
    conf = z / "dnsbl.conf"
    text = conf.read_text()
    assert "\nlisten 127.0.0.1:5300" in text
    conf.write_text(text.replace("\nlisten 127.0.0.1:5300", "\nlisten 127.0.0.1:0"))
    return conf


def test_config_equals_command_line(bundled, tmp_path):
    """Loader and server driven by the bundled config alone (run from another
    directory: paths resolve against the file's directory) answer exactly like
    the same programs given the zones.conf specs and --db/--listen."""
    p = run("DNSBL_LOAD", "--config", str(bundled), cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert (bundled.parent / "db" / "current").exists()
    from_conf = start_dnsbld(None, tmp_path / "conf.log", argv=["--config", str(bundled)],
                             nlisten=1)
    specs = [l.strip() for l in (bundled.parent / "zones.conf").read_text().splitlines()
             if l.strip() and not l.startswith("#")]
    db2 = tmp_path / "db2"
    p = subprocess.run([program("DNSBL_LOAD"), "--db", str(db2)] + specs, cwd=bundled.parent,
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=60)
    assert p.returncode == 0, p.stderr
    from_cli = start_dnsbld(db2, tmp_path / "cli.log", ipv6=False)
    try:
        for name, t in BUNDLED_QUERIES:
            assert answers(from_conf, name, t) == answers(from_cli, name, t), name
        assert answers(from_conf, "2.0.0.127.zen.local") == (
            "NOERROR", ["127.0.0.10", "127.0.0.2", "127.0.0.4"])
        assert answers(from_conf, "test.dbl.local") == ("NOERROR", ["127.0.1.2"])
    finally:
        from_conf.kill()
        from_cli.kill()


def test_command_line_replaces_config_lines(tmp_path, loaded_db):
    """--listen on the command line drops the file's listen lines; ZONESPEC
    arguments drop its zone lines; a flag from the file applies."""
    conf = tmp_path / "c.conf"
    conf.write_text(f"db {loaded_db}\nlisten 127.0.0.1:1\nhide-version yes\n"
                    "zone other.test:ip4set:nonexistent\n")
    srv = start_dnsbld(None, tmp_path / "d.log",
                       argv=["--config", str(conf), "--listen", "127.0.0.1:0"], nlisten=1)
    try:
        assert srv.port != 1 and "127.0.0.1:1 " not in srv.log_text()
        assert srv.query("version.bind", "TXT", rdclass="CH").rcode() == dns.rcode.REFUSED
        assert answers(srv, "2.0.0.127.bl.test") == ("NOERROR", ["127.0.0.2"])
    finally:
        srv.kill()
    # dnsbl-load: the command-line spec replaces the file's (missing) zone file
    specs = write_zones(tmp_path / "z")
    p = run("DNSBL_LOAD", "--config", str(conf), "--db", str(tmp_path / "db2"), "-q", *specs)
    assert p.returncode == 0, p.stderr


def test_keys_of_the_other_program_are_skipped(tmp_path, loaded_db):
    conf = tmp_path / "both.conf"
    zdir = tmp_path / "zones"
    user = "user root\n" if os.geteuid() == 0 else ""
    conf.write_text(f"db {loaded_db}\nlisten 127.0.0.1:0 [::1]:0\nthreads 2\nttl 1h\n"
                    f"{user}zone bl.test:ip4set:{zdir / 'bl'}\nmax-shrink 30\n"
                    "sync rsync://127.0.0.1/x/ rsync://127.0.0.1/y/\nsync-timeout 10\n")
    p = run("DNSBL_LOAD", "--config", str(conf), "--check")
    assert p.returncode == 0 and "check passed" in p.stdout, p.stderr
    p = run("DNSBLD", "--config", str(conf), "--check")
    assert p.returncode == 0 and "check passed" in p.stdout, p.stderr
    assert "listen 127.0.0.1:0 [::1]:0; threads 2; udp-io blocking; user " in p.stdout, p.stdout


# (file content, line, message after "PROG: FILE:LINE: "); {d} is the file's dir
DNSBLD_ERRORS = [
    ("listen 127.0.0.1:0\nbogus-key 1\n", 2, "unknown key 'bogus-key' (expected a long option"),
    ("db\n", 1, "missing value: expected 'db VALUE'"),
    ("listen 127.0.0.1:0 300.1.1.1:53\n", 1,
     "invalid value '300.1.1.1:53' for listen: expected IPv4:PORT (127.0.0.1:5300) or "
     "[IPv6]:PORT ([::1]:5300)"),
    ("# comment\n\nthreads 0\n", 3, "invalid value '0' for threads: expected a number from 1 to 256"),
    ("tcp-max lots\n", 1, "invalid value 'lots' for tcp-max: expected a number from 1 to 65535"),
    ("ttl 5x\n", 1, "invalid value '5x' for ttl: expected seconds with optional s/m/h/d/w suffix"),
    ("ttl 5\nlisten 127.0.0.1:0\nttl 6\n", 3, "duplicate key 'ttl' (already set at {f}:1)"),
    ("ttl 5 6\n", 1, "expected one value for 'ttl', found 2"),
    ("include nope.conf\n", 1, "include {d}/nope.conf: cannot open: No such file or directory"),
    ("include .\n", 1, "include {d}/.: not a regular file"),
    ("# self\ninclude dnsbl.conf\n", 2, "include nested deeper than 8 files"),
    ("check\n", 1, "'check' is a command-line option, not a configuration key"),
    ("ns-in-auth maybe\n", 1, "expected 'ns-in-auth' alone or 'ns-in-auth yes|no'"),
    ("log journal\n", 1, "invalid value 'journal' for log: expected 'stderr' or 'syslog'"),
    ("udp-io epoll\n", 1, "invalid value 'epoll' for udp-io: expected 'blocking' or 'libuv'"),
    ("db x # trailing comment\nuser\n", 2, "missing value: expected 'user VALUE'"),
]


def expect_config_error(tmp_path, var, prog, content, line, msg, *args):
    """FILE:LINE error: exit 2 when running, exit 1 with --check."""
    conf = tmp_path / "dnsbl.conf"
    conf.write_text(content)
    want = f"{prog}: {conf}:{line}: " + msg.format(d=tmp_path, f=conf)
    p = run(var, "--config", str(conf), *args)
    assert p.returncode == 2 and want in p.stderr, p.stderr
    p = run(var, "--config", str(conf), "--check")
    assert p.returncode == 1 and want in p.stderr and "check FAILED" in p.stderr, p.stderr


@pytest.mark.parametrize("content,line,msg", DNSBLD_ERRORS)
def test_dnsbld_config_errors(tmp_path, content, line, msg):
    expect_config_error(tmp_path, "DNSBLD", "dnsbld", content, line, msg, "--db", str(tmp_path))


def test_error_in_included_file_names_that_file(tmp_path):
    (tmp_path / "inc").mkdir()
    inc = tmp_path / "inc" / "local.conf"
    inc.write_text("ttl 60\n\nlisen 127.0.0.1:53\n")
    conf = tmp_path / "dnsbl.conf"
    conf.write_text("db /nonexistent\ninclude inc/local.conf\n")
    p = run("DNSBLD", "--config", str(conf))
    assert p.returncode == 2 and f"dnsbld: {inc}:3: unknown key 'lisen'" in p.stderr, p.stderr


def test_total_included_files_bounded(tmp_path):
    """Many include lines of one small file: 64 files in all (the file itself
    and 63 includes), then an error naming the 64th include line."""
    (tmp_path / "empty.conf").write_text("# nothing\n")
    conf = tmp_path / "dnsbl.conf"
    conf.write_text("include empty.conf\n" * 100)
    p = run("DNSBLD", "--config", str(conf), "--db", str(tmp_path))
    assert p.returncode == 2, p.stderr
    assert f"dnsbld: {conf}:64: more than 64 files included in all" in p.stderr, p.stderr


def test_missing_config_file(tmp_path):
    p = run("DNSBLD", "--config", str(tmp_path / "none.conf"))
    assert p.returncode == 2, p.stderr
    assert f"dnsbld: {tmp_path / 'none.conf'}: cannot open config file: No such file" in p.stderr


LOADER_ERRORS = [
    ("max-shrink 500\n", 1, "invalid value '500' for max-shrink: expected a percentage from 0 to 100"),
    ("db x\nkeep 1\nkeep 2\n", 3, "duplicate key 'keep' (already set at {f}:2)"),
    ("db x\nzones a.test:ip4set:f\n", 2, "unknown key 'zones'"),
    ("db x\nzone\n", 2, "missing value: expected 'zone VALUE'"),
]


@pytest.mark.parametrize("content,line,msg", LOADER_ERRORS)
def test_loader_config_errors(tmp_path, content, line, msg):
    expect_config_error(tmp_path, "DNSBL_LOAD", "dnsbl-load", content, line, msg,
                        "a.test:ip4set:/dev/null")


def test_loader_check_names_bad_zone_lines(tmp_path):
    conf = tmp_path / "dnsbl.conf"
    (tmp_path / "ok").write_text("127.0.0.2\n")
    conf.write_text("db db\nzone a.test:ip4set:ok\nzone b.test:ip4set:missing\n"
                    "zone c.test:nosuchtype:ok\n")
    p = run("DNSBL_LOAD", "--config", str(conf), "--check")
    assert p.returncode == 1, p.stderr
    assert (f"dnsbl-load: {conf}:3: zone file: {tmp_path}/missing: No such file or directory"
            in p.stderr), p.stderr
    assert f"dnsbl-load: {conf}:4: unknown dataset type 'nosuchtype'" in p.stderr, p.stderr
    assert not (tmp_path / "db").exists()  # --check loads nothing
    conf.write_text("db db\nzone a.test:ip4set:ok\n")
    p = run("DNSBL_LOAD", "--config", str(conf), "--check")
    assert p.returncode == 0 and "1 zone spec(s), 1 file(s)" in p.stdout, p.stderr


def test_dnsbld_check_exit_codes(tmp_path, loaded_db):
    p = run("DNSBLD", *AS_ROOT, "--db", str(loaded_db), "--check")
    assert p.returncode == 0, p.stderr
    assert re.search(r"database \S+ generation 1 \(2 zones\); listen 127\.0\.0\.1:53;", p.stdout)
    p = run("DNSBLD", *AS_ROOT, "--db", str(tmp_path / "nodb"), "--check")
    assert p.returncode == 1 and "database" in p.stderr and "check FAILED" in p.stderr
    p = run("DNSBLD", *AS_ROOT, "--db", str(loaded_db), "--check", "--threads", "0")
    assert p.returncode == 1 and "--threads" in p.stderr
    # Blocking UDP: a thread per socket, at most 1024 (here 200 x 6 addresses).
    listens = [a for i in range(6) for a in ("--listen", f"127.0.0.{i + 1}:0")]
    p = run("DNSBLD", *AS_ROOT, "--db", str(loaded_db), "--check", "--threads", "200", *listens)
    assert p.returncode == 1 and "= 1200 UDP threads, more than 1024" in p.stderr, p.stderr
    p = run("DNSBLD", *AS_ROOT, "--db", str(loaded_db), "--check", "--threads", "200",
            "--udp-io", "libuv", *listens)
    assert p.returncode == 0, p.stderr
    if os.geteuid() == 0:
        p = run("DNSBLD", "--db", str(loaded_db), "--check")
        assert p.returncode == 1 and "refusing to run as root" in p.stderr


def registry():
    """Keys of libdnsbl/dbl_conf.c: name -> set of programs."""
    text = (SRC / "libdnsbl" / "dbl_conf.c").read_text()
    bits = {"D": "dnsbld", "L": "dnsbl-load", "B": "dnsbl-bench", "C": "dnsbl-check"}
    return {m.group(1): {bits[b.strip()] for b in m.group(2).split("|")}
            for m in re.finditer(r'\{"([a-z0-9-]+)", ([DLBC |]+),', text)}


@pytest.mark.parametrize("prog,var", [("dnsbld", "DNSBLD"), ("dnsbl-load", "DNSBL_LOAD"),
                                      ("dnsbl-bench", "DNSBL_BENCH"),
                                      ("dnsbl-check", "DNSBL_CHECK")])
def test_registry_has_every_option(prog, var):
    """Every long option in a program's --help is a registered config key of
    that program, so the other programs skip it in the shared file."""
    reg = registry()
    assert len(reg) > 40
    opts = help_options(run(var, "--help").stdout)
    assert len(opts) > (6 if prog == "dnsbl-check" else 10)
    missing = [o for o in sorted(opts) if prog not in reg.get(o, ())]
    assert not missing, f"{prog} options missing from dbl_conf.c: {missing}"
