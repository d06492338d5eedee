#!/usr/bin/env bash
# scripts/test.sh — set up feedsift and run the whole test suite.
#
# 1. installs what is missing (apt-get; test tools too) and builds ./build;
# 2. runs every meson test suite there (unit, rules, e2e, hostile,
#    conformance, extraction);
# 3. builds ./build-asan with AddressSanitizer + UBSan and runs the suites
#    again there (skip with FEEDSIFT_NO_ASAN=1 for a quick local run);
# 4. runs the end-to-end crawl under valgrind (scripts/valgrind_crawl.sh;
#    skip with FEEDSIFT_NO_VALGRIND=1);
# 5. runs each libFuzzer harness for FEEDSIFT_FUZZ_SECONDS (default 30)
#    from its corpus (scripts/fuzz.sh; skip with FEEDSIFT_NO_FUZZ=1).
# Exits non-zero if anything fails.  .ci/run calls this script.
set -euo pipefail
cd "$(dirname "$0")/.."
export FEEDSIFT_SETUP_TESTS=1
# The rules' compiled prefilter is cached per user (classifier/
# rules_pfcache.c); the tests keep theirs in the checkout, never in ~/.cache.
export FEEDSIFT_CACHE_DIR=${FEEDSIFT_CACHE_DIR:-$PWD/build/test-cache}
bash scripts/setup.sh

status=0
failed_steps=()
step() { # step NAME COMMAND...: run, remember a failure, go on
    local name=$1
    shift
    echo "== $name" >&2
    "$@" || { status=1; failed_steps+=("$name"); }
}

step "tests (build)" meson test -C build --print-errorlogs --num-processes 2
builds=(build)

if [ "${FEEDSIFT_NO_ASAN:-0}" != 1 ]; then
    FEEDSIFT_BUILD=build-asan bash scripts/setup.sh \
        -Db_sanitize=address,undefined -Db_lundef=false --buildtype=debug
    # Leak checking is on: every allocation has one owner.
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        step "tests (ASan+UBSan)" meson test -C build-asan --print-errorlogs \
        --num-processes 2 --no-suite conformance --no-suite extraction \
        --timeout-multiplier 4 # an unoptimised sanitizer build is ~10x slower
    builds+=(build-asan)
fi

if [ "${FEEDSIFT_NO_VALGRIND:-0}" != 1 ]; then
    step "crawl under valgrind" bash scripts/valgrind_crawl.sh build
fi

if [ "${FEEDSIFT_NO_FUZZ:-0}" != 1 ]; then
    step "fuzzing" bash scripts/fuzz.sh "${FEEDSIFT_FUZZ_SECONDS:-30}"
fi

# One closing line over all meson runs: "N passed, N failed, N skipped".
python3 tests/lib/summary.py "${builds[@]}" || status=1
if ((${#failed_steps[@]})); then
    echo "failed: ${failed_steps[*]}" >&2
fi
exit $status
