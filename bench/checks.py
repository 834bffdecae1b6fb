"""checks.py - the soft assertions of bench/'s Python tests, and the
bundled zones loaded into a database for the tests that serve them.

Every check runs (a failure does not stop the test, so one run shows all
that is wrong), each failure is printed, and status() gives the exit
status. The tests run as scripts, so their folder (bench/) is on the
import path.
"""

import os
import subprocess

failures = []


def check(cond, msg):
    """Record and print a failure when cond is false; returns cond."""
    if not cond:
        failures.append(msg)
        print("FAIL:", msg)
    return cond


def status(prefix=""):
    """Print the count of failures; the test's exit status (0: none)."""
    print("%s%d failure(s)" % (prefix, len(failures)))
    return 1 if failures else 0


def load_zones(loader, zones, db):
    """Load the zones of zones/zones.conf (folder zones) into database
    folder db with dnsbl-load (loader); a failure is a check failure."""
    specs = [ln.strip() for ln in open(os.path.join(zones, "zones.conf"))
             if ln.strip() and not ln.startswith("#")]
    r = subprocess.run([loader, "--db", db] + specs, cwd=zones, capture_output=True, text=True,
                       timeout=120)
    return check(r.returncode == 0, "dnsbl-load of the bundled zones: " + r.stderr)
