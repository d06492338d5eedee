#!/usr/bin/env bash
# bench/bench_store.sh — store/ at scale (issue 6): insert throughput
# through store/ beside a bare SQLite loop on the same schema (ceiling),
# FTS5 options (detail=full/column/none, external content/contentless),
# query latencies (list --tag, show, search).  Prints markdown tables.
#
# usage: bench/bench_store.sh [BENCH_STORE_EXE] [N]
# environment:
#   N=100000         items (3-4 KB each); the issue's full run is 1000000
#                    (about 7 GB of database, twice, in DIR; ~65 min)
#   DIR=$TMPDIR      where the scratch databases go (removed at the end;
#                    give each run its own)
#   BENCH_PROGRESS=K running insert figures every K items (default
#                    100000 for runs of 200000 or more)
#   FTS_OPTIONS=0    skip the FTS5 option table; FTS_OPTIONS_N=K measures
#                    it on the first K rows (default all, at most 100000)
# `ninja -C build bench-store` runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD=${BUILD:-build}
EXE=${1:-}
if [ -z "$EXE" ]; then
    ninja -C "$BUILD" bench/bench_store >&2
    EXE=$BUILD/bench/bench_store
fi
N=${2:-${N:-100000}}
DIR=$(mktemp -d "${DIR:-${TMPDIR:-/tmp}}/bench-store.XXXXXX")
trap 'rm -rf "$DIR"' EXIT
"$EXE" "$N" "$DIR"
