#!/usr/bin/env python3
"""End-to-end: how a crawl copes with every way a server can misbehave,
and how it schedules feeds afterwards.

One loopback server (tests/lib/server.py) serves a small generated site and
its fault endpoints.  For each case the test asserts what the user is told
(stderr names the URL and the problem), what is stored (items, feed URL,
status, errors, next due time, disabled) and that the other feeds are not
harmed.

usage: test_fetch_faults.py FEEDSIFT
"""
import json
import os
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import (Feedsift, Tap, TestServer, query, tempdir,  # noqa: E402
                     write_file as write)

HOUR = 3600


def rss(title, items, ttl=None, encoding="utf-8", declared=None):
    """An RSS 2.0 document; items are (title, link, published) tuples."""
    decl = declared or encoding
    out = ['<?xml version="1.0" encoding="%s"?>' % decl,
           '<rss version="2.0"><channel><title>%s</title>' % title,
           "<link>http://example.org/</link>"]
    if ttl:
        out.append("<ttl>%d</ttl>" % ttl)
    for t, link, pub in items:
        out.append("<item><title>%s</title><link>%s</link><guid>%s</guid>"
                   "<pubDate>%s</pubDate></item>" % (
                       t, link, link, time.strftime(
                           "%a, %d %b %Y %H:%M:%S +0000", time.gmtime(pub))))
    out.append("</channel></rss>\n")
    return "\n".join(out).encode(encoding)


def hourly(prefix, n, base="http://example.org/a/"):
    now = int(time.time())
    return [("%s story %d" % (prefix, i), "%s%s-%d.html" % (base, prefix, i),
             now - i * HOUR) for i in range(n)]


def feed_row(db, url_like):
    rows = query(db, "SELECT url, consecutive_errors, last_error, next_due,"
                     " poll_interval, last_status, disabled,"
                     " (SELECT count(*) FROM items i WHERE i.feed_id = f.id)"
                     " FROM feeds f WHERE url LIKE ?", url_like)
    keys = ("url", "errors", "last_error", "next_due", "interval", "status",
            "disabled", "items")
    return dict(zip(keys, rows[0])) if rows else None


def main():
    binary = sys.argv[1]
    t = Tap()
    work = tempdir()
    site = os.path.join(work, "site")
    write(site, "feeds/good.rss", rss("Good", hourly("good", 5)))
    write(site, "feeds/gz.rss", rss("Gzipped", hourly("gz", 3)))
    for coding in ("deflate", "rawdeflate", "br", "zstd", "stacked",
                   "gzredirect", "gzjunk"):
        write(site, "feeds/%s.rss" % coding, rss(coding, hourly(coding, 2)))
    write(site, "feeds/moved301.rss", rss("Moved 301", hourly("m301", 2)))
    write(site, "feeds/moved308.rss", rss("Moved 308", hourly("m308", 2)))
    write(site, "feeds/temp302.rss", rss("Temp 302", hourly("t302", 2)))
    write(site, "feeds/cached.rss", rss("Cached", hourly("cached", 4)))
    write(site, "feeds/ttl.rss", rss("TTL", hourly("ttl", 4), ttl=240))
    # Declared ISO-8859-1, really UTF-8, and the HTTP header says UTF-8:
    # the HTTP charset wins, so the accents come out right.
    write(site, "feeds/charset.rss",
          rss("Charset", [("Café crème déjà vu", "http://example.org/c",
                           int(time.time()))], declared="iso-8859-1"))
    srv = TestServer(site, log=os.path.join(work, "requests.log"))
    b = srv.base
    write(site, "robots.txt", b"User-agent: *\nDisallow: /private/\n")
    page = ("<html><head><title>%s</title><link rel='canonical' "
            "href='/canonical/%s'></head><body><nav>Home | World</nav>"
            "<article><h1>%s</h1>" + "<p>%s</p>" * 3 + "</article></body>"
            "</html>")
    for name in ("public", "private"):
        para = ("This is the %s article, with enough words in a sentence to "
                "be taken for the main text of the page by the extractor."
                % name)
        write(site, "%s/story.html" % name, (page % (
            name, name, name.title(), para, para, para)).encode())
    write(site, "feeds/articles.rss", rss("Articles", [
        ("Public story", b + "/public/story.html", int(time.time())),
        ("Private story", b + "/private/story.html", int(time.time()) - 60)]))
    fs = Feedsift(binary, work)
    db = os.path.join(work, "feedsift.db")

    cases = {
        "good": b + "/feeds/good.rss",
        "gzip": b + "/gzip/feeds/gz.rss",
        "deflate": b + "/encoded/deflate/feeds/deflate.rss",
        "rawdeflate": b + "/encoded/deflate-raw/feeds/rawdeflate.rss",
        "br": b + "/encoded/br/feeds/br.rss",
        "zstd": b + "/encoded/zstd/feeds/zstd.rss",
        "stacked": b + "/encoded/gzip,br/feeds/stacked.rss",
        "cutgzip": b + "/cut/gzip/feeds/good.rss",
        "gzredirect": b + "/redirect-gzip/encoded/gzip/feeds/gzredirect.rss",
        "gzjunk": b + "/gzip-then-junk/feeds/gzjunk.rss",
        "compress": b + "/encoded/compress/feeds/good.rss",
        "bomb": b + "/gzip-bomb",
        "endless": b + "/endless",
        "slow": b + "/slow",
        "closed": b + "/close-mid-body",
        "m301": b + "/redirect/301/feeds/moved301.rss",
        "m308": b + "/redirect/308/feeds/moved308.rss",
        "t302": b + "/redirect/302/feeds/temp302.rss",
        "loop": b + "/loop",
        "file": b + "/redirect-to?url=" + urllib.parse.quote(
            "file:///etc/passwd", safe=""),
        "ftp": b + "/redirect-to?url=" + urllib.parse.quote(
            "ftp://127.0.0.1/feed.rss", safe=""),
        "404": b + "/status/404",
        "410": b + "/status/410",
        "429": b + "/retry-after",
        "503": b + "/unavailable",
        "500": b + "/status/500",
        "html": b + "/typed/feeds/good.rss?ctype=" + urllib.parse.quote(
            "text/html", safe=""),
        "charset": b + "/typed/feeds/charset.rss?ctype=" + urllib.parse.quote(
            "application/rss+xml; charset=utf-8", safe=""),
        "cache": b + "/cache/7200/feeds/cached.rss",
        "ttl": b + "/feeds/ttl.rss",
    }
    feeds = os.path.join(work, "feeds.txt")
    with open(feeds, "w") as f:
        for name, url in cases.items():
            f.write("%s %s\n" % (url, name))

    start = time.time()
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--no-articles",
               "--timeout", "3", "--max-size", "1000000", timeout=120)
    took = time.time() - start
    now = int(time.time())
    err = p.stderr
    t.eq(p.returncode, 3, "a crawl with failing feeds exits 3")
    t.ok(took < 30, "slow and endless servers do not hold the run "
         "(%.1f s)" % took)

    def told(case, *words):
        lines = [ln for ln in err.splitlines() if cases[case] in ln]
        good = lines and all(any(w in ln for ln in lines) for w in words)
        t.ok(good, "%s: stderr names the URL and says %s" % (case, words),
             lines or err[-2000:])

    told("bomb", "larger than 1000000 bytes")
    told("endless", "larger than 1000000 bytes")
    told("slow", "timed out")
    told("closed")
    told("cutgzip", "gzip data cut short")
    told("compress", "unsupported Content-Encoding 'compress'")
    told("loop", "redirect loop")
    told("file", "scheme not allowed")
    told("ftp", "scheme not allowed")
    told("404", "HTTP 404")
    told("410", "HTTP 410", "feed disabled")
    told("429", "HTTP 429")
    told("500", "HTTP 500", "error 1 in a row")
    sent = set(r.get("accept_encoding") for r in srv.requests())
    t.eq(sent, {"gzip, deflate, br, zstd"}, "every request offers the "
         "codings feedsift decodes")
    t.ok("root:" not in err and "root:" not in p.stdout,
         "file:// redirect target was never read")

    # What is stored.
    for case, n in (("good", 5), ("gzip", 3), ("html", 5), ("charset", 1),
                    ("deflate", 2), ("rawdeflate", 2), ("br", 2),
                    ("zstd", 2), ("stacked", 2), ("gzredirect", 2),
                    ("gzjunk", 2)):
        r = feed_row(db, cases[case])
        t.ok(r and r["items"] == n and r["errors"] == 0,
             "%s: %d items stored, no error" % (case, n), r)
    titles = [r[0] for r in query(db, "SELECT title FROM items")]
    t.ok("Café crème déjà vu" in titles, "HTTP charset beats the XML "
         "declaration", [x for x in titles if x.startswith("Caf")])
    for case in ("bomb", "endless", "slow", "closed", "loop", "file", "ftp",
                 "404", "500", "cutgzip", "compress"):
        r = feed_row(db, cases[case])
        t.ok(r and r["items"] == 0 and r["errors"] == 1 and r["last_error"],
             "%s: error recorded on the feed, nothing stored" % case, r)

    # Scheduling.
    r = feed_row(db, cases["good"])
    t.eq(r["interval"], 1800, "hourly feed: polled every 30 minutes "
         "(half the median gap)")
    t.ok(now + 1700 <= r["next_due"] <= now + 1900, "hourly feed: next due "
         "in 30 minutes", r)
    r = feed_row(db, cases["cache"])
    t.ok(r["interval"] >= 7200, "Cache-Control max-age=7200 is honoured", r)
    r = feed_row(db, cases["ttl"])
    t.ok(r["interval"] >= 240 * 60, "RSS ttl 240 is honoured", r)
    r = feed_row(db, cases["500"])
    t.ok(now + 250 <= r["next_due"] <= now + 350 and r["status"] == 500,
         "500: first retry after 5 minutes", r)
    r = feed_row(db, cases["429"])
    t.ok(r["next_due"] >= now + 110 and r["status"] == 429,
         "429: Retry-After 120 s honoured", r)
    r = feed_row(db, cases["503"])
    t.ok(r["next_due"] >= now + 3500 and r["status"] == 503,
         "503: Retry-After as an HTTP date honoured", r)
    r = feed_row(db, cases["410"])
    t.ok(r["disabled"] == 1 and r["status"] == 410, "410: feed disabled", r)

    # Redirects: permanent ones move the feed, temporary ones don't.
    for case, path in (("m301", "/feeds/moved301.rss"),
                       ("m308", "/feeds/moved308.rss")):
        r = feed_row(db, b + path)
        t.ok(r and r["items"] == 2, "%s: feed stored under its new URL"
             % case, r)
        t.ok(feed_row(db, cases[case]) is None, "%s: old URL replaced" % case)
    t.ok(feed_row(db, cases["t302"]) is not None and
         feed_row(db, b + "/feeds/temp302.rss") is None,
         "302: feed keeps its URL")
    t.ok("moved permanently" in err, "the move is reported", err[-1500:])

    n_feeds = query(db, "SELECT count(*) FROM feeds")[0][0]
    n_items = query(db, "SELECT count(*) FROM items")[0][0]

    # ---- a second run: only due feeds; the moved feed by its new URL ----
    before = len(srv.requests())
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--no-articles",
               "--all", "--timeout", "3", "--max-size", "1000000")
    paths = [r["path"] for r in srv.requests()[before:]]
    t.eq(query(db, "SELECT count(*) FROM feeds")[0][0], n_feeds,
         "old URLs in the feed list map to the moved feeds: no new feed")
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], n_items,
         "second run stores no duplicate item")
    t.ok("/feeds/moved301.rss" in paths and
         not any(x.startswith("/redirect/301") for x in paths),
         "moved feed is fetched at its new URL directly", paths)
    t.ok("/status/410" not in paths, "disabled feed is not polled", paths)
    r = feed_row(db, cases["500"])
    t.ok(r["errors"] == 2 and r["next_due"] >= int(time.time()) + 550,
         "500 again: second error backs off to 10 minutes", r)
    t.ok("error 2 in a row" in p.stderr, "the user sees the error count")

    # ---- feeds: status listing; enable brings a 410 feed back -----------
    p = fs.run("feeds", "--db", db, "--format", "json")
    t.eq(p.returncode, 0, "feeds --format json exits 0")
    rows = [json.loads(x) for x in p.stdout.splitlines()]
    by_name = {x["name"]: x for x in rows}
    t.eq(len(rows), n_feeds, "feeds lists every feed once")
    g = by_name.get("good", {})
    t.ok(g.get("status") == "ok" and g.get("items") == 5 and
         g.get("next_due") and g.get("last_success") and
         g.get("poll_interval") == 2250 and g.get("http_status") == 304,
         "feeds: a healthy feed's row (interval grown by a quarter after "
         "a 304)", g)
    g = by_name.get("500", {})
    t.ok(g.get("status") == "error" and g.get("consecutive_errors") == 2 and
         "HTTP 500" in (g.get("last_error") or ""), "feeds: a failing "
         "feed's row", g)
    g = by_name.get("410", {})
    t.ok(g.get("status") == "disabled" and g.get("next_due") is None,
         "feeds: a gone feed's row", g)
    p = fs.run("feeds", "--db", db, "--format", "table")
    t.ok(p.returncode == 0 and "disabled" in p.stdout and "next due" in
         p.stdout, "feeds table has status and next due", p.stdout[:500])
    p = fs.run("feeds", "--db", db, "enable", cases["410"])
    t.eq(p.returncode, 0, "feeds enable exits 0")
    p = fs.run("feeds", "--db", db, "enable", "http://nowhere.example/")
    t.ok(p.returncode == 1 and "no feed" in p.stderr,
         "feeds enable of an unknown feed is an error", p.stderr)
    before = len(srv.requests())
    one = os.path.join(work, "one.txt")
    with open(one, "w") as f:
        f.write(cases["410"] + " 410\n")
    p = fs.run("crawl", "--feeds", one, "--db", db, "--no-articles")
    paths = [r["path"] for r in srv.requests()[before:]]
    t.ok("/status/410" in paths, "an enabled feed is polled again", paths)
    p = fs.run("feeds", "--db", os.path.join(work, "missing.db"))
    t.ok(p.returncode == 1 and "no such database" in p.stderr,
         "feeds on a missing database is an error", p.stderr)

    # ---- article pages: robots.txt, canonical URL -----------------------
    art = os.path.join(work, "articles.txt")
    with open(art, "w") as f:
        f.write(b + "/feeds/articles.rss articles\n")
    before = len(srv.requests())
    artdb = os.path.join(work, "articles.db")
    p = fs.run("crawl", "--feeds", art, "--db", artdb, "--article-delay", "0")
    paths = [r["path"] for r in srv.requests()[before:]]
    t.eq(p.returncode, 0, "robots.txt refusal is not a failure (exit 0)")
    t.eq(paths.count("/robots.txt"), 1, "robots.txt fetched once per run")
    t.ok("/public/story.html" in paths and
         "/private/story.html" not in paths,
         "the page disallowed by robots.txt is never requested", paths)
    rows = dict((r[0], r[1:]) for r in query(
        artdb, "SELECT link, body_state, body_error, canonical_url, body FROM "
            "items WHERE link LIKE '%/story.html'"))
    pub = rows.get(b + "/public/story.html")
    prv = rows.get(b + "/private/story.html")
    t.ok(pub and pub[0] == 2 and "public article" in (pub[3] or "") and
         "Home | World" not in pub[3], "public page: main text stored", pub)
    t.ok(pub and pub[2] == b + "/canonical/public",
         "the page's canonical URL is recorded", pub)
    t.ok(prv and prv[0] == 3 and "robots.txt" in (prv[1] or ""),
         "private page: recorded as refused by robots.txt", prv)
    t.ok("1 refused by robots.txt" in p.stdout, "summary counts the "
         "refusal", p.stdout)

    # Earlier items link to example.org, whose robots.txt is unreachable
    # here: their pages are not fetched, and the reason is recorded.
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--timeout", "3")
    rows = query(db, "SELECT body_state, body_error FROM items WHERE link "
                     "LIKE 'http://example.org/%'")
    t.ok(rows and all(r[0] == 3 and "robots.txt unreachable" in r[1]
                      for r in rows), "unreachable robots.txt: pages not "
         "fetched, reason recorded", rows[:3])
    t.ok(p.returncode == 3 and "robots.txt unreachable" in p.stderr,
         "unreachable robots.txt is reported as a failure", p.stderr[-800:])

    # ---- --loop: a service that stops cleanly on SIGTERM ----------------
    import signal
    import subprocess
    loopdb = os.path.join(work, "loop.db")
    good = os.path.join(work, "good.txt")
    with open(good, "w") as f:
        f.write(cases["good"] + " good\n")
    proc = subprocess.Popen([fs.binary, "crawl", "--feeds", good, "--db",
                             loopdb, "--no-articles", "--loop", "1s",
                             "--format", "json"], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=work)
    time.sleep(2.5)
    busy = subprocess.run([fs.binary, "crawl", "--feeds", good, "--db",
                           loopdb], capture_output=True, text=True)
    proc.send_signal(signal.SIGTERM)
    out, errs = proc.communicate(timeout=20)
    runs = [json.loads(x) for x in out.splitlines() if x.startswith("{")]
    t.ok(len(runs) >= 2, "--loop 1s ran several rounds", out)
    t.ok(runs and runs[0]["items_new"] == 5 and
         all(r["feeds_due"] == 0 for r in runs[1:]),
         "--loop: first round stores, later rounds find nothing due", out)
    t.eq(busy.returncode, 4, "a cron run during --loop exits 4 (locked)")
    t.eq(proc.returncode, 143, "--loop exits 143 on SIGTERM")
    t.eq(query(loopdb, "PRAGMA integrity_check")[0][0], "ok",
         "--loop database intact after SIGTERM")

    srv.stop()
    t.done()


if __name__ == "__main__":
    main()
