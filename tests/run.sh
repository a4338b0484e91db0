#!/bin/sh
# run.sh - the whole test suite: installs what is missing, builds a
# warning-free release build (-Werror) and an AddressSanitizer + UBSan
# build, runs every unit and end-to-end test on the sanitized build with
# prove, then runs each libFuzzer target briefly. Ends with prove's summary.
set -eu
cd "$(dirname "$0")/.."
scripts/install-deps.sh

JOBS=$(nproc 2>/dev/null || echo 2)
# quiet builds, but a failing one shows its output
quiet() {
	log=$(mktemp)
	if ! "$@" >"$log" 2>&1; then
		cat "$log"
		rm -f "$log"
		echo "run.sh: failed: $*" >&2
		exit 1
	fi
	rm -f "$log"
}
[ -d build ] || quiet meson setup build --buildtype=release -Dwerror=true
quiet ninja -C build
[ -d build-asan ] || quiet meson setup build-asan -Dwerror=true -Db_sanitize=address,undefined \
	-Db_lundef=false
quiet ninja -C build-asan

export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:halt_on_error=1"
export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
export UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1"
export DISCVAULT="$PWD/build-asan/discvault"
export DV_BUILD="$PWD/build-asan"
export DV_FUZZ_SECONDS="${DV_FUZZ_SECONDS:-20}"

prove -j"$JOBS" --exec '' build-asan/*.t tests/cli/*.t tests/fuzz/run-fuzzers.t
