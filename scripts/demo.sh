#!/usr/bin/env bash
# scripts/demo.sh — set up feedsift and crawl the bundled demo feeds.
#
# Installs what is missing (apt-get), builds, serves demo/site/ from a
# loopback HTTP server on a free port, crawls its feeds into
# demo/out/demo.db and prints the tagged headlines.  The server is stopped
# on exit.  Each run serves on a new port, so it starts a fresh demo.db.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

BUILD=${FEEDSIFT_BUILD:-build}
OUT=demo/out
mkdir -p "$OUT"
rm -f "$OUT/port" "$OUT"/demo.db*

python3 tests/lib/server.py --root demo/site --port 0 --port-file "$OUT/port" >/dev/null &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do [ -s "$OUT/port" ] && break; sleep 0.05; done
PORT=$(cat "$OUT/port")
sed "s|@BASE@|http://127.0.0.1:$PORT|" demo/feeds.txt.in > "$OUT/feeds.txt"

echo "== feedsift crawl --feeds $OUT/feeds.txt --db $OUT/demo.db"
"$BUILD/cli/feedsift" crawl --feeds "$OUT/feeds.txt" --db "$OUT/demo.db"
echo
echo "== feedsift list --db $OUT/demo.db"
"$BUILD/cli/feedsift" list --db "$OUT/demo.db"
echo
echo "== feedsift list --db $OUT/demo.db --tag rare-earths"
"$BUILD/cli/feedsift" list --db "$OUT/demo.db" --tag rare-earths
