#!/usr/bin/env bash
# scripts/valgrind_crawl.sh — the end-to-end crawl test under valgrind.
#
# usage: scripts/valgrind_crawl.sh [BUILD_DIR]     (default: build)
#
# Runs tests/e2e/test_crawl.py (the demo site served over loopback: first
# crawl, the 304 re-crawl, list, the lock, ...) with every feedsift process
# it starts wrapped in
#   valgrind --error-exitcode=1 --leak-check=full
#            --errors-for-leak-kinds=definite
# one log per process under BUILD_DIR/valgrind/.  Passes when the test
# passes and every process reported zero errors and zero definitely lost
# bytes; prints one line of figures either way (processes, errors, bytes
# definitely / indirectly / possibly lost, still reachable).
#
# Exit status: 0 clean, 1 an error, a definite leak or a failed test,
# 2 valgrind or the build missing.
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD=${1:-build}
BIN="$PWD/$BUILD/cli/feedsift"

command -v valgrind >/dev/null || { echo "valgrind_crawl.sh: valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
[ -x "$BIN" ] || { echo "valgrind_crawl.sh: $BIN not built (ninja -C $BUILD)" >&2; exit 2; }

LOGS="$PWD/$BUILD/valgrind"
rm -rf "$LOGS"
mkdir -p "$LOGS"
WRAP="$LOGS/feedsift"
# The test runs this wrapper as if it were feedsift.  Suppressions: none;
# libcurl/OpenSSL/libxml2 globals that are still reachable at exit are not
# errors (only definite leaks are).
cat >"$WRAP" <<EOF
#!/bin/sh
exec valgrind --error-exitcode=1 --leak-check=full \\
    --errors-for-leak-kinds=definite --show-leak-kinds=definite \\
    --track-fds=no --log-file="$LOGS/vg.%p.log" "$BIN" "\$@"
EOF
chmod +x "$WRAP"

# Every log ends with valgrind's ERROR SUMMARY and LEAK SUMMARY: the
# figures are summed from them.  Timeouts of the test (harness.py) are
# stretched: under memcheck feedsift runs some 30 times slower.
export FEEDSIFT_TEST_TIMEOUT_SCALE=${FEEDSIFT_TEST_TIMEOUT_SCALE:-30}
start=$(date +%s)
python3 tests/e2e/test_crawl.py "$WRAP" "$PWD" >"$LOGS/test.tap" 2>&1
test_rc=$?
secs=$(( $(date +%s) - start ))

procs=$(ls "$LOGS"/vg.*.log 2>/dev/null | wc -l)
errors=$(cat "$LOGS"/vg.*.log 2>/dev/null | sed -n 's/.*ERROR SUMMARY: \([0-9,]*\) errors.*/\1/p' | tr -d , | awk '{s+=$1} END {print s+0}')
definite=$(cat "$LOGS"/vg.*.log 2>/dev/null | sed -n 's/.*definitely lost: \([0-9,]*\) bytes.*/\1/p' | tr -d , | awk '{s+=$1} END {print s+0}')
sum_of() { sed -n "s/.*$1: \([0-9,]*\) bytes.*/\1/p" "$LOGS"/vg.*.log 2>/dev/null | tr -d , | awk '{s+=$1} END {print s+0}'; }
indirect=$(sum_of "indirectly lost")
possible=$(sum_of "possibly lost")
reachable=$(sum_of "still reachable")
# A process whose log has errors or a definite leak, or no summary at all
# (it died under valgrind).
noisy=$(for f in "$LOGS"/vg.*.log; do
    if ! grep -q 'ERROR SUMMARY: 0 errors' "$f" ||
       grep -q 'definitely lost: [1-9]' "$f"; then echo "$f"; fi
done | wc -l)
tests=$(grep -c '^ok ' "$LOGS/test.tap")
failed=$(grep -c '^not ok ' "$LOGS/test.tap")

echo "valgrind crawl: $procs feedsift processes under memcheck in ${secs} s; test_crawl.py $tests ok, $failed not ok; $noisy processes reported anything; errors: ${errors}; lost: ${definite} bytes definitely, ${indirect} indirectly, ${possible} possibly; ${reachable} bytes still reachable at exit"
status=0
if [ "$test_rc" != 0 ]; then
    echo "  test_crawl.py failed under valgrind (exit $test_rc): $LOGS/test.tap" >&2
    grep -A5 '^not ok' "$LOGS/test.tap" | head -40 >&2
    status=1
fi
if [ "$noisy" != 0 ]; then
    echo "  valgrind reports (first 60 lines of each):" >&2
    for f in "$LOGS"/vg.*.log; do
        if ! grep -q 'ERROR SUMMARY: 0 errors' "$f" ||
           grep -q 'definitely lost: [1-9]' "$f"; then
            echo "  == $f" >&2
            grep -v '^==[0-9]*== *$' "$f" | head -60 >&2
        fi
    done
    status=1
fi
exit $status
