#!/bin/sh
# zones/cksum.sh - (re)write the Spamhaus-style "# CKSUM <crc> <length>" trailer
# of each feed file named (default: sbl xbl pbl sbl-v6 dbl), after an edit.
# The trailer must be the last line; its 3rd whitespace field is the POSIX
# cksum CRC of every other line (`sed '$d' file | cksum`), as spamhaus-sync.sh
# checks it. A file without a trailer gets one appended.
set -eu
cd "$(dirname "$0")"
[ $# -gt 0 ] || set -- sbl xbl pbl sbl-v6 dbl
for f in "$@"; do
	tmp="$f.cksum.$$"
	if tail -n 1 "$f" | grep -q CKSUM; then sed '$d' "$f" >"$tmp"; else cat "$f" >"$tmp"; fi
	sum=$(cksum <"$tmp")
	echo "# CKSUM $sum" >>"$tmp"
	chmod 644 "$tmp"
	mv -f "$tmp" "$f"
	echo "$f: CKSUM $sum"
done
