"""Man pages (man/): every option in a program's --help is documented in its
page and every option the page documents exists, so they cannot drift; the
pages render without warnings (groff -ww, man -l)."""

import os
import re
import shutil
import subprocess

import pytest

from conftest import help_options, program, SRC

PAGES = [("DNSBLD", "dnsbld.8"), ("DNSBL_LOAD", "dnsbl-load.8"),
         ("DNSBL_BENCH", "dnsbl-bench.1"), ("DNSBL_CHECK", "dnsbl-check.1")]
ALL_PAGES = [p for _, p in PAGES] + ["dnsbl.conf.5"]


def render(page):
    if not shutil.which("groff"):
        pytest.skip("groff is not installed (Debian groff-base)")
    p = subprocess.run(["groff", "-man", "-Tutf8", "-ww", str(SRC / "man" / page)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30)
    assert p.returncode == 0 and p.stderr == "", p.stderr
    # plain text: no overstrike bold, ASCII hyphens
    text = re.sub(r".\x08", "", p.stdout)
    return text.replace("\u2010", "-").replace("\u2212", "-")


@pytest.mark.parametrize("var,page", PAGES)
def test_help_and_man_page_agree(var, page):
    text = render(page)
    helptext = subprocess.run([program(var), "--help"], stdout=subprocess.PIPE, text=True,
                              timeout=10).stdout
    in_help = help_options(helptext)
    in_page = set(re.findall(r"--([a-z][a-z0-9-]+)", text))
    assert in_help - in_page == set(), f"{page} lacks options from --help"
    # options the page names must exist (rsync's own options are quoted in
    # dnsbl-load's text, never as options)
    documented = help_options(text)
    assert documented - in_help == set(), f"{page} documents options --help lacks"


@pytest.mark.parametrize("page", ALL_PAGES)
def test_page_renders_without_warnings(page):
    render(page)
    if not shutil.which("man"):
        pytest.skip("man is not installed")
    p = subprocess.run(["man", "--warnings=w", "-l", str(SRC / "man" / page)],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=30,
                       env=dict(os.environ, MANPAGER="cat", MANWIDTH="80"))
    assert p.returncode == 0 and p.stderr == "", p.stderr
    assert "NAME" in p.stdout and "SEE ALSO" in p.stdout


def test_config_page_lists_every_dnsbld_and_loader_key():
    text = render("dnsbl.conf.5")
    for var in ("DNSBLD", "DNSBL_LOAD"):
        helptext = subprocess.run([program(var), "--help"], stdout=subprocess.PIPE, text=True,
                                  timeout=10).stdout
        keys = help_options(helptext) - {"config", "check", "help", "version"}
        missing = [k for k in sorted(keys) if not re.search(rf"\b{re.escape(k)}\b", text)]
        assert not missing, f"dnsbl.conf.5 lacks keys {missing}"
