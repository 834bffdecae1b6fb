#!/bin/sh
# tests/run.sh - build and run the whole test suite twice: a normal build
# (build-test/) and an AddressSanitizer + UndefinedBehaviorSanitizer build
# (build-asan/). Ends with one line "N passed, N failed" over both builds.
set -u
cd "$(dirname "$0")/.."
sh tests/deps.sh all || exit 1

status=0
for variant in test asan; do
	dir="build-$variant"
	opts=""
	[ "$variant" = asan ] && opts="-Db_sanitize=address,undefined -Db_lundef=false"
	if [ ! -d "$dir" ]; then
		meson setup "$dir" $opts >/dev/null || { echo "meson setup $dir failed"; exit 1; }
	fi
	ninja -C "$dir" >/dev/null || { ninja -C "$dir" | tail -30; echo "build $dir failed"; exit 1; }
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
		meson test -C "$dir" --print-errorlogs --num-processes 2 || status=1
done

# libFuzzer (clang, ASan + UBSan): each target for a bounded time from the
# seed corpus; a crash fails the run and leaves crash-* in build-fuzz/.
FUZZ_SECONDS="${FUZZ_SECONDS:-30}"
: >build-fuzz.results 2>/dev/null || true
if [ ! -d build-fuzz ]; then
	CC=clang meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false \
		>/dev/null || echo "fuzz setup failed" >>build-fuzz.results
fi
if ninja -C build-fuzz tests/fuzz/fuzz_query tests/fuzz/fuzz_zoneline tests/fuzz/fuzz_keys tests/fuzz/fuzz_conf >/dev/null 2>&1; then
	for t in query zoneline keys conf; do
		mkdir -p "build-fuzz/corpus-$t"
		if (cd build-fuzz && ./tests/fuzz/fuzz_$t -max_total_time="$FUZZ_SECONDS" -timeout=10 \
			-rss_limit_mb=2048 -print_final_stats=1 "corpus-$t" "../tests/fuzz/corpus/$t" \
			>"fuzz-$t.log" 2>&1); then
			echo "OK fuzz-$t $(grep -h 'stat::number_of_executed_units' build-fuzz/fuzz-$t.log | awk '{print $2}') executions" >>build-fuzz.results
		else
			tail -40 "build-fuzz/fuzz-$t.log"
			echo "FAIL fuzz-$t" >>build-fuzz.results
			status=1
		fi
	done
else
	ninja -C build-fuzz tests/fuzz/fuzz_query tests/fuzz/fuzz_zoneline tests/fuzz/fuzz_keys tests/fuzz/fuzz_conf | tail -20
	echo "FAIL fuzz-build" >>build-fuzz.results
	status=1
fi
cat build-fuzz.results

/usr/bin/python3 - <<'PY'
import json
passed = failed = 0
for line in open("build-fuzz.results"):
    if line.startswith("OK "):
        passed += 1
    elif line.strip():
        failed += 1
for d in ("build-test", "build-asan"):
    try:
        with open(f"{d}/meson-logs/testlog.json") as f:
            for line in f:
                r = json.loads(line)
                if r.get("result") in ("OK", "EXPECTEDFAIL", "SKIP"):
                    passed += 1
                else:
                    failed += 1
                    print(f"FAILED: {d}: {r.get('name')} ({r.get('result')})")
    except FileNotFoundError:
        failed += 1
        print(f"FAILED: {d}: no test log")
print(f"{passed} passed, {failed} failed")
PY
[ $status -eq 0 ] || exit 1
