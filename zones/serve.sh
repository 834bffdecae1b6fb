#!/bin/sh
# zones/serve.sh - install what is needed, build, load the bundled zones and
# serve them on 127.0.0.1 (port $PORT, default 5300) in the foreground.
#   dig @127.0.0.1 -p 5300 2.0.0.127.zen.local any
set -eu
cd "$(dirname "$0")/.."
PORT="${PORT:-5300}"
sh tests/deps.sh build
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
cd zones
../build/loader/dnsbl-load --db db $(grep -v '^[[:space:]]*#' zones.conf | grep -v '^[[:space:]]*$')
echo "serving the bundled zones on 127.0.0.1:$PORT - try: dig @127.0.0.1 -p $PORT 2.0.0.127.zen.local any"
exec ../build/dnsd/dnsbld --db db --listen "127.0.0.1:$PORT"
