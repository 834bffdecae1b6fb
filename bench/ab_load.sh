#!/bin/sh
# ab_load.sh - dnsbl-load wall, user and system time, for A/B comparisons of
# loader builds in alternating runs (bench/RESULTS.md, stop 16).
#
# Usage: sh bench/ab_load.sh [-r ROUNDS] [-o DIR] -f FEED LOADER [LOADER ...]
#
# Each round runs every LOADER binary in turn, pinned to CPU 1, on the zone
# specs of FEED/zones.conf (a folder written by bench/gen_feed.py), each into
# a removed database folder under DIR, and records /usr/bin/time's figures.
# At the end it prints, per binary, the median and range of the wall time
# and the medians of user and system time. Alternating binaries within a
# round is what makes the figures comparable on a shared machine. Nothing
# is published anywhere but DIR; no network.
set -eu

rounds=3 out='' feed=''
usage() { sed -n '5,5p' "$0" | sed 's/^# //' >&2; }
if [ "${1:-}" = --help ] || [ "${1:-}" = -h ]; then
	sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
while getopts r:o:f: o; do
	case $o in
	r) rounds=$OPTARG ;;
	o) out=$OPTARG ;;
	f) feed=$OPTARG ;;
	*) usage; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
if [ -z "$feed" ] || [ ! -f "$feed/zones.conf" ] || [ $# -eq 0 ]; then
	usage
	exit 2
fi
for b in "$@"; do
	[ -x "$b" ] || { echo "ab_load.sh: $b: not an executable" >&2; exit 2; }
done
: "${out:=$(mktemp -d)}"
mkdir -p "$out"
out=$(realpath "$out")
log="$out/times.log"
: >"$log"
specs=$(grep -v '^#' "$feed/zones.conf")
r=0
while [ "$r" -lt "$rounds" ]; do
	r=$((r + 1))
	i=0
	for b in "$@"; do
		i=$((i + 1))
		b=$(realpath "$b") # the load runs in the feed folder
		rm -rf "$out/db-$i"
		# shellcheck disable=SC2086 # specs are words
		(cd "$feed" && /usr/bin/time -f "$i $b %e %U %S" -a -o "$log" \
			taskset -c 1 "$b" -q --db "$out/db-$i" $specs)
		echo "round $r: $(tail -n 1 "$log")"
	done
done
rm -rf "$out"/db-*
python3 - "$log" <<'PY'
import statistics as st
import sys

runs = {}
for line in open(sys.argv[1]):
    i, name, wall, user, sys_ = line.split()
    runs.setdefault((int(i), name), []).append((float(wall), float(user), float(sys_)))
for (i, name), v in sorted(runs.items()):
    w = [x[0] for x in v]
    print("%s n=%d wall %.2f (%.2f-%.2f) s, user %.2f s, system %.2f s"
          % (name, len(v), st.median(w), min(w), max(w),
             st.median(x[1] for x in v), st.median(x[2] for x in v)))
PY
