#!/usr/bin/python3
"""test_query_replay.py REPLAY LOADER ZONES - dnsbl-query-replay on the
bundled zones: the same list gives the same response hash every run, more
rounds replay the same responses (bytes scale, hash unchanged), a listed
and an unlisted address answer differently, and bad input is refused with
the file and line named.
"""

import os
import re
import subprocess
import sys
import tempfile

from checks import check, load_zones, status

LINE = re.compile(r"(\d+) queries x (\d+) rounds: (\d+) ns/query, (\d+) response bytes, "
                  r"hash ([0-9a-f]{16})")


def run(exe, *args):
    return subprocess.run([exe] + list(args), capture_output=True, text=True, timeout=120)


def replay(exe, db, qfile, rounds=1):
    r = run(exe, "--db", db, "--queries", qfile, "--rounds", str(rounds))
    m = LINE.search(r.stdout)
    check(r.returncode == 0 and m is not None, f"replay ran: {r.stdout} {r.stderr}")
    return m.groups() if m else ("0", "0", "0", "0", "")


def main():
    exe, loader, zones = (os.path.abspath(a) for a in sys.argv[1:4])
    with tempfile.TemporaryDirectory() as tmp:
        db = os.path.join(tmp, "db")
        load_zones(loader, zones, db)

        def qfile(name, lines):
            path = os.path.join(tmp, name)
            with open(path, "w") as f:
                f.write("".join(x + "\n" for x in lines))
            return path

        listed = qfile("listed", ["2.0.0.127.zen.local A", "2.0.0.127.zen.local TXT",
                                  "test.dbl.local A"])
        unlisted = qfile("unlisted", ["1.0.0.127.zen.local A", "1.0.0.127.zen.local TXT",
                                      "invalid.dbl.local A"])
        a, b = replay(exe, db, listed), replay(exe, db, listed)
        check(a[0] == "3" and a[4] == b[4] and a[3] == b[3], "same list, same responses")
        c = replay(exe, db, listed, rounds=4)
        check(c[4] == a[4] and int(c[3]) == 4 * int(a[3]), "rounds replay the same responses")
        d = replay(exe, db, unlisted)
        check(d[4] != a[4] and d[3] != a[3], "listed and unlisted answers differ")

        bad = qfile("bad", ["2.0.0.127.zen.local A", "x..y.zen.local A"])
        r = run(exe, "--db", db, "--queries", bad)
        check(r.returncode == 1 and "bad:2:" in r.stderr, "an empty label is refused at its line")
        bad = qfile("badtype", ["2.0.0.127.zen.local BOGUS"])
        r = run(exe, "--db", db, "--queries", bad)
        check(r.returncode == 1 and "badtype:1:" in r.stderr, "an unknown type is refused")
        r = run(exe, "--db", db, "--queries", qfile("empty", []))
        check(r.returncode == 1 and "no queries" in r.stderr, "an empty list is refused")
        r = run(exe, "--db", os.path.join(tmp, "nodb"), "--queries", listed)
        check(r.returncode == 1 and "nodb" in r.stderr, "a missing database is named")
        r = run(exe, "--db", db)
        check(r.returncode == 2 and "Usage" in r.stderr, "missing --queries: usage")
        r = run(exe, "--help")
        check(r.returncode == 0 and "callgrind" in r.stdout, "--help")
    return status()


if __name__ == "__main__":
    sys.exit(main())
