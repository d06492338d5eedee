#!/usr/bin/env bash
# bench/bench_parse.sh — feed parsing throughput, as ratios measured in one
# run: feedsift's feed_parse against a bare libxml2 parse of the same bytes
# (goal: at most 1.5x its time) and against Debian's python3-feedparser
# (goal: at least 50x its items/s).
#
# usage: bench/bench_parse.sh [BENCH_PARSE_EXE]
#   BENCH_PARSE_EXE  the built bench/bench_parse (default: build it in
#                    $BUILD, default ./build, with ninja)
# environment:
#   N=500            feeds to generate with ../shared/bench/gen_feeds.py
#   RUNS=3           rounds of the in-process stages (fastest one counts)
#   CORPUS=DIR       use this corpus instead of generating one
#   FEEDPARSER=0     skip the python3-feedparser run (it takes ~1 min)
#
# python3-feedparser is installed with apt-get when missing (through sudo
# when not root); the corpus goes to a temporary directory removed on exit.
# `ninja -C build bench-parse` runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
N=${N:-500}
RUNS=${RUNS:-3}
BUILD=${BUILD:-build}
GEN=../shared/bench/gen_feeds.py
EXE=${1:-}
if [ -z "$EXE" ]; then
    ninja -C "$BUILD" bench/bench_parse >&2
    EXE=$BUILD/bench/bench_parse
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
CORPUS=${CORPUS:-}
if [ -z "$CORPUS" ]; then
    [ -f "$GEN" ] || { echo "bench: $GEN not found" >&2; exit 1; }
    CORPUS=$TMP/corpus
    echo "generating $N feeds into $CORPUS ..." >&2
    python3 "$GEN" --out "$CORPUS" -n "$N" >/dev/null
fi

echo "feedsift stages ($RUNS rounds) ..." >&2
"$EXE" --runs "$RUNS" --json "$CORPUS" > "$TMP/ours.json"

: > "$TMP/feedparser.json"
if [ "${FEEDPARSER:-1}" != 0 ]; then
    if ! /usr/bin/python3 -c 'import feedparser' 2>/dev/null; then
        echo "installing python3-feedparser ..." >&2
        SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get install -y -q python3-feedparser >&2
    fi
    echo "python3-feedparser (one round) ..." >&2
    # Same files, in memory, one process, default settings (it sanitises
    # HTML and resolves relative URIs); CPU time, like bench_parse.
    /usr/bin/python3 - "$CORPUS" > "$TMP/feedparser.json" <<'PY'
import glob, io, json, os, sys, time, warnings
import feedparser
warnings.simplefilter("ignore")
blobs = [open(f, "rb").read()
         for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.xml")))]
items = 0
t0 = time.process_time()
for b in blobs:
    items += len(feedparser.parse(io.BytesIO(b)).entries)
dt = time.process_time() - t0
print(json.dumps({"version": feedparser.__version__, "items": items,
                  "seconds": dt, "items_per_s": items / dt,
                  "mb_per_s": sum(map(len, blobs)) / 1e6 / dt}))
PY
fi

python3 - "$TMP/ours.json" "$TMP/feedparser.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
fp_text = open(sys.argv[2]).read().strip()
fp = json.loads(fp_text) if fp_text else None
print("corpus: %d files, %.1f MB, %d items (CPU time, fastest of %d rounds)" %
      (ours["files"], ours["mb"], ours["items"], ours["runs"]))
print("%-34s %11s %8s %8s" % ("stage", "items/s", "MB/s", "x bare"))
for s in ours["stages"]:
    print("%-34s %11.0f %8.1f %8.2f" % (s["stage"], s["items_per_s"], s["mb_per_s"], s["x_bare"]))
if fp:
    print("%-34s %11.0f %8.2f" % ("python3-feedparser " + fp["version"],
                                 fp["items_per_s"], fp["mb_per_s"]))
st = {s["stage"]: s for s in ours["stages"]}
parse = st["feed_parse"]
print()
print("feed_parse time / bare libxml2 time: %.2fx (goal <= 1.5x): %s" %
      (parse["x_bare"], "ok" if parse["x_bare"] <= 1.5 else "MISSED"))
if fp:
    r = parse["items_per_s"] / fp["items_per_s"]
    print("feed_parse items/s / python3-feedparser: %.0fx (goal >= 50x): %s" %
          (r, "ok" if r >= 50 else "MISSED"))
    r = st["feed_parse + content_html"]["items_per_s"] / fp["items_per_s"]
    print("feed_parse + content_html (sanitised, like feedparser) / "
          "python3-feedparser: %.0fx" % r)
PY
