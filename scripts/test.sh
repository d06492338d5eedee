#!/usr/bin/env bash
# scripts/test.sh — set up feedsift and run the whole test suite.
#
# 1. installs what is missing (apt-get) and builds ./build;
# 2. runs every meson test suite there (unit, e2e, conformance, extraction);
# 3. builds ./build-asan with AddressSanitizer + UBSan and runs the suites
#    again there (skip with FEEDSIFT_NO_ASAN=1 for a quick local run).
# Exits non-zero if anything fails.  .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

status=0
meson test -C build --print-errorlogs --num-processes 2 || status=1
builds=(build)

if [ "${FEEDSIFT_NO_ASAN:-0}" != 1 ]; then
    FEEDSIFT_BUILD=build-asan bash scripts/setup.sh \
        -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug
    # Leak checking is on: every allocation has one owner.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        meson test -C build-asan --print-errorlogs --num-processes 2 \
        --no-suite conformance --no-suite extraction || status=1
    builds+=(build-asan)
fi
# One closing line over all runs: "N passed, N failed, N skipped".
python3 tests/lib/summary.py "${builds[@]}" || status=1
exit $status
