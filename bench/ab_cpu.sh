#!/bin/sh
# ab_cpu.sh - server CPU time per answered query, for A/B comparisons of
# dnsbld builds in alternating runs (bench/RESULTS.md, run 9).
#
# Usage: sh bench/ab_cpu.sh [-r ROUNDS] [-l SECONDS] [-m dnsperf|bench] [-q QUERIES]
#                           [-b BENCH] -d DB -Q RATE DNSBLD [DNSBLD ...]
#
# Each round starts every DNSBLD binary in turn on 127.0.0.1 (a free port,
# one UDP thread, pinned to CPU 1), loads it at a fixed RATE for SECONDS
# from CPU 0 (dnsperf -Q, or dnsbl-bench --rate with -m bench), and prints
# the server's user+system CPU time (from /proc/PID/stat) per answered query
# in microseconds. Alternating binaries within a round is what makes the
# figures comparable on a shared machine. Loopback only; every load is
# bounded by SECONDS.
set -eu

rounds=5 secs=10 mode=dnsperf db='' rate='' queries='' bench=''
usage() { sed -n '5,6p' "$0" | sed 's/^# //' >&2; }
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
while getopts r:l:m:q:b:d:Q: o; do
	case $o in
	r) rounds=$OPTARG ;;
	l) secs=$OPTARG ;;
	m) mode=$OPTARG ;;
	q) queries=$OPTARG ;;
	b) bench=$OPTARG ;;
	d) db=$OPTARG ;;
	Q) rate=$OPTARG ;;
	*) usage; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$db" ] || [ -z "$rate" ] || [ $# -eq 0 ]; then
	usage
	exit 2
fi
: "${queries:=$(dirname "$db")/queries-1.txt}"
: "${bench:=$(dirname "$0")/../build-perf/bench/dnsbl-bench}"
case $mode in dnsperf | bench) ;; *) echo "ab_cpu.sh: -m dnsperf or bench" >&2; exit 2 ;; esac
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
hz=$(getconf CLK_TCK)

free_port() {
	python3 -c 'import socket; s=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

one() { # binary
	port=$(free_port)
	taskset -c 1 "$1" --db "$db" --listen "127.0.0.1:$port" --threads 1 --user root \
		>"$tmp/server.log" 2>&1 &
	pid=$!
	for _ in $(seq 1 100); do # up to 10 s for the data to open
		dig +short +time=1 +tries=1 @127.0.0.1 -p "$port" 2.0.0.127.zen.bench >/dev/null 2>&1 && break
		sleep 0.1
	done
	t0=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	if [ "$mode" = dnsperf ]; then
		taskset -c 0 dnsperf -s 127.0.0.1 -p "$port" -d "$queries" -l "$secs" -Q "$rate" >"$tmp/load.out" 2>&1
		n=$(awk '/Queries completed/ {print $3}' "$tmp/load.out")
	else
		taskset -c 0 "$bench" --server "127.0.0.1:$port" --queries "$queries" --rate "$rate" \
			--duration "$secs" --no-progress >"$tmp/load.out" 2>&1
		n=$(awk '$1 == "answered" {print $2}' "$tmp/load.out")
	fi
	t1=$(awk '{print $14 + $15}' "/proc/$pid/stat")
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	awk -v a="$t0" -v b="$t1" -v n="${n:-0}" -v hz="$hz" -v bin="$1" \
		'BEGIN { if (n > 0) printf "%s %.3f us/query (%d answered)\n", bin, (b - a) / hz * 1e6 / n, n; else print bin, "no answers" }'
}

for r in $(seq 1 "$rounds"); do
	echo "round $r"
	for b in "$@"; do
		one "$b"
	done
done
