#!/usr/bin/env bash
# bench/bench_extract.sh — article extraction throughput, as ratios
# measured in one run: article_extract against a bare libxml2 HTML parse of
# the same pages (goal: keep at least 75% of its pages/s) and against
# Debian's python3-readability in one process.
#
# usage: bench/bench_extract.sh [BENCH_EXTRACT_EXE]
#   BENCH_EXTRACT_EXE  the built bench/bench_extract (default: build it in
#                      $BUILD, default ./build, with ninja)
# environment:
#   RUNS=5           rounds of the in-process stages (fastest one counts)
#   READABILITY=0    skip the python3-readability run
#
# The pages are ../shared/extraction/html/*.html.gz, decompressed into a
# temporary directory removed on exit.  python3-readability is installed
# with apt-get when missing (through sudo when not root).
# `ninja -C build bench-extract` runs this script.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-5}
BUILD=${BUILD:-build}
PAGES=../shared/extraction/html
EXE=${1:-}
if [ -z "$EXE" ]; then
    ninja -C "$BUILD" bench/bench_extract >&2
    EXE=$BUILD/bench/bench_extract
fi
[ -d "$PAGES" ] || { echo "bench: $PAGES not found" >&2; exit 1; }

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT
mkdir "$TMP/pages"
for f in "$PAGES"/*.html.gz; do
    b=$(basename "$f" .gz)
    gzip -dc "$f" > "$TMP/pages/$b"
done

echo "feedsift stages ($RUNS rounds) ..." >&2
"$EXE" --runs "$RUNS" --json "$TMP/pages" > "$TMP/ours.json"

: > "$TMP/readability.json"
if [ "${READABILITY:-1}" != 0 ]; then
    if ! /usr/bin/python3 -c 'from readability import Document' 2>/dev/null; then
        echo "installing python3-readability ..." >&2
        SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
        $SUDO apt-get install -y -q python3-readability >&2
    fi
    echo "python3-readability (one round) ..." >&2
    # Same pages, in memory, one process: Document(html).summary() is the
    # main-content extraction; CPU time, like bench_extract.
    /usr/bin/python3 - "$TMP/pages" > "$TMP/readability.json" <<'PY'
import glob, json, logging, os, sys, time
from readability import Document
logging.disable(logging.CRITICAL)
pages = [open(f, "rb").read().decode("utf-8", "replace")
         for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.html")))]
t0 = time.process_time()
for html in pages:
    Document(html).summary()
dt = time.process_time() - t0
print(json.dumps({"pages": len(pages), "seconds": dt,
                  "pages_per_s": len(pages) / dt}))
PY
fi

python3 - "$TMP/ours.json" "$TMP/readability.json" <<'PY'
import json, sys
ours = json.load(open(sys.argv[1]))
rd_text = open(sys.argv[2]).read().strip()
rd = json.loads(rd_text) if rd_text else None
print("pages: %d, %.1f MB (CPU time, fastest of %d rounds)" %
      (ours["pages"], ours["mb"], ours["runs"]))
print("%-34s %9s %8s" % ("stage", "pages/s", "MB/s"))
for name, key in (("libxml2 htmlReadMemory (bare)", "bare"),
                  ("article_extract", "extract")):
    s = ours[key]
    print("%-34s %9.1f %8.1f" % (name, s["pages_per_s"], ours["mb"] / s["seconds"]))
if rd:
    print("%-34s %9.1f" % ("python3-readability", rd["pages_per_s"]))
print()
share = ours["share_of_bare"]
print("article_extract keeps %.0f%% of the bare parse's pages/s (goal >= 75%%): %s" %
      (100 * share, "ok" if share >= 0.75 else "MISSED"))
if rd:
    print("article_extract pages/s / python3-readability: %.1fx" %
          (ours["extract"]["pages_per_s"] / rd["pages_per_s"]))
PY
