"""MTA integration: a real rspamd uses the README's rbl.conf block against
dnsbld.

rspamd runs with Debian's /etc/rspamd/rspamd.conf and a LOCAL_CONFDIR of the
test's own: local.d/rbl.conf is the README block marked 'tested: rspamd',
verbatim, and local.d/options.inc names dnsbld (127.0.0.1:53) as its only
resolver. By default rspamd also fetches maps over HTTPS and talks to fuzzy
servers, so it runs inside a private network namespace (netns.py) where
nothing can reach another host; dnsbld answers REFUSED for every zone it
does not serve, so those lookups fail at once.

rspamd never checks local or private addresses, so the test adds test-only
zen.local entries for three ordinary-looking addresses (data only) and scans
a message with `rspamc --ip ADDR` (the connecting client, rspamd's 'from'
check) for each, and for an unlisted one."""

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import netns
from mta_data import LISTED, MESSAGE, UNLISTED, extra_zone

PORT = 11333  # rspamd's normal worker, alone in its namespace

OPTIONS = """\
dns {
  nameserver = ["127.0.0.1:53"];
  timeout = 2s;
}
"""

# ---- inside the namespace ----

def inside(workdir):
    work = Path(workdir)
    out = {}
    netns.setup(work)
    dnsbld = netns.start_dnsbld(work)
    rspamd = subprocess.Popen(
        ["rspamd", "-f", "-u", "_rspamd", "-g", "_rspamd", "-c", "/etc/rspamd/rspamd.conf",
         f"--var=LOCAL_CONFDIR={work / 'conf'}", f"--var=DBDIR={work / 'rdb'}",
         f"--var=RUNDIR={work / 'run'}", f"--var=LOGDIR={work / 'log'}"],
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        # rspamd compiles its rules at start: tens of seconds on a busy CI
        if not netns.wait_tcp([PORT], 120):
            out["start"] = "rspamd did not listen"
            return out
        for ip in list(LISTED) + [UNLISTED]:
            p = subprocess.run(["rspamc", "-h", f"127.0.0.1:{PORT}", "--ip", ip, "symbols"],
                               input=MESSAGE.format(ip=ip), capture_output=True, text=True,
                               timeout=60)
            out[ip] = sorted(set(re.findall(r"^Symbol: (\w+)", p.stdout, re.M)))
            out[ip + " output"] = p.stdout[-3000:] + p.stderr[-1000:]
    finally:
        rspamd.terminate()
        rspamd.wait(timeout=30)
        dnsbld.terminate()
        dnsbld.wait(timeout=10)
    return out


if __name__ == "__main__" and len(sys.argv) == 3 and sys.argv[1] == "--inside":
    print(json.dumps(inside(sys.argv[2])))
    sys.exit(0)


# ---- the pytest side ----

import pytest  # noqa: E402

from conftest import bundled_specs, need, readme_block, run_loader  # noqa: E402


@pytest.fixture(scope="module")
def results():
    for prog in ("rspamd", "rspamc"):
        need(prog, "rspamd")
    if not netns.namespaces_work():
        pytest.skip("needs root and unshare --net --mount --pid (an unprivileged container?)")
    work = netns.make_workdir("dnsbl-rspamd-")
    try:
        extra = work / "extra"
        extra.write_text(extra_zone())
        run_loader(work / "db", bundled_specs() + [f"zen.local:ip4set:{extra}"])
        local = work / "conf" / "local.d"
        local.mkdir(parents=True)
        (local / "rbl.conf").write_text(readme_block("rspamd"))
        (local / "options.inc").write_text(OPTIONS)
        for d in ("rdb", "run", "log"):  # rspamd writes these as _rspamd
            (work / d).mkdir()
            shutil.chown(work / d, "_rspamd", "_rspamd")
        res = netns.run_inside(__file__, work, timeout=400)
        log = work / "log" / "rspamd.log"
        res["log"] = log.read_text(errors="replace")[-3000:] if log.exists() else ""
        assert "start" not in res, res
        yield res
    finally:
        shutil.rmtree(work, ignore_errors=True)


@pytest.mark.parametrize("ip,symbol", [("81.2.69.2", "ZEN_SBL"), ("81.2.69.4", "ZEN_XBL"),
                                       ("81.2.69.10", "ZEN_PBL")])
def test_listed(results, ip, symbol):
    hits = set(results[ip]) & {"ZEN_SBL", "ZEN_CSS", "ZEN_XBL", "ZEN_PBL", "RBL_ZEN_LOCAL"}
    assert hits == {symbol}, (hits, results[ip + " output"])


def test_unlisted(results):
    hits = [s for s in results[UNLISTED] if s.startswith("ZEN_") or s.startswith("RBL_ZEN")]
    assert hits == [], results[UNLISTED + " output"]


def test_stock_spamhaus_rule_off(results):
    """The README block disables the stock rule that queries Spamhaus."""
    for ip in LISTED:
        assert not any(s.startswith("SPAMHAUS") or s.startswith("RBL_SPAMHAUS")
                       or s.startswith("RECEIVED_SPAMHAUS") for s in results[ip]), results[ip]
