#!/usr/bin/env bash
# bench/bench_pfcache.sh — time until the Vectorscan prefilter is ready:
# compiled (cold cache) vs loaded from the on-disk cache (warm), for the
# shipped rules (rules/default.rules) and the 1000 generated rules of
# bench/bench_rules.sh, in one run, with the ratio.  The cache directory
# is a temporary one (the user's cache is not touched).
#
# usage: bench/bench_pfcache.sh [BENCH_PFCACHE_EXE [BENCH_RULES_EXE]]
# environment: BENCH_REPS=3 (best of), RULES="1000" (generated counts)
# `ninja -C build bench-pfcache` runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EXE=${1:-}
GEN=${2:-}
if [ -z "$EXE" ] || [ -z "$GEN" ]; then
    ninja -C "$BUILD" bench/bench_pfcache bench/bench_rules >&2
    EXE=${EXE:-$BUILD/bench/bench_pfcache}
    GEN=${GEN:-$BUILD/bench/bench_rules}
fi
RULES=${RULES:-"1000"}
tmp=$(mktemp -d "${TMPDIR:-/tmp}/bench-pfcache.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
files=(rules/default.rules)
for n in $RULES; do
    "$GEN" --rules-text "$n" > "$tmp/generated-$n.rules"
    files+=("$tmp/generated-$n.rules")
done
"$EXE" "$tmp/cache" "${files[@]}"
