#!/usr/bin/python3
"""test_ab_open.py AB_OPEN DNSBLD LOADER ZONES - bench/ab_open.py on the
bundled zones: every round of every binary is reported and summed up; a
binary that exits, a zone that is never answered NOERROR, and a
folder that is no database are refused with a message and a nonzero exit.
"""

import os
import re
import subprocess
import sys
import tempfile

from checks import check, load_zones, status

ROUND = re.compile(r"^round (\d) (\S+): (\d+\.\d+) s \(user \d+\.\d+ s, system \d+\.\d+ s\)$")
SUMMARY = re.compile(r"^(\S+): median (\d+\.\d+) s \((\d+\.\d+)-(\d+\.\d+)\), user")


def ab_open(script, *args):
    return subprocess.run([sys.executable, script] + list(args), capture_output=True,
                          text=True, timeout=120)


def main():
    script, dnsbld, loader, zones = (os.path.abspath(a) for a in sys.argv[1:5])
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "db")
        load_zones(loader, zones, db)

        # The same binary twice: two binaries as far as the script knows.
        r = ab_open(script, "-r", "2", "--cpu", "0", "--zone", "zen.local", "--db", db, dnsbld,
                    dnsbld)
        check(r.returncode == 0, f"two rounds ran: {r.stdout} {r.stderr}")
        lines = r.stdout.splitlines()
        rounds = [ROUND.match(x) for x in lines[:4]]
        check(len(lines) == 6 and all(rounds), f"4 round lines and 2 summaries: {r.stdout}")
        check([m.group(1) for m in rounds if m] == ["1", "1", "2", "2"], "rounds alternate")
        secs = [float(m.group(3)) for m in rounds if m]
        check(all(0 < s < 60 for s in secs), f"start-up seconds plausible: {secs}")
        sums = [SUMMARY.match(x) for x in lines[4:]]
        check(all(sums) and len(sums) == 2, f"summaries: {lines[4:]}")
        check([m.group(1) for m in sums if m] == [dnsbld + "#1", dnsbld + "#2"],
              "a binary named twice is two columns")

        # A zone the data does not have is answered REFUSED, never NOERROR.
        r = ab_open(script, "-r", "1", "--cpu", "0", "--timeout", "1", "--zone", "nosuch.local",
                    "--db", db, dnsbld)
        check(r.returncode != 0 and "did not answer within 1.0 s" in r.stderr,
              f"an unanswered zone is reported: {r.returncode} {r.stderr}")

        # A binary that exits at once (the loader refuses --listen).
        r = ab_open(script, "-r", "1", "--cpu", "0", "--db", db, loader)
        check(r.returncode != 0 and "exited" in r.stderr,
              f"a binary that exits is reported: {r.returncode} {r.stderr}")

        r = ab_open(script, "--db", tmp, dnsbld)
        check(r.returncode == 2 and "not a database folder" in r.stderr,
              f"a folder that is no database: {r.returncode} {r.stderr}")
        r = ab_open(script, "-r", "0", "--db", db, dnsbld)
        check(r.returncode == 2 and "--rounds" in r.stderr, "zero rounds refused")
    return status()


if __name__ == "__main__":
    sys.exit(main())
