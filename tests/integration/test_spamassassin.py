"""MTA integration: a real SpamAssassin uses the README's block against dnsbld.

SpamAssassin gets a site config directory of its own: Debian's *.pre files
(the plugin loads) and a local.cf made of TEST_ONLY plus the README block
marked 'tested: spamassassin', verbatim except that its `dns_server
127.0.0.1` line names dnsbld's test port. Every DNS query SpamAssassin makes
therefore goes to dnsbld on 127.0.0.1 (the stock rules' other lists get
REFUSED); Bayes, auto-whitelisting and the network checks that use other
protocols are off, so no packet leaves the host.

SpamAssassin never looks up private or loopback relays, so the test adds
test-only entries to zen.local for three ordinary-looking addresses (data
only: nothing is ever sent to them) and sends messages whose last external
relay is one of them."""

import glob
import re
import shutil
import subprocess

import pytest

from conftest import bundled_specs, need, readme_block, run_loader, start_dnsbld
from mta_data import MESSAGE, UNLISTED, extra_zone


TEST_ONLY = """\
dns_available yes
use_bayes 0
use_razor2 0
use_pyzor 0
skip_uribl_checks 1
"""

@pytest.fixture(scope="module")
def scan(tmp_path_factory):
    need("spamassassin")
    tmp = tmp_path_factory.mktemp("sa")
    extra = tmp / "extra"
    extra.write_text(extra_zone())
    run_loader(tmp / "db", bundled_specs() + [f"zen.local:ip4set:{extra}"])
    srv = start_dnsbld(tmp / "db", tmp / "dnsbld.log", ipv6=False)
    port = srv.addrs[0][1]
    site = tmp / "site"
    site.mkdir()
    for pre in glob.glob("/etc/spamassassin/*.pre"):
        shutil.copy(pre, site)
    block = readme_block("spamassassin")
    assert re.search(r"^dns_server 127\.0\.0\.1$", block, re.M), block
    block = re.sub(r"^dns_server 127\.0\.0\.1$", f"dns_server 127.0.0.1:{port}", block,
                   flags=re.M)
    (site / "local.cf").write_text(TEST_ONLY + block)
    lint = subprocess.run(["spamassassin", "--siteconfigpath", str(site), "--lint"],
                          capture_output=True, text=True, timeout=120)
    assert lint.returncode == 0, lint.stderr

    def run(ip):
        p = subprocess.run(["spamassassin", "--siteconfigpath", str(site), "-t",
                            "--cf", "score RCVD_IN_SBL 0.01", "--cf", "score RCVD_IN_XBL 0.01",
                            "--cf", "score RCVD_IN_PBL 0.01"],
                           input=MESSAGE.format(ip=ip), capture_output=True, text=True,
                           timeout=120)
        assert p.returncode in (0, 1), p.stderr
        m = re.search(r"^X-Spam-Status: .*?tests=(.*?)(?:autolearn|version)", p.stdout,
                      re.M | re.S)
        assert m, p.stdout
        return set(re.split(r"[\s,]+", m.group(1).strip()))

    yield run
    srv.kill()


def test_sbl(scan):
    hits = scan("81.2.69.2")
    assert "RCVD_IN_SBL" in hits and "RCVD_IN_XBL" not in hits and "RCVD_IN_PBL" not in hits


def test_xbl(scan):
    hits = scan("81.2.69.4")
    assert "RCVD_IN_XBL" in hits and "RCVD_IN_SBL" not in hits and "RCVD_IN_PBL" not in hits


def test_pbl(scan):
    hits = scan("81.2.69.10")
    assert "RCVD_IN_PBL" in hits and "RCVD_IN_SBL" not in hits and "RCVD_IN_XBL" not in hits


def test_unlisted(scan):
    hits = scan(UNLISTED)
    assert not hits & {"RCVD_IN_SBL", "RCVD_IN_XBL", "RCVD_IN_PBL"}, hits
