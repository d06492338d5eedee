#!/usr/bin/env bash
# bench/bench_rules.sh — classifier throughput with 10, 100 and 1000
# generated rules over >= 100 MB of generated news text, in one run:
# feedsift's classifier (Vectorscan prefilter + PCRE2), the plain loop
# (every pattern with PCRE2), and Vectorscan alone (the ceiling), with the
# ratios.  Goals at 1000 rules: >= 100x the plain loop, >= 0.5x Vectorscan
# alone.  The run fails if prefilter and plain loop give different hits.
#
# usage: bench/bench_rules.sh [BENCH_RULES_EXE]
# environment:
#   MB=100        megabytes of text to generate
#   RULES="10 100 1000"
#   BENCH_REPS=3  passes over the corpus for feedsift and Vectorscan alone
#                 (the fastest counts; CPU time, interleaved in chunks)
# `ninja -C build bench-rules` runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EXE=${1:-}
if [ -z "$EXE" ]; then
    ninja -C "$BUILD" bench/bench_rules >&2
    EXE=$BUILD/bench/bench_rules
fi
MB=${MB:-100}
RULES=${RULES:-"10 100 1000"}
# shellcheck disable=SC2086
exec "$EXE" "$MB" $RULES
