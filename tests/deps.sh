#!/bin/sh
# tests/deps.sh - install the Debian 12 packages needed to build, serve and test.
# Idempotent: only missing packages are installed (apt-get update runs once then).
set -eu
BUILD="meson ninja-build pkg-config gcc libuv1-dev libldns-dev liblmdb-dev zlib1g-dev libsystemd-dev"
TEST="clang clang-format rbldnsd bind9-dnsutils bind9-utils unbound curl knot-dnsutils python3 python3-dnspython python3-pytest lmdb-utils procps rsync groff-base man-db systemd dnsdist postfix iproute2 spamassassin rspamd"
case "${1:-all}" in
build) want="$BUILD" ;;
*) want="$BUILD $TEST" ;;
esac
missing=""
for p in $want; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing="$missing $p"
done
if [ -n "$missing" ]; then
	echo "installing:$missing" >&2
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	# rbldnsd's, rspamd's and spamassassin's packages start services by
	# default; policy-rc.d keeps them from binding anything during install.
	own_policy=0
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
		own_policy=1
	fi
	# postfix: no configuration and no service (tests/integration/test_postfix.py
	# runs its own, in a private network namespace).
	echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
	[ $own_policy -eq 0 ] || rm -f /usr/sbin/policy-rc.d
fi
