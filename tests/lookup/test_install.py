"""The installed library works for an outside program: `meson install` into
a scratch DESTDIR, then a C program that includes only <dnsbl.h> is
compiled and linked with the flags `pkg-config --cflags --libs dnsbl`
gives, and looks up the test zones (tests/integration's) through it."""

import os
import shutil
import subprocess
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))

from conftest import run_loader, write_zones  # noqa: E402

PROGRAM = r"""
#include <dnsbl.h>
#include <stdio.h>

int main(int argc, char **argv)
{
	struct dnsbl *h;
	struct dnsbl_reader *r;
	struct dnsbl_result res;
	int rc = dnsbl_open(&h, argv[1], 1000, 0);

	if (rc) {
		printf("open: %s\n", dnsbl_strerror(rc));
		return 2;
	}
	if (dnsbl_reader_new(h, &r))
		return 2;
	rc = dnsbl_lookup_ip(r, "bl.test", argv[2], 0, &res);
	printf("%d %u %s\n", rc, res.ncodes, res.ntxt ? res.txt[0] : "-");
	dnsbl_reader_free(r);
	return dnsbl_close(h);
}
"""


@pytest.mark.skipif(not shutil.which("pkg-config") or not shutil.which("cc"),
                    reason="pkg-config and cc are needed")
def test_installed_header_and_pkg_config(tmp_path):
    build = os.environ["MESON_BUILD_DIR"]
    dest = tmp_path / "dest"
    p = subprocess.run(["meson", "install", "-C", build, "--no-rebuild", "--quiet",
                        "--destdir", str(dest)], stdout=subprocess.PIPE,
                       stderr=subprocess.STDOUT, text=True, timeout=120)
    assert p.returncode == 0, p.stdout
    pcs = list(dest.rglob("dnsbl.pc"))
    assert len(pcs) == 1 and list(dest.rglob("dnsbl.h"))
    env = dict(os.environ, PKG_CONFIG_PATH=str(pcs[0].parent),
               PKG_CONFIG_SYSROOT_DIR=str(dest))
    flags = subprocess.run(["pkg-config", "--cflags", "--libs", "dnsbl"], env=env,
                           stdout=subprocess.PIPE, text=True, check=True).stdout.split()
    src = tmp_path / "t.c"
    src.write_text(PROGRAM)
    san = os.environ.get("SANITIZE", "none")
    cflags = [] if san in ("", "none") else [f"-fsanitize={san}"]
    exe = tmp_path / "t"
    p = subprocess.run(["cc", "-std=c11", "-Wall", "-Werror", *cflags, "-o", str(exe), str(src),
                        *flags], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert p.returncode == 0, p.stdout
    db = tmp_path / "db"
    run_loader(db, write_zones(tmp_path / "zones"))
    libdir = os.path.dirname(next(dest.rglob("libdnsbl-lookup.so")))
    run_env = dict(os.environ, LD_LIBRARY_PATH=libdir)
    out = subprocess.run([str(exe), str(db), "127.0.0.2"], env=run_env, stdout=subprocess.PIPE,
                         text=True, timeout=30)
    assert out.returncode == 0 and out.stdout == "1 1 Listed 127.0.0.2\n"
    out = subprocess.run([str(exe), str(db), "10.0.0.5"], env=run_env, stdout=subprocess.PIPE,
                         text=True, timeout=30)
    assert out.stdout == "0 0 -\n"
