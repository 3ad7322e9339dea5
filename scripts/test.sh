#!/usr/bin/env bash
# scripts/test.sh - build and run every CTest suite twice: a normal build
# (build/, RelWithDebInfo) and an ASan+UBSan build (build-asan/, Debug).
# Both stages always run; exits non-zero if either failed. Incremental: a
# second run only rebuilds what changed.
#
# The last line is the closing count, "summary: N passed, N failed", summed
# over both stages (CTest tests, not cases inside them).
#
# Env: BUILD_DIR, ASAN_DIR, JOBS, CTEST_ARGS (extra ctest arguments, e.g. "-L unit").
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
ASAN_DIR=${ASAN_DIR:-build-asan}
JOBS=${JOBS:-2}
read -r -a extra <<<"${CTEST_ARGS:-}"

total_pass=0
total_fail=0
details=()
status=0

# stage NAME DIR CMAKE_ARGS... : configure, build, ctest; record the outcome.
stage() {
    local name=$1 dir=$2
    shift 2
    echo "=== $name: configure + build ($dir)"
    if ! cmake -S . -B "$dir" --log-level=WARNING "$@" || ! cmake --build "$dir" -j"$JOBS"; then
        details+=("$name: BUILD FAILED")
        status=1
        return 0
    fi
    echo "=== $name: ctest ($dir)"
    local log="$dir/ctest-last.log" rc=0
    ctest --test-dir "$dir" --output-on-failure -j"$JOBS" "${extra[@]}" 2>&1 | tee "$log" || rc=$?
    # "100% tests passed, 0 tests failed out of 7"
    local line failed=0 total=0
    line=$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$log" | tail -n 1 || true)
    if [[ $line =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
        failed=${BASH_REMATCH[1]}
        total=${BASH_REMATCH[2]}
    fi
    total_pass=$((total_pass + total - failed))
    total_fail=$((total_fail + failed))
    if ((rc != 0)); then
        details+=("$name: FAILED ($((total - failed))/$total passed, ctest rc=$rc)")
        status=1
    elif ((total == 0)); then
        details+=("$name: ok but NO TESTS found")
    else
        details+=("$name: ok ($total/$total passed)")
    fi
}

stage normal "$BUILD_DIR" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DHAVEN_SANITIZE=OFF

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
stage asan "$ASAN_DIR" -DCMAKE_BUILD_TYPE=Debug -DHAVEN_SANITIZE=ON

echo
joined=$(printf '%s; ' "${details[@]}")
echo "make test: ${joined%; }"
echo "summary: $total_pass passed, $total_fail failed"
exit "$status"
