"""The loader's safety gates (behaviour.md section 5, dnsbl-load --help).

A zone whose new files cannot be trusted is refused: the loader exits 1,
names the file (and line) or the zone and the reason on stderr, and the
data served for that zone stays the last good data, while the other zones
of the same run are still updated. An expired $TIMESTAMP makes only that
zone answer SERVFAIL. A run where nothing changed writes nothing.
"""

import os
import re
import signal
import subprocess
import time

import pytest

from conftest import (listed, load_ok, nx, program, published_gen, run_load, soa, ts,
                      wait_for, with_cksum, write_atomic, current)

N_BL = 100  # entries in the good bl file


def bl_text(n=N_BL, extra="", head=""):
    body = "".join(f"10.0.{i >> 8}.{i & 255}\n" for i in range(1, n + 1))
    return head + soa("bl.test") + ":127.0.0.2:Listed $\n" + body + extra


def dbl_text(extra=""):
    return soa("dbl.test") + ":127.0.0.3:Domain $\nexample.com\nexample.net\n" + extra


GOOD = {
    ("1.0.0.10.bl.test", "A"): listed(("A", "127.0.0.2")),
    ("1.0.0.10.bl.test", "TXT"): listed(("TXT", "Listed 10.0.0.1")),
    (f"{N_BL}.0.0.10.bl.test", "A"): listed(("A", "127.0.0.2")),
    ("9.9.9.10.bl.test", "A"): nx(),
    ("example.com.dbl.test", "A"): listed(("A", "127.0.0.3")),
    ("new.example.dbl.test", "A"): nx(),
}


class Env:
    def __init__(self, tmp_path, dnsbld):
        self.zdir = tmp_path / "zones"
        self.zdir.mkdir()
        self.db = tmp_path / "db"
        self.bl = self.zdir / "bl"
        self.dbl = self.zdir / "dbl"
        write_atomic(self.bl, bl_text())
        write_atomic(self.dbl, dbl_text())
        self.specs = [f"bl.test:ip4set:{self.bl}", f"dbl.test:dnset:{self.dbl}"]
        load_ok(self.db, self.specs)
        self.srv = dnsbld(self.db)
        assert self.answers() == GOOD

    def answers(self, probes=GOOD):
        return self.srv.sigs(probes)

    def load(self, *opts, **kw):
        return run_load(self.db, self.specs, *opts, **kw)

    def settle(self):
        """Wait until dnsbld serves whatever DIR/current points to now."""
        tgt = current(self.db)
        gen = int(re.match(r"gen-(\d+)\.mdb", tgt).group(1))
        took = wait_for(lambda: gen in self.srv.generations_loaded(), 3.0, step=0.02)
        assert took is not None, f"dnsbld did not load {tgt}:\n{self.srv.log_text()}"


@pytest.fixture
def env(tmp_path, dnsbld):
    return Env(tmp_path, dnsbld)


def assert_refused(p, *words):
    """Exit 1 and every word on stderr."""
    assert p.returncode == 1, f"exit {p.returncode}, want 1:\n{p.stderr}"
    for w in words:
        assert w in p.stderr, f"stderr does not name {w!r}:\n{p.stderr}"


# ---- CKSUM ----

def test_cksum_good_trailer_is_accepted(env):
    write_atomic(env.bl, with_cksum(bl_text(extra="10.9.9.9\n")))
    p = env.load()
    assert p.returncode == 0, p.stderr
    env.settle()
    assert env.srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2"))


@pytest.mark.parametrize("trailer", ["wrong-crc", "not-a-number"])
def test_cksum_mismatch_refused_old_data_kept(env, trailer):
    text = bl_text(n=N_BL, extra="10.9.9.9\n")
    bad = with_cksum(text, crc=12345 if trailer == "wrong-crc" else "x1y2")
    write_atomic(env.bl, bad)
    lineno = bad.count("\n")  # the trailer is the last line
    p = env.load()
    assert_refused(p, f"{env.bl}:{lineno}:", "CKSUM", "zone bl.test", "previous data kept")
    if trailer == "wrong-crc":
        assert "CKSUM mismatch" in p.stderr
    env.settle()
    assert env.answers() == GOOD  # 10.9.9.9 not listed: the old data
    # --force overrides the shrink gate only, never a failed verification
    assert_refused(env.load("--force", "--rebuild"), f"{env.bl}:{lineno}:", "CKSUM")
    env.settle()
    assert env.answers() == GOOD
    # the next good file is accepted (the refusal did not stick)
    write_atomic(env.bl, with_cksum(text))
    p = env.load()
    assert p.returncode == 0, p.stderr
    env.settle()
    assert env.srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2"))


def test_cksum_of_data_modified_after_signing_refused(env):
    """A trailer that was right for the file before one line changed."""
    signed = with_cksum(bl_text())
    tampered = signed.replace("10.0.0.1\n", "10.0.0.11\n", 1)
    assert tampered != signed
    write_atomic(env.bl, tampered)
    assert_refused(env.load(), str(env.bl), "CKSUM mismatch", "zone bl.test")
    env.settle()
    assert env.answers() == GOOD


# ---- shrink gate ----

def test_shrink_gate_refuses_then_force_accepts(env):
    write_atomic(env.bl, bl_text(n=10))  # 100 -> 10 entries: -90 %
    p = env.load()
    assert_refused(p, "zone bl.test", "100", "10", "--max-shrink", "previous data kept")
    env.settle()
    assert env.answers() == GOOD  # entry 100 is still listed
    # repeating the run does not wear the gate down
    assert_refused(env.load(), "zone bl.test", "--max-shrink")
    p = env.load("--force")
    assert p.returncode == 0, p.stderr
    env.settle()
    assert env.srv.sig(f"{N_BL}.0.0.10.bl.test") == nx()
    assert env.srv.sig("1.0.0.10.bl.test") == listed(("A", "127.0.0.2"))


def test_refused_only_run_publishes_nothing(env):
    """A run whose only change is a refused zone leaves the live generation as
    it is: a feed stuck on a bad file must not rewrite the database every
    cron minute."""
    before = current(env.db)
    files = sorted(os.listdir(env.db))
    write_atomic(env.bl, bl_text(n=10))  # refused by the shrink gate
    p = env.load()
    assert_refused(p, "zone bl.test", "--max-shrink")
    assert "nothing new to publish" in p.stderr, p.stderr
    assert current(env.db) == before
    assert sorted(os.listdir(env.db)) == files


def test_publish_keeps_previous_live_generation(env):
    """After a loader killed between writing and publishing left a higher,
    never-published file, the next run keeps the generation that was live
    (the rollback candidate), not the orphan."""
    live = current(env.db)
    write_atomic(env.dbl, dbl_text(extra="orphan.example\n"))
    p = env.load(env={"DNSBL_FAULT": "before-publish"})
    assert p.returncode == -signal.SIGKILL
    assert current(env.db) == live
    write_atomic(env.dbl, dbl_text(extra="final.example\n"))
    load_ok(env.db, env.specs)
    gens = sorted(f for f in os.listdir(env.db) if f.endswith(".mdb"))
    assert live in gens, gens
    assert current(env.db) in gens
    assert len(gens) == 2, gens  # --keep 1: the new one and the previous live one


def test_shrink_within_limit_accepted_and_max_shrink_option(env):
    write_atomic(env.bl, bl_text(n=80))  # -20 %: within the default 50 %
    p = env.load("--max-shrink", "10")
    assert_refused(p, "zone bl.test", "--max-shrink 10%")
    env.settle()
    assert env.answers() == GOOD
    p = env.load()
    assert p.returncode == 0, p.stderr
    env.settle()
    assert env.srv.sig(f"{N_BL}.0.0.10.bl.test") == nx()
    assert env.srv.sig("80.0.0.10.bl.test") == listed(("A", "127.0.0.2"))


def test_empty_feed_file_refused(env):
    write_atomic(env.bl, "")
    assert_refused(env.load(), "zone bl.test", "--max-shrink")
    env.settle()
    assert env.answers() == GOOD


# ---- $TIMESTAMP ----

def test_timestamp_in_future_refused(env):
    text = bl_text(extra="10.9.9.9\n", head=f"$TIMESTAMP {ts(time.time() + 86400)}\n")
    write_atomic(env.bl, text)
    p = env.load()
    assert_refused(p, f"{env.bl}:1:", "future", "zone bl.test", "previous data kept")
    env.settle()
    assert env.answers() == GOOD
    assert_refused(env.load("--force"), "future", "zone bl.test")
    env.settle()
    assert env.answers() == GOOD
    # a timestamp in the past is fine
    write_atomic(env.bl, bl_text(extra="10.9.9.9\n", head=f"$TIMESTAMP {ts(time.time() - 60)}\n"))
    assert env.load().returncode == 0
    env.settle()
    assert env.srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2"))


def test_expired_timestamp_servfail_for_that_zone_only(env):
    now = time.time()
    write_atomic(env.bl, bl_text(head=f"$TIMESTAMP {ts(now - 7200)} {ts(now - 3600)}\n"))
    p = env.load()
    assert p.returncode == 0, p.stderr  # loaded, but expired data is not served
    env.settle()
    for q in ("1.0.0.10.bl.test", "9.9.9.10.bl.test"):
        assert env.srv.sig(q)[0] == "SERVFAIL", q
    assert env.srv.sig("example.com.dbl.test") == listed(("A", "127.0.0.3"))
    assert env.srv.sig("new.example.dbl.test") == nx()


def test_timestamp_expires_while_served(env):
    """Expiry is checked at query time: no reload needed to start SERVFAIL."""
    stamp = int(time.time()) - 1
    write_atomic(env.bl, bl_text(head=f"$TIMESTAMP {ts(stamp)} +6s\n"))
    p = env.load()
    assert p.returncode == 0, p.stderr
    env.settle()
    if time.time() < stamp + 5:  # still valid (unless this host is very slow)
        assert env.srv.sig("1.0.0.10.bl.test") == listed(("A", "127.0.0.2"))
    took = wait_for(lambda: env.srv.sig("1.0.0.10.bl.test")[0] == "SERVFAIL", 10.0, step=0.1)
    assert took is not None, "the zone did not start answering SERVFAIL after its expiry"
    assert time.time() >= stamp + 6 - 0.01
    assert env.srv.sig("example.com.dbl.test") == listed(("A", "127.0.0.3"))


# ---- file changed while being read ----

def fd_of(pid, path):
    """(fd, pos) of pid's descriptor open on path, or None."""
    try:
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                if os.readlink(f"/proc/{pid}/fd/{fd}") == path:
                    with open(f"/proc/{pid}/fdinfo/{fd}") as f:
                        pos = int(re.search(r"pos:\s*(\d+)", f.read()).group(1))
                    return int(fd), pos
            except (FileNotFoundError, ProcessLookupError):
                continue
    except (FileNotFoundError, ProcessLookupError):
        pass
    return None


def test_file_changed_while_read_refused(env, procs):
    """Deterministic: the loader is stopped (SIGSTOP) while it is part-way
    through the file (its descriptor's offset is checked), the file is
    appended to in place, and the loader continued. Retried when the stop
    missed the reading window."""
    big = env.zdir / "big"
    # ~1M entries (~14 MB): parsing takes a few hundred ms, a wide window
    lines = [soa("bl.test"), ":127.0.0.2:Listed $\n"]
    lines += [f"10.{i >> 16 & 255}.{i >> 8 & 255}.{i & 255}\n" for i in range(0, 1 << 20)]
    write_atomic(big, "".join(lines))
    size0 = big.stat().st_size
    specs = [f"bl.test:ip4set:{big}", f"dbl.test:dnset:{env.dbl}"]
    env_vars = dict(os.environ)
    env_vars.pop("DNSBL_FAULT", None)
    done, outcomes = None, []
    for attempt in range(6):
        p = subprocess.Popen([program("DNSBL_LOAD"), "--db", str(env.db)] + specs,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             env=env_vars)
        procs.append(p)
        hit = None
        deadline = time.monotonic() + 20
        while p.poll() is None and time.monotonic() < deadline:
            r = fd_of(p.pid, str(big))
            if r and r[1] > 0:
                os.kill(p.pid, signal.SIGSTOP)
                r = fd_of(p.pid, str(big))  # offset now that it is stopped
                if r and 0 < r[1] < os.path.getsize(big):
                    hit = r[1]
                    with open(big, "a") as f:  # in place, as a careless feed writer does
                        f.write("# appended while the loader reads\n10.255.255.1\n")
                os.kill(p.pid, signal.SIGCONT)
                break
            time.sleep(0.0005)
        out, err = p.communicate(timeout=120)
        outcomes.append((hit, p.returncode))
        if hit is not None:
            done = (p.returncode, err)
            break
        # missed the window: put the original file back (a new inode) and retry
        write_atomic(big, "".join(lines))
        assert big.stat().st_size == size0
        if p.returncode == 0:  # it loaded the big file: start again from the good data
            write_atomic(env.bl, bl_text())
            load_ok(env.db, env.specs, "--force")
    if done is None:
        pytest.skip(f"could not stop the loader part-way through the file in "
                    f"{len(outcomes)} attempts: {outcomes}")
    rc, err = done
    print(f"attempts {outcomes}, appended at offset {hit} of {size0}")
    assert rc == 1, f"exit {rc}, want 1 (offset {hit} of {size0} when appended):\n{err}"
    assert str(big) in err and "changed while being read" in err and "zone bl.test" in err, err
    env.settle()
    assert env.answers() == GOOD
    assert env.srv.sig("1.255.255.10.bl.test") == nx()


# ---- one zone refused, the others updated ----

def test_refused_zone_does_not_block_other_zone(env):
    write_atomic(env.bl, with_cksum(bl_text(extra="10.9.9.9\n"), crc=1))
    write_atomic(env.dbl, dbl_text(extra="new.example\n"))
    p = env.load()
    assert_refused(p, str(env.bl), "CKSUM", "zone bl.test")
    assert "dbl.test" in p.stderr and "rebuilt" in p.stderr, p.stderr
    assert published_gen(p.stderr) is not None, p.stderr
    env.settle()
    want = dict(GOOD)
    want[("new.example.dbl.test", "A")] = listed(("A", "127.0.0.3"))
    assert env.answers(want) == want
    # and the other way round: a refused dnset, an updated ip4set
    write_atomic(env.bl, bl_text(extra="10.9.9.9\n"))
    write_atomic(env.dbl, dbl_text(f"$TIMESTAMP {ts(time.time() + 86400)}\nlater.example\n"))
    p = env.load()
    assert_refused(p, str(env.dbl), "future", "zone dbl.test")
    env.settle()
    assert env.srv.sig("9.9.9.10.bl.test") == listed(("A", "127.0.0.2"))
    assert env.srv.sig("new.example.dbl.test") == listed(("A", "127.0.0.3"))
    assert env.srv.sig("later.example.dbl.test") == nx()


def test_new_zone_refused_is_servfail_others_published(env):
    """A zone refused with no previous data answers SERVFAIL, not REFUSED
    or stale data; the rest of the run is published."""
    bad = env.zdir / "xbl"
    write_atomic(bad, with_cksum("127.0.0.2\n", crc=7))
    write_atomic(env.dbl, dbl_text(extra="new.example\n"))
    p = run_load(env.db, env.specs + [f"xbl.test:ip4set:{bad}"])
    assert_refused(p, str(bad), "zone xbl.test", "SERVFAIL")
    env.settle()
    assert env.srv.sig("2.0.0.127.xbl.test")[0] == "SERVFAIL"
    assert env.srv.sig("new.example.dbl.test") == listed(("A", "127.0.0.3"))
    assert env.answers({k: v for k, v in GOOD.items() if "new.example" not in k[0]}) == \
        {k: v for k, v in GOOD.items() if "new.example" not in k[0]}
    # refused again on the next run: still SERVFAIL (no stale or empty data)
    assert_refused(run_load(env.db, env.specs + [f"xbl.test:ip4set:{bad}"]), str(bad), "CKSUM")
    env.settle()
    assert env.srv.sig("2.0.0.127.xbl.test")[0] == "SERVFAIL"
    # a good file: served
    write_atomic(bad, with_cksum("127.0.0.2\n"))
    assert run_load(env.db, env.specs + [f"xbl.test:ip4set:{bad}"]).returncode == 0
    env.settle()
    assert env.srv.sig("2.0.0.127.xbl.test") == listed(("A", "127.0.0.2"))


# ---- no-op ----

def test_noop_run_writes_nothing_and_is_fast(env):
    before = current(env.db)
    listing = sorted((e.name, e.stat(follow_symlinks=False).st_ino,
                      e.stat(follow_symlinks=False).st_mtime_ns) for e in os.scandir(env.db))
    loaded = env.srv.generations_loaded()
    t0 = time.monotonic()
    p = env.load()
    took = time.monotonic() - t0
    assert p.returncode == 0, p.stderr
    assert "no input changed" in p.stderr, p.stderr
    assert published_gen(p.stderr) is None, p.stderr
    assert took < 1.0, f"a no-op run took {took:.2f} s"
    assert current(env.db) == before
    after = sorted((e.name, e.stat(follow_symlinks=False).st_ino,
                    e.stat(follow_symlinks=False).st_mtime_ns) for e in os.scandir(env.db))
    # .lock is opened but its inode and mtime do not change either
    assert after == listing
    time.sleep(1.2)  # one server check interval: nothing new to load
    assert env.srv.generations_loaded() == loaded
    assert env.answers() == GOOD
    # a file replaced with identical content is an input change (new inode)
    write_atomic(env.bl, bl_text())
    p = env.load()
    assert p.returncode == 0 and published_gen(p.stderr) is not None, p.stderr
    assert "zone dbl.test.: unchanged" in p.stderr, p.stderr
    assert current(env.db) != before


def test_published_line_splits_the_time(tmp_path):
    """The published line says where the time went: parse, the address key
    spaces, the name key spaces and the final write and sync, which add up
    to no more than the total (a phase timed twice, or over another, would
    exceed it). 600k intervals make the address phase measurable."""
    bl, dbl = tmp_path / "bl", tmp_path / "dbl"
    # every other address: 600k intervals that do not coalesce
    body = "".join(f"10.{i >> 16}.{(i >> 8) & 255}.{i & 255}\n" for i in range(2, 1200002, 2))
    write_atomic(bl, soa("bl.test") + ":127.0.0.2:Listed $\n" + body)
    write_atomic(dbl, dbl_text())
    p = run_load(tmp_path / "db", [f"bl.test:ip4set:{bl}", f"dbl.test:dnset:{dbl}"])
    assert p.returncode == 0, p.stderr
    m = re.search(r"parse ([\d.]+) s, addresses ([\d.]+) s, names ([\d.]+) s, "
                  r"write and sync ([\d.]+) s, total ([\d.]+) s", p.stderr)
    assert m, p.stderr
    parse, addr, names, finish, total = (float(x) for x in m.groups())
    assert addr > 0 and parse > 0, p.stderr
    # each figure is rounded to 0.01 s
    assert parse + addr + names + finish <= total + 0.02, p.stderr


# ---- zones parsed at their turn in the build ----

def test_zone_parsed_in_turn_gives_glue_and_shared_file_serves_both(tmp_path, dnsbld):
    """dnsbl-load parses a zone whose files no other zone reads only when the
    build reaches it (its data is not resident while the zones before it are
    built); a file that two zones read is parsed before the build. The zone
    records come last: bl.test's NS glue is in hosts.test, built after it,
    and the address entries of the file that bl.test and xbl.test share are
    still there for xbl.test (built after bl.test). A zone parsed at its turn
    gives its datasets back once built, except those with ordinary records
    (hosts.test's, the glue); twice.test names one file twice (one dataset,
    freed once: ASan in CI)."""
    import dns.message
    import dns.query
    z = tmp_path / "zones"
    z.mkdir()
    bl, hosts, tw = z / "bl", z / "hosts", z / "tw"
    write_atomic(bl, "$SOA 3600 ns1.hosts.test. hostmaster.bl.test. 1 3600 600 86400 300\n"
                     "$NS 3600 ns1.hosts.test.\n:127.0.0.2:Listed $\n10.0.0.1\n10.0.0.0/24\n")
    write_atomic(hosts, soa("hosts.test") + "ns1 3600 A 192.0.2.53\n")
    write_atomic(tw, ":127.0.0.3:Twice\n192.0.2.0/24\n")
    specs = [f"bl.test:ip4set:{bl}", f"twice.test:ip4set:{tw}", f"twice.test:ip4set:{tw}",
             f"xbl.test:ip4set:{bl}", f"hosts.test:generic:{hosts}"]
    p = load_ok(tmp_path / "db", specs)
    # each zone reported once; the deferred one after the build started is still reported
    for zone in ("bl.test", "twice.test", "xbl.test", "hosts.test"):
        assert len(re.findall(rf"zone {zone}\.: rebuilt", p.stderr)) == 1, p.stderr
    srv = dnsbld(tmp_path / "db", "--ns-in-auth")  # glue is sent with NS only then
    for zone in ("bl.test", "xbl.test"):
        assert srv.sig(f"1.0.0.10.{zone}") == listed(("A", "127.0.0.2")), zone
        assert srv.sig(f"7.0.0.10.{zone}") == listed(("A", "127.0.0.2")), zone
        assert srv.sig(f"1.1.0.10.{zone}") == nx(), zone
    assert srv.sig("ns1.hosts.test") == listed(("A", "192.0.2.53"))
    assert srv.sig("9.2.0.192.twice.test") == listed(("A", "127.0.0.3"))
    r = dns.query.udp(dns.message.make_query("bl.test", "NS"), "127.0.0.1", port=srv.port,
                      timeout=2.0)
    glue = [(rr.name.to_text(), rd.to_text()) for rr in r.additional for rd in rr]
    assert ("ns1.hosts.test.", "192.0.2.53") in glue, r.to_text()
