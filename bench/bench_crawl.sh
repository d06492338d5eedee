#!/usr/bin/env bash
# bench/bench_crawl.sh — end-to-end crawl benchmark on loopback (issue 3),
# every figure beside its baseline measured in the same run:
#
#   (a) feeds only (crawl --no-articles, fresh database): wall time and
#       requests/s, beside `curl --parallel --parallel-max 64 --compressed`
#       fetching the same feed URLs (goal: within 2x of curl);
#   (b) the full crawl, articles fetched, extracted, classified and stored
#       (fresh database): items/s end to end and peak RSS (goals: >= 250
#       items/s, peak RSS < 100 MB);
#   (c) the all-304 re-crawl (crawl --all on (b)'s database) beside curl
#       sending the same If-None-Match validators (goal: >= 5x faster than
#       the cold feeds-only run (a));
#   (d) newsboat `-x reload` on the same feeds, the peer.
#
# The site: ../shared/bench/gen_site.py writes N feeds of ITEMS items and
# one article page per item, all on http://127.0.0.1:PORT/, served by
# Debian's nginx (installed with apt-get when missing) from a private prefix
# (bench/nginx/nginx.conf.in: pid, logs and temp paths in a temp dir, a
# free port, `daemon off`), with ETag/Last-Modified and gzip on.  The
# script starts and stops its own nginx.  No robots.txt: 404, no rules.
#
# usage: bench/bench_crawl.sh [--no-newsboat] [--newsboat-feeds N]
#                             [FEEDSIFT_EXE]
#   FEEDSIFT_EXE        the built feedsift (default: $BUILD/cli/feedsift,
#                       built with ninja; BUILD defaults to ./build)
#   --no-newsboat       skip (d) (about 100 s for 2,000 cold feeds)
#   --newsboat-feeds N  give newsboat only the first N feeds (its figures
#                       are then per feed, and the report says so)
# environment:
#   N=2000 ITEMS=20     site size (gen_site.py -n / --items)
#   RUNS=3              rounds of curl and of (a), interleaved (the
#                       fastest of each counts: the same rule both sides)
#   CONCURRENCY=32      crawl --concurrency (transfers in flight)
#   PER_HOST=16         crawl --per-host: all 42,000 URLs are on ONE host,
#                       so the default of 4 would measure the politeness
#                       limit, not the crawler
#   ARTICLE_DELAY=0     crawl --article-delay (ms between two article pages
#                       of one host; the default 250 ms would make 40,000
#                       pages of one host take 10,000 s / PER_HOST)
#   SITE_CACHE=DIR      keep the generated site in DIR and reuse it when
#                       its size and port match (generation takes ~30 s)
#   NGINX=/usr/sbin/nginx
#
# `ninja -C BUILD bench-crawl` runs this script.  Wall times are from
# `date +%s.%N` around each command; peak RSS from /usr/bin/time -v.
set -euo pipefail
CALLER_PWD=$PWD
cd "$(dirname "$0")/.."
ROOT=$PWD
N=${N:-2000}
ITEMS=${ITEMS:-20}
RUNS=${RUNS:-3}
BUILD=${BUILD:-build}
CONCURRENCY=${CONCURRENCY:-32}
PER_HOST=${PER_HOST:-16}
ARTICLE_DELAY=${ARTICLE_DELAY:-0}
NGINX=${NGINX:-/usr/sbin/nginx}
GEN=../shared/bench/gen_site.py
NEWSBOAT=1
NB_FEEDS=
EXE=
while [ $# -gt 0 ]; do
    case $1 in
    --no-newsboat) NEWSBOAT=0 ;;
    --newsboat-feeds) NB_FEEDS=$2; shift ;;
    --newsboat-feeds=*) NB_FEEDS=${1#*=} ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "bench_crawl: unknown option $1" >&2; exit 2 ;;
    *) EXE=$1 ;;
    esac
    shift
done
if [ -z "$EXE" ]; then
    ninja -C "$BUILD" cli/feedsift >&2
    EXE=$BUILD/cli/feedsift
fi
case $EXE in /*) ;; *) [ -e "$EXE" ] || EXE=$CALLER_PWD/$EXE ;; esac
EXE=$(realpath "$EXE")
[ -f "$GEN" ] || { echo "bench_crawl: $GEN not found" >&2; exit 1; }

SUDO=; [ "$(id -u)" = 0 ] || SUDO=sudo
need() { # need PROGRAM PACKAGE
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 ..." >&2
    $SUDO apt-get install -y -q "$2" >&2
}
[ -x "$NGINX" ] || { need nginx nginx; NGINX=$(command -v nginx || echo /usr/sbin/nginx); }
[ "$NEWSBOAT" = 0 ] || need newsboat newsboat
need curl curl
[ -x /usr/bin/time ] || need /usr/bin/time time

TMP=$(mktemp -d /tmp/bench-crawl.XXXXXX)
NGINX_PID=
cleanup() {
    if [ -n "$NGINX_PID" ]; then
        kill "$NGINX_PID" 2>/dev/null || true
        wait "$NGINX_PID" 2>/dev/null || true
    fi
    rm -rf "$TMP"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_free() {
    python3 - "$1" <<'PY'
import socket, sys
s = socket.socket()
try:
    s.bind(("127.0.0.1", int(sys.argv[1])))
except OSError:
    sys.exit(1)
PY
}
free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# ---- the site ------------------------------------------------------------
# The port is written into every link of the site, so a cached site is
# reused only when its port is free now.
SITE_DIR=${SITE_CACHE:-$TMP/site}
PORT=
if [ -n "${SITE_CACHE:-}" ] && [ -f "$SITE_CACHE/stamp" ]; then
    read -r s_n s_items s_port < "$SITE_CACHE/stamp" || true
    if [ "$s_n" = "$N" ] && [ "$s_items" = "$ITEMS" ] && port_free "$s_port"; then
        PORT=$s_port
        echo "reusing the site in $SITE_CACHE (port $PORT)" >&2
    fi
fi
if [ -z "$PORT" ]; then
    PORT=18080
    port_free "$PORT" || PORT=$(free_port)
    rm -rf "$SITE_DIR"
    mkdir -p "$SITE_DIR"
    echo "generating $N feeds x $ITEMS items + pages (port $PORT) ..." >&2
    python3 "$GEN" --site "$SITE_DIR/site" --work "$SITE_DIR/work" -n "$N" \
        --items "$ITEMS" --port "$PORT" >&2
    echo "$N $ITEMS $PORT" > "$SITE_DIR/stamp"
fi
SITE=$SITE_DIR/site
URLS=$SITE_DIR/work/urls-feeds.txt
N_ARTICLES=$(wc -l < "$SITE_DIR/work/urls-articles.txt")

# ---- nginx ---------------------------------------------------------------
NP=$TMP/nginx
mkdir -p "$NP/tmp"
sed -e "s#@PREFIX@#$NP#g" -e "s#@ROOT@#$SITE#g" -e "s#@PORT@#$PORT#g" \
    bench/nginx/nginx.conf.in > "$NP/nginx.conf"
"$NGINX" -p "$NP" -c "$NP/nginx.conf" -e "$NP/error.log" &
NGINX_PID=$!
for _ in $(seq 50); do
    curl -sf -o /dev/null "http://127.0.0.1:$PORT/feeds/feed_0001.xml" && break
    sleep 0.1
done
curl -sf -o /dev/null "http://127.0.0.1:$PORT/feeds/feed_0001.xml" ||
    { echo "bench_crawl: nginx did not start:" >&2; cat "$NP/error.log" >&2; exit 1; }
# Warm the page cache, so neither side pays for the disk.
find "$SITE" -type f -exec cat {} + > /dev/null

# Other work on the machine skews wall times: the report shows the load
# average at the start and feedsift's own CPU time beside each wall time.
cut -d' ' -f1-3 /proc/loadavg > "$TMP/loadavg"
now() { date +%s.%N; }
# elapsed START: seconds since START, 3 decimals
elapsed() { python3 -c "import sys; print('%.3f' % (float(sys.argv[2]) - float(sys.argv[1])))" "$1" "$(now)"; }

# ---- curl, the ceiling -----------------------------------------------------
awk '{printf "url = \"%s\"\noutput = \"/dev/null\"\n", $1}' "$URLS" > "$TMP/curl-cold.cfg"
# One round also records every validator, for the 304 baseline.  (-s does
# not silence the --parallel progress meter of this curl: stderr goes away.)
curl -s --parallel --parallel-max 64 --compressed -K "$TMP/curl-cold.cfg" \
    -w '%{url_effective} %header{etag}\n' > "$TMP/etags.txt" 2>/dev/null
# An ETag is quoted (W/"..."): escaped for the config file's own quotes.
awk 'NR > 1 { print "next" }
     { gsub(/"/, "\\\"", $2)
       printf "url = \"%s\"\noutput = \"/dev/null\"\ncompressed\n", $1
       printf "header = \"If-None-Match: %s\"\nwrite-out = \"%%{http_code}\\n\"\n", $2 }' \
    "$TMP/etags.txt" > "$TMP/curl-304.cfg"
best() { sort -g | head -1; }
echo "curl: $RUNS rounds of $N feeds, 304 ..." >&2
for _ in $(seq "$RUNS"); do
    t=$(now)
    curl -s --parallel --parallel-max 64 -K "$TMP/curl-304.cfg" > "$TMP/curl-304.codes" 2>/dev/null
    elapsed "$t"
done | best > "$TMP/curl-304"
n304=$(grep -c '^304$' "$TMP/curl-304.codes" || true)
[ "$n304" = "$N" ] || echo "bench_crawl: warning: curl got $n304 of $N 304s" >&2

# ---- feedsift --------------------------------------------------------------
FS_OPTS=(--feeds "$URLS" --rules rules/default.rules --concurrency "$CONCURRENCY"
         --per-host "$PER_HOST" --article-delay "$ARTICLE_DELAY" --format json)
# run NAME ARGS...: wall time, peak RSS and the JSON summary of one crawl
run() {
    local name=$1; shift
    local t; t=$(now)
    /usr/bin/time -v -o "$TMP/$name.time" "$EXE" crawl "${FS_OPTS[@]}" "$@" \
        > "$TMP/$name.json" 2> "$TMP/$name.err" || {
        local rc=$?
        echo "bench_crawl: feedsift crawl $name failed ($rc):" >&2
        tail -5 "$TMP/$name.err" >&2
        exit 1
    }
    elapsed "$t" > "$TMP/$name.wall"
}
# The rules' compiled prefilter comes from the on-disk cache on every run
# but the first after a rules change (classifier/rules_pfcache.c).  The
# runs below use a cache of their own, filled first by a one-feed crawl,
# so that they measure the steady state of scheduled crawls; the fill's
# time is reported as what the first run pays.
export FEEDSIFT_CACHE_DIR=$TMP/cache
echo "feedsift: filling the prefilter cache (one-feed crawl) ..." >&2
head -n 1 "$URLS" > "$TMP/warm-feed.txt"
t=$(now)
"$EXE" crawl --feeds "$TMP/warm-feed.txt" --rules rules/default.rules \
    --no-articles --db "$TMP/warm.db" > /dev/null 2>&1 ||
    { echo "bench_crawl: the warm-up crawl failed" >&2; exit 1; }
elapsed "$t" > "$TMP/warm.wall"
# (a) and curl's cold fetch take turns, RUNS rounds each, so that both
# see the same machine; the fastest round of each counts.
echo "feedsift (a) feeds only and curl cold, $RUNS rounds each ..." >&2
: > "$TMP/curl-cold.all"
for i in $(seq "$RUNS"); do
    t=$(now)
    curl -s --parallel --parallel-max 64 --compressed -K "$TMP/curl-cold.cfg" 2>/dev/null
    elapsed "$t" >> "$TMP/curl-cold.all"
    run "a$i" --no-articles --db "$TMP/a$i.db"
done
best < "$TMP/curl-cold.all" > "$TMP/curl-cold"
fastest=$(for i in $(seq "$RUNS"); do echo "$(cat "$TMP/a$i.wall") $i"; done |
          sort -g | head -1 | cut -d' ' -f2)
for ext in wall time json err; do cp "$TMP/a$fastest.$ext" "$TMP/a.$ext"; done
for i in $(seq "$RUNS"); do cat "$TMP/a$i.wall"; done | tr '\n' ' ' > "$TMP/a.all"
echo "feedsift (b) full crawl ..." >&2
run b --db "$TMP/b.db"
echo "feedsift (c) all-304 re-crawl ..." >&2
run c --all --db "$TMP/b.db"

# ---- newsboat --------------------------------------------------------------
NB_N=$N
if [ "$NEWSBOAT" != 0 ]; then
    [ -z "$NB_FEEDS" ] || NB_N=$NB_FEEDS
    mkdir -p "$TMP/nb"
    head -n "$NB_N" "$URLS" > "$TMP/nb/urls"
    : > "$TMP/nb/config"
    echo "newsboat -x reload on $NB_N feeds (default settings) ..." >&2
    t=$(now)
    HOME=$TMP/nb newsboat -u "$TMP/nb/urls" -c "$TMP/nb/cache.db" \
        -C "$TMP/nb/config" -x reload > "$TMP/nb/out" 2>&1 ||
        echo "bench_crawl: newsboat exited $?" >&2
    elapsed "$t" > "$TMP/newsboat.wall"
    newsboat -v 2>/dev/null | head -1 | awk '{print $2}' > "$TMP/newsboat.version" || true
fi

# ---- report ----------------------------------------------------------------
python3 - "$TMP" "$N" "$ITEMS" "$N_ARTICLES" "$RUNS" "$NB_N" \
    "CONCURRENCY=$CONCURRENCY PER_HOST=$PER_HOST ARTICLE_DELAY=$ARTICLE_DELAY" <<'PY'
import json, os, re, sys
tmp, n, items, n_art, runs, nb_n, settings = sys.argv[1:8]
n, items, n_art, nb_n = int(n), int(items), int(n_art), int(nb_n)
def f(name):
    return float(open(os.path.join(tmp, name)).read())
def summary(name):
    return json.load(open(os.path.join(tmp, name + ".json")))
def rss_mb(name):
    m = re.search(r"Maximum resident set size \(kbytes\): (\d+)",
                  open(os.path.join(tmp, name + ".time")).read())
    return int(m.group(1)) / 1024
def cpu_s(name):
    t = open(os.path.join(tmp, name + ".time")).read()
    u = re.search(r"User time \(seconds\): ([\d.]+)", t)
    s = re.search(r"System time \(seconds\): ([\d.]+)", t)
    return float(u.group(1)) + float(s.group(1))
def ok(c):
    return "ok" if c else "MISSED"
curl_cold, curl_304 = f("curl-cold"), f("curl-304")
a, b, c = f("a.wall"), f("b.wall"), f("c.wall")
sa, sb, sc = summary("a"), summary("b"), summary("c")
print("site: %d feeds x %d items, %d article pages, one loopback nginx "
      "(gzip, ETag/Last-Modified); 2 cores; curl and (a): fastest of %s "
      "interleaved rounds" % (n, items, n_art, runs))
print("crawl settings: --concurrency %s --per-host %s --article-delay %s"
      % tuple(re.findall(r"=(\S+)", settings)))
print("load average at the start: %s (2 cores)"
      % open(os.path.join(tmp, "loadavg")).read().strip())
print()
print("%-40s %8s %8s %9s %9s" % ("run", "wall s", "CPU s", "req/s", "peak RSS"))
print("%-40s %8.2f %8s %9.0f %9s" % ("curl --parallel-max 64 --compressed", curl_cold, "-", n / curl_cold, "-"))
print("%-40s %8.2f %8.2f %9.0f %7.0fMB" % ("(a) feedsift crawl --no-articles", a, cpu_s("a"), n / a, rss_mb("a")))
print("%-40s %8.2f %8.2f %9.0f %7.0fMB" % ("(b) feedsift crawl (feeds + articles)", b, cpu_s("b"), (n + n_art) / b, rss_mb("b")))
print("%-40s %8.2f %8s %9.0f %9s" % ("curl, If-None-Match (all 304)", curl_304, "-", n / curl_304, "-"))
print("%-40s %8.2f %8.2f %9.0f %7.0fMB" % ("(c) feedsift crawl --all (all 304)", c, cpu_s("c"), n / c, rss_mb("c")))
nb = None
if os.path.exists(os.path.join(tmp, "newsboat.wall")):
    nb = f("newsboat.wall")
    ver = open(os.path.join(tmp, "newsboat.version")).read().strip()
    print("%-40s %8.2f %8s %9.0f %9s" % ("(d) newsboat %s -x reload, %d feeds" % (ver, nb_n), nb, "-", nb_n / nb, "-"))
print()
print("prefilter cache: filled by a one-feed crawl in %.2f s (the first run "
      "after a rules change pays this once); (a)-(c) load it" % f("warm.wall"))
print("(a) items stored %d of %d; feedsift / curl wall: %.2fx (goal <= 2x): %s"
      % (sa["items_new"], n * items, a / curl_cold, ok(a / curl_cold <= 2)))
print("    every round: (a) %s s; curl %s s"
      % (open(os.path.join(tmp, "a.all")).read().strip(),
         " ".join(open(os.path.join(tmp, "curl-cold.all")).read().split())))
ips = sb["items_new"] / b
print("(b) %d items, %d articles ok, %d failed: %.0f items/s end to end "
      "(goal >= 250): %s; peak RSS %.0f MB (goal < 100): %s"
      % (sb["items_new"], sb["articles_ok"], sb["articles_failed"], ips,
         ok(ips >= 250), rss_mb("b"), ok(rss_mb("b") < 100)))
print("(c) %d of %d not modified; cold (a) / re-crawl: %.1fx (goal >= 5x): "
      "%s; feedsift / curl wall: %.2fx"
      % (sc["feeds_not_modified"], n, a / c, ok(a / c >= 5), c / curl_304))
if nb is not None:
    print("(d) feedsift / newsboat feeds/s: %.1fx (feedsift (a) "
          "%.0f feeds/s, newsboat %.1f feeds/s%s)"
          % ((n / a) / (nb_n / nb), n / a, nb_n / nb,
             "" if nb_n == n else ", newsboat on the first %d feeds only" % nb_n))
else:
    print("(d) newsboat skipped (--no-newsboat)")
PY
