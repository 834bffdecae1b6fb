#!/bin/sh
# tests/style/check_format.sh SRCDIR - fail when a C source or header under
# SRCDIR's bench/ dnsd/ libdnsbl/ loader/ tests/ zones/ differs from what
# clang-format makes of it with the project's .clang-format (the style rule
# the developers' guide sets). Prints the files and the first lines of each
# difference. Exit 77 (meson: skipped) only when clang-format is not
# installed; tests/deps.sh installs it.
set -u
src="${1:-.}"
command -v clang-format >/dev/null 2>&1 || { echo "clang-format not installed"; exit 77; }
cd "$src" || exit 1
bad=0
n=0
# Build trees (build*/) and fuzz corpora hold no project sources.
for f in $(find bench dnsd libdnsbl loader tests zones -name '*.[ch]' 2>/dev/null | sort); do
	n=$((n + 1))
	if ! clang-format --style=file "$f" | cmp -s - "$f"; then
		echo "not formatted: $f"
		clang-format --style=file "$f" | diff "$f" - | head -10
		bad=$((bad + 1))
	fi
done
echo "$n files checked, $bad not formatted"
[ "$n" -gt 0 ] && [ "$bad" -eq 0 ]
