#!/bin/sh
# bench/refresh_bench.sh - issue 3 figures at feed scale S (default 1):
#   - full refresh time of dnsbl-load vs rbldnsd's own load time (same files, same run)
#   - no-op refresh time
#   - maximum (and p99.9) query latency during refreshes under a fixed-rate load,
#     and the same load on the same server without refreshes right after (the peer)
# Usage: sh bench/refresh_bench.sh [BUILD_DIR] [SCALE] [RATE] [REFRESHES]
# The refreshes under load run the loader the way the README's cron line and
# zones/systemd/dnsbl-load.service do: at the lowest CPU and I/O priority
# (LOADER_PRIO, default "nice -n 19 ionice -c 3"; LOADER_PRIO= runs it at
# normal priority). The timed loads before run at normal priority.
# Loopback only; every server is killed on exit. Needs rbldnsd (Debian package).
set -eu
cd "$(dirname "$0")/.."
B="${1:-build}"
SCALE="${2:-1}"
RATE="${3:-50000}"
N="${4:-5}"
LOADER_PRIO="${LOADER_PRIO-nice -n 19 ionice -c 3}"
W=$(mktemp -d /tmp/dnsbl-refresh-bench-XXXXXX)
PIDS=""
cleanup() { for p in $PIDS; do kill "$p" 2>/dev/null || true; done; rm -rf "$W"; }
trap cleanup EXIT INT TERM
now() { date +%s.%N; }
port() { /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
answers() { dig @127.0.0.1 -p "$1" +short +tries=1 +time=1 2.0.0.127.zen.bench 2>/dev/null | grep -q 127.0.0; }

echo "commit $(git rev-parse --short HEAD); $(nproc) CPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'); scale $SCALE; $(date -u +%FT%TZ)"
# machine state: other users' load moves these figures more than anything
idle() { awk '/^cpu / {print $5 + $6, $2 + $3 + $4 + $5 + $6 + $7 + $8 + $9}' /proc/stat; }
i0=$(idle); sleep 1; i1=$(idle)
echo "loadavg $(cut -d' ' -f1-3 /proc/loadavg); idle in the second before: $(echo "$i0 $i1" | awk '{printf "%.0f%%", 100 * ($3 - $1) / ($4 - $2)}')"
/usr/bin/python3 bench/gen_feed.py --scale "$SCALE" --seed 1 --out "$W/feed" >/dev/null
chmod -R a+rX "$W"
SPECS=$(grep -v '^[[:space:]]*#' "$W/feed/zones.conf" | grep -v '^[[:space:]]*$')
cd "$W/feed"

# rbldnsd: time from start until it answers (it loads before serving)
P=$(port)
t0=$(now)
rbldnsd -n -a -u nobody -b "127.0.0.1/$P" -w "$W/feed" $SPECS >"$W/rbldnsd.log" 2>&1 &
PIDS="$PIDS $!"
i=0; until answers "$P"; do i=$((i + 1)); [ $i -lt 600 ] || { echo "rbldnsd did not answer"; exit 1; }; sleep 0.05; done
t1=$(now)
RBL_LOAD=$(echo "$t1 - $t0" | bc)
RBL_RSS=$(awk '/VmRSS/ {print $2}' /proc/$(echo $PIDS | awk '{print $1}')/status)
kill $(echo $PIDS | awk '{print $1}'); PIDS=""

t0=$(now); "$OLDPWD/$B/loader/dnsbl-load" -q --db "$W/db" $SPECS; t1=$(now)
FULL=$(echo "$t1 - $t0" | bc)
t0=$(now); "$OLDPWD/$B/loader/dnsbl-load" -q --db "$W/db" $SPECS; t1=$(now)
NOOP=$(echo "$t1 - $t0" | bc)
t0=$(now); "$OLDPWD/$B/loader/dnsbl-load" -q --rebuild --db "$W/db" $SPECS; t1=$(now)
REBUILD=$(echo "$t1 - $t0" | bc)
DBSIZE=$(stat -L -c %s "$W/db/current")

P=$(port)
# dnsbld refuses root without --user; "--user root" keeps root for the bench
AS_ROOT=""; [ "$(id -u)" -ne 0 ] || AS_ROOT="--user root"
"$OLDPWD/$B/dnsd/dnsbld" --db "$W/db" --listen "127.0.0.1:$P" $AS_ROOT 2>"$W/dnsbld.log" &
PIDS="$PIDS $!"
i=0; until answers "$P"; do i=$((i + 1)); [ $i -lt 200 ] || { echo "dnsbld did not answer"; exit 1; }; sleep 0.05; done
DUR=$((N * 6 + 4))
"$OLDPWD/$B/bench/dnsbl-bench" --server "127.0.0.1:$P" --from-zones "@$W/feed/zones.conf" \
	--rate "$RATE" --duration "$DUR" --timeout 2000 --json >"$W/load.json" &
BENCH=$!
sleep 2
for r in $(seq 1 "$N"); do
	# a real data change: touch a file so its zone is rebuilt, plus --rebuild for all
	touch "$W/feed/xbl"
	$LOADER_PRIO "$OLDPWD/$B/loader/dnsbl-load" -q --rebuild --db "$W/db" $SPECS
	sleep 5
done
wait $BENCH
# The peer for the latency figures: the same server and load, no refresh.
BASE_DUR=12
"$OLDPWD/$B/bench/dnsbl-bench" --server "127.0.0.1:$P" --from-zones "@$W/feed/zones.conf" \
	--rate "$RATE" --duration "$BASE_DUR" --timeout 2000 --json >"$W/base.json"
LOADER_PRIO="$LOADER_PRIO" /usr/bin/python3 - "$W/load.json" "$RBL_LOAD" "$FULL" "$NOOP" "$REBUILD" "$DBSIZE" "$RBL_RSS" "$N" "$RATE" "$W/base.json" "$BASE_DUR" <<'PY'
import json, os, sys
j = json.load(open(sys.argv[1]))
rbl, full, noop, rebuild, dbsize, rss, n, rate, base, base_dur = sys.argv[2:]
lat = j.get("latency_us") or j.get("latency") or {}
def g(k):
    for key in (k, k.replace("p", "p_"), k + "_us"):
        if key in lat:
            return lat[key]
    return None
print(f"rbldnsd load (start -> first answer): {float(rbl):.2f} s, RSS {int(rss)/1024:.0f} MiB")
print(f"dnsbl-load full refresh:             {float(full):.2f} s  ({float(full)/float(rbl):.2f}x rbldnsd)")
print(f"dnsbl-load --rebuild (all zones):    {float(rebuild):.2f} s")
print(f"dnsbl-load no-op refresh:            {float(noop):.3f} s")
print(f"database file:                       {int(dbsize)/2**20:.0f} MiB")
print(f"loader priority during the refreshes: {os.environ.get('LOADER_PRIO') or 'normal'}")
print(f"load during {n} refreshes at {rate} qps: sent {j.get('sent')}, answered {j.get('answered')}, lost {j.get('lost')}, late {j.get('late')}")
print(f"latency: {json.dumps(lat)}")
b = json.load(open(base))
blat = b.get("latency_us") or b.get("latency") or {}
print(f"same load, no refresh ({base_dur} s): sent {b.get('sent')}, answered {b.get('answered')}, lost {b.get('lost')}")
print(f"latency without refresh: {json.dumps(blat)}")
PY
