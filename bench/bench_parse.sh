#!/usr/bin/env bash
# bench/bench_parse.sh — feed parsing throughput, as a ratio to a bare
# libxml2 parse of the same bytes measured in the same run.
#
# Generates N feeds with ../shared/bench/gen_feeds.py (default 100), then
# times `feedsift parse-feed` over all of them against `xmllint --noout`
# (libxml2's own parser, no item building) over the same files.  Both pay
# one process start per file, so the ratio isolates parsing cost roughly.
# usage: bench/bench_parse.sh [N] [BUILD_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-100}
BUILD=${2:-build}
GEN=../shared/bench/gen_feeds.py
[ -f "$GEN" ] || { echo "bench: $GEN not found" >&2; exit 1; }
command -v xmllint >/dev/null || { echo "bench: needs xmllint (apt-get install libxml2-utils)" >&2; exit 1; }
OUT=$(mktemp -d)
trap 'rm -rf "$OUT"' EXIT
python3 "$GEN" --out "$OUT" -n "$N" >/dev/null
mapfile -t FILES < <(find "$OUT" -type f -name '*.xml' -o -type f -name '*.atom' -o -type f -name '*.rss' | sort)
bytes=$(cat "${FILES[@]}" | wc -c)
items=0
t0=$(date +%s.%N)
for f in "${FILES[@]}"; do xmllint --noout "$f" 2>/dev/null || true; done
t1=$(date +%s.%N)
for f in "${FILES[@]}"; do
    # one "enclosures" key per item in the compact JSON
    n=$("$BUILD/cli/feedsift" parse-feed "$f" | grep -o '"enclosures":' | wc -l)
    items=$((items + n))
done
t2=$(date +%s.%N)
python3 - "$t0" "$t1" "$t2" "$bytes" "$items" "${#FILES[@]}" <<'PY'
import sys
t0, t1, t2 = map(float, sys.argv[1:4]); b, items, files = map(int, sys.argv[4:7])
base, ours = t1 - t0, t2 - t1
print("files %d, %.1f MB, %d items" % (files, b / 1e6, items))
print("xmllint --noout : %.2f s  %.1f MB/s" % (base, b / 1e6 / base))
print("feedsift parse  : %.2f s  %.1f MB/s  %.0f items/s  (incl. JSON output)" % (ours, b / 1e6 / ours, items / ours))
print("ratio feedsift/xmllint time: %.2fx" % (ours / base))
PY
