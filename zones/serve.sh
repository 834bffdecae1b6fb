#!/bin/sh
# zones/serve.sh - install what is needed, build, load the bundled zones and
# serve them on 127.0.0.1 (port $PORT, default 5300) in the foreground.
#   dig @127.0.0.1 -p 5300 2.0.0.127.zen.local any
# Both programs read zones/dnsbl.conf; the command line overrides its db and
# listen lines. Started as root, dnsbld binds and then runs as user nobody,
# so the database goes where nobody can read it (not under /root).
set -eu
cd "$(dirname "$0")/.."
PORT="${PORT:-5300}"
sh tests/deps.sh build
[ -d build ] || meson setup build --buildtype=release >/dev/null
ninja -C build >/dev/null
cd zones
umask 022
if [ "$(id -u)" -eq 0 ]; then
	DB=/var/lib/dnsbl/serve-db
	mkdir -p "$DB"
	chmod 755 /var/lib/dnsbl "$DB"
	set -- --user nobody
else
	DB=db
	set --
fi
../build/loader/dnsbl-load --config dnsbl.conf --db "$DB"
echo "serving the bundled zones on 127.0.0.1:$PORT - try: dig @127.0.0.1 -p $PORT 2.0.0.127.zen.local any"
exec ../build/dnsd/dnsbld --config dnsbl.conf --db "$DB" --listen "127.0.0.1:$PORT" "$@"
