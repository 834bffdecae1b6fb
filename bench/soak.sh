#!/bin/sh
# bench/soak.sh - soak run (issue 6; not in CI): hours of mixed UDP load on
# one dnsbld with a refresh every minute that alternates between two data
# sets, sampling once a minute into a CSV: the server's RSS and open fds,
# the queries sent/answered/lost in that minute (dnsbl-bench, or dnsperf when
# dnsbl-bench is not built), the refresh's exit status and time, and the
# generation the server answers from.
#
# Usage: sh bench/soak.sh [-d DURATION] [-r QPS] [-s SCALE] [-b BUILD_DIR]
#                         [-o CSV] [-i SECONDS] [-t THREADS]
#   -d  total duration: seconds, or with a unit: 90s, 30m, 4h (default 4h)
#   -r  query rate, open loop (default 5000 qps: moderate, not capacity)
#   -s  gen_feed.py scale of each data set (default 0.05: ~140k entries)
#   -b  build directory with dnsd/dnsbld, loader/dnsbl-load and
#       bench/dnsbl-bench (default: the first of build, build-rel,
#       build-test that has dnsbld and dnsbl-load)
#   -o  CSV file (default soak-YYYYmmddTHHMMSSZ.csv in the current directory)
#   -i  sampling and refresh interval in seconds (default 60)
#   -t  dnsbld --threads (default: dnsbld's own default)
# Loopback only (127.0.0.1, a free port); every process started is killed on
# exit, and the work directory (data sets, database, logs) is removed
# unless KEEP=1. Exit status: 0 clean run; 1 the server died, a refresh
# failed, a query was lost, or a minute's answers were wrong; 2 usage.
#
# CSV columns: minute, utc, elapsed_s, data_set (A/B loaded this minute),
# loader_exit, loader_s, generation (answered by _dnsbl.<zone> TXT at the
# sample), rss_kib, fds, threads, sent, answered, lost, late, mismatched,
# servfail, p99_us, max_us, server_drops and client_drops (datagrams the
# kernel dropped in that interval because the server's or the load tool's
# receive buffer was full: they tell a stalled server from a slow client).
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)

DURATION=4h RATE=5000 SCALE=0.05 BUILD="" CSV="" INTERVAL=60 THREADS=""
while getopts d:r:s:b:o:i:t:h opt; do
	case $opt in
	d) DURATION=$OPTARG ;;
	r) RATE=$OPTARG ;;
	s) SCALE=$OPTARG ;;
	b) BUILD=$OPTARG ;;
	o) CSV=$OPTARG ;;
	i) INTERVAL=$OPTARG ;;
	t) THREADS=$OPTARG ;;
	h) sed -n '2,30p' "$0"; exit 0 ;;
	*) echo "usage: sh bench/soak.sh [-d DURATION] [-r QPS] [-s SCALE] [-b BUILD] [-o CSV] [-i S] [-t N]" >&2; exit 2 ;;
	esac
done

secs() {
	case $1 in
	*h) echo $((${1%h} * 3600)) ;;
	*m) echo $((${1%m} * 60)) ;;
	*s) echo "${1%s}" ;;
	*) echo "$1" ;;
	esac
}
TOTAL=$(secs "$DURATION") || { echo "bad duration $DURATION" >&2; exit 2; }
case $TOTAL$INTERVAL$RATE in *[!0-9]*) echo "duration, interval and rate are whole numbers" >&2; exit 2 ;; esac
[ "$INTERVAL" -ge 10 ] || { echo "interval must be at least 10 s" >&2; exit 2; }
[ "$TOTAL" -ge "$INTERVAL" ] || { echo "duration shorter than one interval" >&2; exit 2; }
MINUTES=$(((TOTAL + INTERVAL - 1) / INTERVAL))

if [ -z "$BUILD" ]; then
	for b in build build-rel build-test; do
		if [ -x "$b/dnsd/dnsbld" ] && [ -x "$b/loader/dnsbl-load" ]; then BUILD=$b; break; fi
	done
fi
[ -n "$BUILD" ] || { echo "no build directory with dnsbld and dnsbl-load (use -b)" >&2; exit 2; }
BUILD=$(cd "$BUILD" && pwd)
DNSBLD=$BUILD/dnsd/dnsbld LOADER=$BUILD/loader/dnsbl-load BENCH=$BUILD/bench/dnsbl-bench
for x in "$DNSBLD" "$LOADER"; do [ -x "$x" ] || { echo "missing $x" >&2; exit 2; }; done
if [ -x "$BENCH" ]; then TOOL=dnsbl-bench; elif command -v dnsperf >/dev/null; then TOOL=dnsperf; else
	echo "neither $BENCH nor dnsperf" >&2; exit 2; fi
[ -n "$CSV" ] || CSV=soak-$(date -u +%Y%m%dT%H%M%SZ).csv
PY=/usr/bin/python3

W=$(mktemp -d /tmp/dnsbl-soak-XXXXXX)
SERVER="" LOADPID=""
cleanup() {
	[ -z "$LOADPID" ] || kill "$LOADPID" 2>/dev/null || true
	[ -z "$SERVER" ] || kill "$SERVER" 2>/dev/null || true
	[ -z "$SERVER" ] || wait "$SERVER" 2>/dev/null || true
	if [ "${KEEP:-0}" = 1 ]; then echo "work directory kept: $W"; else rm -rf "$W"; fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM

echo "soak: $(git rev-parse --short HEAD 2>/dev/null || echo '?'); $(nproc) CPUs; build $BUILD;" \
	"$TOTAL s in $MINUTES intervals of $INTERVAL s; $RATE qps ($TOOL); scale $SCALE; $(date -u +%FT%TZ)"

# Two data sets of the same shape (seeds 1 and 2); the loader runs in one
# or the other, so every refresh changes every file (a full rebuild).
$PY bench/gen_feed.py --scale "$SCALE" --seed 1 --out "$W/A" >/dev/null
$PY bench/gen_feed.py --scale "$SCALE" --seed 2 --out "$W/B" >/dev/null
SPECS=$(grep -v '^[[:space:]]*#' "$W/A/zones.conf" | grep -v '^[[:space:]]*$' | tr '\n' ' ')
ZONE=$(echo "$SPECS" | awk '{split($1, a, ":"); print a[1]}')
(cd "$W/A" && "$LOADER" -q --db "$W/db" $SPECS)

# queries: both data sets' listed keys plus unlisted ones, in dnsperf format
if [ "$TOOL" = dnsbl-bench ]; then
	"$BENCH" --from-zones "@$W/A/zones.conf" --listed-share 0.3 --count 200000 --seed 1 \
		--write-queries "$W/qA.txt" >/dev/null 2>&1
	"$BENCH" --from-zones "@$W/B/zones.conf" --listed-share 0.3 --count 200000 --seed 2 \
		--write-queries "$W/qB.txt" >/dev/null 2>&1
	$PY - "$W/qA.txt" "$W/qB.txt" "$W/queries.txt" <<'PY'
import sys
a = open(sys.argv[1]).read().splitlines()
b = open(sys.argv[2]).read().splitlines()
with open(sys.argv[3], "w") as f:
    for x, y in zip(a, b):
        f.write(x + "\n" + y + "\n")
PY
else
	for z in $(echo "$SPECS" | tr ' ' '\n' | cut -d: -f1 | sort -u); do
		for i in $(seq 1 250); do echo "$((i % 250)).$((i * 7 % 256)).0.127.$z A"; done
	done >"$W/queries.txt"
fi

# dnsbld refuses root without --user; "--user root" keeps root for the soak
AS_ROOT=""; [ "$(id -u)" -ne 0 ] || AS_ROOT="--user root"
"$DNSBLD" --db "$W/db" --listen 127.0.0.1:0 $AS_ROOT ${THREADS:+--threads "$THREADS"} >"$W/dnsbld.log" 2>&1 &
SERVER=$!
PORT=""
for i in $(seq 1 200); do
	PORT=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$W/dnsbld.log" | head -1)
	[ -n "$PORT" ] && break
	kill -0 "$SERVER" 2>/dev/null || { cat "$W/dnsbld.log"; exit 1; }
	sleep 0.05
done
[ -n "$PORT" ] || { echo "dnsbld did not start"; cat "$W/dnsbld.log"; exit 1; }

gen() { dig @127.0.0.1 -p "$PORT" +short +tries=1 +time=2 "_dnsbl.$ZONE" TXT 2>/dev/null |
	tr ' ' '\n' | sed -n 's/^"generation=\([0-9]*\)"$/\1/p' | head -1; }
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null || echo 0; }
fds() { ls "/proc/$SERVER/fd" 2>/dev/null | wc -l; }
threads() { awk '/^Threads:/ {print $2}' "/proc/$SERVER/status" 2>/dev/null || echo 0; }
# Datagrams the kernel dropped (receive buffer full) on the server's sockets
# (local port PORT) and on the load tool's sockets (connected to PORT), from
# the drops column of /proc/net/udp: a loss with drops on the server side is
# the server falling behind (or stalled); on the client side, the tool.
drops() { awk -v p="$(printf '%04X' "$PORT")" 'NR > 1 {
	split($2, l, ":"); split($3, r, ":")
	if (l[2] == p) s += $NF; else if (r[2] == p) c += $NF
} END { printf "%d %d\n", s, c }' /proc/net/udp; }

echo "minute,utc,elapsed_s,data_set,loader_exit,loader_s,generation,rss_kib,fds,threads,sent,answered,lost,late,mismatched,servfail,p99_us,max_us,server_drops,client_drops" >"$CSV"
echo "soak: dnsbld pid $SERVER on 127.0.0.1:$PORT; generation $(gen); RSS $(rss) KiB; $(fds) fds; CSV $CSV"
START=$(date +%s)
FAIL=0 LOST=0 SENT=0 ANSWERED=0 REFRESH_FAIL=0
HALF=$((INTERVAL / 2))
DS=B
m=1
while [ "$m" -le "$MINUTES" ]; do
	set -- $(drops)
	d_srv=$1 d_cli=$2
	# the load for this interval, in the background
	if [ "$TOOL" = dnsbl-bench ]; then
		"$BENCH" --server "127.0.0.1:$PORT" --queries "$W/queries.txt" --rate "$RATE" \
			--duration "$INTERVAL" --timeout 2000 --json >"$W/load.json" 2>"$W/load.err" &
	else
		dnsperf -s 127.0.0.1 -p "$PORT" -d "$W/queries.txt" -Q "$RATE" -l "$INTERVAL" -t 2 \
			>"$W/load.txt" 2>&1 &
	fi
	LOADPID=$!
	# half-way: refresh from the other data set (a full rebuild under load)
	sleep "$HALF"
	t0=$(date +%s.%N)
	lrc=0
	(cd "$W/$DS" && "$LOADER" -q --db "$W/db" $SPECS) >>"$W/loader.log" 2>&1 || lrc=$?
	t1=$(date +%s.%N)
	[ "$lrc" -eq 0 ] || REFRESH_FAIL=$((REFRESH_FAIL + 1))
	wait "$LOADPID" || true
	LOADPID=""
	if ! kill -0 "$SERVER" 2>/dev/null; then
		echo "soak: dnsbld died in interval $m"; tail -20 "$W/dnsbld.log"; FAIL=1; break
	fi
	if [ "$TOOL" = dnsbl-bench ]; then
		stats=$($PY - "$W/load.json" <<'PY'
import json, sys
try:
    r = json.load(open(sys.argv[1]))
except Exception:
    print("0 0 -1 0 0 0 0 0"); sys.exit()
lat = r.get("latency_us") or {}
print(r["sent"], r["answered"], r["lost"], r["late"], r["mismatched"],
      r["rcodes"].get("SERVFAIL", 0), int(lat.get("p99", 0) or 0), int(lat.get("max", 0) or 0))
PY
)
	else
		stats=$($PY - "$W/load.txt" <<'PY'
import re, sys
t = open(sys.argv[1]).read()
def num(p):
    m = re.search(p, t)
    return int(m.group(1)) if m else -1
sf = num(r"SERVFAIL (\d+)")
print(num(r"Queries sent:\s+(\d+)"), num(r"Queries completed:\s+(\d+)"),
      num(r"Queries lost:\s+(\d+)"), 0, 0, max(sf, 0), 0, 0)
PY
)
	fi
	d=$(drops)
	set -- $stats $d
	now=$(date +%s)
	g=$(gen)
	printf '%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s\n' "$m" "$(date -u +%FT%TZ)" \
		"$((now - START))" "$DS" "$lrc" "$(printf '%.3f' "$(echo "$t1 - $t0" | bc)")" "${g:-?}" \
		"$(rss)" "$(fds)" "$(threads)" "$1" "$2" "$3" "$4" "$5" "$6" "$7" "$8" \
		"$(($9 - d_srv))" "$((${10} - d_cli))" >>"$CSV"
	tail -1 "$CSV"
	SENT=$((SENT + $1)) ANSWERED=$((ANSWERED + $2))
	[ "$3" -eq 0 ] || LOST=$((LOST + ${3#-}))
	[ "$5" -eq 0 ] && [ "$6" -eq 0 ] || FAIL=1
	[ "$DS" = A ] && DS=B || DS=A
	m=$((m + 1))
done

$PY - "$CSV" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1])))
if rows:
    rss = [int(r["rss_kib"]) for r in rows]
    fds = [int(r["fds"]) for r in rows]
    print(f"soak: {len(rows)} intervals; RSS first {rss[0]} KiB, last {rss[-1]} KiB, "
          f"max {max(rss)} KiB; fds first {fds[0]}, last {fds[-1]}, max {max(fds)}; "
          f"generations {rows[0]['generation']}..{rows[-1]['generation']}")
PY
echo "soak: sent $SENT, answered $ANSWERED, lost $LOST; refreshes failed $REFRESH_FAIL; CSV $CSV"
[ "$FAIL" -eq 0 ] && [ "$LOST" -eq 0 ] && [ "$REFRESH_FAIL" -eq 0 ] || exit 1
