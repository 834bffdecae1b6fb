"""The systemd units in zones/systemd: systemd-analyze verify accepts them
(with ExecStart pointing at the built programs), and the service keeps the
notify/watchdog/hardening settings dnsbld is documented with."""

import re
import shutil
import subprocess

import pytest

from conftest import program, SRC

UNITS = ["dnsbld.service", "dnsbl-load.service", "dnsbl-load.timer"]


def verify_works(tmp):
    """None when systemd-analyze verify accepts a trivial unit here, else why not."""
    if not shutil.which("systemd-analyze"):
        return "systemd-analyze is not installed"
    probe = tmp / "probe.service"
    probe.write_text("[Service]\nType=oneshot\nExecStart=/bin/true\n")
    p = verify([str(probe)])
    if p.returncode != 0 or p.stdout.strip():
        return f"systemd-analyze verify does not work here: {p.stdout.strip()}"
    return None


def copy_units(dst, mangle=None):
    for u in UNITS:
        text = (SRC / "zones" / "systemd" / u).read_text()
        text = text.replace("/usr/local/sbin/dnsbld", program("DNSBLD"))
        text = text.replace("/usr/local/bin/dnsbl-load", program("DNSBL_LOAD"))
        if mangle:
            text = mangle(u, text)
        (dst / u).write_text(text)
    return [str(dst / u) for u in UNITS]


def verify(paths):
    return subprocess.run(["systemd-analyze", "verify", "--man=no"] + paths,
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                          timeout=60)


def test_units_verify(tmp_path):
    why = verify_works(tmp_path)
    if why:
        pytest.skip(why)
    p = verify(copy_units(tmp_path))
    assert p.returncode == 0 and p.stdout.strip() == "", p.stdout
    # the check can fail: a broken directive is reported
    bad = tmp_path / "bad"
    bad.mkdir()
    p = verify(copy_units(bad, lambda u, t: t.replace("Type=notify", "Type=notifyy")))
    assert "notifyy" in p.stdout, p.stdout


def test_service_settings():
    text = (SRC / "zones" / "systemd" / "dnsbld.service").read_text()
    keys = dict(re.findall(r"^(\w+)=(.*)$", text, re.M))
    assert keys["Type"] == "notify" and keys["WatchdogSec"]
    for k, v in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                 ("ProtectHome", "yes"), ("PrivateTmp", "yes"),
                 ("AmbientCapabilities", "CAP_NET_BIND_SERVICE"),
                 ("CapabilityBoundingSet", "CAP_NET_BIND_SERVICE"),
                 ("RestrictAddressFamilies", "AF_UNIX AF_INET AF_INET6"),
                 ("ReadOnlyPaths", "/var/lib/dnsbl")]:
        assert keys.get(k) == v, k
    assert "SystemCallFilter=@system-service" in text
    assert "ExecReload=/bin/kill -HUP $MAINPID" in text
    timer = (SRC / "zones" / "systemd" / "dnsbl-load.timer").read_text()
    assert "OnUnitActiveSec=1min" in timer
