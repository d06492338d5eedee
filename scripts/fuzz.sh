#!/usr/bin/env bash
# scripts/fuzz.sh — build the libFuzzer harnesses and run each for a while.
#
# usage: scripts/fuzz.sh [SECONDS_PER_HARNESS] [HARNESS...]
#        (default 60 s each, all seven harnesses: feed_parse feed_date_parse
#        article_extract rule_set_load_buffer fs_url_resolve feed_list_parse
#        fetch_decode)
#
# Builds $FEEDSIFT_FUZZ_BUILD (default build-fuzz) with clang, libFuzzer,
# ASan and UBSan (every UBSan report aborts), the whole code base
# instrumented for coverage.  Each harness starts from its seed corpus
# (tests/fuzz/corpus/NAME) and saved crashes (tests/fuzz/regress/NAME);
# what it learns goes to BUILD/fuzz-corpus/NAME, kept between runs, never
# into the source tree.  Prints one line per harness with its executions.
#
# Exit status: 0 no crash, 1 a harness crashed, leaked, timed out or ran
# out of memory: the input is left in BUILD/fuzz-artifacts/NAME/ and the
# message says how to replay it and keep it as a regression test.
set -uo pipefail
cd "$(dirname "$0")/.."

SECONDS_EACH=${1:-60}
shift || true
HARNESSES=("$@")
[ ${#HARNESSES[@]} -gt 0 ] || HARNESSES=(feed_parse feed_date_parse
    article_extract rule_set_load_buffer fs_url_resolve feed_list_parse
    fetch_decode)
BUILD=${FEEDSIFT_FUZZ_BUILD:-build-fuzz}

if ! command -v clang >/dev/null; then
    echo "fuzz.sh: clang is needed (apt-get install clang libclang-rt-14-dev)" >&2
    exit 2
fi
if [ ! -d "$BUILD" ]; then
    # fuzzer-no-link: coverage feedback from every library, not just the
    # harness; werror off: clang warns about things gcc accepts, and this
    # build is for finding crashes, not warnings.
    CC=clang meson setup "$BUILD" -Dfuzz=true -Dwerror=false \
        -Db_sanitize=address,undefined -Db_lundef=false \
        "-Dc_args=['-fsanitize=fuzzer-no-link','-fno-sanitize-recover=all','-fno-omit-frame-pointer']" \
        >/dev/null || exit 2
fi
targets=()
for h in "${HARNESSES[@]}"; do targets+=("tests/fuzz/fuzz_$h"); done
ninja -C "$BUILD" "${targets[@]}" >/dev/null || { ninja -C "$BUILD" "${targets[@]}"; exit 2; }

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export FEEDSIFT_PCRE2_JIT=${FEEDSIFT_PCRE2_JIT:-1}

failed=0
total=0
for h in "${HARNESSES[@]}"; do
    corpus="$BUILD/fuzz-corpus/$h"
    artifacts="$BUILD/fuzz-artifacts/$h"
    log="$BUILD/fuzz-$h.log"
    mkdir -p "$corpus" "$artifacts"
    regress="tests/fuzz/regress/$h"
    dirs=("$corpus" "tests/fuzz/corpus/$h")
    [ -d "$regress" ] && dirs+=("$regress")
    start=$(date +%s)
    "$BUILD/tests/fuzz/fuzz_$h" -max_total_time="$SECONDS_EACH" \
        -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        -print_final_stats=1 -artifact_prefix="$artifacts/" \
        "${dirs[@]}" >"$log" 2>&1
    rc=$?
    secs=$(( $(date +%s) - start ))
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    execs=${execs:-0}
    total=$((total + execs))
    files=$(ls "$corpus" | wc -l)
    if [ $rc -eq 0 ]; then
        printf '%-22s %10s execs in %4d s (%s/s), corpus %d files\n' \
            "$h" "$execs" "$secs" "$((execs / (secs > 0 ? secs : 1)))" "$files"
    else
        failed=1
        crash=$(ls -t "$artifacts" 2>/dev/null | head -1)
        printf '%-22s FAILED after %d s (%s execs): %s\n' "$h" "$secs" \
            "$execs" "$(grep -m1 -E 'ERROR|SUMMARY|runtime error' "$log")"
        echo "  log:    $log"
        [ -n "$crash" ] && {
            echo "  input:  $artifacts/$crash"
            echo "  replay: $BUILD/tests/fuzz/fuzz_$h $artifacts/$crash"
            echo "  keep:   cp $artifacts/$crash tests/fuzz/regress/$h/  (after the fix)"
        }
    fi
done
echo "fuzz: ${#HARNESSES[@]} harnesses, $total executions, ${SECONDS_EACH} s each: $([ $failed = 0 ] && echo 'no crash' || echo 'CRASHES FOUND')"
exit $failed
