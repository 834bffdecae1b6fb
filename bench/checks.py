"""checks.py - the soft assertions of bench/'s Python tests.

Every check runs (a failure does not stop the test, so one run shows all
that is wrong), each failure is printed, and status() gives the exit
status. The tests run as scripts, so their folder (bench/) is on the
import path.
"""

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
