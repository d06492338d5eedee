#!/usr/bin/env python3
"""End-to-end: a real crawl over loopback HTTP into a real SQLite file.

Serves demo/site (three feeds: RSS 2.0, Atom 1.0, RSS 1.0; article pages,
one of them built like the seed page: the rare-earth quota article followed
by a list of unrelated headlines) and checks what lands in the database,
what the user is told, and that a second crawl adds nothing.

usage: test_crawl.py FEEDSIFT SOURCE_ROOT
"""
import fcntl
import json
import os
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                "..", "lib"))
from harness import Feedsift, Tap, TestServer, query, tempdir  # noqa: E402

SEED_SENTENCES = [
    "China has quietly issued its first rare earth mining and smelting quotas for 2025",
    "state-owned firms received the quotas last month",
    "In 2024, mining quotas totaled 270,000 metric tons",
    "China Rare Earth Group and China Northern Rare Earth Group",
    "underscores its strategic intent to fortify dominance",
]
SIDEBAR = [
    "Dow Hits 50,000",
    "Gold and Silver Prices Rebound",
    "Trump Endorses Japan",
    "TrumpRx.gov",
    "South Korea’s Weak Won Struggles",
    "Ohio Man Indicted",
]


def main():
    binary, src = sys.argv[1], sys.argv[2]
    t = Tap()
    work = tempdir()
    site = os.path.join(work, "site")
    shutil.copytree(os.path.join(src, "demo", "site"), site)
    log = os.path.join(work, "requests.log")
    srv = TestServer(site, log=log)
    fs = Feedsift(binary, work)
    db = os.path.join(work, "feedsift.db")

    feeds = os.path.join(work, "feeds.txt")
    with open(os.path.join(src, "demo", "feeds.txt.in")) as f:
        text = f.read().replace("@BASE@", srv.base)
    with open(feeds, "w") as f:
        f.write(text)

    # ---- first crawl ---------------------------------------------------
    p = fs.run("crawl", "--feeds", feeds, "--db", db)
    t.eq(p.returncode, 0, "first crawl exits 0")
    if p.returncode != 0:
        print("# stderr: " + p.stderr.replace("\n", "\n# "))
    t.ok("feeds: 3 due" in p.stdout and ": 3 ok" in p.stdout,
         "summary names 3 feeds due and ok", p.stdout)
    n_items = query(db, "SELECT count(*) FROM items")[0][0]
    t.eq(n_items, 12, "all 12 items stored")
    t.ok("items: 12 new" in p.stdout, "summary counts 12 new items", p.stdout)

    rows = query(db, "SELECT id, body, canonical_url, body_state, published "
                     "FROM items WHERE guid = ?",
                 "demo-wire-rare-earth-quotas-2025")
    t.eq(len(rows), 1, "seed article stored once")
    if rows:
        item_id, body, canon, state, published = rows[0]
        body = body or ""
        t.ok(all(s in body for s in SEED_SENTENCES),
             "seed article body holds the article's sentences", body[:600])
        leaked = [h for h in SIDEBAR if h in body]
        t.eq(leaked, [], "no sidebar headline leaks into the article body")
        t.ok(canon and canon.endswith("/seed-article.html")
             or canon and "rare-earth" in canon,
             "canonical URL recorded", canon)
        # Mon, 07 Apr 2025 08:15:00 +0800 is 00:15 UTC
        t.eq(published, 1743984900, "pubDate with +0800 stored as UTC")
        tags = sorted({r[0] for r in query(
            db, "SELECT tag FROM item_tags WHERE item_id = ?", item_id)})
        t.ok("rare-earths/quotas" in tags, "seed article tagged "
             "rare-earths/quotas", tags)
        ev = query(db, "SELECT rule_id, field, matched FROM item_tags "
                       "WHERE item_id = ? AND tag = 'rare-earths/quotas'",
                   item_id)
        t.ok(ev and all(e[0] and e[1] and e[2] for e in ev),
             "quota tag carries evidence (rule, field, matched text)", ev)
        bad = [x for x in tags if x.startswith("markets")]
        t.eq(bad, [], "sidebar market headlines do not tag the article")

    def tags_of(title_like):
        return sorted({r[0] for r in query(
            db, "SELECT t.tag FROM item_tags t JOIN items i ON i.id = "
                "t.item_id WHERE i.title LIKE ?", title_like)})

    t.eq(tags_of("%Fishing Quotas%"), [], "fishing quotas are not tagged")
    t.eq(tags_of("%Heart Rate%"), [], "heart rate is not tagged")
    t.eq(tags_of("%Gold Medal%"), [], "gold medal is not tagged")
    t.eq(tags_of("%Mayor Won%"), [], "'won' the verb is not tagged")
    t.ok("markets/fx" in tags_of("%Yen Slides%"), "yen story is markets/fx")
    t.ok("markets/rates" in tags_of("%ECB Holds%"), "ECB story is "
         "markets/rates")
    t.ok("trade/tariffs" in tags_of("%Steel &%Aluminum%") or
         "trade/tariffs" in tags_of("%Steel%"), "tariff story tagged")
    t.ok("sanctions" in tags_of("%Sanctions Tanker%"), "sanctions story "
         "tagged")
    t.ok("export-controls" in tags_of("%Export Controls%"),
         "export-control story tagged")

    # ---- list ------------------------------------------------------------
    p = fs.run("list", "--db", db, "--format", "json")
    t.eq(p.returncode, 0, "list --format json exits 0")
    lines = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    t.eq(len(lines), 12, "list prints one JSON object per item")
    if lines:
        need = {"id", "title", "link", "feed", "published", "tags"}
        t.ok(need <= set(lines[0]), "json rows have id, title, link, feed, "
             "published, tags", lines[0])
        pubs = [x["published"] for x in lines if x["published"]]
        t.eq(pubs, sorted(pubs, reverse=True), "list is newest first")
    p = fs.run("list", "--db", db, "--tag", "markets", "--format", "json")
    rows = [json.loads(x) for x in p.stdout.splitlines() if x.strip()]
    t.ok(rows and all(any(tag == "markets" or tag.startswith("markets/")
                          for tag in r["tags"]) for r in rows),
         "--tag markets lists only markets/* items", p.stdout)
    t.ok(any("Yen" in r["title"] for r in rows), "--tag markets includes "
         "markets/fx")
    p = fs.run("list", "--db", db, "--format", "csv")
    t.ok(p.returncode == 0 and p.stdout.splitlines()[0].startswith("id,"),
         "csv has a header row", p.stdout[:200])

    # ---- second crawl: nothing new --------------------------------------
    before = query(db, "SELECT count(*) FROM items")[0][0]
    tags_before = query(db, "SELECT count(*) FROM item_tags")[0][0]
    n_req_before = len(srv.requests())
    p = fs.run("crawl", "--feeds", feeds, "--db", db)
    t.eq(p.returncode, 0, "crawl right after: exits 0")
    t.ok("feeds: 0 due (3 not due" in p.stdout, "crawl right after: no "
         "feed is due yet", p.stdout)
    t.eq(len(srv.requests()), n_req_before, "crawl right after: no request")
    due = query(db, "SELECT count(*) FROM feeds WHERE next_due > "
                    "strftime('%s','now') + 240 AND poll_interval >= 300")
    t.eq(due[0][0], 3, "every feed is scheduled at least 5 minutes ahead")
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--all")
    t.eq(p.returncode, 0, "second crawl (--all) exits 0")
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], before,
         "second crawl adds no item")
    t.eq(query(db, "SELECT count(*) FROM item_tags")[0][0], tags_before,
         "second crawl adds no tag")
    t.ok("0 new" in p.stdout, "second summary reports 0 new", p.stdout)
    second = srv.requests()[n_req_before:]
    t.ok(second and all(r["status"] == 304 for r in second),
         "second crawl: conditional GETs answered 304, no article refetch",
         second)
    t.ok(all(r["if_none_match"] for r in second), "ETag sent back as "
         "If-None-Match")
    t.ok(all((r["user_agent"] or "").startswith("feedsift/") for r in
             srv.requests()), "User-Agent names feedsift")

    # ---- failing feeds don't stop the others ----------------------------
    bad = os.path.join(work, "bad-feeds.txt")
    with open(bad, "w") as f:
        f.write(text)
        f.write("%s/status/500 Broken\n" % srv.base)
        f.write("%s/feeds/not-there.rss\n" % srv.base)
        f.write("%s/news/gold-medal.html  An HTML page, not a feed\n"
                % srv.base)
    p = fs.run("crawl", "--feeds", bad, "--db", db)
    t.eq(p.returncode, 3, "crawl with failing feeds exits 3")
    t.ok("/status/500: HTTP 500" in p.stderr, "HTTP 500 reported with the "
         "URL", p.stderr)
    t.ok("not-there.rss: HTTP 404" in p.stderr, "404 reported with the URL",
         p.stderr)
    t.ok("gold-medal.html" in p.stderr, "non-feed reported with the URL",
         p.stderr)
    t.ok("3 failed" in p.stdout, "summary counts 3 failed feeds", p.stdout)
    t.eq(query(db, "SELECT count(*) FROM items")[0][0], before,
         "nothing lost or added by failing feeds")
    errs = query(db, "SELECT consecutive_errors, last_error FROM feeds "
                     "WHERE url LIKE '%/status/500'")
    t.ok(errs and errs[0][0] == 1 and "500" in (errs[0][1] or ""),
         "failing feed's error recorded", errs)

    # ---- lock: an overlapping run exits at once --------------------------
    with open(db + ".lock", "w") as lockf:
        fcntl.flock(lockf, fcntl.LOCK_EX)
        p = fs.run("crawl", "--feeds", feeds, "--db", db, timeout=20)
        fcntl.flock(lockf, fcntl.LOCK_UN)
    t.eq(p.returncode, 4, "crawl while another holds the lock exits 4")
    t.ok("another crawl" in p.stderr, "and says so", p.stderr)

    # ---- a corrupt database is reported, never overwritten --------------
    junk = os.path.join(work, "junk.db")
    with open(junk, "wb") as f:
        f.write(b"this is not a database\n" * 100)
    with open(junk, "rb") as f:
        junk_bytes = f.read()
    p = fs.run("crawl", "--feeds", feeds, "--db", junk)
    t.eq(p.returncode, 5, "crawl on a corrupt database exits 5")
    t.ok("junk.db" in p.stderr, "error names the database file", p.stderr)
    with open(junk, "rb") as f:
        t.ok(f.read() == junk_bytes, "corrupt database left untouched")

    # ---- bad rules: clear error, nothing touched -------------------------
    rules = os.path.join(work, "bad.rules")
    with open(rules, "w") as f:
        f.write("[rule broken]\ntag = x\nany = (unclosed\n")
    p = fs.run("crawl", "--feeds", feeds, "--db", db, "--rules", rules)
    t.ok(p.returncode not in (0, 3) and "bad.rules:3" in p.stderr,
         "bad rules file named with its line", p.stderr)

    return t.done()


if __name__ == "__main__":
    sys.exit(main())
